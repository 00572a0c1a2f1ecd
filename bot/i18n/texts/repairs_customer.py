"""The customer's side of a repair after the booking: where it is and what comes next, the call-back
promise, the 1-5 survey after closing, and switching reminders off and on.

Namespace "customer.": `text("customer.status.ready", language)`. The notices sent when staff change
a ticket are bot/repairs/notices.py's own lines; these are what the customer reads when they ask.
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "customer"

TEXTS: Table = {
    # -- the ten statuses, in words ------------------------------------------------------------------
    "status.booked": {"zh-Hans": "已预约", "zh-Hant": "已預約", "en": "booked"},
    "status.received": {"zh-Hans": "已收到设备", "zh-Hant": "已收到裝置", "en": "device received"},
    "status.diagnosing": {"zh-Hans": "检测中", "zh-Hant": "檢測中", "en": "being diagnosed"},
    "status.waiting_parts": {"zh-Hans": "等待配件", "zh-Hant": "等待零件", "en": "waiting for parts"},
    "status.repairing": {"zh-Hans": "维修中", "zh-Hant": "維修中", "en": "being repaired"},
    "status.ready": {"zh-Hans": "已修好，待取机", "zh-Hant": "已修好，待取機", "en": "ready to collect"},
    "status.shipped": {"zh-Hans": "已寄回", "zh-Hant": "已寄回", "en": "shipped back to you"},
    "status.closed": {"zh-Hans": "已完成", "zh-Hant": "已完成", "en": "completed"},
    "status.cancelled": {"zh-Hans": "已取消", "zh-Hant": "已取消", "en": "cancelled"},
    "status.no_show": {"zh-Hans": "未到店（已过期）", "zh-Hant": "未到店（已過期）", "en": "missed appointment"},
    "status.since": {"zh-Hans": "{status}（{at}起）", "zh-Hant": "{status}（{at}起）", "en": "{status} (since {at})"},
    # -- times, short ----------------------------------------------------------------------------------
    "at.today": {"zh-Hans": "今天 {time}", "zh-Hant": "今天 {time}", "en": "today {time}"},
    "at.tomorrow": {"zh-Hans": "明天 {time}", "zh-Hant": "明天 {time}", "en": "tomorrow {time}"},
    "at.day": {"zh-Hans": "{month}月{day}日 {time}", "zh-Hant": "{month}月{day}日 {time}", "en": "{day} {month} {time}"},
    # -- the timeline ----------------------------------------------------------------------------------
    "timeline": {"zh-Hans": "进度：", "zh-Hant": "進度：", "en": "Progress:"},
    "timeline.moved": {"zh-Hans": "预约改到 {at}", "zh-Hant": "預約改到 {at}", "en": "appointment moved to {at}"},
    # -- what comes next, by status ----------------------------------------------------------------------
    "next": {"zh-Hans": "接下来：{what}", "zh-Hant": "接下來：{what}", "en": "Next: {what}"},
    "next.booked.store": {
        "zh-Hans": "请按时带上设备、发票和充电器到服务中心。",
        "zh-Hant": "請準時攜帶裝置、發票和充電器到服務中心。",
        "en": "please bring the device, the invoice and the charger to the centre at that time.",
    },
    "next.booked.onsite": {
        "zh-Hans": "工程师会在约定时间上门，请准备好设备和发票。",
        "zh-Hant": "工程師會在約定時段到府，請準備好裝置和發票。",
        "en": "the engineer comes to you at that time; please have the device and the invoice ready.",
    },
    "next.booked.courier": {
        "zh-Hans": "快递员会在约定时间上门取件，没有包装盒也没关系。",
        "zh-Hant": "物流人員會在約定時段到府收件，沒有包裝盒也沒關係。",
        "en": "the courier collects the device at that time and brings packaging.",
    },
    "next.received": {
        "zh-Hans": "工程师会先检测设备，需要付费或更换配件时会先告诉您；维修一般在收到设备后{days}天内完成。",
        "zh-Hant": "工程師會先檢測裝置，需要付費或更換零件時會先告訴您；維修一般在收到裝置後{days}天內完成。",
        "en": "an engineer diagnoses the device first and tells you before any cost or part; repairs are normally done within {days} days of receiving the device.",
    },
    "next.diagnosing": {
        "zh-Hans": "检测完成后会告诉您结果；需要付费或更换配件时会先征得您同意。",
        "zh-Hant": "檢測完成後會告訴您結果；需要付費或更換零件時會先徵得您同意。",
        "en": "we tell you what the diagnosis finds; any cost or part is agreed with you first.",
    },
    "next.waiting_parts": {
        "zh-Hans": "配件已订购，到货后开始维修，到货时会通知您。",
        "zh-Hant": "零件已訂購，到貨後開始維修，到貨時會通知您。",
        "en": "the parts are ordered; we tell you when they arrive and the repair starts.",
    },
    "next.repairing": {
        "zh-Hans": "工程师正在维修，修好后会第一时间通知您。",
        "zh-Hant": "工程師正在維修，修好後會第一時間通知您。",
        "en": "the engineer is repairing it; we tell you as soon as it is ready.",
    },
    "next.ready.store": {
        "zh-Hans": "请到{centre}取机（{address}，营业时间：{hours}），带上身份证和单号 {ticket}。",
        "zh-Hant": "請到{centre}取機（{address}，營業時間：{hours}），攜帶身分證和單號 {ticket}。",
        "en": "collect it at {centre} ({address}; open {hours}); bring your ID and the repair number {ticket}.",
    },
    "next.ready.send": {
        "zh-Hans": "设备会尽快寄回或送回给您，寄出后会告诉您运单号。",
        "zh-Hant": "裝置會盡快寄回或送回給您，寄出後會告訴您運單號碼。",
        "en": "the device is on its way back to you soon; we send you the tracking number when it leaves.",
    },
    "next.shipped": {
        "zh-Hans": "设备已寄出，快递单号 {tracking}，请留意签收。",
        "zh-Hant": "裝置已寄出，物流單號 {tracking}，請留意簽收。",
        "en": "the device is on its way back to you: tracking number {tracking}.",
    },
    "next.shipped.untracked": {
        "zh-Hans": "设备已寄出，请留意签收。",
        "zh-Hant": "裝置已寄出，請留意簽收。",
        "en": "the device is on its way back to you.",
    },
    "next.closed": {
        "zh-Hans": "维修已完成，感谢您的信任！",
        "zh-Hant": "維修已完成，感謝您的信任！",
        "en": "the repair is finished. Thank you for trusting us!",
    },
    "next.closed.rated": {
        "zh-Hans": "维修已完成，您的评分：{score}/5，谢谢！",
        "zh-Hant": "維修已完成，您的評分：{score}/5，謝謝！",
        "en": "the repair is finished; you rated it {score}/5. Thank you!",
    },
    "next.rebook": {
        "zh-Hans": "需要维修时发“我要报修”即可重新预约。",
        "zh-Hant": "需要維修時傳「我要報修」即可重新預約。",
        "en": 'send "book a repair" whenever you want to book again.',
    },
    "callback.pending": {
        "zh-Hans": "工程师会在{at}前给您打电话。",
        "zh-Hant": "工程師會在{at}前致電給您。",
        "en": "An engineer will call you by {at}.",
    },
    # -- the booking confirmation ----------------------------------------------------------------------
    "booked.call_within": {
        "zh-Hans": "工程师会在{hours}小时内（{at}前）给您打电话确认。",
        "zh-Hant": "工程師會在{hours}小時內（{at}前）致電與您確認。",
        "en": "An engineer will call you within {hours} hours (by {at}) to confirm.",
    },
    "booked.call_by": {
        "zh-Hans": "现在是非工作时间，工程师会在{at}前给您打电话确认。",
        "zh-Hant": "現在是非上班時間，工程師會在{at}前致電與您確認。",
        "en": "It is outside working hours now, so an engineer will call you by {at} to confirm.",
    },
    "booked.steps": {
        "zh-Hans": "维修的每一步进展都会在这里通知您。",
        "zh-Hant": "維修的每一步進展都會在這裡通知您。",
        "en": "We will tell you here at every step of the repair.",
    },
    # -- the customer cannot change it any more ---------------------------------------------------------
    "locked": {
        "zh-Hans": "这个维修单已是“{status}”，不能再在线改约或取消。如需帮助请致电服务中心 {phone}，或发“人工”联系客服。",
        "zh-Hant": "這個維修單已是「{status}」，無法再線上改約或取消。如需協助請致電服務中心 {phone}，或傳「真人」聯絡客服。",
        "en": 'This repair is already "{status}", so it can no longer be moved or cancelled online. For help, call the centre on {phone} or send "agent" to talk to a person.',
    },
    # -- the survey after closing ------------------------------------------------------------------------
    "survey.ask": {
        "zh-Hans": "您的维修单 {ticket}（{model}）已完成。您对这次维修满意吗？请打分：1（很不满意）到 5（非常满意）。",
        "zh-Hant": "您的維修單 {ticket}（{model}）已完成。您對這次維修滿意嗎？請評分：1（很不滿意）到 5（非常滿意）。",
        "en": "How satisfied are you with the repair of your {model} (repair {ticket})? Score it from 1 (very unhappy) to 5 (very happy).",
    },
    "survey.skip": {"zh-Hans": "跳过", "zh-Hant": "略過", "en": "Skip"},
    "survey.thanks": {
        "zh-Hans": "谢谢您的评分（{score}/5）！",
        "zh-Hant": "謝謝您的評分（{score}/5）！",
        "en": "Thank you for your score ({score}/5)!",
    },
    "survey.sorry": {
        "zh-Hans": "很抱歉这次维修没让您满意（{score}/5）。我已请客服人员跟进，会尽快联系您。",
        "zh-Hant": "很抱歉這次維修沒讓您滿意（{score}/5）。我已請客服人員跟進，會盡快聯絡您。",
        "en": "We are sorry the repair did not satisfy you ({score}/5). I have asked a person to follow it up; they will contact you soon.",
    },
    "survey.skipped": {"zh-Hans": "好的，谢谢！", "zh-Hant": "好的，謝謝！", "en": "OK, thank you!"},
    "survey.done": {
        "zh-Hans": "这次维修已经评过分了，谢谢！",
        "zh-Hant": "這次維修已經評過分了，謝謝！",
        "en": "This repair has already been scored. Thank you!",
    },
    # -- reminders the customer did not ask for (warranty expiry) ----------------------------------------
    "reminders.off": {
        "zh-Hans": "好的，以后不再发送保修到期等提醒。维修进度通知不受影响。想恢复时发“恢复提醒”。",
        "zh-Hant": "好的，以後不再傳送保固到期等提醒。維修進度通知不受影響。想恢復時傳「恢復提醒」。",
        "en": 'OK, no more reminders such as warranty expiry. Updates on your repairs still come. Send "start reminders" to get them again.',
    },
    "reminders.on": {
        "zh-Hans": "好的，已恢复提醒（例如保修到期前的提醒）。",
        "zh-Hant": "好的，已恢復提醒（例如保固到期前的提醒）。",
        "en": "OK, reminders (such as warranty expiry) are on again.",
    },
}
