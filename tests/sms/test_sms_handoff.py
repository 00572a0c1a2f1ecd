"""Hand-off by SMS: an escalated SMS conversation, the agent's reply delivered as an SMS."""

from __future__ import annotations

import pytest

from bot.channels.sms.delivery import SmsDelivery
from bot.engine.messages import say
from bot.handoff.delivery import AgentMessage, Attachment, CustomerUnreachable
from bot.handoff.service import Agent
from bot.storage import handoff as handoff_repo
from bot.storage.sms import DONE
from tests.sms.conftest import CUSTOMER, SmsHarness

AGENT = Agent("9001", "Wang")


async def _escalate(harness: SmsHarness) -> int:
    reply = await harness.chat("转人工")
    assert "人工" in reply or "客服" in reply
    [escalation] = await harness.runtime.store.queue()
    assert (escalation.channel, escalation.customer_id) == ("sms", CUSTOMER)
    return escalation.id


async def test_the_sms_deliverer_is_registered_with_the_handoff_service(harness: SmsHarness) -> None:
    assert isinstance(harness.runtime.handoff.deliveries.get("sms"), SmsDelivery)


async def test_agent_reply_goes_out_as_sms(harness: SmsHarness) -> None:
    escalation_id = await _escalate(harness)
    before = len(harness.fake.messages)
    result = await harness.runtime.handoff.agent_message(escalation_id, AGENT, text="您好，我是客服小王，您的**打印机**什么型号？",
                                                         external_id="tg:1")
    assert result.ok, result
    await harness.flush()
    bodies = harness.fake.bodies_to(CUSTOMER)[before:]
    assert bodies[-1] == "您好，我是客服小王，您的打印机什么型号？"  # plain text: no markup by SMS
    # The customer's answer by SMS reaches the same conversation (the agent reads it in the topic).
    await harness.sms("LaserJet 200")
    await harness.flush()
    conversation = await harness.runtime.store.conversation("sms", CUSTOMER)
    texts = [m.text for m in await harness.runtime.store.transcript(conversation.id)]
    assert texts.index("LaserJet 200") > texts.index("您好，我是客服小王，您的**打印机**什么型号？")


async def test_long_agent_reply_is_cut_with_more(harness: SmsHarness) -> None:
    escalation_id = await _escalate(harness)
    text = "请按以下步骤操作：先关机，拔掉电源，等待三十秒，再重新开机。" * 8
    await harness.runtime.handoff.agent_message(escalation_id, AGENT, text=text, external_id="tg:2")
    await harness.flush()
    first = harness.fake.bodies_to(CUSTOMER)[-1]
    assert first.endswith("（回复“更多”看余下内容）")
    rest = await harness.chat("更多")
    assert rest and rest in text or rest.removesuffix("（回复“更多”看余下内容）") in text


async def test_attachment_becomes_a_placeholder(harness: SmsHarness) -> None:
    delivery = harness.runtime.handoff.deliveries.get("sms")
    message = AgentMessage(1, "en", text="Here is the label to print", attachment=Attachment("photo", "telegram:photo:x"))
    await delivery.send_agent_message(CUSTOMER, message)
    await harness.flush()
    assert harness.fake.bodies_to(CUSTOMER) == ["Here is the label to print\n[The agent sent a photo]"]


async def test_opted_out_customer_is_unreachable_for_agents(harness: SmsHarness) -> None:
    await harness.chat("STOP")
    delivery = harness.runtime.handoff.deliveries.get("sms")
    with pytest.raises(CustomerUnreachable, match="STOP"):
        await delivery.send_agent_message(CUSTOMER, AgentMessage(1, "en", text="hello?"))
    await harness.chat("hello", "+85291234567")
    await harness.runtime.store.set_blocked("sms", "+85291234567", True)
    with pytest.raises(CustomerUnreachable, match="blocked"):
        await delivery.send_agent_message("+85291234567", AgentMessage(1, "en", text="hello?"))
    assert len(harness.fake.bodies_to(CUSTOMER)) == 1  # only the opt-out confirmation


