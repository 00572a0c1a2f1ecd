"""/console/dashboard and /console/dashboard.csv through HTTP: who may see them, what they show, in
which language, and a CSV that a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io

from aiohttp.test_utils import TestClient

from bot.handoff.operations import Agent
from bot.runtime import Runtime
from bot.staff.roles import Role
from tests.reports.scenario import EVIL_NAME, Scenario, handed_off
from tests.web.conftest import login

BOM = "\ufeff".encode()


async def test_agents_get_403_and_strangers_the_login_page(staff_client: TestClient, web_runtime: Runtime, played: Scenario) -> None:
    anonymous = await staff_client.get("/console/dashboard", allow_redirects=False)
    assert anonymous.status == 302 and anonymous.headers["Location"].startswith("/console/login")
    await login(staff_client, web_runtime, Role.AGENT)
    for path in ("/console/dashboard", "/console/dashboard.csv"):
        response = await staff_client.get(path)
        assert response.status == 403, path
        assert "Ada" not in await response.text()


async def test_supervisor_sees_the_figures_as_charts_without_scripts(staff_client: TestClient, web_runtime: Runtime, played: Scenario) -> None:
    await login(staff_client, web_runtime, Role.SUPERVISOR, language="en")
    response = await staff_client.get("/console/dashboard")
    assert response.status == 200
    html = await response.text()
    assert "<svg" in html and "<script" not in html
    assert 'data-testid="deflection">16.7%<' in html  # 1 answered of 6 conversations
    assert "Answered by the bot 16.7% (1)" in html and "Handed off 66.7% (4)" in html and "Abandoned 16.6% (1)" in html
    assert 'data-testid="conversations">6<' in html
    assert "Customer asked for a person" in html  # the reasons, worded
    assert "Ada" in html and "Ben" in html and "n = 3" in html
    assert "Wed 11:00" in html  # busiest hour, in Shanghai time
    assert "Battery price · battery.price" in html  # the answer with a 👎, by its title


async def test_admins_too_and_the_page_in_both_chinese_scripts(
    client_factory, web_runtime: Runtime, played: Scenario  # type: ignore[no-untyped-def]
) -> None:
    expected = {"zh-Hans": ("数据看板", "自助解决率", "转人工原因"), "zh-Hant": ("數據看板", "自助解決率", "轉真人原因"), "en": ("Dashboard", "Deflection rate", "Hand-offs by reason")}
    for language, lines in expected.items():
        browser = await client_factory()
        await login(browser, web_runtime, Role.ADMIN, language=language)
        html = await (await browser.get("/console/dashboard")).text()
        for line in lines:
            assert line in html, (language, line)


async def test_names_people_wrote_are_text_not_markup(staff_client: TestClient, web_runtime: Runtime, played: Scenario) -> None:
    escalation = await handed_off(played, "c7")
    mallory = Agent("web:9", '<img src=x onerror="alert(1)">')
    await web_runtime.handoff.agent_message(escalation, mallory, text="hi")
    await web_runtime.handoff.close(escalation, mallory)
    await played.say("c7", "5")
    await login(staff_client, web_runtime, Role.SUPERVISOR)
    html = await (await staff_client.get("/console/dashboard")).text()
    assert "<img src=x" not in html and "&lt;img src=x" in html


async def test_csv_one_row_per_conversation_with_bom_and_formulas_neutralised(
    staff_client: TestClient, web_runtime: Runtime, played: Scenario
) -> None:
    await login(staff_client, web_runtime, Role.SUPERVISOR)
    response = await staff_client.get("/console/dashboard.csv?from=2026-11-20&to=2026-11-26")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv") and "charset=utf-8" in response.headers["Content-Type"]
    assert response.headers["Content-Disposition"] == 'attachment; filename="conversations-2026-11-20-2026-11-26.csv"'
    body = await response.read()
    assert body.startswith(BOM)
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(table) == 6
    [evil] = [row for row in table if row["channel"] == "sms" and row["customer"] != "c5"]
    assert evil["customer"] == "'" + EVIL_NAME and "点我" in evil["customer"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row.values())
    assert {row["outcome"] for row in table} == {"answered", "handed_off", "abandoned"}


async def test_the_export_is_in_the_audit_log(client_factory, web_runtime: Runtime, played: Scenario) -> None:  # type: ignore[no-untyped-def]
    supervisor = await client_factory()
    await login(supervisor, web_runtime, Role.SUPERVISOR)
    assert (await supervisor.get("/console/dashboard.csv?channel=sms")).status == 200
    admin = await client_factory()
    await login(admin, web_runtime, Role.ADMIN)
    audit = await (await admin.get("/console/admin/audit")).text()
    assert "dashboard.export" in audit


async def test_csv_of_one_channel_and_a_made_up_query(staff_client: TestClient, web_runtime: Runtime, played: Scenario) -> None:
    await login(staff_client, web_runtime, Role.SUPERVISOR)
    sms = await (await staff_client.get("/console/dashboard.csv?channel=sms")).read()
    assert len(list(csv.DictReader(io.StringIO(sms.decode("utf-8-sig"))))) == 2
    junk = await staff_client.get("/console/dashboard?from=<script>&to=9999-99-99&channel=%3Cb%3E")
    assert junk.status == 200 and "<b>" not in await junk.text()
    empty = await staff_client.get("/console/dashboard?from=2026-01-01&to=2026-01-07")
    assert "No customer conversations in this period." in await empty.text()


async def test_dates_at_the_ends_of_the_calendar_are_not_a_server_error(staff_client: TestClient, web_runtime: Runtime) -> None:
    await login(staff_client, web_runtime, Role.SUPERVISOR)
    for query in ("from=0001-01-01", "to=9999-12-31", "to=0001-01-03", "from=0001-01-01&to=9999-12-31"):
        for path in ("/console/dashboard", "/console/dashboard.csv"):
            response = await staff_client.get(f"{path}?{query}")
            assert response.status == 200, (path, query, response.status)
