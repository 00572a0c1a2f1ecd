"""The multi-instance load benchmark (issue 12): fakes, infrastructure, driver and report for benchmarks/load.py."""
