"""One injected clock for the whole bot, storage included: nothing depends on the day the suite runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from bot.clock import as_utc
from bot.engine import Inbound
from bot.runtime import build_runtime
from bot.settings import load_settings
from bot.storage.models import Conversation, Escalation, Message
from tests.support import Clock

# Far from the day any test was written: a stamp taken from the system clock could not equal it.
FUTURE = dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


async def test_every_stored_timestamp_comes_from_the_injected_clock(database_url: str, small_kb: Path) -> None:
    clock = Clock(FUTURE)
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb), clock=clock)
    try:
        await runtime.engine.handle(Inbound(channel="console", customer_id="ada", text="How long is the warranty?"))
        clock.advance(minutes=5)
        await runtime.engine.handle(Inbound(channel="console", customer_id="ada", text="I want to file a complaint"))
        async with runtime.database.sessions() as session:
            conversation = await session.scalar(select(Conversation))
            messages = (await session.scalars(select(Message).order_by(Message.id))).all()
            escalation = await session.scalar(select(Escalation))
        assert conversation is not None and escalation is not None
        later = FUTURE + dt.timedelta(minutes=5)
        assert {as_utc(m.created_at) for m in messages} == {FUTURE, later}
        assert as_utc(conversation.created_at) == FUTURE
        assert as_utc(conversation.updated_at) == later  # onupdate too
        assert as_utc(escalation.created_at) == later
        stats = await runtime.handoff.stats()
        assert stats.conversations == 1  # "today" is the clock's day, not the machine's
    finally:
        await runtime.close()
