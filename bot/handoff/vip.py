"""VIP customers in the human queue (Huawei's VIP queue): who is one, and how far they move up.

A customer is a VIP when the operator's VIP rules (`knowledge/policies.yaml`, `bot.knowledge.policies.VipPolicy`)
say so for their channel key (telegram:<chat id>, an SMS number), or for one of their open repair
bookings: a booking marked VIP when it was made (`Booking.vip`), or whose model or phone number is on
the list now (the list may have grown since). Their hand-offs get `priority_boost` added to the priority,
so the queue, which is ordered by priority and then age, and the "you are number N" position count
them first; the agents' card and every queue listing mark them ⭐.

Without policies (a hand-off service built without them) there are no VIP rules; a booking marked VIP
still marks its customer (`bot.storage.handoff.vip_customers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from bot.knowledge.policies import Policies
from bot.repairs.statuses import OPEN
from bot.storage import handoff as repo
from bot.storage.handoff import EscalationView

# Bookings looked at per customer: the card's few, and enough for a customer with a history.
BOOKINGS_LOOKED_AT = 20


async def is_vip_customer(session: AsyncSession, policies: Policies | None, channel: str, customer_id: str) -> bool:
    """Whether this customer is a VIP now (see the module's docstring)."""
    vip = policies.vip if policies is not None else None
    if vip is not None and vip.is_vip(channel=channel, customer_id=customer_id):
        return True
    for booking in await repo.customer_bookings(session, channel, customer_id, limit=BOOKINGS_LOOKED_AT):
        if booking.status not in OPEN:
            continue
        if booking.vip or (vip is not None and vip.is_vip(model_id=booking.model_id, phone=booking.phone)):
            return True
    return False


def boosted(priority: int, vip: bool, policies: Policies | None) -> int:
    """A hand-off's priority with the VIP boost when the customer is one."""
    if not vip or policies is None:
        return priority
    return priority + max(0, policies.vip.priority_boost)


async def mark(session: AsyncSession, policies: Policies | None, views: Sequence[EscalationView]) -> list[EscalationView]:
    """The views with `vip` set for every VIP customer (the storage marks those with a VIP booking;
    this adds the VIP list's customers)."""
    known: dict[tuple[str, str], bool] = {}
    marked = []
    for view in views:
        key = (view.channel, view.customer_id)
        if not view.vip and view.active:
            if key not in known:
                known[key] = await is_vip_customer(session, policies, *key)
            if known[key]:
                view = replace(view, vip=True)
        marked.append(view)
    return marked


async def mark_one(session: AsyncSession, policies: Policies | None, view: EscalationView) -> EscalationView:
    """One view with `vip` set when its customer is a VIP (whatever the escalation's status: a card
    keeps its mark once over)."""
    if view.vip or not await is_vip_customer(session, policies, view.channel, view.customer_id):
        return view
    return replace(view, vip=True)
