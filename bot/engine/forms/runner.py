"""The form runner: asks an operator-defined form's fields one at a time, then submits it.

It is a flow (`bot.engine.flows.Flow`) named "form": an entry of the knowledge base whose flow is
"form" (built from `knowledge/forms/*.yaml`) starts it, and while `ctx.state["flow"] == "form"` every
message comes here. The draft lives in the conversation state (`FormDraft`), so a restart or a
customer coming back later continues at the same question. The questions are the spec's fields
(yaml_fields.py) run by the form engine (engine.py); this module adds what is the YAML forms' own:
the summary, the submission with its ticket, and the hand-off to the queue.

At every question: "back" forgets the previous answer, "cancel" leaves without submitting, a question
asked instead of an answer is answered from the FAQ and the question asked again, a refused answer is
re-asked with the reason and an example, and three refusals in a row hand the customer to a person.
Once every field is answered the summary offers submit / change / cancel; submitting stores the
answers with a ticket number ("F7K-4Q2") and, when the form says `handoff: queue`, puts the
conversation in the agents' queue with the filled form in its transcript.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, system_clock
from bot.engine.answers.interruptions import answer_interruption, free_text_interruption, reads_as_complaint
from bot.engine.answers.words import is_back, is_cancel, is_change, is_yes, key
from bot.engine.context import TurnContext
from bot.engine.faq import FaqStep
from bot.engine.forms.draft import FormDraft, leave
from bot.engine.forms.engine import MAX_FAILS, FormEngine
from bot.engine.forms.field import Field, Question, Refusal
from bot.engine.forms.fields import display, example
from bot.engine.forms.prefill import prefill
from bot.engine.forms.yaml_fields import FormTurn, SpecField, spec_fields
from bot.engine.forms.yaml_fields import action as _action
from bot.engine.forms.yaml_fields import form_action as _form_action
from bot.engine.handoff import hand_off
from bot.engine.language import keep_flow_language
from bot.engine.types import Action, ActionKind, Inbound, InboundKind, Option, ReplyKind
from bot.i18n import CATALOG
from bot.i18n import text as line
from bot.knowledge import KnowledgeBase
from bot.knowledge.forms import FORM_FLOW, FormSpec
from bot.nlu.matcher import IntentMatcher
from bot.settings import LANGUAGES, Language
from bot.storage.forms import FORM_TICKETS, submission_for, submit_form
from bot.storage.store import Turn

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
        await self.ask_current(self._turn(ctx, spec, draft))
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
        state = self._turn(ctx, spec, draft)
        engine = self._engine(spec)
        chosen = _form_action(action)
        if action is not None and chosen is None:
            await self._foreign_action(state, action)
        elif chosen is None and inbound.kind is not InboundKind.TEXT and not text:
            ctx.reply(ctx.say("unsupported"), ReplyKind.UNSUPPORTED)
            await self.ask_current(state)
        elif chosen == ("", "cancel") or (chosen is None and is_cancel(text)):
            leave(ctx.state)
            ctx.reply(ctx.say("form.cancelled", title=spec.title[ctx.language]), ReplyKind.INFO, ctx.menu_options())
            return
        elif chosen is None and is_back(text):
            if not engine.back(state):
                ctx.reply(ctx.say("form.back.first"), ReplyKind.INFO)
            await self.ask_current(state)
        elif (field := engine.current(state)) is None:
            if await self._at_summary(state, turn, chosen, text):
                return
        elif chosen is not None and chosen[0] != field.id:  # a button of an earlier question: ask again
            await self.ask_current(state)
        else:
            await engine.answer(state, field, text, chosen[1] if chosen is not None else None)
        if ctx.state.get("flow") == self.name:
            draft.save(ctx.state)

    def leave(self, ctx: TurnContext) -> None:
        """End the form without submitting it."""
        leave(ctx.state)

    def hears_anger(self, ctx: TurnContext) -> bool:
        """Angry words are an answer in a form that ends with a person (a complaint: its hand-off then
        comes with priority, noted in the draft) and at a free-text question (a spam report quoting
        "骗子" is describing the scam, not angry at us)."""
        draft = FormDraft.from_state(ctx.state)
        spec = self.knowledge.form(draft.form_id) if draft is not None else None
        if draft is None or spec is None:
            return False
        if spec.handoff == "queue":
            draft.urgent = True
            draft.save(ctx.state)
            return True
        field = self._engine(spec).current(self._turn(ctx, spec, draft))
        return field is not None and field.free_text

    # -- ticket look-up -------------------------------------------------------------------------------

    async def look_up(self, ctx: TurnContext, turn: Turn, text: str) -> bool:
        """A form ticket ("F7K-4Q2") in the message: say what became of it (True), else False."""
        ticket = FORM_TICKETS.find(text)
        if ticket is None:
            return False
        conversation = turn.conversation
        found = await submission_for(turn.session, ticket, conversation.channel, conversation.customer_id)
        if found is None:
            ctx.reply(ctx.say("form.lookup.none", ticket=ticket), ReplyKind.INFO)
            return True
        status_key = f"form.status.{found.status}"
        status = ctx.say(status_key) if status_key in CATALOG else found.status
        submitted = found.created_at.astimezone(self.zone).date().isoformat()
        shown = found.shown.get(ctx.language) or {}
        title, lines = shown.get("title", found.form_id), shown.get("lines", "")
        ctx.reply(ctx.say("form.lookup", ticket=ticket, title=title, status=status, date=submitted, lines=lines), ReplyKind.INFO)
        return True

    # -- the engine's hooks (bot.engine.forms.engine.FormHooks) -----------------------------------------

    def draft(self, state: FormTurn) -> FormDraft:
        return state.draft

    async def ask_current(self, state: FormTurn, prefix: str | None = None) -> None:
        """Ask the current question, or show the summary once everything is answered."""
        ctx, spec = state.ctx, state.spec
        field = self._engine(spec).current(state)
        if field is None:
            self._summary(ctx, spec, state.draft)
            return
        question = await field.ask(state)
        if isinstance(question, Question):
            ctx.reply(question.text, ReplyKind.INFO, question.options)

    def free_text_interruption(self, state: FormTurn, field: Field[FormTurn], text: str) -> bool:
        if self._complaint_is_an_answer(state.spec, text) or (isinstance(field, SpecField) and field.skipped(text)):
            return False
        return free_text_interruption(self.knowledge, self.matcher, self.faq, state.ctx, text)

    def interruption(self, state: FormTurn, field: Field[FormTurn], text: str) -> bool:
        if self._complaint_is_an_answer(state.spec, text):
            return False
        return answer_interruption(self.knowledge, self.matcher, self.faq, state.ctx, text)

    def excused(self, state: FormTurn, field: Field[FormTurn], text: str) -> bool:
        return False

    async def after_interruption(self, state: FormTurn) -> None:
        """A question was answered instead; unless it handed off, the form's question comes again."""
        if state.ctx.handoff is not None:
            leave(state.ctx.state)
            return
        await self.ask_current(state)

    async def retry(self, state: FormTurn, field: Field[FormTurn], refusal: Refusal) -> None:
        ctx = state.ctx
        spec_field = state.spec.field(field.id)
        assert spec_field is not None
        problem = ctx.say(refusal.key, **refusal.values)
        ctx.reply(ctx.say("form.retry", problem=problem, example=example(spec_field, ctx.language)), ReplyKind.INFO)
        await self.ask_current(state)

    def give_up(self, state: FormTurn) -> None:
        leave(state.ctx.state)
        hand_off(state.ctx, "form_stuck", state.ctx.say("form.stuck", title=state.spec.title[state.ctx.language]))

    def running(self, state: FormTurn) -> bool:
        return state.ctx.state.get("flow") == self.name

    # -- the summary --------------------------------------------------------------------------------

    async def _at_summary(self, state: FormTurn, turn: Turn, chosen: tuple[str, str] | None, text: str) -> bool:
        """The summary's answer: submit, change which answer, or something else. True when the form ended."""
        ctx, spec, draft = state.ctx, state.spec, state.draft
        chosen = chosen or _typed_summary_option(text)
        if chosen == ("", "submit") or (chosen is None and not draft.choosing and is_yes(text)):
            await self._submit(ctx, turn, spec, draft)
            return True
        if chosen is not None and chosen[0] == "edit" and spec.field(chosen[1]) is not None:
            draft.editing, draft.choosing = chosen[1], False
            await self.ask_current(state)
        elif chosen == ("", "change") or (chosen is None and is_change(text)):
            draft.choosing = True
            options = tuple(Option(f.label_in(ctx.language), _action("edit", f.id)) for f in spec.fields)
            ctx.reply(ctx.say("form.change.which"), ReplyKind.INFO, options)
        elif chosen is None and answer_interruption(self.knowledge, self.matcher, self.faq, ctx, text):
            await self.after_interruption(state)
        else:
            ctx.reply(ctx.say("form.summary.confirm"), ReplyKind.INFO)
            await self.ask_current(state)
        return False

    def _summary(self, ctx: TurnContext, spec: FormSpec, draft: FormDraft) -> None:
        draft.choosing = False  # the summary is showing again: "yes" submits
        language = ctx.language
        lines = _lines(spec, draft.answers, language)
        options = (
            Option(line("form.option.submit", language), _action("", "submit")),
            Option(line("form.option.change", language), _action("", "change")),
            Option(line("form.option.cancel", language), _action("", "cancel")),
        )
        ctx.reply(line("form.summary", language, title=spec.title[language], lines=lines), ReplyKind.INFO, options)

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
            shown={lang: {"title": spec.title[lang], "lines": _lines(spec, draft.answers, lang)} for lang in LANGUAGES},
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

    # -- helpers ------------------------------------------------------------------------------------

    def _complaint_is_an_answer(self, spec: FormSpec, text: str) -> bool:
        """In a form that ends with a person, "服务太差了" is what the customer has to say, not a reason to
        leave the form for the complaint hand-off: the filled form reaches the agents anyway."""
        return spec.handoff == "queue" and reads_as_complaint(self.knowledge, self.matcher.match(text), text)

    async def _foreign_action(self, state: FormTurn, action: Action) -> None:
        """A button that is not the form's (an old menu): "a person" is honoured, anything else re-asks."""
        if action.kind is ActionKind.MENU and action.value == "human":
            leave(state.ctx.state)
            hand_off(state.ctx, "human")
            return
        state.ctx.reply(state.ctx.say("stale"), ReplyKind.STALE)
        await self.ask_current(state)

    def _engine(self, spec: FormSpec) -> FormEngine[FormTurn]:
        return FormEngine(spec_fields(spec), self, MAX_FAILS)

    def _turn(self, ctx: TurnContext, spec: FormSpec, draft: FormDraft) -> FormTurn:
        return FormTurn(ctx, spec, draft, self.clock().astimezone(self.zone))


def _lines(spec: FormSpec, answers: dict[str, Any], language: Language) -> str:
    """One line per field: its label and the answer, as the summary and a ticket look-up show them."""
    colon = ": " if language == "en" else "："
    return "\n".join(f"• {f.label_in(language)}{colon}{display(f, answers.get(f.id), language)}" for f in spec.fields)


def _typed_summary_option(text: str) -> tuple[str, str] | None:
    """"确认提交" or "Submit" typed in words stands for the summary's button, in any of the languages."""
    typed = key(text)
    for choice in ("submit", "change", "cancel"):
        if any(typed == key(line(f"form.option.{choice}", language)) for language in LANGUAGES):
            return "", choice
    return None
