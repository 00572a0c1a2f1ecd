"""Button labels of the booking flow: answers to offer, the change menu and the manage menu.

Namespace "booking.": `bot.engine.booking.messages.say("intro", ...)` reads "booking.intro".
Policy numbers quoted here come from the demo knowledge base (see `bot.i18n.texts`).
"""

from __future__ import annotations

from bot.i18n.entries import Table, plural

NAMESPACE = "booking"

TEXTS: Table = {
    "option.yes": {"zh-Hans": "是", "zh-Hant": "是", "en": "Yes"},
    "option.no": {"zh-Hans": "否", "zh-Hant": "否", "en": "No"},
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
        "en": plural("count", one="{day} ({count} time free)", other="{day} ({count} times free)"),
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
}
