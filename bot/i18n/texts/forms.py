"""What the form runner says (bot/engine/forms); the operator writes the forms' own questions in YAML.

Keys start with "form." already, so the namespace is empty.
"""

from __future__ import annotations

from bot.i18n.entries import Table, plural

NAMESPACE = ""

TEXTS: Table = {
    "form.start": {
        "zh-Hans": "好的，我们来办理「{title}」，共 {count} 个问题。输入“返回”回到上一题，输入“取消”随时退出。",
        "zh-Hant": "好的，我們來辦理「{title}」，共 {count} 個問題。輸入「返回」回到上一題，輸入「取消」隨時退出。",
        "en": plural(
            "count",
            one="Let's do this: {title}, {count} question. Type \"back\" for the previous question or \"cancel\" to stop at any time.",
            other="Let's do this: {title}, {count} questions. Type \"back\" for the previous question or \"cancel\" to stop at any time.",
        ),
    },
    "form.retry": {
        "zh-Hans": "{problem}例如：{example}",
        "zh-Hant": "{problem}例如：{example}",
        "en": "{problem} For example: {example}",
    },
    "form.refused.empty": {"zh-Hans": "这一题需要填写内容。", "zh-Hant": "這一題需要填寫內容。", "en": "This question needs an answer."},
    "form.refused.too_long": {
        "zh-Hans": "内容太长了，请控制在 {limit} 个字以内。",
        "zh-Hant": "內容太長了，請控制在 {limit} 個字以內。",
        "en": "That is too long: please keep it under {limit} characters.",
    },
    "form.refused.choice": {"zh-Hans": "请从下面的选项中选一个。", "zh-Hant": "請從下面的選項中選一個。", "en": "Please pick one of the options below."},
    "form.refused.yes_no": {"zh-Hans": "请回答“是”或“否”。", "zh-Hant": "請回答「是」或「否」。", "en": "Please answer yes or no."},
    "form.refused.date": {"zh-Hans": "没看懂这个日期。", "zh-Hant": "沒看懂這個日期。", "en": "I could not read that date."},
    "form.refused.date_past": {
        "zh-Hans": "这一天已经过去了，请选今天或以后的日子。",
        "zh-Hant": "這一天已經過去了，請選今天或以後的日子。",
        "en": "That day has passed: please give today or a later day.",
    },
    "form.refused.date_future": {
        "zh-Hans": "这一天还没到，请填已经过去的日期。",
        "zh-Hant": "這一天還沒到，請填已經過去的日期。",
        "en": "That day is still to come: please give a day that has passed.",
    },
    "form.refused.time": {"zh-Hans": "没看懂这个时间。", "zh-Hant": "沒看懂這個時間。", "en": "I could not read that time."},
    "form.refused.phone_letters": {
        "zh-Hans": "电话号码里有字母，请只输入数字。",
        "zh-Hant": "電話號碼裡有字母，請只輸入數字。",
        "en": "The phone number has letters in it: please type digits only.",
    },
    "form.refused.phone_invalid": {"zh-Hans": "这不像有效的电话号码。", "zh-Hant": "這不像有效的電話號碼。", "en": "That does not look like a valid phone number."},
    "form.refused.number": {"zh-Hans": "请输入一个数字。", "zh-Hant": "請輸入一個數字。", "en": "Please type a number."},
    "form.refused.bad_serial": {
        "zh-Hans": "序列号应为 6 到 20 位字母和数字。",
        "zh-Hant": "序號應為 6 到 20 位字母和數字。",
        "en": "A serial number is 6 to 20 letters and digits.",
    },
    "form.refused.bad_imei": {
        "zh-Hans": "IMEI 应为 15 位数字（拨 *#06# 可以查看）。",
        "zh-Hant": "IMEI 應為 15 位數字（撥 *#06# 可以查看）。",
        "en": "An IMEI is 15 digits (dial *#06# to see it).",
    },
    "form.refused.imei_letters": {
        "zh-Hans": "IMEI 只有数字，里面好像有字母（比如把 0 打成了 O）。",
        "zh-Hant": "IMEI 只有數字，裡面好像有字母（比如把 0 打成了 O）。",
        "en": "An IMEI has digits only, and this one has a letter (an O for a 0?).",
    },
    "form.refused.address": {
        "zh-Hans": "地址太短了，请写到街道和门牌号。",
        "zh-Hant": "地址太短了，請寫到街道和門牌號。",
        "en": "That address is too short: please give the street and number.",
    },
    "form.example.text": {"zh-Hans": "（直接输入文字）", "zh-Hant": "（直接輸入文字）", "en": "(just type it)"},
    "form.example.choice": {"zh-Hans": "回复选项的编号", "zh-Hant": "回覆選項的編號", "en": "reply with the option's number"},
    "form.example.yes_no": {"zh-Hans": "是", "zh-Hant": "是", "en": "yes"},
    "form.example.date": {"zh-Hans": "2026-12-05 或 下周三", "zh-Hant": "2026-12-05 或 下週三", "en": "2026-12-05 or next Wednesday"},
    "form.example.date_past": {"zh-Hans": "2026-11-20 或 昨天", "zh-Hant": "2026-11-20 或 昨天", "en": "2026-11-20 or yesterday"},
    "form.example.time": {"zh-Hans": "明天下午 或 周六上午10点", "zh-Hant": "明天下午 或 週六上午10點", "en": "tomorrow afternoon or Saturday 10am"},
    "form.example.phone": {"zh-Hans": "13800138000", "zh-Hant": "0912 345 678", "en": "13800138000"},
    "form.example.number": {"zh-Hans": "2", "zh-Hant": "2", "en": "2"},
    "form.example.serial": {"zh-Hans": "SN5CD1234XYZ", "zh-Hant": "SN5CD1234XYZ", "en": "SN5CD1234XYZ"},
    "form.example.imei": {"zh-Hans": "490154203237518", "zh-Hant": "490154203237518", "en": "490154203237518"},
    "form.example.address": {
        "zh-Hans": "北京市海淀区中关村大街 1 号 3 单元 502",
        "zh-Hant": "台北市信義區松仁路 100 號 5 樓",
        "en": "Flat 502, 1 Zhongguancun Street, Haidian, Beijing",
    },
    "form.option.yes": {"zh-Hans": "是", "zh-Hant": "是", "en": "Yes"},
    "form.option.no": {"zh-Hans": "否", "zh-Hant": "否", "en": "No"},
    "form.option.skip": {"zh-Hans": "跳过", "zh-Hant": "跳過", "en": "Skip"},
    "form.option.submit": {"zh-Hans": "确认提交", "zh-Hant": "確認提交", "en": "Submit"},
    "form.option.change": {"zh-Hans": "修改", "zh-Hant": "修改", "en": "Change something"},
    "form.option.cancel": {"zh-Hans": "取消", "zh-Hant": "取消", "en": "Cancel"},
    "form.summary": {
        "zh-Hans": "请核对「{title}」：\n{lines}\n确认提交吗？",
        "zh-Hant": "請核對「{title}」：\n{lines}\n確認提交嗎？",
        "en": "Please check your {title}:\n{lines}\nSubmit it?",
    },
    "form.summary.confirm": {
        "zh-Hans": "请点“确认提交”，或选择“修改”“取消”。",
        "zh-Hant": "請點「確認提交」，或選擇「修改」「取消」。",
        "en": "Please choose Submit, Change something or Cancel.",
    },
    "form.change.which": {"zh-Hans": "要修改哪一项？", "zh-Hant": "要修改哪一項？", "en": "Which answer would you like to change?"},
    "form.skipped": {"zh-Hans": "（未填）", "zh-Hant": "（未填）", "en": "(skipped)"},
    "form.back.first": {"zh-Hans": "这已经是第一个问题了。", "zh-Hant": "這已經是第一個問題了。", "en": "This is already the first question."},
    "form.cancelled": {
        "zh-Hans": "已取消「{title}」，没有提交任何信息。还有什么可以帮您？",
        "zh-Hant": "已取消「{title}」，沒有提交任何資訊。還有什麼可以幫您？",
        "en": "{title} cancelled: nothing was submitted. Anything else I can help with?",
    },
    "form.gone": {
        "zh-Hans": "这项登记已停用，刚才填写的内容没有提交。还有什么可以帮您？",
        "zh-Hant": "這項登記已停用，剛才填寫的內容沒有提交。還有什麼可以幫您？",
        "en": "This form is no longer offered, so nothing was submitted. Anything else I can help with?",
    },
    "form.handoff": {
        "zh-Hans": "「{title}」（单号 {ticket}）已转给客服同事，他们会在这里跟进。",
        "zh-Hant": "「{title}」（單號 {ticket}）已轉給客服同事，他們會在這裡跟進。",
        "en": "Your {title} ({ticket}) is with our support team now; they will follow up here.",
    },
    "form.stuck": {
        "zh-Hans": "看来这一题不太好回答，我请客服同事来帮您完成「{title}」。",
        "zh-Hant": "看來這一題不太好回答，我請客服同事來幫您完成「{title}」。",
        "en": "This question seems hard to answer here: a person will help you finish your {title}.",
    },
    "form.lookup": {
        "zh-Hans": "单号 {ticket}：「{title}」，{status}，提交于 {date}。\n{lines}",
        "zh-Hant": "單號 {ticket}：「{title}」，{status}，提交於 {date}。\n{lines}",
        "en": "{ticket}: {title}, {status}, submitted on {date}.\n{lines}",
    },
    "form.lookup.none": {
        "zh-Hans": "没有找到单号 {ticket}。请核对单号（以 F 开头），或输入“人工”联系客服。",
        "zh-Hant": "沒有找到單號 {ticket}。請核對單號（以 F 開頭），或輸入「人工」聯絡客服。",
        "en": "I found no {ticket}. Please check the number (it starts with F), or type \"human\" to reach a person.",
    },
    "form.status.submitted": {"zh-Hans": "已提交，等待处理", "zh-Hant": "已提交，等待處理", "en": "submitted, waiting to be handled"},
}

