"""Did the customer see the option a digit names? On SMS a long reply is cut and its rest waits for MORE.

The SMS renderer keeps a reply's numbered options on the first page whenever they fit, so this only
matters when they do not: then "1" typed before MORE must not confirm an option still waiting in the
rest. The rest waiting for MORE is in `sms_contacts.more_text`; an option there was not sent.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from bot.engine.types import Action, Inbound
from bot.storage.sms import SmsContact
from bot.storage.store import Turn


async def option_unseen(turn: Turn, inbound: Inbound, action: Action | None) -> bool:
    """True when `action` comes from a digit typed on SMS for an option that is still waiting behind MORE."""
    if inbound.channel != "sms" or inbound.action is not None or action is None:
        return False
    digits = unicodedata.normalize("NFKC", inbound.text or "").strip().rstrip(".)")
    if not digits.isdigit():
        return False
    waiting = await turn.session.scalar(select(SmsContact.more_text).where(SmsContact.number == inbound.customer_id))
    if not waiting:
        return False
    return re.search(rf"(?m)^{int(digits)}\. ", waiting) is not None
