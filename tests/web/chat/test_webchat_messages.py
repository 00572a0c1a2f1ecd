"""Web chat messages through the real app, engine and SQLite: replies become events, a retry is one
message, buttons go through the engine (forged ones do nothing), limits answer politely."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.chat.conftest import Chat, client_id, texts




async def test_a_message_and_its_answer_are_events(chat: Chat) -> None:
    token = await chat.session()
    response = await chat.say(token, "How long is the warranty?")
    assert response.status == 200
    body = await response.json()
    customer, answer = body["events"][:2]
    assert customer["sender"] == "customer" and customer["text"] == "How long is the warranty?"
    assert answer["sender"] == "bot" and answer["kind"] == "answer"
    assert "two-year warranty" in answer["text"]
    assert answer["feedback"]["up"].startswith("feedback|") and answer["message_id"]
    assert body["duplicate"] is False
    streamed = await chat.events(token, 2, since=0)
    assert [e["id"] for e in streamed] == [customer["id"], answer["id"]]


async def test_a_retry_with_the_same_client_id_is_one_message_with_one_answer(chat: Chat) -> None:
    token = await chat.session()
    cid = client_id()
    first = await (await chat.say(token, "How much is a new battery?", cid)).json()
    again = await (await chat.say(token, "How much is a new battery?", cid)).json()
    assert again["duplicate"] is True
    assert again["events"] == first["events"]
    await chat.say(token, "What are your hotline hours?")
    streamed = await chat.events(token, 4, since=0)
    assert texts(streamed).count("How much is a new battery?") == 1
    assert sum("199" in t for t in texts(streamed)) == 1  # one answer, not two
    assert "400-000-0000" in streamed[3]["text"]


async def test_feedback_buttons_rate_the_answer_and_forged_ones_are_stale(chat: Chat) -> None:
    token = await chat.session()
    answer = (await (await chat.say(token, "How long is the warranty?")).json())["events"][1]
    thanks = (await (await chat.act(token, answer["feedback"]["up"], "👍")).json())["events"]
    assert thanks[-1]["sender"] == "bot" and thanks[-1]["kind"] == "info"
    # Another visitor cannot rate this answer, and a made-up FAQ id answers nothing.
    other = await chat.session()
    forged = (await (await chat.act(other, answer["feedback"]["down"])).json())["events"]
    assert forged[-1]["kind"] == "stale" and forged[-1]["sender"] == "system"
    made_up = (await (await chat.act(other, "intent||no.such.entry")).json())["events"]
    assert made_up[-1]["kind"] == "stale"
    survey = (await (await chat.act(other, "survey|1|5")).json())["events"]
    assert survey[-1]["kind"] == "stale"


@pytest.mark.parametrize("action", ["nonsense", "feedback|abc|up", "x" * 400, 12])
async def test_something_that_is_not_an_action_is_refused(chat: Chat, action: Any) -> None:
    token = await chat.session()
    response = await chat.client.post("/chat/api/actions", json={"client_id": client_id(), "action": action},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status == 400
    assert (await response.json())["notice"]


async def test_question_buttons_carry_actions_that_answer(chat: Chat) -> None:
    """The FAQ menu offers entries as INTENT buttons, like "did you mean": pressing one answers it."""
    token = await chat.session()
    events = (await (await chat.act(token, "menu||faq")).json())["events"]
    options = [o for e in events for o in e.get("options", [])]
    intent = next(o for o in options if o["action"].startswith("intent|"))
    answered = (await (await chat.act(token, intent["action"], intent["label"])).json())["events"]
    assert answered[0]["sender"] == "customer" and answered[0]["text"] == intent["label"]
    assert answered[-1]["kind"] == "answer" and answered[-1]["feedback"]


async def test_talk_to_a_person_hands_off_with_the_expected_wait(chat: Chat) -> None:
    token = await chat.session()
    events = (await (await chat.act(token, "menu||human", "Talk to a person")).json())["events"]
    handoff = events[-1]
    assert handoff["kind"] == "handoff" and handoff["sender"] == "bot"
    assert any(ch.isdigit() for ch in handoff["text"])  # the expected wait, in minutes
    queue = await chat.runtime.handoff.queue()
    assert [e.customer_id for e in queue] and queue[0].channel == "web"


async def test_too_many_messages_get_a_polite_429_in_the_visitors_language(chat: Chat) -> None:
    token = await chat.session(lang="zh-CN")
    limit = chat.runtime.settings.webchat_messages_per_minute
    first = client_id()
    for number in range(limit):
        assert (await chat.say(token, f"你好 {number}", first if number == 0 else None)).status == 200
    refused = await chat.say(token, "还在吗")
    assert refused.status == 429
    body = await refused.json()
    assert body["error"] == "rate_limited" and "稍等" in body["notice"]
    # A retry of a message already taken is not a new one: still answered, from what was stored.
    retry = await chat.say(token, "你好 0", first)
    assert retry.status == 200 and (await retry.json())["duplicate"] is True
    # Another visitor has their own minute.
    assert (await chat.say(await chat.session(), "hello")).status == 200


async def test_huge_and_binary_messages_get_polite_answers(chat: Chat) -> None:
    token = await chat.session()
    huge = await chat.say(token, "x" * 100_000)
    assert huge.status == 413 and (await huge.json())["notice"]
    long = await chat.say(token, "word " * 1000)
    assert long.status == 200 and (await long.json())["events"][-1]["sender"] == "bot"
    binary = await chat.client.post("/chat/api/messages", data=b"\xff\x00\xfe" * 100,
                                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert binary.status == 400 and (await binary.json())["notice"]
    odd = await chat.say(token, "\ud800\x00 garbage \x07")
    assert odd.status == 200


async def test_without_a_valid_token_nothing_is_posted(chat: Chat) -> None:
    response = await chat.say("not-a-token", "hello")
    assert response.status == 401
    stream = await chat.client.get("/chat/api/events", params={"token": "nope"})
    assert stream.status == 401


async def test_a_retry_after_the_instance_died_between_the_turn_and_its_replies_gets_them(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The turn committed, then the process died before the replies became events: the browser's retry
    (same client id) is not a second turn, and the answer stored in the transcript reaches the widget."""
    from bot.storage.web import WebChatStore

    token = await chat.session()
    cid = client_id()
    real_answer = WebChatStore.answer

    async def dies(*args: Any, **kwargs: Any) -> None:
        raise ConnectionResetError("the instance died")

    monkeypatch.setattr(WebChatStore, "answer", dies)
    response = await chat.say(token, "How much is a new battery?", cid)
    assert response.status == 500  # what the browser sees of it: it retries
    monkeypatch.setattr(WebChatStore, "answer", real_answer)
    again = await (await chat.say(token, "How much is a new battery?", cid)).json()
    assert again["duplicate"] is True
    assert [e["sender"] for e in again["events"]] == ["customer", "bot"]
    assert "199" in again["events"][1]["text"]
    third = await (await chat.say(token, "How much is a new battery?", cid)).json()
    assert third["events"] == again["events"]  # answered once: a later retry adds nothing
    streamed = await chat.events(token, 2, since=0)
    assert sum("199" in t for t in texts(streamed)) == 1
