"""Engine replies as widget events, and the widget's buttons back as engine actions.

An event's payload is what the frame shows: `sender` (customer | bot | agent | system), `text` (plain:
the frame renders it with textContent), the reply `kind`, `options` (label + an opaque `action` string
the frame posts back unchanged), `feedback` (👍/👎 actions of an FAQ answer, with its `message_id`),
`agent` (an agent's first name). Actions are "kind|message id|value": the engine checks every one
(an unknown FAQ id, another customer's message, a survey of someone else's escalation: STALE), so the
string needs no signature; `parse_action` only refuses what is not an action at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.engine.types import Action, ActionKind, Reply, ReplyKind
from bot.storage.web import EventRow, NewEvent

MAX_ACTION = 300
MAX_MESSAGE_ID = 2**31 - 1  # message ids are PostgreSQL int4: a larger one would fail the query, not the check


def pack_action(action: Action) -> str:
    message_id = "" if action.message_id is None else str(action.message_id)
    return f"{action.kind.value}|{message_id}|{action.value}"


def parse_action(packed: object) -> Action | None:
    """The action a button stands for; None when the string is not one (the API answers 400)."""
    if not isinstance(packed, str) or len(packed) > MAX_ACTION:
        return None
    kind, sep, rest = packed.partition("|")
    message_id, sep2, value = rest.partition("|")
    if not sep or not sep2 or kind not in ActionKind.__members__.values():
        return None
    if message_id and not (message_id.isascii() and message_id.isdigit() and 1 <= int(message_id) <= MAX_MESSAGE_ID):
        return None
    return Action(ActionKind(kind), value, int(message_id) if message_id else None)


def reply_payload(reply: Reply, sender: str = "bot") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "sender": sender,
        "text": str(reply.text),
        "kind": reply.kind.value,
        "options": [{"label": str(o.label), "action": pack_action(o.action)} for o in reply.options],
    }
    if reply.kind is ReplyKind.ANSWER and reply.message_id is not None:
        payload["message_id"] = reply.message_id
        payload["feedback"] = {
            "up": pack_action(Action(ActionKind.FEEDBACK, "up", reply.message_id)),
            "down": pack_action(Action(ActionKind.FEEDBACK, "down", reply.message_id)),
        }
    return payload


def reply_events(replies: Sequence[Reply], sender: str = "bot", source: str | None = None) -> list[NewEvent]:
    """One event per reply; with `source`, the first carries it (so the lines are stored once)."""
    events = []
    for index, reply in enumerate(replies):
        sender_of = "system" if reply.kind is ReplyKind.STALE else sender
        keyed = f"{source}#{index}" if source is not None else None
        events.append(NewEvent(sender_of, reply_payload(reply, sender_of), source=keyed))
    return events


def event_json(row: EventRow) -> dict[str, Any]:
    """What the API and the stream send for a stored event (the payload, its id)."""
    return {**row.payload, "id": row.id, "sender": row.sender}
