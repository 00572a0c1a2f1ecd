"""`supportbot agents ...`: console accounts from a terminal.

    supportbot agents add EMAIL --name NAME --role agent|supervisor|admin [--capacity N] [--language L]
                                [--password-stdin]
    supportbot agents invite EMAIL        a new link for someone who has not joined yet
    supportbot agents list
    supportbot agents disable EMAIL

`add` prints a single-use invitation link (valid 72 hours) on stdout, or, with --password-stdin,
reads the password from stdin and creates an active account (for scripts; nothing printed on stdout).
Only the database is opened (no matcher is trained). A refused command is one line on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bot import (
    clock,  # read at each call: tests that move `bot.clock.system_clock` move this CLI too
)
from bot.cli_args import actor
from bot.cli_args import settings_from as _settings
from bot.errors import database_errors_in_one_line
from bot.settings import Settings, public_base
from bot.staff.accounts import DEFAULT_CAPACITY, AccountError, StaffAccounts
from bot.staff.audit import AuditLog
from bot.staff.invitations import (
    INVITATION_HOURS,
    StaffInvitations,
    invitation_url,
)
from bot.staff.passwords import MIN_LENGTH, WeakPassword, check_strength
from bot.staff.roles import parse_role
from bot.storage import Database

EXIT_REFUSED = 1
WEAK = {"staff.password_too_short": f"the password needs at least {MIN_LENGTH} characters", "staff.password_too_long": "the password is too long"}


class Refused(Exception):
    """A command that cannot be done as asked; its message is the one line printed."""


async def _with_database(settings: Settings, work: Callable[[Database], Awaitable[int]]) -> int:
    with database_errors_in_one_line(settings.database_url, passthrough=(Refused, AccountError, WeakPassword)):
        database = await Database.connect(settings.database_url, clock=clock.system_clock)
    try:
        return await work(database)
    finally:
        await database.close()


def _run(args: argparse.Namespace, work: Callable[[Settings, Database], Awaitable[int]]) -> int:
    settings = _settings(args)
    try:
        return asyncio.run(_with_database(settings, lambda database: work(settings, database)))
    except WeakPassword as exc:
        print(f"error: {WEAK.get(exc.key, 'the password is not acceptable')}", file=sys.stderr)
    except (Refused, AccountError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    return EXIT_REFUSED


def _password_from_stdin() -> str:
    password = sys.stdin.read().rstrip("\r\n")
    if not password:
        raise Refused("--password-stdin: nothing on stdin (pipe the password in, e.g. `printf %s \"$PW\" | supportbot agents add ...`)")
    check_strength(password)
    return password


def cmd_agents_add(args: argparse.Namespace) -> int:
    """Create a console user: an invitation link on stdout, or an active account with --password-stdin."""
    try:
        role = parse_role(args.role)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        password = _password_from_stdin() if args.password_stdin else None
    except WeakPassword as exc:
        print(f"error: {WEAK.get(exc.key, 'the password is not acceptable')}", file=sys.stderr)
        return EXIT_REFUSED
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED

    async def work(settings: Settings, database: Database) -> int:
        accounts = StaffAccounts(database, clock.system_clock)
        language = args.language or settings.default_language
        user = await accounts.create(args.email, args.name, role, capacity=args.capacity, language=language, password=password)
        audit = AuditLog(database, clock.system_clock)
        if password is not None:
            await audit.record("user.created", user.email, user_id=None, actor=actor(), detail={"role": role.value, "capacity": user.capacity})
            print(f"created {user.email} ({role.value}, capacity {user.capacity}): active, log in at {public_base(settings)}/console/login", file=sys.stderr)
            return 0
        token = await StaffInvitations(database, clock.system_clock).issue(user.id, actor())
        await audit.record("user.invited", user.email, user_id=None, actor=actor(), detail={"role": role.value, "capacity": user.capacity})
        print(f"invited {user.email} ({role.value}, capacity {user.capacity}); single-use link, valid {INVITATION_HOURS} hours:", file=sys.stderr)
        print(invitation_url(public_base(settings), token))
        return 0

    return _run(args, work)


def cmd_agents_invite(args: argparse.Namespace) -> int:
    """A new invitation link for someone who has not chosen a password yet (the older link stops working)."""

    async def work(settings: Settings, database: Database) -> int:
        user = await StaffAccounts(database, clock.system_clock).by_email(args.email)
        if user is None:
            raise Refused(f"no user {args.email.strip().lower()} (add one with `supportbot agents add`)")
        token = await StaffInvitations(database, clock.system_clock).issue(user.id, actor())
        await AuditLog(database, clock.system_clock).record("user.invited", user.email, user_id=None, actor=actor(), detail={"again": True})
        print(f"new link for {user.email}; single-use, valid {INVITATION_HOURS} hours:", file=sys.stderr)
        print(invitation_url(public_base(settings), token))
        return 0

    return _run(args, work)


def cmd_agents_list(args: argparse.Namespace) -> int:
    """Every console user: email, role, capacity, status, name."""

    async def work(settings: Settings, database: Database) -> int:
        listing = await StaffAccounts(database, clock.system_clock).listing(settings.console_session_hours)
        if not listing:
            print("no console users yet (add one: supportbot agents add you@example.com --name You --role admin)", file=sys.stderr)
            return 0
        rows = [["EMAIL", "ROLE", "CAPACITY", "STATUS", "SESSIONS", "NAME"]]
        for item in listing:
            status = "invited" if item.invited else ("active" if item.user.active else "disabled")
            rows.append([item.user.email, item.user.role.value, str(item.user.capacity), status, str(item.sessions), item.user.name])
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)) + "  " + row[-1])
        return 0

    return _run(args, work)


def cmd_agents_disable(args: argparse.Namespace) -> int:
    """Deactivate a user: their sessions end at once and they can no longer log in."""

    async def work(settings: Settings, database: Database) -> int:
        accounts = StaffAccounts(database, clock.system_clock)
        user = await accounts.by_email(args.email)
        if user is None:
            raise Refused(f"no user {args.email.strip().lower()}")
        if not user.active:
            print(f"{user.email} was already disabled", file=sys.stderr)
            return 0
        await accounts.change(user.id, active=False)
        await AuditLog(database, clock.system_clock).record("user.deactivated", user.email, user_id=None, actor=actor())
        print(f"disabled {user.email}; their sessions have ended", file=sys.stderr)
        return 0

    return _run(args, work)


def add_agent_commands(sub: Any) -> None:
    """The `agents` command group on the `supportbot` parser."""
    agents = sub.add_parser("agents", help="Accounts of the agents' web console.", description=__doc__.split("\n\n")[0])
    agents_sub = agents.add_subparsers(dest="agents_command", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        parser = agents_sub.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--db", metavar="URL", help="database URL (default: DATABASE_URL)")
        parser.set_defaults(func=func)
        return parser

    add = command("add", cmd_agents_add, "Add a console user: prints a single-use invitation link (or --password-stdin).")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--name", required=True, help="the name agents and customers see")
    add.add_argument("--role", required=True, metavar="ROLE", help="agent, supervisor or admin")
    add.add_argument("--capacity", type=int, default=DEFAULT_CAPACITY, metavar="N", help=f"conversations at once (default {DEFAULT_CAPACITY})")
    add.add_argument("--language", choices=("zh-Hans", "zh-Hant", "en"), help="console language (default: DEFAULT_LANGUAGE)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin and activate now (no link)")
    invite = command("invite", cmd_agents_invite, "A new invitation link for someone who has not joined yet.")
    invite.add_argument("email", metavar="EMAIL")
    command("list", cmd_agents_list, "List console users.")
    disable = command("disable", cmd_agents_disable, "Deactivate a console user (their sessions end at once).")
    disable.add_argument("email", metavar="EMAIL")
