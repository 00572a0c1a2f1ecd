"""Outbound SMS providers: a small interface, and Twilio's REST Messages API behind it.

Another gateway is one class with `name`, `free_text`, `templates` and `send`. Two kinds exist:

* free-text gateways (Twilio, most international ones) send any body;
* template-only gateways (mainland China: Aliyun SMS, Tencent Cloud SMS) send only texts the carrier
  approved in advance, as a template code plus parameters. Such a gateway lists the templates it
  has (`templates`, our ids below, each mapped to its own code in its own configuration) and sets
  `free_text = False`.

What a template-only gateway can carry (the ids an adapter may map; parameters in brackets):

    booking.confirmed  [ticket, when, centre]   the confirmation with ticket number and call-back promise
    booking.status     [ticket, status, when]    a booking's status, moved or cancelled
    sms.opt_out        []                        the opt-out confirmation
    sms.opt_in         []                        subscribed again
    sms.help           []                        the help text

Everything else (FAQ answers, booking questions, agents' free replies) is free text and cannot go
through a template-only gateway: the outbox marks such a message failed ("needs a free-text gateway")
instead of sending something the carrier would reject. A deployment in mainland China therefore pairs
a template gateway for notifications with the web/Telegram channels for conversation.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp

log = logging.getLogger(__name__)

TEMPLATES: dict[str, tuple[str, ...]] = {
    "booking.confirmed": ("ticket", "when", "centre"),
    "booking.status": ("ticket", "status", "when"),
    "sms.opt_out": (),
    "sms.opt_in": (),
    "sms.help": (),
}


@dataclass(frozen=True)
class Template:
    """A pre-approved message: our template id (see TEMPLATES) and its parameters."""

    id: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingSms:
    """One SMS to send: the text, and the template it corresponds to when there is one."""

    to: str  # E.164
    body: str
    template: Template | None = None


class SendError(Exception):
    """The provider did not take the message. `permanent`: sending it again will not help (bad number...)."""

    def __init__(self, message: str, *, permanent: bool = False, opted_out: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.opted_out = opted_out  # the provider says the recipient unsubscribed (Twilio 21610)


class SmsProvider(Protocol):
    """What the outbox needs from a gateway."""

    name: str
    free_text: bool  # False: only `templates` can be sent
    templates: frozenset[str]  # our template ids this gateway has approved templates for

    async def send(self, message: OutgoingSms) -> str | None:
        """Hand the message over; return the provider's message id. Raise SendError when it was not taken."""

    async def close(self) -> None:
        """Release connections."""


def can_carry(provider: SmsProvider, message: OutgoingSms) -> bool:
    """Whether this provider can send this message (free text, or a template it has)."""
    return provider.free_text or (message.template is not None and message.template.id in provider.templates)


# Twilio error codes that will not get better by retrying (https://www.twilio.com/docs/api/errors).
_TWILIO_OPTED_OUT = {21610}


class TwilioProvider:
    """Twilio's Messages API: POST {api_url}/2010-04-01/Accounts/{sid}/Messages.json, basic auth, To/From/Body."""

    name = "twilio"
    free_text = True
    templates: frozenset[str] = frozenset(TEMPLATES)

    def __init__(self, account_sid: str, auth_token: str, from_number: str, *, api_url: str = "https://api.twilio.com",
                 timeout: float = 15.0, status_callback: str | None = None) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.status_callback = status_callback
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
            self._session = aiohttp.ClientSession(headers={"Authorization": f"Basic {credentials}"}, timeout=self.timeout)
        return self._session

    async def send(self, message: OutgoingSms) -> str | None:
        form = {"To": message.to, "From": self.from_number, "Body": message.body}
        if self.status_callback:
            form["StatusCallback"] = self.status_callback
        try:
            async with self._client().post(self.url, data=form) as response:
                text = await response.text()
                try:
                    payload = await response.json(content_type=None)
                except ValueError:
                    payload = None
                if response.status in (200, 201):
                    return payload.get("sid") if isinstance(payload, dict) else None
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise SendError(f"twilio unreachable: {exc.__class__.__name__}: {exc}") from exc
        code = payload.get("code") if isinstance(payload, dict) else None
        detail = f"twilio HTTP {response.status}" + (f" error {code}" if code else "") + f": {text[:300]}"
        # 429 and 5xx are Twilio's trouble (or ours being too fast): try again later. Other 4xx: the request
        # itself is wrong (bad number, unsubscribed recipient, bad credentials) and stays wrong.
        transient = response.status == 429 or response.status >= 500
        if response.status in (401, 403):
            transient = True  # a credentials problem the operator fixes: keep the messages until then
        raise SendError(detail, permanent=not transient, opted_out=code in _TWILIO_OPTED_OUT)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
