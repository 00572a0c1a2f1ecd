"""What the SMS channel itself says (keywords, long replies, limits).

Written for SMS: short, plain text, no Markdown. The Chinese lines take UCS-2 anyway (70 characters a
part); the English ones stay in GSM-7 (160), so no curly quotes or other typographic characters there.
How many parts each line may take is in `bot.channels.sms.messages.MAX_SEGMENTS` (a test checks it).
Namespace "sms.": `bot.channels.sms.messages.say("help", ...)` reads "sms.help".
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "sms"

TEXTS: Table = {
    "opt_out": {
        "zh-Hans": "{brand}：您已退订短信通知，我们不会再给您发短信。回复“订阅”或START可重新订阅。",
        "zh-Hant": "{brand}：您已取消訂閱簡訊通知，我們不會再傳簡訊給您。回覆「訂閱」或START可重新訂閱。",
        "en": "{brand}: you are unsubscribed and will get no more messages from us. Reply START to subscribe again.",
    },
    "opt_in": {
        "zh-Hans": "{brand}：您已重新订阅短信客服。直接发送问题即可，回复“帮助”查看用法，回复“退订”停止。",
        "zh-Hant": "{brand}：您已重新訂閱簡訊客服。直接傳送問題即可，回覆「幫助」查看用法，回覆「退訂」停止。",
        "en": "{brand}: you are subscribed again. Text us your question. Reply HELP for help, STOP to unsubscribe.",
    },
    "help": {
        "zh-Hans": (
            "{brand}短信客服：直接发问题即可。报修请发“报修 型号 故障 城市 时间”，"
            "如“报修 X20 Pro 屏幕碎了 北京 明天上午”。查进度发“进度”，转人工发“人工”，退订回复“退订”。"
        ),
        "zh-Hant": (
            "{brand}簡訊客服：直接傳問題即可。報修請傳「報修 型號 故障 城市 時間」，"
            "如「報修 X20 Pro 螢幕破了 台北 明天上午」。查進度傳「進度」，轉真人傳「人工」，退訂回覆「退訂」。"
        ),
        "en": (
            "{brand} SMS support: text your question. To book a repair: REPAIR model fault city time, "
            "e.g. REPAIR X20 Pro cracked screen Beijing tomorrow. STATUS for your repair, HUMAN for a person, "
            "STOP to unsubscribe."
        ),
    },
    "more.suffix": {
        "zh-Hans": "（回复“更多”看余下内容）",
        "zh-Hant": "（回覆「更多」看其餘內容）",
        "en": "(reply MORE for the rest)",
    },
    "options.unsent": {
        "zh-Hans": "选项{number}还没有发给您，所以没有为您选择。下面是余下的内容：",
        "zh-Hant": "選項{number}還沒有傳給您，所以沒有為您選擇。以下是其餘內容：",
        "en": "Option {number} had not reached you yet, so nothing was chosen. Here is the rest:",
    },
    "more.none": {
        "zh-Hans": "没有更多内容了。请直接发送您的问题。",
        "zh-Hant": "沒有更多內容了。請直接傳送您的問題。",
        "en": "There is nothing more to send. Just text your question.",
    },
    "rate_limited": {
        "zh-Hans": "{brand}：您短时间内发送的短信较多，已全部保存，客服会查看。请稍后再发。",
        "zh-Hant": "{brand}：您短時間內傳送的簡訊較多，已全部保存，客服會查看。請稍後再傳。",
        "en": "{brand}: you have sent many messages in a short time. We have kept them all and a person will look. Please try again later.",
    },
    "error": {
        "zh-Hans": "抱歉，系统出了点问题。您的短信已保存并转给人工客服，会尽快回复您。",
        "zh-Hant": "抱歉，系統出了點問題。您的簡訊已保存並轉給真人客服，會盡快回覆您。",
        "en": "Sorry, something went wrong on our side. Your message is saved and a person will reply soon.",
    },
}
