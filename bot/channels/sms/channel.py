"""The SMS channel: a received message in, the engine's answer queued in the outbox.

    webhook ──accept──▶ sms_inbox row (before the 200) ──background──▶ process ──▶ engine ──▶ outbox
                                                                           │
                        STOP / START / HELP / MORE, rate limit, opt-out ◀──┘ (handled here)

A number is a conversation: customer id = the number in E.164 (phonenumbers), channel "sms". One
number's messages are processed one at a time in the order received; different numbers concurrently,
up to `TURNS_AT_ONCE` (the others wait, stored, for a place).
A message the gateway delivers twice (same MessageSid) is stored once and answered once.
If the engine fails on a message, the message is still kept in the transcript and handed to people
(an escalation with reason "error"), and the customer is told a person will reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.sms import messages
from bot.channels.sms.keywords import Keyword, booking_request, keyword, menu_word
from bot.channels.sms.outbox import Outbox
from bot.channels.sms.providers import Template
from bot.channels.sms.render import SmsText, cut, cut_reply, plain, render_replies
from bot.channels.sms.templates import booking_template
from bot.engine.choices import typed_number
from bot.engine.context import TurnContext
from bot.engine.types import Action, ActionKind, Handoff, Inbound, InboundKind, Outcome, ReplyKind
from bot.handoff.dispatch import Missed
from bot.nlu.language import detect_language
from bot.settings import LANGUAGES, Language
from bot.storage import sms as sms_repo
from bot.storage import sms_outbox
from bot.storage.sms import CONVERSATION_CHANNEL, DONE, FAILED, LIMITED, SKIPPED, InboxItem
from bot.storage.sms_store import INBOX_LEASE, SmsStore

log = logging.getLogger(__name__)

CHANNEL = CONVERSATION_CHANNEL
RATE_WINDOW = dt.timedelta(hours=1)
REPLAY_EVERY = 60.0  # seconds between looks for messages an instance that died left unprocessed
_MEDIA_KINDS = {"image": InboundKind.PHOTO, "video": InboundKind.VIDEO, "audio": InboundKind.VOICE}


def normalise_number(raw: str | None, region: str = "CN") -> str | None:
    """A phone number in E.164 ("+8613800138000"), or None when it is no possible phone number.

    Gateways post E.164 already; national forms are read in `region`. Short codes and alphanumeric
    senders are refused: nobody can be answered there.
    """
    if not raw or len(raw) > 32:
        return None
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    # International form: any possible number (metadata lags behind new ranges). National form: it must be
    # a valid number of the region, so a short code like 10086 is not taken for +86 10086.
    international = raw.strip().startswith("+")
    if not (phonenumbers.is_possible_number(number) if international else phonenumbers.is_valid_number(number)):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class IncomingSms:
    """A message as a webhook received it, already checked (signature, number, size)."""

    provider: str  # "twilio" | "json"
    external_id: str  # MessageSid / the gateway's message id
    number: str  # the customer's number, E.164
    body: str
    to: str | None = None
    media: tuple[tuple[str, str], ...] = ()  # (url, content type) of MMS attachments


# Messages handled at once (different numbers: one number's messages wait for each other anyway).
# Each turn holds a database connection: left unbounded, hundreds of customers writing at once queue for
# the pool (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW, 30 + 0) ahead of the outbox worker, whose replies
# then wait seconds to be recorded sent and the next ones to be claimed, while the turns go no faster.
TURNS_AT_ONCE = 16
# A message that waited longer than this for a place renews its lease (`INBOX_LEASE`) before its turn,
# so another instance's replay does not take it while it is handled here.
RENEW_AFTER = INBOX_LEASE / 4


class SmsChannel:
    """Receives SMS for the engine and queues its replies; also sends agents' replies (`send_text`)."""

    def __init__(self, runtime: Any, outbox: Outbox, store: SmsStore, *, rate_limit_per_hour: int = 30,
                 region: str = "CN") -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.settings = runtime.settings
        self.sms = store
        self.outbox = outbox
        self.rate_limit = rate_limit_per_hour
        self.region = region
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}  # by inbox id: handled here, or waiting for a place
        self._replayer: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(TURNS_AT_ONCE)
        self._stopping = False

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the outbox worker and handle what was received but nobody processed (before a restart,
        or on an instance that died); then keep looking for such messages every `REPLAY_EVERY` seconds."""
        self._stopping = False
        self.outbox.start()
        await self.replay()
        if self._replayer is None or self._replayer.done():
            self._replayer = asyncio.create_task(self._replay_loop(), name="sms-replay")

    async def replay(self) -> int:
        """Process received messages nobody handles: only those whose lease ran out or whose instance is
        gone (`SmsStore.claim_inbox`), leased to this instance first, so a message another live instance
        is handling is never taken and instances replaying together take each message once."""
        # Those still waiting here for a place (their lease ran out meanwhile) are leased again, not queued twice.
        pending = [item for item in await self.sms.claim_inbox() if item.id not in self._tasks]
        if pending:
            log.info("sms: resuming %s message(s) received but not processed", len(pending))
        for item in pending:
            self._schedule(item)
        return len(pending)

    async def _replay_loop(self) -> None:
        while True:
            await asyncio.sleep(REPLAY_EVERY)
            try:
                await self.replay()
            except Exception:  # noqa: BLE001 - the database is away: try again later
                log.warning("sms: looking for messages to resume failed", exc_info=True)

    async def stop(self) -> None:
        """Let messages being processed finish (bounded), then stop the outbox worker. Messages still
        waiting for a place are left for a replay."""
        self._stopping = True
        if self._replayer is not None:
            self._replayer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replayer
            self._replayer = None
        if self._tasks:
            await asyncio.wait(list(self._tasks.values()), timeout=10)
        await self.outbox.stop()

    async def idle(self) -> None:
        """Wait until every accepted message has been processed (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    # -- receiving --------------------------------------------------------------------------------

    async def accept(self, message: IncomingSms) -> bool:
        """Store the message and process it in the background; False when it is a redelivery."""
        inbox_id = await self.sms.receive(message.provider, message.external_id, message.number, message.to,
                                          message.body, message.media)
        if inbox_id is None:
            log.info("sms: %s %s from %s delivered again: ignored", message.provider, message.external_id, message.number)
            return False
        item = InboxItem(inbox_id, message.provider, message.external_id, message.number, message.to, message.body,
                         tuple(message.media), "received")
        self._schedule(item)
        return True

    def _schedule(self, item: InboxItem) -> None:
        previous = self._tails.get(item.from_number)
        task = asyncio.create_task(self._after(previous, item, self.runtime.clock()), name=f"sms-{item.id}")
        self._tails[item.from_number] = task
        self._tasks[item.id] = task

        def done(finished: asyncio.Task[None]) -> None:
            if self._tasks.get(item.id) is finished:
                del self._tasks[item.id]
            if self._tails.get(item.from_number) is finished:
                del self._tails[item.from_number]

        task.add_done_callback(done)

    async def _after(self, previous: asyncio.Task[None] | None, item: InboxItem, queued: dt.datetime) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        async with self._slots:
            if self._stopping:  # left "received": replayed once its lease runs out, here or elsewhere
                return
            if self.runtime.clock() - queued > RENEW_AFTER and not await self._still_ours(item):
                return
            await self.process(item)

    async def _still_ours(self, item: InboxItem) -> bool:
        """After a long wait for a place: renew the message's lease, unless another instance took it."""
        try:
            if await self.sms.renew_inbox(item.id):
                return True
            log.info("sms: message %s from %s is handled elsewhere since its lease ran out", item.id, item.from_number)
        except Exception:  # noqa: BLE001 - the database is away: the message stays "received", for a replay
            log.warning("sms: could not renew the lease of message %s", item.id, exc_info=True)
        return False

    async def process(self, item: InboxItem) -> None:
        """Handle one stored message; whatever happens, it ends up answered or with people."""
        started = self.runtime.clock()
        try:
            status = await self._process(item, started)
            if status is not None:  # None: recorded in the turn's own transaction (`_KeepReply`)
                await self.sms.finish_inbound(item.id, status)
        except Exception as exc:  # noqa: BLE001 - the message must not be lost: hand it to people
            log.exception("sms: handling message %s from %s failed", item.id, item.from_number)
            try:
                await self._hand_to_people(item, exc)
                await self.sms.finish_inbound(item.id, FAILED, f"{exc.__class__.__name__}: {exc}")
            except Exception:  # noqa: BLE001 - the database itself is away: the row stays "received"
                log.exception("sms: could not record the failure of message %s; it is retried at the next start", item.id)

    async def _process(self, item: InboxItem, started: dt.datetime) -> str | None:
        """Handle the message; how its handling ended, or None when the turn recorded that itself."""
        number, text = item.from_number, item.body
        sender = await self.sms.sender(number, started - RATE_WINDOW, before_id=item.id)
        if sender.recent > self.rate_limit:
            return await self._limited(item, sender.recent)
        hit = keyword(text) if not item.media else None
        if hit is not None and hit.keyword is Keyword.STOP:
            await self.sms.set_opted_out(number, True)
            language = hit.language or "en"
            await self._reply_keyword(item, "opt_out", language, kind="opt_out")
            log.info("sms: %s opted out", number)
            return DONE
        if hit is not None and hit.keyword is Keyword.START:
            await self.sms.set_opted_out(number, False)
            await self._reply_keyword(item, "opt_in", hit.language or "en", kind="opt_in")
            log.info("sms: %s opted in again", number)
            return DONE
        if sender.opted_out:  # read with the rate count: STOP and START, which change it, returned above
            # Kept for the transcript; nothing is sent to an opted-out number but the opt-out confirmation.
            await self.store.record_unanswered(CHANNEL, number, kind="text", text=text, external_id=item.external_id,
                                               language=self.settings.default_language)
            return SKIPPED
        if hit is not None and hit.keyword is Keyword.HELP:
            await self._reply_keyword(item, "help", hit.language or "en", kind="help")
            return DONE
        if hit is not None and hit.keyword is Keyword.MORE:
            await self._more(item, hit.language)
            return DONE
        if await self._names_an_unsent_option(item):
            await self._more(item, None, unsent=typed_number(text))
            return DONE
        # Through the runtime, not the engine: it holds the customer's turn lock and counts the turn.
        keep = _KeepReply(self, item)
        await self.runtime.handle(await self._inbound(item), keep=keep)
        return None if keep.finished else DONE

    async def _inbound(self, item: InboxItem) -> Inbound:
        """The engine's view of the message: text, or a photo / file, or a booking / menu keyword."""
        kind, attachment = InboundKind.TEXT, None
        if item.media:
            url, content_type = item.media[0]
            kind = _MEDIA_KINDS.get(content_type.partition("/")[0], InboundKind.DOCUMENT)
            attachment = f"sms:media:{url}"[:512]
        action, hint = None, None
        if kind is InboundKind.TEXT:
            booking = booking_request(item.body)
            menu = menu_word(item.body)
            if booking is not False:
                action, hint = Action(ActionKind.MENU, "book"), booking or detect_language(item.body)
            elif menu is not None:
                action, hint = Action(ActionKind.MENU, menu[0]), menu[1]
        return Inbound(
            channel=CHANNEL, customer_id=item.from_number, text=item.body or None, kind=kind, action=action,
            language_hint=hint if hint in LANGUAGES else None, external_id=item.external_id, attachment=attachment,
        )

    # -- answering --------------------------------------------------------------------------------

    async def _queue_reply(self, session: AsyncSession, number: str, outcome: Outcome) -> None:
        """A turn's replies as one SMS (the rest kept for MORE), queued in the caller's transaction."""
        rendered = render_replies(outcome.replies)
        if not rendered.text:
            await sms_repo.save_more(session, number, None, None)
            return
        template = await booking_template(self.runtime, number, outcome.replies, session)
        await self._queue_pages(session, number, rendered, "reply", outcome.language, template=template,
                                conversation_id=outcome.conversation_id)

    async def _queue_missed(self, session: AsyncSession, number: str, missed: Missed, language: Language) -> None:
        """Agent messages the customer missed, queued in the caller's transaction (see `_KeepReply`)."""
        if missed.while_away is not None:
            await self._queue_pages(session, number, render_replies([missed.while_away]), "handoff", language)
        for _, message in missed.messages:
            text = message.as_text()  # as `SmsDelivery.send_agent_message` renders it (through `send_text`)
            if text.strip():
                await self._queue_pages(session, number, SmsText(plain(text)), "agent", language)

    async def _queue_pages(self, session: AsyncSession, number: str, rendered: SmsText, kind: str, language: Language, *,
                           template: Template | None = None, conversation_id: int | None = None,
                           source: str | None = None) -> int:
        """A rendered turn in the caller's transaction: its first page queued, the rest kept for MORE with
        how many options were sent; the first page's outbox id."""
        page = cut_reply(rendered, language)
        await sms_repo.save_more(session, number, page.rest, language, page.options_sent)
        return await self.outbox.enqueue_in(session, number, page.head, kind, template=template,
                                            conversation_id=conversation_id, source=source)

    async def send_rendered(self, number: str, rendered: SmsText, kind: str, language: Language, *,
                            template: Template | None = None, conversation_id: int | None = None,
                            source: str | None = None) -> int:
        """Queue a rendered turn: its first page now, the rest kept for MORE with how many options were sent.

        `source` (e.g. "job:12"): queued once per source. Only the first page is a message of its own
        (the rest waits for MORE, unkeyed: the customer asks for it), so the key is the first page's;
        a source queued before changes nothing, not even the MORE pages of whatever came since.
        """
        if source is not None:
            queued = await self.sms.queued_source(source)
            if queued is not None:
                return queued
        async with self.runtime.database.sessions() as session, session.begin():
            return await self._queue_pages(session, number, rendered, kind, language, template=template,
                                           conversation_id=conversation_id, source=source)

    async def _names_an_unsent_option(self, item: InboxItem) -> bool:
        """A digit for an option of the last reply that is still waiting behind MORE: it must not act."""
        number = typed_number(item.body)
        if number is None or item.media:
            return False
        sent = await self.sms.options_sent(item.from_number)
        return sent is not None and number > sent

    async def _more(self, item: InboxItem, language: Language | None, *, unsent: int | None = None) -> None:
        """The next page of the last long reply (MORE); `unsent`: the option number the customer typed
        before it reached them, said first so they know why nothing was chosen."""
        waiting = await self.sms.take_more(item.from_number)
        if waiting is None:
            language = language or await self.language_of(item.from_number)
            text, rest = messages.say("more.none", language), None
        else:
            rest_text, stored_language, options_sent = waiting
            language = stored_language if stored_language in LANGUAGES else (language or "en")  # type: ignore[assignment]
            if unsent is not None:
                rest_text = messages.say("options.unsent", language, number=unsent) + "\n" + rest_text  # type: ignore[arg-type]
            text, rest = cut(rest_text, language)  # type: ignore[arg-type]
            # Options on a later page count as sent only once everything has been: stay on the safe side.
            await self.sms.save_more(item.from_number, rest, language, options_sent)
        await self._record(item, text, language)  # type: ignore[arg-type]
        await self.outbox.enqueue(item.from_number, text, "more")

    async def _reply_keyword(self, item: InboxItem, key: str, language: Language, *, kind: str) -> None:
        text = messages.say(key, language, brand=self.settings.brand_name)
        await self._record(item, text, language)
        await self.outbox.enqueue(item.from_number, text, kind, template=Template(f"sms.{key}"))

    async def _limited(self, item: InboxItem, recent: int) -> str:
        language = await self.language_of(item.from_number)
        await self.store.record_unanswered(CHANNEL, item.from_number, kind="text", text=item.body,
                                           external_id=item.external_id, language=language)
        if recent == self.rate_limit + 1:  # say it once, at the first message over the limit
            log.warning("sms: %s sent more than %s messages in an hour: not answering for now", item.from_number, self.rate_limit)
            await self.outbox.enqueue(item.from_number, messages.say("rate_limited", language, brand=self.settings.brand_name), "notice")
        return LIMITED

    async def _record(self, item: InboxItem, reply: str, language: Language) -> None:
        """Keep a keyword exchange (STOP, HELP, MORE...) in the transcript agents read."""
        async with self.store.turn(CHANNEL, item.from_number, language=language) as turn:
            if await turn.record_inbound("text", item.body, language, item.external_id) is not None:
                await turn.record_outbound(ReplyKind.INFO.value, reply, language)

    async def _hand_to_people(self, item: InboxItem, error: BaseException) -> None:
        """The engine failed: keep the message in the transcript, queue it for a person, tell the customer."""
        language = await self.language_of(item.from_number)
        text = messages.say("error", language)
        service = getattr(self.runtime, "handoff", None)
        async with self.store.turn(CHANNEL, item.from_number, language=language) as turn:
            message_id = await turn.record_inbound("text", item.body, None, item.external_id)
            if service is not None and hasattr(service, "open_in_turn"):
                # Through the hand-off service, so the agents' desk hears of it like of any hand-off.
                ctx = TurnContext(language=language, brand=self.settings.brand_name,
                                  state=dict(turn.conversation.state or {}), low_confidence_streak=0)
                ctx.handoff = Handoff("error", 1)
                ctx.reply(text, ReplyKind.HANDOFF, handoff=ctx.handoff)
                await service.open_in_turn(ctx, turn, message_id)
                text = ctx.drafts[-1].text
            else:
                await turn.open_escalation("error", 1)
            await turn.record_outbound(ReplyKind.HANDOFF.value, text, language)
            conversation_id = turn.conversation.id
        await self.outbox.enqueue(item.from_number, cut(plain(text), language)[0], "notice", conversation_id=conversation_id)

    async def language_of(self, number: str) -> Language:
        """The language of the number's conversation (the default language for a new number)."""
        conversation = await self.store.conversation(CHANNEL, number)
        language = conversation.language if conversation is not None else self.settings.default_language
        return language if language in LANGUAGES else "en"  # type: ignore[return-value]

    # -- sending on behalf of people --------------------------------------------------------------

    async def send_text(self, number: str, text: str, *, kind: str = "agent", language: Language | None = None,
                        conversation_id: int | None = None, source: str | None = None) -> int:
        """Queue a free text for a number (an agent's reply); cut at 3 parts with MORE like any reply.
        `source`: queued once per source (see `send_rendered`)."""
        if language not in LANGUAGES:
            language = await self.language_of(number)
        return await self.send_rendered(number, SmsText(plain(text)), kind, language,  # type: ignore[arg-type]
                                        conversation_id=conversation_id, source=source)


class _KeepReply:
    """What an SMS turn keeps in its own transaction (`KeepWithTurn`): the answer queued, and the message
    recorded as handled. The customer's message, the conversation's new state, the SMS it is owed and
    the end of the inbox row's handling commit together: queued after the turn, an instance killed in
    between left a handled message with no answer queued (its replay found a redelivery and sent
    nothing), or an answered message still "received" (replayed for nothing, one more commit a message).

    Agent messages the customer has not received yet go first, as the customer expects: a number's SMS
    go out in the order queued, so they are taken here (`take_missed`: their rows recorded delivered in
    this transaction) and queued before the answer, whose MORE is then the one kept."""

    def __init__(self, channel: SmsChannel, item: InboxItem) -> None:
        self.channel = channel
        self.item = item
        self.finished = False  # the inbox row was recorded "done" in the turn's transaction

    async def __call__(self, session: AsyncSession, outcome: Outcome) -> None:
        number = self.item.from_number
        if outcome.undelivered and not await sms_outbox.withheld(session, {number}):
            # Read in this transaction, as `SmsDelivery` checks before it queues. (Opted out or blocked
            # meanwhile: left to the runtime's flush after the turn, which holds them for the agents.)
            missed = await self.channel.runtime.handoff.take_missed(session, outcome.conversation_id, outcome.language)
            await self.channel._queue_missed(session, number, missed, outcome.language)
        await self.channel._queue_reply(session, number, outcome)
        await sms_repo.finish_inbound(session, self.item.id, DONE)
        self.finished = True
