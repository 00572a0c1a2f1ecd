"""What a repair customer is told after booking: each status change, the reminders (bot/repairs/notices.py).

Namespace "notices.": `text("notices.status.ready.store", ...)`. Every notice names the repair
ticket and says what comes next; staff notes are never part of them (they may be internal).
Placeholders: {ticket}, {model}, {centre} (name), {address}, {hours} (opening hours in one line),
{when} (a day and a time range), {menu} (the menu item), {date}, {tracking}, {days}, {bring} (a list).
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "notices"

TEXTS: Table = {
    # -- status changes -------------------------------------------------------------------------
    "status.received": {
        "zh-Hans": "维修单 {ticket}：我们已收到您的 {model}。",
        "zh-Hant": "維修單 {ticket}：我們已收到您的 {model}。",
        "en": "Repair {ticket}: we have received your {model}.",
    },
    "loaner.out": {
        "zh-Hans": "备用机已交给您，取回设备时请一并归还。",
        "zh-Hant": "備用機已交給您，取回設備時請一併歸還。",
        "en": "You have a loaner device: please bring it back when you collect yours.",
    },
    "next.received": {
        "zh-Hans": "接下来：工程师会检测故障，有结果后我们会通知您。",
        "zh-Hant": "接下來：工程師會檢測故障，有結果後我們會通知您。",
        "en": "Next: an engineer will check the fault; we will tell you what they find.",
    },
    "status.diagnosing": {
        "zh-Hans": "维修单 {ticket}：工程师正在检测您的 {model}。",
        "zh-Hant": "維修單 {ticket}：工程師正在檢測您的 {model}。",
        "en": "Repair {ticket}: an engineer is checking your {model}.",
    },
    "next.diagnosing": {
        "zh-Hans": "接下来：确定维修方案后就开始维修，我们会再通知您。",
        "zh-Hant": "接下來：確定維修方案後就開始維修，我們會再通知您。",
        "en": "Next: once the fix is decided the repair starts, and we will let you know.",
    },
    "next.quote": {
        "zh-Hans": "如需付费维修，我们会先报价，经您同意才会维修。",
        "zh-Hant": "如需付費維修，我們會先報價，經您同意才會維修。",
        "en": "If the repair is paid, we will quote first and only go ahead with your consent.",
    },
    "status.waiting_parts": {
        "zh-Hans": "维修单 {ticket}：您的 {model} 需要更换配件，配件已订购。",
        "zh-Hant": "維修單 {ticket}：您的 {model} 需要更換零件，零件已訂購。",
        "en": "Repair {ticket}: your {model} needs a part, which has been ordered.",
    },
    "next.waiting_parts": {
        "zh-Hans": "接下来：配件到货后立即维修，我们会再通知您。",
        "zh-Hant": "接下來：零件到貨後立即維修，我們會再通知您。",
        "en": "Next: the repair goes ahead as soon as the part arrives; we will tell you.",
    },
    "status.repairing": {
        "zh-Hans": "维修单 {ticket}：工程师正在维修您的 {model}。",
        "zh-Hant": "維修單 {ticket}：工程師正在維修您的 {model}。",
        "en": "Repair {ticket}: an engineer is repairing your {model}.",
    },
    "next.repairing": {
        "zh-Hans": "接下来：修好后我们会马上通知您。",
        "zh-Hant": "接下來：修好後我們會馬上通知您。",
        "en": "Next: we will tell you as soon as it is fixed.",
    },
    "status.ready.store": {
        "zh-Hans": "维修单 {ticket}：您的 {model} 已修好，可以取机了。\n取机地点：{centre}，{address}\n营业时间：{hours}",
        "zh-Hant": "維修單 {ticket}：您的 {model} 已修好，可以取機了。\n取機地點：{centre}，{address}\n營業時間：{hours}",
        "en": "Repair {ticket}: your {model} is fixed and ready to collect.\nWhere: {centre}, {address}\nOpening hours: {hours}",
    },
    "bring": {
        "zh-Hans": "请携带：{bring}。",
        "zh-Hant": "請攜帶：{bring}。",
        "en": "Please bring: {bring}.",
    },
    "bring.ticket": {"zh-Hans": "维修单号 {ticket}", "zh-Hant": "維修單號 {ticket}", "en": "the repair number {ticket}"},
    "bring.id": {"zh-Hans": "身份证件", "zh-Hant": "身分證件", "en": "your ID"},
    "bring.loaner": {"zh-Hans": "备用机", "zh-Hant": "備用機", "en": "the loaner device"},
    "bring.device": {"zh-Hans": "需要维修的设备", "zh-Hant": "需要維修的設備", "en": "the device"},
    "bring.receipt": {"zh-Hans": "购机凭证（保修需要）", "zh-Hant": "購機憑證（保固需要）", "en": "the proof of purchase (for the warranty)"},
    "list.separator": {"zh-Hans": "、", "zh-Hant": "、", "en": ", "},
    "status.ready.onsite": {
        "zh-Hans": "维修单 {ticket}：您的 {model} 已修好。工程师会把它送回给您，上门前会先联系您约定时间。",
        "zh-Hant": "維修單 {ticket}：您的 {model} 已修好。工程師會把它送回給您，到府前會先聯絡您約定時間。",
        "en": "Repair {ticket}: your {model} is fixed. The engineer will bring it back to you and will call first to agree a time.",
    },
    "status.ready.courier": {
        "zh-Hans": "维修单 {ticket}：您的 {model} 已修好，将通过快递免费寄回给您，寄出后我们会发送快递单号。",
        "zh-Hant": "維修單 {ticket}：您的 {model} 已修好，將以快遞免費寄回給您，寄出後我們會傳送快遞單號。",
        "en": "Repair {ticket}: your {model} is fixed and will be shipped back to you free of charge; we will send the tracking number once it is on its way.",
    },
    "loaner.return": {
        "zh-Hans": "请记得归还备用机。",
        "zh-Hant": "請記得歸還備用機。",
        "en": "Please remember to return the loaner device.",
    },
    "status.shipped": {
        "zh-Hans": "维修单 {ticket}：您的 {model} 已寄出，快递单号：{tracking}。",
        "zh-Hant": "維修單 {ticket}：您的 {model} 已寄出，快遞單號：{tracking}。",
        "en": "Repair {ticket}: your {model} has been shipped. Tracking number: {tracking}.",
    },
    "next.shipped": {
        "zh-Hans": "收到后如有问题，请把单号发给我们。",
        "zh-Hant": "收到後如有問題，請把單號傳給我們。",
        "en": "If anything is wrong when it arrives, send us the repair number.",
    },
    "status.closed": {
        "zh-Hans": "维修单 {ticket} 已完成。感谢您的信任！",
        "zh-Hant": "維修單 {ticket} 已完成。感謝您的信任！",
        "en": "Repair {ticket} is complete. Thank you for trusting us!",
    },
    "status.cancelled": {
        "zh-Hans": "维修单 {ticket}（{model}）已被服务中心取消。如有疑问请直接回复，如仍需维修可重新预约。",
        "zh-Hant": "維修單 {ticket}（{model}）已被服務據點取消。如有疑問請直接回覆，如仍需維修可重新預約。",
        "en": "Repair {ticket} ({model}) has been cancelled by the service centre. Reply here with any question, or book again if you still need the repair.",
    },
    "status.no_show": {
        "zh-Hans": "维修单 {ticket}：我们没有在预约时间 {when} 见到您，这次预约已关闭。如仍需维修，请重新预约。",
        "zh-Hant": "維修單 {ticket}：我們沒有在預約時間 {when} 見到您，這次預約已關閉。如仍需維修，請重新預約。",
        "en": "Repair {ticket}: we did not see you at your appointment ({when}), so it has been closed. If you still need the repair, please book again.",
    },
    "status.other": {
        "zh-Hans": "维修单 {ticket}：状态已更新为“{status}”。",
        "zh-Hant": "維修單 {ticket}：狀態已更新為「{status}」。",
        "en": "Repair {ticket}: its status is now “{status}”.",
    },
    "moved": {
        "zh-Hans": "维修单 {ticket}：服务中心已将您的预约改到 {when}。",
        "zh-Hant": "維修單 {ticket}：服務據點已將您的預約改到 {when}。",
        "en": "Repair {ticket}: the service centre has moved your appointment. New time: {when}.",
    },
    "change": {
        "zh-Hans": "如需改约或取消，请把单号 {ticket} 发给我们，或在菜单中选择“{menu}”。",
        "zh-Hant": "如需改約或取消，請把單號 {ticket} 傳給我們，或在選單中選擇「{menu}」。",
        "en": "To move or cancel it, send us the repair number {ticket}, or choose “{menu}” in the menu.",
    },
    # -- reminders ------------------------------------------------------------------------------
    "remind.appointment.store": {
        "zh-Hans": "提醒：您的维修预约（单号 {ticket}）在 {when}，地点：{centre}，{address}。",
        "zh-Hant": "提醒：您的維修預約（單號 {ticket}）在 {when}，地點：{centre}，{address}。",
        "en": "Reminder of your repair appointment ({ticket}): {when}, {centre}, {address}.",
    },
    "remind.appointment.onsite": {
        "zh-Hans": "提醒：工程师将于 {when} 上门到 {address} 维修您的 {model}（单号 {ticket}），请确保届时有人在。",
        "zh-Hant": "提醒：工程師將於 {when} 到府 {address} 維修您的 {model}（單號 {ticket}），請確保屆時有人在。",
        "en": "Reminder ({ticket}): the engineer comes to {address} to repair your {model}: {when}. Please make sure someone is in.",
    },
    "remind.appointment.courier": {
        "zh-Hans": "提醒：快递员将于 {when} 到 {address} 上门取件（{model}，单号 {ticket}）。请提前备份数据并准备好设备。",
        "zh-Hant": "提醒：快遞員將於 {when} 到 {address} 取件（{model}，單號 {ticket}）。請提前備份資料並準備好設備。",
        "en": "Reminder ({ticket}): the courier picks up your {model} at {address}: {when}. Please back up your data and have the device ready.",
    },
    "remind.uncollected": {
        "zh-Hans": "提醒：您的 {model}（单号 {ticket}）已修好 {days} 天，正在 {centre} 等您取回。\n地址：{address}\n营业时间：{hours}",
        "zh-Hant": "提醒：您的 {model}（單號 {ticket}）已修好 {days} 天，正在 {centre} 等您取回。\n地址：{address}\n營業時間：{hours}",
        "en": "Reminder: your {model} ({ticket}) has been fixed for {days} days and is waiting for you at {centre}.\nAddress: {address}\nOpening hours: {hours}",
    },
    "remind.uncollected.help": {
        "zh-Hans": "如不方便取机，请直接回复，我们可以安排其他方式。",
        "zh-Hant": "如不方便取機，請直接回覆，我們可以安排其他方式。",
        "en": "If you cannot come, reply here and we will find another way.",
    },
    "remind.loaner": {
        "zh-Hans": "提醒：维修单 {ticket} 的备用机还没有归还，请尽快送回 {centre}（{address}，营业时间 {hours}）。",
        "zh-Hant": "提醒：維修單 {ticket} 的備用機還沒有歸還，請儘快送回 {centre}（{address}，營業時間 {hours}）。",
        "en": "Reminder: the loaner device of repair {ticket} has not been returned yet. Please bring it back to {centre} ({address}, open {hours}).",
    },
    "remind.warranty": {
        "zh-Hans": "提醒：您的 {model} 保修将于 {date} 到期。到期前如有故障，可免费保修维修，回复“预约维修”即可预约。",
        "zh-Hant": "提醒：您的 {model} 保固將於 {date} 到期。到期前如有故障，可免費保固維修，回覆「預約維修」即可預約。",
        "en": "Reminder: the warranty of your {model} ends on {date}. Anything wrong with it before then is repaired free: reply “book a repair” to book.",
    },
    "remind.stop": {"zh-Hans": "不再提醒", "zh-Hant": "不再提醒", "en": "Stop these reminders"},
}
