"""Hand-off by SMS: an escalated SMS conversation, the agent's reply delivered as an SMS."""

from __future__ import annotations

import pytest

from bot.channels.sms.delivery import SmsDelivery
from bot.handoff.delivery import AgentMessage, Attachment, CustomerUnreachable
from bot.handoff.service import Agent
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


async def test_agent_messages_the_customer_missed_go_out_before_the_bots_answer(harness: SmsHarness) -> None:
    """The bot's answer is queued with its turn, except when agent messages are waiting for the customer:
    those are delivered after the turn, and a number's SMS go out in the order queued, so the answer is
    queued after them (and its MORE, not theirs, is what MORE continues)."""
    escalation_id = await _escalate(harness)
    await harness.runtime.store.set_blocked("sms", CUSTOMER, True)
    held = await harness.runtime.handoff.agent_message(escalation_id, AGENT, text="您的电脑修好了", external_id="tg:9")
    assert held.code == "held", held.code
    await harness.runtime.store.set_blocked("sms", CUSTOMER, False)
    assert (await harness.runtime.handoff.give_back(escalation_id, AGENT)).ok
    await harness.flush()
    before = len(harness.fake.bodies_to(CUSTOMER))
    await harness.sms("保修期多久")
    await harness.flush()
    after = harness.fake.bodies_to(CUSTOMER)[before:]
    assert any("您的电脑修好了" in body for body in after)
    assert "保修" in after[-1] and not any("保修" in body for body in after[:-1])
    assert (await harness.store.inbox())[-1].status == DONE  # recorded after the answer was queued

