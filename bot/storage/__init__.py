"""Persistence: SQLAlchemy models, the repository the engine talks to, and Alembic migrations."""

from bot.storage.database import Database
from bot.storage.store import Store

__all__ = ["Database", "Store"]

import bot.storage.booking  # noqa: E402,F401 - registers the booking tables on Base.metadata (Alembic autogenerate)
import bot.storage.sms  # noqa: E402,F401 - registers the SMS tables on Base.metadata (Alembic autogenerate)
import bot.storage.handoff  # noqa: E402,F401 - registers the hand-off tables on Base.metadata (Alembic autogenerate)
import bot.storage.forms  # noqa: E402,F401 - registers the form submissions table on Base.metadata (Alembic autogenerate)
