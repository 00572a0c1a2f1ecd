"""The terminal chat: talk to the bot locally, or script a conversation through stdin."""

from bot.channels.console.chat import render_reply, run_console

__all__ = ["render_reply", "run_console"]
