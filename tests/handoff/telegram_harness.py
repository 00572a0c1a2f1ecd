"""The Telegram hand-off harness: the bot long-polling the fake Bot API with an agents' supergroup.

Customers write in private chats, agents in topics of AGENTS; the hand-off background tasks (agents'
outbox, sweep) run as in production, with fake sleeps and movable clocks so nothing waits for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher

from bot.channels.telegram.agents.desk import TelegramDesk
from bot.channels.telegram.bot import attach_handoff, create_bot, create_dispatcher, run_handoff_tasks
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.polling import start_polling
from bot.channels.telegram.session import RetryAfterMiddleware
from bot.runtime import Runtime, build_runtime
from tests.fakes.telegram_api import Call, FakeTelegramAPI, html_to_text
from tests.handoff.conftest import WEDNESDAY_11, Clock
from tests.telegram.conftest import FakeClock, make_settings

AGENTS = -1001234567890
AGENT = 7001  # a member of the agents' chat
OTHER_AGENT = 7002
OUTSIDER = 7666  # writes in the agents' chat but is not a member (left)
NAMES = {AGENT: "Alice", OTHER_AGENT: "Bob", OUTSIDER: "Mallory"}
ADA = 1001  # customers
BEN = 1002


@dataclass
class AgentsHarness:
    """A running bot with an agents' chat, and handles on everything around it."""

    api: FakeTelegramAPI
    runtime: Runtime
    bot: Bot
    dispatcher: Dispatcher
    channel: TelegramChannel
    desk: TelegramDesk
    clock: Clock  # the hand-off service's (UTC datetimes)
    monotonic: FakeClock  # the pacer's and flood limit's
    sleeps: list[float] = field(default_factory=list)
    task: asyncio.Task[Any] | None = None
    handled: set[int] = field(default_factory=set)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def fake_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.monotonic.advance(seconds)
        await asyncio.sleep(0)

    async def customer(self, chat_id: int, text: str | None = None, *, expect: int = 1, **kwargs: Any) -> list[Call]:
        """A customer writes; wait for `expect` messages back (0: none expected, wait for the engine)."""
        before = len(self.api.sent(chat_id))
        update = self.api.push_update(self.api.message(chat_id, text, **kwargs))
        if expect:
            await self.api.wait_sent(chat_id, before + expect)
        await self.settled(update["update_id"])  # handled to the end (the engine's after-commit work too)
        return self.api.sent(chat_id)[before:]

    async def settled(self, update_id: int, timeout: float = 10.0) -> None:
        """Wait until the dispatcher finished handling an update, then publish the agents' outbox."""
        async with asyncio.timeout(timeout):
            while update_id not in self.handled:
                self.changed.clear()
                await self.changed.wait()
        await self.idle()

    async def idle(self, now: dt.datetime | None = None) -> None:
        """Publish what the agents' outbox holds (the background worker's job in production), as of
        `now` (default: an hour ahead, so retry delays do not matter)."""
        from bot.handoff.outbox import DeskOutbox

        outbox = DeskOutbox(self.runtime.handoff)
        for _ in range(5):
            if not await outbox.run_once(now or self.clock.now + dt.timedelta(hours=1)):
                break

    async def agent(self, text: str | None = None, *, thread: int | None = None, user: int = AGENT, **content: Any) -> dict[str, Any]:
        """An agent writes in the agents' chat (in a topic, or in General); waits until it was handled."""
        update = self.api.push_update(self.api.group_message(AGENTS, user, text, thread=thread, first_name=NAMES.get(user, "Agent"), **content))
        await self.settled(update["update_id"])
        return update

    async def press(self, card: Call, label: str, *, user: int = AGENT) -> Call:
        """An agent presses a button under a card; returns the callback answer."""
        data = card.button(label)["callback_data"]
        update = self.api.push_update(self.api.callback(user, data, card, first_name=NAMES.get(user, "Agent")))
        query_id = update["callback_query"]["id"]
        answer = await self.api.wait_for(
            lambda: next((c for c in self.api.calls_to("answerCallbackQuery") if c.get("callback_query_id") == query_id), None)
        )
        await self.idle()
        return answer

    def topic_posts(self, thread: int) -> list[str]:
        return self.api.post_texts(AGENTS, thread)

    def general_posts(self) -> list[str]:
        return self.api.post_texts(AGENTS, None)

    def card(self, thread: int) -> Call:
        """The first post of a topic, with its latest text (edits applied)."""
        first = self.api.posts(AGENTS, thread)[0]
        edits = [c for c in self.api.calls_to("editMessageText") if c.get("message_id") == first["_result"]["message_id"] and c.status == 200]
        if edits:
            latest = edits[-1]
            return Call("sendMessage", {**first.params, "text": latest["text"], "reply_markup": latest.get("reply_markup") or {}})
        return first

    def texts(self, chat_id: int) -> list[str]:
        return [html_to_text(c.params.get("text") or c.params.get("caption") or "") for c in self.api.calls if c.method in ("sendMessage", "sendPhoto", "sendDocument") and c.status == 200 and c.params.get("chat_id") == chat_id]


