"""The bot's lines for agents (cards, notices, /queue, /stats), read in AGENTS_LANGUAGE.

Namespace "agent.": `bot.handoff.texts.agent_text("card.status", ...)` reads "agent.card.status".
"""

from __future__ import annotations

from bot.i18n.entries import Table, plural

NAMESPACE = "agent"

TEXTS: Table = {
    "reason.human": {"zh-Hans": "要求人工", "zh-Hant": "要求真人", "en": "Asked for a person"},
    "reason.complaint": {"zh-Hans": "投诉", "zh-Hant": "投訴", "en": "Complaint"},
    "reason.anger": {"zh-Hans": "客户不满", "zh-Hant": "客戶不滿", "en": "Angry customer"},
    "reason.low_confidence": {"zh-Hans": "机器人无法回答", "zh-Hant": "機器人無法回答", "en": "Bot could not answer"},
    "reason.too_long": {"zh-Hans": "消息过长", "zh-Hant": "訊息過長", "en": "Message too long"},
    "reason.booking": {"zh-Hans": "预约（未开通在线预约）", "zh-Hant": "預約（未開通線上預約）", "en": "Booking (online booking off)"},
    "reason.booking_stuck": {"zh-Hans": "预约卡住", "zh-Hant": "預約卡住", "en": "Booking stuck"},
    "reason.no_slot": {"zh-Hans": "没有可约时段", "zh-Hant": "沒有可約時段", "en": "No repair slot"},
    "reason.form": {"zh-Hans": "已提交表单，待跟进", "zh-Hant": "已提交表單，待跟進", "en": "Form submitted, to follow up"},
    "reason.form_stuck": {"zh-Hans": "填写表单卡住", "zh-Hant": "填寫表單卡住", "en": "Stuck filling in a form"},
    "reason.booking_centre_gone": {"zh-Hans": "网点已停用", "zh-Hant": "據點已停用", "en": "Service centre gone"},
    "reason.survey_low": {"zh-Hans": "维修满意度低", "zh-Hant": "維修滿意度低", "en": "Low repair survey score"},
    "reason.unsupported": {"zh-Hans": "无法处理的消息", "zh-Hant": "無法處理的訊息", "en": "Unsupported message"},
    "reason.callback_missed": {"zh-Hans": "工程师回电超时", "zh-Hant": "工程師回電逾時", "en": "Call-back promise missed"},
    "reason.repair_overdue": {"zh-Hans": "维修超期（主管）", "zh-Hant": "維修逾期（主管）", "en": "Repair overdue (supervisor)"},
    "status.waiting": {"zh-Hans": "等待中", "zh-Hant": "等待中", "en": "waiting"},
    "status.assigned": {"zh-Hans": "处理中", "zh-Hant": "處理中", "en": "assigned"},
    "status.resolved": {"zh-Hans": "已结束", "zh-Hant": "已結束", "en": "resolved"},
    "status.abandoned": {"zh-Hans": "客户已取消", "zh-Hant": "客戶已取消", "en": "cancelled by the customer"},
    "card.customer": {"zh-Hans": "客户：{name}（{channel} {customer_id}）", "zh-Hant": "客戶：{name}（{channel} {customer_id}）", "en": "Customer: {name} ({channel} {customer_id})"},
    "card.language": {"zh-Hans": "语言：{name}", "zh-Hant": "語言：{name}", "en": "Language: {name}"},
    "card.reason": {"zh-Hans": "原因：{reason} · 优先级 {priority}", "zh-Hant": "原因：{reason} · 優先級 {priority}", "en": "Reason: {reason} · priority {priority}"},
    "card.status": {"zh-Hans": "状态：{status}", "zh-Hant": "狀態：{status}", "en": "Status: {status}"},
    "card.agent": {"zh-Hans": "（{agent}）", "zh-Hant": "（{agent}）", "en": " ({agent})"},
    "card.since": {"zh-Hans": "转人工：{since} · 应答期限：{due}", "zh-Hant": "轉真人：{since} · 應答期限：{due}", "en": "Handed off: {since} · due: {due}"},
    "card.blocked": {"zh-Hans": "⚠️ 客户已屏蔽机器人", "zh-Hant": "⚠️ 客戶已封鎖機器人", "en": "⚠️ The customer blocked the bot"},
    "card.bookings": {"zh-Hans": "维修预约：", "zh-Hant": "維修預約：", "en": "Repair bookings:"},
    "card.transcript": {"zh-Hans": "最近的消息：", "zh-Hant": "最近的訊息：", "en": "Last messages:"},
    "card.survey": {"zh-Hans": "满意度：{score}/5{comment}", "zh-Hant": "滿意度：{score}/5{comment}", "en": "Satisfaction: {score}/5{comment}"},
    "card.recreated": {"zh-Hans": "♻️ 原话题已被删除，已重新创建。", "zh-Hant": "♻️ 原話題已被刪除，已重新建立。", "en": "♻️ The previous topic was deleted; this one replaces it."},
    "button.take": {"zh-Hans": "✋ 接手", "zh-Hant": "✋ 接手", "en": "✋ Take"},
    "button.release": {"zh-Hans": "↩️ 放回队列", "zh-Hant": "↩️ 放回佇列", "en": "↩️ Release"},
    "button.close": {"zh-Hans": "✅ 结束", "zh-Hant": "✅ 結束", "en": "✅ Close"},
    "event.taken": {"zh-Hans": "✋ {agent} 已接手。", "zh-Hant": "✋ {agent} 已接手。", "en": "✋ {agent} took this conversation."},
    "event.taken_over": {"zh-Hans": "✋ {agent} 已从 {previous} 手中接手。", "zh-Hant": "✋ {agent} 已從 {previous} 手中接手。", "en": "✋ {agent} took this conversation over from {previous}."},
    "event.released": {"zh-Hans": "↩️ {agent} 已放回队列。", "zh-Hant": "↩️ {agent} 已放回佇列。", "en": "↩️ {agent} released it: back in the queue."},
    "event.closed": {"zh-Hans": "✅ {agent} 已结束对话，客户已收到满意度调查。", "zh-Hant": "✅ {agent} 已結束對話，客戶已收到滿意度調查。", "en": "✅ Closed by {agent}. The customer got the satisfaction survey."},
    "event.to_bot": {"zh-Hans": "🤖 {agent} 已将对话交回机器人。", "zh-Hant": "🤖 {agent} 已將對話交回機器人。", "en": "🤖 {agent} gave the conversation back to the bot."},
    "event.cancelled": {"zh-Hans": "🙅 客户已取消人工，回到机器人。", "zh-Hant": "🙅 客戶已取消真人服務，回到機器人。", "en": "🙅 The customer cancelled and went back to the bot."},
    "event.priority": {"zh-Hans": "⚠️ 优先级已提高：{reason}。", "zh-Hant": "⚠️ 優先級已提高：{reason}。", "en": "⚠️ Priority raised: {reason}."},
    "event.delivered_late": {
        "zh-Hans": "📬 之前未送达的 {count} 条消息现已送达客户。",
        "zh-Hant": "📬 之前未送達的 {count} 則訊息現已送達客戶。",
        "en": plural(
            "count",
            one="📬 {count} kept message delivered to the customer now.",
            other="📬 {count} kept messages delivered to the customer now.",
        ),
    },
    "event.survey": {"zh-Hans": "⭐ 满意度 {score}/5{comment}", "zh-Hant": "⭐ 滿意度 {score}/5{comment}", "en": "⭐ Satisfaction {score}/5{comment}"},
    "announce.released": {
        "zh-Hans": "↩️ #{id} {name}（{reason}）被 {agent} 放回队列，需要有人接手。{link}",
        "zh-Hant": "↩️ #{id} {name}（{reason}）被 {agent} 放回佇列，需要有人接手。{link}",
        "en": "↩️ #{id} {name} ({reason}) was released by {agent} and needs someone. {link}",
    },
    "announce.overdue": {
        "zh-Hans": "⏰ #{id} {name} · {reason} · 优先级 {priority} · {status}，应答期限 {due}（已超时 {late}）。{link}",
        "zh-Hant": "⏰ #{id} {name} · {reason} · 優先級 {priority} · {status}，應答期限 {due}（已逾時 {late}）。{link}",
        "en": "⏰ #{id} {name} · {reason} · priority {priority} · {status}, due {due} ({late} late). {link}",
    },
    "link.open": {"zh-Hans": "打开", "zh-Hant": "打開", "en": "open"},
    "undelivered.unreachable": {
        "zh-Hans": "⚠️ 未送达：客户现在收不到消息（可能屏蔽了机器人）。消息已保存，客户再发消息时会送达。",
        "zh-Hant": "⚠️ 未送達：客戶現在收不到訊息（可能封鎖了機器人）。訊息已保存，客戶再傳訊息時會送達。",
        "en": "⚠️ Not delivered: the customer cannot receive messages now (blocked the bot?). It is kept and will be delivered when they write again.",
    },
    "undelivered.failed": {
        "zh-Hans": "⚠️ 暂未送达（临时故障），系统会自动重试。",
        "zh-Hant": "⚠️ 暫未送達（暫時故障），系統會自動重試。",
        "en": "⚠️ Not delivered yet (a temporary failure); it will be retried.",
    },
    "undelivered.offline": {
        "zh-Hans": "⚠️ 未送达：客户所在的渠道（{channel}）不在此运行。消息已保存，客户再发消息时会送达。",
        "zh-Hant": "⚠️ 未送達：客戶所在的管道（{channel}）不在此執行。訊息已保存，客戶再傳訊息時會送達。",
        "en": "⚠️ Not delivered: the customer's channel ({channel}) does not run here. It is kept and will be delivered when they write again.",
    },
    "relay.undeliverable": {
        "zh-Hans": "（客户发送了{kind}，无法在此显示）",
        "zh-Hant": "（客戶傳送了{kind}，無法在此顯示）",
        "en": "(the customer sent a {kind} that cannot be shown here)",
    },
    "reply.taken": {"zh-Hans": "已由你接手。", "zh-Hant": "已由你接手。", "en": "It is yours now."},
    "reply.taken_over": {"zh-Hans": "已由你接手。", "zh-Hant": "已由你接手。", "en": "It is yours now."},
    "reply.already_yours": {"zh-Hans": "这个对话已经由你负责。", "zh-Hant": "這個對話已經由你負責。", "en": "You already have this conversation."},
    "reply.released": {"zh-Hans": "已放回队列。", "zh-Hant": "已放回佇列。", "en": "Released to the queue."},
    "reply.closed": {"zh-Hans": "已结束。", "zh-Hant": "已結束。", "en": "Closed."},
    "reply.given_back": {"zh-Hans": "已交回机器人。", "zh-Hant": "已交回機器人。", "en": "Given back to the bot."},
    "reply.inactive": {"zh-Hans": "这个对话已结束，客户现在由机器人服务。", "zh-Hant": "這個對話已結束，客戶現在由機器人服務。", "en": "This conversation is over: the customer is with the bot."},
    "reply.not_found": {"zh-Hans": "找不到这个转人工记录。", "zh-Hant": "找不到這個轉真人紀錄。", "en": "No such hand-off."},
    "reply.not_assigned": {"zh-Hans": "还没有人接手这个对话。", "zh-Hant": "還沒有人接手這個對話。", "en": "Nobody has taken this conversation."},
    "reply.duplicate": {"zh-Hans": "这条消息已经发送过。", "zh-Hant": "這則訊息已經傳送過。", "en": "That message was sent already."},
    "reply.noted": {"zh-Hans": "📝 备注已保存（不会发给客户）。", "zh-Hant": "📝 備註已保存（不會傳給客戶）。", "en": "📝 Note saved (not sent to the customer)."},
    "reply.note_empty": {"zh-Hans": "请在 /note 后面写备注内容。", "zh-Hant": "請在 /note 後面寫備註內容。", "en": "Write the note after /note."},
    "reply.no_topic": {
        "zh-Hans": "请在客户的话题里使用，或写上编号，例如 /take 12。",
        "zh-Hant": "請在客戶的話題裡使用，或寫上編號，例如 /take 12。",
        "en": "Use this in a customer's topic, or give the number, e.g. /take 12.",
    },
    "reply.unsupported": {
        "zh-Hans": "只能把文字、图片和文件发给客户。",
        "zh-Hant": "只能把文字、圖片和檔案傳給客戶。",
        "en": "Only text, photos and documents can be sent to the customer.",
    },
    "reply.not_agent": {"zh-Hans": "只有客服人员可以操作。", "zh-Hant": "只有客服人員可以操作。", "en": "Only agents can do this."},
    "reply.unknown_command": {"zh-Hans": "未知命令。\n{help}", "zh-Hant": "未知命令。\n{help}", "en": "Unknown command.\n{help}"},
    "help": {
        "zh-Hans": (
            "在客户的话题里：直接回复即发给客户（文字、图片、文件）\n"
            "/take 接手 · /release 放回队列 · /close 结束并发送满意度调查\n"
            "/bot 交回机器人 · /note 内部备注（不发给客户）\n"
            "任何地方：/queue 排队情况 · /stats 今日统计"
        ),
        "zh-Hant": (
            "在客戶的話題裡：直接回覆即傳給客戶（文字、圖片、檔案）\n"
            "/take 接手 · /release 放回佇列 · /close 結束並傳送滿意度調查\n"
            "/bot 交回機器人 · /note 內部備註（不傳給客戶）\n"
            "任何地方：/queue 排隊情況 · /stats 今日統計"
        ),
        "en": (
            "In a customer's topic, whatever you write goes to the customer (text, photos, documents).\n"
            "/take take it · /release back to the queue · /close close and send the survey\n"
            "/bot give it back to the bot · /note internal note (never sent to the customer)\n"
            "Anywhere: /queue the queue · /stats today's figures"
        ),
    },
    "queue.empty": {"zh-Hans": "目前没有人在排队。", "zh-Hant": "目前沒有人在排隊。", "en": "The queue is empty."},
    "queue.title": {"zh-Hans": "排队中和处理中（{count}）：", "zh-Hant": "排隊中和處理中（{count}）：", "en": "Waiting and assigned ({count}):"},
    "queue.line": {
        "zh-Hans": "{icon} #{id} {name} · {reason} · {status}{agent} · 已等 {age} · 期限 {due}{late}",
        "zh-Hant": "{icon} #{id} {name} · {reason} · {status}{agent} · 已等 {age} · 期限 {due}{late}",
        "en": "{icon} #{id} {name} · {reason} · {status}{agent} · waiting {age} · due {due}{late}",
    },
    "queue.late": {"zh-Hans": "（超时 {late}）", "zh-Hant": "（逾時 {late}）", "en": " ({late} late)"},
    "stats": {
        "zh-Hans": (
            "📊 今日统计\n"
            "转人工：{escalations} 次 / {conversations} 个对话（{rate}）\n"
            "等待时间：中位数 {median}，最长 {longest}（已接手 {taken} 个）\n"
            "满意度：{score}（{surveys} 份调查）\n"
            "现在：{waiting} 个等待中，{assigned} 个处理中 · 今日已结束 {resolved} 个，客户取消 {abandoned} 个"
        ),
        "zh-Hant": (
            "📊 今日統計\n"
            "轉真人：{escalations} 次 / {conversations} 個對話（{rate}）\n"
            "等待時間：中位數 {median}，最長 {longest}（已接手 {taken} 個）\n"
            "滿意度：{score}（{surveys} 份調查）\n"
            "現在：{waiting} 個等待中，{assigned} 個處理中 · 今日已結束 {resolved} 個，客戶取消 {abandoned} 個"
        ),
        "en": (
            "📊 Today\n"
            "Hand-offs: {escalations} in {conversations} conversations ({rate})\n"
            "Waiting time: median {median}, longest {longest} ({taken} taken)\n"
            "Satisfaction: {score} ({surveys} surveys)\n"
            "Now: {waiting} waiting, {assigned} assigned · today {resolved} resolved, {abandoned} cancelled by customers"
        ),
    },
}
