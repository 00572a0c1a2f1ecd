"""Every sentence the bot itself says, in the three languages.

Answers come from the operator's knowledge base; these are the bot's own lines (greeting, help,
clarification, hand-off...). A test checks every key has all three languages and the same placeholders.
"""

from __future__ import annotations

from bot.settings import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "welcome": {
        "zh-Hans": "您好，我是{brand}售后服务助手。请直接输入您的问题，或选择下面的服务：",
        "zh-Hant": "您好，我是{brand}售後服務助手。請直接輸入您的問題，或選擇下面的服務：",
        "en": "Hello, I am the {brand} after-sales assistant. Type your question, or pick a service below:",
    },
    "help": {
        "zh-Hans": (
            "我可以：\n"
            "• 回答保修、维修费用、服务网点、上门和寄修等常见问题\n"
            "• 帮您预约维修、查询或修改预约\n"
            "• 随时为您转接人工客服（输入“人工”即可）\n"
            "直接用中文或英文描述您的问题就行。"
        ),
        "zh-Hant": (
            "我可以：\n"
            "• 回答保固、維修費用、服務據點、到府和寄修等常見問題\n"
            "• 幫您預約維修、查詢或修改預約\n"
            "• 隨時為您轉接真人客服（輸入「人工」即可）\n"
            "直接用中文或英文描述您的問題就行。"
        ),
        "en": (
            "I can:\n"
            "• answer common questions on warranty, repair costs, service centres, on-site and courier repair\n"
            "• book a repair, look it up or change it\n"
            "• pass you to a person at any time (just type \"human\")\n"
            "Describe your question in English or Chinese."
        ),
    },
    "menu.faq": {"zh-Hans": "常见问题", "zh-Hant": "常見問題", "en": "Common questions"},
    "menu.book": {"zh-Hans": "预约维修", "zh-Hant": "預約維修", "en": "Book a repair"},
    "menu.status": {"zh-Hans": "维修进度", "zh-Hant": "維修進度", "en": "Repair status"},
    "menu.human": {"zh-Hans": "人工客服", "zh-Hant": "真人客服", "en": "Talk to a person"},
    "faq.popular": {
        "zh-Hans": "大家常问的问题：",
        "zh-Hant": "大家常問的問題：",
        "en": "Questions customers often ask:",
    },
    "clarify": {
        "zh-Hans": "您是想问以下哪一个？",
        "zh-Hant": "您是想問以下哪一個？",
        "en": "Did you mean one of these?",
    },
    "clarify.none": {"zh-Hans": "都不是，转人工", "zh-Hant": "都不是，轉真人", "en": "None of these, a person please"},
    "not_understood": {
        "zh-Hans": "抱歉，我不太确定您的意思。能换个说法再描述一下吗？也可以输入“人工”联系客服。",
        "zh-Hant": "抱歉，我不太確定您的意思。能換個說法再描述一下嗎？也可以輸入「人工」聯絡客服。",
        "en": "Sorry, I am not sure what you mean. Could you put it another way? You can also type \"human\" to reach a person.",
    },
    "handoff": {
        "zh-Hans": "我为您转接人工客服，工作人员会查看我们的对话记录并尽快回复您，请稍候。",
        "zh-Hant": "我為您轉接真人客服，工作人員會查看我們的對話紀錄並盡快回覆您，請稍候。",
        "en": "I am passing you to a person from our support team. They will see our conversation and reply as soon as they can.",
    },
    "handoff.low_confidence": {
        "zh-Hans": "这个问题我暂时回答不好，已为您转接人工客服，工作人员会尽快回复您。",
        "zh-Hant": "這個問題我暫時回答不好，已為您轉接真人客服，工作人員會盡快回覆您。",
        "en": "I can't answer this one well, so I have passed you to a person from our support team. They will reply as soon as they can.",
    },
    "handoff.complaint": {
        "zh-Hans": "非常抱歉给您带来不好的体验。已将您的问题优先转给客服主管处理，会尽快与您联系。",
        "zh-Hant": "非常抱歉帶給您不好的體驗。已將您的問題優先轉給客服主管處理，會盡快與您聯絡。",
        "en": "We are very sorry for the trouble. Your case has been passed to a support supervisor with priority, and they will contact you soon.",
    },
    "unsupported": {
        "zh-Hans": "收到了，已保存在对话记录里。不过我目前只能读懂文字，请用文字描述您的问题。",
        "zh-Hant": "收到了，已保存在對話紀錄裡。不過我目前只能讀懂文字，請用文字描述您的問題。",
        "en": "Got it, and it is kept with our conversation. I can only read text, though: please describe your question in words.",
    },
    "too_long": {
        "zh-Hans": "您的消息太长了（超过{limit}字），我没法完整理解。请用一两句话说明问题；我也已把原文转给人工客服。",
        "zh-Hant": "您的訊息太長了（超過{limit}字），我沒辦法完整理解。請用一兩句話說明問題；我也已把原文轉給真人客服。",
        "en": "Your message is too long for me (over {limit} characters). Please sum up your question in a sentence or two; I have also passed the full text to a person.",
    },
    "unreadable": {
        "zh-Hans": "抱歉，这条消息我读不出来（可能是乱码）。请重新用文字描述您的问题。",
        "zh-Hant": "抱歉，這則訊息我讀不出來（可能是亂碼）。請重新用文字描述您的問題。",
        "en": "Sorry, I could not read that message (it looks garbled). Please describe your question in words again.",
    },
    "empty": {
        "zh-Hans": "请输入您的问题，例如“保修期多久？”",
        "zh-Hant": "請輸入您的問題，例如「保固期多久？」",
        "en": "Please type your question, for example \"How long is the warranty?\"",
    },
    "feedback.thanks": {
        "zh-Hans": "谢谢您的反馈！",
        "zh-Hant": "謝謝您的回饋！",
        "en": "Thanks for your feedback!",
    },
    "feedback.sorry": {
        "zh-Hans": "抱歉没能帮上忙。可以换个说法再问，或输入“人工”联系客服。",
        "zh-Hant": "抱歉沒能幫上忙。可以換個說法再問，或輸入「人工」聯絡客服。",
        "en": "Sorry that didn't help. Try asking another way, or type \"human\" to reach a person.",
    },
    "stale": {
        "zh-Hans": "这个按钮已失效，请重新输入您的问题。",
        "zh-Hant": "這個按鈕已失效，請重新輸入您的問題。",
        "en": "That button is no longer valid. Please type your question again.",
    },
    "language.changed": {
        "zh-Hans": "好的，之后我会用简体中文回复您。",
        "zh-Hant": "好的，之後我會用繁體中文回覆您。",
        "en": "OK, I will reply in English from now on.",
    },
    "language.choose": {
        "zh-Hans": "请选择语言：",
        "zh-Hant": "請選擇語言：",
        "en": "Choose a language:",
    },
    "feature.off": {
        "zh-Hans": "在线预约暂未开通。我为您转接人工客服来安排。",
        "zh-Hant": "線上預約暫未開通。我為您轉接真人客服來安排。",
        "en": "Online booking is not available yet. I am passing you to a person who can arrange it.",
    },
    "choose.number": {
        "zh-Hans": "回复数字选择：",
        "zh-Hant": "回覆數字選擇：",
        "en": "Reply with a number:",
    },
}

LANGUAGE_NAMES: dict[Language, str] = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}


def say(key: str, language: Language, **values: object) -> str:
    """The bot's line `key` in `language`, with placeholders filled in."""
    text = MESSAGES[key][language]
    return text.format(**values) if values else text
