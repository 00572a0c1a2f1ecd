"""The customer switching off (and on) the reminders they did not ask for: warranty expiry and the like.

A button under such a reminder (`ActionKind.REMINDERS`, "off" / "on") or one of a few explicit phrases
typed as the whole message ("stop reminders", "不要提醒", "TD提醒", "恢复提醒"). Only whole phrases
that name reminders: "取消" alone cancels in the flows, and SMS STOP (every text message) is the SMS
channel's. The choice is `Conversation.reminders_off`, which bot/repairs/ reads before sending one;
updates on a repair in progress are not reminders and still come.
"""

from __future__ import annotations

import re
import unicodedata

from bot.engine.context import TurnContext
from bot.engine.types import Action, ActionKind, ReplyKind
from bot.i18n import text
from bot.storage.store import Turn

OFF = "off"
ON = "on"
_OFF_PHRASES = frozenset({
    "stop reminders", "stop reminder", "stop reminding me", "no reminders", "no more reminders", "reminders off",
    "unsubscribe reminders", "turn off reminders",
    "不要提醒", "不要再提醒", "不要再提醒我", "别再提醒", "別再提醒", "别提醒我", "別提醒我", "取消提醒", "關閉提醒", "关闭提醒",
    "退订提醒", "退訂提醒", "td提醒", "停止提醒",
})
_ON_PHRASES = frozenset({
    "start reminders", "reminders on", "turn on reminders", "resume reminders",
    "恢复提醒", "恢復提醒", "开启提醒", "開啟提醒", "打开提醒", "打開提醒", "重新提醒",
})
_PUNCTUATION = re.compile(r"[\s\.\!\?。！？，,、~～]+")


def typed_choice(typed: str) -> str | None:
    """"off" / "on" when the whole message is one of the explicit phrases, else None."""
    words = unicodedata.normalize("NFKC", typed).casefold().strip()
    words = _PUNCTUATION.sub(" ", words).strip()
    if words in _OFF_PHRASES or words.replace(" ", "") in _OFF_PHRASES:
        return OFF
    if words in _ON_PHRASES or words.replace(" ", "") in _ON_PHRASES:
        return ON
    return None


def handle(ctx: TurnContext, turn: Turn, action: Action | None, typed: str) -> bool:
    """True when this message switched reminders off or on (confirmed in the customer's language)."""
    if action is not None and action.kind is ActionKind.REMINDERS:
        choice: str | None = action.value
        if choice not in (OFF, ON):
            ctx.reply(ctx.say("stale"), ReplyKind.STALE)
            return True
    elif action is None and typed:
        choice = typed_choice(typed)
        if choice is None:
            return False
    else:
        return False
    turn.conversation.reminders_off = choice == OFF  # committed with the turn
    ctx.reply(text(f"customer.reminders.{choice}", ctx.language), ReplyKind.INFO, ctx.menu_options())
    return True
