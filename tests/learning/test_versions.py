"""Accepted suggestions are checked, go live as a version the running bot answers with at once (and the
other instances within seconds), roll back, and export as an FAQ file the bot's own loader reads."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

import pytest

from bot.engine.types import ReplyKind
from bot.knowledge import load_knowledge
from bot.learning import additions as learned
from bot.learning import signals
from bot.learning.board import board, export
from bot.learning.live import VersionPoller, live
from bot.learning.versions import DecisionError, check, decide, publish, rollback
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from bot.storage import suggestions as repo
from tests.learning.conftest import NOW, say
from tests.support import Clock

WATER = ["我的手机进水了怎么办", "手機進水了怎麼辦", "手机进水了怎么办，电话13800138000"]
NEW_INTENT = {
    "id": "water.damage",
    "title": {"zh-Hans": "手机进水", "zh-Hant": "手機進水", "en": "Water damage"},
    "answer": {"zh-Hans": "请立即关机，不要充电，尽快送修。", "zh-Hant": "請立即關機，不要充電，盡快送修。",
               "en": "Switch it off, do not charge it, and bring it in."},
}


async def _water_suggestion(runtime: Runtime) -> int:
    for n, text in enumerate(WATER):
        assert (await say(runtime, text, f"w{n}")).replies[0].kind is ReplyKind.NOT_UNDERSTOOD
    await signals.collect(runtime)
    [suggestion] = (await board(runtime)).open
    return suggestion.id


async def _go_live(runtime: Runtime) -> int:
    checked = await check(runtime)
    return await publish(runtime, checked.digest, by="sup@example.com")


async def test_a_new_intent_goes_live_at_once_and_rolls_back(runtime: Runtime) -> None:
    suggestion_id = await _water_suggestion(runtime)
    await decide(runtime, suggestion_id, "new", by="sup@example.com", new_intent=NEW_INTENT)
    assert (await say(runtime, "手机进水了怎么办", "before")).replies[0].kind is ReplyKind.NOT_UNDERSTOOD  # staged only

    checked = await check(runtime)
    figures = checked.comparison
    assert figures["examples_added"] == 3 and figures["before"]["top1_accuracy"] is not None and figures["added"]["top1_accuracy"] == 1.0
    version = await publish(runtime, checked.digest, by="sup@example.com")

    reply = (await say(runtime, "手机进水了怎么办", "after")).replies[0]
    assert (reply.kind, reply.text) == (ReplyKind.ANSWER, NEW_INTENT["answer"]["zh-Hans"])
    data = await board(runtime)
    assert data.active_version == version and [v.id for v in data.versions] == [version]
    assert data.accepted[0].version_id == version and data.versions[0].created_by == "sup@example.com"
    assert data.versions[0].intents == 1

    await rollback(runtime, 0, by="sup@example.com")
    assert (await say(runtime, "手机进水了怎么办", "rolled")).replies[0].kind is ReplyKind.NOT_UNDERSTOOD
    await rollback(runtime, version, by="sup@example.com")
    assert (await say(runtime, "手机进水了怎么办", "again")).replies[0].kind is ReplyKind.ANSWER


async def test_examples_accepted_into_an_existing_intent_make_it_understood(runtime: Runtime) -> None:
    suggestion_id = await _water_suggestion(runtime)
    # Reassigned to an intent of the files (a supervisor's choice; the doctor will say what it thinks).
    await decide(runtime, suggestion_id, "reassign", by="sup", intent_id="hotline.hours")
    await _go_live(runtime)
    result = runtime.matcher.match("手机进水了怎么办")
    assert result.decision == "answer" and result.best is not None and result.best.intent_id == "hotline.hours"


def _bot_holders(target: object) -> list[str]:
    """The bot's objects (by class) still holding `target`: directly, or through their __dict__."""
    holders = []
    for ref in gc.get_referrers(target):
        owners = [ref]
        if isinstance(ref, dict):
            owners = [o for o in gc.get_referrers(ref) if getattr(o, "__dict__", None) is ref]
        holders += [type(o).__qualname__ for o in owners if type(o).__module__.startswith("bot.") and not isinstance(o, type)]
    return holders


