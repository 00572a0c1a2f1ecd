"""The booking summary shown for confirmation, and what the customer is told once booked.

Namespace "booking.": `bot.engine.booking.messages.say("intro", ...)` reads "booking.intro".
Policy numbers quoted here come from the demo knowledge base (see `bot.i18n.texts`).
"""

from __future__ import annotations

from bot.i18n.entries import Table, plural

NAMESPACE = "booking"

TEXTS: Table = {
    "summary.brief": {
        "zh-Hans": "{model}：{fault}\n{service}：{centre}\n时间：{time}\n联系人：{name} {phone}",
        "zh-Hant": "{model}：{fault}\n{service}：{centre}\n時間：{time}\n聯絡人：{name} {phone}",
        "en": "{model}: {fault}\n{service}: {centre}\nTime: {time}\nContact: {name} {phone}",
    },
    "summary.product": {
        "zh-Hans": "产品：{model}（{type}）",
        "zh-Hant": "產品：{model}（{type}）",
        "en": "Product: {model} ({type})",
    },
    "summary.serial": {"zh-Hans": "序列号/IMEI：{value}", "zh-Hant": "序號/IMEI：{value}", "en": "Serial / IMEI: {value}"},
    "summary.serial_none": {
        "zh-Hans": "序列号/IMEI：未提供",
        "zh-Hant": "序號/IMEI：未提供",
        "en": "Serial / IMEI: not given",
    },
    "summary.fault": {"zh-Hans": "故障：{fault}", "zh-Hant": "故障：{fault}", "en": "Fault: {fault}"},
    "summary.photos": {
        "zh-Hans": "（附照片{count}张）",
        "zh-Hant": "（附照片{count}張）",
        "en": plural("count", one=" ({count} photo attached)", other=" ({count} photos attached)"),
    },
    "summary.purchase": {
        "zh-Hans": "购买日期：{purchase}，{warranty}",
        "zh-Hant": "購買日期：{purchase}，{warranty}",
        "en": "Bought: {purchase}, {warranty}",
    },
    "summary.purchase_unknown": {"zh-Hans": "不详", "zh-Hant": "不詳", "en": "unknown"},
    "summary.service": {"zh-Hans": "服务方式：{service}", "zh-Hant": "服務方式：{service}", "en": "Service: {service}"},
    "summary.centre": {"zh-Hans": "服务中心：{centre}", "zh-Hant": "服務中心：{centre}", "en": "Centre: {centre}"},
    "summary.address": {"zh-Hans": "地址：{address}", "zh-Hant": "地址：{address}", "en": "Address: {address}"},
    "summary.time": {"zh-Hans": "时间：{time}", "zh-Hant": "時間：{time}", "en": "Time: {time}"},
    "summary.loaner_yes": {"zh-Hans": "备用机：需要", "zh-Hant": "備用機：需要", "en": "Loaner: yes"},
    "summary.loaner_no": {"zh-Hans": "备用机：不需要", "zh-Hant": "備用機：不需要", "en": "Loaner: no"},
    "summary.contact": {
        "zh-Hans": "联系人：{name}，{phone}",
        "zh-Hant": "聯絡人：{name}，{phone}",
        "en": "Contact: {name}, {phone}",
    },
    # -- booked -------------------------------------------------------------------------------------
    "booked": {
        "zh-Hans": "预约成功！您的维修单号是 {ticket}，时间：{when}。",
        "zh-Hant": "預約成功！您的維修單號是 {ticket}，時間：{when}。",
        "en": "You're booked! Your repair number is {ticket}, for {when}.",
    },
    "next.store": {
        "zh-Hans": "请按时带上设备、发票和充电器到{centre}，预约用户优先接待。",
        "zh-Hant": "請準時攜帶裝置、發票和充電器到{centre}，預約用戶優先接待。",
        "en": "Please bring the device, the invoice and the charger to {centre}; customers with a booking are served first.",
    },
    "next.onsite": {
        "zh-Hans": "工程师会在约定时间上门：{address}。负责的服务中心：{centre}。",
        "zh-Hant": "工程師會在約定時段到府：{address}。負責的服務中心：{centre}。",
        "en": "The engineer will come to {address} at that time. Your service centre: {centre}.",
    },
    "next.courier": {
        "zh-Hans": "快递员会在约定时间到{address}上门取件，往返运费全免，没有包装盒也没关系。维修中心：{centre}。",
        "zh-Hant": "物流人員會在約定時段到{address}收件，來回運費全免，沒有包裝盒也沒關係。維修中心：{centre}。",
        "en": "A courier will collect the device from {address} at that time; shipping is free both ways and they bring packaging. Repair centre: {centre}.",
    },
    "next.loaner": {
        "zh-Hans": "备用机已为您登记，取用时请带身份证。",
        "zh-Hant": "備用機已為您登記，領取時請攜帶身分證。",
        "en": "A loaner is noted for you; bring your ID to collect it.",
    },
    "next.call_soon": {
        "zh-Hans": "工程师会在2小时内给您打电话确认。",
        "zh-Hant": "工程師會在2小時內致電與您確認。",
        "en": "An engineer will call you within 2 hours to confirm.",
    },
    "next.call_later": {
        "zh-Hans": "现在是非工作时间，工程师会在{day} 11:00前给您打电话确认（工作日9:00-18:00内2小时回电）。",
        "zh-Hant": "現在是非上班時間，工程師會在{day} 11:00前致電與您確認（工作日9:00-18:00內2小時回電）。",
        "en": "It is outside working hours now, so an engineer will call you before 11:00 on {day} to confirm (on working days, 9:00-18:00, within 2 hours).",
    },
    "next.manage": {
        "zh-Hans": "查询进度、改约或取消，随时发“维修进度”和单号 {ticket} 给我；改约和取消最晚在预约时间前2小时，免费。",
        "zh-Hant": "查詢進度、改約或取消，隨時傳「維修進度」和單號 {ticket} 給我；改約和取消最晚在預約時間前2小時，免費。",
        "en": 'To check, move or cancel it, send me "repair status" and {ticket} at any time; changes and cancellations are free up to 2 hours before.',
    },
}
