"""The fake Bot API server answers in shapes aiogram's real client accepts, and fails like Telegram."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from tests.fakes.telegram_api import BOT_TOKEN, FakeTelegramAPI


async def test_every_method_round_trips_through_aiogram(api: FakeTelegramAPI) -> None:
    bot = Bot(BOT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
    try:
        me = await bot.get_me()
        assert me.is_bot and me.username
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="m:faq")]])
        sent = await bot.send_message(chat_id=5, text="<b>hi</b> &amp; bye", parse_mode="HTML", reply_markup=markup)
        assert sent.text == "hi & bye" and sent.chat.id == 5
        assert sent.reply_markup is not None and sent.reply_markup.inline_keyboard[0][0].callback_data == "m:faq"
        edited = await bot.edit_message_text(chat_id=5, message_id=sent.message_id, text="new")
        assert not isinstance(edited, bool) and edited.text == "new"
        assert await bot.edit_message_reply_markup(chat_id=5, message_id=sent.message_id, reply_markup=None)
        assert await bot.answer_callback_query(callback_query_id="1", text="ok", show_alert=True)
        assert await bot.send_chat_action(chat_id=5, action="typing")
        assert await bot.set_my_commands([BotCommand(command="start", description="Start")], language_code="en")
        assert await bot.set_webhook(url="https://example.com/hook", secret_token="abc")
        assert (await bot.get_webhook_info()).url == "https://example.com/hook"
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == []
        assert await bot.close() and await bot.log_out()
        assert [c.method for c in api.calls][:3] == ["getMe", "sendMessage", "editMessageText"]
        assert api.calls_to("answerCallbackQuery")[0]["show_alert"] is True
        assert api.calls_to("setMyCommands")[0]["commands"] == [{"command": "start", "description": "Start"}]

        api.push_update(api.message(5, "hello"))
        [update] = await bot.get_updates(timeout=1)
        assert update.message is not None and update.message.text == "hello"

        api.fail_next("sendMessage", 1, 429, retry_after=1)
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(chat_id=5, text="x")
        assert flood.value.retry_after == 1
        api.fail_next("sendMessage", 1, 403)
        with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
            await bot.send_message(chat_id=5, text="x")
        assert (await bot.send_message(chat_id=5, text="x")).text == "x"
        assert [c.status for c in api.calls_to("sendMessage")] == [200, 429, 403, 200]
    finally:
        await bot.session.close()