async def test_the_hot_swap_leaves_no_part_of_the_bot_on_the_old_knowledge(runtime: Runtime) -> None:
    old_matcher, old_knowledge = runtime.matcher, runtime.knowledge
    assert "FaqStep" in _bot_holders(old_matcher) and "Engine" in _bot_holders(old_knowledge)
    await decide(runtime, await _water_suggestion(runtime), "new", by="sup", new_intent=NEW_INTENT)
    await _go_live(runtime)
    assert runtime.matcher is not old_matcher and runtime.knowledge.entry("water.damage") is not None
    assert _bot_holders(old_matcher) == []
    # The learned-knowledge state keeps the files' knowledge base on purpose (rollback and export need it).
    assert _bot_holders(old_knowledge) == ["LiveKnowledge"]
    assert live(runtime).base is old_knowledge


async def test_another_instance_starts_with_the_version_and_follows_a_rollback(
    runtime: Runtime, sqlite_url: str, small_kb: Path
) -> None:
    await decide(runtime, await _water_suggestion(runtime), "new", by="sup", new_intent=NEW_INTENT)
    version = await _go_live(runtime)
    other = await build_runtime(load_settings(database_url=sqlite_url, knowledge_dir=small_kb), clock=Clock(NOW))
    poller = VersionPoller(other, interval=0.05)
    try:
        assert live(other).version == version  # applied at start-up
        assert (await say(other, "手机进水了怎么办", "o1")).replies[0].kind is ReplyKind.ANSWER
        poller.start()
        await rollback(runtime, 0, by="sup")  # on the first instance
        for _ in range(200):
            if live(other).version == 0:
                break
            await asyncio.sleep(0.05)
        assert live(other).version == 0
        assert (await say(other, "手机进水了怎么办", "o2")).replies[0].kind is ReplyKind.NOT_UNDERSTOOD
    finally:
        await poller.stop()
        await other.close()


async def test_the_doctor_flags_an_example_that_votes_for_another_intent(runtime: Runtime) -> None:
    async with runtime.store.turn("console", "tie", language="zh-Hans") as turn:
        await turn.record_inbound("text", "保修期到底多长时间", "zh-Hans", None, intent_id="warranty.period", confidence=0.4)
        await turn.record_outbound("clarify", "您是想问...", "zh-Hans")
    await signals.collect(runtime)
    [suggestion] = (await board(runtime)).open
    await decide(runtime, suggestion.id, "reassign", by="sup", intent_id="battery.price")  # a slip
    comparison = (await check(runtime)).comparison
    assert [(e["text"], e["intent"], e["voted_for"]) for e in comparison["misvoting"]] == [
        ("保修期到底多长时间", "battery.price", "warranty.period")
    ]
    assert comparison["warnings"] >= 1


async def test_what_goes_live_is_what_was_checked(runtime: Runtime) -> None:
    suggestion_id = await _water_suggestion(runtime)
    await decide(runtime, suggestion_id, "new", by="sup", new_intent=NEW_INTENT)
    checked = await check(runtime)
    await decide(runtime, suggestion_id, "reassign", by="other", intent_id="hotline.hours")  # meanwhile
    with pytest.raises(DecisionError) as refused:
        await publish(runtime, checked.digest, by="sup")
    assert refused.value.key == "learning.error.stale"
    assert (await board(runtime)).versions == []


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"id": "warranty.period"}, "learning.error.new_intent"),  # exists already
        ({"id": "has space"}, "learning.error.new_intent"),
        ({"id": "x" * 65}, "learning.error.new_intent"),
        ({"answer": {"zh-Hans": "只有一种语言"}}, "learning.error.new_intent"),
        ({"answer": {**NEW_INTENT["answer"], "en": "Call {phone}"}}, "learning.error.new_intent"),  # only {brand}
    ],
)
async def test_an_invalid_new_intent_is_refused(runtime: Runtime, change: dict[str, Any], key: str) -> None:
    suggestion_id = await _water_suggestion(runtime)
    with pytest.raises(DecisionError) as refused:
        await decide(runtime, suggestion_id, "new", by="sup", new_intent={**NEW_INTENT, **change})
    assert refused.value.key == key
    with pytest.raises(DecisionError):
        await decide(runtime, suggestion_id, "reassign", by="sup", intent_id="no.such.intent")


