"""`supportbot kb suggestions | versions | rollback | export-learned`: the learning knowledge base from a
terminal (the console's /console/suggestions page is the full workflow: deciding and checking there).

* `kb suggestions [--collect] [--json]`: the open suggestions, most asked first (`--collect` reads the
  transcript into suggestions first, as opening the page does);
* `kb versions`: the published versions and which one is live;
* `kb rollback VERSION`: make an earlier version (0: the files alone) live; running instances apply it
  within seconds (their version poller), nothing needs restarting;
* `kb export-learned`: the live additions as an FAQ YAML file, for the operator's repository.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from types import SimpleNamespace
from typing import Any

from bot.cli_args import settings_from as _settings
from bot.errors import database_errors_in_one_line
from bot.knowledge import load_knowledge
from bot.settings import Settings
from bot.storage import Database


async def _context(settings: Settings, *, matcher: bool = False) -> Any:
    """What the learning functions need of a runtime, without starting the bot: the database and the
    files' knowledge base (and its matcher, to guess the intent of 👎 answers)."""
    from bot.coordination import Shared
    from bot.nlu.cache import cache_dir_for, load_or_train

    knowledge = load_knowledge(settings.knowledge_dir)
    with database_errors_in_one_line(settings.database_url):
        database = await Database.connect(settings.database_url)
    trained = load_or_train(knowledge, threshold=settings.match_threshold, cache_dir=cache_dir_for(settings)) if matcher else None
    return SimpleNamespace(settings=settings, database=database, knowledge=knowledge, matcher=trained, shared=Shared())


async def _suggestions(settings: Settings, collect: bool, as_json: bool) -> int:
    from bot.learning import signals
    from bot.learning.board import board

    context = await _context(settings, matcher=collect)
    try:
        if collect:
            print(f"collected {await signals.collect(context)} new signals", file=sys.stderr)
        data = await board(context)
    finally:
        await context.database.close()
    rows = [{"id": s.id, "count": s.count, "text": s.text, "intent": s.intent_id, "examples": [t for t, _ in s.examples]}
            for s in data.open]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            print(f"#{row['id']:<5} {row['count']:>4}x  {row['text']}  -> {row['intent'] or '(no intent)'}")
        if not rows:
            print("no open suggestions")
    return 0


async def _versions(settings: Settings) -> int:
    from bot.learning.board import board

    context = await _context(settings)
    try:
        data = await board(context)
    finally:
        await context.database.close()
    for v in data.versions:
        live = "  (live)" if v.active else ""
        print(f"version {v.id}: {v.examples} examples, {v.intents} new intents, by {v.created_by} at {v.created_at:%Y-%m-%d %H:%M} UTC{live}")
    print(f"version 0: the knowledge files alone{'  (live)' if data.active_version == 0 else ''}")
    return 0


async def _rollback(settings: Settings, version_id: int) -> int:
    from bot.learning.versions import DecisionError, make_active

    context = await _context(settings)
    try:
        await make_active(context.database, version_id)
    except DecisionError:
        print(f"error: there is no version {version_id}", file=sys.stderr)
        return 1
    finally:
        await context.database.close()
    print(f"version {version_id} is live: running instances apply it within seconds")
    return 0


async def _export(settings: Settings) -> int:
    from bot.learning.board import export

    context = await _context(settings)
    try:
        print(await export(context, context.knowledge), end="")
    finally:
        await context.database.close()
    return 0


def cmd_kb_suggestions(args: argparse.Namespace) -> int:
    return asyncio.run(_suggestions(_settings(args), args.collect, args.json))


def cmd_kb_versions(args: argparse.Namespace) -> int:
    return asyncio.run(_versions(_settings(args)))


def cmd_kb_rollback(args: argparse.Namespace) -> int:
    return asyncio.run(_rollback(_settings(args), args.version))


def cmd_kb_export_learned(args: argparse.Namespace) -> int:
    return asyncio.run(_export(_settings(args)))


def add_learning_commands(kb_sub: Any) -> None:
    """Register the learning commands on `supportbot kb`'s sub-parsers."""

    def add(name: str, func: Any, help_text: str) -> argparse.ArgumentParser:
        command = kb_sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(func=func)
        command.add_argument("--kb", metavar="DIR", help="knowledge directory (default: KNOWLEDGE_DIR or knowledge/)")
        command.add_argument("--db", metavar="URL", help="database URL (default: DATABASE_URL)")
        return command

    suggestions = add("suggestions", cmd_kb_suggestions, "Open suggestions learned from customers' messages, most asked first.")
    suggestions.add_argument("--collect", action="store_true", help="read new failed messages into suggestions first")
    suggestions.add_argument("--json", action="store_true", help="print one JSON list")
    add("versions", cmd_kb_versions, "Published knowledge-base versions and which one is live.")
    rollback = add("rollback", cmd_kb_rollback, "Make an earlier knowledge-base version live (0: the files alone).")
    rollback.add_argument("version", type=int)
    add("export-learned", cmd_kb_export_learned, "The live learned additions as an FAQ YAML file (stdout).")
