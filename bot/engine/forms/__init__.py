"""Forms: the engine every form runs on (engine.py, field.py), and operator-defined forms
(knowledge/forms/*.yaml): their runner, draft, typed fields and readers. The repair booking
(bot.engine.booking) is a form on the same engine, its fields written in code.

Import the modules themselves: this package imports nothing, so that the booking can use the engine
(bot.engine.forms.engine) without pulling in the YAML runner, which reuses the booking's readers.
"""
