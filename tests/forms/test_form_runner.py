"""A form written only in YAML, filled in through the real runtime: every path a customer can take."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.engine.types import Action, ActionKind, Inbound, ReplyKind
from bot.runtime import Runtime
from bot.storage.forms import FORM_TICKETS, FormSubmission
from bot.storage.models import Escalation
from tests.forms.conftest import Chat, open_runtime
from tests.support import DEMO_KB, Clock


async def _submissions(runtime: Runtime) -> list[FormSubmission]:
    async with runtime.database.sessions() as session:
        return list(await session.scalars(select(FormSubmission)))


async def test_filled_in_chinese_stored_with_a_ticket_and_queued(runtime: Runtime) -> None:
    chat = Chat(runtime)
    opening = await chat.send("宽带断了要报修")
    assert "宽带故障报修" in opening.replies[0].text and opening.replies[-1].text == "请输入宽带账号"
    assert "是什么情况" in await chat.says("ADSL-0012345")
    question = (await chat.send("2")).replies[-1]  # the second option, typed as on SMS or the console
    assert question.text == "哪天方便上门？" and [o.label for o in question.options] == ["跳过"]
    assert await chat.says("跳过") == "联系电话？"
    summary = (await chat.send("13800138000")).replies[-1]
    assert "ADSL-0012345" in summary.text and "网速很慢" in summary.text and "（未填）" in summary.text
    assert [o.label for o in summary.options] == ["确认提交", "修改", "取消"]
    done = await chat.send("1")
    ticket = FORM_TICKETS.find(done.replies[0].text)
    assert ticket is not None and "工程师将在2小时内联系 +86 138 0013 8000" in done.replies[0].text
    assert done.handoff is not None and done.handoff.reason == "form"
    [stored] = await _submissions(runtime)
    assert stored.ticket == ticket and stored.form_id == "broadband.fault_report"
    assert stored.answers == {"account": "ADSL-0012345", "symptom": 1, "visit": None, "phone": "+8613800138000"}
    async with runtime.database.sessions() as session:
        escalation = await session.scalar(select(Escalation))
    assert escalation is not None and escalation.reason == "form" and escalation.status == "waiting"


async def test_english_with_buttons_change_and_back(runtime: Runtime) -> None:
    chat = Chat(runtime, "bob")
    assert (await chat.send("my home internet is down")).replies[-1].text == "Your broadband account number?"
    question = (await chat.send("AC 778899")).replies[-1]
    assert [o.label for o in question.options] == ["No connection at all", "Very slow", "Keeps dropping"]
    picked = await runtime.handle(Inbound("console", "bob", action=question.options[0].action))
    assert picked.replies[-1].text == "Which day suits a visit?"
    assert "could not read that date" in await chat.says("31/02")
    assert (await chat.send("back")).replies[-1].text == "What is happening?"
    assert await chat.says("keeps dropping") == "Which day suits a visit?"  # a label typed in words
    assert await chat.says("2026-12-02") == "Your phone number?"
    summary = await chat.says("+1 415 555 0100")
    assert "Keeps dropping" in summary and "2026-12-02" in summary and "Submit it?" in summary
    which = (await chat.send("change")).replies[-1]
    assert which.options[0].label.startswith("Your broadband account")  # the question, cut to fit a button
    await runtime.handle(Inbound("console", "bob", action=which.options[0].action))
    summary = await chat.says("AC 112233")
    assert "AC 112233" in summary and "AC 778899" not in summary
    done = await chat.says("yes")
    assert "Logged as F" in done and "+1 415-555-0100" in done
    [stored] = await _submissions(runtime)
    assert stored.answers["account"] == "AC 112233" and stored.language == "en"


async def test_traditional_prefilled_phone_and_cancel(runtime: Runtime) -> None:
    chat = Chat(runtime, "carol")
    opening = await chat.says("幫我登記寬頻報修，電話 0912 345 678")
    assert "寬頻故障報修" in opening and opening.endswith("請輸入寬頻帳號")
    await chat.says("TW-5566")
    await chat.says("1")
    summary = await chat.says("跳過")  # the phone came with the first message: nothing more to ask
    assert "請核對" in summary or "確認提交" in summary
    cancelled = await chat.send("取消")
    assert "已取消" in cancelled.replies[0].text and cancelled.replies[0].kind is ReplyKind.INFO
    assert await _submissions(runtime) == []
    assert "整機保固兩年" in await chat.says("保固多久")  # the form is over: questions are answered again


async def test_refused_answers_say_why_with_an_example_then_a_person_helps(runtime: Runtime) -> None:
    chat = Chat(runtime, "dave")
    await chat.says("宽带断了要报修")
    await chat.says("ADSL-1")
    await chat.says("1")
    await chat.says("跳过")
    refused = await chat.says("138OO138OOO")
    assert "电话号码里有字母" in refused and "例如：13800138000" in refused and refused.endswith("联系电话？")
    assert "不像有效的电话号码" in await chat.says("12345")
    stuck = await chat.send("12345")
    assert stuck.handoff is not None and stuck.handoff.reason == "form_stuck"
    assert await _submissions(runtime) == []


async def test_a_question_in_the_middle_is_answered_then_the_form_goes_on(runtime: Runtime) -> None:
    chat = Chat(runtime, "erin")
    await chat.says("宽带断了要报修")
    await chat.says("ADSL-2")
    interrupted = await chat.send("保修期多长时间？")
    assert interrupted.replies[0].text == "整机保修两年。" and interrupted.replies[-1].text == "是什么情况？"
    assert await chat.says("经常掉线") == "哪天方便上门？"


async def test_resumed_after_a_restart(form_kb: Path, database_url: str) -> None:
    clock = Clock()
    first = await open_runtime(form_kb, database_url, clock)
    try:
        await Chat(first, "frank").says("report a broadband fault")
        await Chat(first, "frank").says("ACC-9")
    finally:
        await first.close()
    second = await open_runtime(form_kb, database_url, clock)
    try:
        chat = Chat(second, "frank")
        assert await chat.says("3") == "Which day suits a visit?"
        await chat.says("skip")
        await chat.says("13800138000")
        ticket = FORM_TICKETS.find(await chat.says("1"))
        assert ticket is not None
        await chat.says("back to the assistant")  # the form put them in the agents' queue: leave it
        looked_up = await chat.says(f"what happened to {ticket.lower()}?")
        assert ticket in looked_up and "submitted, waiting to be handled" in looked_up and "ACC-9" in looked_up
        # Someone else's ticket gets exactly the answer a made-up one gets.
        stranger = await Chat(second, "mallory").says(f"status of {ticket}")
        made_up = await Chat(second, "mallory").says("status of F22-223")
        assert stranger.replace(ticket, "#") == made_up.replace("F22-223", "#") and "ACC-9" not in stranger
    finally:
        await second.close()


async def test_customer_text_is_never_read_as_a_placeholder(runtime: Runtime) -> None:
    chat = Chat(runtime, "gina")
    await chat.says("宽带断了要报修")
    await chat.says("{ticket}{phone}")
    await chat.says("1")
    await chat.says("跳过")
    await chat.says("13800138000")
    done = await chat.says("确认提交")
    [stored] = await _submissions(runtime)
    assert stored.answers["account"] == "{ticket}{phone}" and stored.ticket in done


async def test_a_form_removed_meanwhile_ends_politely(form_kb: Path, database_url: str) -> None:
    clock = Clock()
    first = await open_runtime(form_kb, database_url, clock)
    try:
        await Chat(first, "hal").says("宽带断了要报修")
    finally:
        await first.close()
    (form_kb / "forms" / "reports.yaml").unlink()
    second = await open_runtime(form_kb, database_url, clock)
    try:
        reply = (await Chat(second, "hal").send("ADSL-3")).replies[0]
        assert "已停用" in reply.text and reply.options
        assert "整机保修两年" in await Chat(second, "hal").says("保修期多长时间")
    finally:
        await second.close()


async def test_an_old_menu_button_for_a_person_leaves_the_form(runtime: Runtime) -> None:
    chat = Chat(runtime, "ivy")
    await chat.says("宽带断了要报修")
    outcome = await runtime.handle(Inbound("console", "ivy", action=Action(ActionKind.MENU, "human")))
    assert outcome.handoff is not None and outcome.handoff.reason == "human"


async def _finish_urgent_fault_report(chat: Chat) -> None:
    """From the symptom question on: the filled form reaches the agents first in the queue."""
    await chat.says("1")
    await chat.says("跳过")
    await chat.says("13800138000")
    done = await chat.send("确认提交")
    assert done.handoff is not None and done.handoff.reason == "complaint" and done.handoff.priority == 2


async def test_an_angry_customer_fills_a_queue_form_and_comes_first(runtime: Runtime) -> None:
    chat = Chat(runtime, "judy")
    opening = await chat.send("宽带断了三天了，服务太差了！！帮我报修")
    assert opening.handoff is None and opening.replies[-1].text == "请输入宽带账号"
    await chat.says("ADSL-4")
    angry_again = await chat.send("太差劲了，一直断网")  # no option's label: asked again, not handed off mid-form
    assert angry_again.handoff is None and angry_again.replies[-1].text == "是什么情况？"
    await _finish_urgent_fault_report(chat)


async def test_angry_words_at_a_free_text_question_of_a_queue_form_are_its_answer(runtime: Runtime) -> None:
    """A form that ends with a person keeps the customer however the matcher reads the anger."""
    chat = Chat(runtime, "kim")
    await chat.says("宽带断了要报修")
    angry = await chat.send("你们这什么破服务，气死我了")
    assert angry.handoff is None and angry.replies[-1].text == "是什么情况？"
    await _finish_urgent_fault_report(chat)


async def test_anger_in_a_form_that_does_not_end_with_a_person_hands_off_at_once(form_kb: Path, database_url: str) -> None:
    reports = form_kb / "forms" / "reports.yaml"
    reports.write_text(reports.read_text(encoding="utf-8").replace("    handoff: queue\n", ""), encoding="utf-8")
    runtime = await open_runtime(form_kb, database_url, Clock())
    try:
        chat = Chat(runtime, "ken")
        await chat.says("宽带断了要报修")
        angry = await chat.send("你们这什么破服务，气死我了")
        # At a free-text question angry words could be the answer; these read as a complaint, so a person
        # takes it from here all the same, first in the queue.
        assert angry.handoff is not None and angry.handoff.priority == 2
        assert "整机保修两年" in await chat.says("返回智能助手") + await chat.says("保修几年")
    finally:
        await runtime.close()


async def test_a_ticket_reads_as_submitted_after_the_form_changes_or_goes(form_kb: Path, database_url: str) -> None:
    clock = Clock()
    first = await open_runtime(form_kb, database_url, clock)
    try:
        chat = Chat(first, "leo")
        for answer in ("report a broadband fault", "ACC-77", "2", "skip", "13800138000"):
            await chat.says(answer)
        ticket = FORM_TICKETS.find(await chat.says("Submit"))
        assert ticket is not None
    finally:
        await first.close()
    reports = form_kb / "forms" / "reports.yaml"
    # The operator swaps two options: the stored answer (option 1) now names another label in the YAML.
    reports.write_text(
        reports.read_text(encoding="utf-8").replace("en: Very slow}", "en: Slow-ish}").replace("网速很慢", "网速有点慢"),
        encoding="utf-8",
    )
    second = await open_runtime(form_kb, database_url, clock)
    try:
        chat = Chat(second, "leo")
        await chat.says("back to the assistant")
        assert "Very slow" in await chat.says(f"any news on {ticket}?")
    finally:
        await second.close()
    reports.unlink()
    third = await open_runtime(form_kb, database_url, clock)
    try:
        looked_up = await Chat(third, "leo").says(f"any news on {ticket}?")
        assert ticket in looked_up and "Report a broadband fault" in looked_up and "ACC-77" in looked_up
    finally:
        await third.close()


async def test_words_shaped_like_a_ticket_are_questions(runtime: Runtime) -> None:
    assert "found no" not in await Chat(runtime, "mia").says("Will my phone charge faster with a new battery?")


async def test_the_demo_spam_report_quotes_a_scam_without_being_taken_for_anger(database_url: str) -> None:
    runtime = await open_runtime(DEMO_KB, database_url, Clock())
    try:
        chat = Chat(runtime, "nina")
        opening = await chat.send("report this scam SMS sender")
        assert opening.handoff is None and opening.replies[-1].text == "Which number sent the message?"
        await chat.says("1069 5555 0000")
        quoted = await chat.send("Scam: your parcel is lost, pay the fee at bad.example")  # the message, quoted
        assert quoted.handoff is None and "Which day" in quoted.replies[-1].text
        assert "2026-11-24" in await chat.says("yesterday") + await chat.says("no")  # Wednesday 25 Nov 10:30
    finally:
        await runtime.close()
