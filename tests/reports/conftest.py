"""Fixtures of the report tests: the week of known conversations in tests/reports/scenario.py."""

from tests.reports.scenario import kb_with_hours, scenario  # noqa: F401 - fixtures
