"""The Telegram side of a conversation: Telegram objects in, `Inbound` to the engine, replies sent back.

Handlers (see `routers/`) stay small: they pick what the customer did and call `TelegramChannel`, which
builds the `Inbound`, shows "typing…" while the engine works, and sends the rendered replies.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, Chat, InaccessibleMessage, Message, User

from bot.channels.telegram.callbacks import Feedback, IntentRefs
from bot.channels.telegram.render import RenderedMessage, render
from bot.channels.telegram.texts import channel_text, language_from_code
from bot.engine.types import Action, Inbound, InboundKind, KeepWithTurn, Outcome, Reply, ReplyKind
from bot.settings import Language, Settings

if TYPE_CHECKING:
    from aiogram.filters.callback_data import CallbackData
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.channels.telegram.outbox import ReplyOutbox
    from bot.storage.telegram_outbox import QueuedMessage

log = logging.getLogger(__name__)

CHANNEL = "telegram"
CALLBACK_ANSWER_LIMIT = 200  # Telegram's limit on answerCallbackQuery text
TYPING_DELAY = 0.25  # seconds of engine work before "typing…" is shown


class StoreLike(Protocol):
    async def set_blocked(self, channel: str, customer_id: str, blocked: bool) -> None: ...

    async def replies_to(self, channel: str, customer_id: str, external_id: str) -> Any: ...

    async def ping(self) -> bool: ...


class RuntimeLike(Protocol):
    """What the channel needs of `bot.runtime.Runtime`."""

    settings: Settings
    knowledge: Any
    store: StoreLike

    async def handle(self, inbound: Inbound, *, keep: KeepWithTurn | None = None) -> Outcome:
        """The engine's turn, then what it owes the hand-off (see `bot.runtime.Runtime.handle`)."""
        ...


@dataclass
class ChannelStats:
    """Counters for tests, logs and the benchmark."""

    duplicate_updates: int = 0  # dropped by update_id
    duplicate_messages: int = 0  # the engine recognised the external id
    flood_dropped: int = 0
    flood_notices: int = 0
    errors: int = 0
    blocked: int = 0
    stale_buttons: int = 0
    sent: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Customer:
    """Who wrote, as the engine sees them."""

    chat_id: int
    language: Language  # from Telegram's language_code; the engine keeps its own once it knows better
    display_name: str | None

    @property
    def customer_id(self) -> str:
        return str(self.chat_id)


class Typing:
    """Show "typing…" while the engine works.

    The indicator starts after `delay` seconds (an answer ready sooner needs none: it would cost one more
    request to Telegram per message for a flicker nobody sees), is renewed every `interval` seconds, and
    is finished, never cut mid-request, before the replies go out, so it cannot show after them.
    """

    def __init__(self, bot: Bot, chat_id: int, *, delay: float = 0.0, interval: float = 4.5) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.delay = delay
        self.interval = interval
        self._stop = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    def _start(self) -> None:
        self._timer = None
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.bot.send_chat_action(chat_id=self.chat_id, action=ChatAction.TYPING)
            except Exception as exc:  # noqa: BLE001 - a typing indicator is never worth an error
                log.debug("typing indicator for chat %s failed: %s", self.chat_id, exc)
                return
            try:
                await asyncio.wait_for(self._stop.wait(), self.interval)
            except TimeoutError:
                continue

    async def __aenter__(self) -> Typing:
        if self.delay <= 0:
            self._start()
        else:  # a timer, not a task: nothing to create or cancel for the usual quick answer
            self._timer = asyncio.get_running_loop().call_later(self.delay, self._start)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._stop.set()
        if self._task is not None:
            await self._task


