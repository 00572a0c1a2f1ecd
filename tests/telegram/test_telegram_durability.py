"""Nothing a customer sends on Telegram is lost, and nothing is answered twice, when an instance dies.

Two "instances" are two runtimes on one database (SQLite, and the real PostgreSQL), each with its own
bot and dispatcher talking HTTP to the fake Bot API. An instance "dies" at the worst moments: right
after storing an update and answering the webhook 200; after the turn committed, before its replies
were queued; after queueing its replies, before sending them. The other instance's sweep finishes the
work, exactly once, and a chat's messages keep their order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.channels.telegram.bot import create_bot, create_dispatcher
from bot.channels.telegram.callbacks import Menu
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.inbox import UpdateInbox
from bot.channels.telegram.outbox import ReplyOutbox
from bot.channels.telegram.webhook import SECRET_HEADER, start_webhook, webhook_secret
from bot.clock import system_clock
from bot.engine.messages import say
from bot.runtime import Runtime, build_runtime
from bot.storage import telegram_outbox, telegram_queue
from tests.fakes.telegram_api import BOT_TOKEN, FakeTelegramAPI, html_to_text
from tests.telegram.conftest import make_settings

ADA, BOB = 4101, 4102
WEBHOOK_URL = "https://bot.example.com/hooks/telegram"
LATER = dt.timedelta(minutes=5)  # past every lease


@dataclass
class Instance:
    runtime: Runtime
    bot: Bot
    dispatcher: Dispatcher
    channel: TelegramChannel

    @property
    def inbox(self) -> UpdateInbox:
        return self.dispatcher["inbox"]  # type: ignore[no-any-return]

    @property
    def outbox(self) -> ReplyOutbox:
        assert self.channel.outbox is not None
        return self.channel.outbox

    def live_later(self) -> None:
        """This instance's clock jumps past every lease: what another instance sees after a crash."""
        later = lambda: system_clock() + LATER  # noqa: E731
        self.inbox.clock = later
        self.outbox.clock = later
        self.inbox.orphan_after = dt.timedelta(0)


async def _instance(api: FakeTelegramAPI, tmp_path: Path, database_url: str) -> Instance:
    runtime = await build_runtime(make_settings(api, tmp_path, database_url=database_url, webhook_url=WEBHOOK_URL))
    channel = TelegramChannel(runtime, typing=False)
    bot = create_bot(runtime.settings, on_blocked=channel.mark_blocked, pacer=False)
    dispatcher = create_dispatcher(runtime, channel=channel)
    channel.outbox.bot = bot  # type: ignore[union-attr]  # the sweeps' bot (start() sets it in production)
    dispatcher["inbox"].bot = bot
    return Instance(runtime, bot, dispatcher, channel)


@pytest.fixture
async def pair(api: FakeTelegramAPI, tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Instance, Instance]]:
    first = await _instance(api, tmp_path, database_url)
    second = await _instance(api, tmp_path, database_url)
    try:
        yield first, second
    finally:
        for instance in (first, second):
            await instance.inbox.drain(5)
            await instance.bot.session.close()
            await instance.runtime.close()


async def _post(url: str, update: dict[str, Any]) -> int:
    headers = {SECRET_HEADER: webhook_secret(BOT_TOKEN)}
    async with aiohttp.ClientSession() as session, session.post(url, json=update, headers=headers) as response:
        await response.read()
        return response.status


async def _serve(instance: Instance) -> tuple[web.AppRunner, str]:
    runner = await start_webhook(instance.runtime, instance.bot, instance.dispatcher, host="127.0.0.1", port=0)
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/hooks/telegram"


async def _pending_updates(instance: Instance) -> list[int]:
    orphans = await instance.runtime.database.run(telegram_queue.orphan_updates, system_clock() + LATER, system_clock() + LATER)
    return [update_id for update_id, _ in orphans]


