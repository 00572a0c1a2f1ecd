"""The booking flow's name and its buttons' prefix, in a module that imports nothing.

The operator forms' runner (bot.engine.forms) uses the booking's FAQ-interruption rules, and the
booking form uses the forms' engine: whatever both need at import time must not pull either package in.
"""

NAME = "booking"
PREFIX = "bk."
