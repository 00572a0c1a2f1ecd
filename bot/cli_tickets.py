"""`supportbot ticket ...`: staff read and change repair tickets from a terminal.

    supportbot ticket show NUMBER [--json]
    supportbot ticket list [--status S|open] [--centre C]
    supportbot ticket set-status NUMBER STATUS [--note TEXT] [--tracking NO]
    supportbot ticket mark NUMBER called|loaner-out|loaner-returned|note [--note TEXT]

Every change goes through `RepairDesk`, the one staff code path the HTTP API and the agents' chat use.
The command builds only what that needs (settings, policies and office hours, the database): no
matcher is trained. After a change, the serving instances' job runners are woken through Redis when
REDIS_URL is set (else they find the customer's notice at their next poll, a few seconds later).
A refused change is one line on stderr naming what is allowed, and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli_args import actor
from bot.cli_args import settings_from as _settings
from bot.errors import database_errors_in_one_line
from bot.repairs import statuses as st
from bot.repairs.desk import EventView, RepairDesk, TicketView
from bot.repairs.lifecycle import (
    MARKS,
    MissingTracking,
    TicketChangeError,
)
from bot.settings import Settings

EXIT_REFUSED = 1
LIST_LIMIT = 200  # `RepairDesk.list` returns at most this many (bot/storage/repairs.py `tickets`)
MARK_KINDS = {kind.replace("_", "-"): kind for kind in MARKS}  # typed with dashes, like the other options



def _when(value: dt.datetime | None, zone: ZoneInfo) -> str:
    return "-" if value is None else f"{value.astimezone(zone):%Y-%m-%d %H:%M}"


def _table(rows: list[list[str]], indent: str = "") -> list[str]:
    """Rows as aligned columns (the last column is not padded)."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=False)) + "  " + row[-1] for row in rows]


def describe(event: EventView, zone: ZoneInfo) -> str:
    """What an event did, in a line: "received → diagnosing", "moved ...", "called"."""
    data = dict(event.data or {})
    if event.kind == "status":
        what = f"{event.previous} → {event.status}" if event.previous else str(event.status)
        tracking = data.pop("tracking", None)
        if tracking:
            what += f"  tracking {tracking}"
    elif event.kind == "moved" and {"from", "to"} <= data.keys():
        try:
            start, end = (dt.datetime.fromisoformat(str(data.pop(k))) for k in ("from", "to"))
            what = f"moved {_when(start, zone)} → {_when(end, zone)}"
        except ValueError:
            what = "moved"
    else:
        what = event.kind.replace("_", " ")
    extra = "  ".join(f"{key}={value}" for key, value in sorted(data.items()))
    return "  ".join(part for part in (what, extra, f"— {event.note}" if event.note else "") if part)


def render(view: TicketView, zone: ZoneInfo, now: dt.datetime) -> str:
    """The whole ticket for a terminal: facts, timeline, scheduled jobs, the statuses allowed next."""
    slot = f"{_when(view.slot_start, zone)}–{view.slot_end.astimezone(zone):%H:%M}"
    callback = "-"
    if view.callback_due_at is not None:
        callback = f"due {_when(view.callback_due_at, zone)}"
        if view.called_at is None and view.status in st.OPEN and view.callback_due_at < now:
            callback += " (overdue)"
    if view.called_at is not None:
        callback += f", called {_when(view.called_at, zone)}"
    facts = [
        ["Customer", f"{view.contact_name}  {view.phone}  ({view.channel} {view.customer_id}, {view.language})"],
        ["Device", f"{view.model_name} — {view.fault}"],
        ["Service", f"{view.service} at {view.centre_id}, {slot}"],
        ["Warranty", f"{view.warranty}   loaner: {'yes' if view.loaner else 'no'}"],
        ["Call-back", callback],
    ]
    if view.tracking_number:
        facts.append(["Tracking", view.tracking_number])
    if view.survey_score is not None:
        facts.append(["Survey", f"{view.survey_score}/5"])
    lines = [f"Ticket {view.number}  {view.status}{'  VIP' if view.vip else ''}", *_table(facts), "", f"Timeline ({zone.key})"]
    lines += _table([[_when(e.at, zone), e.actor, describe(e, zone)] for e in view.events], "  ") or ["  (no events)"]
    lines += ["", "Scheduled"]
    jobs = [[_when(j.due_at, zone), j.kind, j.status + (f" ({j.result})" if j.result else "")] for j in view.jobs]
    lines += _table(jobs, "  ") or ["  (nothing)"]
    lines += ["", f"Next statuses: {', '.join(view.next_statuses) or 'none (the ticket is finished)'}"]
    return "\n".join(lines)


async def _wake_serving_instances(settings: Settings) -> None:
    """Publish the "jobs" wake-up so a serving instance sends the customer's notice now; flushed before
    returning (`Shared.close` waits for the publish). Without Redis the runners' poll finds it."""
    if not settings.redis_url:
        return
    from bot.coordination import build_shared

    shared = build_shared(settings.redis_url)
    try:
        shared.wakeup("jobs").set()
    finally:
        await shared.close()


