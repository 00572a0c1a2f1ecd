"""The form runner: asks an operator-defined form's fields one at a time, then submits it.

It is a flow (`bot.engine.flows.Flow`) named "form": an entry of the knowledge base whose flow is
"form" (built from `knowledge/forms/*.yaml`) starts it, and while `ctx.state["flow"] == "form"` every
message comes here. The draft lives in the conversation state (`FormDraft`), so a restart or a
customer coming back later continues at the same question.

At every question: "back" forgets the previous answer, "cancel" leaves without submitting, a question
asked instead of an answer is answered from the FAQ and the question asked again, a refused answer is
re-asked with the reason and an example, and three refusals in a row hand the customer to a person.
Once every field is answered the summary offers submit / change / cancel; submitting stores the
answers with a ticket number ("F7K-4Q2") and, when the form says `handoff: queue`, puts the
conversation in the agents' queue with the filled form in its transcript.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, system_clock
from bot.engine.booking.interruptions import answer_interruption, free_text_interruption
from bot.engine.booking.matching import (
    is_back,
    is_cancel,
    is_change,
    is_skip,
    is_yes,
    key,
)
from bot.engine.context import TurnContext
from bot.engine.faq import FaqStep
from bot.engine.forms.draft import FormDraft, leave
from bot.engine.forms.fields import Refusal, display, example, read_answer
from bot.engine.forms.prefill import prefill
from bot.engine.handoff import hand_off
from bot.engine.language import keep_flow_language
from bot.engine.types import Action, ActionKind, Inbound, InboundKind, Option, ReplyKind
from bot.i18n import CATALOG
from bot.i18n import text as line
from bot.knowledge import KnowledgeBase
from bot.knowledge.forms import FORM_FLOW, FormField, FormSpec
from bot.nlu.matcher import IntentMatcher
from bot.settings import LANGUAGES, Language
from bot.storage.forms import FORM_TICKETS, submission_for, submit_form
from bot.storage.store import Turn

ACTION_PREFIX = "fm."  # Action(INTENT, "fm.<field>.<value>"): short, within Telegram's 64-byte callback data
MAX_FAILS = 3
FREE_TEXT = ("text", "address")
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")


class FormRunner:
    """The "form" flow: every operator-defined form of one knowledge base."""

    name = FORM_FLOW

    def __init__(
        self,
        knowledge: KnowledgeBase,
        matcher: IntentMatcher,
        *,
        handoff_after: int = 2,
        timezone: str = "Asia/Shanghai",
        clock: Clock = system_clock,
    ) -> None:
        self.knowledge = knowledge
        self.matcher = matcher
        self.faq = FaqStep(knowledge, matcher, handoff_after)
        self.zone = ZoneInfo(timezone)
        self.clock = clock

    # -- the Flow protocol ------------------------------------------------------------------------

    async def start(self, ctx: TurnContext, turn: Turn, inbound: Inbound, entry_point: str) -> None:
        spec = self.knowledge.form(entry_point)
        if spec is None:
            ctx.reply(ctx.say("stale"), ReplyKind.STALE)
            return
        draft = FormDraft(spec.id, language=ctx.language)
        prefill(spec, draft, inbound.text or "", ctx.language)
        ctx.state["flow"] = self.name
        ctx.intent_id = spec.id
        ctx.reply(ctx.say("form.start", title=spec.title[ctx.language], count=len(spec.fields)), ReplyKind.INFO)
        self._ask(ctx, spec, draft)
        draft.save(ctx.state)

    async def step(self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None) -> None:
        draft = FormDraft.from_state(ctx.state)
        text = (inbound.text or "").strip()
        if draft is not None:
            draft.language = keep_flow_language(ctx, draft.language, text, action is not None)
        spec = self.knowledge.form(draft.form_id) if draft is not None else None
        if draft is None or spec is None:  # the operator removed the form meanwhile
            leave(ctx.state)
            ctx.reply(ctx.say("form.gone"), ReplyKind.INFO, ctx.menu_options())
            return
        draft.forget_unknown(spec)
        ctx.intent_id = spec.id
        chosen = _form_action(action)
        if action is not None and chosen is None:
            self._foreign_action(ctx, spec, draft, action)
        elif chosen is None and inbound.kind is not InboundKind.TEXT and not text:
            ctx.reply(ctx.say("unsupported"), ReplyKind.UNSUPPORTED)
            self._ask(ctx, spec, draft)
        elif chosen == ("", "cancel") or (chosen is None and is_cancel(text)):
            leave(ctx.state)
            ctx.reply(ctx.say("form.cancelled", title=spec.title[ctx.language]), ReplyKind.INFO, ctx.menu_options())
            return
        elif chosen is None and is_back(text):
            if not draft.back(spec):
                ctx.reply(ctx.say("form.back.first"), ReplyKind.INFO)
            self._ask(ctx, spec, draft)
        elif draft.current(spec) is None:
            if await self._at_summary(ctx, turn, spec, draft, chosen, text):
                return
        else:
            await self._answer(ctx, spec, draft, chosen, text)
        if ctx.state.get("flow") == self.name:
            draft.save(ctx.state)

    def hears_anger(self, ctx: TurnContext) -> bool:
        """A form that ends with a person (a complaint) takes angry answers, and its hand-off gets priority."""
        draft = FormDraft.from_state(ctx.state)
        spec = self.knowledge.form(draft.form_id) if draft is not None else None
        if draft is None or spec is None or spec.handoff != "queue":
            return False
        draft.urgent = True
        draft.save(ctx.state)
        return True

    # -- ticket look-up -------------------------------------------------------------------------------

    async def look_up(self, ctx: TurnContext, turn: Turn, text: str) -> bool:
        """A form ticket ("F7K-4Q2") in the message: say what became of it (True), else False."""
        ticket = FORM_TICKETS.find(text)
        if ticket is None:
            return False
        conversation = turn.conversation
        found = await submission_for(turn.session, ticket, conversation.channel, conversation.customer_id)
        spec = self.knowledge.form(found.form_id) if found is not None else None
        if found is None or spec is None:
            ctx.reply(ctx.say("form.lookup.none", ticket=ticket), ReplyKind.INFO)
            return True
        status_key = f"form.status.{found.status}"
        status = ctx.say(status_key) if status_key in CATALOG else found.status
        submitted = found.created_at.astimezone(self.zone).date().isoformat()
        lines = _lines(spec, found.answers, ctx.language)
        title = spec.title[ctx.language]
        ctx.reply(ctx.say("form.lookup", ticket=ticket, title=title, status=status, date=submitted, lines=lines), ReplyKind.INFO)
        return True

    # -- the steps --------------------------------------------------------------------------------

    async def _answer(self, ctx: TurnContext, spec: FormSpec, draft: FormDraft, chosen: tuple[str, str] | None, text: str) -> None:
        field = draft.current(spec)
        assert field is not None
        value: Any | Refusal
        if chosen is not None and chosen[0] == field.id:
            value = _chosen_value(field, chosen[1])
        elif chosen is not None:  # a button of an earlier question: ask the current one again
            self._ask(ctx, spec, draft)
            return
        elif field.optional and is_skip(text):
            value = None
        elif self._complaint_is_an_answer(spec, text):
            value = read_answer(field, text, self._now(), ctx.language)
        elif field.type in FREE_TEXT and free_text_interruption(self.knowledge, self.matcher, self.faq, ctx, text, field.id):
            self._after_interruption(ctx, spec, draft)
            return
        else:
            value = read_answer(field, text, self._now(), ctx.language)
        if isinstance(value, Refusal):
            if field.type not in FREE_TEXT and not self._complaint_is_an_answer(spec, text) and answer_interruption(self.knowledge, self.matcher, self.faq, ctx, text):
                self._after_interruption(ctx, spec, draft)
                return
            draft.fails += 1
            if draft.fails >= MAX_FAILS:
                leave(ctx.state)
                hand_off(ctx, "form_stuck", ctx.say("form.stuck", title=spec.title[ctx.language]))
                return
            problem = ctx.say(value.key, **value.values)
            ctx.reply(ctx.say("form.retry", problem=problem, example=example(field, ctx.language)), ReplyKind.INFO)
            self._ask(ctx, spec, draft)
            return
        draft.take(field, value)
        self._ask(ctx, spec, draft)

    async def _at_summary(
        self, ctx: TurnContext, turn: Turn, spec: FormSpec, draft: FormDraft, chosen: tuple[str, str] | None, text: str
    ) -> bool:
        """The summary's answer: submit, change which answer, or something else. True when the form ended."""
        chosen = chosen or _typed_summary_option(text)
        if chosen == ("", "submit") or (chosen is None and not draft.choosing and is_yes(text)):
            await self._submit(ctx, turn, spec, draft)
            return True
        if chosen is not None and chosen[0] == "edit" and spec.field(chosen[1]) is not None:
            draft.editing, draft.choosing = chosen[1], False
            self._ask(ctx, spec, draft)
        elif chosen == ("", "change") or (chosen is None and is_change(text)):
            draft.choosing = True
            options = tuple(Option(f.label_in(ctx.language), _action("edit", f.id)) for f in spec.fields)
            ctx.reply(ctx.say("form.change.which"), ReplyKind.INFO, options)
        elif chosen is None and answer_interruption(self.knowledge, self.matcher, self.faq, ctx, text):
            self._after_interruption(ctx, spec, draft)
        else:
            ctx.reply(ctx.say("form.summary.confirm"), ReplyKind.INFO)
            self._ask(ctx, spec, draft)
        return False

    async def _submit(self, ctx: TurnContext, turn: Turn, spec: FormSpec, draft: FormDraft) -> None:
        conversation = turn.conversation
        submission = await submit_form(
            turn.session,
            form_id=spec.id,
            channel=conversation.channel,
            customer_id=conversation.customer_id,
            conversation_id=conversation.id,
            language=ctx.language,
            answers=draft.answers,
        )
        leave(ctx.state)
        title = spec.title[ctx.language]
        values = {f.id: display(f, draft.answers.get(f.id), ctx.language) for f in spec.fields}
        values.update(ticket=submission.ticket, title=title, brand=ctx.brand)
        # One pass over the operator's template: a customer's answer that contains "{ticket}" stays as typed.
        reply = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), spec.reply[ctx.language])
        ctx.reply(reply, ReplyKind.INFO, intent_id=spec.id)
        if spec.handoff == "queue":
            reason = "complaint" if draft.urgent else "form"  # an angry customer's form comes first
            hand_off(ctx, reason, ctx.say("form.handoff", title=title, ticket=submission.ticket))

    def _complaint_is_an_answer(self, spec: FormSpec, text: str) -> bool:
        """In a form that ends with a person, "服务太差了" is what the customer has to say, not a reason to
        leave the form for the complaint hand-off: the filled form reaches the agents anyway."""
        if spec.handoff != "queue":
            return False
        result = self.matcher.match(text)
        entry = self.knowledge.entry(result.best.intent_id) if result.decision == "answer" and result.best else None
        return entry is not None and entry.handoff == "complaint"

    def _foreign_action(self, ctx: TurnContext, spec: FormSpec, draft: FormDraft, action: Action) -> None:
        """A button that is not the form's (an old menu): "a person" is honoured, anything else re-asks."""
        if action.kind is ActionKind.MENU and action.value == "human":
            leave(ctx.state)
            hand_off(ctx, "human")
            return
        ctx.reply(ctx.say("stale"), ReplyKind.STALE)
        self._ask(ctx, spec, draft)

    def _after_interruption(self, ctx: TurnContext, spec: FormSpec, draft: FormDraft) -> None:
        """A question was answered instead; unless it handed off, the form's question comes again."""
        if ctx.handoff is not None:
            leave(ctx.state)
            return
        self._ask(ctx, spec, draft)

    def _ask(self, ctx: TurnContext, spec: FormSpec, draft: FormDraft) -> None:
        """Ask the current question, or show the summary once everything is answered."""
        field = draft.current(spec)
        language = ctx.language
        if field is None:
            lines = _lines(spec, draft.answers, language)
            options = (
                Option(line("form.option.submit", language), _action("", "submit")),
                Option(line("form.option.change", language), _action("", "change")),
                Option(line("form.option.cancel", language), _action("", "cancel")),
            )
            ctx.reply(line("form.summary", language, title=spec.title[language], lines=lines), ReplyKind.INFO, options)
            return
        options: tuple[Option, ...] = ()
        if field.type == "choice":
            options = tuple(Option(o[language], _action(field.id, str(i))) for i, o in enumerate(field.options))
        elif field.type == "yes_no":
            options = (
                Option(line("form.option.yes", language), _action(field.id, "1")),
                Option(line("form.option.no", language), _action(field.id, "0")),
            )
        if field.optional and field.type != "number":  # "1" typed at a number question is the number, not "skip"
            options += (Option(line("form.option.skip", language), _action(field.id, "skip")),)
        ctx.reply(field.ask[language], ReplyKind.INFO, options)

    def _now(self) -> dt.datetime:
        return self.clock().astimezone(self.zone)


