"""Canned answers: the FAQ knowledge base searched from the console, the answer put in the reply
composer in the customer's language with its variables filled, for the agent to review before sending.

Variables (Chatwoot #1886 has none): {customer_name}, {agent_name}, {brand} and {ticket} (the customer's
latest repair ticket). They are filled in the answer wherever it uses them, and the answer is framed by
a greeting with the customer's name and the agent's signature (catalog lines), plus the ticket number
when the customer has one. Only what the agent inserts is filled: a reply typed by hand is sent as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.i18n.catalog import text
from bot.knowledge.faq import FaqEntry

LIMIT = 5
MIN_CONFIDENCE = 0.05  # the matcher's shortlist, minus what is plainly unrelated


@dataclass(frozen=True)
class Variables:
    """What a canned answer's placeholders are filled with."""

    customer_name: str
    agent_name: str
    brand: str
    ticket: str | None

    def fill(self, template: str) -> str:
        values = {"customer_name": self.customer_name, "agent_name": self.agent_name, "brand": self.brand, "ticket": self.ticket or ""}
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template


@dataclass(frozen=True)
class CannedAnswer:
    """One search result, ready for the composer."""

    intent_id: str
    title: str
    text: str


def search(knowledge: Any, matcher: Any, query: str, language: str, limit: int = LIMIT) -> list[FaqEntry]:
    """The FAQ entries that answer `query`: the matcher's candidates first (it understands paraphrases
    in Chinese and English), then entries whose title, questions or answer contain the words."""
    query = query.strip()
    if not query:
        return []
    found: list[FaqEntry] = []

    def add(entry: FaqEntry | None) -> None:
        if entry is not None and not entry.builtin and entry.answer and entry not in found:
            found.append(entry)

    try:
        result = matcher.match(query)
        for candidate in result.candidates:
            if candidate.confidence >= MIN_CONFIDENCE:
                add(knowledge.entry(candidate.intent_id))
    except Exception:  # noqa: BLE001 - a matcher failure leaves the plain text search
        pass
    needle = query.casefold()
    for entry in knowledge.entries:
        haystack = [*entry.questions, *entry.title.values(), *entry.answer.values()]
        if any(needle in str(item).casefold() for item in haystack):
            add(entry)
    return found[:limit]


def compose(entry: FaqEntry, language: str, variables: Variables) -> str:
    """The entry's answer in the customer's language, framed and with every variable filled."""
    answer = variables.fill(entry.answer_in(language, variables.brand))  # type: ignore[arg-type]
    lines = [variables.fill(text("agentconsole.canned_greeting", language)), answer]  # type: ignore[arg-type]
    if variables.ticket and variables.ticket not in answer:
        lines.append(variables.fill(text("agentconsole.canned_ticket", language)))  # type: ignore[arg-type]
    lines.append(variables.fill(text("agentconsole.canned_signature", language)))  # type: ignore[arg-type]
    return "\n".join(lines)


def answers(knowledge: Any, matcher: Any, query: str, language: str, variables: Variables) -> list[CannedAnswer]:
    """Search results in the customer's language, composed for the reply box."""
    return [
        CannedAnswer(entry.id, entry.title_in(language), compose(entry, language, variables))  # type: ignore[arg-type]
        for entry in search(knowledge, matcher, query, language)
    ]


def entry_answer(knowledge: Any, intent_id: str, language: str, variables: Variables) -> CannedAnswer | None:
    """One entry composed (the page's "put in the reply" without JavaScript)."""
    entry = knowledge.entry(intent_id)
    if entry is None or entry.builtin or not entry.answer:
        return None
    return CannedAnswer(entry.id, entry.title_in(language), compose(entry, language, variables))
