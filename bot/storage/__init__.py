"""Persistence: the tables, the repository functions over them, and the Alembic migrations.

One repository style: module-level async functions that take the caller's `AsyncSession` (for
example `handoff.load(session, id)`, `messages.insert_unless_known(session, row)`). The caller opens
the unit of work (`Store.turn` for a customer's turn, `Database.sessions()` with `session.begin()`
anywhere else) and decides what commits together: an agent's operation and its desk events, a
booking and its seat, a turn's state and its replies. A repository function never opens a session
or commits, so functions compose inside one transaction, and every SQL statement of the bot is in
this package. `Store` and `SmsStore` are thin conveniences that open one unit of work around one
repository call, for callers that need nothing else in that transaction.

Each module owns its tables: `models` (conversations, messages, escalations), `conversations`,
`messages`, `handoff`, `booking`, `forms`, `sms` (with `sms_store`), `telegram` (the agents' forum topics) `telegram_queue` (updates kept
until handled) and `telegram_outbox` (replies kept until sent),
`repairs` (a ticket's timeline) and `jobs` (the durable scheduler's work).
"""

from bot.storage.database import Database
from bot.storage.store import Store

__all__ = ["Database", "Store"]

# Imported for their tables: every model must be on Base.metadata for Alembic's autogenerate.
import bot.storage.booking
import bot.storage.forms
import bot.storage.handoff
import bot.storage.jobs
import bot.storage.kb_checks
import bot.storage.repairs
import bot.storage.sms
import bot.storage.staff
import bot.storage.suggestions
import bot.storage.telegram
import bot.storage.telegram_outbox
import bot.storage.telegram_queue  # noqa: F401
import bot.storage.web  # noqa: F401
