"""The Telegram channel's own notices (an internal error, flooding, a stale button) and command descriptions.

Namespace "telegram.": `bot.channels.telegram.texts.channel_text("error", ...)` reads "telegram.error".
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "telegram"

TEXTS: Table = {
    "error": {
        "zh-Hans": "抱歉，系统出了点问题，请稍后再试一次。",
        "zh-Hant": "抱歉，系統出了點問題，請稍後再試一次。",
        "en": "Sorry, something went wrong on our side. Please try again in a moment.",
    },
    "flood": {
        "zh-Hans": "您发送得太快了，请稍等一分钟再继续。",
        "zh-Hant": "您傳送得太快了，請稍等一分鐘再繼續。",
        "en": "You are sending messages too quickly. Please wait a minute before sending more.",
    },
    "stale": {
        "zh-Hans": "这个按钮已失效，请重新输入您的问题。",
        "zh-Hant": "這個按鈕已失效，請重新輸入您的問題。",
        "en": "That button is no longer valid. Please type your question again.",
    },
    "command.start": {"zh-Hans": "开始 / 主菜单", "zh-Hant": "開始 / 主選單", "en": "Start / main menu"},
    "command.help": {"zh-Hans": "我能做什么", "zh-Hant": "我能做什麼", "en": "What I can do"},
    "command.language": {"zh-Hans": "切换语言", "zh-Hant": "切換語言", "en": "Change language"},
}
