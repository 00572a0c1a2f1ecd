"""`supportbot` command line: serve, chat, kb check, kb doctor, db upgrade; eval and queue (bot/cli_reports.py),
ticket (bot/cli_tickets.py).

Every expected failure (a bad setting, a broken knowledge file) ends with a readable message and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Sequence

from bot.cli_args import (
    EXIT_DATABASE,
    EXIT_KNOWLEDGE,
    EXIT_REFUSED,
    EXIT_SETTINGS,
    EXIT_UNEXPECTED,
)
from bot.cli_args import settings_from as _settings
from bot.cli_reports import cmd_eval, cmd_queue
from bot.errors import (
    DatabaseUnavailable,
    database_errors_in_one_line,
    mask_text,
    mask_url,
    url_password,
)
from bot.i18n import text
from bot.knowledge import KnowledgeError, KnowledgeErrors, load_knowledge
from bot.memory import fix_malloc_thresholds
from bot.observability.logs import configure_logging
from bot.settings import Settings, SettingsError

# Settings whose values are secrets: masked in every line the command prints or logs.
SECRET_SETTINGS = ("BOT_TOKEN", "WEBHOOK_SECRET", "TWILIO_AUTH_TOKEN", "SMS_WEBHOOK_SECRET", "STAFF_API_TOKEN")


def cmd_kb_check(args: argparse.Namespace) -> int:
    """Validate every knowledge file (FAQ, lexicon, off-topic list, catalog, hours) and summarise them; all problems at once.

    Warnings (too few example questions, no holiday calendar for the coming weeks) are printed to
    stderr and do not fail the check.
    """
    from bot.clock import system_clock
    from bot.knowledge.catalog import load_catalog
    from bot.knowledge.hours import load_hours
    from bot.knowledge.policies import load_policies

    settings = _settings(args)
    directory = settings.knowledge_dir
    errors: list[KnowledgeError] = []
    knowledge = catalog = hours = policies = None
    try:
        knowledge = load_knowledge(directory)
    except KnowledgeErrors as exc:
        errors += exc.errors
    try:
        catalog = load_catalog(directory)
    except KnowledgeErrors as exc:
        errors += exc.errors
    try:
        hours = load_hours(directory, settings.timezone)
    except KnowledgeErrors as exc:
        errors += exc.errors
    try:  # VIP models and centres are checked against the catalog when it loaded
        models = [m.id for t in catalog.types for m in t.models] if catalog else []
        policies = load_policies(directory, model_ids=models, centre_ids=[c.id for c in catalog.centres] if catalog else [])
    except KnowledgeErrors as exc:
        errors += exc.errors
    warnings = [f"warning: {w}" for w in (knowledge.warnings if knowledge else ())]
    if hours is not None:
        today = args.today or system_clock().astimezone(hours.zone).date()
        mainland = catalog is not None and any(c.region == "CN" for c in catalog.centres)
        calendar = hours.calendar_warning(today, centres_in_mainland=mainland)
        if calendar:
            warnings.append(f"warning: {hours.source or directory / 'hours.yaml'}: {calendar}")
    for warning in warnings:
        print(warning, file=sys.stderr)
    if errors or knowledge is None:
        raise KnowledgeErrors(errors)
    print(
        f"OK: {len(knowledge.operator_entries)} entries, {knowledge.question_count} example questions, "
        f"languages {', '.join(knowledge.languages)} ({directory})"
        + (text("cli.check.warnings", "en", count=len(warnings)) if warnings else "")
    )
    if knowledge.forms:
        forms = ", ".join(f"{form.id}: {len(form.fields)} questions" for form in knowledge.forms)
        print(f"forms: {len(knowledge.forms)} ({forms})")
    if knowledge.off_topic:
        print(f"off topic: {len(knowledge.off_topic)} messages the bot will not answer from the FAQ")
    if catalog is None:
        print("booking: off (add products.yaml and service_centers.yaml to enable it)")
    else:
        models = sum(len(t.models) for t in catalog.types)
        cities = {c.city["en"] for c in catalog.centres}
        print(f"booking: {models} models in {len(catalog.types)} product types, {len(catalog.centres)} service centres in {len(cities)} cities")
    if hours is not None and hours.always:
        print("hand-off: agents always staffed (add hours.yaml for office hours)")
    elif hours is not None:
        years = f", own holiday list for {', '.join(map(str, sorted(hours.calendar.years)))}" if hours.calendar.years else ""
        print(f"hand-off: office hours from {hours.source.name if hours.source else 'hours.yaml'} ({hours.timezone}{', mainland holidays' if hours.region == 'CN' else ''}{years})")
    if policies is not None:
        print(f"policies: {policies.summary()}")
    return 0


def cmd_kb_doctor(args: argparse.Namespace) -> int:
    """What to fix in the knowledge base to be understood better (bot/nlu/doctor.py); exit 0 on any valid KB.

    An invalid knowledge base fails as in `kb check` (KnowledgeErrors: every problem, exit 1).
    """
    from bot.nlu.doctor import diagnose, render

    settings = _settings(args)
    knowledge = load_knowledge(settings.knowledge_dir)
    print(f"kb doctor: training the matcher once per cross-validation fold on {settings.knowledge_dir} ...", file=sys.stderr)
    report = diagnose(knowledge, threshold=settings.match_threshold)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(render(report, limit=None if args.all else 20), end="")
    return 0


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date such as 2026-12-01: {value!r}") from None


def _database_errors_in_one_line(settings: Settings) -> contextlib.AbstractContextManager[None]:
    """An unreachable database becomes one `DatabaseUnavailable` line; any other error passes unchanged."""
    return database_errors_in_one_line(settings.database_url, passthrough=(KnowledgeErrors, SettingsError))


async def _runtime(settings: Settings):  # type: ignore[no-untyped-def]
    """Build the runtime; an unreachable database becomes one `DatabaseUnavailable` line."""
    from bot.runtime import build_runtime

    with _database_errors_in_one_line(settings):
        return await build_runtime(settings)


async def _chat(settings: Settings, customer: str, notice: str | None = None) -> int:
    from bot.channels.console import run_console

    runtime = await _runtime(settings)
    for stream in (sys.stdout, sys.stderr):  # a reply must never fail to print on a narrow terminal encoding
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if notice:  # only once the bot can actually talk: a failed start says one thing, the failure
        print(notice, file=sys.stderr)
    _announce_features(runtime)
    runtime.repairs.runner.start()  # reminders and notices of the repairs booked here reach this console too
    try:
        await run_console(runtime, customer_id=customer, database_url=settings.database_url)
    finally:
        await runtime.repairs.runner.stop()
        await runtime.close()
    return 0


def _announce_features(runtime: object) -> None:
    features = runtime.features()  # type: ignore[attr-defined]
    off = [name for name, on in features.items() if not on]
    if off:
        log = logging.getLogger("supportbot")
        log.info(
            "features off with this knowledge directory: %s (booking needs products.yaml and service_centers.yaml, forms need forms/*.yaml)",
            ", ".join(off),
        )


def cmd_chat(args: argparse.Namespace) -> int:
    """Talk to the bot in the terminal (or pipe messages in, one per line)."""
    return asyncio.run(_chat(_settings(args), args.customer))


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the web chat and the agents' console, plus the channels (and the staff API) that are configured."""
    from bot.channels.web.sites import parse_sites

    settings = _settings(args)
    parse_sites(settings.webchat_sites)  # a bad WEBCHAT_SITES is said before minutes of start-up
    return asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> int:
    """One aiohttp app on HOST:PORT serves /healthz, the web chat, the staff web, every webhook and the
    staff API (beside Telegram's long polling too); Telegram (polling or webhook) when BOT_TOKEN is set."""
    from bot.app import run_http
    from bot.channels.telegram import run_telegram
    from bot.handoff.outbox import HandoffTasks
    from bot.http_routes import announce_urls, served_routes
    from bot.instances import InstanceRefused, InstanceRegistry

    runtime = await _runtime(settings)
    registry = InstanceRegistry(runtime.database, clock=runtime.clock)
    try:
        await registry.register(settings.redis_url, polling=bool(settings.bot_token) and not settings.webhook_url)
    except InstanceRefused as exc:
        await runtime.close()
        print(f"supportbot: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    registry.start()
    _announce_features(runtime)
    runtime.repairs.runner.start()  # the repair lifecycle's jobs: notices, reminders, promises
    try:
        channels = served_routes(runtime)
        print(announce_urls(settings), file=sys.stderr, flush=True)
        if settings.bot_token:
            await run_telegram(runtime, channels=channels)  # also runs the hand-off background tasks
        else:
            # No agents' chat without Telegram, but held agent messages and overdue escalations still
            # need their periodic sweep.
            tasks = HandoffTasks(runtime.handoff)
            tasks.start()
            try:
                await run_http(runtime, channels)
            finally:
                await tasks.stop()
    finally:
        await runtime.repairs.runner.stop()
        await registry.stop()
        await runtime.close()
    return 0


async def _db_upgrade(settings: Settings) -> int:
    from bot.storage import Database

    with _database_errors_in_one_line(settings):
        database = await Database.connect(settings.database_url)
        await database.close()
    print(f"Database is at the latest schema: {mask_url(settings.database_url)}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply pending schema migrations (serve and chat also do this at start-up)."""
    return asyncio.run(_db_upgrade(_settings(args)))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, separate so tests can inspect it."""
    parser = argparse.ArgumentParser(prog="supportbot", description="After-sales customer-support bot.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str, *, kb: bool = True, db: bool = False) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(func=func)
        if kb:
            command.add_argument("--kb", metavar="DIR", help="knowledge directory (default: KNOWLEDGE_DIR or knowledge/)")
        if db:
            command.add_argument("--db", metavar="URL", help="database URL (default: DATABASE_URL)")
        return command

    add("serve", cmd_serve, "Run the bot on the configured channels.", db=True)
    chat = add("chat", cmd_chat, "Talk to the bot in the terminal; stdin may be piped.", db=True)
    chat.add_argument("--customer", default="local", help="customer id of this console conversation")

    kb = sub.add_parser("kb", help="Knowledge base tools.")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="Validate the knowledge files.")
    check.add_argument("--kb", metavar="DIR")
    check.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="check the holiday calendar as of this day (default: today)")
    check.set_defaults(func=cmd_kb_check)
    doctor = kb_sub.add_parser("doctor", help="What to fix in the knowledge base to be understood better.")
    doctor.add_argument("--kb", metavar="DIR")
    doctor.add_argument("--json", action="store_true", help="print one JSON object (structure: bot/nlu/doctor.py)")
    doctor.add_argument("--all", action="store_true", help="list every finding (default: at most ~20 lines a section)")
    doctor.set_defaults(func=cmd_kb_doctor)
    from bot.cli_learning import add_learning_commands

    add_learning_commands(kb_sub)  # kb suggestions / versions / rollback / export-learned (bot/cli_learning.py)

    evaluation = add("eval", cmd_eval, "Measure matching accuracy on a cases file (JSON lines).")
    evaluation.add_argument("--cases", required=True, metavar="FILE")
    evaluation.add_argument("--json", action="store_true", help="print one JSON object")
    evaluation.add_argument("--details", metavar="FILE", help="write one JSON line per case: what the bot decided")

    queue = add("queue", cmd_queue, "List conversations waiting for a person (or with one), with their due time.", kb=False, db=True)
    queue.add_argument("--all", action="store_true", help="also list resolved and cancelled hand-offs")
    db = sub.add_parser("db", help="Database tools.")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="Apply schema migrations.")
    upgrade.add_argument("--db", metavar="URL")
    upgrade.set_defaults(func=cmd_db_upgrade)
    # Imported when the parser is built: the ticket commands are their own module (bot/cli_tickets.py).
    from bot.cli_agents import add_agent_commands
    from bot.cli_tickets import add_ticket_commands

    add_ticket_commands(sub)
    add_agent_commands(sub)  # supportbot agents add / invite / list / disable (bot/cli_agents.py)
    return parser


def _secrets(settings: Settings | None = None) -> list[str]:
    """Every credential this process knows, to be masked wherever it would be printed or logged."""
    values = [os.environ.get(name, "") for name in SECRET_SETTINGS]
    values.append(url_password(os.environ.get("DATABASE_URL")) or "")
    if settings is not None:
        values += [getattr(settings, name.lower(), None) or "" for name in SECRET_SETTINGS]
        values.append(url_password(settings.database_url) or "")
    return [v for v in values if v]


def _error(message: object, secrets: Sequence[str]) -> None:
    print(f"error: {mask_text(str(message), secrets)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `supportbot` console script."""
    fix_malloc_thresholds()  # before any training: see bot/memory.py
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except SettingsError as exc:
        _error(exc, _secrets())
        return EXIT_SETTINGS
    secrets = _secrets(settings)
    # LOG_FORMAT=json for a log collector. Either format masks the secrets, then personal data (phone
    # numbers, IMEIs, serials): bot/observability/logs.py.
    configure_logging(settings.log_level, settings.log_format, [*secrets, url_password(getattr(settings, "redis_url", None)) or ""])
    # Migrations announce every plugin at INFO; an operator only needs to hear when one fails.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))
    try:
        return int(args.func(args))
    except KnowledgeErrors as exc:
        print(text("cli.knowledge.problems", "en", count=len(exc.errors)), file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return EXIT_KNOWLEDGE
    except SettingsError as exc:
        _error(exc, secrets)
        return EXIT_SETTINGS
    except DatabaseUnavailable as exc:
        _error(exc, secrets)
        return EXIT_DATABASE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        logging.getLogger("supportbot").debug("unexpected error", exc_info=True)
        first_line = (str(exc).splitlines() or [""])[0][:300]
        _error(f"unexpected {type(exc).__name__}: {first_line} (run with LOG_LEVEL=DEBUG for the details)", secrets)
        return EXIT_UNEXPECTED

