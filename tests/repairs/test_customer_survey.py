"""After a repair closed: the 1-5 question goes out on the customer's channel (the SURVEY job), the
answer (typed or pressed) is stored with the ticket; a message about something else drops it; and the
customer switches unasked-for reminders off and on, by button or in words."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Sequence

import pytest

from bot.channels.console.chat import ConsoleDelivery
from bot.channels.telegram.callbacks import (
    IntentRefs,
    pack_action,
    parse_callback,
    unpack_action,
)
from bot.engine import Action, ActionKind, Reply
from bot.engine.ticket_survey import STATE
from bot.repairs import lifecycle as lc
from bot.runtime import Runtime
from bot.storage import jobs
from bot.storage import repairs as events
from tests.booking.conftest import Chat, open_runtime
from tests.repairs.test_customer_status import book, ticket_of, utc
from tests.support import Clock, use_cached_matcher


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def runtime(database_url: str, clock: Clock) -> AsyncIterator[Runtime]:
    runtime = await open_runtime(database_url, clock)
    yield runtime
    await runtime.close()


class Recorder:
    """A channel's deliverer (`bot.handoff.delivery.CustomerDelivery`) that keeps what it was given."""

    def __init__(self, channel: str = "console") -> None:
        self.channel = channel
        self.sent: list[tuple[str, list[Reply], str | None]] = []

    async def send_replies(self, customer_id: str, replies: Sequence[Reply], *, source: str | None = None) -> None:
        if source is not None and any(s == source for _, _, s in self.sent):
            return  # one copy per source, like the channels' outboxes
        self.sent.append((customer_id, list(replies), source))

    async def send_agent_message(self, customer_id: str, message: object) -> None:
        raise AssertionError("no agent message expected")

    def replies(self, key: str) -> list[Reply]:
        return [reply for _, replies, _ in self.sent for reply in replies if reply.key == key]


async def closed_and_asked(runtime: Runtime, clock: Clock, chat: Chat) -> tuple[str, Recorder]:
    """A booking repaired, collected and closed by staff; the jobs run: the survey question went out."""
    number = await book(chat)
    for status in ("received", "repairing", "ready", "closed"):
        clock.advance(hours=2)
        await runtime.repairs.desk.set_status(number, status, "cli")
    recorder = Recorder(chat.channel)
    runtime.handoff.deliveries.register(recorder)
    await runtime.repairs.runner.run_due()
    return number, recorder


async def test_the_question_goes_out_once_and_a_typed_score_is_stored(runtime: Runtime, clock: Clock) -> None:
    chat = Chat(runtime)
    number, recorder = await closed_and_asked(runtime, clock, chat)
    [question] = recorder.replies("customer.survey.ask")
    assert f"维修单 {number}（Acme X20 Pro）" in question.text
    assert [o.action.value for o in question.options] == ["1", "2", "3", "4", "5", "skip"]
    booking, _, found = await ticket_of(runtime, number)
    assert [j.status for j in found if j.kind == lc.SURVEY] == [jobs.DONE]
    state = await chat.state()
    assert state[STATE]["booking"] == booking.id and state[STATE]["ticket"] == number

    await chat.send("5")
    assert [r.key for r in chat.outcome.replies] == ["customer.survey.thanks"]
    booking, timeline, _ = await ticket_of(runtime, number)
    assert booking.survey_score == 5 and booking.survey_at is not None
    survey = [e for e in timeline if e.kind == events.SURVEY]
    assert [(e.actor, e.data) for e in survey] == [("customer", {"score": 5})]
    assert STATE not in await chat.state()
    await runtime.repairs.runner.run_due()
    assert len(recorder.replies("customer.survey.ask")) == 1  # asked once


async def test_a_score_in_words_and_the_english_question(runtime: Runtime, clock: Clock) -> None:
    chat = Chat(runtime, customer="words")
    await chat.send(action=Action(ActionKind.LANGUAGE, "en"))
    number = await book(chat)  # booked in Chinese: the ticket's language is Chinese
    for status in ("received", "repairing", "ready", "closed"):
        await runtime.repairs.desk.set_status(number, status, "api")
    recorder = Recorder()
    runtime.handoff.deliveries.register(recorder)
    await runtime.repairs.runner.run_due()
    assert recorder.replies("customer.survey.ask")
    await chat.send("四分")
    booking, _, _ = await ticket_of(runtime, number)
    assert booking.survey_score == 4


async def test_a_low_score_pressed_goes_to_a_person(runtime: Runtime, clock: Clock) -> None:
    chat = Chat(runtime, customer="unhappy")
    number, recorder = await closed_and_asked(runtime, clock, chat)
    [question] = recorder.replies("customer.survey.ask")
    await chat.send(action=question.options[1].action)  # "2"
    assert chat.outcome.handoff is not None and chat.outcome.handoff.reason == "survey_low"
    assert "很抱歉这次维修没让您满意（2/5）" in chat.text
    booking, _, _ = await ticket_of(runtime, number)
    assert booking.survey_score == 2
    await chat.send(action=question.options[4].action)  # pressed again later: already scored
    booking, _, _ = await ticket_of(runtime, number)
    assert booking.survey_score == 2


