"""Booking lines refusing an answer the flow cannot use; each is followed by the question again.

Namespace "booking.": `bot.engine.booking.messages.say("intro", ...)` reads "booking.intro".
Policy numbers quoted here come from the demo knowledge base (see `bot.i18n.texts`).
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "booking"

TEXTS: Table = {
    "bad.type": {
        "zh-Hans": "抱歉，没有识别出产品类型，请从下面选择，例如“手机”或“笔记本电脑”。",
        "zh-Hant": "抱歉，沒有辨識出產品類型，請從下面選擇，例如「手機」或「筆記型電腦」。",
        "en": 'Sorry, I didn\'t recognise that product type. Please pick one below, for example "Phone" or "Laptop".',
    },
    "bad.model": {
        "zh-Hans": "抱歉，没有找到型号“{text}”。",
        "zh-Hant": "抱歉，沒有找到型號「{text}」。",
        "en": 'Sorry, I couldn\'t find the model "{text}".',
    },
    "bad.imei": {
        "zh-Hans": "这个IMEI好像不对：IMEI是15位数字，最后一位是校验位，例如 490154203237518。请再核对一下（拨号界面输入*#06#可查看）。",
        "zh-Hant": "這個IMEI好像不對：IMEI是15位數字，最後一位是檢查碼，例如 490154203237518。請再核對一下（撥號畫面輸入*#06#可查看）。",
        "en": "That IMEI doesn't look right: an IMEI has 15 digits and the last one is a check digit, for example 490154203237518. Please check it (dial *#06#).",
    },
    "bad.imei_letters": {
        "zh-Hans": "IMEI只有数字，不能有字母（比如字母O不能代替数字0）。请只输入15位数字，例如 490154203237518。",
        "zh-Hant": "IMEI只有數字，不能有字母（例如字母O不能代替數字0）。請只輸入15位數字，例如 490154203237518。",
        "en": "An IMEI has digits only, no letters (a letter O is not a zero). Please type its 15 digits, for example 490154203237518.",
    },
    "bad.serial": {
        "zh-Hans": "这个序列号好像不对：序列号是6-20位字母和数字，例如 C02XK1ABJG5J。",
        "zh-Hant": "這個序號好像不對：序號是6-20位英文字母和數字，例如 C02XK1ABJG5J。",
        "en": "That serial number doesn't look right: it has 6 to 20 letters and digits, for example C02XK1ABJG5J.",
    },
    "bad.fault": {
        "zh-Hans": "请用几个字描述故障，例如“开不了机”或“屏幕碎了”。",
        "zh-Hant": "請用幾個字描述故障，例如「無法開機」或「螢幕破了」。",
        "en": 'Please describe the fault in a few words, for example "won\'t turn on" or "cracked screen".',
    },
    "bad.purchase": {
        "zh-Hans": "抱歉，没看懂这个日期。请写成“2025-03-01”或“去年五月”这样的形式。",
        "zh-Hant": "抱歉，沒看懂這個日期。請寫成「2025-03-01」或「去年五月」這樣的形式。",
        "en": 'Sorry, I couldn\'t read that date. Please write it like "2025-03-01" or "last March".',
    },
    "bad.purchase_future": {
        "zh-Hans": "这个日期还没到呢，购买日期应该是今天或以前，例如“2025-03-01”。",
        "zh-Hant": "這個日期還沒到呢，購買日期應該是今天或以前，例如「2025-03-01」。",
        "en": 'That date is in the future; the purchase date must be today or earlier, for example "2025-03-01".',
    },
    "bad.purchase_old": {
        "zh-Hans": "这个日期太早了，请核对一下年份，例如“2025-03-01”。",
        "zh-Hant": "這個日期太早了，請核對一下年份，例如「2025-03-01」。",
        "en": 'That date is too long ago; please check the year, for example "2025-03-01".',
    },
    "bad.service": {
        "zh-Hans": "请从下面选择服务方式，例如“到店”或“寄修”。",
        "zh-Hant": "請從下面選擇服務方式，例如「到店」或「寄修」。",
        "en": 'Please pick one of the options below, for example "store" or "courier".',
    },
    "bad.service_unavailable": {
        "zh-Hans": "这个产品暂不支持{mode}，请从下面选择。",
        "zh-Hant": "這個產品暫不支援{mode}，請從下面選擇。",
        "en": "{mode} is not available for this product; please pick one below.",
    },
    "bad.city": {
        "zh-Hans": "抱歉，这个城市暂时没有可预约的服务中心。目前可预约：{cities}。附近没有网点的话，可以选择免费寄修。",
        "zh-Hant": "抱歉，這個城市暫時沒有可預約的服務中心。目前可預約：{cities}。附近沒有據點的話，可以選擇免費寄修。",
        "en": "Sorry, there is no service centre to book in that city yet. You can book in {cities}; if none is near you, the courier repair is free.",
    },
    "bad.centre": {
        "zh-Hans": "请从下面选择服务中心，也可以输入区名，例如“朝阳”。",
        "zh-Hant": "請從下面選擇服務中心，也可以輸入區名，例如「朝陽」。",
        "en": 'Please pick a service centre below, or type its district, for example "Chaoyang".',
    },
    "bad.address": {
        "zh-Hans": "地址太简单了，请写到门牌号，例如“朝阳区建国路88号3号楼1201”。",
        "zh-Hant": "地址太簡單了，請寫到門牌號，例如「朝陽區建國路88號3號樓1201」。",
        "en": 'That address is too short; please include the street and number, for example "Flat 1201, Building 3, 88 Jianguo Road, Chaoyang".',
    },
    "bad.day": {
        "zh-Hans": "抱歉，没看懂哪一天，请从下面选择，或说“明天”“周六上午”。",
        "zh-Hant": "抱歉，沒看懂哪一天，請從下面選擇，或說「明天」「週六上午」。",
        "en": 'Sorry, I couldn\'t tell which day. Pick one below, or say "tomorrow" or "Saturday morning".',
    },
    "bad.day_full": {
        "zh-Hans": "{day}没有可预约的时间了，请选择其他日期。",
        "zh-Hant": "{day}沒有可預約的時段了，請選擇其他日期。",
        "en": "There are no free times on {day}; please choose another day.",
    },
    "bad.slot": {
        "zh-Hans": "请从下面选择时间，或输入“10点”“下午”这样的时间。",
        "zh-Hant": "請從下面選擇時段，或輸入「10點」「下午」這樣的時間。",
        "en": 'Please pick a time below, or type a time such as "10am" or "afternoon".',
    },
    "bad.slot_none": {
        "zh-Hans": "{time}没有可预约的时段，请从下面选择。",
        "zh-Hant": "{time}沒有可預約的時段，請從下面選擇。",
        "en": "Nothing is free at {time}; please pick a time below.",
    },
    "bad.slot_full": {
        "zh-Hans": "这个时间已经约满了，请选择其他时间。",
        "zh-Hant": "這個時段已經約滿了，請選擇其他時段。",
        "en": "That time is fully booked; please choose another one.",
    },
    "bad.yes_no": {
        "zh-Hans": "请回答“是”或“否”，也可以点下面的选项。",
        "zh-Hant": "請回答「是」或「否」，也可以點下面的選項。",
        "en": 'Please answer "yes" or "no", or pick an option below.',
    },
    "bad.name": {
        "zh-Hans": "请输入联系人的姓名，例如“张先生”或“李明”。",
        "zh-Hant": "請輸入聯絡人的姓名，例如「張先生」或「李明」。",
        "en": 'Please type the contact person\'s name, for example "Li Ming".',
    },
    "bad.phone": {
        "zh-Hans": "这个号码好像不对，请输入手机号或带区号的固定电话，例如 {example} 或 010-65000000。",
        "zh-Hant": "這個號碼好像不對，請輸入手機號碼或含區碼的市話，例如 {example}。",
        "en": "That number doesn't look right. Please type a mobile number or a landline with its area code, for example {example}.",
    },
    "bad.phone_letters": {
        "zh-Hans": "电话号码里只能有数字，不能有字母（比如字母O不能代替数字0），请只输入数字，例如 {example}。",
        "zh-Hant": "電話號碼裡只能有數字，不能有字母（例如字母O不能代替數字0），請只輸入數字，例如 {example}。",
        "en": "A phone number can only contain digits, no letters (a letter O is not a zero). Please type digits only, for example {example}.",
    },
    "bad.confirm": {
        "zh-Hans": "请选择“确认预约”“修改信息”或“取消”。",
        "zh-Hant": "請選擇「確認預約」「修改資料」或「取消」。",
        "en": 'Please choose "Confirm booking", "Change something" or "Cancel".',
    },
    "bad.change": {
        "zh-Hans": "请从下面选择要修改的项目。",
        "zh-Hant": "請從下面選擇要修改的項目。",
        "en": "Please pick what to change from the list below.",
    },
}
