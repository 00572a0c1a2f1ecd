"""What the console channel itself says while the database is away.

Namespace "console.": `bot.channels.console.messages.say("db.back", ...)` reads "console.db.back".
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "console"

TEXTS: Table = {
    "db.retrying": {
        "zh-Hans": "抱歉，系统暂时无法保存您的消息。您的消息没有丢失，{seconds}秒后自动重试（第{attempt}/{attempts}次）……",
        "zh-Hant": "抱歉，系統暫時無法保存您的訊息。您的訊息沒有遺失，{seconds}秒後自動重試（第{attempt}/{attempts}次）……",
        "en": "Sorry, we cannot save your message right now. It is not lost: trying again in {seconds} s ({attempt}/{attempts})...",
    },
    "db.back": {
        "zh-Hans": "系统已恢复，您的消息已保存。",
        "zh-Hant": "系統已恢復，您的訊息已保存。",
        "en": "We are back and your message is saved.",
    },
}
