"""What every `supportbot` sub-command shares: the settings with --kb / --db applied, and the exit codes.

Its own module so the command modules (bot/cli.py, cli_tickets.py, cli_reports.py) share it without
importing each other.
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from bot.settings import Settings, load_settings

EXIT_KNOWLEDGE = 1
EXIT_SETTINGS = 2
EXIT_DATABASE = 1
EXIT_UNEXPECTED = 1
EXIT_REFUSED = 3  # another instance runs on a database this setup cannot share (bot/instances.py)


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings (environment, .env) with the command's --kb and --db, when given, on top."""
    overrides: dict[str, object] = {}
    if getattr(args, "kb", None):
        overrides["knowledge_dir"] = Path(args.kb)
    if getattr(args, "db", None):
        overrides["database_url"] = args.db
    return load_settings(**overrides)


def actor() -> str:
    """"cli:<os user>", as the ticket timeline and the audit log name a change made from a terminal; the
    OS may not know the user (a container with an arbitrary uid)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - getuser raises OSError, KeyError or ImportError depending on the OS
        user = "unknown"
    return f"cli:{user}"[:64]
