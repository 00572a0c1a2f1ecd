"""Booking lines about days, time slots, opening hours and centres as shown in lists.

Namespace "booking.": `bot.engine.booking.messages.say("intro", ...)` reads "booking.intro".
Policy numbers quoted here come from the demo knowledge base (see `bot.i18n.texts`).
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "booking"

TEXTS: Table = {
    "no_slot": {
        "zh-Hans": "抱歉，{centre}未来7天已经约满了。我已为您转接人工客服帮您安排，也可以拨打服务中心电话 {phone}。",
        "zh-Hant": "抱歉，{centre}未來7天已經約滿了。我已為您轉接真人客服協助安排，也可以撥打服務中心電話 {phone}。",
        "en": "Sorry, {centre} is fully booked for the next 7 days. I have passed you to a person who can arrange something, or you can call the centre on {phone}.",
    },
    "slot_taken": {
        "zh-Hans": "抱歉，这个时间刚刚被约满了，请重新选择。",
        "zh-Hant": "抱歉，這個時段剛剛被約滿了，請重新選擇。",
        "en": "Sorry, that time has just been taken. Please choose again.",
    },
    "slot_gone": {
        "zh-Hans": "这个时间已经过去或不再开放，请重新选择。",
        "zh-Hant": "這個時段已經過去或不再開放，請重新選擇。",
        "en": "That time has passed or is no longer open. Please choose again.",
    },
    "day.today": {"zh-Hans": "今天 {day}", "zh-Hant": "今天 {day}", "en": "Today, {day}"},
    "day.tomorrow": {"zh-Hans": "明天 {day}", "zh-Hant": "明天 {day}", "en": "Tomorrow, {day}"},
    "range": {"zh-Hans": "{first}至{last}之间", "zh-Hant": "{first}至{last}之間", "en": "between {first} and {last}"},
    "list.separator": {"zh-Hans": "、", "zh-Hant": "、", "en": ", "},
    "hours.daily": {"zh-Hans": "每天", "zh-Hant": "每天", "en": "daily"},
    "hours.closed": {"zh-Hans": "休息", "zh-Hant": "公休", "en": "closed"},
    "hours.separator": {"zh-Hans": "；", "zh-Hant": "；", "en": "; "},
    "hours.holidays": {
        "zh-Hans": "，法定节假日 {hours}",
        "zh-Hant": "，國定假日 {hours}",
        "en": ", public holidays {hours}",
    },
    "centre.line": {
        "zh-Hans": "{name}（{address}，电话 {phone}）",
        "zh-Hant": "{name}（{address}，電話 {phone}）",
        "en": "{name} ({address}, phone {phone})",
    },
}
