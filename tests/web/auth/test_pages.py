"""What people see: names escaped, the three languages, the language switch, the nav by role."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from bot.i18n.catalog import CATALOG
from bot.runtime import Runtime
from bot.staff.accounts import StaffAccounts
from bot.staff.roles import Role
from tests.web.conftest import create_user, csrf_of, login

PAYLOAD = "<script>alert(1)</script>"


async def test_a_name_with_markup_renders_as_text(staff_client: TestClient, web_runtime: Runtime) -> None:
    await create_user(web_runtime, Role.AGENT, "xss@example.com", name=PAYLOAD)
    await login(staff_client, web_runtime, Role.ADMIN, name=f'"><img src=x onerror=alert(2)>{PAYLOAD}')
    html = await (await staff_client.get("/console/admin/users")).text()
    assert PAYLOAD not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # No inline script anywhere: the CSP forbids it, and the page does not need it.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


async def test_every_staff_line_exists_in_the_three_languages() -> None:
    lines = {key: entry for key, entry in CATALOG.items() if key.startswith("staff.")}
    assert lines
    for key, entry in lines.items():
        assert set(entry) == {"zh-Hans", "zh-Hant", "en"}, key
        assert all(str(line).strip() for line in entry.values()), key


async def test_the_language_follows_the_user_and_can_be_switched(staff_client: TestClient, web_runtime: Runtime) -> None:
    admin, _ = await login(staff_client, web_runtime, Role.ADMIN, language="zh-Hant")
    html = await (await staff_client.get("/console/admin/users")).text()
    assert 'lang="zh-Hant"' in html and "人員與權限" in html
    response = await staff_client.post(
        "/console/language", data={"csrf": csrf_of(staff_client), "language": "en", "back": "/console/admin/users"}, allow_redirects=False
    )
    assert response.status == 302 and response.headers["Location"] == "/console/admin/users"
    html = await (await staff_client.get("/console/admin/users")).text()
    assert 'lang="en"' in html and "People and roles" in html
    # Kept as the user's setting: the next login is in English too.
    user = await StaffAccounts(web_runtime.database, web_runtime.clock).get(admin.id)
    assert user is not None and user.language == "en"
    response = await staff_client.post("/console/language", data={"csrf": csrf_of(staff_client), "language": "klingon"})
    assert response.status == 400


async def test_the_login_page_speaks_the_browsers_language(staff_client: TestClient) -> None:
    page = await staff_client.get("/console/login", headers={"Accept-Language": "zh-TW,zh;q=0.9"})
    assert "登入客服工作臺" in await page.text()
    page = await staff_client.get("/console/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Log in to the agents&#39; console" in await page.text()
    page = await staff_client.get("/console/login?lang=zh-Hans", headers={"Accept-Language": "en"})
    assert "登录客服工作台" in await page.text()
    page = await staff_client.get("/console/login", headers={"Accept-Language": "en"})  # the choice is remembered
    assert "登录客服工作台" in await page.text()


async def test_the_nav_shows_what_the_role_may_open(staff_client: TestClient, web_runtime: Runtime) -> None:
    await login(staff_client, web_runtime, Role.ADMIN, language="en")
    html = await (await staff_client.get("/console/admin/users")).text()
    for path in ("/console/", "/console/dashboard", "/console/suggestions", "/console/admin/users", "/console/admin/audit"):
        assert f'href="{path}"' in html
    assert 'data-testid="logout"' in html


async def test_next_after_login_stays_on_the_console(staff_client: TestClient, web_runtime: Runtime) -> None:
    user = await create_user(web_runtime, Role.ADMIN)
    page = await staff_client.get("/console/login?next=//evil.example/x")
    token = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert 'name="next" value="/console/"' in await page.text()
    response = await staff_client.post(
        "/console/login", data={"csrf": token, "email": user.email, "password": "correct horse battery staple", "next": "https://evil.example/"},
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/console/"


async def test_no_page_shows_a_raw_catalog_key(staff_client: TestClient, client_factory, web_runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    from bot.staff.invitations import StaffInvitations

    invited = await StaffAccounts(web_runtime.database, web_runtime.clock).create("later@example.com", "Later", Role.AGENT)
    token = await StaffInvitations(web_runtime.database, web_runtime.clock).issue(invited.id, "test")
    raw_key = re.compile(r"\b(staff|agentconsole|dashboard|learning)\.[a-z_0-9]+\b")
    for language in ("zh-Hans", "zh-Hant", "en"):
        browser = await client_factory()
        pages = [await browser.get(f"/console/login?lang={language}"), await browser.get(f"/console/invite/{token}"),
                 await browser.get("/console/invite/used-or-unknown")]
        await login(browser, web_runtime, Role.ADMIN, language=language)
        await browser.post("/console/admin/users", data={"csrf": csrf_of(browser), "email": f"n-{language}@example.com", "name": "N", "role": "agent"})
        pages += [await browser.get("/console/admin/users"), await browser.get("/console/admin/audit")]
        for page in pages:
            html = await page.text()
            assert f'lang="{language}"' in html
            assert not raw_key.search(html), (language, page.url, raw_key.search(html))


def test_accept_language_honours_quality_values() -> None:
    from bot.i18n.negotiate import accept_language

    assert accept_language("en;q=0.5, zh-TW;q=0.9") == "zh-Hant"
    assert accept_language("fr, en-GB;q=0.8, zh;q=0.7") == "en"
    assert accept_language("zh-CN;q=0, en;q=0.1") == "en"  # q=0: not this one
    assert accept_language("fr, de") is None and accept_language(None) is None
    assert accept_language("zh-Hant-HK") == "zh-Hant" and accept_language("zh_CN") == "zh-Hans"


async def test_the_login_page_follows_the_browsers_preferred_language(staff_client: TestClient) -> None:
    page = await staff_client.get("/console/login", headers={"Accept-Language": "en;q=0.5, zh-TW;q=0.9"})
    assert "登入客服工作臺" in await page.text()


async def test_console_without_the_slash_goes_to_the_queue(staff_client: TestClient, web_runtime: Runtime) -> None:
    await login(staff_client, web_runtime)
    response = await staff_client.get("/console", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/console/"


async def test_refusals_of_language_and_admin_forms_speak_the_users_language(staff_client: TestClient, web_runtime: Runtime) -> None:
    admin, csrf = await login(staff_client, web_runtime, Role.ADMIN, language="zh-Hant")
    bad_language = await staff_client.post("/console/language", data={"csrf": csrf, "language": "fr"})
    assert bad_language.status == 400 and "未知的語言。" in await bad_language.text()
    bad_action = await staff_client.post(f"/console/admin/users/{admin.id}", data={"csrf": csrf, "action": "explode"})
    assert bad_action.status == 400 and "未知的操作。" in await bad_action.text()
    nobody = await staff_client.post("/console/admin/users/424242", data={"csrf": csrf, "action": "deactivate"})
    assert nobody.status == 404 and "找不到這個人員" in await nobody.text()
