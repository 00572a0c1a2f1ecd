"""What the suggestions page shows, read in one place: suggestions by status with their examples, the
versions, and which one is live (the page and the CLI format it; nothing here renders)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.learning import additions as learned
from bot.storage import suggestions as repo
from bot.storage.suggestions import ACCEPTED, OPEN, REJECTED, STAGED

__all__ = ["Board", "SuggestionView", "VersionView", "board", "export"]

SHOWN = 50  # suggestions of each status on the page (most asked first)


@dataclass(frozen=True)
class SuggestionView:
    """One suggestion as the supervisor sees it."""

    id: int
    script: str
    text: str
    count: int
    status: str
    intent_id: str | None  # the probable intent
    target_intent: str | None  # where a staged suggestion goes
    new_intent: dict[str, Any] | None
    version_id: int | None
    examples: list[tuple[str, int]]


@dataclass(frozen=True)
class VersionView:
    """One published version."""

    id: int
    created_by: str
    created_at: dt.datetime
    note: str | None
    examples: int
    intents: int
    active: bool


@dataclass(frozen=True)
class Board:
    """Everything on the page."""

    open: list[SuggestionView]
    staged: list[SuggestionView]
    rejected: list[SuggestionView]
    accepted: list[SuggestionView]
    versions: list[VersionView]
    active_version: int


def _size(additions: dict[str, Any]) -> tuple[int, int]:
    examples = sum(len(q) for q in (additions.get("examples") or {}).values())
    intents = additions.get("intents") or []
    return examples + sum(len(i.get("questions") or []) for i in intents), len(intents)


async def board(runtime: Any) -> Board:
    """Read the page's data."""
    async with runtime.database.sessions() as session:
        lists: dict[str, list[SuggestionView]] = {}
        for status in (OPEN, STAGED, REJECTED, ACCEPTED):
            views = []
            for row in await repo.suggestions(session, (status,), limit=SHOWN):
                views.append(SuggestionView(
                    row.id, row.script, row.text, row.count, row.status, row.intent_id, row.target_intent,
                    dict(row.new_intent) if row.new_intent else None, row.version_id,
                    await repo.examples(session, row.id, 5) if status in (OPEN, STAGED) else [],
                ))
            lists[status] = views
        active = await repo.state_value(session, repo.ACTIVE_VERSION)
        versions = []
        for row in await repo.versions(session):
            examples, intents = _size(dict(row.additions))
            versions.append(VersionView(row.id, row.created_by, row.created_at, row.note, examples, intents, row.id == active))
    return Board(lists[OPEN], lists[STAGED], lists[REJECTED], lists[ACCEPTED], versions, active)


async def export(runtime: Any, base: Any) -> str:
    """The active version's additions as an FAQ YAML file (bot.learning.additions.export_yaml)."""
    async with runtime.database.sessions() as session:
        _, additions = await repo.active_additions(session)
    return learned.export_yaml(base, additions)
