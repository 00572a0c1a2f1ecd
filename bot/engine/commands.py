"""Slash commands typed as text, shared by the channels that have no native command support."""

from __future__ import annotations

from bot.engine.types import Action, ActionKind

_COMMANDS: dict[str, Action] = {
    "/start": Action(ActionKind.RESET),
    "/menu": Action(ActionKind.RESET),
    "/help": Action(ActionKind.HELP),
    "/language": Action(ActionKind.LANGUAGE),
    "/human": Action(ActionKind.MENU, "human"),
    "/book": Action(ActionKind.MENU, "book"),
    "/status": Action(ActionKind.MENU, "status"),
}


def parse_command(text: str) -> Action | None:
    """The action for a command like "/help" (or "/help@SomeBot"), None for ordinary text."""
    word = text.strip().split(maxsplit=1)[0].lower() if text.strip() else ""
    return _COMMANDS.get(word.split("@", 1)[0])
