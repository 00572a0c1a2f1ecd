"""The customer is told by SMS: quiet hours kept (queued until morning), once per job even after a crash,
nothing after STOP; the reminders of a device not collected, a loaner not returned and a warranty
ending, in Simplified and Traditional Chinese and English.

Through the real path: the SMS harness of tests/sms/ (the runtime, the SMS channel and its outbox,
the fake Twilio server); staff change tickets with `runtime.repairs.desk`, the job runner runs on the
travelled clock, `flush()` is the outbox worker's work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.engine.types import Reply, ReplyKind
from bot.repairs import lifecycle as lc
from bot.storage import jobs
from bot.storage import repairs as events
from bot.storage.models import Conversation
from tests.fakes.sms_provider import FakeTwilio
from tests.repairs.notices_helpers import book, jobs_of, local, timeline
from tests.sms.conftest import CUSTOMER, SmsHarness, open_harness
from tests.support import use_cached_matcher

OTHER = "+8613900139000"


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = await FakeTwilio().start()
    yield fake
    await fake.stop()


async def _harness(database_url: str, fake: FakeTwilio) -> tuple[SmsHarness, Any]:
    return await open_harness(database_url, fake)


@pytest.fixture
async def sms(database_url: str, fake_twilio: FakeTwilio) -> AsyncIterator[SmsHarness]:
    harness, client = await _harness(database_url, fake_twilio)
    yield harness
    await client.close()
    await harness.runtime.close()


@pytest.fixture
async def sms_sqlite(tmp_path: Any, fake_twilio: FakeTwilio) -> AsyncIterator[SmsHarness]:
    harness, client = await _harness(f"sqlite+aiosqlite:///{tmp_path / 'notices.db'}", fake_twilio)
    yield harness
    await client.close()
    await harness.runtime.close()


async def _run(sms: SmsHarness, moment: dt.datetime | None = None) -> list[str]:
    """Travel (if told), run the due jobs, send what the outbox holds; the SMS the customer got since."""
    before = len(sms.fake.bodies_to(CUSTOMER))
    if moment is not None:
        sms.clock.now = moment
    await sms.runtime.repairs.runner.run_due()
    await sms.flush()
    return sms.fake.bodies_to(CUSTOMER)[before:]


async def test_an_sms_notice_in_quiet_hours_waits_until_eight(sms: SmsHarness) -> None:
    runtime, desk = sms.runtime, sms.runtime.repairs.desk
    booking = await book(runtime, channel="sms", customer_id=CUSTOMER, language="zh-Hans")
    sms.clock.now = local(25, 22)
    await desk.set_status(booking.ticket, "received", "cli")
    assert await _run(sms) == []
    [notice] = [j for j in await jobs_of(runtime, booking) if j.kind == lc.NOTICE]
    assert notice.status == jobs.PENDING and "quiet hours" in (notice.result or "")
    assert await _run(sms, local(26, 7, 59)) == []

    [received] = await _run(sms, local(26, 8))
    assert received.startswith(f"维修单 {booking.ticket}：我们已收到您的 Acme X20 Pro。")
    assert "接下来：工程师会检测故障" in received

    await desk.set_status(booking.ticket, "ready", "api")
    [ready] = await _run(sms)
    assert "可以取机了" in ready and "北京朝阳服务中心" in ready
    assert await _run(sms) == []  # each once
    assert await _run(sms, local(26, 9)) == []


async def test_an_sms_job_run_again_after_a_crash_queues_nothing_new(sms: SmsHarness) -> None:
    runtime = sms.runtime
    booking = await book(runtime, channel="sms", customer_id=CUSTOMER, language="en")
    await runtime.repairs.desk.set_status(booking.ticket, "received", "cli")
    now = sms.clock.now
    async with runtime.database.sessions() as session, session.begin():
        [job] = await jobs.claim_due(session, "dead-instance", now, now + dt.timedelta(seconds=60))
    await runtime.repairs.runner.handlers[job.kind](job)  # queued, then the instance died
    sent = await _run(sms, now + dt.timedelta(minutes=2))  # the lease ran out: run again here
    assert len(sent) == 1 and sent[0].startswith(f"Repair {booking.ticket}: we have received")
    [queued] = await sms.outbox(CUSTOMER)
    assert await sms.store.queued_source(f"job:{job.id}") == queued.id


async def test_stop_means_no_notice_and_the_job_fails(sms_sqlite: SmsHarness) -> None:
    sms = sms_sqlite
    runtime = sms.runtime
    booking = await book(runtime, channel="sms", customer_id=CUSTOMER, language="en")
    await sms.sms("STOP")
    await sms.flush()
    confirmation = sms.fake.bodies_to(CUSTOMER)
    assert len(confirmation) == 1
    await runtime.repairs.desk.set_status(booking.ticket, "received", "cli")
    assert await _run(sms) == []
    [notice] = [j for j in await jobs_of(runtime, booking) if j.kind == lc.NOTICE]
    assert notice.status == jobs.FAILED and "STOP" in (notice.result or "")


async def test_a_device_not_collected_is_reminded_twice_then_never(sms_sqlite: SmsHarness) -> None:
    sms = sms_sqlite
    runtime, desk = sms.runtime, sms.runtime.repairs.desk
    booking = await book(runtime, channel="sms", customer_id=CUSTOMER, language="en", loaner=True)
    for status in ("received", "repairing", "ready"):
        await desk.set_status(booking.ticket, status, "cli")
    assert len(await _run(sms)) == 3
    assert await _run(sms, local(2 + 30, 9, 59)) == []
    [first] = await _run(sms, local(2 + 30, 10))  # 7 days after ready, at the policy's 10:00
    assert first.startswith(f"Reminder: your Acme X20 Pro ({booking.ticket}) has been fixed for 7 days")
    assert "the loaner device" in first and "another way" not in first
    [second] = await _run(sms, local(9 + 30, 10))
    assert "fixed for 14 days" in second and "another way" in second
    assert await _run(sms, local(16 + 30, 10)) == []  # two rounds by default
    kinds = [e.data["kind"] for e in await timeline(runtime, booking) if e.kind == events.REMINDED]
    assert kinds == [lc.REMIND_UNCOLLECTED, lc.REMIND_UNCOLLECTED]


async def test_a_loaner_not_returned_is_reminded_in_traditional_chinese(sms_sqlite: SmsHarness) -> None:
    sms = sms_sqlite
    runtime, desk = sms.runtime, sms.runtime.repairs.desk
    booking = await book(runtime, channel="sms", customer_id=CUSTOMER, language="zh-Hant", loaner=True)
    for status in ("received", "ready", "closed"):
        await desk.set_status(booking.ticket, status, "cli")
    told = await _run(sms)
    assert "備用機已交給您" in told[0]
    assert any("請記得歸還備用機" in body for body in told[1:])
    [reminder] = [b for b in await _run(sms, local(28, 10)) if "提醒" in b]  # 3 days after closing
    assert reminder.startswith(f"提醒：維修單 {booking.ticket} 的備用機還沒有歸還") and "北京朝陽服務中心" in reminder

    # Returned before the reminder: none.
    second = await book(runtime, channel="sms", customer_id=OTHER, language="zh-Hant", loaner=True, conversation=False)
    for status in ("received", "ready", "closed"):
        await desk.set_status(second.ticket, status, "cli")
    await desk.mark(second.ticket, events.LOANER_RETURNED, "cli")
    await _run(sms, local(31, 10))
    assert not any("備用機還沒有歸還" in body for body in sms.fake.bodies_to(OTHER))


async def test_the_warranty_reminder_offers_to_stop_and_respects_reminders_off(sms_sqlite: SmsHarness) -> None:
    sms = sms_sqlite
    runtime = sms.runtime
    ends = dt.date(2027, 1, 10)
    booking = await book(runtime, channel="sms", customer_id=CUSTOMER, language="zh-Hant", warranty_until=ends)
    quiet = await book(runtime, channel="sms", customer_id=OTHER, language="en", warranty_until=ends)
    async with runtime.database.sessions() as session, session.begin():
        conversation = await session.get(Conversation, quiet.conversation_id)
        assert conversation is not None
        conversation.reminders_off = True
    await runtime.repairs.desk.set_status(booking.ticket, "cancelled", "cli")  # the warranty outlives the ticket
    await _run(sms)
    before = len(sms.fake.bodies_to(CUSTOMER))
    [reminder] = await _run(sms, local(41, 10))  # 30 days before 10 January, at 10:00
    assert len(sms.fake.bodies_to(CUSTOMER)) == before + 1
    assert reminder.startswith("提醒：您的 Acme X20 Pro 保固將於 2027年1月10日 到期")
    assert reminder.rstrip().endswith("1. 不再提醒")
    assert not any("warranty" in body for body in sms.fake.bodies_to(OTHER))
    [skipped] = [j for j in await jobs_of(runtime, quiet) if j.kind == lc.REMIND_WARRANTY]
    assert skipped.status == jobs.SKIPPED

    # "1" picks the reminder's only option: no more such reminders for this customer.
    await sms.sms("1")
    await sms.flush()
    async with runtime.database.sessions() as session:
        conversation = await session.get(Conversation, booking.conversation_id)
        assert conversation is not None and conversation.reminders_off


async def test_a_long_keyed_sms_is_queued_once_and_its_more_pages_survive_a_second_run(sms_sqlite: SmsHarness) -> None:
    """Only the first page of a long message is queued (the rest waits for MORE): the source keys that
    page, and queueing the same source again neither adds a message nor replaces the MORE pages."""
    sms = sms_sqlite
    delivery = sms.runtime.handoff.deliveries.get("sms")
    assert delivery is not None
    long = Reply(text="\n".join(f"Line {n}: " + "words " * 20 for n in range(12)), kind=ReplyKind.INFO, language="en")
    later = Reply(text="\n".join(f"Other {n}: " + "words " * 20 for n in range(12)), kind=ReplyKind.INFO, language="en")
    await delivery.send_replies(CUSTOMER, [long], source="job:991")
    await delivery.send_replies(CUSTOMER, [later])  # a later long message (an agent's), unkeyed
    await delivery.send_replies(CUSTOMER, [long], source="job:991")  # the job again, after a crash
    await sms.flush()
    first, second = sms.fake.bodies_to(CUSTOMER)
    assert first.startswith("Line 0:") and "MORE" in first and second.startswith("Other 0:")
    assert await sms.store.queued_source("job:991") == (await sms.outbox(CUSTOMER))[0].id
    rest = await sms.chat("MORE")  # the pages of the last message sent, not of the one re-queued
    assert rest.startswith("Other ") and "Line" not in rest


async def test_a_template_only_gateway_sends_a_notice_as_the_tickets_status_template(sms_sqlite: SmsHarness) -> None:
    """Mainland gateways send only approved templates: a notice goes as booking.status [ticket, status, when],
    from the data the notice carries, never read back out of its text."""
    from bot.channels.sms.outbox import Outbox
    from tests.sms.test_sms_outbox import TemplateGateway

    runtime = sms_sqlite.runtime
    booking = await book(runtime, channel="sms", customer_id=CUSTOMER, language="en")
    sms_sqlite.clock.now = local(25, 11)
    await runtime.repairs.desk.set_status(booking.ticket, "received", "cli")
    await runtime.repairs.runner.run_due()
    gateway = TemplateGateway()
    outbox = Outbox(sms_sqlite.store, gateway, clock=sms_sqlite.clock)
    while await outbox.run_once():
        pass
    [sent] = [m for m in gateway.sent if m.to == CUSTOMER]
    assert sent.template is not None and sent.template.id == "booking.status"
    assert sent.template.params["ticket"] == booking.ticket and sent.template.params["status"] == "received"
