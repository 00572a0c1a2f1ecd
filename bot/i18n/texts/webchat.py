"""Lines of the web chat (namespace "webchat."): the widget's own words, its notices, the demo page.

What the bot says in a conversation comes from the engine's and the hand-off's topics; these are the
widget's frame (buttons, labels, placeholders), the polite refusals of the chat API (too fast, too
big, wrong file type) and the demo host page served at `/`.
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "webchat"

TEXTS: Table = {
    "title": {"zh-Hans": "在线客服", "zh-Hant": "線上客服", "en": "Customer support"},
    "open": {"zh-Hans": "打开在线客服", "zh-Hant": "開啟線上客服", "en": "Open the support chat"},
    "close": {"zh-Hans": "关闭", "zh-Hant": "關閉", "en": "Close"},
    "placeholder": {"zh-Hans": "请输入您的问题…", "zh-Hant": "請輸入您的問題…", "en": "Type your question…"},
    "send": {"zh-Hans": "发送", "zh-Hant": "傳送", "en": "Send"},
    "human": {"zh-Hans": "转人工", "zh-Hant": "轉真人客服", "en": "Talk to a person"},
    "upload": {"zh-Hans": "发送图片", "zh-Hant": "傳送圖片", "en": "Send a photo"},
    "bot_label": {"zh-Hans": "BOT 机器人", "zh-Hant": "BOT 機器人", "en": "BOT"},
    "person_label": {"zh-Hans": "人工客服", "zh-Hant": "真人客服", "en": "Person"},
    "you": {"zh-Hans": "我", "zh-Hant": "我", "en": "You"},
    "feedback_up": {"zh-Hans": "有帮助", "zh-Hant": "有幫助", "en": "Helpful"},
    "feedback_down": {"zh-Hans": "没帮助", "zh-Hant": "沒幫助", "en": "Not helpful"},
    "connecting": {"zh-Hans": "正在连接…", "zh-Hant": "正在連線…", "en": "Connecting…"},
    "reconnecting": {
        "zh-Hans": "连接中断，正在重新连接，消息不会丢失。",
        "zh-Hant": "連線中斷，正在重新連線，訊息不會遺失。",
        "en": "Connection lost: reconnecting. No message will be lost.",
    },
    "send_failed": {
        "zh-Hans": "消息暂时没有发出，正在重试。",
        "zh-Hant": "訊息暫時沒有送出，正在重試。",
        "en": "Your message did not go through yet: trying again.",
    },
    "rate_limited": {
        "zh-Hans": "您发送得太快了，请稍等一分钟再发，我们不会漏掉您的问题。",
        "zh-Hant": "您傳送得太快了，請稍等一分鐘再傳，我們不會漏掉您的問題。",
        "en": "You are sending messages faster than we can read them. Please wait a minute and send it again.",
    },
    "too_big": {
        "zh-Hans": "图片太大了，请发送不超过 {megabytes} MB 的图片。",
        "zh-Hant": "圖片太大了，請傳送不超過 {megabytes} MB 的圖片。",
        "en": "That photo is too large. Please send one of at most {megabytes} MB.",
    },
    "bad_type": {
        "zh-Hans": "只能发送 JPEG、PNG、GIF 或 WebP 格式的图片。",
        "zh-Hant": "只能傳送 JPEG、PNG、GIF 或 WebP 格式的圖片。",
        "en": "Only JPEG, PNG, GIF or WebP photos can be sent.",
    },
    "too_long": {
        "zh-Hans": "消息太长了，请分几次发送，或用一两句话说明问题。",
        "zh-Hant": "訊息太長了，請分幾次傳送，或用一兩句話說明問題。",
        "en": "That message is too long. Please send it in parts, or sum up your question in a sentence or two.",
    },
    "bad_request": {
        "zh-Hans": "这条消息无法发送，请刷新页面后再试。",
        "zh-Hant": "這則訊息無法傳送，請重新整理頁面後再試。",
        "en": "That message could not be sent. Please reload the page and try again.",
    },
    "session_expired": {
        "zh-Hans": "会话已失效，请刷新页面。",
        "zh-Hant": "工作階段已失效，請重新整理頁面。",
        "en": "Your chat session has expired. Please reload the page.",
    },
    "identity_refused": {
        "zh-Hans": "无法验证您的登录身份，请重新登录后再打开客服。",
        "zh-Hant": "無法驗證您的登入身分，請重新登入後再開啟客服。",
        "en": "We could not verify who you are. Please sign in again and reopen the chat.",
    },
    "identity_required": {
        "zh-Hans": "请先登录，再使用在线客服。",
        "zh-Hant": "請先登入，再使用線上客服。",
        "en": "Please sign in to use the support chat.",
    },
    "refused_title": {"zh-Hans": "无法在此页面打开客服", "zh-Hant": "無法在此頁面開啟客服", "en": "The chat cannot open on this page"},
    "refused_body": {
        "zh-Hans": "这个网站没有被允许嵌入本客服窗口。",
        "zh-Hant": "這個網站未被允許嵌入本客服視窗。",
        "en": "This website is not allowed to embed this support chat.",
    },
    "too_many_sessions": {
        "zh-Hans": "从您的网络打开的对话太多了，请稍等几分钟再试。",
        "zh-Hant": "從您的網路開啟的對話太多了，請稍等幾分鐘再試。",
        "en": "Too many chats were opened from your network. Please wait a few minutes and try again.",
    },
    "unknown_site": {
        "zh-Hans": "此网站没有开通在线客服。",
        "zh-Hant": "此網站沒有開通線上客服。",
        "en": "This site has no support chat.",
    },
    "other_languages": {"zh-Hans": "其他语言：", "zh-Hant": "其他語言：", "en": "Other languages:"},
    "your_photo": {"zh-Hans": "[您发送了一张图片]", "zh-Hant": "[您傳送了一張圖片]", "en": "[You sent a photo]"},
    "demo_title": {"zh-Hans": "示例厂商 · 售后服务", "zh-Hant": "示例廠商 · 售後服務", "en": "Example Vendor · After-sales service"},
    "demo_intro": {
        "zh-Hans": "这是一个假想厂商的支持页面。点击右下角的气泡，和客服机器人聊天。",
        "zh-Hant": "這是一個假想廠商的支援頁面。點擊右下角的氣泡，和客服機器人聊天。",
        "en": "This is a pretend vendor's support page. Press the bubble at the bottom right to chat with the support bot.",
    },
    "demo_try": {
        "zh-Hans": "可以试试：“保修期多长时间”、“换电池多少钱”、“转人工”。",
        "zh-Hant": "可以試試：「保固多久」、「換電池要多少錢」、「轉真人」。",
        "en": "Try: \"How long is the warranty?\", \"How much is a new battery?\", \"talk to a person\".",
    },
}
