"""The conversation engine end to end over real storage (SQLite and PostgreSQL) and the real matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Action, ActionKind, Inbound, InboundKind, ReplyKind
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings


@pytest.fixture
async def runtime(database_url: str, small_kb: Path):  # type: ignore[no-untyped-def]
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb))
    yield runtime
    await runtime.close()


def said(text: str | None = None, customer: str = "c1", **extra: object) -> Inbound:
    return Inbound(channel="console", customer_id=customer, text=text, **extra)  # type: ignore[arg-type]


async def test_answers_in_the_language_of_each_message(runtime: Runtime) -> None:
    outcome = await runtime.engine.handle(said("保修期多长时间？"))
    [reply] = outcome.replies
    assert (reply.kind, reply.intent_id, reply.language) == (ReplyKind.ANSWER, "warranty.period", "zh-Hans")
    assert reply.text == "整机保修两年。" and reply.message_id is not None

    [reply] = (await runtime.engine.handle(said("How much is a new battery?"))).replies
    assert (reply.intent_id, reply.language, reply.text) == ("battery.price", "en", "A battery replacement starts at 199 yuan.")

    [reply] = (await runtime.engine.handle(said("換電池要多少錢"))).replies
    assert (reply.intent_id, reply.language) == ("battery.price", "zh-Hant")
    # Text written the same in both scripts keeps a Traditional conversation Traditional.
    [reply] = (await runtime.engine.handle(said("保修几年"))).replies
    assert reply.language == "zh-Hans"  # 几 is Simplified-only
    await runtime.engine.handle(said("換電池要多少錢"))
    [reply] = (await runtime.engine.handle(said("保修"))).replies
    assert reply.language == "zh-Hant"


async def test_transcript_keeps_intent_and_confidence(runtime: Runtime) -> None:
    outcome = await runtime.engine.handle(said("客服电话多少"))
    transcript = await runtime.store.transcript(outcome.conversation_id)
    inbound, outbound = transcript
    assert (inbound.direction, inbound.text, inbound.intent_id, inbound.language) == ("in", "客服电话多少", "hotline.hours", "zh-Hans")
    assert inbound.confidence is not None and 0 < inbound.confidence <= 1
    assert (outbound.direction, outbound.kind, outbound.intent_id) == ("out", "answer", "hotline.hours")


async def test_low_confidence_twice_hands_off(runtime: Runtime) -> None:
    first = await runtime.engine.handle(said("明天北京天气怎么样"))
    assert [(r.kind, r.key) for r in first.replies] == [(ReplyKind.NOT_UNDERSTOOD, "not_understood")]
    assert first.handoff is None
    second = await runtime.engine.handle(said("股票会涨吗"))
    assert [(r.kind, r.key) for r in second.replies] == [(ReplyKind.HANDOFF, "handoff.low_confidence")]
    assert second.handoff is not None and second.handoff.reason == "low_confidence"
    [row] = await runtime.store.queue()
    assert (row.customer_id, row.reason) == ("c1", "low_confidence")


async def test_a_good_answer_resets_the_low_confidence_streak(runtime: Runtime) -> None:
    await runtime.engine.handle(said("明天北京天气怎么样"))
    await runtime.engine.handle(said("保修期多长时间"))
    outcome = await runtime.engine.handle(said("股票会涨吗"))
    assert outcome.handoff is None


async def test_request_for_a_person_in_three_languages(runtime: Runtime) -> None:
    for customer, text, language in [("a", "转人工", "zh-Hans"), ("b", "轉人工", "zh-Hant"), ("c", "I want to talk to a human", "en")]:
        outcome = await runtime.engine.handle(said(text, customer=customer))
        assert outcome.handoff is not None and outcome.handoff.reason == "human", text
        assert outcome.replies[-1].kind is ReplyKind.HANDOFF and outcome.language == language
    assert len(await runtime.store.queue()) == 3


async def test_complaint_is_answered_and_queued_first(runtime: Runtime) -> None:
    await runtime.engine.handle(said("人工", customer="calm"))
    outcome = await runtime.engine.handle(said("服务太差了，我要投诉", customer="angry"))
    assert [r.kind for r in outcome.replies] == [ReplyKind.INFO, ReplyKind.HANDOFF]
    assert outcome.replies[0].text == "您的投诉我们已记录。"
    queue = await runtime.store.queue()
    assert [(row.customer_id, row.reason) for row in queue] == [("angry", "complaint"), ("calm", "human")]


async def test_menu_numbers_and_buttons(runtime: Runtime) -> None:
    menu = await runtime.engine.handle(said("/start"))
    [reply] = menu.replies
    assert reply.kind is ReplyKind.MENU and len(reply.options) == 4
    assert (reply.key, reply.values) == ("welcome", {"brand": "Acme Care"})
    assert "Acme Care" in reply.text
    faq = await runtime.engine.handle(said("1"))  # "Common questions"
    [reply] = faq.replies
    labels = [o.label for o in reply.options]
    assert "保修期" in labels
    chosen = await runtime.engine.handle(said(str(labels.index("电池价格") + 1)))
    assert chosen.replies[0].intent_id == "battery.price"
    # A number with no list offered just before is ordinary text.
    outcome = await runtime.engine.handle(said("3"))
    assert outcome.replies[0].kind is ReplyKind.NOT_UNDERSTOOD


async def test_intent_button_and_stale_button(runtime: Runtime) -> None:
    outcome = await runtime.engine.handle(said(action=Action(ActionKind.INTENT, "hotline.hours")))
    assert outcome.replies[0].intent_id == "hotline.hours"
    stale = await runtime.engine.handle(said(action=Action(ActionKind.INTENT, "removed.entry")))
    assert [(r.kind, r.key) for r in stale.replies] == [(ReplyKind.STALE, "stale")]


async def test_feedback_is_stored_only_on_own_answers(runtime: Runtime) -> None:
    answer = (await runtime.engine.handle(said("保修期多长时间"))).replies[0]
    thanks = await runtime.engine.handle(said(action=Action(ActionKind.FEEDBACK, "up", answer.message_id)))
    assert answer.key is None and thanks.replies[0].key == "feedback.thanks"  # a knowledge answer has no key
    other = (await runtime.engine.handle(said("保修期多长时间", customer="other"))).replies[0]
    forged = await runtime.engine.handle(said(action=Action(ActionKind.FEEDBACK, "down", other.message_id)))
    assert forged.replies[0].key == "stale"
    transcript = await runtime.store.transcript(answer_conversation := (await runtime.store.conversation("console", "c1")).id)  # type: ignore[union-attr]
    rated = [m for m in transcript if m.id == answer.message_id]
    assert rated[0].feedback == 1 and answer_conversation
    other_conversation = await runtime.store.conversation("console", "other")
    assert all(m.feedback is None for m in await runtime.store.transcript(other_conversation.id))  # type: ignore[union-attr]


async def test_language_choice(runtime: Runtime) -> None:
    chooser = await runtime.engine.handle(said("/language"))
    assert [o.action.value for o in chooser.replies[0].options] == ["zh-Hans", "zh-Hant", "en"]
    changed = await runtime.engine.handle(said("2"))
    assert changed.language == "zh-Hant" and changed.replies[0].key == "language.changed"
    assert "繁體中文" in changed.replies[0].text
    # A message without language signal is answered in the chosen language.
    greeting = await runtime.engine.handle(said("/start"))
    assert greeting.language == "zh-Hant"


async def test_redelivered_message_is_not_answered_twice(runtime: Runtime) -> None:
    first = await runtime.engine.handle(said("保修期多长时间", external_id="42"))
    again = await runtime.engine.handle(said("保修期多长时间", external_id="42"))
    assert first.replies and not again.replies and again.duplicate
    assert await runtime.store.count_messages() == 2


async def test_media_huge_binary_and_empty_messages_get_polite_replies(runtime: Runtime) -> None:
    photo = await runtime.engine.handle(said(None, kind=InboundKind.PHOTO))
    assert [(r.kind, r.key) for r in photo.replies] == [(ReplyKind.UNSUPPORTED, "unsupported")]
    huge = await runtime.engine.handle(said("保修" * 5000, customer="huge"))
    assert huge.handoff is not None and huge.handoff.reason == "too_long"
    assert (huge.replies[0].key, huge.replies[0].values) == ("too_long", {"limit": 2000})
    transcript = await runtime.store.transcript(huge.conversation_id)
    assert transcript[0].text == "保修" * 5000  # kept whole for the person who reads it
    binary = await runtime.engine.handle(said("\x00\x01\x02\ufffd\ufffd\x03abc", customer="bin"))
    assert (binary.replies[0].kind, binary.replies[0].key) == (ReplyKind.NOT_UNDERSTOOD, "unreadable")
    empty = await runtime.engine.handle(said("   ", customer="empty"))
    assert (empty.replies[0].kind, empty.replies[0].key) == (ReplyKind.INFO, "empty")


async def test_state_survives_a_restart(database_url: str, small_kb: Path) -> None:
    settings = load_settings(database_url=database_url, knowledge_dir=small_kb)
    first = await build_runtime(settings)
    await first.engine.handle(said("明天北京天气怎么样", customer="weather"))
    await first.engine.handle(said("/language", customer="lang"))
    await first.close()
    second = await build_runtime(settings)
    # The numbered list offered before the restart still works...
    chosen = await second.engine.handle(said("3", customer="lang"))
    assert chosen.language == "en"
    # ...and so does the count of low-confidence turns.
    outcome = await second.engine.handle(said("who won the football match", customer="weather"))
    assert outcome.handoff is not None and outcome.handoff.reason == "low_confidence"
    await second.close()


async def test_commands_do_not_change_the_language(runtime: Runtime) -> None:
    await runtime.engine.handle(said("保修期多长时间"))
    outcome = await runtime.engine.handle(said("/start"))
    assert outcome.language == "zh-Hans" and "售后服务助手" in outcome.replies[0].text
    transcript = await runtime.store.transcript(outcome.conversation_id)
    assert transcript[-2].text == "/start"  # the command itself is in the transcript



@pytest.mark.parametrize("lookalike", ["②", "²", "٢"])
async def test_only_a_typed_number_picks_an_option(runtime: Runtime, lookalike: str) -> None:
    """"②", "²" or Arabic-Indic digits are not a choice the customer made (NFKC would read them as "2")."""
    for customer in ("ada", "bob"):
        menu = await runtime.engine.handle(Inbound(channel="console", customer_id=customer, text="/start"))
        assert menu.replies[-1].options[1].action == Action(ActionKind.MENU, "book")
    typed = await runtime.engine.handle(Inbound(channel="console", customer_id="ada", text="２"))  # full-width: typed
    assert typed.handoff is not None and typed.handoff.reason == "booking"  # no booking flow here: to a person
    unchosen = await runtime.engine.handle(Inbound(channel="console", customer_id="bob", text=lookalike))
    assert unchosen.handoff is None and unchosen.replies[-1].kind is ReplyKind.NOT_UNDERSTOOD


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("Acme Book 16 Pro", "zh-Hans", "zh-Hans"),  # a product name says nothing about the language
        ("SN: C02XK1ABJG5J", "zh-Hant", "zh-Hant"),
        ("my Acme Book 16 Pro is broken", "zh-Hans", "en"),  # its other words do
        ("2024年買的螢幕壞了怎麼辦", "en", "zh-Hant"),  # a Chinese word after digits is no product code
        ("X20壞了", "zh-Hans", "zh-Hant"),
        ("2024年买的屏幕坏了", "en", "zh-Hans"),
    ],
)
def test_product_names_and_codes_do_not_decide_the_language(text: str, current: str, expected: str) -> None:
    from bot.engine.language import resolve_language

    assert resolve_language(text, current, False) == expected  # type: ignore[arg-type]


async def test_every_reply_of_a_conversation_names_its_catalog_message(runtime: Runtime) -> None:
    """Replies carry the key of the message they were made from; only knowledge answers have none."""
    script: list[Inbound] = [
        said("/start"),
        said("1"),  # common questions
        said("保修期多长时间？"),
        said("明天北京天气怎么样"),
        said(None, kind=InboundKind.STICKER),
        said("   "),
        said("/help"),
        said("/language"),
        said("3"),  # English
        said(action=Action(ActionKind.INTENT, "removed.entry")),
        said("I want to talk to a human"),
        said("hello? anyone there?"),
        said(action=Action(ActionKind.HANDOFF, "cancel")),
        said("what will the weather be tomorrow"),
        said("will stocks go up"),
    ]
    replies = [reply for inbound in script for reply in (await runtime.engine.handle(inbound)).replies]
    # None: the knowledge base's own answers (an FAQ entry, and the entry that asks for a person).
    assert [r.key for r in replies] == [
        "welcome",
        "faq.popular",
        None,
        "not_understood",
        "unsupported",
        "empty",
        "help",
        "language.choose",
        "language.changed",
        "stale",
        None,
        "handoff.cancelled",
        "not_understood",
        "handoff.low_confidence",  # the queue position and wait appended to it keep its key
    ]
    assert all((r.key is None) == (r.intent_id is not None or r.handoff is not None and r.handoff.reason == "human") for r in replies)
    assert "queue" in replies[-1].text and replies[-1].values == {}


async def test_a_message_like_the_operators_off_topic_ones_is_not_answered_from_the_faq(database_url: str, small_kb: Path) -> None:
    """The operator lists car batteries as none of the desk's business: the customer who asks about one
    is asked to rephrase (and handed to a person if it goes on), not told the phone battery's price."""
    (small_kb / "off_topic.yaml").write_text(
        "- 汽车电瓶多少钱\n- 电动车换电池多少钱\n- How much does a car battery cost?\n- 电动自行车电池多少钱一块\n",
        encoding="utf-8",
    )
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb))
    try:
        [reply] = (await runtime.engine.handle(said("How much is a car battery?"))).replies
        assert reply.kind is ReplyKind.NOT_UNDERSTOOD
        [reply] = (await runtime.engine.handle(said("How much is a new battery?"))).replies
        assert (reply.kind, reply.intent_id) == (ReplyKind.ANSWER, "battery.price")
    finally:
        await runtime.close()
