"""Reaching a customer from a job, once: the one way every notice, reminder and survey question goes out.

`deliver` sends a job's lines on the channel the ticket was booked on, through that channel's
`CustomerDelivery` (bot/handoff/delivery.py), keyed by the job (`source="job:<id>"`): the channel's
durable outbox keeps one copy per source, so a job run again after a crash between "queued" and
"finished" sends nothing twice. Then the lines go into the conversation's transcript, where agents
read them.

What keeps a message back: SMS quiet hours (deferred to the end of them, in the operator's time zone),
a channel not running in this process (deferred: another instance, or this one in a moment), a
customer who cannot be reached (blocked the bot, STOP by SMS: the job fails, recorded, never retried).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.clock import as_utc
from bot.engine.types import Reply
from bot.handoff.delivery import CustomerUnreachable
from bot.repairs.context import RepairContext
from bot.scheduler import Defer, Done, Fail, Outcome
from bot.settings import LANGUAGES, Language
from bot.storage import conversations
from bot.storage import messages as messages_repo
from bot.storage.booking import Booking
from bot.storage.jobs import ClaimedJob
from bot.storage.models import Conversation, Message

log = logging.getLogger(__name__)

NO_CHANNEL_RETRY = dt.timedelta(seconds=5)  # a channel registers when it starts: soon after the runner
NO_CHANNEL_GIVE_UP = int(dt.timedelta(days=2) / NO_CHANNEL_RETRY)  # attempts: two days without the channel anywhere


def customer_language(booking: Booking, conversation: Conversation | None = None) -> Language:
    """The language a ticket's customer is written to in: the one they booked in, else their
    conversation's, else Simplified Chinese (the bot's home market)."""
    for candidate in (booking.language, conversation.language if conversation is not None else None):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    return "zh-Hans"


def job_source(job: ClaimedJob) -> str:
    """The outbox key of a job's message: one copy per job, however often it runs."""
    return f"job:{job.id}"


def quiet_until(context: RepairContext, channel: str, now: dt.datetime, zone: ZoneInfo | None = None) -> dt.datetime | None:
    """When quiet hours end, if `channel` must keep quiet now (SMS only: a chat app is silenced by the
    customer's phone, a text message rings); None when it may send. `zone`: where the customer is
    (the ticket's centre), else the operator's time zone."""
    if channel != "sms":
        return None
    quiet = context.policies.quiet_hours
    local = as_utc(now).astimezone(zone or context.lifecycle.zone)
    if not quiet.contains(local):
        return None
    return as_utc(quiet.ends_after(local))


async def deliver(context: RepairContext, job: ClaimedJob, booking: Booking, replies: Sequence[Reply], *,
                  kind: str = "notice") -> Outcome:
    """Send `replies` to the ticket's customer for `job`; the job's outcome.

    `kind` is stored with the transcript lines (e.g. "notice", "reminder", "survey").
    """
    now = as_utc(context.clock())
    centre = context.catalog.centre(booking.centre_id) if context.catalog is not None else None
    later = quiet_until(context, booking.channel, now, centre.zone if centre is not None else None)
    if later is not None:
        return Defer(later, "SMS quiet hours")
    deliverer = context.handoff.deliveries.get(booking.channel)
    if deliverer is None:
        if job.attempts >= NO_CHANNEL_GIVE_UP:
            return Fail(f"no {booking.channel} channel has run for two days")
        return Defer(now + NO_CHANNEL_RETRY, f"no {booking.channel} channel running in this process", count=True)
    # Every line says which ticket it is about, as data: a template-only SMS gateway sends it as the
    # ticket's status template (bot/channels/sms/templates.py), never by reading the text back.
    about = [replace(reply, values={**reply.values, "ticket": booking.ticket}) for reply in replies]
    try:
        await deliverer.send_replies(booking.customer_id, about, source=job_source(job))
    except CustomerUnreachable as exc:
        log.info("ticket %s: %s not sent, the customer cannot be reached: %s", booking.ticket, kind, exc)
        return Fail(f"unreachable: {exc}")
    await _remember(context, booking, replies, kind)
    return Done(f"sent on {booking.channel}")


async def _remember(context: RepairContext, booking: Booking, replies: Sequence[Reply], kind: str) -> None:
    """Put what was sent into the customer's transcript (agents see the whole conversation)."""
    async with context.database.sessions() as session, session.begin():
        conversation_id = booking.conversation_id
        if conversation_id is None:
            conversation = await conversations.by_key(session, booking.channel, booking.customer_id)
            conversation_id = conversation.id if conversation is not None else None
        if conversation_id is None:
            return
        for reply in replies:
            messages_repo.add(session, Message(
                conversation_id=conversation_id, direction="out", kind=kind, text=reply.text, language=reply.language,
                created_at=as_utc(context.clock()),
            ))
