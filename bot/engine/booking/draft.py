"""The booking being built, as the form engine sees it: a typed view on `ctx.state["booking"]`.

The stored shape is the one conversations have always had ({"mode": "new", "data": {...}, "old":
{...}, "fails": 0, ...}), so a conversation stored in the middle of a booking by an earlier version
resumes where it was; `BookingDraft` only gives the engine typed access to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.engine.booking.form import assign
from bot.engine.booking.manage_draft import manage_state
from bot.engine.booking.stored_draft import StoredDraft
from bot.engine.context import TurnContext
from bot.knowledge.catalog import Catalog
from bot.knowledge.policies import VipPolicy
from bot.settings import Language
from bot.storage.store import Turn

MODES = ("new", "manage")


def stored_booking(state: dict[str, Any]) -> dict[str, Any] | None:
    """The booking in a conversation's state, when it is one this flow can continue (else None)."""
    bk = state.get("booking")
    if not isinstance(bk, dict) or bk.get("mode") not in MODES:
        return None
    if bk["mode"] == "manage":  # an earlier desk's {"stage": ...} is converted (manage_draft.py)
        return manage_state(bk)
    if bk["mode"] == "new":  # older stored bookings may lack the keys added since: give them their defaults
        if not isinstance(bk.get("data"), dict):
            return None
        bk.setdefault("old", {})
        bk.setdefault("fails", 0)
    return bk


class BookingDraft(StoredDraft):
    """The engine's `Draft` (bot.engine.forms.engine) over the stored booking dict."""

    def __init__(self, catalog: Catalog, bk: dict[str, Any]) -> None:
        super().__init__(bk)
        self.catalog = catalog

    def take(self, field_id: str, value: Any, dependents: tuple[str, ...] = ()) -> None:
        assign(self.catalog, self.bk, field_id, value)  # DEPENDENTS (form.py) are cleared there

    def forget(self, field_id: str) -> bool:
        """Keep the answer aside ("old": an unchanged answer keeps what depends on it)."""
        self.bk["old"][field_id] = self.data.pop(field_id)
        self.fails = 0
        auto = self.bk.get("auto") or []
        if field_id in auto:  # chosen by the bot (the only centre): "back" goes on to the customer's own answer
            auto.remove(field_id)
            return False
        return True

    def leave_change(self) -> bool:
        """"Back" drops a pending "did you mean", a part of the day, the "change what?" list; then goes back."""
        for pending in ("suggest", "filter", "editing"):
            self.bk.pop(pending, None)
        return False


@dataclass
class BookingTurn:
    """What the booking's fields see during one turn (the engine's per-turn state)."""

    catalog: Catalog
    ctx: TurnContext
    turn: Turn
    bk: dict[str, Any]
    now: dt.datetime  # the flow's clock, aware
    zone: dt.tzinfo  # the flow's time zone (a centre's own zone is used for its days)
    vip_rules: VipPolicy | None = None  # policies.yaml's VIP rules: seats kept for VIP customers

    @property
    def draft(self) -> BookingDraft:
        return BookingDraft(self.catalog, self.bk)

    @property
    def data(self) -> dict[str, Any]:
        return self.draft.data

    @property
    def language(self) -> Language:
        return self.ctx.language

    @property
    def local_now(self) -> dt.datetime:
        return self.now.astimezone(self.zone)

    @property
    def today(self) -> dt.date:
        return self.local_now.date()
