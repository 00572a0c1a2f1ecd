"""Fixtures for the booking flow: the real runtime on the demo knowledge base, a hand-set clock, a chat helper.

The matcher trained on the demo knowledge base is cached for the session (training takes seconds);
everything else — `build_runtime`, the engine, the flow, storage on SQLite and PostgreSQL — is the real one.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Action, Inbound, InboundKind, Outcome
from bot.engine.booking import BookingFlow
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.support import (  # noqa: F401
    DEMO_KB,
    SHANGHAI,
    WEDNESDAY_MORNING,
    Clock,
    use_cached_matcher,
)


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def open_runtime(database_url: str, clock: Clock, knowledge_dir: Path = DEMO_KB) -> Runtime:
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=knowledge_dir), clock=clock)
    assert isinstance(runtime.engine.flows["booking"], BookingFlow)
    return runtime


@pytest.fixture
async def runtime(database_url: str, clock: Clock) -> AsyncIterator[Runtime]:
    runtime = await open_runtime(database_url, clock)
    yield runtime
    await runtime.close()


class Chat:
    """One customer talking to the engine; keeps the last outcome for assertions."""

    def __init__(self, runtime: Runtime, customer: str = "c1", channel: str = "console") -> None:
        self.runtime = runtime
        self.customer = customer
        self.channel = channel
        self.outcome: Outcome | None = None

    async def send(self, text: str | None = None, **extra: Any) -> Outcome:
        inbound = Inbound(channel=self.channel, customer_id=self.customer, text=text, **extra)
        self.outcome = await self.runtime.engine.handle(inbound)
        return self.outcome

    async def press(self, label: str) -> Outcome:
        """Press the option whose label contains `label` (a Telegram button), sending its action."""
        return await self.send(action=self.option(label))

    async def photo(self, attachment: str, caption: str | None = None) -> Outcome:
        return await self.send(caption, kind=InboundKind.PHOTO, attachment=attachment)

    def option(self, label: str) -> Action:
        options = [o for r in self.outcome.replies for o in r.options] if self.outcome else []
        matches = [o for o in options if label in o.label]
        assert matches, f"no option {label!r} in {[o.label for o in options]}"
        return matches[0].action

    @property
    def labels(self) -> list[str]:
        return [o.label for r in self.outcome.replies for o in r.options] if self.outcome else []

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.outcome.replies) if self.outcome else ""

    @property
    def last(self) -> str:
        return self.outcome.replies[-1].text if self.outcome and self.outcome.replies else ""

    async def state(self) -> dict[str, Any]:
        conversation = await self.runtime.store.conversation(self.channel, self.customer)
        assert conversation is not None
        return copy.deepcopy(conversation.state or {})


async def book_to_confirm(chat: Chat, *, centre: str = "朝阳", day: str = "明天", slot: str = "10:00") -> None:
    """A Simplified-Chinese booking of an in-warranty phone at a Beijing store, up to the summary."""
    await chat.send("我要报修")
    await chat.send("手机")
    await chat.send("x20pro")
    await chat.send("490154203237518")
    await chat.send("屏幕碎了，触摸失灵")
    await chat.send("2026-05-01")
    await chat.send("到店")
    await chat.send("北京")
    await chat.send(centre)
    await chat.press(day)
    await chat.press(f"{slot}-")
    await chat.send("不需要")
    await chat.send("张三")
    await chat.send("13800138000")
    assert "请确认预约信息" in chat.last, chat.text