async def test_an_agents_reply_in_the_telegram_topic_goes_out_as_sms(tmp_path, fake_twilio) -> None:  # type: ignore[no-untyped-def]
    """The whole way: SMS → hand-off → the agents' Telegram topic → an agent writes there → SMS."""
    from bot.channels.telegram.bot import create_telegram
    from bot.handoff.outbox import DeskOutbox
    from tests.fakes.telegram_api import BOT_TOKEN, FakeTelegramAPI
    from tests.sms.conftest import open_harness

    agents_chat, agent_id = -1001234567890, 777
    async with FakeTelegramAPI() as api:
        harness, client = await open_harness(
            f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}", fake_twilio, bot_token=BOT_TOKEN,
            telegram_api_url=api.base_url, agents_chat_id=agents_chat, agent_ids=[agent_id],
        )
        bot, dispatcher, _ = create_telegram(harness.runtime, pacer=False)
        try:
            await _escalate(harness)
            await DeskOutbox(harness.runtime.handoff).run_once()  # the escalation's topic and card
            topic = api.topic(agents_chat)
            update = api.group_message(agents_chat, agent_id, "您好，我是客服小王。请问是哪款打印机？", thread=topic.thread_id,
                                       first_name="Wang")
            await dispatcher.feed_raw_update(bot, update)  # stored; the inbox handles it in the background
            await dispatcher["inbox"].drain(10)
            await harness.flush()
            assert harness.fake.bodies_to(CUSTOMER)[-1] == "您好，我是客服小王。请问是哪款打印机？"
        finally:
            await bot.session.close()
            await client.close()
            await harness.runtime.close()


async def _agent_message_held(harness: SmsHarness, text: str) -> None:
    """An agent wrote while the number could not be reached; the escalation is back with the bot."""
    escalation_id = await _escalate(harness)
    await harness.runtime.store.set_blocked("sms", CUSTOMER, True)
    held = await harness.runtime.handoff.agent_message(escalation_id, AGENT, text=text, external_id="tg:9")
    assert held.code == "held", held.code
    await harness.runtime.store.set_blocked("sms", CUSTOMER, False)
    assert (await harness.runtime.handoff.give_back(escalation_id, AGENT)).ok
    await harness.flush()


async def test_agent_messages_the_customer_missed_go_out_before_the_bots_answer(harness: SmsHarness) -> None:
    """A number's SMS go out in the order queued: the agent messages the customer missed are queued in
    the turn, before its answer (whose MORE, not theirs, is what MORE continues)."""
    await _agent_message_held(harness, "您的电脑修好了")
    before = len(harness.fake.bodies_to(CUSTOMER))
    await harness.sms("保修期多久")
    await harness.flush()
    after = harness.fake.bodies_to(CUSTOMER)[before:]
    assert [say("handoff.while_away", "zh-Hans"), "您的电脑修好了"] == after[:2]
    assert len(after) == 3 and "保修" in after[-1]
    assert (await harness.store.inbox())[-1].status == DONE


async def test_missed_agent_messages_and_the_answer_commit_with_the_turn(harness: SmsHarness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An instance killed right after the turn's commit loses nothing: the agent messages, the answer
    after them and the message's end were all written by that one commit, and nothing is left for the
    runtime's delivery after the turn (which the kill skips: made a no-op here)."""
    await _agent_message_held(harness, "您的电脑修好了")
    queued_before = len(await harness.store.outbox(CUSTOMER))

    async def killed(conversation_id: int, flush: bool) -> None:
        return None

    monkeypatch.setattr(harness.runtime.handoff, "after_commit", killed)
    await harness.sms("保修期多久")
    await harness.channel.idle()
    queued = [(item.kind, item.body) for item in (await harness.store.outbox(CUSTOMER))[queued_before:]]
    assert queued[:2] == [("handoff", say("handoff.while_away", "zh-Hans")), ("agent", "您的电脑修好了")]
    assert len(queued) == 3 and queued[2][0] == "reply" and "保修" in queued[2][1]
    assert (await harness.store.inbox())[-1].status == DONE
    conversation = await harness.runtime.store.conversation("sms", CUSTOMER)
    assert conversation is not None and await harness.runtime.handoff.flush(conversation.id) == 0  # nothing left owed


async def test_a_number_that_opted_out_during_the_turn_keeps_its_agent_messages_held(harness: SmsHarness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The turn reads whether the number may get SMS in its own transaction before it takes the agent
    messages: a STOP recorded after the message was first looked at (here: the provider refusing the
    number, as Twilio's 21610 does) leaves them held for the agents, not recorded delivered and then
    suppressed by the outbox."""
    await _agent_message_held(harness, "您的电脑修好了")
    conversation = await harness.runtime.store.conversation("sms", CUSTOMER)
    assert conversation is not None
    store = harness.channel.sms
    first_look = store.sender

    async def opted_out_after_the_first_look(number, since, *, before_id=None):  # type: ignore[no-untyped-def]
        seen = await first_look(number, since, before_id=before_id)
        await store.set_opted_out(number, True)
        return seen

    monkeypatch.setattr(store, "sender", opted_out_after_the_first_look)
    queued_before = len(await harness.store.outbox(CUSTOMER))
    await harness.sms("保修期多久")
    await harness.channel.idle()
    assert [item.kind for item in (await harness.store.outbox(CUSTOMER))[queued_before:]] == ["reply"]  # withheld when sent
    async with harness.runtime.database.sessions() as session:
        [row] = await handoff_repo.undelivered(session, conversation.id)
    assert row.status == "held"
