"""/console/suggestions through HTTP: supervisors only, CSRF on every change, audited, and what they
accept goes live in the running bot (and rolls back)."""

from __future__ import annotations

import re
from typing import Any

import yaml
from aiohttp.test_utils import TestClient

from bot.engine import Inbound
from bot.engine.types import ReplyKind
from bot.runtime import Runtime
from bot.staff.roles import Role
from bot.staff.service import build_staff
from bot.storage import suggestions as repo
from tests.handoff.conftest import MemoryDelivery
from tests.web.conftest import login

WATER = ["我的手机进水了怎么办", "手機進水了怎麼辦", "手机进水了怎么办，电话13800138000"]


async def _ask(runtime: Runtime, text: str, customer: str) -> ReplyKind:
    outcome = await runtime.handle(Inbound(channel="console", customer_id=customer, text=text))
    return outcome.replies[0].kind


async def _collect(client: TestClient, csrf: str) -> None:
    """The "collect now" button (the background poller does the same every few minutes)."""
    response = await client.post("/console/suggestions/collect", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 303 and "notice=collected" in response.headers["Location"]


def _suggestion_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="card suggestion" data-suggestion-id="(\d+)"', html)]


async def test_agents_are_refused_and_supervisors_see_the_questions_by_count(staff_client: TestClient, web_runtime: Runtime) -> None:
    for n, text in enumerate(WATER):
        await _ask(web_runtime, text, f"w{n}")
    await _ask(web_runtime, "<script>alert(1)</script> 屏幕碎了怎么修", "xss")

    _, csrf = await login(staff_client, web_runtime, Role.AGENT)
    assert (await staff_client.get("/console/suggestions")).status == 403
    assert (await staff_client.get("/console/suggestions/export.yaml")).status == 403
    refused = await staff_client.post("/console/suggestions/1", data={"csrf": csrf, "action": "reject"}, allow_redirects=False)
    assert refused.status == 403
    assert (await staff_client.post("/console/suggestions/versions/0/rollback", data={"csrf": csrf})).status == 403

    _, csrf = await login(staff_client, web_runtime, Role.SUPERVISOR)
    assert "屏幕碎了" not in await (await staff_client.get("/console/suggestions")).text()  # a GET only reads
    assert (await staff_client.post("/console/suggestions/collect", data={}, allow_redirects=False)).status == 403
    await _collect(staff_client, csrf)
    page = await staff_client.get("/console/suggestions")
    html = await page.text()
    assert page.status == 200
    assert "asked 3 times" in html and "手機進水了怎麼辦" in html
    assert "13800138000" not in html and "{phone}" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_a_supervisor_decides_checks_publishes_and_rolls_back(staff_client: TestClient, web_runtime: Runtime) -> None:
    for n, text in enumerate(WATER):
        assert await _ask(web_runtime, text, f"w{n}") is ReplyKind.NOT_UNDERSTOOD
    await _ask(web_runtime, "你们卖不卖手机壳", "case")
    supervisor, csrf = await login(staff_client, web_runtime, Role.SUPERVISOR)
    await _collect(staff_client, csrf)
    html = await (await staff_client.get("/console/suggestions")).text()
    water_id, case_id = _suggestion_ids(html)  # most asked first

    # No token, no change (the gate refuses it before the page runs).
    forged = await staff_client.post(f"/console/suggestions/{case_id}", data={"action": "reject"}, allow_redirects=False)
    assert forged.status == 403
    assert case_id in _suggestion_ids(await (await staff_client.get("/console/suggestions")).text())

    rejected = await staff_client.post(f"/console/suggestions/{case_id}", data={"csrf": csrf, "action": "reject"}, allow_redirects=False)
    assert rejected.status == 303
    bad = await staff_client.post(
        f"/console/suggestions/{water_id}", data={"csrf": csrf, "action": "reassign", "intent": "no.such.intent"}
    )
    assert bad.status == 400 and "There is no such intent" in await bad.text()
    new = await staff_client.post(
        f"/console/suggestions/{water_id}",
        data={"csrf": csrf, "action": "new", "new_id": "water.damage",
              "title_zh-Hans": "手机进水", "title_zh-Hant": "手機進水", "title_en": "Water damage",
              "answer_zh-Hans": "请立即关机并送修。", "answer_zh-Hant": "請立即關機並送修。", "answer_en": "Switch it off and bring it in."},
        allow_redirects=False,
    )
    assert new.status == 303
    html = await (await staff_client.get("/console/suggestions")).text()
    assert _suggestion_ids(html) == [] and "new intent water.damage" in html

    checked = await staff_client.post("/console/suggestions/check", data={"csrf": csrf})
    html = await checked.text()
    assert checked.status == 200 and "Ranked first, on the" in html
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)  # type: ignore[union-attr]
    assert await _ask(web_runtime, "手机进水了怎么办", "pre") is ReplyKind.NOT_UNDERSTOOD  # not live before confirming
    published = await staff_client.post("/console/suggestions/publish", data={"csrf": csrf, "digest": digest}, allow_redirects=False)
    assert published.status == 303 and "notice=published" in published.headers["Location"]
    assert await _ask(web_runtime, "手机进水了怎么办", "post") is ReplyKind.ANSWER

    export = await staff_client.get("/console/suggestions/export.yaml")
    entries = yaml.safe_load(await export.text())
    assert [e["id"] for e in entries] == ["water.damage"] and "我的手机进水了怎么办" in entries[0]["questions"]

    rolled = await staff_client.post("/console/suggestions/versions/0/rollback", data={"csrf": csrf}, allow_redirects=False)
    assert rolled.status == 303
    assert await _ask(web_runtime, "手机进水了怎么办", "rolled") is ReplyKind.NOT_UNDERSTOOD
    assert (await staff_client.post("/console/suggestions/versions/99/rollback", data={"csrf": csrf})).status == 404

    audit = await build_staff(web_runtime).audit.rows()
    mine = [(row.action, row.target) for row in audit if row.action.startswith("kb.")]
    assert mine == [
        ("kb.suggestion.reject", f"suggestion:{case_id}"),
        ("kb.suggestion.new", f"suggestion:{water_id}"),
        ("kb.check", "suggestions"),
        ("kb.version.publish", "kb_version:1"),
        ("kb.export", "suggestions"),
        ("kb.version.rollback", "kb_version:0"),
    ]
    assert all(row.actor == supervisor.email for row in audit if row.action.startswith("kb."))


