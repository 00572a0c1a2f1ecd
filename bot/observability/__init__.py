"""What an operator watches: Prometheus metrics (`metrics`), JSON log lines without personal data
(`logs`), and the dependency checks behind /healthz (`health`).

Kept below the engine, the hand-off and the channels: they may report here, this package never calls
them. Nothing is imported here so that importing one module does not pull in the others.
"""
