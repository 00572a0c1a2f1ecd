"""Booking lines about service modes and warranty: how each mode is labelled and what the warranty covers.

Namespace "booking.": `bot.engine.booking.messages.say("intro", ...)` reads "booking.intro".
Policy numbers quoted here come from the demo knowledge base (see `bot.i18n.texts`).
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "booking"

TEXTS: Table = {
    "mode.store": {"zh-Hans": "到店维修", "zh-Hant": "到店維修", "en": "In-store repair"},
    "mode.onsite": {"zh-Hans": "上门维修", "zh-Hant": "到府維修", "en": "On-site visit"},
    "mode.courier": {"zh-Hans": "寄修", "zh-Hant": "寄修", "en": "Courier pickup"},
    "mode.store.label": {
        "zh-Hans": "到店维修（预约用户优先接待）",
        "zh-Hant": "到店維修（預約用戶優先接待）",
        "en": "Bring it to a service centre (booked customers served first)",
    },
    "mode.courier.label": {
        "zh-Hans": "寄修（快递上门取件，往返免运费，24小时内取件）",
        "zh-Hant": "寄修（到府收件，來回免運費，24小時內收件）",
        "en": "Courier pickup (free both ways, collected within 24 hours)",
    },
    "mode.onsite.free": {
        "zh-Hans": "工程师上门（保修期内免费）",
        "zh-Hant": "工程師到府（保固期內免費）",
        "en": "Engineer visit (free under warranty)",
    },
    "mode.onsite.fee": {
        "zh-Hans": "工程师上门（上门费{fee}元/次）",
        "zh-Hant": "工程師到府（到府費{fee}元/次）",
        "en": "Engineer visit ({fee} yuan per visit)",
    },
    # -- warranty -----------------------------------------------------------------------------------
    "warranty.in": {
        "zh-Hans": "按{date}购买计算，您的{model}在保修期内（{policy}，保修至{until}），性能故障免费维修。",
        "zh-Hant": "按{date}購買計算，您的{model}在保固期內（{policy}，保固至{until}），性能故障免費維修。",
        "en": "Bought {date}, your {model} is under warranty ({policy}, until {until}): performance faults are repaired free.",
    },
    "warranty.out": {
        "zh-Hans": "按{date}购买计算，您的{model}已过保修期（{policy}，已于{until}到期）。过保维修检测免费，费用为人工费80元加配件费，工程师会先报价，您同意后才维修。",
        "zh-Hant": "按{date}購買計算，您的{model}已過保固期（{policy}，已於{until}到期）。過保維修檢測免費，費用為工資80元加零件費，工程師會先報價，您同意後才維修。",
        "en": "Bought {date}, your {model} is out of warranty ({policy}, ended {until}). The check is free; a repair costs 80 yuan labour plus parts, and the engineer quotes first and only repairs once you agree.",
    },
    "warranty.promise": {
        "zh-Hans": "保修期内如果14天内没能修好，我们免费为您换新机。",
        "zh-Hant": "保固期內如果14天內沒能修好，我們免費為您換新機。",
        "en": "If an in-warranty repair is not done within 14 days, we replace the device with a new one.",
    },
    "warranty.return": {
        "zh-Hans": "另外，购买不满{days}天出现性能故障，按三包规定可以选择退货、换货或维修，请带上发票和完整包装。",
        "zh-Hant": "另外，購買未滿{days}天出現性能故障，依三包規定可以選擇退貨、換貨或維修，請攜帶發票和完整包裝。",
        "en": "Also, as it was bought less than {days} days ago, a performance fault entitles you to a refund, an exchange or a repair: bring the invoice and the complete packaging.",
    },
    "warranty.exchange": {
        "zh-Hans": "另外，购买不满{days}天出现性能故障，按三包规定可以选择换货或维修，请带上发票和完整包装。",
        "zh-Hant": "另外，購買未滿{days}天出現性能故障，依三包規定可以選擇換貨或維修，請攜帶發票和完整包裝。",
        "en": "Also, as it was bought less than {days} days ago, a performance fault entitles you to an exchange or a repair: bring the invoice and the complete packaging.",
    },
    "warranty.approx": {
        "zh-Hans": "（按您说的时间估算，最终以发票日期为准。）",
        "zh-Hant": "（依您說的時間估算，最終以發票日期為準。）",
        "en": "(Estimated from what you told me; the invoice date decides.)",
    },
    "warranty.unknown": {
        "zh-Hans": "没关系，工程师会根据发票或序列号确认保修状态。",
        "zh-Hant": "沒關係，工程師會依發票或序號確認保固狀態。",
        "en": "No problem: the engineer will check the warranty from your invoice or the serial number.",
    },
    "warranty.word.in": {
        "zh-Hans": "在保修期内（至{until}）",
        "zh-Hant": "在保固期內（至{until}）",
        "en": "under warranty (until {until})",
    },
    "warranty.word.out": {
        "zh-Hans": "已过保（{until}到期）",
        "zh-Hant": "已過保（{until}到期）",
        "en": "out of warranty (ended {until})",
    },
    "warranty.word.unknown": {"zh-Hans": "保修待确认", "zh-Hant": "保固待確認", "en": "warranty to be checked"},
}