def _lines(spec: FormSpec, answers: dict[str, Any], language: Language) -> str:
    """One line per field: its label and the answer, as the summary and a ticket look-up show them."""
    colon = ": " if language == "en" else "："
    return "\n".join(f"• {f.label_in(language)}{colon}{display(f, answers.get(f.id), language)}" for f in spec.fields)


def _action(field_id: str, value: str) -> Action:
    return Action(ActionKind.INTENT, f"{ACTION_PREFIX}{field_id}.{value}")


def _form_action(action: Action | None) -> tuple[str, str] | None:
    """("symptom", "2") for a form button, ("", "submit") for the summary's; None for anything else."""
    if action is None or action.kind is not ActionKind.INTENT or not action.value.startswith(ACTION_PREFIX):
        return None
    field_id, _, value = action.value[len(ACTION_PREFIX) :].partition(".")
    return field_id, value


def _typed_summary_option(text: str) -> tuple[str, str] | None:
    """"确认提交" or "Submit" typed in words stands for the summary's button, in any of the languages."""
    typed = key(text)
    for choice in ("submit", "change", "cancel"):
        if any(typed == key(line(f"form.option.{choice}", language)) for language in LANGUAGES):
            return "", choice
    return None


def _chosen_value(field: FormField, value: str) -> Any | Refusal:
    if value == "skip" and field.optional:
        return None
    if field.type == "yes_no" and value in ("0", "1"):
        return value == "1"
    if field.type == "choice" and value.isdigit() and int(value) < len(field.options):
        return int(value)
    return Refusal("form.refused.choice")
