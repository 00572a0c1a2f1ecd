"""Photos (type by their bytes, size, who may see them) and the event stream (resume, live wake-up)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from aiohttp import FormData

from bot.storage.web import WebChatStore
from tests.web.chat.conftest import PNG, Chat, client_id, read_stream


def _form(data: bytes, name: str = "photo.png", content_type: str = "image/png", cid: str | None = None) -> FormData:
    form = FormData()
    form.add_field("client_id", cid or client_id())
    form.add_field("file", data, filename=name, content_type=content_type)
    return form


async def _upload(chat: Chat, token: str, data: bytes, **kw: str):  # type: ignore[no-untyped-def]
    return await chat.client.post("/chat/api/uploads", data=_form(data, **kw), headers={"Authorization": f"Bearer {token}"})


async def test_a_photo_is_stored_sent_as_a_photo_and_shown_to_its_owner_only(chat: Chat) -> None:
    token = await chat.session()
    response = await _upload(chat, token, PNG)
    assert response.status == 200, await response.text()
    events = (await response.json())["events"]
    upload_id = events[0]["photo"]
    assert events[0]["sender"] == "customer" and events[-1]["sender"] == "bot"  # "I can only read text"
    mine = await chat.client.get(f"/chat/api/uploads/{upload_id}", params={"token": token})
    assert mine.status == 200 and await mine.read() == PNG
    assert mine.headers["Content-Type"] == "image/png" and mine.headers["X-Content-Type-Options"] == "nosniff"
    stranger = await chat.session()
    assert (await chat.client.get(f"/chat/api/uploads/{upload_id}", params={"token": stranger})).status == 404
    assert (await chat.client.get(f"/chat/api/uploads/{upload_id}")).status == 401
    # Staff pages fetch it by id through storage (after their own rights check); the transcript has the reference.
    found = await WebChatStore(chat.runtime.database).upload(upload_id)
    assert found is not None and found.size == len(PNG)


@pytest.mark.parametrize("data", [
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    b"<html><script>alert(1)</script></html>",
    b"MZ\x90\x00" + b"\x00" * 100,
    b"",
])
async def test_anything_but_a_jpeg_png_gif_or_webp_is_refused_by_its_bytes(chat: Chat, data: bytes) -> None:
    token = await chat.session(lang="zh-CN")
    response = await _upload(chat, token, data, name="cat.png", content_type="image/png")
    assert response.status == 415
    assert "JPEG" in (await response.json())["notice"]


@pytest.mark.parametrize("chat_settings", [{"webchat_max_upload_bytes": 20_000}])
async def test_a_photo_over_the_size_limit_gets_a_polite_413(chat: Chat) -> None:
    token = await chat.session()
    response = await _upload(chat, token, b"\xff\xd8\xff\xe0" + b"\x00" * 30_000, name="big.jpg", content_type="image/jpeg")
    assert response.status == 413
    assert "0.02 MB" in (await response.json())["notice"]
    ok = await _upload(chat, token, b"\xff\xd8\xff\xe0" + b"\x00" * 1000, name="small.jpg", content_type="image/jpeg")
    assert ok.status == 200


async def test_the_stream_resumes_after_last_event_id_and_since(chat: Chat) -> None:
    token = await chat.session()
    await chat.say(token, "How long is the warranty?")
    first = await chat.events(token, 2, since=0)
    await chat.say(token, "What are your hotline hours?")  # while "disconnected"
    resumed = await chat.events(token, 2, last_event_id=first[-1]["id"])
    assert resumed[0]["text"] == "What are your hotline hours?" and resumed[0]["id"] > first[-1]["id"]
    reloaded = await chat.events(token, 4, since=0)
    assert [e["id"] for e in reloaded] == [e["id"] for e in first + resumed]
    # Last-Event-ID wins over a stale `since` (the browser's EventSource sends it on reconnect).
    assert (await chat.events(token, 1, since=0, last_event_id=resumed[0]["id"]))[0]["id"] == resumed[1]["id"]


async def test_an_open_stream_gets_new_events_at_once(chat: Chat) -> None:
    token = await chat.session()
    started = asyncio.Event()
    reading = asyncio.create_task(read_stream(chat.client, token, 2, since=0, started=started, timeout=3))
    await started.wait()
    await asyncio.sleep(0.1)
    await chat.say(token, "How much is a new battery?")
    events = await reading
    assert events[0]["text"] == "How much is a new battery?" and "199" in events[1]["text"]


async def test_open_streams_do_not_hold_up_a_shutdown(chat: Chat) -> None:
    token = await chat.session()
    started = asyncio.Event()
    reading = asyncio.create_task(read_stream(chat.client, token, 5, since=0, started=started, timeout=30))
    await started.wait()
    began = asyncio.get_running_loop().time()
    await chat.client.close()
    assert asyncio.get_running_loop().time() - began < 5
    reading.cancel()
    with contextlib.suppress(BaseException):
        await reading
