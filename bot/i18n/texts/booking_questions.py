"""The questions the booking flow asks, one per step, plus its follow-ups (did you mean, only centre).

Namespace "booking.": `bot.engine.booking.messages.say("intro", ...)` reads "booking.intro".
Policy numbers quoted here come from the demo knowledge base (see `bot.i18n.texts`).
"""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "booking"

TEXTS: Table = {
    "ask.type": {
        "zh-Hans": "请问需要维修的是哪类产品？",
        "zh-Hant": "請問需要維修的是哪類產品？",
        "en": "What kind of product needs repairing?",
    },
    "ask.model": {
        "zh-Hans": "是哪个型号的{type}？请从下面选择，或直接输入型号，例如“{example}”（型号在机身背面或包装盒上）。",
        "zh-Hant": "是哪個型號的{type}？請從下面選擇，或直接輸入型號，例如「{example}」（型號在機身背面或包裝盒上）。",
        "en": 'Which model is it ({type})? Pick one below or type the model, for example "{example}" (it is on the back of the device or on the box).',
    },
    "ask.imei": {
        "zh-Hans": "请输入设备的IMEI（15位数字，拨号界面输入*#06#可查看），或机身序列号。没有的话可以跳过。",
        "zh-Hant": "請輸入裝置的IMEI（15位數字，撥號畫面輸入*#06#可查看），或機身序號。沒有的話可以略過。",
        "en": "Please type the device's IMEI (15 digits; dial *#06# to see it) or its serial number, or skip this step.",
    },
    "ask.serial": {
        "zh-Hans": "请输入设备的序列号（SN，在机身背面或底部标签上，例如 C02XK1ABJG5J）。没有的话可以跳过。",
        "zh-Hant": "請輸入裝置的序號（SN，在機身背面或底部標籤上，例如 C02XK1ABJG5J）。沒有的話可以略過。",
        "en": "Please type the serial number (SN, on the label on the back or bottom, for example C02XK1ABJG5J), or skip this step.",
    },
    "ask.fault": {
        "zh-Hans": "请简单描述一下故障，例如“屏幕碎了，触摸失灵”。也可以发送故障照片。",
        "zh-Hant": "請簡單描述一下故障，例如「螢幕破了，觸控失靈」。也可以傳送故障照片。",
        "en": 'Please describe the fault briefly, for example "cracked screen, touch not working". You can also send photos of the fault.',
    },
    "ask.purchase": {
        "zh-Hans": "请问是什么时候购买的？例如“2025-03-01”或“去年五月”，我来帮您查保修。",
        "zh-Hant": "請問是什麼時候購買的？例如「2025-03-01」或「去年五月」，我來幫您查保固。",
        "en": 'When did you buy it? For example "2025-03-01" or "last March"; I will check the warranty for you.',
    },
    "ask.service": {
        "zh-Hans": "您希望怎样维修？",
        "zh-Hant": "您希望怎樣維修？",
        "en": "How would you like it repaired?",
    },
    "ask.city": {
        "zh-Hans": "您在哪个城市？目前可预约：{cities}。",
        "zh-Hant": "您在哪個城市？目前可預約：{cities}。",
        "en": "Which city are you in? You can book in {cities}.",
    },
    "ask.centre.store": {
        "zh-Hans": "请选择{city}的服务中心：\n{centres}",
        "zh-Hant": "請選擇{city}的服務中心：\n{centres}",
        "en": "Please choose a service centre in {city}:\n{centres}",
    },
    "ask.centre.onsite": {
        "zh-Hans": "请选择离您最近的服务中心，由它派工程师上门：\n{centres}",
        "zh-Hant": "請選擇離您最近的服務中心，由它派工程師到府：\n{centres}",
        "en": "Please choose the service centre nearest to you; it sends the engineer:\n{centres}",
    },
    "ask.centre.courier": {
        "zh-Hans": "请选择负责维修的服务中心，快递会把设备送到这里：\n{centres}",
        "zh-Hant": "請選擇負責維修的服務中心，物流會把裝置送到這裡：\n{centres}",
        "en": "Please choose the service centre that will repair it; the courier brings your device there:\n{centres}",
    },
    "ask.address.onsite": {
        "zh-Hans": "请告诉我上门地址（区、街道、小区、门牌号），例如“朝阳区建国路88号3号楼1201”。",
        "zh-Hant": "請告訴我到府地址（區、街道、社區、門牌號），例如「朝陽區建國路88號3號樓1201」。",
        "en": 'What address should the engineer come to (district, street, building, flat)? For example "Flat 1201, Building 3, 88 Jianguo Road, Chaoyang".',
    },
    "ask.address.courier": {
        "zh-Hans": "请告诉我取件地址（区、街道、小区、门牌号），例如“朝阳区建国路88号3号楼1201”。",
        "zh-Hant": "請告訴我收件地址（區、街道、社區、門牌號），例如「朝陽區建國路88號3號樓1201」。",
        "en": 'What address should the courier collect from (district, street, building, flat)? For example "Flat 1201, Building 3, 88 Jianguo Road, Chaoyang".',
    },
    "ask.day": {
        "zh-Hans": "{centre}（营业时间：{hours}）。请选择日期，也可以直接说“明天下午”“周六上午”：",
        "zh-Hant": "{centre}（營業時間：{hours}）。請選擇日期，也可以直接說「明天下午」「週六上午」：",
        "en": '{centre} (hours: {hours}). Please choose a day, or just say "tomorrow afternoon" or "Saturday morning":',
    },
    "ask.slot": {
        "zh-Hans": "{day}可预约的时间：",
        "zh-Hant": "{day}可預約的時段：",
        "en": "Free times on {day}:",
    },
    "ask.loaner": {
        "zh-Hans": "保修期内的维修预计超过1天时，可以免费借用备用机（凭身份证登记，无需押金，数量有限）。需要为您预留吗？",
        "zh-Hant": "保固期內的維修預計超過1天時，可以免費借用備用機（憑身分證登記，無需押金，數量有限）。需要為您預留嗎？",
        "en": "If an in-warranty repair is expected to take more than a day, you can borrow a loaner device free of charge (register with your ID, no deposit, while stocks last). Shall I reserve one?",
    },
    "ask.name": {
        "zh-Hans": "请问怎么称呼您？（联系人姓名）",
        "zh-Hant": "請問怎麼稱呼您？（聯絡人姓名）",
        "en": "What name should we put on the booking?",
    },
    "ask.phone": {
        "zh-Hans": "请留下联系电话，工程师会打这个号码联系您，例如 {example}。",
        "zh-Hant": "請留下聯絡電話，工程師會撥這個號碼聯絡您，例如 {example}。",
        "en": "What phone number can the engineer call you on? For example {example}.",
    },
    "ask.confirm": {
        "zh-Hans": "请确认预约信息：\n{summary}",
        "zh-Hant": "請確認預約資料：\n{summary}",
        "en": "Please check your booking:\n{summary}",
    },
    "ask.change": {
        "zh-Hans": "要修改哪一项？",
        "zh-Hant": "要修改哪一項？",
        "en": "What would you like to change?",
    },
    "did_you_mean": {
        "zh-Hans": "您是指“{name}”吗？",
        "zh-Hant": "您是指「{name}」嗎？",
        "en": 'Did you mean "{name}"?',
    },
    "did_you_mean_many": {
        "zh-Hans": "您是指下面哪一个型号？",
        "zh-Hant": "您是指下面哪一個型號？",
        "en": "Which of these models do you mean?",
    },
    "centre.only": {
        "zh-Hans": "{city}只有一个服务中心，已为您选好：{centre}。",
        "zh-Hant": "{city}只有一個服務中心，已為您選好：{centre}。",
        "en": "There is one service centre in {city}, so I have chosen it for you: {centre}.",
    },
    "time.kept": {
        "zh-Hans": "好的，时间“{when}”我记下了，选日期时会用上。",
        "zh-Hant": "好的，時間「{when}」我記下了，選日期時會用上。",
        "en": 'OK, I have noted "{when}" and will use it when we get to the day and time.',
    },
    "city.mode_unavailable": {
        "zh-Hans": "{city}暂时不提供{mode}，请换一种服务方式。",
        "zh-Hant": "{city}暫時不提供{mode}，請換一種服務方式。",
        "en": "{mode} is not available in {city} yet; please choose another way.",
    },
}
