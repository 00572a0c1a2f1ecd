"""The web chat channel: sessions, a visitor's messages and button presses through the engine, events out.

Thin on purpose: everything a conversation does is the engine's (`runtime.handle`); this turns a
request into an `Inbound` on channel "web" and the `Outcome` into stored events the widget shows.

A message is posted with the client's id for it. The customer's event is stored first (keyed by that
id), then the turn runs with `external_id="web:<client id>"`, then its replies are stored as events
answering it. A retry of the same id (the network dropped the answer) finds the stored event, the
engine recognises the redelivery, and the stored replies are returned: one message, one answer. A
lock per visitor (shared through Redis when configured) keeps a retry from overtaking the original.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from typing import Any

from bot.channels.web.delivery import CHANNEL, WebDelivery
from bot.channels.web.live import Live
from bot.channels.web.render import event_json, reply_events
from bot.channels.web.sites import identity_valid, parse_sites
from bot.coordination import Rate
from bot.engine.conversation import CustomerLocks
from bot.engine.types import Inbound, Reply, ReplyKind
from bot.safetext import storable_or_none
from bot.settings import Language
from bot.storage.web import NewEvent, SessionInfo, WebChatStore
from bot.tokens import new_token, token_hash

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
USER_ID_LIMIT = 64
# Anonymous sessions cost nothing to open, so a per-session limit alone stops no script: the client's
# address is limited too. Generous, because one office or mobile carrier may share one address.
ADDRESS_FACTOR = 5  # an address may send this many visitors' worth of messages and uploads a minute
SESSIONS_PER_ADDRESS = Rate("webchat-sessions-address", 30, 600)


class Refused(Exception):
    """A request the chat declines: the HTTP status and the catalog key of the polite line to show."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


@dataclass(frozen=True)
class Posted:
    """What a posted message or action came to: its events (the customer's first), and whether it was a retry."""

    events: list[dict[str, Any]]
    duplicate: bool


class WebChat:
    """The channel's state for one runtime: sites, store, live streams, limits, and its delivery."""

    def __init__(self, runtime: Any) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.settings = settings
        self.sites = parse_sites(settings.webchat_sites)
        self.store = WebChatStore(runtime.database)
        self.live = Live(self.store, runtime.shared.wakeup("webchat"))
        self.limiter = runtime.shared.rate_limiter()
        self.rate = Rate("webchat", settings.webchat_messages_per_minute, 60)
        self.address_rate = Rate("webchat-address", settings.webchat_messages_per_minute * ADDRESS_FACTOR, 60)
        self.locks = runtime.shared.locks(CustomerLocks(), "webchat")
        self.delivery = WebDelivery(self.store, self.live)

    # -- sessions -----------------------------------------------------------------------------------

    async def open_session(self, site: str, language: Language, user_id: object = None, signature: object = None,
                           name: object = None) -> tuple[str, SessionInfo]:
        """A new session token for the site: anonymous, or for the vendor's user when the HMAC checks.

        The token is random and only its hash is stored. Identified users share one conversation across
        devices ("u:<site>:<user id>"); each anonymous session is a new visitor ("v:<random>").
        """
        if site not in self.sites:
            raise Refused(404, "webchat.bad_request")
        if user_id is None or user_id == "":
            if self.settings.webchat_require_identity:
                raise Refused(403, "webchat.identity_required")
            customer_id, user = f"v:{secrets.token_hex(16)}", None
        else:
            if not isinstance(user_id, str) or len(f"u:{site}:{user_id}") > USER_ID_LIMIT or not user_id.isprintable():
                raise Refused(400, "webchat.identity_refused")
            if not identity_valid(self.settings.webchat_identity_secret, user_id, signature if isinstance(signature, str) else None):
                raise Refused(403, "webchat.identity_refused")
            customer_id, user = f"u:{site}:{user_id}", user_id
        display = storable_or_none(name[:128]) if isinstance(name, str) and user is not None else None
        token = new_token()
        info = SessionInfo(customer_id, site, language, user, display)
        await self.store.open_session(token_hash(token), info)
        return token, info

    async def visitor(self, token: str | None) -> SessionInfo | None:
        """Who a token belongs to; None when unknown or expired (SESSION_IDLE unused: the frame opens a new one)."""
        if not token or len(token) > 200:
            return None
        return await self.store.session_of(token_hash(token))

    async def end_session(self, token: str | None) -> bool:
        """Forget a token (the visitor signed out or became someone else); False when it was not known."""
        if not token or len(token) > 200:
            return False
        return await self.store.end_session(token_hash(token))

    async def within_limit(self, visitor: SessionInfo, address: str | None) -> bool:
        """Take one of the visitor's messages of this minute, and one of their address's; False when either
        minute's are used up."""
        if not await self.limiter.hit(self.rate, visitor.customer_id):
            return False
        return await self.limiter.hit(self.address_rate, address or "unknown")

    async def may_open_session(self, address: str | None) -> bool:
        """Take one of the address's new sessions of these ten minutes; False when they are used up."""
        return await self.limiter.hit(SESSIONS_PER_ADDRESS, address or "unknown")

    # -- messages -----------------------------------------------------------------------------------

    async def already_posted(self, visitor: SessionInfo, client_id: str) -> bool:
        return await self.store.posted(visitor.customer_id, client_id) is not None

    async def _stored_replies(self, customer: str, external_id: str, language: Language) -> list[Reply]:
        """A retried message whose turn committed but whose replies never became events (the instance died
        in between): the transcript's replies, as text (their buttons were not kept)."""
        stored = await self.runtime.store.replies_to(CHANNEL, customer, external_id)
        return [Reply(text=row.text, kind=ReplyKind.INFO, language=row.language or language) for row in stored if row.text]

    async def post(self, visitor: SessionInfo, client_id: str, inbound: Inbound, shown: dict[str, Any]) -> Posted:
        """Store the customer's event, run the turn, store its replies; a retry returns what was stored."""
        customer = visitor.customer_id
        inbound = replace(inbound, channel=CHANNEL, customer_id=customer, external_id=f"web:{client_id}",
                          language_hint=visitor.language, display_name=visitor.display_name)  # type: ignore[arg-type]
        async with self.locks.hold((CHANNEL, customer)):
            posted = await self.store.posted(customer, client_id)
            if posted is None:
                [event_id] = await self.store.append(customer, [NewEvent("customer", shown, client_id=client_id)], site=visitor.site)
                self.live.changed(customer)
            else:
                event_id = posted[0].id
            outcome = await self.runtime.handle(inbound)
            if posted is None or not posted[0].answered:
                replies = list(outcome.replies)
                if outcome.duplicate:  # the turn committed before, its replies never became events
                    replies = await self._stored_replies(customer, inbound.external_id or "", outcome.language)
                if await self.store.answer(customer, event_id, reply_events(replies), site=visitor.site):
                    self.live.changed(customer)
            stored = await self.store.posted(customer, client_id)
        assert stored is not None  # stored above, in this lock
        first, replies = stored
        return Posted([event_json(first), *(event_json(r) for r in replies)], duplicate=outcome.duplicate)
