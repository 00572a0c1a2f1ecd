"""The hand-off in the engine and the hand-off service, over real storage (SQLite and PostgreSQL).

The customer side is the console channel through `Engine.handle`; agents act through the service, as the
Telegram desk does; what agents would see is what the outbox publishes to a recording desk.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from bot.engine import ActionKind, InboundKind, ReplyKind
from bot.engine.messages import say
from bot.engine.types import Action
from bot.handoff.service import Agent, parse_score
from bot.storage.handoff import HandoffOutbox
from bot.storage.models import Escalation, Message
from tests.handoff.conftest import Clock, CustomerUnreachable, DeliveryFailed, Desk

ADA = Agent("7001", "Ada")
BEN = Agent("7002", "Ben")


async def escalation_of(hd: Desk, customer: str = "c1") -> Escalation:
    async with hd.runtime.database.sessions() as session:
        rows = (await session.scalars(select(Escalation).order_by(Escalation.id))).all()
    conversation = await hd.runtime.store.conversation("console", customer)
    assert conversation is not None
    [row] = [e for e in rows if e.conversation_id == conversation.id][-1:]
    return row


async def hand_off(hd: Desk, customer: str = "c1", text: str = "转人工"):  # type: ignore[no-untyped-def]
    outcome = await hd.say(text, customer=customer)
    assert outcome.handoff is not None, outcome
    return outcome


# -- when the bot hands off --------------------------------------------------------------------------


async def test_only_a_turn_that_queued_something_for_the_desk_wakes_its_worker(hd: Desk) -> None:
    """The wake-up reaches every instance through Redis when they share one, and each then reads the
    outbox twice: a turn that queued nothing for the agents must not cost them that."""
    wake = hd.service.wake
    wake.clear()
    answered = await hd.say("保修期多长时间")
    assert answered.handoff is None and not wake.is_set()
    await hand_off(hd)
    assert wake.is_set()  # the card for the agents, visible once the turn committed
    wake.clear()
    await hd.say("型号是 X20")  # relayed to the agents
    assert wake.is_set()
    assert await hd.publish() == ["opened", "message"]


async def test_low_confidence_hand_off_queues_with_due_time_and_tells_position(hd: Desk) -> None:
    first = await hd.say("明天北京天气怎么样")
    assert first.handoff is None
    outcome = await hd.say("股票会涨吗")
    [reply] = outcome.replies
    assert reply.kind is ReplyKind.HANDOFF and outcome.handoff is not None and outcome.handoff.reason == "low_confidence"
    assert reply.text.startswith(say("handoff.low_confidence", "zh-Hans"))
    assert say("handoff.queue", "zh-Hans", position=1) in reply.text
    assert say("handoff.wait.unknown", "zh-Hans") in reply.text  # no measured waits yet: no made-up number
    assert [o.action for o in reply.options] == [Action(ActionKind.HANDOFF, "cancel")]
    escalation = await escalation_of(hd)
    assert (escalation.status, escalation.reason, escalation.priority, escalation.language) == ("waiting", "low_confidence", 0, "zh-Hans")
    assert escalation.due_at is not None
    assert escalation.due_at.replace(tzinfo=dt.UTC) == hd.clock.now + dt.timedelta(minutes=15)  # always staffed
    assert await hd.publish() == ["opened"]
    [opened] = hd.desk.events
    assert [line.text for line in opened.messages] == ["明天北京天气怎么样", say("not_understood", "zh-Hans"), "股票会涨吗"]


@pytest.mark.parametrize("settings_overrides", [{"handoff_far_below": 0.05}])
async def test_one_turn_far_below_the_threshold_hands_off_at_once(hd: Desk) -> None:
    outcome = await hd.say("明天北京天气怎么样")
    assert outcome.handoff is not None and outcome.handoff.reason == "low_confidence"


async def test_explicit_request_in_three_languages_and_the_menu_button(hd: Desk) -> None:
    for customer, text in [("a", "人工"), ("b", "轉人工"), ("c", "real person please")]:
        outcome = await hd.say(text, customer=customer)
        assert outcome.handoff is not None and outcome.handoff.reason == "human", text
    outcome = await hd.say(customer="d", action=Action(ActionKind.MENU, "human"))
    assert outcome.handoff is not None and outcome.handoff.reason == "human"
    assert say("handoff.queue", "zh-Hans", position=4) in outcome.replies[-1].text
    assert [row.customer_id for row in await hd.service.queue()] == ["a", "b", "c", "d"]


@pytest.mark.parametrize("kb_dir", ["no_complaint"], indirect=True)
async def test_anger_is_handed_off_with_priority_without_a_faq_entry(hd: Desk) -> None:
    await hand_off(hd, customer="calm", text="人工")
    outcome = await hd.say("这也太差劲了吧！！服务烂透了", customer="angry")
    assert outcome.handoff is not None and (outcome.handoff.reason, outcome.handoff.priority) == ("anger", 2)
    [reply] = outcome.replies  # the "not understood" line is dropped: a person takes it from here
    assert reply.text.startswith(say("handoff.complaint", "zh-Hans"))
    assert say("handoff.queue", "zh-Hans", position=1) in reply.text  # ahead of the calm customer
    assert [row.customer_id for row in await hd.service.queue()] == ["angry", "calm"]
    escalation = await escalation_of(hd, "angry")
    assert escalation.due_at is not None
    assert escalation.due_at.replace(tzinfo=dt.UTC) == hd.clock.now + dt.timedelta(minutes=5)  # the urgent service level


async def test_a_question_asked_angrily_is_answered_and_handed_off(hd: Desk) -> None:
    outcome = await hd.say("保修期到底多长时间？我要投诉你们")
    kinds = [r.kind for r in outcome.replies]
    assert outcome.handoff is not None and outcome.handoff.priority == 2
    assert kinds[-1] is ReplyKind.HANDOFF


async def test_complaint_entry_keeps_its_answer_and_priority(hd: Desk) -> None:
    outcome = await hd.say("我要投诉")
    assert outcome.handoff is not None and outcome.handoff.priority == 2
    assert outcome.replies[0].text == "您的投诉我们已记录。"


# -- while a person has the conversation -------------------------------------------------------------


async def test_the_bot_relays_and_stays_quiet_then_acknowledges_every_few_minutes(hd: Desk) -> None:
    await hand_off(hd)
    await hd.publish()
    quiet = await hd.say("保修期多长时间")  # a question the bot could answer: the person answers now
    assert quiet.replies == () and quiet.relayed
    photo = await hd.say(None, kind=InboundKind.PHOTO, attachment="console:photo:1")
    assert photo.replies == () and photo.relayed
    await hd.say("型号是 X20")
    await hd.say("谢谢")
    # Consecutive texts share one post in the agents' chat (fewer messages into the group); a photo does not.
    assert await hd.publish() == ["message", "message", "message"]
    assert [[line.text for line in e.messages] for e in hd.desk.events[1:]] == [["保修期多长时间"], [None], ["型号是 X20", "谢谢"]]
    assert hd.desk.events[2].messages[0].attachment == "console:photo:1"
    hd.clock.advance(minutes=6)
    ack = await hd.say("还在吗")
    [reply] = ack.replies
    assert ack.relayed and reply.text.startswith(say("handoff.ack", "zh-Hans"))
    assert say("handoff.queue", "zh-Hans", position=1) in reply.text
    again = await hd.say("？")
    assert again.replies == ()


async def test_the_customer_cancels_with_words_or_the_button(hd: Desk) -> None:
    await hand_off(hd)
    outcome = await hd.say("返回机器人")
    [reply] = outcome.replies
    assert reply.text == say("handoff.cancelled", "zh-Hans") and not outcome.relayed
    assert (await escalation_of(hd)).status == "abandoned"
    answer = await hd.say("保修期多长时间")
    assert answer.replies[0].text == "整机保修两年。"

    await hand_off(hd, text="人工")
    outcome = await hd.say(action=Action(ActionKind.HANDOFF, "cancel"))
    assert outcome.replies[0].text == say("handoff.cancelled", "zh-Hans")
    escalation = await escalation_of(hd)
    assert (escalation.status, escalation.resolution) == ("abandoned", "cancelled")
    await hd.publish()
    assert [e.payload.get("event") for e in hd.desk.events if e.kind == "status"] == ["cancelled", "cancelled"]
    stale = await hd.say(action=Action(ActionKind.HANDOFF, "cancel"))
    assert stale.replies[0].text == say("handoff.not_active", "zh-Hans")


async def test_menu_and_commands_during_hand_off_say_a_person_has_it(hd: Desk) -> None:
    await hand_off(hd)
    outcome = await hd.say("/start")
    [reply] = outcome.replies
    assert reply.text == say("handoff.with_person", "zh-Hans") and not outcome.relayed
    assert reply.options[0].action.kind is ActionKind.HANDOFF
    again = await hd.say(action=Action(ActionKind.MENU, "human"))
    assert again.replies[0].text.startswith(say("handoff.ack", "zh-Hans"))


async def test_anger_while_waiting_raises_the_priority(hd: Desk) -> None:
    await hand_off(hd, customer="first", text="人工")
    await hand_off(hd, customer="second", text="人工")
    await hd.say("怎么还没人理我，太差了！！", customer="second")
    assert [(row.customer_id, row.priority, row.reason) for row in await hd.service.queue()] == [
        ("second", 2, "anger"),
        ("first", 1, "human"),
    ]


# -- agents ------------------------------------------------------------------------------------------


async def test_take_reply_close_and_survey(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    taken = await hd.service.take(escalation.id, ADA)
    assert taken.code == "taken" and taken.escalation is not None and taken.escalation.agent_name == "Ada"
    assert hd.delivery.texts() == [say("handoff.taken", "zh-Hans", agent="Ada")]
    sent = await hd.service.agent_message(escalation.id, ADA, text="您好，请问是哪个型号？", external_id="tg:1")
    assert sent.code == "delivered"
    [(customer, message)] = hd.delivery.messages
    assert (customer, message.text, message.agent_name) == ("c1", "您好，请问是哪个型号？", "Ada")
    again = await hd.service.agent_message(escalation.id, ADA, text="您好，请问是哪个型号？", external_id="tg:1")
    assert again.code == "duplicate" and len(hd.delivery.messages) == 1

    relayed = await hd.say("是 X20 Pro 手机")
    assert relayed.replies == () and relayed.relayed  # assigned: no acknowledgement, the agent answers

    closed = await hd.service.close(escalation.id, ADA)
    assert closed.code == "closed"
    closing, survey = hd.delivery.replies[-2:]
    assert closing[1].text == say("handoff.closed", "zh-Hans")
    assert survey[1].text == say("survey.ask", "zh-Hans")
    assert [o.action.value for o in survey[1].options] == ["1", "2", "3", "4", "5"]
    assert {o.action.message_id for o in survey[1].options} == {escalation.id}

    rated = await hd.say("4")  # the console customer types the number of the option
    assert rated.replies[0].text == say("survey.comment", "zh-Hans")
    comment = await hd.say("很耐心，谢谢")
    assert comment.replies[0].text == say("survey.thanks", "zh-Hans")
    row = await escalation_of(hd)
    assert (row.status, row.resolution, row.survey_score, row.survey_comment) == ("resolved", "closed", 4, "很耐心，谢谢")
    await hd.publish()
    assert [e.payload.get("score") for e in hd.desk.events if e.kind == "survey"] == [4, 4]
    back = await hd.say("保修期多长时间")
    assert back.replies[0].text == "整机保修两年。"  # the bot answers again


async def test_survey_button_skip_and_a_new_question_instead_of_a_comment(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    await hd.service.close(escalation.id, ADA)
    rated = await hd.say(action=Action(ActionKind.SURVEY, "5", escalation.id))
    assert rated.replies[0].text == say("survey.comment", "zh-Hans")
    question = await hd.say("How long is the warranty?")  # a question, not a comment
    assert question.replies[0].text == "The whole device has a two-year warranty."
    row = await escalation_of(hd)
    assert (row.survey_score, row.survey_comment) == (5, None)
    forged = await hd.say(action=Action(ActionKind.SURVEY, "3", 999_999))
    assert forged.replies[0].kind is ReplyKind.STALE
    skipped = await hd.say(action=Action(ActionKind.SURVEY, "skip", escalation.id))
    assert skipped.replies[0].text == say("survey.thanks", "en")


async def test_internal_note_is_never_sent(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    result = await hd.service.note(escalation.id, ADA, "客户很着急，优先处理")
    assert result.code == "noted"
    assert hd.delivery.replies == [] and hd.delivery.messages == []
    [note] = await hd.service.notes(escalation.id)
    assert (note.text, note.agent_name) == ("客户很着急，优先处理", "Ada")
    async with hd.runtime.database.sessions() as session:
        texts = (await session.scalars(select(Message.text))).all()
    assert "客户很着急，优先处理" not in texts


async def test_give_back_to_the_bot(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    await hd.service.take(escalation.id, ADA)
    result = await hd.service.give_back(escalation.id, ADA)
    assert result.code == "given_back"
    notice = hd.delivery.replies[-1][1]
    assert notice.text == say("handoff.to_bot", "zh-Hans") and len(notice.options) == 4
    assert (await hd.say("保修期多长时间")).replies[0].text == "整机保修两年。"
    assert (await hd.service.give_back(escalation.id, ADA)).code == "inactive"


async def test_release_and_take_over(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    assert (await hd.service.release(escalation.id, ADA)).code == "not_assigned"
    await hd.service.take(escalation.id, ADA)
    assert (await hd.service.take(escalation.id, ADA)).code == "already_yours"
    over = await hd.service.take(escalation.id, BEN)
    assert over.code == "taken_over" and over.escalation is not None and over.escalation.agent_name == "Ben"
    released = await hd.service.release(escalation.id, BEN)
    assert released.code == "released" and released.escalation is not None and released.escalation.status == "waiting"
    assert hd.delivery.texts()[-1] == say("handoff.released", "zh-Hans", agent="Ben")
    await hd.publish()
    assert [e.payload.get("event") for e in hd.desk.events if e.kind == "status"] == ["taken", "taken_over", "released"]


async def test_an_agent_writing_in_a_waiting_conversation_takes_it(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    await hd.service.agent_message(escalation.id, BEN, text="我来看看")
    row = await escalation_of(hd)
    assert (row.status, row.agent_name) == ("assigned", "Ben")
    assert hd.delivery.texts() == [say("handoff.taken", "zh-Hans", agent="Ben")]


async def test_a_blocked_customer_gets_the_kept_messages_when_writing_again(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    await hd.service.take(escalation.id, ADA)
    hd.delivery.fail = CustomerUnreachable
    result = await hd.service.agent_message(escalation.id, ADA, text="维修单号是 R7K-4Q2")
    assert result.code == "held"
    await hd.publish()
    [undelivered] = [e for e in hd.desk.events if e.kind == "undelivered"]
    assert undelivered.payload["reason"] == "unreachable"
    hd.delivery.fail = None
    await hd.say("我回来了")
    assert hd.delivery.texts()[-1] == say("handoff.while_away", "zh-Hans")
    assert [m.text for _, m in hd.delivery.messages] == ["维修单号是 R7K-4Q2"]
    await hd.publish()
    assert [e.payload.get("event") for e in hd.desk.events if e.kind == "status"][-1] == "delivered_late"


async def test_a_temporary_failure_is_retried_by_the_sweep(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    await hd.service.take(escalation.id, ADA)
    hd.delivery.fail = DeliveryFailed
    assert (await hd.service.agent_message(escalation.id, ADA, text="稍等")).code == "pending"
    hd.delivery.fail = None
    await hd.service.sweep(hd.clock.now)  # not due yet: nothing sent
    assert hd.delivery.messages == []
    await hd.service.sweep(hd.clock.advance(minutes=1))
    assert [m.text for _, m in hd.delivery.messages] == ["稍等"]
    async with hd.runtime.database.sessions() as session:
        statuses = (await session.scalars(select(HandoffOutbox.status).where(HandoffOutbox.target == "customer"))).all()
    assert statuses == ["done"]


async def test_a_channel_not_running_here_keeps_the_message(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    hd.runtime.deliveries.unregister("console")
    assert (await hd.service.agent_message(escalation.id, ADA, text="hello")).code == "held"
    await hd.publish()
    assert [e.payload["reason"] for e in hd.desk.events if e.kind == "undelivered"] == ["offline"]


async def test_operations_on_closed_or_unknown_escalations(hd: Desk) -> None:
    assert (await hd.service.take(424242, ADA)).code == "not_found"
    await hand_off(hd)
    escalation = await escalation_of(hd)
    await hd.service.close(escalation.id, ADA)
    assert (await hd.service.agent_message(escalation.id, ADA, text="x")).code == "inactive"
    assert (await hd.service.close(escalation.id, ADA)).code == "inactive"


# -- the queue, waits, service levels ----------------------------------------------------------------


async def test_queue_orders_by_priority_then_age(hd: Desk) -> None:
    await hand_off(hd, customer="old", text="人工")
    hd.clock.advance(minutes=1)
    await hd.say("股票会涨吗", customer="stuck")  # two not-understood turns in a row
    await hand_off(hd, customer="stuck", text="明天天气怎么样")
    hd.clock.advance(minutes=1)
    await hand_off(hd, customer="angry", text="我要投诉")
    hd.clock.advance(minutes=1)
    await hand_off(hd, customer="new", text="人工")
    queue = await hd.service.queue()
    assert [(r.customer_id, r.priority) for r in queue] == [("angry", 2), ("old", 1), ("new", 1), ("stuck", 0)]
    assert all(r.due_at is not None for r in queue)


async def test_the_wait_estimate_comes_from_measured_waits(hd: Desk) -> None:
    for index, minutes in enumerate((4, 6, 9)):
        await hand_off(hd, customer=f"past{index}", text="人工")
        escalation = await escalation_of(hd, f"past{index}")
        hd.clock.advance(minutes=minutes)
        await hd.service.take(escalation.id, ADA)
        await hd.service.close(escalation.id, ADA)
    outcome = await hd.say("人工", customer="now")
    assert say("handoff.wait.minutes", "zh-Hans", minutes=10) in outcome.replies[-1].text  # median 6 -> "about 10"


async def test_overdue_escalations_are_announced_again(hd: Desk, clock: Clock) -> None:
    await hand_off(hd)
    await hd.publish()
    assert await hd.service.sweep(clock.advance(minutes=14)) == 0
    assert await hd.service.sweep(clock.advance(minutes=2)) == 1
    assert await hd.service.sweep(clock.advance(minutes=5)) == 0  # announced 5 minutes ago
    assert await hd.service.sweep(clock.advance(minutes=6)) == 1
    assert await hd.publish() == ["overdue", "overdue"]
    escalation = await escalation_of(hd)
    await hd.service.take(escalation.id, ADA)
    # Taken, then left waiting: the customer writes, the agent does not answer within the reply level.
    await hd.say("还在吗？")
    assert await hd.service.sweep(clock.advance(minutes=11)) == 1
    await hd.service.agent_message(escalation.id, ADA, text="在的")
    assert await hd.service.sweep(clock.advance(minutes=30)) == 0


async def test_stats_of_the_day(hd: Desk) -> None:
    await hand_off(hd, customer="a", text="人工")
    escalation = await escalation_of(hd, "a")
    hd.clock.advance(minutes=3)
    await hd.service.take(escalation.id, ADA)
    await hd.service.close(escalation.id, ADA)
    await hd.say("5", customer="a")
    await hd.say("保修期多长时间", customer="b")
    stats = await hd.service.stats()
    assert (stats.escalations, stats.resolved, stats.scores, stats.waits) == (1, 1, [5], [180.0])


# -- small pieces -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "score"),
    [("4", 4), ("５", 5), ("3分", 3), ("五星", 5), ("2 stars", 2), ("1.", 1), ("6", None), ("45", None), ("good", None), ("", None)],
)
def test_parse_score(text: str, score: int | None) -> None:
    assert parse_score(text) == score


async def test_escalation_timestamps_follow_the_service_clock(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    assert escalation.created_at.replace(tzinfo=dt.UTC) == hd.clock.now
    async with hd.runtime.database.sessions() as session, session.begin():
        await session.execute(update(Escalation).values(due_at=None))
    assert await hd.service.sweep(hd.clock.advance(days=1)) == 0  # nothing due, nothing announced




async def test_once_a_person_has_it_bare_words_and_numbers_are_for_them(hd: Desk) -> None:
    await hand_off(hd)
    escalation = await escalation_of(hd)
    await hd.service.take(escalation.id, ADA)
    for text in ("取消", "1"):  # "cancel (the repair)?" — "1" answering the agent, not the old button list
        outcome = await hd.say(text)
        assert outcome.relayed and outcome.replies == (), text
    assert (await escalation_of(hd)).status == "assigned"
    outcome = await hd.say("取消人工")
    assert outcome.replies[0].text == say("handoff.cancelled", "zh-Hans")


async def test_while_waiting_the_number_of_the_cancel_option_works(hd: Desk) -> None:
    await hand_off(hd)
    outcome = await hd.say("1")  # the hand-off reply offered "1. back to the assistant"
    assert outcome.replies[0].text == say("handoff.cancelled", "zh-Hans")
