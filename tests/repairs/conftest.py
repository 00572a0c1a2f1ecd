"""Fixtures the repair lifecycle's end-to-end tests borrow: an empty PostgreSQL database for the
two-instance topology, and the fake Twilio gateway of the SMS tests."""

from tests.scaleout.conftest import pg_url  # noqa: F401 - a fixture
from tests.sms.conftest import fake_twilio  # noqa: F401 - a fixture
