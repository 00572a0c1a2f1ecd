"""Booking lines about the conversation itself: starting, resuming, leaving, help, photos and getting stuck.

Namespace "booking.": `bot.engine.booking.messages.say("intro", ...)` reads "booking.intro".
Policy numbers quoted here come from the demo knowledge base (see `bot.i18n.texts`).
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "booking"

TEXTS: Table = {
    "intro": {
        "zh-Hans": "好的，我来帮您预约维修，几步就好。随时可以输入“返回”回到上一步，或输入“取消”退出。",
        "zh-Hant": "好的，我來幫您預約維修，幾步就好。隨時可以輸入「返回」回到上一步，或輸入「取消」退出。",
        "en": 'Sure, let\'s book your repair; it only takes a few steps. Type "back" at any time to go back a step, or "cancel" to stop.',
    },
    "resume": {
        "zh-Hans": "我们继续刚才的预约：",
        "zh-Hant": "我們繼續剛才的預約：",
        "en": "Back to your booking:",
    },
    "left": {
        "zh-Hans": "好的，已退出预约，填写的信息不会保存。需要时随时再找我。",
        "zh-Hant": "好的，已退出預約，填寫的資料不會保存。需要時隨時再找我。",
        "en": "OK, I have stopped the booking and not kept what you entered. Come back any time.",
    },
    "back.first": {
        "zh-Hans": "这已经是第一步了。",
        "zh-Hant": "這已經是第一步了。",
        "en": "This is already the first step.",
    },
    "empty": {
        "zh-Hans": "我没有收到内容。",
        "zh-Hant": "我沒有收到內容。",
        "en": "That message was empty.",
    },
    "stale_button": {
        "zh-Hans": "这个按钮是之前问题的，请回答现在的问题。",
        "zh-Hant": "這個按鈕是之前問題的，請回答現在的問題。",
        "en": "That button belongs to an earlier question; please answer this one.",
    },
    "stale_state": {
        "zh-Hans": "抱歉，之前的预约进度已失效，请重新开始。",
        "zh-Hant": "抱歉，之前的預約進度已失效，請重新開始。",
        "en": "Sorry, your earlier booking progress is no longer valid. Please start again.",
    },
    "already_booking": {
        "zh-Hans": "我们正在预约中。",
        "zh-Hant": "我們正在預約中。",
        "en": "We are in the middle of your booking.",
    },
    "help": {
        "zh-Hans": "正在预约维修：回答下面的问题即可。输入“返回”回到上一步，“取消”退出预约，“人工”联系客服。",
        "zh-Hant": "正在預約維修：回答下面的問題即可。輸入「返回」回到上一步，「取消」退出預約，「人工」聯絡客服。",
        "en": 'You are booking a repair: just answer the question below. Type "back" to go back a step, "cancel" to stop, or "human" for a person.',
    },
    "stuck": {
        "zh-Hans": "看来这一步不太顺利，我已请人工客服来帮您完成预约，他们能看到您已经填写的内容，请稍候。",
        "zh-Hant": "看來這一步不太順利，我已請真人客服來幫您完成預約，他們能看到您已經填寫的內容，請稍候。",
        "en": "This step doesn't seem to be working, so I have asked a person from our team to help you finish the booking. They can see what you have entered so far.",
    },
    "stuck.manage": {
        "zh-Hans": "抱歉，查询或修改您的预约一直没能顺利完成。我已请人工客服来帮您查询、改约或取消，他们能看到我们的对话，请稍候。",
        "zh-Hant": "抱歉，查詢或修改您的預約一直沒能順利完成。我已請真人客服來幫您查詢、改約或取消，他們能看到我們的對話，請稍候。",
        "en": "Sorry, looking up or changing your booking isn't working out. I have asked a person from our team to look it up, move or cancel it for you. They can see our conversation.",
    },
    "media.text_only": {
        "zh-Hans": "收到了，不过这一步请用文字回答。",
        "zh-Hant": "收到了，不過這一步請用文字回答。",
        "en": "Got it, but please answer this step in words.",
    },
    "photo.received": {
        "zh-Hans": "照片已收到，会附在维修单上。",
        "zh-Hant": "照片已收到，會附在維修單上。",
        "en": "Photo received; it will be attached to your repair booking.",
    },
    "photo.describe": {
        "zh-Hans": "照片已收到，会附在维修单上。请再用文字简单描述一下故障，例如“屏幕碎了，触摸失灵”。",
        "zh-Hant": "照片已收到，會附在維修單上。請再用文字簡單描述一下故障，例如「螢幕破了，觸控失靈」。",
        "en": 'Photo received; it will be attached to your booking. Please also describe the fault in a few words, for example "cracked screen, touch not working".',
    },
}