async def test_the_export_loads_with_the_bots_own_faq_loader(runtime: Runtime, tmp_path: Path) -> None:
    await decide(runtime, await _water_suggestion(runtime), "new", by="sup", new_intent=NEW_INTENT)
    async with runtime.store.turn("console", "x", language="en") as turn:
        await turn.record_inbound("text", "how many years is the guarantee", "en", None)
        await turn.record_outbound("not_understood", "Sorry...", "en")
    await signals.collect(runtime)
    [english] = [s for s in (await board(runtime)).open if s.script == "en"]
    await decide(runtime, english.id, "reassign", by="sup", intent_id="warranty.period")
    await _go_live(runtime)

    text = await export(runtime, live(runtime).base)
    exported = tmp_path / "exported"
    (exported / "faq").mkdir(parents=True)
    (exported / "faq" / "learned.yaml").write_text(text, encoding="utf-8")
    knowledge = load_knowledge(exported)
    water = knowledge.entry("water.damage")
    assert water is not None and water.answer["en"] == NEW_INTENT["answer"]["en"]
    assert "我的手机进水了怎么办" in water.questions and not any("138" in q for q in water.questions)
    warranty = knowledge.entry("warranty.period")
    assert warranty is not None
    assert "how many years is the guarantee" in warranty.questions and "保修期多长时间" in warranty.questions


async def test_a_version_still_applies_once_the_operator_copied_the_export_into_the_files(
    runtime: Runtime, tmp_path: Path
) -> None:
    await decide(runtime, await _water_suggestion(runtime), "new", by="sup", new_intent=NEW_INTENT)
    await _go_live(runtime)
    repository = tmp_path / "repository"
    (repository / "faq").mkdir(parents=True)
    (repository / "faq" / "learned.yaml").write_text(await export(runtime, live(runtime).base), encoding="utf-8")
    files = load_knowledge(repository)  # the next release of the operator's files has the intent
    async with runtime.database.sessions() as session:
        _, additions = await repo.active_additions(session)
    examples, intents, problems = learned.fitted(files, {**additions, "examples": {"gone.intent": ["x"]}})
    assert intents == [] and "water.damage" in examples  # the files' intent now, with the learned questions
    assert problems == ["examples for gone.intent, which the knowledge files no longer have"]
    applied = learned.apply(files, {**additions, "examples": {"gone.intent": ["x"]}})  # the rest applies
    assert applied.entry("water.damage") is not None
    with pytest.raises(learned.LearningError):
        learned.apply(files, {"examples": {"gone.intent": ["x"]}}, strict=True)


async def _unchecked_digest(runtime: Runtime) -> str:
    """The digest `check` would give, computed without checking (what a forged form could send)."""
    from bot.learning.versions import _digest, staged_additions

    async with runtime.database.sessions() as session:
        active_id, _ = await repo.active_additions(session)
        ids, staged = await staged_additions(session)
    return _digest(active_id, ids, staged)


async def test_publishing_needs_a_stored_check_of_what_goes_live(runtime: Runtime) -> None:
    await decide(runtime, await _water_suggestion(runtime), "new", by="sup", new_intent=NEW_INTENT)
    with pytest.raises(DecisionError) as refused:
        await publish(runtime, await _unchecked_digest(runtime), by="sup")
    assert refused.value.key == "learning.error.unchecked"
    assert (await board(runtime)).versions == []

    checked = await check(runtime, by="sup")
    assert checked.digest == await _unchecked_digest(runtime)
    runtime.clock.advance(hours=1, seconds=1)  # type: ignore[attr-defined]  # too old to rely on
    with pytest.raises(DecisionError) as stale:
        await publish(runtime, checked.digest, by="sup")
    assert stale.value.key == "learning.error.unchecked"


async def test_a_check_on_one_instance_lets_another_publish_with_its_figures(
    runtime: Runtime, sqlite_url: str, small_kb: Path
) -> None:
    await decide(runtime, await _water_suggestion(runtime), "new", by="sup", new_intent=NEW_INTENT)
    checked = await check(runtime, by="checker@example.com")  # instance A
    other = await build_runtime(load_settings(database_url=sqlite_url, knowledge_dir=small_kb), clock=Clock(NOW))
    try:
        version_id = await publish(other, checked.digest, by="publisher@example.com")  # instance B
        async with other.database.sessions() as session:
            stored = await repo.version(session, version_id)
        assert stored is not None and stored.evaluation is not None
        assert stored.evaluation["examples_added"] == checked.comparison["examples_added"] == 3
        assert stored.evaluation["added"] == checked.comparison["added"]
        assert stored.evaluation["checked_by"] == "checker@example.com"
    finally:
        await other.close()