class TelegramChannel:
    """Everything the handlers share: the engine, the store, the intent references and the counters."""

    name = CHANNEL

    def __init__(
        self, runtime: RuntimeLike, *, typing: bool = True, typing_delay: float = TYPING_DELAY, typing_interval: float = 4.5
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.store = runtime.store
        self.refs = IntentRefs(entry.id for entry in getattr(runtime.knowledge, "entries", ()))
        self.typing = typing
        self.typing_delay = typing_delay
        self.typing_interval = typing_interval
        self.stats = ChannelStats()
        # Replies of a turn are stored before they are sent (bot/channels/telegram/outbox.py) when the
        # dispatcher has a database behind it; None: sent directly (unit tests without storage).
        self.outbox: ReplyOutbox | None = None

    def count_duplicate_update(self, update_id: int) -> None:
        """An update Telegram sent again (the inbox recognised its id)."""
        self.stats.duplicate_updates += 1

    # -- who --------------------------------------------------------------------------------------

    def language_of(self, user: User | None) -> Language:
        """The customer's language as Telegram reports it, mapped to one of ours."""
        return language_from_code(user.language_code if user else None, self.settings.default_language)

    def customer(self, chat: Chat, user: User | None) -> Customer:
        name = user.full_name if user else chat.full_name
        return Customer(chat_id=chat.id, language=self.language_of(user), display_name=(name or "").strip()[:128] or None)

    # -- engine -----------------------------------------------------------------------------------

    async def ask(
        self,
        bot: Bot,
        customer: Customer,
        *,
        external_id: str,
        text: str | None = None,
        kind: InboundKind = InboundKind.TEXT,
        action: Action | None = None,
        typing: bool = False,
        attachment: str | None = None,
        keep: KeepWithTurn | None = None,
    ) -> Outcome:
        """Hand one customer message or button press to the engine (`keep`: see `KeepWithTurn`)."""
        inbound = Inbound(
            channel=CHANNEL,
            customer_id=customer.customer_id,
            text=text,
            kind=kind,
            action=action,
            language_hint=customer.language,
            display_name=customer.display_name,
            external_id=external_id,
            attachment=attachment,
        )
        self.stats.by_kind[kind.value] = self.stats.by_kind.get(kind.value, 0) + 1
        if typing and self.typing:
            async with Typing(bot, customer.chat_id, delay=self.typing_delay, interval=self.typing_interval):
                return await self.runtime.handle(inbound, keep=keep)
        return await self.runtime.handle(inbound, keep=keep)

    async def send(
        self, bot: Bot, chat_id: int, replies: tuple[Reply, ...] | list[Reply], *, source: str | None = None
    ) -> list[Message]:
        """Send replies in order, each split and with its keyboard. A 403 stops the rest (see session.py).

        `source`: the customer's message these replies answer ("msg:123"). With it, and an outbox, the
        replies are stored first and sent by whichever instance is alive, once; without it (the
        hand-off's own lines, which its outbox already keeps) they are sent directly.
        """
        parts = self._render(replies)
        if source is not None and self.outbox is not None:
            sent = await self.outbox.send(bot, chat_id, source, parts)
            self.stats.sent += len(sent)
            return sent
        return await self._send_directly(bot, chat_id, parts)

    def _render(self, replies: tuple[Reply, ...] | list[Reply]) -> list[RenderedMessage]:
        return [part for reply in replies for part in render(reply, self.refs)]

    async def _send_directly(self, bot: Bot, chat_id: int, parts: list[RenderedMessage]) -> list[Message]:
        sent: list[Message] = []
        for part in parts:
            sent.append(await bot.send_message(chat_id=chat_id, text=part.text, reply_markup=part.reply_markup))
            self.stats.sent += 1
        return sent

    async def answer_again_if_unsent(self, bot: Bot, customer: Customer, external_id: str) -> None:
        """A message handled before whose replies were never queued (its instance died between the turn
        and the outbox: a button press, whose replies are queued after its turn): send the stored
        replies, as text (their buttons were not kept)."""
        if self.outbox is None or await self.outbox.already_queued(customer.chat_id, external_id):
            return
        stored = await self.store.replies_to(CHANNEL, customer.customer_id, external_id)
        replies = [Reply(text=row.text, kind=ReplyKind.INFO, language=row.language or customer.language) for row in stored if row.text]
        if replies:
            log.info("chat %s: replies to %s were stored but never queued; sending them now", customer.chat_id, external_id)
            await self.send(bot, customer.chat_id, replies, source=external_id)

    # -- what the handlers call -------------------------------------------------------------------

    async def on_message(
        self,
        bot: Bot,
        message: Message,
        *,
        text: str | None = None,
        kind: InboundKind = InboundKind.TEXT,
        action: Action | None = None,
        attachment: str | None = None,
    ) -> None:
        """A message from a customer: ask the engine, send what it says (nothing for a redelivery).

        With an outbox, the replies are queued in the turn's own transaction (one commit for the message,
        the conversation and the replies to send) and sent once it committed.
        """
        customer = self.customer(message.chat, message.from_user)
        external_id = f"msg:{message.message_id}"  # also the source of the replies
        queued: list[QueuedMessage] | None = None

        async def queue_replies(session: AsyncSession, outcome: Outcome) -> None:
            nonlocal queued
            if outcome.replies and self.outbox is not None:
                queued = await self.outbox.enqueue(session, customer.chat_id, external_id, self._render(outcome.replies))

        outcome = await self.ask(
            bot,
            customer,
            external_id=external_id,
            text=text,
            kind=kind,
            action=action,
            typing=True,
            attachment=attachment,
            keep=queue_replies if self.outbox is not None else None,
        )
        if outcome.duplicate:
            self.stats.duplicate_messages += 1
            log.info("chat %s: message %s already handled, not answering again", customer.chat_id, message.message_id)
            await self.answer_again_if_unsent(bot, customer, external_id)
            return
        if not outcome.replies and outcome.relayed:
            return  # a person handles the conversation: the message went to them, the bot stays quiet
        if not outcome.replies:  # pragma: no cover - the engine always answers; never leave a customer hanging
            log.warning("chat %s: the engine had no reply to message %s", customer.chat_id, message.message_id)
            await bot.send_message(chat_id=customer.chat_id, text=channel_text("error", customer.language))
            return
        if queued is not None and self.outbox is not None:
            sent = await self.outbox.deliver(bot, queued)
            self.stats.sent += len(sent)
            return
        await self.send(bot, customer.chat_id, outcome.replies, source=external_id)

    async def on_callback(self, bot: Bot, query: CallbackQuery, data: CallbackData, action: Action) -> None:
        """A button press: ask the engine; a stale button gets an alert, feedback a short thanks."""
        message = query.message
        chat = message.chat if message is not None else None
        if chat is None:  # a button on an inline-mode message: not ours
            await self.reject_callback(query)
            return
        customer = self.customer(chat, query.from_user)
        external_id = f"cbq:{query.id}"
        outcome = await self.ask(bot, customer, external_id=external_id, action=action)
        if outcome.duplicate:
            self.stats.duplicate_messages += 1
            await self.answer_again_if_unsent(bot, customer, external_id)
            return
        if is_stale(outcome):
            self.stats.stale_buttons += 1
            await query.answer(text=_short(outcome.replies[0].text), show_alert=True)
            return
        replies = list(outcome.replies)
        if isinstance(data, Feedback):
            thanks = replies.pop(0).text if replies else ""
            await query.answer(text=_short(thanks) or None)
            if message is not None and not isinstance(message, InaccessibleMessage):
                await self._remove_keyboard(bot, chat.id, message.message_id)
        else:
            await query.answer()
        if replies:
            await self.send(bot, chat.id, replies, source=external_id)

    async def reject_callback(self, query: CallbackQuery) -> None:
        """Forged or outdated callback data: an alert, nothing else."""
        self.stats.stale_buttons += 1
        log.info("callback %s from user %s: unknown data %r", query.id, query.from_user.id, query.data)
        await query.answer(text=channel_text("stale", self.language_of(query.from_user)), show_alert=True)

    async def _remove_keyboard(self, bot: Bot, chat_id: int, message_id: int) -> None:
        try:
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
        except TelegramBadRequest as exc:  # already edited, too old: the vote is stored anyway
            log.debug("could not remove the keyboard of %s/%s: %s", chat_id, message_id, exc.message)

    async def set_blocked(self, chat_id: int | str, blocked: bool) -> None:
        """Record that a customer blocked (or unblocked) the bot."""
        await self.store.set_blocked(CHANNEL, str(chat_id), blocked)
        if blocked:  # counted once stored: whoever reads the counter may read the database too
            self.stats.blocked += 1

    async def mark_blocked(self, chat_id: str) -> None:
        """For the session middleware: a 403 on a request to this chat."""
        await self.set_blocked(chat_id, True)

    async def apologise(self, bot: Bot, chat_id: int, user: User | None) -> None:
        """The short apology after an internal error."""
        try:
            await bot.send_message(chat_id=chat_id, text=channel_text("error", self.language_of(user)))
        except TelegramAPIError as exc:
            log.warning("could not apologise to chat %s: %s", chat_id, exc)


def is_stale(outcome: Outcome) -> bool:
    """The engine's answer to a forged or outdated button, shown as an alert rather than a message."""
    return len(outcome.replies) == 1 and outcome.replies[0].kind is ReplyKind.STALE


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= CALLBACK_ANSWER_LIMIT else text[: CALLBACK_ANSWER_LIMIT - 1] + "…"
