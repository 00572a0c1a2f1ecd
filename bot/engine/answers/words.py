"""The little words of a conversation in three languages (yes, no, skip, back, cancel, change...), and
whether a message reads as a question: read the same way by every form, the booking's and the operator's.

Everything is compared in one canonical form: NFKC, lower case, Simplified Chinese, no spaces or
punctuation ("Acme X20-Pro" -> "acmex20pro", "取消預約" -> "取消预约").
"""

from __future__ import annotations

import re

from bot.nlu.normalize import normalize


def key(text: str) -> str:
    """Canonical comparison form."""
    return re.sub(r"\s+", "", normalize(text))


def words(text: str) -> str:
    """Normalised, spaces kept (for multi-word keyword matching)."""
    return normalize(text)


_YES = {
    "是",
    "是的",
    "对",
    "對",
    "对的",
    "對的",
    "好",
    "好的",
    "好啊",
    "可以",
    "行",
    "嗯",
    "嗯嗯",
    "确认",
    "確認",
    "确定",
    "確定",
    "需要",
    "要",
    "没问题",
    "沒問題",
    "ok",
    "okay",
    "yes",
    "y",
    "yeah",
    "yep",
    "sure",
    "confirm",
    "correct",
    "right",
    "please",
    "yes please",
    "that s right",
    "thats right",
    "确认预约",
    "確認預約",
    "confirm booking",
}
_NO = {
    "不",
    "不是",
    "否",
    "不要",
    "不需要",
    "不用",
    "不用了",
    "不对",
    "不對",
    "都不是",
    "no",
    "n",
    "nope",
    "no thanks",
    "not",
    "wrong",
    "neither",
    "none of these",
    "不需要备用机",
    "不需要備用機",
}
_SKIP = {
    "跳过",
    "跳過",
    "略过",
    "略過",
    "没有",
    "沒有",
    "不知道",
    "不记得",
    "不記得",
    "忘了",
    "记不清",
    "記不清",
    "找不到",
    "skip",
    "none",
    "n a",
    "na",
    "dont know",
    "do not know",
    "idk",
    "not sure",
    "no idea",
    "i dont know",
    "dont remember",
    "i dont remember",
    "cant find it",
}
_BACK = {
    "返回",
    "上一步",
    "后退",
    "後退",
    "回上一步",
    "返回上一步",
    "上一个",
    "上一個",
    "back",
    "go back",
    "previous",
    "prev",
}
_CANCEL = {
    "取消",
    "取消预约",
    "取消預約",
    "不约了",
    "不約了",
    "算了",
    "退出",
    "不修了",
    "cancel",
    "stop",
    "quit",
    "exit",
    "cancel booking",
    "cancel the booking",
    "forget it",
    "取消预约维修",
    "取消預約維修",
}
_CHANGE = {
    "修改",
    "更改",
    "改",
    "修改信息",
    "修改資訊",
    "修改资料",
    "修改資料",
    "change",
    "edit",
    "modify",
    "change something",
}
_MOVE = {
    "改约",
    "改約",
    "改期",
    "改时间",
    "改時間",
    "换时间",
    "換時間",
    "改预约",
    "改預約",
    "move",
    "reschedule",
    "change time",
    "change the time",
    "another time",
    "move it",
}
_DONE = {
    "没事了",
    "沒事了",
    "好了",
    "谢谢",
    "謝謝",
    "完成",
    "done",
    "thanks",
    "thank you",
    "nothing",
    "that s all",
    "thats all",
}


def _is(text: str, vocabulary: set[str]) -> bool:
    spaced = words(text)
    return spaced in vocabulary or spaced.replace(" ", "") in vocabulary


def is_yes(text: str) -> bool:
    return _is(text, _YES)


def is_no(text: str) -> bool:
    return _is(text, _NO)


def is_skip(text: str) -> bool:
    return _is(text, _SKIP)


def is_back(text: str) -> bool:
    return _is(text, _BACK)


def is_cancel(text: str) -> bool:
    return _is(text, _CANCEL)


def is_change(text: str) -> bool:
    return _is(text, _CHANGE)


def is_move(text: str) -> bool:
    return _is(text, _MOVE)


def is_done(text: str) -> bool:
    return _is(text, _DONE)


_QUESTION = re.compile(
    r"[?？]|吗|嗎|么|麼|怎么|怎麼|多少|多久|多长|多長|几|幾|哪|啥|什么|什麼|是否|能不能|可不可以|有没有|有沒有|咩|點樣|"
    r"^(how|what|when|where|why|who|which|can|could|do|does|is|are|will|should)\b",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    """For free-text steps: only a message that reads like a question is checked against the FAQ."""
    return bool(_QUESTION.search(text.strip()))


def could_be_question(text: str) -> bool:
    """For the other steps: a question, or at least a sentence ("3点" is a bad answer, not a question on 3+3)."""
    cjk = len(re.findall(r"[\u3400-\u9fff]", text))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", text))
    return looks_like_question(text) or cjk >= 5 or latin_words >= 4
