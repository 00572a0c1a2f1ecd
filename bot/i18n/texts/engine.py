"""The conversation engine's own lines: greeting, help, clarification, hand-off, survey, dates in words.

Answers come from the operator's knowledge base; these are the bot's own lines. Customer lines said
during a hand-off (`handoff.*`, `survey.*`) live here too: the customer reads them, whoever sends them.
"""

from __future__ import annotations

from bot.i18n.entries import Table, plural

NAMESPACE = ""  # the engine's lines are the catalog's plain keys: "welcome", "handoff.queue"

TEXTS: Table = {
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
    # -- human hand-off (bot/handoff/) ----------------------------------------------------------
    "handoff.cancel": {"zh-Hans": "返回智能助手", "zh-Hant": "返回智慧助理", "en": "Back to the assistant"},
    "handoff.queue": {
        "zh-Hans": "您目前排在第 {position} 位。",
        "zh-Hant": "您目前排在第 {position} 位。",
        "en": "You are number {position} in the queue.",
    },
    "handoff.wait.urgent": {
        "zh-Hans": "非常抱歉给您带来不好的体验。我已将您的请求标记为紧急并通知了客服团队，会优先处理。",
        "zh-Hant": "非常抱歉給您帶來不好的體驗。我已將您的請求標記為緊急並通知了客服團隊，會優先處理。",
        "en": "I am sorry about this. I have marked your request as urgent and told our support team, so it is handled first.",
    },
    "handoff.wait.urgent.assigned": {
        "zh-Hans": "非常抱歉给您带来不好的体验。我已将您的请求标记为紧急，并提醒了客服 {agent}。",
        "zh-Hant": "非常抱歉給您帶來不好的體驗。我已將您的請求標記為緊急，並提醒了客服 {agent}。",
        "en": "I am sorry about this. I have marked your request as urgent and let {agent} know.",
    },
    "handoff.wait.still_urgent": {
        "zh-Hans": "抱歉让您久等了。您的请求已标记为紧急，客服会优先处理。",
        "zh-Hant": "抱歉讓您久等了。您的請求已標記為緊急，客服會優先處理。",
        "en": "I am sorry for the wait. Your request is marked as urgent and our team will handle it first.",
    },
    "handoff.wait.agent_late": {
        "zh-Hans": "抱歉让您久等了。客服 {agent} 已收到您的消息，会尽快回复您。",
        "zh-Hant": "抱歉讓您久等了。客服 {agent} 已收到您的訊息，會盡快回覆您。",
        "en": "Sorry for the wait: {agent} has your messages and will reply as soon as possible.",
    },
    "handoff.wait.agent_late.urgent": {
        "zh-Hans": "抱歉让您久等了。客服 {agent} 已收到您的消息，您的请求已标记为紧急，会尽快回复您。",
        "zh-Hant": "抱歉讓您久等了。客服 {agent} 已收到您的訊息，您的請求已標記為緊急，會盡快回覆您。",
        "en": "Sorry for the wait: {agent} has your messages, your request is marked as urgent and you will hear back as soon as possible.",
    },
    "handoff.wait.someone": {"zh-Hans": "值班同事", "zh-Hant": "值班同事", "en": "our agent"},  # an agent without a name
    "handoff.wait.minutes": {
        "zh-Hans": "最近大家等待人工的时间约为 {minutes} 分钟。",
        "zh-Hant": "最近大家等待真人客服的時間約為 {minutes} 分鐘。",
        "en": plural(
            "minutes",
            one="Recently people have waited about {minutes} minute for a person.",
            other="Recently people have waited about {minutes} minutes for a person.",
        ),
    },
    "handoff.wait.hours": {
        "zh-Hans": "最近大家等待人工的时间约为 {hours} 小时，请耐心等候。",
        "zh-Hant": "最近大家等待真人客服的時間約為 {hours} 小時，請耐心等候。",
        "en": "Recently people have waited about {hours} hours for a person; thank you for your patience.",
    },
    "handoff.wait.unknown": {
        "zh-Hans": "工作人员会尽快回复，通常几分钟内。",
        "zh-Hant": "工作人員會盡快回覆，通常幾分鐘內。",
        "en": "A person will reply as soon as possible, usually within a few minutes.",
    },
    "handoff.offline": {
        "zh-Hans": "现在是客服下班时间，{opening}恢复服务。您可以先在这里留言说明问题，我们最晚会在{due}前回复您。",
        "zh-Hant": "現在是客服下班時間，{opening}恢復服務。您可以先在這裡留言說明問題，我們最晚會在{due}前回覆您。",
        "en": "Our support team is off duty now and back {opening}. You can leave your question here; we will reply by {due} at the latest.",
    },
    "handoff.ack": {
        "zh-Hans": "收到，已转给人工客服。",
        "zh-Hant": "收到，已轉給真人客服。",
        "en": "Got it, passed on to our support team.",
    },
    "handoff.ack.offline": {
        "zh-Hans": "收到，客服{opening}上班后会看到您的消息，最晚在{due}前回复您。",
        "zh-Hant": "收到，客服{opening}上班後會看到您的訊息，最晚在{due}前回覆您。",
        "en": "Got it. Our team will see your message when they are back {opening} and reply by {due} at the latest.",
    },
    "handoff.with_person": {
        "zh-Hans": "您现在由人工客服服务，您发的消息都会转给工作人员。想回到智能助手，请点下面的按钮或输入“返回机器人”。",
        "zh-Hant": "您現在由真人客服服務，您傳的訊息都會轉給工作人員。想回到智慧助理，請點下面的按鈕或輸入「返回機器人」。",
        "en": "A person is handling your conversation and gets every message you send. To go back to the assistant, press the button below or type \"back to bot\".",
    },
    "handoff.cancelled": {
        "zh-Hans": "好的，已取消人工服务。您可以继续向我提问，需要时再输入“人工”。",
        "zh-Hant": "好的，已取消真人服務。您可以繼續向我提問，需要時再輸入「人工」。",
        "en": "OK, the request for a person is cancelled. Ask me anything; type \"human\" if you need a person again.",
    },
    "handoff.not_active": {
        "zh-Hans": "您现在就在和智能助手对话，请直接输入您的问题。",
        "zh-Hant": "您現在就在和智慧助理對話，請直接輸入您的問題。",
        "en": "You are talking to the assistant already: just type your question.",
    },
    "handoff.taken": {
        "zh-Hans": "人工客服 {agent} 已接入，正在查看我们之前的对话。",
        "zh-Hant": "真人客服 {agent} 已接入，正在查看我們之前的對話。",
        "en": "{agent} from our support team has joined and is reading our conversation.",
    },
    "handoff.released": {
        "zh-Hans": "客服 {agent} 暂时离开，您已重新排队，其他同事会尽快接手。",
        "zh-Hant": "客服 {agent} 暫時離開，您已重新排隊，其他同事會盡快接手。",
        "en": "{agent} had to step away: you are back in the queue and a colleague will pick up soon.",
    },
    "handoff.closed": {
        "zh-Hans": "本次人工服务已结束，感谢您的耐心。之后有问题随时问我，需要时输入“人工”。",
        "zh-Hant": "本次真人服務已結束，感謝您的耐心。之後有問題隨時問我，需要時輸入「人工」。",
        "en": "This conversation with our team is closed. Thank you for your patience! Ask me anything, or type \"human\" for a person.",
    },
    "handoff.to_bot": {
        "zh-Hans": "客服已将对话交回智能助手，您可以继续向我提问；需要人工时输入“人工”。",
        "zh-Hant": "客服已將對話交回智慧助理，您可以繼續向我提問；需要真人時輸入「人工」。",
        "en": "Our team has handed you back to the assistant: ask me anything, or type \"human\" for a person.",
    },
    "handoff.while_away": {
        "zh-Hans": "您离开期间，客服给您留了言：",
        "zh-Hant": "您離開期間，客服給您留了言：",
        "en": "While you were away, our support team wrote:",
    },
    "survey.ask": {
        "zh-Hans": "请为本次人工服务打分：1 分最不满意，5 分最满意。",
        "zh-Hant": "請為本次真人服務評分：1 分最不滿意，5 分最滿意。",
        "en": "How was our support? Rate it from 1 (poor) to 5 (excellent).",
    },
    "survey.comment": {
        "zh-Hans": "谢谢您的评分！还有什么想告诉我们的吗？直接输入即可，或点“跳过”。",
        "zh-Hant": "謝謝您的評分！還有什麼想告訴我們的嗎？直接輸入即可，或點「跳過」。",
        "en": "Thank you for the rating! Anything you would like to tell us? Just type it, or press Skip.",
    },
    "survey.skip": {"zh-Hans": "跳过", "zh-Hant": "跳過", "en": "Skip"},
    "survey.thanks": {
        "zh-Hans": "感谢您的反馈，我们会继续改进！",
        "zh-Hant": "感謝您的回饋，我們會繼續改進！",
        "en": "Thank you for your feedback, it helps us improve!",
    },
    "when.today": {"zh-Hans": "今天 {time}", "zh-Hant": "今天 {time}", "en": "today at {time}"},
    "when.tomorrow": {"zh-Hans": "明天 {time}", "zh-Hant": "明天 {time}", "en": "tomorrow at {time}"},
    "when.date": {
        "zh-Hans": "{month}月{day}日（{weekday}）{time}",
        "zh-Hant": "{month}月{day}日（{weekday}）{time}",
        "en": "{weekday} {day} {month} at {time}",
    },
}
