"""The few lines the Telegram channel says on its own, and Telegram's language codes mapped to ours.

Everything about the conversation comes from the engine; these are only the channel's own notices
(an apology after an internal error, the flood notice, an unreadable button) and command descriptions.
"""

from __future__ import annotations

from bot.settings import LANGUAGES, Language

CHANNEL_TEXTS: dict[str, dict[Language, str]] = {
    "error": {
        "zh-Hans": "抱歉，系统出了点问题，请稍后再试一次。",
        "zh-Hant": "抱歉，系統出了點問題，請稍後再試一次。",
        "en": "Sorry, something went wrong on our side. Please try again in a moment.",
    },
    "flood": {
        "zh-Hans": "您发送得太快了，请稍等一分钟再继续。",
        "zh-Hant": "您傳送得太快了，請稍等一分鐘再繼續。",
        "en": "You are sending messages too quickly. Please wait a minute before sending more.",
    },
    "stale": {
        "zh-Hans": "这个按钮已失效，请重新输入您的问题。",
        "zh-Hant": "這個按鈕已失效，請重新輸入您的問題。",
        "en": "That button is no longer valid. Please type your question again.",
    },
    "command.start": {"zh-Hans": "开始 / 主菜单", "zh-Hant": "開始 / 主選單", "en": "Start / main menu"},
    "command.help": {"zh-Hans": "我能做什么", "zh-Hant": "我能做什麼", "en": "What I can do"},
    "command.language": {"zh-Hans": "切换语言", "zh-Hant": "切換語言", "en": "Change language"},
}

COMMANDS: tuple[str, ...] = ("start", "help", "language")


def channel_text(key: str, language: Language) -> str:
    """One of the channel's own lines."""
    return CHANNEL_TEXTS[key][language]


_HANT_TAGS = ("zh-hant", "zh-tw", "zh-hk", "zh-mo", "yue")
_HANS_TAGS = ("zh-hans", "zh-cn", "zh-sg", "zh-my")


def language_from_code(code: str | None, default: Language) -> Language:
    """Telegram's `language_code` (an IETF tag such as "zh-hans", "zh-TW", "en-US") as one of ours.

    zh-hans, zh-cn, zh-sg → zh-Hans; zh-hant, zh-tw, zh-hk, zh-mo (and Cantonese) → zh-Hant;
    a bare "zh" → zh-Hans; en* → en; anything else, or nothing → the operator's default language.
    """
    if not code:
        return default
    tag = code.strip().lower().replace("_", "-")
    if tag.startswith(_HANT_TAGS):
        return "zh-Hant"
    if tag.startswith(_HANS_TAGS) or tag == "zh":
        return "zh-Hans"
    if tag.startswith("zh-"):
        # zh-Hant-TW style tags were caught above; other regions write Simplified.
        return "zh-Hans"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return default


def check_texts() -> None:
    """Every line exists in every language (a test calls this)."""
    for key, texts in CHANNEL_TEXTS.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            raise AssertionError(f"{key} lacks {missing}")
