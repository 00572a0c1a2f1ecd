"""A customer's bookings: status, moving to another slot, cancelling, as a form on the form engine.

Only tickets of the same channel and customer id are ever shown or changed. A ticket number that is
someone else's gets exactly the same answer as one that does not exist, so nothing leaks. Moving and
cancelling are free up to 2 hours before the appointment (the FAQ's policy); later, the customer is
given the centre's phone number.

The questions (which ticket, what to do, the new day and time, "sure?") are the fields of
manage_fields.py, run by the form engine (bot.engine.forms.engine) like the new booking's; this desk
supplies the engine's hooks and what every question shares: a ticket number typed or pressed opens
that ticket, "back" goes one question back (and out from the first), "取消" leaves, except where it
is the answer (cancel the booking). State: manage_draft.py (earlier stored states are converted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from bot.engine.answers.words import is_back, is_cancel
from bot.engine.booking.form import NAME, booking_action
from bot.engine.booking.manage_draft import ManageDraft, ManageTurn
from bot.engine.booking.manage_fields import (
    CHANGE_CUTOFF,
    MANAGE_FIELDS,
    TICKET,
    ManageField,
    status_text,
)
from bot.engine.booking.messages import say
from bot.engine.context import TurnContext
from bot.engine.forms.engine import MAX_FAILS, FormEngine
from bot.engine.forms.field import ASK_AGAIN, Field, Question, Refusal
from bot.engine.types import Action, Inbound, InboundKind, Option, ReplyKind
from bot.storage.booking import customer_bookings, find_ticket
from bot.storage.store import Turn

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.clock import Clock
    from bot.engine.faq import FaqStep
    from bot.knowledge import KnowledgeBase
    from bot.knowledge.catalog import Catalog
    from bot.repairs.lifecycle import RepairLifecycle

__all__ = ["CHANGE_CUTOFF", "DeskFlow", "TicketDesk", "status_text"]


class DeskFlow(Protocol):
    """What the ticket desk uses of the booking flow that owns it (`BookingFlow` satisfies it).

    A protocol so this module does not import the flow that imports it (no import cycle).
    """

    catalog: Catalog
    knowledge: KnowledgeBase
    faq: FaqStep
    zone: ZoneInfo
    now: Clock
    lifecycle: RepairLifecycle | None

    def leave(self, ctx: TurnContext) -> None: ...

    def ask(self, ctx: TurnContext, bk: dict[str, Any], text: str, kind: ReplyKind, options: tuple[Option, ...]) -> None: ...

    def typed_choice(self, bk: dict[str, Any], text: str, action: Action | None) -> Action | None: ...

    def interrupt(self, ctx: TurnContext, text: str) -> bool: ...


class TicketDesk:
    """Status, move and cancel, for the customer's own tickets (the form engine's hooks for them)."""

    def __init__(self, flow: DeskFlow) -> None:
        self.flow = flow
        self.catalog = flow.catalog
        self.engine: FormEngine[ManageTurn] = FormEngine(MANAGE_FIELDS, self, MAX_FAILS)

    def _turn(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any]) -> ManageTurn:
        lifecycle = getattr(self.flow, "lifecycle", None)  # a flow stand-in of a test may have none
        return ManageTurn(self, self.catalog, ctx, turn, bk, self.flow.now(), self.flow.zone, lifecycle=lifecycle)

    def leave(self, ctx: TurnContext) -> None:
        self.flow.leave(ctx)

    # -- entry ------------------------------------------------------------------------------------

    async def start(self, ctx: TurnContext, turn: Turn, inbound: Inbound, entry_point: str) -> None:
        channel, customer = turn.conversation.channel, turn.conversation.customer_id
        tickets = await customer_bookings(turn.session, channel, customer, self.flow.now())
        code = find_ticket(inbound.text)
        if not tickets and code is None and entry_point != "menu.status":
            # An FAQ question about repair status with nothing booked here: the FAQ answer says where to look.
            entry = self.flow.knowledge.entry(entry_point)
            if entry is not None:
                self.flow.faq.answer(ctx, entry, ctx.confidence)
                return
        bk: dict[str, Any] = {"mode": "manage", "data": {}, "fails": 0, "language": ctx.language}
        ctx.state["flow"] = NAME
        ctx.state["booking"] = bk
        state = self._turn(ctx, turn, bk)
        if code is not None:
            await self.engine.answer(state, TICKET, inbound.text or "", code)
            return
        if len(tickets) == 1:
            state.draft.take("ticket", tickets[0].ticket)
        await self.prompt_turn(state)

    # -- questions --------------------------------------------------------------------------------

    async def prompt(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], prefix: str | None = None) -> None:
        """Ask the current question again (after an interruption, an error...)."""
        await self.prompt_turn(self._turn(ctx, turn, bk), prefix)

    async def prompt_turn(self, state: ManageTurn, prefix: str | None = None) -> None:
        await self._forget_missing(state)
        field = self._current(state)
        question = await field.ask(state)
        if question is ASK_AGAIN:  # the field sent the customer one question back (no free time that day)
            await self.prompt_turn(state, prefix)
            return
        if not isinstance(question, Question):  # the field ended the turn (a hand-off)
            return
        text = f"{prefix}\n{question.text}" if prefix else question.text
        self.flow.ask(state.ctx, state.bk, text, ReplyKind.INFO, question.options)

    async def _forget_missing(self, state: ManageTurn) -> bool:
        """A ticket that is not (or no longer) the customer's: back to choosing one (True)."""
        if state.draft.has("ticket") and await state.booking() is None:
            state.draft.clear()
            return True
        return False

    # -- answers ----------------------------------------------------------------------------------

    async def step(self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None, bk: dict[str, Any]) -> None:
        language = ctx.language
        text = (inbound.text or "").strip()
        state = self._turn(ctx, turn, bk)
        action = self.flow.typed_choice(bk, text, action)
        chosen = booking_action(action)
        if inbound.kind is not InboundKind.TEXT:
            await self.prompt_turn(state, say("media.text_only", language))
            return
        field = self._current(state)
        if action is None and is_back(text):
            if self.engine.back(state):
                await self.prompt_turn(state)
                return
            self._bye(ctx)
            return
        if action is None and not field.cancel_is_answer and is_cancel(text):
            self._bye(ctx)
            return
        # A ticket pressed at any question, or typed where one is asked or shown, opens that ticket.
        code = chosen[1] if chosen and chosen[0] == TICKET.button else (find_ticket(text) if action is None else None)
        if code is not None and (field.ticket_typed or chosen):
            await self.engine.answer(state, TICKET, text, code)
            return
        if await self._forget_missing(state):
            await self.prompt_turn(state)
            return
        if chosen is not None and chosen[0] != field.button:  # a button of another question: not an answer here
            await self.engine.refuse(state, field, Refusal(field.problem))
            return
        await self.engine.answer(state, field, text, chosen[1] if chosen else None)

    def _current(self, state: ManageTurn) -> ManageField:
        current = self.engine.current(state)
        return next((f for f in MANAGE_FIELDS if current is not None and f.id == current.id), TICKET)

    def _bye(self, ctx: TurnContext) -> None:
        self.flow.leave(ctx)
        ctx.reply(say("manage.bye", ctx.language), ReplyKind.INFO, ctx.menu_options())

    # -- the form engine's hooks (bot.engine.forms.engine.FormHooks) ---------------------------------

    def draft(self, state: ManageTurn) -> ManageDraft:
        return state.draft

    async def ask_current(self, state: ManageTurn, prefix: str | None = None) -> None:
        await self.prompt_turn(state, prefix)

    def free_text_interruption(self, state: ManageTurn, field: Field[ManageTurn], text: str) -> bool:
        return False  # no question of the desk takes free text

    def interruption(self, state: ManageTurn, field: Field[ManageTurn], text: str) -> bool:
        return bool(text) and self.flow.interrupt(state.ctx, text)

    def excused(self, state: ManageTurn, field: Field[ManageTurn], text: str) -> bool:
        return False

    async def after_interruption(self, state: ManageTurn) -> None:
        if state.ctx.handoff is not None:  # "a person, please" / a complaint: the person takes it from here
            self.flow.leave(state.ctx)
            return
        await self.prompt_turn(state, say("resume", state.language))

    async def retry(self, state: ManageTurn, field: Field[ManageTurn], refusal: Refusal) -> None:
        await self.prompt_turn(state, say(refusal.key, state.language, **refusal.values))

    def give_up(self, state: ManageTurn) -> None:
        from bot.engine.handoff import hand_off

        self.flow.leave(state.ctx)
        # A status / move / cancel look-up is no booking step: it gets its own words.
        hand_off(state.ctx, "booking_stuck", say("stuck.manage", state.language))

    def running(self, state: ManageTurn) -> bool:
        return state.ctx.state.get("flow") == NAME
