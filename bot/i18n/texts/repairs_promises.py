"""The promises kept after a booking (bot/repairs/promises.py) and the VIP queue, in words.

Namespace "promises.": "agent.*" lines are for agents and supervisors (read in AGENTS_LANGUAGE: the
notes of the escalations the system opens, the call-back promise and the VIP mark on the agents'
card); "customer.*" lines are for the customer. The hand-off reasons themselves ("callback_missed",
"repair_overdue") are "agent.reason.*" entries in `bot.i18n.texts.handoff`, with the other reasons.
The compensation promised when a repair passes its days is the operator's own text
(`compensation` in knowledge/policies.yaml), not a catalog line.
"""

from __future__ import annotations

from bot.i18n.entries import Table, plural

NAMESPACE = "promises"

TEXTS: Table = {
    "agent.callback_missed": {
        "zh-Hans": "📞 工程师回电承诺已超时：维修单 {ticket}（{model}）应在 {due} 前回电，至今无人致电。请尽快联系客户{phone}。",
        "zh-Hant": "📞 工程師回電承諾已逾時：維修單 {ticket}（{model}）應在 {due} 前回電，至今無人致電。請儘快聯絡客戶{phone}。",
        "en": "📞 Call-back promise missed: ticket {ticket} ({model}) was to be called back by {due} and nobody has called. "
        "Please call the customer now{phone}.",
    },
    "agent.phone": {"zh-Hans": "（{phone}）", "zh-Hant": "（{phone}）", "en": " ({phone})"},
    "agent.repair_overdue": {
        "zh-Hans": plural(
            "days", other="🚨 主管：维修单 {ticket}（{model}）已维修 {days} 天（上限 {limit} 天）；政策：{policy}。已向客户发送致歉与补偿说明。"
        ),
        "zh-Hant": plural(
            "days", other="🚨 主管：維修單 {ticket}（{model}）已維修 {days} 天（上限 {limit} 天）；政策：{policy}。已向客戶發送致歉與補償說明。"
        ),
        "en": plural(
            "days",
            one="🚨 Supervisor: repair {ticket} ({model}) open for {days} day (limit {limit}); policy: {policy}. "
            "The customer is sent the apology and the compensation text.",
            other="🚨 Supervisor: repair {ticket} ({model}) open for {days} days (limit {limit}); policy: {policy}. "
            "The customer is sent the apology and the compensation text.",
        ),
    },
    "agent.policy.replacement": {
        "zh-Hans": "可为客户更换同型号新机（换新政策）",
        "zh-Hant": "可為客戶更換同型號新機（換新政策）",
        "en": "offer a new device of the same model (replacement policy)",
    },
    "agent.policy.no_replacement": {
        "zh-Hans": "该产品不适用换新：请提供补偿",
        "zh-Hant": "該產品不適用換新：請提供補償",
        "en": "no replacement under policy: offer compensation",
    },
    "agent.supervisors": {"zh-Hans": "请关注：", "zh-Hant": "請關注：", "en": "For:"},
    "agent.supervisor": {"zh-Hans": "主管", "zh-Hant": "主管", "en": "supervisor"},
    "agent.vip": {"zh-Hans": "⭐ VIP 客户", "zh-Hant": "⭐ VIP 客戶", "en": "⭐ VIP customer"},
    "agent.callback_due": {"zh-Hans": "📞 回电期限 {due}", "zh-Hant": "📞 回電期限 {due}", "en": "📞 call back by {due}"},
    "agent.callback_late": {
        "zh-Hans": "📞 回电已超时（期限 {due}）",
        "zh-Hant": "📞 回電已逾時（期限 {due}）",
        "en": "📞 call-back late (due {due})",
    },
    "agent.called": {"zh-Hans": "📞 已于 {at} 回电", "zh-Hant": "📞 已於 {at} 回電", "en": "📞 called {at}"},
    "customer.callback_missed": {
        "zh-Hans": "很抱歉，工程师还没有就维修单 {ticket} 给您回电。我们已请同事优先跟进，很快会与您联系。",
        "zh-Hant": "很抱歉，工程師還沒有就維修單 {ticket} 給您回電。我們已請同事優先跟進，很快會與您聯絡。",
        "en": "We are sorry: our engineer has not called you back yet about {ticket}. A colleague is on it and will call you shortly.",
    },
    "customer.repair_overdue": {
        "zh-Hans": "维修单 {ticket}：{compensation}",
        "zh-Hant": "維修單 {ticket}：{compensation}",
        "en": "Ticket {ticket}: {compensation}",
    },
}
