"""The customer is told, on Telegram: each status change once and in order, in the ticket's language,
the appointment reminder the evening before, nothing twice after a crash, nothing to a blocked chat.

Through the real path: `runtime.repairs.desk.set_status` (the one staff code path) schedules the
notice, `runtime.repairs.runner.run_due()` on the travelled clock runs it, the Telegram channel's
durable outbox sends it to the fake Bot API.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.repairs import lifecycle as lc
from bot.storage import jobs
from bot.storage import repairs as events
from bot.storage.booking import move_booking
from tests.repairs.notices_helpers import (
    book,
    jobs_of,
    local,
    move_to,
    telegram_side,
    timeline,
)
from tests.support import use_cached_matcher

ADA = 4242


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


async def test_each_status_is_told_once_in_order_with_what_comes_next(tmp_path: Path, database_url: str) -> None:
    async with telegram_side(tmp_path, database_url) as tg:
        runtime, desk = tg.runtime, tg.runtime.repairs.desk
        booking = await book(runtime, channel="telegram", customer_id=str(ADA), language="en", loaner=True)
        await move_to(runtime, tg.clock, local(25, 11))
        assert tg.texts(ADA) == []  # booking is not a notice: the customer was told in the chat

        await desk.set_status(booking.ticket, "received", "cli", note="scratches on the back, customer rude")
        await desk.set_status(booking.ticket, "diagnosing", "api")
        await desk.set_status(booking.ticket, "waiting_parts", "api")
        await desk.set_status(booking.ticket, "repairing", "agent:1 Li")
        await desk.set_status(booking.ticket, "ready", "cli")
        assert await runtime.repairs.runner.run_due() == 5

        received, diagnosing, parts, repairing, ready = tg.texts(ADA)
        assert received.startswith(f"Repair {booking.ticket}: we have received your Acme X20 Pro.")
        assert "loaner" in received and "Next: an engineer will check the fault" in received
        assert "rude" not in "".join(tg.texts(ADA))  # staff notes stay with staff
        assert "quote first" in diagnosing  # out of warranty: paid work is quoted first
        assert "part" in parts and "ordered" in parts
        assert "is repairing your Acme X20 Pro" in repairing
        assert "ready to collect" in ready
        assert "Beijing Chaoyang Service Centre" in ready and "Opening hours:" in ready
        assert f"Please bring: the repair number {booking.ticket}, your ID, the loaner device." in ready

        # Nothing is due again: a second run and a later one send nothing new.
        assert await runtime.repairs.runner.run_due() == 0
        await move_to(runtime, tg.clock, local(25, 12))
        assert len(tg.api.sent(ADA)) == 5
        notices = [j for j in await jobs_of(runtime, booking) if j.kind == lc.NOTICE]
        assert [j.status for j in notices] == [jobs.DONE] * 5


async def test_shipped_says_the_tracking_number_and_onsite_ready_says_the_engineer_brings_it(tmp_path: Path) -> None:
    async with telegram_side(tmp_path) as tg:
        runtime, desk = tg.runtime, tg.runtime.repairs.desk
        courier = await book(runtime, channel="telegram", customer_id=str(ADA), language="en", service="courier",
                             address="No. 1 Jianguo Road, Chaoyang")
        onsite = await book(runtime, channel="telegram", customer_id="77", language="en", service="onsite",
                            address="Flat 3, 8 Guanghua Road")
        for status in ("received", "repairing", "ready"):
            await desk.set_status(courier.ticket, status, "cli")
            await desk.set_status(onsite.ticket, status, "cli")
        await desk.set_status(courier.ticket, "shipped", "cli", tracking="SF1234567890")
        await runtime.repairs.runner.run_due()
        *_, ready, shipped = tg.texts(ADA)
        assert "shipped back to you" in ready
        assert "Tracking number: SF1234567890." in shipped
        assert "The engineer will bring it back to you" in tg.texts(77)[-1]


async def test_staff_moving_the_appointment_is_told_and_the_reminder_follows_the_new_time(tmp_path: Path) -> None:
    async with telegram_side(tmp_path, default_language="zh-Hans") as tg:
        runtime = tg.runtime
        booking = await book(runtime, channel="telegram", customer_id=str(ADA), language="zh-Hans")
        async with runtime.database.sessions() as session, session.begin():
            row = await events.ticket(session, booking.ticket)
            assert row is not None
            previous = row.slot_start
            await move_booking(session, row, local(27, 10), local(27, 11), capacity=5)
            await runtime.repairs.lifecycle.moved(session, row, previous, actor="agent:1 Li")
        await runtime.repairs.runner.run_due()
        [moved] = tg.texts(ADA)
        assert moved.startswith(f"维修单 {booking.ticket}：服务中心已将您的预约改到") and "10:00-11:00" in moved
        assert "维修进度" in moved  # how to move or cancel: the menu item, by its own name

        await move_to(runtime, tg.clock, local(25, 18))  # the old reminder's time: it was cancelled
        assert len(tg.texts(ADA)) == 1
        await move_to(runtime, tg.clock, local(26, 18))
        reminder = tg.texts(ADA)[-1]
        assert reminder.startswith(f"提醒：您的维修预约（单号 {booking.ticket}）在 明天") and "10:00-11:00" in reminder
        assert "北京朝阳服务中心" in reminder and "请携带：需要维修的设备、身份证件。" in reminder
        reminded = [e for e in await timeline(runtime, booking) if e.kind == events.REMINDED]
        assert [e.data["kind"] for e in reminded] == [lc.REMIND_APPOINTMENT]


async def test_telegram_is_not_held_back_by_quiet_hours_and_notes_are_not_told(tmp_path: Path) -> None:
    async with telegram_side(tmp_path) as tg:
        booking = await book(tg.runtime, channel="telegram", customer_id=str(ADA), language="en")
        await tg.runtime.repairs.desk.mark(booking.ticket, events.NOTE, "cli", note="internal: check the hinge")
        await tg.runtime.repairs.runner.run_due()
        assert tg.texts(ADA) == []  # a note is for staff: no notice at all
        assert not [j for j in await jobs_of(tg.runtime, booking) if j.kind == lc.NOTICE]
        tg.clock.now = local(25, 22)
        await tg.runtime.repairs.desk.set_status(booking.ticket, "received", "cli")
        await tg.runtime.repairs.runner.run_due()
        assert len(tg.texts(ADA)) == 1


async def test_a_job_run_again_after_a_crash_sends_nothing_new(tmp_path: Path, database_url: str) -> None:
    async with telegram_side(tmp_path, database_url) as tg:
        runtime = tg.runtime
        runner = runtime.repairs.runner
        booking = await book(runtime, channel="telegram", customer_id=str(ADA), language="en")
        await runtime.repairs.desk.set_status(booking.ticket, "received", "cli")
        # A dead instance claimed the notice, sent it, and died before finishing the job.
        now = tg.clock.now
        async with runtime.database.sessions() as session, session.begin():
            [job] = await jobs.claim_due(session, "dead-instance", now, now + dt.timedelta(seconds=60))
        outcome = await runner.handlers[job.kind](job)
        assert type(outcome).__name__ == "Done"
        assert len(tg.texts(ADA)) == 1
        assert await runner.run_due() == 0  # still leased to the dead instance
        await move_to(runtime, tg.clock, now + dt.timedelta(minutes=2))  # the lease ran out: this one runs it
        assert len(tg.texts(ADA)) == 1
        [notice] = [j for j in await jobs_of(runtime, booking) if j.kind == lc.NOTICE]
        assert notice.status == jobs.DONE and notice.attempts == 2


async def test_a_reminder_run_twice_leaves_one_line_on_the_timeline(tmp_path: Path) -> None:
    async with telegram_side(tmp_path) as tg:
        runtime = tg.runtime
        booking = await book(runtime, channel="telegram", customer_id=str(ADA), language="en")
        at = local(25, 18)
        async with runtime.database.sessions() as session, session.begin():
            [job] = await jobs.claim_due(session, "dead-instance", at, at + dt.timedelta(seconds=60))
        assert job.kind == lc.REMIND_APPOINTMENT
        tg.clock.now = at
        await runtime.repairs.runner.handlers[job.kind](job)
        await move_to(runtime, tg.clock, at + dt.timedelta(minutes=5))
        assert len(tg.texts(ADA)) == 1
        assert len([e for e in await timeline(runtime, booking) if e.kind == events.REMINDED]) == 1


async def test_a_chat_that_blocked_the_bot_fails_the_notice(tmp_path: Path) -> None:
    async with telegram_side(tmp_path) as tg:
        runtime = tg.runtime
        booking = await book(runtime, channel="telegram", customer_id=str(ADA), language="en")
        tg.api.fail_next("sendMessage", 1, 403, chat_id=ADA)
        await runtime.repairs.desk.set_status(booking.ticket, "received", "cli")
        await runtime.repairs.runner.run_due()
        assert tg.texts(ADA) == []
        [notice] = [j for j in await jobs_of(runtime, booking) if j.kind == lc.NOTICE]
        assert notice.status == jobs.FAILED and "unreachable" in (notice.result or "")
        # Blocked now: the next notice is not even tried.
        calls = len(tg.api.calls_to("sendMessage"))
        await runtime.repairs.desk.set_status(booking.ticket, "diagnosing", "cli")
        await runtime.repairs.runner.run_due()
        assert len(tg.api.calls_to("sendMessage")) == calls
        assert [j.status for j in await jobs_of(runtime, booking) if j.kind == lc.NOTICE] == [jobs.FAILED] * 2
