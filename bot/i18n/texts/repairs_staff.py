"""What staff read about repair tickets: status names, the ticket view and answers of `/ticket` in the
agents' chat (AGENTS_LANGUAGE).

Namespace "repairs_staff.": `text("repairs_staff.status.ready", "en")` is "Ready for collection".
The status names are shared: anyone naming a status to people reads "repairs_staff.status.<status>".
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "repairs_staff"

TEXTS: Table = {
    "status.booked": {"zh-Hans": "已预约", "zh-Hant": "已預約", "en": "Booked"},
    "status.received": {"zh-Hans": "已收机", "zh-Hant": "已收機", "en": "Received"},
    "status.diagnosing": {"zh-Hans": "检测中", "zh-Hant": "檢測中", "en": "Diagnosing"},
    "status.waiting_parts": {"zh-Hans": "等待配件", "zh-Hant": "等待零件", "en": "Waiting for parts"},
    "status.repairing": {"zh-Hans": "维修中", "zh-Hant": "維修中", "en": "Repairing"},
    "status.ready": {"zh-Hans": "待取机", "zh-Hant": "待取機", "en": "Ready for collection"},
    "status.shipped": {"zh-Hans": "已寄回", "zh-Hant": "已寄回", "en": "Shipped back"},
    "status.closed": {"zh-Hans": "已完成", "zh-Hant": "已完成", "en": "Closed"},
    "status.cancelled": {"zh-Hans": "已取消", "zh-Hant": "已取消", "en": "Cancelled"},
    "status.no_show": {"zh-Hans": "未到店", "zh-Hant": "未到店", "en": "No-show"},
    # Timeline events other than a status change.
    "event.moved": {"zh-Hans": "改约", "zh-Hant": "改約", "en": "appointment moved"},
    "event.called": {"zh-Hans": "工程师已回电", "zh-Hant": "工程師已回電", "en": "engineer called"},
    "event.loaner_out": {"zh-Hans": "备用机已借出", "zh-Hant": "備用機已借出", "en": "loaner handed out"},
    "event.loaner_returned": {"zh-Hans": "备用机已归还", "zh-Hant": "備用機已歸還", "en": "loaner returned"},
    "event.note": {"zh-Hans": "备注", "zh-Hant": "備註", "en": "note"},
    "event.reminded": {"zh-Hans": "已提醒客户", "zh-Hant": "已提醒客戶", "en": "customer reminded"},
    "event.escalated": {"zh-Hans": "已升级处理", "zh-Hant": "已升級處理", "en": "escalated"},
    "event.survey": {"zh-Hans": "满意度评分", "zh-Hant": "滿意度評分", "en": "survey answered"},
    "ticket.title": {"zh-Hans": "🔧 维修单 {number} · {status}", "zh-Hant": "🔧 維修單 {number} · {status}", "en": "🔧 Ticket {number} · {status}"},
    "ticket.vip": {"zh-Hans": "⭐ VIP 客户", "zh-Hant": "⭐ VIP 客戶", "en": "⭐ VIP customer"},
    "ticket.customer": {
        "zh-Hans": "客户：{name} · {phone}（{channel} {customer_id}）",
        "zh-Hant": "客戶：{name} · {phone}（{channel} {customer_id}）",
        "en": "Customer: {name} · {phone} ({channel} {customer_id})",
    },
    "ticket.device": {"zh-Hans": "设备：{model} · 故障：{fault}", "zh-Hant": "裝置：{model} · 故障：{fault}", "en": "Device: {model} · fault: {fault}"},
    "ticket.service": {
        "zh-Hans": "服务：{service} · 网点：{centre} · 时段：{slot}",
        "zh-Hant": "服務：{service} · 據點：{centre} · 時段：{slot}",
        "en": "Service: {service} · centre: {centre} · slot: {slot}",
    },
    "ticket.loaner": {"zh-Hans": "需要备用机", "zh-Hant": "需要備用機", "en": "Loaner requested"},
    "ticket.callback_due": {"zh-Hans": "📞 回电期限：{due}", "zh-Hant": "📞 回電期限：{due}", "en": "📞 Call-back due: {due}"},
    "ticket.callback_late": {"zh-Hans": "（已超时）", "zh-Hant": "（已逾時）", "en": " (overdue)"},
    "ticket.called": {"zh-Hans": "📞 已回电：{at}", "zh-Hant": "📞 已回電：{at}", "en": "📞 Called back: {at}"},
    "ticket.tracking": {"zh-Hans": "📦 快递单号：{tracking}", "zh-Hant": "📦 快遞單號：{tracking}", "en": "📦 Tracking: {tracking}"},
    "ticket.events": {"zh-Hans": "最近记录：", "zh-Hant": "最近紀錄：", "en": "Last events:"},
    "ticket.next": {"zh-Hans": "可改为：{statuses}", "zh-Hant": "可改為：{statuses}", "en": "Next: {statuses}"},
    "ticket.final": {"zh-Hans": "维修单已结束，不能再改状态。", "zh-Hant": "維修單已結束，不能再改狀態。", "en": "The ticket is finished: no further status."},
    "reply.changed": {
        "zh-Hans": "✅ {number}：{previous} → {status}（会通知客户）",
        "zh-Hant": "✅ {number}：{previous} → {status}（會通知客戶）",
        "en": "✅ {number}: {previous} → {status} (the customer will be told)",
    },
    "reply.marked": {"zh-Hans": "✅ {number}：已记录「{what}」", "zh-Hant": "✅ {number}：已記錄「{what}」", "en": "✅ {number}: {what} recorded"},
    "error.usage": {
        "zh-Hans": "用法：/ticket 单号 查看 · /ticket 单号 状态 [备注] 改状态 · /ticket 单号 shipped 快递单号 · /ticket 单号 called|loaner_out|loaner_returned|note [备注]",
        "zh-Hant": "用法：/ticket 單號 查看 · /ticket 單號 狀態 [備註] 改狀態 · /ticket 單號 shipped 快遞單號 · /ticket 單號 called|loaner_out|loaner_returned|note [備註]",
        "en": "Usage: /ticket NUMBER to show · /ticket NUMBER STATUS [note] to change · /ticket NUMBER shipped TRACKING [note] · /ticket NUMBER called|loaner_out|loaner_returned|note [note]",
    },
    "error.unknown_ticket": {"zh-Hans": "没有维修单 {number}。", "zh-Hant": "沒有維修單 {number}。", "en": "No ticket {number}."},
    "error.unknown_status": {
        "zh-Hans": "{number}：不认识「{word}」。可改为：{allowed}；或记录 called、loaner_out、loaner_returned、note。",
        "zh-Hant": "{number}：不認識「{word}」。可改為：{allowed}；或記錄 called、loaner_out、loaner_returned、note。",
        "en": "{number}: unknown status or action “{word}”. Next: {allowed}; or record called, loaner_out, loaner_returned, note.",
    },
    "error.bad_transition": {
        "zh-Hans": "{number} 现在是「{status}」，不能改为「{wanted}」。可改为：{allowed}。",
        "zh-Hant": "{number} 現在是「{status}」，不能改為「{wanted}」。可改為：{allowed}。",
        "en": "{number} is {status}: it cannot become {wanted}. Next: {allowed}.",
    },
    "error.missing_tracking": {
        "zh-Hans": "{number}：寄回需要快递单号：/ticket {number} shipped 快递单号 [备注]",
        "zh-Hant": "{number}：寄回需要快遞單號：/ticket {number} shipped 快遞單號 [備註]",
        "en": "{number}: shipped needs the courier's tracking number: /ticket {number} shipped TRACKING [note]",
    },
    "error.note_empty": {"zh-Hans": "请写上备注：/ticket {number} note 内容", "zh-Hant": "請寫上備註：/ticket {number} note 內容", "en": "Write the note: /ticket {number} note TEXT"},
    "error.invalid": {"zh-Hans": "{number}：无法执行。", "zh-Hant": "{number}：無法執行。", "en": "{number}: that cannot be done."},
    "error.unavailable": {"zh-Hans": "这里不能处理维修单。", "zh-Hant": "這裡不能處理維修單。", "en": "Repair tickets are not available here."},
    "none": {"zh-Hans": "无", "zh-Hant": "無", "en": "none"},
    "help": {
        "zh-Hans": "维修单：/ticket 单号 查看 · /ticket 单号 状态 [备注] 改状态（例如 /ticket R7K-4Q2 ready）",
        "zh-Hant": "維修單：/ticket 單號 查看 · /ticket 單號 狀態 [備註] 改狀態（例如 /ticket R7K-4Q2 ready）",
        "en": "Repairs: /ticket NUMBER shows a ticket · /ticket NUMBER STATUS [note] changes it (e.g. /ticket R7K-4Q2 ready)",
    },
}
