"""A repair's whole life on Telegram, end to end, over the fake Bot API and the real aiogram client.

A customer writing in Traditional Chinese books a repair in the chat; agents move the ticket with
`/ticket` in their chat; the customer hears each step once, in order, in zh-Hant. The repair runs past
the policy's 14 days: a supervisor is called in the agents' chat with the product's replacement policy,
and the customer gets the operator's compensation words. After closing, the survey arrives with buttons,
and the score is kept with the ticket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.booking import find_ticket
from tests.fakes.telegram_api import FakeTelegramAPI, html_to_text
from tests.handoff.telegram_harness import AGENTS, AgentsHarness, start_agents_harness, stop_agents_harness
from tests.repairs.promises_support import knowledge_copy
from tests.support import use_cached_matcher

CUSTOMER = 5150
SUPERVISOR = 9001


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture
async def ag(tmp_path: Path) -> AsyncIterator[AgentsHarness]:
    async with FakeTelegramAPI() as api:
        harness = await start_agents_harness(api, tmp_path, knowledge_copy(tmp_path), supervisor_ids=[SUPERVISOR])
        try:
            yield harness
        finally:
            await stop_agents_harness(harness)


async def customer(ag: AgentsHarness, text: str) -> str:
    calls = await ag.customer(CUSTOMER, text, language_code="zh-hant")
    return "\n".join(html_to_text(call.get("text") or "") for call in calls)


async def press(ag: AgentsHarness, label: str) -> str:
    """The customer presses the button of the last message whose text starts with `label`."""
    last = ag.api.sent(CUSTOMER)[-1]
    before = len(ag.api.sent(CUSTOMER))
    button = next(text for text in last.button_texts if text.startswith(label))
    update = ag.api.push_update(ag.api.callback(CUSTOMER, last.button(button)["callback_data"], last, language_code="zh-hant"))
    await ag.settled(update["update_id"])
    return "\n".join(html_to_text(call.get("text") or "") for call in ag.api.sent(CUSTOMER)[before:])


def told(ag: AgentsHarness, since: int) -> list[str]:
    return ag.texts(CUSTOMER)[since:]


async def jobs_run(ag: AgentsHarness) -> None:
    await ag.runtime.repairs.runner.run_due()
    await ag.idle()


async def test_a_repair_on_telegram_from_booking_to_survey(ag: AgentsHarness) -> None:
    for text in ("我要報修", "手機", "x20pro", "490154203237518", "螢幕破了，觸控失靈", "2026-05-01", "到店", "北京", "朝陽"):
        await customer(ag, text)
    await press(ag, "明天")
    await press(ag, "10:00")
    for text in ("不需要", "張三", "13800138000"):
        summary = await customer(ag, text)
    assert "請確認預約資料" in summary, summary
    confirmation = await customer(ag, "確認")
    ticket = find_ticket(confirmation)
    assert ticket is not None and "工程師" in confirmation  # the call-back promise, in the customer's script
    since = len(ag.texts(CUSTOMER))

    await ag.agent(f"/ticket {ticket} received 客人說摔過")
    await ag.agent(f"/ticket {ticket} diagnosing")
    await jobs_run(ag)
    await jobs_run(ag)  # nothing twice
    notices = told(ag, since)
    assert len(notices) == 2 and all(ticket in n for n in notices), notices
    assert "收到" in notices[0] and "摔過" not in "".join(notices)  # zh-Hant; an agent's note stays internal

    # Day 15 of the repair: the promise is broken. A supervisor is called in; the customer is told.
    ag.clock.advance(days=14, hours=1)
    await jobs_run(ag)
    posts = "\n".join(c.get("text") or "" for c in ag.api.calls_to("sendMessage") if c.get("chat_id") == AGENTS)
    assert ticket in posts and f"tg://user?id={SUPERVISOR}" in posts
    [apology] = told(ag, since + 2)
    assert ticket in apology or "抱歉" in apology

    [escalated] = [e for e in (await ag.runtime.repairs.desk.show(ticket)).events if e.kind == "escalated"]
    escalation = escalated.data["escalation"]  # type: ignore[index]

    await ag.agent(f"/ticket {ticket} repairing")
    await ag.agent(f"/ticket {ticket} ready")
    await jobs_run(ag)
    await ag.agent(f"/bot #{escalation}")  # the supervisor dealt with it; the customer is back with the bot
    await ag.agent(f"/ticket {ticket} closed")
    await jobs_run(ag)
    _repairing, ready, *_, survey = told(ag, since + 3)
    assert "朝陽" in ready  # where to collect it
    assert ticket in survey
    thanks = await press(ag, "5")
    assert thanks
    view = await ag.runtime.repairs.desk.show(ticket)
    assert view.survey_score == 5
    assert [e.kind for e in view.events if e.kind in ("escalated", "survey")] == ["escalated", "survey"]
