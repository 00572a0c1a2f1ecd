"""Forms: the engine every form runs on (engine.py, field.py), and operator-defined forms
(knowledge/forms/*.yaml): their runner, draft, typed fields and readers. The repair booking
(bot.engine.booking) is a form on the same engine, its fields written in code."""

from bot.engine.forms.runner import FormRunner

__all__ = ["FormRunner"]
