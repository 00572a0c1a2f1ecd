"""Channels: turn what a customer sent into an `Inbound`, render the engine's replies. Nothing else."""
