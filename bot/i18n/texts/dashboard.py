"""Lines of the supervisors' dashboard (namespace "dashboard."), in the three languages.

What each figure means exactly is said on the page itself (the *_help lines), so nobody reads a
deflection rate or a p90 two ways; the README says the same at more length.
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "dashboard"


def _same(line: str) -> dict[str, str]:
    return {"zh-Hans": line, "zh-Hant": line, "en": line}


TEXTS: Table = {
    "title": {"zh-Hans": "数据看板", "zh-Hant": "數據看板", "en": "Dashboard"},
    "period_line": {
        "zh-Hans": "{first} 至 {last}（{days} 天，{zone} 时间）",
        "zh-Hant": "{first} 至 {last}（{days} 天，{zone} 時間）",
        "en": "{first} to {last} ({days} days, {zone} time)",
    },
    "from": {"zh-Hans": "开始日期", "zh-Hant": "開始日期", "en": "From"},
    "to": {"zh-Hans": "结束日期", "zh-Hant": "結束日期", "en": "To"},
    "channel": {"zh-Hans": "渠道", "zh-Hant": "管道", "en": "Channel"},
    "all_channels": {"zh-Hans": "全部渠道", "zh-Hant": "全部管道", "en": "All channels"},
    "apply": {"zh-Hans": "查看", "zh-Hant": "查看", "en": "Show"},
    "export_csv": {"zh-Hans": "导出 CSV（每个对话一行）", "zh-Hant": "匯出 CSV（每個對話一列）", "en": "Export CSV (one row per conversation)"},
    "max_days": {
        "zh-Hans": "最多可查看 {days} 天。",
        "zh-Hant": "最多可查看 {days} 天。",
        "en": "At most {days} days at a time.",
    },
    "generated": {"zh-Hans": "统计时间 {time}", "zh-Hant": "統計時間 {time}", "en": "As of {time}"},
    "empty": {
        "zh-Hans": "这段时间没有客户对话。",
        "zh-Hant": "這段時間沒有客戶對話。",
        "en": "No customer conversations in this period.",
    },
    "no_data": {"zh-Hans": "暂无数据", "zh-Hant": "暫無資料", "en": "No data"},
    "n": _same("n = {n}"),
    # -- outcomes --
    "outcomes_title": {"zh-Hans": "对话结果", "zh-Hant": "對話結果", "en": "Conversation outcomes"},
    "outcomes_help": {
        "zh-Hans": "每个在本时段内有客户留言（或转人工）的对话只计一个结果，三者相加正好 100%：有人工接手即为“转人工”；否则机器人给出过知识库答案或完成了预约 / 表单即为“机器人解答”；其余为“未解决离开”。",
        "zh-Hant": "每個在本時段內有客戶留言（或轉真人）的對話只計一個結果，三者相加正好 100%：有真人接手即為「轉真人」；否則機器人給出過知識庫答案或完成了預約 / 表單即為「機器人解答」；其餘為「未解決離開」。",
        "en": "Each conversation in which the customer wrote (or was handed off) in the period counts once, so the three add up to exactly 100%: handed off if people had it; otherwise answered if the bot gave a knowledge-base answer or finished a booking or form; otherwise abandoned.",
    },
    "outcome_answered": {"zh-Hans": "机器人解答", "zh-Hant": "機器人解答", "en": "Answered by the bot"},
    "outcome_handed_off": {"zh-Hans": "转人工", "zh-Hant": "轉真人", "en": "Handed off"},
    "outcome_abandoned": {"zh-Hans": "未解决离开", "zh-Hant": "未解決離開", "en": "Abandoned"},
    "conversations": {"zh-Hans": "对话数", "zh-Hant": "對話數", "en": "Conversations"},
    "deflection": {"zh-Hans": "自助解决率", "zh-Hant": "自助解決率", "en": "Deflection rate"},
    "deflection_help": {
        "zh-Hans": "机器人解答的对话 ÷ 全部对话。",
        "zh-Hant": "機器人解答的對話 ÷ 全部對話。",
        "en": "Conversations answered by the bot ÷ all conversations.",
    },
    "by_channel": {"zh-Hans": "按渠道", "zh-Hant": "按管道", "en": "By channel"},
    "by_agent": {"zh-Hans": "按客服", "zh-Hant": "按客服", "en": "By agent"},
    "by_language": {"zh-Hans": "按语言", "zh-Hant": "按語言", "en": "By language"},
    # -- hand-offs --
    "reasons_title": {"zh-Hans": "转人工原因", "zh-Hant": "轉真人原因", "en": "Hand-offs by reason"},
    "reasons_help": {
        "zh-Hans": "本时段内新建的转人工请求，共 {n} 个。",
        "zh-Hant": "本時段內新建的轉真人請求，共 {n} 個。",
        "en": "Hand-offs opened in the period: {n}.",
    },
    "reason_human": {"zh-Hans": "客户要求人工", "zh-Hant": "客戶要求真人", "en": "Customer asked for a person"},
    "reason_complaint": {"zh-Hans": "投诉", "zh-Hant": "投訴", "en": "Complaint"},
    "reason_anger": {"zh-Hans": "客户情绪激动", "zh-Hant": "客戶情緒激動", "en": "Angry customer"},
    "reason_low_confidence": {"zh-Hans": "机器人没听懂", "zh-Hant": "機器人沒聽懂", "en": "Bot did not understand"},
    "reason_booking_stuck": {"zh-Hans": "预约卡住", "zh-Hant": "預約卡住", "en": "Booking stuck"},
    "reason_form_stuck": {"zh-Hans": "表单卡住", "zh-Hant": "表單卡住", "en": "Form stuck"},
    "reason_no_slot": {"zh-Hans": "没有可约时段", "zh-Hant": "沒有可約時段", "en": "No free slot"},
    "reason_survey_low": {"zh-Hans": "维修评价低分", "zh-Hant": "維修評價低分", "en": "Low repair rating"},
    "reason_too_long": {"zh-Hans": "消息过长", "zh-Hant": "訊息過長", "en": "Message too long"},
    "reason_booking": {"zh-Hans": "预约（未开通）", "zh-Hant": "預約（未開通）", "en": "Booking (not enabled)"},
    "reason_error": {"zh-Hans": "系统错误", "zh-Hant": "系統錯誤", "en": "System error"},
    # -- satisfaction --
    "csat_title": {"zh-Hans": "满意度（CSAT）", "zh-Hant": "滿意度（CSAT）", "en": "Satisfaction (CSAT)"},
    "csat_help": {
        "zh-Hans": "人工服务结束后的评分（1-5 分），按评分时间计入本时段。满意率 = 4 分和 5 分的份数 ÷ 全部评分；每个数字都附有样本数 n。",
        "zh-Hant": "真人服務結束後的評分（1-5 分），按評分時間計入本時段。滿意率 = 4 分和 5 分的份數 ÷ 全部評分；每個數字都附有樣本數 n。",
        "en": "Scores (1-5) given after a person's conversation, counted in the period they were given. Satisfied = scores of 4 or 5 ÷ all scores; every figure shows its n.",
    },
    "csat_share": {"zh-Hans": "满意率（4-5 分）", "zh-Hant": "滿意率（4-5 分）", "en": "Satisfied (4-5)"},
    "csat_mean": {"zh-Hans": "平均分", "zh-Hant": "平均分", "en": "Mean score"},
    "csat_row": {
        "zh-Hans": "{share} · 平均 {mean} · n = {n}",
        "zh-Hant": "{share} · 平均 {mean} · n = {n}",
        "en": "{share} · mean {mean} · n = {n}",
    },
    "ticket_csat": {
        "zh-Hans": "维修工单评分（另计）：{row}",
        "zh-Hant": "維修工單評分（另計）：{row}",
        "en": "Repair ticket ratings (counted apart): {row}",
    },
    "no_agent": {"zh-Hans": "（无客服）", "zh-Hant": "（無客服）", "en": "(no agent)"},
    "no_scores": {"zh-Hans": "本时段没有评分。", "zh-Hant": "本時段沒有評分。", "en": "No scores in this period."},
    # -- response times and service levels --
    "response_title": {"zh-Hans": "首次响应时间", "zh-Hant": "首次回應時間", "en": "First response time"},
    "response_help": {
        "zh-Hans": "从转人工到客服亲自写给客户的第一条消息（机器人的消息、仅“接手”都不算）。自然时间含夜间和周末；工作时间只算营业时间内。中位数：一半的客户等得更短；P90：90% 的客户等得不超过这个时间。",
        "zh-Hant": "從轉真人到客服親自寫給客戶的第一則訊息（機器人的訊息、僅「接手」都不算）。自然時間含夜間和週末；工作時間只算營業時間內。中位數：一半的客戶等得更短；P90：90% 的客戶等得不超過這個時間。",
        "en": "From the hand-off to the first message a person wrote to the customer (the bot's lines and merely taking the conversation do not count). Wall clock includes nights and weekends; office hours counts only staffed time. Median: half the customers waited less; p90: 90% waited no longer.",
    },
    "median": {"zh-Hans": "中位数", "zh-Hant": "中位數", "en": "Median"},
    "p90": _same("P90"),
    "wall": {"zh-Hans": "自然时间", "zh-Hant": "自然時間", "en": "wall clock"},
    "staffed": {"zh-Hans": "工作时间", "zh-Hant": "工作時間", "en": "office hours"},
    "answered_of": {
        "zh-Hans": "{handoffs} 个转人工中 {answered} 个已有客服回复",
        "zh-Hant": "{handoffs} 個轉真人中 {answered} 個已有客服回覆",
        "en": "{answered} of {handoffs} hand-offs answered by a person",
    },
    "sla_title": {"zh-Hans": "服务时效（SLA）", "zh-Hant": "服務時效（SLA）", "en": "Service level (SLA)"},
    "sla_help": {
        "zh-Hans": "首次回复期限 = 转人工时间 + 设定的工作时间分钟数（紧急请求更短）。超时：回复晚于期限，或期限已过仍无人回复。达标率 = 达标 ÷（达标 + 超时）。",
        "zh-Hant": "首次回覆期限 = 轉真人時間 + 設定的工作時間分鐘數（緊急請求更短）。逾時：回覆晚於期限，或期限已過仍無人回覆。達標率 = 達標 ÷（達標 + 逾時）。",
        "en": "First-answer deadline = hand-off time + the configured minutes of office time (shorter when urgent). Breached: answered after it, or still unanswered past it. Met share = met ÷ (met + breached).",
    },
    "sla_met": {"zh-Hans": "达标", "zh-Hant": "達標", "en": "Met"},
    "sla_breached": {"zh-Hans": "超时", "zh-Hant": "逾時", "en": "Breached"},
    "sla_pending": {"zh-Hans": "等待中（未到期）", "zh-Hant": "等待中（未到期）", "en": "Waiting, not yet due"},
    "sla_none": {"zh-Hans": "期限前已回到机器人", "zh-Hant": "期限前已回到機器人", "en": "Back to the bot before due"},
    "sla_share": {"zh-Hans": "达标率", "zh-Hant": "達標率", "en": "Met share"},
    # -- busiest hours --
    "hours_title": {"zh-Hans": "繁忙时段", "zh-Hant": "繁忙時段", "en": "Busiest hours"},
    "hours_help": {
        "zh-Hans": "客户发来的消息数，按星期和钟点（{zone} 时间）。颜色越深越忙。",
        "zh-Hant": "客戶傳來的訊息數，按星期和鐘點（{zone} 時間）。顏色越深越忙。",
        "en": "Messages from customers by weekday and hour ({zone} time). Darker is busier.",
    },
    "busiest": {"zh-Hans": "最忙：{slots}", "zh-Hant": "最忙：{slots}", "en": "Busiest: {slots}"},
    "slot": {"zh-Hans": "{weekday} {hour}:00（{n} 条）", "zh-Hant": "{weekday} {hour}:00（{n} 則）", "en": "{weekday} {hour}:00 ({n})"},
    "cell": {
        "zh-Hans": "{weekday} {hour}:00-{hour}:59：{n} 条消息",
        "zh-Hant": "{weekday} {hour}:00-{hour}:59：{n} 則訊息",
        "en": "{weekday} {hour}:00-{hour}:59: {n} messages",
    },
    "weekday_0": {"zh-Hans": "周一", "zh-Hant": "週一", "en": "Mon"},
    "weekday_1": {"zh-Hans": "周二", "zh-Hant": "週二", "en": "Tue"},
    "weekday_2": {"zh-Hans": "周三", "zh-Hant": "週三", "en": "Wed"},
    "weekday_3": {"zh-Hans": "周四", "zh-Hant": "週四", "en": "Thu"},
    "weekday_4": {"zh-Hans": "周五", "zh-Hant": "週五", "en": "Fri"},
    "weekday_5": {"zh-Hans": "周六", "zh-Hant": "週六", "en": "Sat"},
    "weekday_6": {"zh-Hans": "周日", "zh-Hant": "週日", "en": "Sun"},
    # -- answers rated --
    "feedback_title": {"zh-Hans": "答案评价 👍/👎", "zh-Hant": "答案評價 👍/👎", "en": "Answers rated 👍/👎"},
    "feedback_help": {
        "zh-Hans": "本时段机器人给出 {answers} 个知识库答案，其中 {rated} 个被评价。",
        "zh-Hant": "本時段機器人給出 {answers} 個知識庫答案，其中 {rated} 個被評價。",
        "en": "The bot gave {answers} knowledge-base answers in the period; {rated} were rated.",
    },
    "worst_title": {"zh-Hans": "👎 最多的答案", "zh-Hant": "👎 最多的答案", "en": "Answers with the most 👎"},
    # -- channels --
    "channel_console": {"zh-Hans": "控制台", "zh-Hant": "控制台", "en": "Console"},
    "channel_telegram": _same("Telegram"),
    "channel_sms": {"zh-Hans": "短信", "zh-Hant": "簡訊", "en": "SMS"},
    "channel_web": {"zh-Hans": "网页聊天", "zh-Hant": "網頁聊天", "en": "Web chat"},
}