async def test_an_agents_canned_answer_becomes_a_suggestion_for_that_intent(
    client_factory: Any, web_runtime: Runtime
) -> None:
    web_runtime.deliveries.register(MemoryDelivery(channel="console"))
    await _ask(web_runtime, "屏幕出现一条绿线", "g")
    assert await _ask(web_runtime, "屏幕上有绿线怎么回事", "g") is ReplyKind.HANDOFF  # not understood twice
    [escalation] = await web_runtime.handoff.queue()
    agent_browser, supervisor_browser = await client_factory(), await client_factory()
    _, agent_csrf = await login(agent_browser, web_runtime, Role.AGENT)
    replied = await agent_browser.post(
        f"/console/conversations/{escalation.id}/reply",
        data={"csrf": agent_csrf, "text": "整机保修两年。", "canned_intent": "warranty.period", "client_id": "r1"},
        allow_redirects=False,
    )
    assert replied.status in (200, 303)
    async with web_runtime.database.sessions() as session:
        [signal] = [s for s in await repo.signals_of(session, [1, 2, 3]) if s.source == "agent_faq"]
    assert (signal.text, signal.intent_id) == ("屏幕上有绿线怎么回事", "warranty.period")

    _, supervisor_csrf = await login(supervisor_browser, web_runtime, Role.SUPERVISOR)
    await _collect(supervisor_browser, supervisor_csrf)
    html = await (await supervisor_browser.get("/console/suggestions")).text()
    card = html.split('data-suggestion-id="', 1)[1].split("</article>", 1)[0]
    assert "屏幕上有绿线怎么回事" in card and "Probably: Warranty period (warranty.period)" in card