async def start_agents_harness(
    api: FakeTelegramAPI, tmp_path: Path, knowledge_dir: Path | None = None, *, background: bool = False, **overrides: Any
) -> AgentsHarness:
    """`background`: run the hand-off tasks as production does (tests otherwise publish with `idle()`)."""
    api.members[(AGENTS, AGENT)] = "member"
    api.members[(AGENTS, OTHER_AGENT)] = "creator"
    settings_values: dict[str, Any] = {"agents_chat_id": AGENTS, "agents_language": "en", **overrides}
    if knowledge_dir is not None:
        settings_values["knowledge_dir"] = knowledge_dir
    clock = Clock(WEDNESDAY_11)
    runtime = await build_runtime(make_settings(api, tmp_path, **settings_values), clock=clock)
    monotonic = FakeClock()
    channel = TelegramChannel(runtime)
    harness = AgentsHarness(api=api, runtime=runtime, bot=None, dispatcher=None, channel=channel, desk=None, clock=clock, monotonic=monotonic)  # type: ignore[arg-type]
    bot = create_bot(
        runtime.settings, on_blocked=channel.mark_blocked, pacer=False, retry=RetryAfterMiddleware(channel.mark_blocked, sleep=harness.fake_sleep)
    )
    desk = attach_handoff(runtime, bot, channel, clock=monotonic, sleep=harness.fake_sleep)
    assert desk is not None
    dispatcher = create_dispatcher(runtime, channel=channel, clock=monotonic, agents=desk)
    if background:
        run_handoff_tasks(runtime, dispatcher)

    async def record_handled(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:
            harness.handled.add(event.update_id)
            harness.changed.set()

    dispatcher.update.outer_middleware(record_handled)
    harness.bot, harness.dispatcher, harness.desk = bot, dispatcher, desk
    harness.task = asyncio.create_task(start_polling(runtime, bot, dispatcher, handle_signals=False, polling_timeout=1))
    await api.wait_for(lambda: api.calls_to("getUpdates") or harness.task.done())  # type: ignore[union-attr]
    if harness.task.done():
        harness.task.result()
    return harness


async def stop_agents_harness(harness: AgentsHarness) -> None:
    with contextlib.suppress(RuntimeError):
        await harness.dispatcher.stop_polling()
    if harness.task is not None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(harness.task, 10)
    await harness.runtime.close()


async def agents_harness(api: FakeTelegramAPI, tmp_path: Path, **overrides: Any) -> AsyncIterator[AgentsHarness]:
    harness = await start_agents_harness(api, tmp_path, **overrides)
    try:
        yield harness
    finally:
        await stop_agents_harness(harness)
