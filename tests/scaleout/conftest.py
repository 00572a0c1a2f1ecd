"""Fixtures of the multi-instance tests (helpers in claims_support.py; `pg_url` in tests/conftest.py)."""

from __future__ import annotations

from tests.sms.conftest import fake_twilio  # noqa: F401 - a fixture, for the SMS replay test
