"""What two instances must agree on: flood limits, de-duplication, pacing, wake-ups, locks, button refs.

Each test runs on Redis (two separate clients: two instances behind a load balancer) and in memory
(the embedded default: one process, no Redis). Waits are counted, never timed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage

from bot.channels.telegram.callbacks import REF_TTL, IntentRefs
from bot.channels.telegram.middlewares import FloodLimit
from bot.channels.telegram.session import OutboundPacer
from bot.coordination import Rate, build_shared
from bot.coordination.locks import SharedLocks
from bot.engine.conversation import CustomerLocks
from tests.coordination.conftest import Pair

TOKEN = "42:TEST"


def _channel() -> Any:
    """The little of `TelegramChannel` the middlewares touch."""
    stats = SimpleNamespace(duplicate_updates=0, flood_dropped=0, flood_notices=0, errors=0)
    return SimpleNamespace(stats=stats, refs=IntentRefs(), language_of=lambda user: "en")


def _flood(pair: Pair, limiter: Any, limit: int = 20) -> FloodLimit:
    return FloodLimit(_channel(), limit, clock=pair.clock, limiter=None if limiter is None else limiter)


# -- flood limit --------------------------------------------------------------------------------------


async def test_the_21st_message_of_a_minute_over_two_instances_is_flood_limited(pair: Pair) -> None:
    on_a, on_b = _flood(pair, pair.a.limiter), _flood(pair, pair.b.limiter)
    allowed = [await (on_a if n % 2 else on_b).allow(777) for n in range(20)]
    assert allowed == [True] * 20
    assert not await on_a.allow(777) and not await on_b.allow(777)
    assert await on_b.allow(778)  # another customer is not affected
    # One "slow down" notice for the burst, whichever instance saw the first update over the limit.
    assert [await on_a.first_notice(777), await on_b.first_notice(777), await on_a.first_notice(777)] == [True, False, False]


async def test_the_flood_window_moves(pair: Pair) -> None:
    if pair.distributed:
        await pair.a.limiter.clear(Rate("flood", 2, 1), "5")  # type: ignore[attr-defined]
        on_a, on_b = (FloodLimit(_channel(), 2, window=1, limiter=i.limiter) for i in (pair.a, pair.b))
    else:
        on_a = on_b = _flood(pair, pair.a.limiter, limit=2)
        on_a.rate = on_b.rate = Rate("flood", 2, 1)
    assert [await on_a.allow(5), await on_b.allow(5), await on_a.allow(5)] == [True, True, False]
    wait = await pair.b.limiter.free_in(Rate("flood", 2, 1), "5")
    assert 0 < wait <= 1
    if pair.distributed:
        await asyncio.sleep(wait + 0.05)
    else:
        pair.clock.advance(wait)
    assert await on_b.allow(5)


# -- outbound pacing ----------------------------------------------------------------------------------


def _pacers(pair: Pair, **options: Any) -> tuple[OutboundPacer, OutboundPacer, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if pair.distributed:
            await asyncio.sleep(seconds)  # the windows are Redis's (wall clock): let them move
        else:
            pair.clock.advance(seconds)

    made = [OutboundPacer(limiter=i.limiter, sleep=sleep, **options) for i in (pair.a, pair.b)]
    return made[0], made[1], slept


async def test_one_chat_is_paced_across_instances(pair: Pair) -> None:
    a, b, _ = _pacers(pair, per_chat_rate=1.0, per_chat_burst=3)
    assert [await a.shared_delay("5"), await b.shared_delay("5"), await a.shared_delay("5")] == [0.0, 0.0, 0.0]
    wait = await b.shared_delay("5")  # the 4th message to the chat in its 3-second window
    assert 0 < wait <= 3
    assert await b.shared_delay("6") == 0.0  # another chat is not held up


async def test_the_bot_wide_rate_is_shared(pair: Pair) -> None:
    a, b, _ = _pacers(pair, per_chat_rate=1.0, per_chat_burst=3, global_rate=1.0, global_burst=4)
    assert [await p.shared_delay(chat) for p, chat in ((a, "1"), (b, "2"), (a, "3"), (b, "4"))] == [0.0] * 4
    assert 0 < await a.shared_delay("5") <= 4


async def test_a_group_gets_twenty_messages_a_minute_from_all_instances(pair: Pair) -> None:
    a, b, _ = _pacers(pair, per_chat_rate=30.0, per_chat_burst=30, group_per_minute=2)
    assert [await a.shared_delay("-1001"), await b.shared_delay("-1001")] == [0.0, 0.0]
    assert 1 < await a.shared_delay("-1001") <= 60
    assert await a.shared_delay("1001") == 0.0  # a private chat has no per-minute window


async def test_a_paced_message_waits_rather_than_being_refused(pair: Pair) -> None:
    a, b, slept = _pacers(pair, per_chat_rate=1.0, per_chat_burst=1)
    bot = Bot(TOKEN)
    sent: list[int] = []

    async def make_request(bot: Bot, method: Any) -> bool:
        sent.append(method.chat_id)
        return True

    await a(make_request, bot, SendMessage(chat_id=9, text="one"))  # type: ignore[arg-type]
    await b(make_request, bot, SendMessage(chat_id=9, text="two"))  # type: ignore[arg-type]
    assert sent == [9, 9]
    assert (a.waits, b.waits) == (0, 1)  # the second instance waited for the chat's next slot
    assert slept and all(0 < s <= 1 for s in slept)
    await bot.session.close()


# -- wake-ups -----------------------------------------------------------------------------------------


async def test_a_wake_up_set_on_one_instance_reaches_the_other(pair: Pair) -> None:
    here, there = pair.a.shared.wakeup("handoff-desk"), pair.b.shared.wakeup("handoff-desk")
    if pair.distributed:
        assert here is not there
        await pair.b.shared.broadcast.ready()  # type: ignore[union-attr]
    there.clear()
    here.set()
    await asyncio.wait_for(there.wait(), 5)
    assert there.is_set()
    if pair.distributed:
        assert pair.b.shared.broadcast.received == 1  # type: ignore[union-attr]
        assert pair.a.shared.broadcast.received == 0  # type: ignore[union-attr]  # not its own message


async def test_an_unrelated_wake_up_does_not_wake(pair: Pair) -> None:
    desk = pair.b.shared.wakeup("handoff-desk")
    if pair.distributed:
        await pair.b.shared.broadcast.ready()  # type: ignore[union-attr]
    desk.clear()
    pair.a.shared.wakeup("something-else").set()
    other = pair.b.shared.wakeup("something-else")
    await asyncio.wait_for(other.wait(), 5)
    assert not desk.is_set()


# -- per-customer locks -------------------------------------------------------------------------------


async def test_one_customer_is_handled_by_one_instance_at_a_time(pair: Pair) -> None:
    locks_a = pair.a.shared.locks(CustomerLocks(), "turn")
    locks_b = pair.b.shared.locks(CustomerLocks(), "turn")
    if pair.distributed:
        assert isinstance(locks_a, SharedLocks) and locks_a is not locks_b
    else:
        locks_b = locks_a  # one process: one set of locks
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with locks_a.hold(("sms", "+8613800138000")):
            order.append("a in")
            await release.wait()
            order.append("a out")

    async def second() -> None:
        async with locks_b.hold(("sms", "+8613800138000")):
            order.append("b in")

    task_a = asyncio.create_task(first())
    while not order:
        await asyncio.sleep(0.01)
    task_b = asyncio.create_task(second())
    await asyncio.sleep(0.2)  # long enough for several lock polls: b must still be waiting
    assert order == ["a in"]
    async with locks_b.hold(("sms", "+8613800138001")):  # another customer is not held up
        order.append("other")
    release.set()
    await asyncio.gather(task_a, task_b)
    assert order == ["a in", "other", "a out", "b in"]


CUSTOMER = ("sms", "+8613800138000")


@pytest.fixture
async def redis_client() -> AsyncIterator[Any]:
    """A Redis client on the flushed test database (the lock tests need a real server, not `pair`'s memory)."""
    from tests.coordination.conftest import _empty_redis

    shared = build_shared(await _empty_redis())
    assert shared.client is not None
    try:
        yield shared.client
    finally:
        await shared.close()


async def test_a_shared_lock_is_renewed_while_held_and_freed_soon_after_its_holder_died(redis_client: Any) -> None:
    """A turn may take longer than the lock's expiry (its holder renews it); an instance killed while
    holding it (it took a customer's message, then SIGKILL) holds that customer up for the expiry only."""
    locks = SharedLocks(CustomerLocks(), redis_client, "test", "turn", ttl=0.3, wait=5.0)
    key = locks.key(CUSTOMER)
    async with locks.hold(CUSTOMER):
        await asyncio.sleep(1.0)  # more than three times its expiry
        assert await redis_client.exists(key)  # still held: renewed
    assert not await redis_client.exists(key)  # released at the end

    dead = redis_client.lock(key, timeout=0.3)  # taken by an instance that never renews it: it died
    assert await dead.acquire(blocking=False)
    entered = asyncio.get_running_loop().time()
    async with locks.hold(CUSTOMER):
        waited = asyncio.get_running_loop().time() - entered
        assert await redis_client.exists(key)  # this holder has it now (without it, nothing would be stored)
    assert waited < 5.0  # freed by its expiry, not given up on after `wait`


async def test_a_redis_hiccup_does_not_end_a_shared_locks_renewal(redis_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """One failed renewal is retried at the next beat: the lock is still held after several expiries."""
    from redis.asyncio.lock import Lock
    from redis.exceptions import ConnectionError as RedisConnectionError

    extend = Lock.extend
    failures = [RedisConnectionError("connection reset by peer")]

    async def flaky(self: Lock, *args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return await extend(self, *args, **kwargs)

    monkeypatch.setattr(Lock, "extend", flaky)
    locks = SharedLocks(CustomerLocks(), redis_client, "test", "turn", ttl=0.6, wait=5.0)
    key = locks.key(CUSTOMER)
    async with locks.hold(CUSTOMER):
        await asyncio.sleep(1.5)  # the first renewal failed; without the next ones it expired at 0.6 s
        assert not failures and await redis_client.exists(key)

    holding = asyncio.Event()

    async def turn() -> None:
        async with locks.hold(CUSTOMER):
            holding.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(turn())
    await holding.wait()
    task.cancel()  # a turn cancelled (shutdown, a timeout) is cancelled, and lets the lock go
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not await redis_client.exists(key)


# -- button references --------------------------------------------------------------------------------


async def test_a_button_made_on_one_instance_resolves_on_the_other(pair: Pair) -> None:
    knowledge = ["warranty.period", "section." + "very_long_entry_name." * 5]
    here, there = IntentRefs(knowledge), IntentRefs(knowledge)
    for refs, instance in ((here, pair.a), (there, pair.b)):
        refs.share(instance.shared.values("button-ref", REF_TTL))
    slot = "bk.slot.2026-11-30T10:00"  # a run-time value with the separator in it: escaped, no state
    long_value = "bk.centre." + "a-service-centre-with-a-very-long-identifier-" * 2  # run time, too long
    for value in (*knowledge, slot):
        assert there.entry_id(here.ref(value)) == value
    ref = here.ref(long_value)
    await asyncio.gather(*here._writes)
    await there.load(ref)
    assert there.entry_id(ref) == (long_value if pair.distributed else ref)  # alone, only its maker knows it
    assert here.entry_id(ref) == long_value


# -- Redis away ---------------------------------------------------------------------------------------


async def test_without_redis_every_shared_feature_falls_back_to_this_process() -> None:
    from bot.coordination import build_shared

    shared = build_shared("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        flood = FloodLimit(_channel(), 2, limiter=shared.limiter)
        assert [await flood.allow(3) for _ in range(3)] == [True, True, False]
        pacer = OutboundPacer(limiter=shared.limiter, per_chat_burst=1, sleep=_no_sleep)
        bot = Bot(TOKEN)

        async def ok(bot: Bot, method: Any) -> bool:
            return True

        await pacer(ok, bot, SendMessage(chat_id=1, text="x"))  # type: ignore[arg-type]
        await pacer(ok, bot, SendMessage(chat_id=1, text="x"))  # type: ignore[arg-type]
        assert pacer.waits == 1  # paced by this process
        await bot.session.close()
        entered = False
        async with shared.locks(CustomerLocks(), "turn").hold(("sms", "1")):
            entered = True
        assert entered
        shared.wakeup("handoff-desk").set()  # publishing fails in the background, locally it is set
        assert shared.wakeup("handoff-desk").is_set()
        assert not await shared.ping()
    finally:
        await shared.close()


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.mark.parametrize("burst, rate, expected", [(3, 1.0, Rate("x", 3, 3)), (30, 30.0, Rate("x", 30, 1))])
def test_rates_per_second_become_whole_second_windows(burst: int, rate: float, expected: Rate) -> None:
    assert Rate.per_second("x", rate, burst) == expected