async def test_another_message_drops_the_survey_and_skip_scores_nothing(runtime: Runtime, clock: Clock) -> None:
    chat = Chat(runtime, customer="busy")
    number, recorder = await closed_and_asked(runtime, clock, chat)
    await chat.send("你们的营业时间是几点")
    assert not any(r.key and r.key.startswith("customer.survey") for r in chat.outcome.replies)
    assert STATE not in await chat.state()
    await chat.send("五星")  # no longer an answer to anything
    booking, timeline, _ = await ticket_of(runtime, number)
    assert booking.survey_score is None and not [e for e in timeline if e.kind == events.SURVEY]
    [question] = recorder.replies("customer.survey.ask")
    await chat.send(action=question.options[-1].action)  # the Skip button still answers it
    assert [r.key for r in chat.outcome.replies] == ["customer.survey.skipped"]
    # Someone else's ticket pressed (a forged button) is stale.
    stranger = Chat(runtime, customer="stranger")
    await stranger.send(action=question.options[4].action)
    assert stranger.outcome.replies[0].kind.value == "stale"
    booking, _, _ = await ticket_of(runtime, number)
    assert booking.survey_score is None


async def test_the_question_waits_while_a_person_has_the_conversation(runtime: Runtime, clock: Clock) -> None:
    chat = Chat(runtime, customer="talking")
    number = await book(chat)
    await chat.send("转人工")
    assert chat.outcome.handoff is not None
    for status in ("received", "repairing", "ready", "closed"):
        await runtime.repairs.desk.set_status(number, status, "cli")
    recorder = Recorder()
    runtime.handoff.deliveries.register(recorder)
    await runtime.repairs.runner.run_due()
    assert not recorder.replies("customer.survey.ask")
    _, _, found = await ticket_of(runtime, number)
    [survey] = [j for j in found if j.kind == lc.SURVEY]
    assert survey.status == jobs.PENDING and utc(survey.due_at) > clock.now  # deferred, not dropped
    await chat.send(action=Action(ActionKind.HANDOFF, "cancel"))  # back to the assistant
    clock.advance(minutes=31)
    await runtime.repairs.runner.run_due()
    assert len(recorder.replies("customer.survey.ask")) == 1  # asked once the conversation is the bot's again


@pytest.mark.parametrize(
    ("off", "on", "said_off"),
    [("不要提醒", "恢复提醒", "不再发送保修到期等提醒"), ("stop reminders", "start reminders", "no more reminders"), ("TD提醒", "恢復提醒", "")],
)
async def test_reminders_off_and_on_in_words(runtime: Runtime, off: str, on: str, said_off: str) -> None:
    chat = Chat(runtime, customer=f"rem-{off}")
    await chat.send(off)
    assert chat.outcome.replies[0].key == "customer.reminders.off" and said_off in chat.text
    conversation = await runtime.store.conversation(chat.channel, chat.customer)
    assert conversation is not None and conversation.reminders_off
    await chat.send(on)
    assert chat.outcome.replies[0].key == "customer.reminders.on"
    conversation = await runtime.store.conversation(chat.channel, chat.customer)
    assert conversation is not None and not conversation.reminders_off


async def test_reminders_by_button_and_cancel_alone_is_not_about_reminders(runtime: Runtime) -> None:
    chat = Chat(runtime, customer="buttons")
    await chat.send(action=Action(ActionKind.REMINDERS, "off"))
    assert chat.outcome.replies[0].key == "customer.reminders.off"
    await chat.send("取消")
    assert all(r.key != "customer.reminders.on" for r in chat.outcome.replies)
    conversation = await runtime.store.conversation(chat.channel, chat.customer)
    assert conversation is not None and conversation.reminders_off
    await chat.send(action=Action(ActionKind.REMINDERS, "on"))
    conversation = await runtime.store.conversation(chat.channel, chat.customer)
    assert conversation is not None and not conversation.reminders_off
    await chat.send(action=Action(ActionKind.REMINDERS, "maybe"))  # forged
    assert chat.outcome.replies[0].kind.value == "stale"


def test_telegram_buttons_for_the_survey_and_reminders() -> None:
    refs = IntentRefs()
    for action in (
        Action(ActionKind.TICKET_SURVEY, "4", 17), Action(ActionKind.TICKET_SURVEY, "skip", 17),
        Action(ActionKind.REMINDERS, "off"), Action(ActionKind.REMINDERS, "on"),
    ):
        packed = pack_action(action, refs)
        assert packed is not None and len(packed.encode()) <= 64
        parsed = parse_callback(packed)
        assert parsed is not None and unpack_action(parsed, refs) == action
    for forged in ("tsv:0:5", "tsv:17:9", "tsv:x:1", "rem:maybe"):
        assert parse_callback(forged) is None
    assert pack_action(Action(ActionKind.TICKET_SURVEY, "4"), refs) is None  # no ticket: no button


async def test_through_the_console_channel_a_typed_number_picks_the_score(runtime: Runtime, clock: Clock) -> None:
    """The real console deliverer prints the question with numbered options; "4" typed answers it."""
    chat = Chat(runtime, customer="terminal")
    number = await book(chat)
    for status in ("received", "repairing", "ready", "closed"):
        await runtime.repairs.desk.set_status(number, status, "cli")
    stdout = io.StringIO()
    runtime.handoff.deliveries.register(ConsoleDelivery(stdout, "terminal"))
    await runtime.repairs.runner.run_due()
    printed = stdout.getvalue()
    assert f"维修单 {number}" in printed and "  4. 4 ⭐⭐⭐⭐" in printed and "  6. 跳过" in printed
    await chat.send("4")
    assert [r.key for r in chat.outcome.replies] == ["customer.survey.thanks"]
    booking, _, _ = await ticket_of(runtime, number)
    assert booking.survey_score == 4
