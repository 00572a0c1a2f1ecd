"""Every line the booking flow says, in zh-Hans, zh-Hant and en.

Policy numbers match the demo knowledge base (knowledge/faq): engineers call back within 2 hours on
working days; bookings can be changed or cancelled free up to 2 hours before; loaners are free, with ID
and no deposit; an in-warranty repair not done in 14 days gets a new device; courier pickup is free both
ways within 24 hours; out of warranty the check is free and labour is 80 yuan plus parts, quoted first.
A test checks every key has the three languages with the same placeholders.
"""

from __future__ import annotations

from bot.settings import Language

MESSAGES: dict[str, dict[Language, str]] = {
    # -- flow ---------------------------------------------------------------------------------------
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
    # -- questions ----------------------------------------------------------------------------------
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
    # -- options ------------------------------------------------------------------------------------
    "option.skip": {"zh-Hans": "跳过", "zh-Hant": "略過", "en": "Skip"},
    "option.dont_know": {"zh-Hans": "不记得了", "zh-Hant": "不記得了", "en": "I don't remember"},
    "option.none_of_these": {"zh-Hans": "都不是", "zh-Hant": "都不是", "en": "None of these"},
    "option.loaner_yes": {"zh-Hans": "需要备用机", "zh-Hant": "需要備用機", "en": "Yes, reserve one"},
    "option.loaner_no": {"zh-Hans": "不需要", "zh-Hant": "不需要", "en": "No, thanks"},
    "option.confirm": {"zh-Hans": "确认预约", "zh-Hant": "確認預約", "en": "Confirm booking"},
    "option.change": {"zh-Hans": "修改信息", "zh-Hant": "修改資料", "en": "Change something"},
    "option.details": {"zh-Hans": "查看地址和详情", "zh-Hant": "查看地址和詳情", "en": "Address and details"},
    "option.cancel": {"zh-Hans": "取消", "zh-Hant": "取消", "en": "Cancel"},
    "option.nothing": {"zh-Hans": "不用改了", "zh-Hant": "不用改了", "en": "Nothing, go back"},
    "option.day": {
        "zh-Hans": "{day}（{count}个时段可约）",
        "zh-Hant": "{day}（{count}個時段可約）",
        "en": "{day} ({count} times free)",
    },
    "option.slot": {
        "zh-Hans": "{time}（剩{free}个名额）",
        "zh-Hant": "{time}（剩{free}個名額）",
        "en": "{time} ({free} left)",
    },
    "option.book": {"zh-Hans": "预约维修", "zh-Hant": "預約維修", "en": "Book a repair"},
    "option.move": {"zh-Hans": "改约时间", "zh-Hant": "更改時間", "en": "Move to another time"},
    "option.cancel_booking": {"zh-Hans": "取消预约", "zh-Hant": "取消預約", "en": "Cancel the booking"},
    "option.done": {"zh-Hans": "没有了，谢谢", "zh-Hant": "沒有了，謝謝", "en": "That's all, thanks"},
    "option.cancel_yes": {"zh-Hans": "确定取消", "zh-Hant": "確定取消", "en": "Yes, cancel it"},
    "option.cancel_no": {"zh-Hans": "不取消", "zh-Hant": "不取消", "en": "No, keep it"},
    "change.product": {"zh-Hans": "产品型号", "zh-Hant": "產品型號", "en": "Product"},
    "change.serial": {"zh-Hans": "序列号/IMEI", "zh-Hant": "序號/IMEI", "en": "Serial number / IMEI"},
    "change.fault": {"zh-Hans": "故障描述", "zh-Hant": "故障描述", "en": "Fault"},
    "change.purchase": {"zh-Hans": "购买日期", "zh-Hant": "購買日期", "en": "Purchase date"},
    "change.service": {"zh-Hans": "服务方式", "zh-Hant": "服務方式", "en": "Service type"},
    "change.centre": {"zh-Hans": "城市和服务中心", "zh-Hant": "城市和服務中心", "en": "City and centre"},
    "change.time": {"zh-Hans": "预约时间", "zh-Hant": "預約時間", "en": "Time"},
    "change.address": {"zh-Hans": "地址", "zh-Hant": "地址", "en": "Address"},
    "change.loaner": {"zh-Hans": "备用机", "zh-Hant": "備用機", "en": "Loaner"},
    "change.contact": {"zh-Hans": "联系人和电话", "zh-Hant": "聯絡人和電話", "en": "Name and phone"},
    # -- service modes ------------------------------------------------------------------------------
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
    # -- errors (each followed by the question again) -------------------------------------------------
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
    # -- slots --------------------------------------------------------------------------------------
    "no_slot": {
        "zh-Hans": "抱歉，{centre}未来7天已经约满了。我已为您转接人工客服帮您安排，也可以拨打服务中心电话 {phone}。",
        "zh-Hant": "抱歉，{centre}未來7天已經約滿了。我已為您轉接真人客服協助安排，也可以撥打服務中心電話 {phone}。",
        "en": "Sorry, {centre} is fully booked for the next 7 days. I have passed you to a person who can arrange something, or you can call the centre on {phone}.",
    },
    "slot_taken": {
        "zh-Hans": "抱歉，这个时间刚刚被约满了，请重新选择。",
        "zh-Hant": "抱歉，這個時段剛剛被約滿了，請重新選擇。",
        "en": "Sorry, that time has just been taken. Please choose again.",
    },
    "slot_gone": {
        "zh-Hans": "这个时间已经过去或不再开放，请重新选择。",
        "zh-Hant": "這個時段已經過去或不再開放，請重新選擇。",
        "en": "That time has passed or is no longer open. Please choose again.",
    },
    "day.today": {"zh-Hans": "今天 {day}", "zh-Hant": "今天 {day}", "en": "Today, {day}"},
    "day.tomorrow": {"zh-Hans": "明天 {day}", "zh-Hant": "明天 {day}", "en": "Tomorrow, {day}"},
    "range": {"zh-Hans": "{first}至{last}之间", "zh-Hant": "{first}至{last}之間", "en": "between {first} and {last}"},
    "list.separator": {"zh-Hans": "、", "zh-Hant": "、", "en": ", "},
    "hours.daily": {"zh-Hans": "每天", "zh-Hant": "每天", "en": "daily"},
    "hours.closed": {"zh-Hans": "休息", "zh-Hant": "公休", "en": "closed"},
    "hours.separator": {"zh-Hans": "；", "zh-Hant": "；", "en": "; "},
    "hours.holidays": {
        "zh-Hans": "，法定节假日 {hours}",
        "zh-Hant": "，國定假日 {hours}",
        "en": ", public holidays {hours}",
    },
    "centre.line": {
        "zh-Hans": "{name}（{address}，电话 {phone}）",
        "zh-Hant": "{name}（{address}，電話 {phone}）",
        "en": "{name} ({address}, phone {phone})",
    },
    # -- summary ------------------------------------------------------------------------------------
    "summary.brief": {
        "zh-Hans": "{model}：{fault}\n{service}：{centre}\n时间：{time}\n联系人：{name} {phone}",
        "zh-Hant": "{model}：{fault}\n{service}：{centre}\n時間：{time}\n聯絡人：{name} {phone}",
        "en": "{model}: {fault}\n{service}: {centre}\nTime: {time}\nContact: {name} {phone}",
    },
    "summary.product": {
        "zh-Hans": "产品：{model}（{type}）",
        "zh-Hant": "產品：{model}（{type}）",
        "en": "Product: {model} ({type})",
    },
    "summary.serial": {"zh-Hans": "序列号/IMEI：{value}", "zh-Hant": "序號/IMEI：{value}", "en": "Serial / IMEI: {value}"},
    "summary.serial_none": {
        "zh-Hans": "序列号/IMEI：未提供",
        "zh-Hant": "序號/IMEI：未提供",
        "en": "Serial / IMEI: not given",
    },
    "summary.fault": {"zh-Hans": "故障：{fault}", "zh-Hant": "故障：{fault}", "en": "Fault: {fault}"},
    "summary.photos": {
        "zh-Hans": "（附照片{count}张）",
        "zh-Hant": "（附照片{count}張）",
        "en": " ({count} photos attached)",
    },
    "summary.purchase": {
        "zh-Hans": "购买日期：{purchase}，{warranty}",
        "zh-Hant": "購買日期：{purchase}，{warranty}",
        "en": "Bought: {purchase}, {warranty}",
    },
    "summary.purchase_unknown": {"zh-Hans": "不详", "zh-Hant": "不詳", "en": "unknown"},
    "summary.service": {"zh-Hans": "服务方式：{service}", "zh-Hant": "服務方式：{service}", "en": "Service: {service}"},
    "summary.centre": {"zh-Hans": "服务中心：{centre}", "zh-Hant": "服務中心：{centre}", "en": "Centre: {centre}"},
    "summary.address": {"zh-Hans": "地址：{address}", "zh-Hant": "地址：{address}", "en": "Address: {address}"},
    "summary.time": {"zh-Hans": "时间：{time}", "zh-Hant": "時間：{time}", "en": "Time: {time}"},
    "summary.loaner_yes": {"zh-Hans": "备用机：需要", "zh-Hant": "備用機：需要", "en": "Loaner: yes"},
    "summary.loaner_no": {"zh-Hans": "备用机：不需要", "zh-Hant": "備用機：不需要", "en": "Loaner: no"},
    "summary.contact": {
        "zh-Hans": "联系人：{name}，{phone}",
        "zh-Hant": "聯絡人：{name}，{phone}",
        "en": "Contact: {name}, {phone}",
    },
    # -- booked -------------------------------------------------------------------------------------
    "booked": {
        "zh-Hans": "预约成功！您的维修单号是 {ticket}，时间：{when}。",
        "zh-Hant": "預約成功！您的維修單號是 {ticket}，時間：{when}。",
        "en": "You're booked! Your repair number is {ticket}, for {when}.",
    },
    "next.store": {
        "zh-Hans": "请按时带上设备、发票和充电器到{centre}，预约用户优先接待。",
        "zh-Hant": "請準時攜帶裝置、發票和充電器到{centre}，預約用戶優先接待。",
        "en": "Please bring the device, the invoice and the charger to {centre}; customers with a booking are served first.",
    },
    "next.onsite": {
        "zh-Hans": "工程师会在约定时间上门：{address}。负责的服务中心：{centre}。",
        "zh-Hant": "工程師會在約定時段到府：{address}。負責的服務中心：{centre}。",
        "en": "The engineer will come to {address} at that time. Your service centre: {centre}.",
    },
    "next.courier": {
        "zh-Hans": "快递员会在约定时间到{address}上门取件，往返运费全免，没有包装盒也没关系。维修中心：{centre}。",
        "zh-Hant": "物流人員會在約定時段到{address}收件，來回運費全免，沒有包裝盒也沒關係。維修中心：{centre}。",
        "en": "A courier will collect the device from {address} at that time; shipping is free both ways and they bring packaging. Repair centre: {centre}.",
    },
    "next.loaner": {
        "zh-Hans": "备用机已为您登记，取用时请带身份证。",
        "zh-Hant": "備用機已為您登記，領取時請攜帶身分證。",
        "en": "A loaner is noted for you; bring your ID to collect it.",
    },
    "next.call_soon": {
        "zh-Hans": "工程师会在2小时内给您打电话确认。",
        "zh-Hant": "工程師會在2小時內致電與您確認。",
        "en": "An engineer will call you within 2 hours to confirm.",
    },
    "next.call_later": {
        "zh-Hans": "现在是非工作时间，工程师会在{day} 11:00前给您打电话确认（工作日9:00-18:00内2小时回电）。",
        "zh-Hant": "現在是非上班時間，工程師會在{day} 11:00前致電與您確認（工作日9:00-18:00內2小時回電）。",
        "en": "It is outside working hours now, so an engineer will call you before 11:00 on {day} to confirm (on working days, 9:00-18:00, within 2 hours).",
    },
    "next.manage": {
        "zh-Hans": "查询进度、改约或取消，随时发“维修进度”和单号 {ticket} 给我；改约和取消最晚在预约时间前2小时，免费。",
        "zh-Hant": "查詢進度、改約或取消，隨時傳「維修進度」和單號 {ticket} 給我；改約和取消最晚在預約時間前2小時，免費。",
        "en": 'To check, move or cancel it, send me "repair status" and {ticket} at any time; changes and cancellations are free up to 2 hours before.',
    },
    # -- status, move, cancel -----------------------------------------------------------------------
    "manage.none": {
        "zh-Hans": "在这里没有找到您的预约。如果有维修单号（例如 R7K-4Q2），请直接发给我。",
        "zh-Hant": "在這裡沒有找到您的預約。如果有維修單號（例如 R7K-4Q2），請直接傳給我。",
        "en": "I can't find any bookings of yours here. If you have a repair number (like R7K-4Q2), send it to me.",
    },
    "manage.pick": {
        "zh-Hans": "您的预约如下，请选择要查看的单号，或直接输入单号：",
        "zh-Hant": "您的預約如下，請選擇要查看的單號，或直接輸入單號：",
        "en": "Here are your bookings. Pick one, or type its repair number:",
    },
    "manage.not_found": {
        "zh-Hans": "没有找到您名下单号为 {ticket} 的预约，请核对单号（单号只能在预约时使用的账号上查询）。",
        "zh-Hant": "沒有找到您名下單號為 {ticket} 的預約，請核對單號（單號只能在預約時使用的帳號上查詢）。",
        "en": "I can't find a booking {ticket} of yours. Please check the number (a booking can only be looked up from the account it was made with).",
    },
    "manage.ask_ticket": {
        "zh-Hans": "请输入维修单号，例如 R7K-4Q2。",
        "zh-Hant": "請輸入維修單號，例如 R7K-4Q2。",
        "en": "Please type the repair number, for example R7K-4Q2.",
    },
    "manage.detail": {
        "zh-Hans": "单号 {ticket}：{status}\n{model}，{service}\n{centre}，{when}",
        "zh-Hant": "單號 {ticket}：{status}\n{model}，{service}\n{centre}，{when}",
        "en": "Repair {ticket}: {status}\n{model}, {service}\n{centre}, {when}",
    },
    "manage.what": {
        "zh-Hans": "需要改约或取消吗？",
        "zh-Hant": "需要改約或取消嗎？",
        "en": "Would you like to move or cancel it?",
    },
    "manage.bad_action": {
        "zh-Hans": "请选择“改约时间”“取消预约”或“没有了”。",
        "zh-Hant": "請選擇「更改時間」「取消預約」或「沒有了」。",
        "en": 'Please choose "Move", "Cancel" or "That\'s all".',
    },
    "manage.too_late": {
        "zh-Hans": "距离预约时间已不足2小时，无法在线改约或取消，请致电服务中心 {phone}。",
        "zh-Hant": "距離預約時間已不足2小時，無法線上改約或取消，請致電服務中心 {phone}。",
        "en": "The appointment is less than 2 hours away, so it can no longer be changed online; please call the centre on {phone}.",
    },
    "manage.cannot_change": {
        "zh-Hans": "这个预约现在不能在线修改（已取消、已过时间，或距离预约不足2小时）。",
        "zh-Hant": "這個預約現在無法線上修改（已取消、已過時間，或距離預約不足2小時）。",
        "en": "This booking can't be changed online now (it is cancelled, past, or less than 2 hours away).",
    },
    "manage.move_intro": {
        "zh-Hans": "为单号 {ticket} 选择新的时间。",
        "zh-Hant": "為單號 {ticket} 選擇新的時段。",
        "en": "Choose a new time for {ticket}.",
    },
    "manage.moved": {
        "zh-Hans": "已改约：单号 {ticket} 改到 {when}，{centre}。改约免费，工程师会按新时间联系您。",
        "zh-Hant": "已改約：單號 {ticket} 改到 {when}，{centre}。改約免費，工程師會依新時段聯絡您。",
        "en": "Done: {ticket} is moved to {when} at {centre}. There is no charge, and the engineer will contact you for the new time.",
    },
    "manage.cancel_confirm": {
        "zh-Hans": "确定要取消预约 {ticket} 吗？取消免费。",
        "zh-Hant": "確定要取消預約 {ticket} 嗎？取消免費。",
        "en": "Cancel booking {ticket}? There is no charge.",
    },
    "manage.cancelled": {
        "zh-Hans": "预约 {ticket} 已取消，不收取任何费用。需要时随时可以重新预约。",
        "zh-Hant": "預約 {ticket} 已取消，不收取任何費用。需要時隨時可以重新預約。",
        "en": "Booking {ticket} is cancelled, free of charge. You can book again at any time.",
    },
    "manage.kept": {
        "zh-Hans": "好的，预约保留不变。",
        "zh-Hant": "好的，預約保留不變。",
        "en": "OK, your booking stays as it is.",
    },
    "manage.bye": {
        "zh-Hans": "好的，还有其他问题随时问我。",
        "zh-Hant": "好的，還有其他問題隨時問我。",
        "en": "OK. Ask me anything else at any time.",
    },
    "manage.centre_gone": {
        "zh-Hans": "预约 {ticket} 的服务中心已不再提供在线改约，我已为您转接人工客服处理。",
        "zh-Hant": "預約 {ticket} 的服務中心已不再提供線上改約，我已為您轉接真人客服處理。",
        "en": "The centre of booking {ticket} no longer takes online changes, so I have passed you to a person who will handle it.",
    },
    "status.booked": {"zh-Hans": "已预约", "zh-Hant": "已預約", "en": "booked"},
    "status.cancelled": {"zh-Hans": "已取消", "zh-Hant": "已取消", "en": "cancelled"},
    "status.done": {"zh-Hans": "已完成", "zh-Hant": "已完成", "en": "completed"},
    "status.past": {
        "zh-Hans": "预约时间已过，维修进度会短信通知您",
        "zh-Hant": "預約時間已過，維修進度會以簡訊通知您",
        "en": "appointment time passed; we text you at every repair step",
    },
}


def say(key: str, language: Language, **values: object) -> str:
    """The booking flow's line `key` in `language`, with placeholders filled in."""
    text = MESSAGES[key][language]
    return text.format(**values) if values else text
