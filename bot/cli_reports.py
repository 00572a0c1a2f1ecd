"""`supportbot eval` and `supportbot queue`: reports read from a knowledge base or the database, changing nothing."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.cli_args import EXIT_KNOWLEDGE
from bot.cli_args import settings_from as _settings
from bot.errors import database_errors_in_one_line
from bot.i18n import text
from bot.settings import Settings


def cmd_eval(args: argparse.Namespace) -> int:
    """Measure the matcher on a knowledge base and a held-out cases file."""
    from bot.nlu.evaluate import evaluate

    try:
        details = Path(args.details) if args.details else None
        report = evaluate(Path(args.kb or _settings(args).knowledge_dir), Path(args.cases), details)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_KNOWLEDGE
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    by_lang = report.pop("by_lang", None)
    width = max(18, *(len(key) for key in report))
    for key, value in report.items():
        print(f"{key:>{width}}: {value}")
    if by_lang:
        columns = ("in_scope_accuracy", "oos_recall", "wrong_answer_rate", "clarify_hit_rate", "n_in_scope", "n_oos")
        headers = ("in scope", "oos recall", "wrong ans", "clarify hit", "n in", "n oos")
        lang_width = max(4, *(len(lang) for lang in by_lang))
        print()
        print(f"{'lang':<{lang_width}}" + "".join(f"{h:>12}" for h in headers))
        for lang, figures in by_lang.items():
            cells = ("-" if figures[c] is None else f"{figures[c]:.4f}" if isinstance(figures[c], float) else str(figures[c]) for c in columns)
            print(f"{lang:<{lang_width}}" + "".join(f"{cell:>12}" for cell in cells))
    return 0


async def _queue(settings: Settings, include_closed: bool = False) -> int:
    from zoneinfo import ZoneInfo

    from bot.clock import system_clock
    from bot.storage import Database, Store

    statuses = ("waiting", "assigned", "resolved", "abandoned") if include_closed else ("waiting", "assigned")
    with database_errors_in_one_line(settings.database_url):
        database = await Database.connect(settings.database_url)
        try:
            rows = await Store(database).queue(statuses)
        finally:
            await database.close()
    if not rows:
        print("The queue is empty.")
        return 0
    zone = ZoneInfo(settings.timezone)
    now = system_clock()
    print(text("cli.queue.title", "en", count=len(rows), zone=settings.timezone))
    for row in rows:
        name = row.display_name or row.customer_id
        due = "-"
        if row.due_at is not None and row.status in ("waiting", "assigned"):
            due = f"{row.due_at.astimezone(zone):%Y-%m-%d %H:%M}"
            if row.due_at < now:
                due += f" (overdue {int((now - row.due_at).total_seconds() // 60)} min)"
        agent = f" agent {row.agent_name}" if row.agent_name else ""
        print(
            f"#{row.id:<5} p{row.priority} {'⭐VIP ' if row.vip else ''}{row.status:<9} {row.reason:<15} {row.channel}:{name} "
            f"since {row.created_at.astimezone(zone):%Y-%m-%d %H:%M} due {due}{agent}"
        )
    return 0


def cmd_queue(args: argparse.Namespace) -> int:
    """List the escalations waiting for a person, most urgent first."""
    return asyncio.run(_queue(_settings(args), include_closed=args.all))
