"""What the bot failed on becomes signals, then suggestions: once each, cleaned, with a count and an intent."""

from __future__ import annotations

from bot.engine.types import Action, ActionKind, ReplyKind
from bot.learning import signals
from bot.learning.board import board
from bot.runtime import Runtime
from bot.storage import suggestions as repo
from tests.learning.conftest import say


async def _signals(runtime: Runtime) -> list[repo.KbSignal]:
    async with runtime.database.sessions() as session:
        listed = await repo.suggestions(session, (repo.OPEN, repo.STAGED, repo.REJECTED, repo.ACCEPTED), limit=1000)
        return await repo.signals_of(session, [s.id for s in listed])


async def test_the_same_unanswered_question_is_one_suggestion_with_its_count(runtime: Runtime) -> None:
    for customer, text in [("a", "我的手机进水了怎么办"), ("b", "手機進水了怎麼辦 電話0912-345-678"), ("c", "手机进水了怎么办，电话13800138000")]:
        outcome = await say(runtime, text, customer)
        assert outcome.replies[0].kind is ReplyKind.NOT_UNDERSTOOD
    await say(runtime, "保修多久", "d")  # answered: no signal

    assert await signals.collect(runtime) == 3
    data = await board(runtime)
    assert [(s.count, s.script) for s in data.open] == [(3, "zh")]
    examples = [text for text, _ in data.open[0].examples]
    assert "手機進水了怎麼辦 電話{phone}" in examples and "手机进水了怎么办，电话{phone}" in examples
    assert not any(ch.isdigit() for text in examples for ch in text)

    # Collecting again (or on another instance) adds nothing; a new message joins the suggestion.
    assert await signals.collect(runtime) == 0
    await say(runtime, "手机进水了还能修吗", "e")
    assert await signals.collect(runtime) == 1
    data = await board(runtime)
    assert [s.count for s in data.open] == [4]


async def test_low_confidence_hand_offs_near_ties_and_thumbs_down_are_signals(runtime: Runtime) -> None:
    await say(runtime, "我的手机进水了怎么办", "lc")
    handed = await say(runtime, "手机掉进水里开不了机", "lc")  # twice not understood: a person takes over
    assert handed.replies[-1].kind is ReplyKind.HANDOFF
    await say(runtime, "我要投诉", "angry")  # a complaint hand-off: nothing the knowledge base missed
    answered = await say(runtime, "保修多久", "down")
    answer = next(r for r in answered.replies if r.kind is ReplyKind.ANSWER)
    await say(runtime, None, "down", action=Action(ActionKind.FEEDBACK, "down", message_id=answer.message_id))
    # A "did you mean" turn, as the engine stores it.
    async with runtime.store.turn("console", "tie", language="en") as turn:
        await turn.record_inbound("text", "warranty of the battery", "en", None, intent_id="battery.price", confidence=0.5)
        await turn.record_outbound("clarify", "Did you mean...", "en")

    await signals.collect(runtime)
    found = {(s.source, s.text): s for s in await _signals(runtime)}
    assert set(found) == {
        ("not_understood", "我的手机进水了怎么办"),
        ("low_confidence", "手机掉进水里开不了机"),
        ("downvote", "保修多久"),
        ("clarify", "warranty of the battery"),
    }
    assert found[("downvote", "保修多久")].intent_id not in (None, "warranty.period")  # not the answer it rated
    assert found[("clarify", "warranty of the battery")].intent_id == "battery.price"
    assert await signals.collect(runtime) == 0  # the 👎 is not collected twice


async def test_an_agent_answering_with_an_faq_entry_says_where_the_messages_belong(runtime: Runtime) -> None:
    await say(runtime, "屏幕出现一条绿线", "h")
    await say(runtime, "屏幕上有绿线怎么回事", "h")  # the hand-off starts with this one
    [escalation] = await runtime.store.queue()
    relayed = await say(runtime, "绿线还越来越宽了", "h")  # while waiting: for the person
    assert relayed.relayed

    await signals.agent_used_faq(runtime, escalation.id, "warranty.period", None)
    await signals.agent_used_faq(runtime, escalation.id, "warranty.period", None)  # the console retried: once
    await signals.agent_used_faq(runtime, escalation.id, "no.such.intent", None)  # a stale id: ignored

    agent = [s for s in await _signals(runtime) if s.source == "agent_faq"]
    assert sorted(s.text for s in agent) == sorted(["屏幕上有绿线怎么回事", "绿线还越来越宽了"])
    assert {s.intent_id for s in agent} == {"warranty.period"}
    await signals.collect(runtime)  # the same messages as not understood / hand-off: their own signals
    data = await board(runtime)
    # The hand-off's messages are one question; the agent's choice outweighs the matcher's guesses.
    [group] = [s for s in data.open if "屏幕上有绿线怎么回事" in [t for t, _ in s.examples]]
    assert group.intent_id == "warranty.period"


async def test_the_version_poller_collects_in_the_background(runtime: Runtime) -> None:
    """Pages only read: suggestions are collected by each instance's poller (and the "collect now" button)."""
    import asyncio

    from bot.learning.live import VersionPoller

    await say(runtime, "我的手机进水了怎么办", "bg")
    poller = VersionPoller(runtime, interval=0.01, collect_every=3)
    poller.start()
    try:
        for _ in range(300):
            if (await board(runtime)).open:
                break
            await asyncio.sleep(0.02)
    finally:
        await poller.stop()
    assert [s.count for s in (await board(runtime)).open] == [1]
