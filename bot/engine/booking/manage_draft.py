"""The ticket desk's state, as the form engine sees it: a typed view on `ctx.state["booking"]`.

Stored shape: {"mode": "manage", "data": {"ticket": "R7K-4Q2", "action": "move" | "cancel",
"day": "2026-11-26"}, "fails": n, "language": ..., "choices": {...}}. The answers are the fields of
manage_fields.py; the ticket is looked up again (with the ownership check) at every message, nothing
about it is kept but its number.

Conversations stored by the earlier ticket desk ({"mode": "manage", "stage": pick | action | mday |
mslot | cancel, "ticket": ..., "day": ...}) are converted when loaded (`manage_state`), so they resume
at the same question.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.engine.booking.stored_draft import StoredDraft
from bot.engine.context import TurnContext
from bot.knowledge.catalog import Catalog
from bot.settings import Language
from bot.storage.booking import Booking, booking_for
from bot.storage.store import Turn

if TYPE_CHECKING:
    from bot.repairs.lifecycle import RepairLifecycle

# What each answer clears when it changes (or is given again: opening a ticket starts at its actions).
MANAGE_DEPENDENTS: dict[str, tuple[str, ...]] = {"ticket": ("action", "day"), "action": ("day",)}
ACTIONS = ("move", "cancel")
# The earlier desk's stages, as the answers they stand for.
_STAGE_ANSWERS = {"pick": (), "action": ("ticket",), "cancel": ("ticket",), "mday": ("ticket",), "mslot": ("ticket", "day")}


def manage_state(bk: dict[str, Any]) -> dict[str, Any] | None:
    """The stored desk state in today's shape (an earlier "stage" one converted); None when unreadable."""
    if isinstance(bk.get("data"), dict):
        converted = dict(bk)
    elif "stage" in bk:
        stage = bk.get("stage")
        if stage not in _STAGE_ANSWERS:
            stage = "pick"
        data: dict[str, Any] = {}
        if "ticket" in _STAGE_ANSWERS[stage] and isinstance(bk.get("ticket"), str):
            data["ticket"] = bk["ticket"]
            if stage in ("mday", "mslot"):
                data["action"] = "move"
            elif stage == "cancel":
                data["action"] = "cancel"
            if stage == "mslot" and isinstance(bk.get("day"), str):
                data["day"] = bk["day"]
        converted = {k: v for k, v in bk.items() if k not in ("stage", "ticket", "day")}
        converted["data"] = data
    else:
        return None
    converted["data"] = dict(converted["data"])
    if converted["data"].get("action") not in (*ACTIONS, None):
        converted["data"].pop("action")
        converted["data"].pop("day", None)
    converted.setdefault("fails", 0)
    return converted


class ManageDraft(StoredDraft):
    """The engine's `Draft` (bot.engine.forms.engine) over the desk's stored dict."""

    def take(self, field_id: str, value: Any, dependents: tuple[str, ...] = ()) -> None:
        """Keep an answer; what depends on it is asked again even when it is the same (a ticket reopened)."""
        self.drop(field_id)
        self.data[field_id] = value

    def drop(self, field_id: str) -> None:
        """Forget an answer and the answers depending on it (back to that question)."""
        self.data.pop(field_id, None)
        for dependent in MANAGE_DEPENDENTS.get(field_id, ()):
            self.drop(dependent)

    def clear(self) -> None:
        """Back to choosing a ticket."""
        self.data.clear()

    def forget(self, field_id: str) -> bool:
        self.drop(field_id)  # the refusals in a row are still counted, as before
        return True

    def leave_change(self) -> bool:
        return False


class DeskHost(Protocol):
    """What the desk's fields use of the ticket desk (`TicketDesk`, manage.py)."""

    async def prompt_turn(self, state: ManageTurn, prefix: str | None = None) -> None:
        """Ask the current question again, after `prefix`."""

    def leave(self, ctx: TurnContext) -> None: ...


@dataclass
class ManageTurn:
    """What the desk's fields see during one turn (the engine's per-turn state)."""

    desk: DeskHost
    catalog: Catalog
    ctx: TurnContext
    turn: Turn
    bk: dict[str, Any]
    now: dt.datetime  # the flow's clock, aware
    zone: dt.tzinfo  # the flow's time zone (a centre's own zone is used for its times)
    _found: dict[str, Booking | None] = field(default_factory=dict)
    # What follows a move or a cancellation (timeline, reminders): None in flows built by hand in tests.
    lifecycle: RepairLifecycle | None = None

    @property
    def draft(self) -> ManageDraft:
        return ManageDraft(self.bk)

    @property
    def data(self) -> dict[str, Any]:
        return self.draft.data

    @property
    def language(self) -> Language:
        return self.ctx.language

    def local_now(self, zone: dt.tzinfo | None = None) -> dt.datetime:
        return self.now.astimezone(zone or self.zone)

    async def own(self, code: str | None) -> Booking | None:
        """The customer's own ticket `code` (same channel and customer id), else None."""
        if not code:
            return None
        if code not in self._found:
            conversation = self.turn.conversation
            self._found[code] = await booking_for(self.turn.session, code, conversation.channel, conversation.customer_id)
        return self._found[code]

    async def booking(self) -> Booking | None:
        """The ticket chosen, looked up with the ownership check."""
        return await self.own(self.data.get("ticket"))
