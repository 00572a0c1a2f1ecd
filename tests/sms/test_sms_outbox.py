"""The outbox: provider outages and recovery, back-off, permanent errors, template-only gateways."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.channels.sms import NoProvider, OutgoingSms, SendError, Template, TwilioProvider, build_sms
from bot.channels.sms.outbox import Outbox
from bot.storage.sms import OUTBOX_FAILED, PENDING, SENT, SUPPRESSED
from tests.fakes.sms_provider import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.sms.conftest import CUSTOMER, SmsHarness

HK = "+85291234567"


async def test_provider_outage_then_recovery_loses_nothing(harness: SmsHarness) -> None:
    fake = harness.fake
    await fake.stop()  # connection refused
    for text in ("保修期多久", "换电池多少钱", "打印机卡纸怎么办"):
        assert (await harness.sms(text)).status == 200  # the webhook does not depend on the provider
    await harness.sms("How long is the warranty?", number=HK)
    await harness.flush()
    waiting = await harness.unsent()
    assert len(waiting) == 4 and {m.status for m in waiting} == {PENDING}
    # Only the oldest message of each number was tried (they must arrive in order), once.
    assert sorted(m.attempts for m in waiting) == [0, 0, 1, 1]
    assert all("unreachable" in (m.last_error or "") for m in waiting if m.attempts)
    # Nothing is retried before its back-off has passed.
    assert await harness.channel.outbox.run_once() == 0
    harness.clock.advance(seconds=5)
    await harness.flush()
    assert max(m.attempts for m in await harness.unsent()) == 2
    await fake.start()  # the provider is back (same port)
    harness.clock.advance(seconds=10)
    await harness.flush()
    assert await harness.unsent() == []
    assert len(fake.bodies_to(CUSTOMER)) == 3 and len(fake.bodies_to(HK)) == 1
    sent = await harness.outbox(CUSTOMER)
    assert [m.body for m in sent] == fake.bodies_to(CUSTOMER)  # in the order they were queued
    assert all(m.status == SENT and m.provider_id and m.provider_id.startswith("SM") for m in sent)


async def test_server_errors_back_off_exponentially(harness: SmsHarness) -> None:
    outbox = harness.channel.outbox
    assert [outbox.delay(n) for n in (1, 2, 3, 4)] == [5, 10, 20, 40] and outbox.delay(30) == 900
    harness.fake.fail_next(3, status=503)
    await harness.channel.send_text(CUSTOMER, "hello", kind="agent")
    waits = []
    for _ in range(3):
        await harness.flush()
        [item] = await harness.unsent()
        waits.append((item.next_attempt_at - harness.clock.now).total_seconds())
        harness.clock.advance(seconds=waits[-1])
    await harness.flush()
    assert waits == [5, 10, 20]
    assert harness.fake.bodies_to(CUSTOMER) == ["hello"]
    harness.fake.fail_next(1, status=429, code=20429)
    await harness.channel.send_text(CUSTOMER, "again", kind="agent")
    await harness.flush()
    assert [m.status for m in await harness.outbox()] == [SENT, PENDING]


async def test_permanent_errors_fail_and_unsubscribed_numbers_are_opted_out(harness: SmsHarness) -> None:
    harness.fake.fail_next(1, status=400, code=21211)
    await harness.channel.send_text(CUSTOMER, "to a bad number", kind="agent")
    await harness.flush()
    [item] = await harness.outbox()
    assert item.status == OUTBOX_FAILED and "21211" in (item.last_error or "")
    harness.fake.fail_next(1, status=400, code=21610)  # Twilio: the recipient replied STOP to the carrier
    await harness.channel.send_text(HK, "hello", kind="agent")
    await harness.flush()
    assert (await harness.outbox(HK))[0].status == SUPPRESSED
    assert await harness.store.is_opted_out(HK)


async def test_wrong_credentials_keep_messages_until_fixed(harness: SmsHarness) -> None:
    harness.fake.auth_token = "rotated"
    await harness.channel.send_text(CUSTOMER, "hello", kind="agent")
    await harness.flush()
    [item] = await harness.unsent()
    assert "401" in (item.last_error or "") and item.status == PENDING
    harness.fake.auth_token = AUTH_TOKEN
    harness.clock.advance(seconds=5)
    await harness.flush()
    assert harness.fake.bodies_to(CUSTOMER) == ["hello"]


async def test_gives_up_after_max_age(harness: SmsHarness) -> None:
    await harness.fake.stop()
    await harness.channel.send_text(CUSTOMER, "too late", kind="agent")
    await harness.flush()
    harness.clock.advance(hours=49)
    await harness.flush()
    [item] = await harness.outbox()
    assert item.status == OUTBOX_FAILED and item.last_error.startswith("gave up")


class TemplateGateway:
    """A mainland-style gateway: only pre-approved templates (our ids mapped to its codes)."""

    name = "template-gw"
    free_text = False
    templates = frozenset({"booking.confirmed", "booking.status", "sms.opt_out", "sms.opt_in", "sms.help"})

    def __init__(self) -> None:
        self.sent: list[OutgoingSms] = []

    async def send(self, message: OutgoingSms) -> str | None:
        assert message.template is not None and message.template.id in self.templates
        self.sent.append(message)
        return f"tpl-{len(self.sent)}"

    async def close(self) -> None:
        return None


async def test_template_only_gateway_carries_templates_and_refuses_free_text(harness: SmsHarness) -> None:
    gateway = TemplateGateway()
    outbox = Outbox(harness.store, gateway, clock=harness.clock)
    await outbox.enqueue(CUSTOMER, "free FAQ answer", "reply")
    await outbox.enqueue(HK, "Booked: R7K-4Q2", "reply", template=Template("booking.confirmed", {"ticket": "R7K-4Q2", "when": "2026-11-26 10:00-11:00", "centre": "Chaoyang"}))
    await outbox.enqueue("+14155550100", "unsubscribed", "opt_out", template=Template("sms.opt_out"))
    while await outbox.run_once():
        pass
    statuses = {m.to_number: (m.status, m.last_error) for m in await harness.outbox()}
    assert statuses[CUSTOMER] == (OUTBOX_FAILED, "template-gw cannot send free text")
    assert statuses[HK][0] == SENT and statuses["+14155550100"][0] == SENT
    assert sorted(m.template.id for m in gateway.sent) == ["booking.confirmed", "sms.opt_out"]  # type: ignore[union-attr]
    assert {m.to: m.template.params.get("ticket") for m in gateway.sent}[HK] == "R7K-4Q2"  # type: ignore[union-attr]


async def test_the_background_worker_sends_and_survives_an_outage(harness: SmsHarness) -> None:
    """The real worker loop (not run_once): tiny back-off, the fake stopped and started again."""
    fake = harness.fake
    outbox = Outbox(harness.store, TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, api_url=fake.api_url),
                    base_delay=0.01, max_delay=0.05, poll=0.05)
    outbox.start()
    try:
        await outbox.enqueue(CUSTOMER, "first", "agent")
        await fake.wait_for(lambda: len(fake.messages) == 1)
        await fake.stop()
        await outbox.enqueue(CUSTOMER, "second", "agent")
        await outbox.enqueue(CUSTOMER, "third", "agent")
        for _ in range(200):  # bounded: until the worker has tried (and failed) at least twice
            if sum(m.attempts for m in await harness.unsent()) >= 2:
                break
            await asyncio.sleep(0.01)
        await fake.start()
        await fake.wait_for(lambda: len(fake.messages) == 3)
    finally:
        await outbox.stop()
    assert [m.body for m in fake.messages] == ["first", "second", "third"]


async def test_a_slow_send_holds_back_only_its_own_number(harness: SmsHarness) -> None:
    """The worker keeps sending while one provider call hangs: messages claimed with it, and ones queued
    after it, go out; the hanging number's next message waits for its first (a number's order)."""
    fake = harness.fake
    provider = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, api_url=fake.api_url)
    provider_send = provider.send
    release = asyncio.Event()

    async def send(message: OutgoingSms) -> str:
        if message.body == "HK first":
            await release.wait()  # a provider call that hangs
        return await provider_send(message)

    provider.send = send  # type: ignore[method-assign]
    outbox = Outbox(harness.store, provider, poll=30)  # only its wake-ups can make it send in time
    await outbox.enqueue(HK, "HK first", "agent")
    await outbox.enqueue(HK, "HK second", "agent")
    await outbox.enqueue(CUSTOMER, "CN first", "agent")
    outbox.start()
    try:
        await fake.wait_for(lambda: len(fake.messages) == 1)
        await outbox.enqueue(CUSTOMER, "CN second", "agent")  # queued while HK's call still hangs
        await fake.wait_for(lambda: len(fake.messages) == 2)
        assert [m.body for m in fake.messages] == ["CN first", "CN second"]
        release.set()
        await fake.wait_for(lambda: len(fake.messages) == 4)
    finally:
        release.set()
        await outbox.stop()
    assert [m.body for m in fake.messages if m.to == HK] == ["HK first", "HK second"]
    assert not await harness.unsent()


async def test_a_retry_due_while_a_send_hangs_goes_out_without_waiting_for_it(harness: SmsHarness) -> None:
    """A message refused once backs off briefly; the worker sends it again when it is due, not when the
    hanging call beside it ends (nor at its 30 s poll)."""
    fake = harness.fake
    provider = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, api_url=fake.api_url)
    provider_send = provider.send
    release = asyncio.Event()
    refused: list[str] = []

    async def send(message: OutgoingSms) -> str:
        if message.body == "HK":
            await release.wait()  # a provider call that hangs
        elif not refused:
            refused.append(message.body)
            raise SendError("busy, try again")  # refused once, retried after a short back-off
        return await provider_send(message)

    provider.send = send  # type: ignore[method-assign]
    outbox = Outbox(harness.store, provider, base_delay=0.01, max_delay=0.05, poll=30)
    await outbox.enqueue(HK, "HK", "agent")
    await outbox.enqueue(CUSTOMER, "CN", "agent")
    outbox.start()
    try:
        await fake.wait_for(lambda: len(fake.messages) == 1)
        assert refused == ["CN"] and [m.body for m in fake.messages] == ["CN"]
    finally:
        release.set()
        await outbox.stop()


async def test_a_provider_call_that_hangs_is_given_up_well_inside_the_lease(harness: SmsHarness) -> None:
    """A call still hanging when the lease ran out would be claimed and sent again: it is given up at
    half the lease and retried with the usual back-off instead."""
    provider = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, api_url=harness.fake.api_url)
    hang = asyncio.Event()

    async def send(message: OutgoingSms) -> str:
        await hang.wait()
        raise AssertionError("never answered")

    provider.send = send  # type: ignore[method-assign]
    outbox = Outbox(harness.store, provider, lease=dt.timedelta(seconds=0.1), clock=harness.clock)
    await outbox.enqueue(CUSTOMER, "hello", "agent")
    try:
        assert await outbox.run_once() == 1
    finally:
        await provider.close()
    [item] = await harness.unsent()
    assert item.status == PENDING and item.attempts == 1 and "did not answer in 0.05s" in (item.last_error or "")
    assert item.next_attempt_at > harness.clock.now  # backing off, not due again at once


async def test_no_provider_configured_keeps_messages_waiting(harness: SmsHarness) -> None:
    outbox = Outbox(harness.store, NoProvider(), clock=harness.clock)
    await outbox.enqueue(CUSTOMER, "hello", "reply")
    await outbox.run_once()
    [item] = await harness.unsent()
    assert item.status == PENDING and "no outbound SMS provider" in (item.last_error or "")


async def test_two_workers_never_send_the_same_message_twice(harness: SmsHarness) -> None:
    other = build_sms(harness.runtime, clock=harness.clock).outbox
    for n in range(5):
        await harness.channel.send_text(f"+861380013800{n}", f"m{n}", kind="agent")
    await asyncio.gather(harness.channel.outbox.run_once(), other.run_once())
    await harness.flush()
    assert sorted(m.body for m in harness.fake.messages) == [f"m{n}" for n in range(5)]
    await other.provider.close()


def test_outgoing_message_shape() -> None:
    message = OutgoingSms("+8613800138000", "hi", Template("sms.help"))
    assert message.template and message.template.params == {}
    assert dt.timedelta(hours=48) == Outbox.__init__.__kwdefaults__["max_age"]


async def test_a_send_that_outlived_its_lease_leaves_the_message_to_the_worker_that_took_it(
    harness: SmsHarness, caplog: pytest.LogCaptureFixture,
) -> None:
    """The provider took longer than the lease (a stalled call, a paused process) and another worker
    claimed the message meanwhile: this worker's "sent" is not written over that worker's claim."""
    outbox = harness.channel.outbox
    provider_send = outbox.provider.send

    async def slow_send(message: OutgoingSms) -> str:
        harness.clock.advance(seconds=61)  # the lease ran out while the provider had the message
        [taken] = await harness.store.claim_due(harness.clock.now, dt.timedelta(seconds=60))  # another worker
        assert taken.attempts == 2
        return await provider_send(message)

    outbox.provider.send = slow_send  # type: ignore[method-assign]
    await harness.channel.send_text(CUSTOMER, "hello", kind="agent")
    with caplog.at_level("WARNING", logger="bot.channels.sms.outbox"):
        await harness.flush()
    [row] = await harness.outbox(CUSTOMER)
    assert (row.status, row.attempts, row.provider_id) == ("sending", 2, None)  # the other worker's claim stands
    assert any("after its lease" in r.getMessage() for r in caplog.records)
