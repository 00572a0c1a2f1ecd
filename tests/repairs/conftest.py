"""Fixtures the repair lifecycle's end-to-end tests borrow: the fake Twilio gateway of the SMS tests
(the empty PostgreSQL database, `pg_url`, is in tests/conftest.py)."""

from tests.sms.conftest import fake_twilio  # noqa: F401 - a fixture
