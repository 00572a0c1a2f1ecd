"""Review findings of the web chat, each through its real entry point: bodies sent in pieces, limits by
address, tokens that expire and end, message ids beyond int4, agent messages and answers stored once,
and no hard-coded line a visitor reads."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.web.routes import WEBCHAT
from bot.handoff.delivery import AgentMessage
from bot.storage.web import NewEvent
from tests.support import Clock, use_cached_matcher
from tests.web.chat.conftest import Chat, client_id, open_chat


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _raw_post(chat: Chat, path: str, token: str, pieces: list[bytes], *, chunked: bool = False) -> tuple[int, bytes]:
    """POST a body written to the socket in several writes with pauses, as a slow network delivers it."""
    server = chat.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    body = b"".join(pieces)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    writer.write((f"POST {path} HTTP/1.1\r\nHost: {server.host}\r\nAuthorization: Bearer {token}\r\n"
                  f"Content-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n").encode())
    for piece in pieces:
        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        await writer.drain()
        await asyncio.sleep(0.2)
    if chunked:
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    response = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, rest = response.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), rest


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_message_sent_in_two_writes_is_read_whole(chat: Chat, chunked: bool) -> None:
    token = await chat.session()
    body = json.dumps({"client_id": client_id(), "text": "How long is the warranty?"}).encode()
    status, rest = await _raw_post(chat, "/chat/api/messages", token, [body[:20], body[20:]], chunked=chunked)
    assert status == 200, rest
    assert b"warranty" in rest and b'"bot"' in rest


async def test_a_huge_body_in_pieces_is_still_refused(chat: Chat) -> None:
    token = await chat.session()
    body = json.dumps({"client_id": client_id(), "text": "x" * 40_000}).encode()
    status, rest = await _raw_post(chat, "/chat/api/messages", token, [body[:20_000], body[20_000:]], chunked=True)
    assert status == 413 and b"too_long" in rest


# -- limits by address ------------------------------------------------------------------------------


@pytest.fixture
def chat_settings() -> dict[str, Any]:
    return {"webchat_messages_per_minute": 2}


async def test_fresh_sessions_do_not_escape_the_limit_of_their_address(chat: Chat) -> None:
    per_visitor = chat.runtime.settings.webchat_messages_per_minute
    per_address = per_visitor * 5
    sent = 0
    while sent < per_address:
        token = await chat.session()
        for _ in range(per_visitor):
            assert (await chat.say(token, "hello")).status == 200
            sent += 1
    # A new visitor from the same address, lying about where it comes from: still refused, politely.
    token = await chat.session(lang="zh-Hans")
    refused = await chat.client.post("/chat/api/messages", json={"client_id": client_id(), "text": "你好"},
                                     headers={**_bearer(token), "X-Forwarded-For": "203.0.113.9"})
    assert refused.status == 429
    body = await refused.json()
    assert body["error"] == "rate_limited" and "稍等" in body["notice"]


async def test_one_address_cannot_open_sessions_without_end(chat: Chat) -> None:
    statuses = []
    for _ in range(31):
        response = await chat.client.post("/chat/api/session", json={"key": "shop", "lang": "en"},
                                          headers={"X-Forwarded-For": "198.51.100.7"})
        statuses.append(response.status)
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    body = await response.json()
    assert body["error"] == "too_many_sessions" and "Too many chats" in body["notice"]


# -- tokens that expire and end ---------------------------------------------------------------------


async def test_a_token_unused_for_30_days_stops_working_and_use_keeps_it_alive(chat: Chat) -> None:
    clock = chat.runtime.clock
    assert isinstance(clock, Clock)
    idle, used = await chat.session(), await chat.session()
    assert (await chat.client.get("/chat/api/session", headers=_bearer(idle))).status == 200
    clock.advance(days=20)
    assert (await chat.say(used, "hello")).status == 200  # seen on day 20
    clock.advance(days=11)
    expired = await chat.say(idle, "hello")
    assert expired.status == 401 and (await expired.json())["error"] == "session_expired"
    assert (await chat.client.get("/chat/api/session", headers=_bearer(idle))).status == 401
    assert (await chat.say(used, "still here")).status == 200
    # An expired token is gone for good, even if the clock were set back.
    clock.advance(days=-11)
    assert (await chat.say(idle, "hello")).status == 401


async def test_ending_a_session_kills_its_token_server_side(chat: Chat) -> None:
    token = await chat.identified("alice")
    assert (await chat.say(token, "hello")).status == 200
    ended = await chat.client.post("/chat/api/session/end", headers=_bearer(token))
    assert ended.status == 200 and (await ended.json())["ended"] is True
    assert (await chat.say(token, "hello")).status == 401
    stream = await chat.client.get("/chat/api/events", params={"token": token})
    assert stream.status == 401
    again = await chat.client.post("/chat/api/session/end", headers=_bearer(token))
    assert again.status == 200 and (await again.json())["ended"] is False


# -- message ids beyond int4, on both databases -----------------------------------------------------


@pytest.fixture
async def any_db_chat(database_url: str, small_kb: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Chat]:
    use_cached_matcher(monkeypatch)
    async with open_chat(database_url, small_kb) as made:
        yield made


async def test_message_ids_outside_int4_are_refused_before_anything_is_stored(any_db_chat: Chat) -> None:
    chat = any_db_chat
    token = await chat.session()
    for action in ("feedback|99999999999|up", "feedback|2147483648|up", "feedback|0|up", "survey|99999999999|5"):
        refused = await chat.act(token, action)
        assert refused.status == 400, action
        assert (await refused.json())["notice"]
    webchat = chat.client.server.app[WEBCHAT]
    visitor = await webchat.visitor(token)
    assert visitor is not None
    assert await webchat.store.events_after(visitor.customer_id, 0) == []
    # The largest int4 is an action: answered (as stale), not a 500.
    assert (await chat.act(token, "feedback|2147483647|up")).status == 200
    answered = (await (await chat.say(token, "How long is the warranty?")).json())["events"]
    assert answered[-1]["sender"] == "bot"


# -- stored once ------------------------------------------------------------------------------------


async def test_an_agent_message_delivered_twice_is_shown_once(chat: Chat) -> None:
    token = await chat.session()
    visitor = await chat.client.server.app[WEBCHAT].visitor(token)
    assert visitor is not None
    delivery = chat.client.server.app[WEBCHAT].delivery
    message = AgentMessage(escalation_id=1, language="en", text="I am on it.", agent_name="Wang", message_id=42)
    await delivery.send_agent_message(visitor.customer_id, message)
    await delivery.send_agent_message(visitor.customer_id, message)  # the retry after a crash
    events = await chat.client.server.app[WEBCHAT].store.events_after(visitor.customer_id, 0)
    assert [(e.sender, e.payload["text"]) for e in events] == [("agent", "I am on it.")]


async def test_the_hand_offs_agent_message_carries_its_stored_id(chat: Chat) -> None:
    from bot.handoff.operations import Agent

    token = await chat.session()
    await chat.act(token, "menu||human", "Talk to a person")
    [escalation] = await chat.runtime.handoff.queue()
    agent = Agent(id="web:7", name="Wang")
    assert (await chat.runtime.handoff.take(escalation.id, agent)).ok
    assert (await chat.runtime.handoff.agent_message(escalation.id, agent, text="Hello there")).code == "delivered"
    store = chat.client.server.app[WEBCHAT].store
    async with store.database.sessions() as session:
        from sqlalchemy import select

        from bot.storage.web import WebEvent

        sources = list(await session.scalars(select(WebEvent.source).where(WebEvent.sender == "agent")))
    assert len(sources) == 1 and sources[0] is not None and sources[0].startswith("agent:")


async def test_an_event_answered_twice_keeps_the_first_answer_only(chat: Chat) -> None:
    token = await chat.session()
    visitor = await chat.client.server.app[WEBCHAT].visitor(token)
    assert visitor is not None
    store = chat.client.server.app[WEBCHAT].store
    [event_id] = await store.append(visitor.customer_id, [NewEvent("customer", {"text": "hi"}, client_id=client_id())])
    first = await store.answer(visitor.customer_id, event_id, [NewEvent("bot", {"text": "Hello!"})])
    second = await store.answer(visitor.customer_id, event_id, [NewEvent("bot", {"text": "Hello!"})])
    assert (first, second) == (True, False)
    events = await store.events_after(visitor.customer_id, 0)
    assert [e.payload["text"] for e in events] == ["hi", "Hello!"]


# -- what a visitor reads comes from the catalog ----------------------------------------------------


async def test_an_unknown_site_key_and_the_demo_page_speak_the_visitors_language(chat: Chat) -> None:
    unknown = await chat.client.get("/widget.js", params={"key": "nope"}, headers={"Accept-Language": "zh-CN"})
    assert unknown.status == 404 and "没有开通" in await unknown.text()
    demo = await chat.client.get("/", params={"lang": "zh-Hans"})
    page = await demo.text()
    assert "其他语言" in page and 'href="?lang=en"' in page and "English" in page and "繁體中文" in page


def test_one_token_hash_for_staff_and_visitors() -> None:
    from bot.channels.web import chat as web_chat
    from bot.staff import sessions
    from bot.tokens import token_hash

    assert sessions.token_hash is token_hash and web_chat.token_hash is token_hash
