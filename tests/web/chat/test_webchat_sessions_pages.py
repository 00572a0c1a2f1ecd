"""Who may open the chat, and where: session tokens, signed identities, site keys, the frame's CSP."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.channels.web.sites import SitesError, identity_hash, parse_sites, pick_language
from tests.web.chat.conftest import SECRET, Chat


async def test_an_anonymous_session_gets_a_random_token_stored_only_as_its_hash(chat: Chat) -> None:
    token = await chat.session()
    other = await chat.session()
    assert token != other and len(token) >= 40
    # The visitors are different people: one never sees the other's messages.
    await chat.say(token, "How long is the warranty?")
    await chat.say(other, "What are your hotline hours?")
    mine = await chat.events(token, 2, since=0)
    assert "How long is the warranty?" in [e["text"] for e in mine]
    assert all("hotline" not in e["text"] for e in mine)
    # Only the hash is kept.
    database = chat.runtime.database
    async with database.engine.connect() as connection:
        from sqlalchemy import text

        rows = (await connection.execute(text("SELECT token_hash FROM webchat_sessions"))).all()
    assert rows and all(token not in row[0] for row in rows)


async def test_an_identified_user_has_one_conversation_on_two_devices(chat: Chat) -> None:
    phone = await chat.identified("user-42")
    laptop = await chat.identified("user-42")
    assert phone != laptop
    await chat.say(phone, "How long is the warranty?")
    seen_on_laptop = await chat.events(laptop, 2, since=0)
    assert seen_on_laptop[0]["text"] == "How long is the warranty?"


@pytest.mark.parametrize("identity", [
    {"user_id": "user-42", "hash": identity_hash(SECRET, "user-43")},  # another user's signature
    {"user_id": "user-42", "hash": identity_hash("wrong-secret", "user-42")},
    {"user_id": "user-42", "hash": ""},
    {"user_id": "user-42"},
    {"user_id": "user-42", "hash": 12345},
])
async def test_a_forged_or_missing_signature_is_refused(chat: Chat, identity: dict[str, Any]) -> None:
    response = await chat.client.post("/chat/api/session", json={"key": "shop", "lang": "en", **identity})
    assert response.status == 403
    assert "verify" in (await response.json())["notice"]


@pytest.mark.parametrize("chat_settings", [{"webchat_require_identity": True}])
async def test_required_identity_refuses_anonymous_and_unsigned_sessions(chat: Chat) -> None:
    anonymous = await chat.client.post("/chat/api/session", json={"key": "shop", "lang": "zh-TW"})
    assert anonymous.status == 403
    assert "登入" in (await anonymous.json())["notice"]
    unsigned = await chat.client.post("/chat/api/session", json={"key": "shop", "user_id": "user-42"})
    assert unsigned.status == 403
    assert await chat.identified("user-42")


async def test_an_unknown_site_key_gets_nothing(chat: Chat) -> None:
    assert (await chat.client.get("/widget.js", params={"key": "nope"})).status == 404
    assert (await chat.client.get("/chat/frame", params={"key": "nope", "origin": "https://shop.example.com"})).status == 404
    response = await chat.client.post("/chat/api/session", json={"key": "nope"})
    assert response.status == 404


async def test_the_widget_script_talks_only_to_the_bots_origin(chat: Chat) -> None:
    response = await chat.client.get("/widget.js", params={"key": "shop"})
    assert response.status == 200 and "javascript" in response.headers["Content-Type"]
    script = await response.text()
    config = json.loads(re.search(r"var CONFIG = (\{.*?\});", script).group(1))  # type: ignore[union-attr]
    bot_origin = f"http://{chat.client.host}:{chat.client.port}"
    assert config["key"] == "shop" and config["origin"] == bot_origin
    calls = re.findall(r"\.postMessage\(.*\)", script)
    assert calls and all(call.endswith(", CONFIG.origin)") for call in calls), calls  # never '*'
    assert "event.origin !== CONFIG.origin" in script
    assert 'id = "supportbot-frame"' in script and "widget-bubble" in script
    assert "innerHTML" not in script


async def test_the_frame_may_be_embedded_only_by_the_sites_origins(chat: Chat) -> None:
    allowed = await chat.client.get("/chat/frame", params={"key": "demo", "origin": "http://localhost:8080", "lang": "zh-TW"})
    assert allowed.status == 200
    csp = allowed.headers["Content-Security-Policy"]
    assert "frame-ancestors http://127.0.0.1:8080 http://localhost:8080;" in csp
    assert "script-src 'self'" in csp and "X-Frame-Options" not in allowed.headers
    page = await allowed.text()
    assert '<html lang="zh-Hant">' in page and "線上客服" in page
    for testid in ("chat-input", "chat-send", "chat-upload", "chat-human"):
        assert f'data-testid="{testid}"' in page
    config = json.loads(re.search(r'<script type="application/json" id="chat-config">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert config["parentOrigin"] == "http://localhost:8080"
    assert config["allowed"] == ["http://127.0.0.1:8080", "http://localhost:8080"]
    refused = await chat.client.get("/chat/frame", params={"key": "demo", "origin": "https://evil.example.com", "lang": "en"})
    assert refused.status == 403
    assert "not allowed" in await refused.text()
    assert "frame-ancestors http://127.0.0.1:8080" in refused.headers["Content-Security-Policy"]
    other_site = await chat.client.get("/chat/frame", params={"key": "shop", "origin": "http://localhost:8080"})
    assert other_site.status == 403


async def test_the_frame_script_hears_only_allowed_origins_and_writes_text_only(chat: Chat) -> None:
    script = await (await chat.client.get("/chat/static/frame.js")).text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "event.origin !== CONFIG.parentOrigin" in script and "CONFIG.allowed.indexOf(event.origin) < 0" in script
    calls = re.findall(r"\.postMessage\(.*\)", script)
    assert calls and all(call.endswith(", CONFIG.parentOrigin)") for call in calls), calls


async def test_the_demo_page_embeds_the_demo_key(chat: Chat) -> None:
    page = await (await chat.client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})).text()
    assert "/widget.js?key=demo" in page and "pretend vendor" in page
    chinese = await (await chat.client.get("/", params={"lang": "zh-CN"})).text()
    assert "示例厂商" in chinese


def test_sites_and_languages_are_read_strictly() -> None:
    assert parse_sites("demo=http://127.0.0.1:8080 http://localhost:8080/ ; shop=https://Shop.example.com") == {
        "demo": ("http://127.0.0.1:8080", "http://localhost:8080"), "shop": ("https://shop.example.com",),
    }
    for bad in ("demo", "demo=", "demo=javascript:alert(1)", "de mo=https://a.b", "x=https://a.b/path"):
        with pytest.raises(SitesError):
            parse_sites(bad)
    assert pick_language("zh-TW", None, "en") == "zh-Hant"
    assert pick_language("zh-CN", None, "en") == "zh-Hans"
    assert pick_language("fr-FR", "fr;q=1, zh-HK;q=0.8, en;q=0.9", "zh-Hans") == "en"
    assert pick_language(None, "de", "zh-Hans") == "zh-Hans"