async def _with_desk(settings: Settings, work: Callable[[RepairDesk], Awaitable[int]]) -> int:
    """Run `work` on a desk over the database; TicketChangeErrors become one line and exit 1."""
    from bot.clock import system_clock
    from bot.knowledge.catalog import load_catalog
    from bot.knowledge.hours import load_hours
    from bot.knowledge.policies import load_policies
    from bot.repairs.lifecycle import RepairLifecycle
    from bot.storage import Database

    hours = load_hours(settings.knowledge_dir, settings.timezone)
    catalog = load_catalog(settings.knowledge_dir)  # the centres' time zones, for reminders a change schedules
    lifecycle = RepairLifecycle(load_policies(settings.knowledge_dir), hours, system_clock, catalog)
    with database_errors_in_one_line(settings.database_url):
        database = await Database.connect(settings.database_url, clock=system_clock)
        changed: list[bool] = []
        try:
            desk = RepairDesk(database, lifecycle, wake=lambda: changed.append(True))
            try:
                code = await work(desk)
            except TicketChangeError as exc:
                print(f"error: {exc}", file=sys.stderr)  # names tickets and statuses, never a secret
                return EXIT_REFUSED
        finally:
            await database.close()
    if changed:
        await _wake_serving_instances(settings)
    return code


def _view_json(view: TicketView) -> str:
    return json.dumps(view.as_json(), ensure_ascii=False, indent=2)


def cmd_ticket_show(args: argparse.Namespace) -> int:
    """Print a ticket: its facts, whole timeline, scheduled reminders and promises, allowed next statuses."""
    settings = _settings(args)

    async def show(desk: RepairDesk) -> int:
        view = await desk.show(args.number)
        print(_view_json(view) if args.json else render(view, ZoneInfo(settings.timezone), dt.datetime.now(dt.UTC)))
        return 0

    return asyncio.run(_with_desk(settings, show))


def cmd_ticket_list(args: argparse.Namespace) -> int:
    """A table of tickets, soonest appointment first."""
    settings = _settings(args)
    zone = ZoneInfo(settings.timezone)

    async def listing(desk: RepairDesk) -> int:
        views = await desk.list(status=args.status, centre_id=args.centre)
        if not views:
            print("no tickets")
            return 0
        rows = [["NUMBER", "STATUS", "CENTRE", f"SLOT ({zone.key})", "MODEL", "CUSTOMER", "PHONE"]]
        rows += [
            [v.number + (" *" if v.vip else ""), v.status, v.centre_id, _when(v.slot_start, zone), v.model_name, v.contact_name, v.phone]
            for v in views
        ]
        print("\n".join(line.rstrip() for line in _table(rows)))
        shown = f"{len(views)} ticket{'s' if len(views) != 1 else ''}"
        if len(views) >= LIST_LIMIT:  # say so rather than cut silently
            shown = f"the first {LIST_LIMIT} tickets: narrow with --status or --centre"
        print(shown + ("  (* VIP)" if any(v.vip for v in views) else ""))
        return 0

    return asyncio.run(_with_desk(settings, listing))


def cmd_ticket_set_status(args: argparse.Namespace) -> int:
    """Change a ticket's status (checked) and have the customer told."""
    settings = _settings(args)

    async def change(desk: RepairDesk) -> int:
        try:
            view = await desk.set_status(args.number, args.status, actor(), note=args.note, tracking=args.tracking)
        except MissingTracking as exc:
            raise TicketChangeError(f"{exc} (add --tracking NUMBER)") from exc
        last = next((e for e in reversed(view.events) if e.kind == "status"), None)
        previous = last.previous if last is not None and last.previous else "?"
        print(f"{view.number}: {previous} → {view.status}" + (f"  tracking {view.tracking_number}" if view.status == st.SHIPPED else ""))
        print(f"next statuses: {', '.join(view.next_statuses) or 'none (the ticket is finished)'}")
        return 0

    return asyncio.run(_with_desk(settings, change))


def cmd_ticket_mark(args: argparse.Namespace) -> int:
    """Record the engineer's call, a loaner handed out or returned, or an internal note."""
    settings = _settings(args)
    kind = MARK_KINDS[args.kind]
    if kind == "note" and not (args.note or "").strip():
        print("error: a note needs its text: --note TEXT", file=sys.stderr)
        return EXIT_REFUSED

    async def mark(desk: RepairDesk) -> int:
        view = await desk.mark(args.number, kind, actor(), note=args.note)
        print(f"{view.number}: {kind.replace('_', ' ')} recorded ({view.status})")
        return 0

    return asyncio.run(_with_desk(settings, mark))


def add_ticket_commands(sub: Any) -> None:
    """Register `ticket show|list|set-status|mark` on the top-level sub-parsers of `build_parser`."""
    ticket = sub.add_parser("ticket", help="Repair tickets: show, list, change the status, record a call.")
    ticket_sub = ticket.add_subparsers(dest="ticket_command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        command = ticket_sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(func=func)
        command.add_argument("--kb", metavar="DIR", help="knowledge directory (policies.yaml, hours.yaml)")
        command.add_argument("--db", metavar="URL", help="database URL (default: DATABASE_URL)")
        return command

    show = add("show", cmd_ticket_show, "A ticket's whole timeline, scheduled jobs and allowed next statuses.")
    show.add_argument("number")
    show.add_argument("--json", action="store_true", help="print the ticket as the HTTP API answers it")
    listing = add("list", cmd_ticket_list, "Tickets, soonest appointment first.")
    listing.add_argument("--status", metavar="S", help=f"open, or one of {', '.join(st.STATUSES)}")
    listing.add_argument("--centre", metavar="C", help="service centre id (service_centers.yaml)")
    change = add("set-status", cmd_ticket_set_status, "Change a ticket's status; the customer is told.")
    change.add_argument("number")
    change.add_argument("status", help=", ".join(st.STATUSES))
    change.add_argument("--note", metavar="TEXT", help="kept on the timeline")
    change.add_argument("--tracking", metavar="NO", help="the courier's tracking number (needed for shipped)")
    mark = add("mark", cmd_ticket_mark, "Record the engineer's call, a loaner handed out or returned, or a note.")
    mark.add_argument("number")
    mark.add_argument("kind", choices=tuple(MARK_KINDS))
    mark.add_argument("--note", metavar="TEXT")
