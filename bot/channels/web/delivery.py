"""Hand-off delivery for the web chat: what people (and the hand-off service) send to a web visitor.

Implements `bot.handoff.delivery.CustomerDelivery` for channel "web". Delivering is storing an event
(the widget's streams read them, on any instance): the service's own lines ("an agent has taken your
conversation", the survey) become "bot" events with their buttons, stored once per `source`; an
agent's message becomes an "agent" event with the agent's first name, shown as a person, never as the
bot. Agents' notes never reach this class: `HandoffService.note` stores them with the escalation only.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.channels.web.live import Live
from bot.channels.web.render import reply_events
from bot.engine.types import Reply
from bot.handoff.delivery import AgentMessage, DeliveryFailed
from bot.storage.web import NewEvent, WebChatStore

CHANNEL = "web"


class WebDelivery:
    """The web chat's `CustomerDelivery`: events in the database, streams woken."""

    channel = CHANNEL

    def __init__(self, store: WebChatStore, live: Live) -> None:
        self.store = store
        self.live = live

    async def send_replies(self, customer_id: str, replies: Sequence[Reply], *, source: str | None = None) -> None:
        await self._store(customer_id, reply_events(replies, "bot", source))

    async def send_agent_message(self, customer_id: str, message: AgentMessage) -> None:
        body = message.as_text()  # the agents' file stays on their side; the visitor is told
        if not body.strip():
            return
        payload = {"sender": "agent", "text": body, "kind": "agent", "options": [], "agent": message.agent_name or ""}
        # Keyed by the stored message: a retry after a crash between storing and marking it delivered
        # finds the event and adds nothing (the visitor sees the message once).
        source = f"agent:{message.message_id}" if message.message_id is not None else None
        await self._store(customer_id, [NewEvent("agent", payload, source=source)])

    async def _store(self, customer_id: str, events: list[NewEvent]) -> None:
        if not events:
            return
        try:
            await self.store.append(customer_id, events, site=_site_of(customer_id))
        except Exception as exc:  # noqa: BLE001 - the table did not take it: the service keeps and retries it
            raise DeliveryFailed(f"could not store the web chat event: {exc}") from exc
        self.live.changed(customer_id)


def _site_of(customer_id: str) -> str:
    """The site in "u:<site>:<user>" (anonymous visitors' rows exist since their session opened)."""
    parts = customer_id.split(":")
    return parts[1] if len(parts) >= 3 and parts[0] == "u" else ""
