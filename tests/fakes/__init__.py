"""Fakes of outside services, run locally (127.0.0.1) so tests never reach the internet."""
