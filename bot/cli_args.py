"""What every `supportbot` sub-command shares: the settings with --kb / --db applied, and the exit codes.

Its own module so the command modules (bot/cli.py, cli_tickets.py, cli_reports.py) share it without
importing each other.
"""

from __future__ import annotations

import argparse
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
