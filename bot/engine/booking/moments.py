"""A moment told to a customer in a few characters: "today 15:30", "明天 10:00", "27 Nov 09:00".

For promises ("an engineer will call you by ...") and a ticket's timeline, always in the operator's
(or the centre's) time zone: the customer reads the wall clock where the service is.
"""

from __future__ import annotations

import datetime as dt

from bot.clock import as_utc
from bot.i18n import text
from bot.i18n.formats import month_names
from bot.settings import Language


def moment(at: dt.datetime, now: dt.datetime, zone: dt.tzinfo, language: Language) -> str:
    """`at` as "today 15:30" / "tomorrow 10:00" / "11月27日 09:00" ("27 Nov 09:00"), seen from `now`."""
    local = as_utc(at).astimezone(zone)
    today = as_utc(now).astimezone(zone).date()
    time = f"{local:%H:%M}"
    if local.date() == today:
        return text("customer.at.today", language, time=time)
    if local.date() == today + dt.timedelta(days=1):
        return text("customer.at.tomorrow", language, time=time)
    month = month_names(language)[local.month - 1] if language == "en" else str(local.month)
    return text("customer.at.day", language, month=month, day=local.day, time=time)
