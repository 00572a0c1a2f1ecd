"""Operator-defined forms (knowledge/forms/*.yaml): the runner, the draft, reading answers."""

from bot.engine.forms.runner import FormRunner

__all__ = ["FormRunner"]
