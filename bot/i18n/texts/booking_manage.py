"""Booking lines for an existing booking: looking it up, its status, moving and cancelling it.

Namespace "booking.": `bot.engine.booking.messages.say("intro", ...)` reads "booking.intro".
Policy numbers quoted here come from the demo knowledge base (see `bot.i18n.texts`).
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "booking"

TEXTS: Table = {
    "manage.none": {
        "zh-Hans": "在这里没有找到您的预约。如果有维修单号（例如 R7K-4Q2），请直接发给我。",
        "zh-Hant": "在這裡沒有找到您的預約。如果有維修單號（例如 R7K-4Q2），請直接傳給我。",
        "en": "I can't find any bookings of yours here. If you have a repair number (like R7K-4Q2), send it to me.",
    },
    "manage.pick": {
        "zh-Hans": "您的预约如下，请选择要查看的单号，或直接输入单号：",
        "zh-Hant": "您的預約如下，請選擇要查看的單號，或直接輸入單號：",
        "en": "Here are your bookings. Pick one, or type its repair number:",
    },
    "manage.not_found": {
        "zh-Hans": "没有找到您名下单号为 {ticket} 的预约，请核对单号（单号只能在预约时使用的账号上查询）。",
        "zh-Hant": "沒有找到您名下單號為 {ticket} 的預約，請核對單號（單號只能在預約時使用的帳號上查詢）。",
        "en": "I can't find a booking {ticket} of yours. Please check the number (a booking can only be looked up from the account it was made with).",
    },
    "manage.ask_ticket": {
        "zh-Hans": "请输入维修单号，例如 R7K-4Q2。",
        "zh-Hant": "請輸入維修單號，例如 R7K-4Q2。",
        "en": "Please type the repair number, for example R7K-4Q2.",
    },
    "manage.detail": {
        "zh-Hans": "单号 {ticket}：{status}\n{model}，{service}\n{centre}，{when}",
        "zh-Hant": "單號 {ticket}：{status}\n{model}，{service}\n{centre}，{when}",
        "en": "Repair {ticket}: {status}\n{model}, {service}\n{centre}, {when}",
    },
    "manage.what": {
        "zh-Hans": "需要改约或取消吗？",
        "zh-Hant": "需要改約或取消嗎？",
        "en": "Would you like to move or cancel it?",
    },
    "manage.bad_action": {
        "zh-Hans": "请选择“改约时间”“取消预约”或“没有了”。",
        "zh-Hant": "請選擇「更改時間」「取消預約」或「沒有了」。",
        "en": 'Please choose "Move", "Cancel" or "That\'s all".',
    },
    "manage.too_late": {
        "zh-Hans": "距离预约时间已不足2小时，无法在线改约或取消，请致电服务中心 {phone}。",
        "zh-Hant": "距離預約時間已不足2小時，無法線上改約或取消，請致電服務中心 {phone}。",
        "en": "The appointment is less than 2 hours away, so it can no longer be changed online; please call the centre on {phone}.",
    },
    "manage.cannot_change": {
        "zh-Hans": "这个预约现在不能在线修改（已取消、已过时间，或距离预约不足2小时）。",
        "zh-Hant": "這個預約現在無法線上修改（已取消、已過時間，或距離預約不足2小時）。",
        "en": "This booking can't be changed online now (it is cancelled, past, or less than 2 hours away).",
    },
    "manage.move_intro": {
        "zh-Hans": "为单号 {ticket} 选择新的时间。",
        "zh-Hant": "為單號 {ticket} 選擇新的時段。",
        "en": "Choose a new time for {ticket}.",
    },
    "manage.moved": {
        "zh-Hans": "已改约：单号 {ticket} 改到 {when}，{centre}。改约免费，工程师会按新时间联系您。",
        "zh-Hant": "已改約：單號 {ticket} 改到 {when}，{centre}。改約免費，工程師會依新時段聯絡您。",
        "en": "Done: {ticket} is moved to {when} at {centre}. There is no charge, and the engineer will contact you for the new time.",
    },
    "manage.cancel_confirm": {
        "zh-Hans": "确定要取消预约 {ticket} 吗？取消免费。",
        "zh-Hant": "確定要取消預約 {ticket} 嗎？取消免費。",
        "en": "Cancel booking {ticket}? There is no charge.",
    },
    "manage.cancelled": {
        "zh-Hans": "预约 {ticket} 已取消，不收取任何费用。需要时随时可以重新预约。",
        "zh-Hant": "預約 {ticket} 已取消，不收取任何費用。需要時隨時可以重新預約。",
        "en": "Booking {ticket} is cancelled, free of charge. You can book again at any time.",
    },
    "manage.kept": {
        "zh-Hans": "好的，预约保留不变。",
        "zh-Hant": "好的，預約保留不變。",
        "en": "OK, your booking stays as it is.",
    },
    "manage.bye": {
        "zh-Hans": "好的，还有其他问题随时问我。",
        "zh-Hant": "好的，還有其他問題隨時問我。",
        "en": "OK. Ask me anything else at any time.",
    },
    "manage.centre_gone": {
        "zh-Hans": "预约 {ticket} 的服务中心已不再提供在线改约，我已为您转接人工客服处理。",
        "zh-Hant": "預約 {ticket} 的服務中心已不再提供線上改約，我已為您轉接真人客服處理。",
        "en": "The centre of booking {ticket} no longer takes online changes, so I have passed you to a person who will handle it.",
    },
    "status.booked": {"zh-Hans": "已预约", "zh-Hant": "已預約", "en": "booked"},
    "status.cancelled": {"zh-Hans": "已取消", "zh-Hant": "已取消", "en": "cancelled"},
    "status.done": {"zh-Hans": "已完成", "zh-Hant": "已完成", "en": "completed"},
    "status.past": {
        "zh-Hans": "预约时间已过，维修进度会短信通知您",
        "zh-Hant": "預約時間已過，維修進度會以簡訊通知您",
        "en": "appointment time passed; we text you at every repair step",
    },
}