async def test_an_update_is_stored_before_the_200_and_answered_by_the_surviving_instance(
    pair: tuple[Instance, Instance], api: FakeTelegramAPI
) -> None:
    dead, alive = pair

    async def killed(claimed: Any, update: Any = None) -> None:  # the process died right after answering 200
        return None

    dead.inbox._handle_taken = killed  # type: ignore[method-assign]
    runner, url = await _serve(dead)
    try:
        update = api.message(ADA, "How long is the warranty?")
        assert await _post(url, update) == 200
        assert await _pending_updates(alive) == [update["update_id"]]
        assert not api.sent(ADA)
        alive.live_later()
        assert await alive.inbox.sweep_once() == 1
        await alive.inbox.drain(10)
        [answer] = api.sent(ADA)
        assert html_to_text(answer["text"]) == "The whole device has a two-year warranty."
        assert await _pending_updates(alive) == []
        # Telegram, never having had its 200 in time, sends it again: recognised, not answered twice.
        assert await _post(url, update) == 200
        assert await alive.inbox.sweep_once() == 0
        assert len(api.sent(ADA)) == 1
    finally:
        await runner.cleanup()


async def test_an_update_taken_at_once_is_handled_as_the_webhook_read_it(
    pair: tuple[Instance, Instance], api: FakeTelegramAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading an update into aiogram's objects is a good part of what intake costs: the webhook reads it
    once (to refuse what cannot be read) and the instance that takes it handles that very object."""
    instance, _ = pair
    reads: list[int] = []
    read = Update.model_validate

    def counted(data: Any, *args: Any, **kwargs: Any) -> Update:
        reads.append(data.get("update_id") if isinstance(data, dict) else None)
        return read(data, *args, **kwargs)

    monkeypatch.setattr(Update, "model_validate", counted)
    runner, url = await _serve(instance)
    try:
        update = api.message(ADA, "How long is the warranty?")
        assert await _post(url, update) == 200
        await instance.inbox.drain(10)
        [answer] = api.sent(ADA)
        assert html_to_text(answer["text"]) == "The whole device has a two-year warranty."
        assert reads.count(update["update_id"]) == 1
    finally:
        await runner.cleanup()


async def test_an_update_that_cannot_be_stored_gets_a_500_so_telegram_sends_it_again(
    pair: tuple[Instance, Instance], api: FakeTelegramAPI
) -> None:
    instance, _ = pair
    original = instance.inbox.store
    failures = [RuntimeError("database unreachable")]

    async def flaky(updates: Any, **options: Any) -> list[Any]:
        if failures:
            raise failures.pop()
        return await original(updates, **options)

    instance.inbox.store = flaky  # type: ignore[method-assign]
    runner, url = await _serve(instance)
    try:
        update = api.message(ADA, "How long is the warranty?")
        assert await _post(url, update) == 500
        assert not api.sent(ADA)
        assert await _post(url, update) == 200  # Telegram's retry
        [answer] = await api.wait_sent(ADA, 1)
        assert "two-year warranty" in html_to_text(answer["text"])
    finally:
        await runner.cleanup()


async def test_replies_queued_by_a_dead_instance_are_sent_once_by_another(pair: tuple[Instance, Instance], api: FakeTelegramAPI) -> None:
    dead, alive = pair

    async def killed(bot: Bot, rows: Any) -> list[Any]:  # queued, then the process died before sending
        return []

    dead.outbox.deliver = killed  # type: ignore[method-assign]
    runner, url = await _serve(dead)
    try:
        assert await _post(url, api.message(ADA, "How long is the warranty?")) == 200
        await dead.inbox.drain(10)
        assert not api.sent(ADA)
        assert await alive.outbox.sweep_once() == 0  # the dead instance's lease still runs
        alive.live_later()
        assert await alive.outbox.sweep_once() == 1
        assert await alive.outbox.sweep_once() == 0
        [answer] = api.sent(ADA)
        assert "two-year warranty" in html_to_text(answer["text"])
    finally:
        await runner.cleanup()


async def test_a_message_and_its_replies_to_send_are_one_commit(
    pair: tuple[Instance, Instance], api: FakeTelegramAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer's message is stored with the replies queued for it, in the turn's own transaction: when
    queueing fails, the turn is undone too and the update handled again, never "stored but unanswered"."""
    instance, _ = pair
    queue_messages = telegram_outbox.enqueue_messages
    failures = [DBAPIError("INSERT INTO telegram_outbox", None, ConnectionError("connection reset"))]

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return queue_messages(*args, **kwargs)

    monkeypatch.setattr(telegram_outbox, "enqueue_messages", failing_once)
    runner, url = await _serve(instance)
    try:
        update = api.message(ADA, "How long is the warranty?")
        assert await _post(url, update) == 200
        await instance.inbox.drain(10)
        assert not api.sent(ADA)
        assert await instance.runtime.store.count_messages() == 0  # the turn went with the queueing
        instance.live_later()  # its lease runs out: handled again
        assert await instance.inbox.sweep_once() == 1
        await instance.inbox.drain(10)
        [answer] = api.sent(ADA)
        assert "two-year warranty" in html_to_text(answer["text"])
        assert await instance.runtime.store.count_messages() == 2
    finally:
        await runner.cleanup()


async def test_a_button_turn_whose_replies_were_never_queued_is_answered_from_the_transcript(
    pair: tuple[Instance, Instance], api: FakeTelegramAPI
) -> None:
    """A button press queues its replies after its turn (the answer to the press comes first): an instance
    that died in between leaves a turn stored and unanswered, answered from the transcript."""
    dead, alive = pair

    async def killed(*args: Any, **kwargs: Any) -> list[Any]:  # the turn committed; the process died
        raise asyncio.CancelledError

    dead.channel.send = killed  # type: ignore[method-assign]
    runner, url = await _serve(dead)
    try:
        update = api.callback(ADA, Menu(item="faq").pack())
        assert await _post(url, update) == 200
        await asyncio.gather(*dead.inbox._tasks, return_exceptions=True)
        assert not api.sent(ADA)
        assert await dead.runtime.store.count_messages() == 2  # the press and the bot's answer, stored
        alive.live_later()
        assert await alive.inbox.sweep_once() == 1
        await alive.inbox.drain(10)
        [answer] = api.sent(ADA)
        assert html_to_text(answer["text"]) == say("faq.popular", "en")
        assert alive.channel.stats.duplicate_messages == 1  # the engine did not run the turn again
    finally:
        await runner.cleanup()


async def test_two_instances_sweeping_together_answer_every_message_once_and_in_order(
    pair: tuple[Instance, Instance], api: FakeTelegramAPI
) -> None:
    first, second = pair
    questions = ["How long is the warranty?", "How much is a new battery?", "/help"]
    updates = [api.message(chat, text) for text in questions for chat in (ADA, BOB)]
    await first.inbox.store(updates)  # stored by an instance that died before handling any
    for instance in pair:
        instance.live_later()
    await asyncio.gather(first.inbox.sweep_once(), second.inbox.sweep_once())
    for _ in range(20):  # what is left behind a chat's first update is taken by the next sweeps
        await asyncio.gather(first.inbox.drain(10), second.inbox.drain(10))
        if not await _pending_updates(first):
            break
        await asyncio.gather(first.inbox.sweep_once(), second.inbox.sweep_once())
    for chat in (ADA, BOB):
        await api.wait_sent(chat, 3)
        texts = [html_to_text(call["text"]) for call in api.sent(chat)]
        assert len(texts) == 3, texts
        assert "two-year warranty" in texts[0]
        assert "battery" in texts[1].lower() or "电池" in texts[1]
    assert first.inbox.handled + second.inbox.handled == len(updates)


async def test_polling_confirms_an_update_only_once_it_is_stored(tg: Any, api: FakeTelegramAPI) -> None:
    """The database is down for a moment: polling waits and retries; no getUpdates offset skips the update."""
    from bot.backoff import Backoff
    from bot.channels.telegram.inbox import DurableIntake

    [intake] = [m for m in tg.dispatcher.update.outer_middleware if isinstance(m, DurableIntake)]
    intake.retry = Backoff((0.05,))
    inbox = tg.dispatcher["inbox"]
    original = inbox.store
    failures = [RuntimeError("database unreachable"), RuntimeError("database unreachable")]
    polls_before_stored: list[int] = []

    async def flaky(updates: Any, **options: Any) -> list[Any]:
        if failures:
            raise failures.pop()
        polls_before_stored.append(len(api.calls_to("getUpdates")))
        return await original(updates, **options)

    inbox.store = flaky
    update = api.push_update(api.message(ADA, "How long is the warranty?"))
    [answer] = await api.wait_sent(ADA, 1)
    assert "two-year warranty" in html_to_text(answer["text"])
    assert not failures, "the store was retried"
    assert polls_before_stored and polls_before_stored[0] >= 1  # the getUpdates that brought it
    offsets = [call.get("offset") for call in api.calls_to("getUpdates")[: polls_before_stored[0]]]
    assert all(offset is None or offset <= update["update_id"] for offset in offsets), offsets


async def test_two_instances_storing_one_chats_updates_at_once_never_both_handle_them(
    pair: tuple[Instance, Instance], api: FakeTelegramAPI
) -> None:
    """Neither sees the other's row uncommitted; the chat's lock still lets only one be taken at a time."""
    first, second = pair
    for chat in range(5000, 5010):
        earlier, later = api.message(chat, "How long is the warranty?"), api.message(chat, "/help")
        taken = await asyncio.gather(first.inbox.store([earlier], take=True), second.inbox.store([later], take=True))
        claimed = [item for items in taken for item in items if not isinstance(item, int)]
        assert len(claimed) <= 1, f"chat {chat}: {claimed}"


async def test_storing_a_batch_takes_each_chats_oldest_update_only(pair: tuple[Instance, Instance], api: FakeTelegramAPI) -> None:
    """A batch (long polling) is stored in one transaction; of a chat's updates only the oldest is taken,
    whatever order the batch came in, and a redelivered one is not stored twice."""
    instance, _ = pair
    first, second, other = api.message(ADA, "How long is the warranty?"), api.message(ADA, "/help"), api.message(BOB, "/help")
    taken = await instance.inbox.store([second, other, first, first], take=True)
    assert [item if isinstance(item, int) else item.update_id for item in taken] == [
        first["update_id"], second["update_id"], other["update_id"]
    ]
    assert [type(item).__name__ for item in taken] == ["QueuedUpdate", "int", "QueuedUpdate"]
    assert await instance.inbox.store([first], take=True) == []


async def test_a_database_failure_mid_turn_is_retried_not_apologised_for(pair: tuple[Instance, Instance], api: FakeTelegramAPI) -> None:
    from sqlalchemy.exc import OperationalError

    instance, _ = pair
    original = instance.runtime.engine.handle
    failures = [OperationalError("SELECT 1", {}, Exception("server closed the connection"))]

    async def flaky(inbound: Any, keep: Any = None) -> Any:
        if failures:
            raise failures.pop()
        return await original(inbound, keep)

    instance.runtime.engine.handle = flaky  # type: ignore[method-assign]
    runner, url = await _serve(instance)
    try:
        assert await _post(url, api.message(ADA, "How long is the warranty?")) == 200
        await instance.inbox.drain(10)
        assert not api.sent(ADA), "no apology: the message is not lost, it is handled again"
        instance.live_later()
        assert await instance.inbox.sweep_once() == 1
        await instance.inbox.drain(10)
        [answer] = api.sent(ADA)
        assert "two-year warranty" in html_to_text(answer["text"])
    finally:
        await runner.cleanup()


async def test_a_reply_telegram_refuses_fails_alone_and_the_next_ones_go(pair: tuple[Instance, Instance], api: FakeTelegramAPI) -> None:
    instance, _ = pair
    runner, url = await _serve(instance)
    try:
        api.fail_next("sendMessage", 1, 400, description="Bad Request: can't parse entities")
        assert await _post(url, api.message(ADA, "How long is the warranty?")) == 200
        await instance.inbox.drain(10)
        assert instance.outbox.failed == 1 and not api.sent(ADA)
        assert await _post(url, api.message(ADA, "/help")) == 200
        await instance.inbox.drain(10)
        assert len(api.sent(ADA)) == 1, "the chat is not silenced by one refused message"
    finally:
        await runner.cleanup()


async def test_finishing_an_update_names_its_own_chats_next(pair: tuple[Instance, Instance]) -> None:
    """The chat's next update, not the oldest pending one of any chat (another chat's waits for its own)."""
    instance, _ = pair
    now = system_clock()

    def steps(connection: Connection) -> None:
        stored = [(9_000_005, BOB, {"update_id": 9_000_005}), (9_000_010, ADA, {}), (9_000_011, ADA, {}), (9_000_020, None, {})]
        telegram_queue.store_updates(connection, stored, now)
        assert telegram_queue.claim_update(connection, 9_000_010, ADA, "me", now, now + LATER) is not None
        assert telegram_queue.claim_update(connection, 9_000_020, None, "me", now, now + LATER) is not None
        assert telegram_queue.finish_update(connection, 9_000_010, ADA, "me", now) == 9_000_011
        assert telegram_queue.finish_update(connection, 9_000_020, None, "me", now) is None  # no chat, no order
        assert telegram_queue.finish_update(connection, 9_000_005, BOB, "me", now) is None  # not this one's to finish

    await instance.runtime.database.run(steps)


async def test_a_text_message_costs_three_commits(pair: tuple[Instance, Instance], api: FakeTelegramAPI) -> None:
    """Counted, not timed: storing and taking the update is one transaction, the turn with its replies
    queued another, recording them sent with the update handled the third (benchmarks/pipeline.py
    reports the same count as `statements_per_update`)."""
    instance, _ = pair
    runner, url = await _serve(instance)
    sent: list[str] = []
    engine = instance.runtime.database.engine.sync_engine
    try:
        assert await _post(url, api.message(ADA, "How long is the warranty?")) == 200  # a known customer from now on
        await instance.inbox.drain(10)
        await instance.inbox.stop()  # no sweep in the count (it only stops sweeping: updates are still handled)
        await instance.outbox.stop()
        assert "handoff_tasks" not in instance.dispatcher.workflow_data  # nor the hand-off's loops
        event.listen(engine, "before_cursor_execute", statement_sent := lambda _c, _cur, statement, *_a: sent.append(statement.split()[0]))
        event.listen(engine, "commit", committed := lambda _c: sent.append("COMMIT"))
        try:
            assert await _post(url, api.message(ADA, "How long is the warranty?")) == 200
            await instance.inbox.drain(10)
        finally:
            event.remove(engine, "before_cursor_execute", statement_sent)
            event.remove(engine, "commit", committed)
        assert len(api.sent(ADA)) == 2
    finally:
        await runner.cleanup()
    assert sent.count("COMMIT") == 3, sent
    # SQLite: INSERT (store and take the update) | SELECT (the conversation), INSERT (the message and its
    # replies), SELECT + INSERT (the replies queued) | UPDATE (sent), UPDATE (handled; the chat's next),
    # each with its COMMIT. PostgreSQL adds the chat's advisory lock (storing, finishing) and the
    # hand-off's SELECT once the conversation's row lock is held.
    assert len(sent) == (10 if engine.dialect.name == "sqlite" else 13), sent
