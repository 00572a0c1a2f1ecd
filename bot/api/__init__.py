"""HTTP APIs for staff systems, served on the bot's aiohttp application next to /healthz and the webhooks.

`ticket_routes(desk, token)` (bot/api/tickets.py) is a route registrar like the SMS channel's:
`supportbot serve` adds it whenever STAFF_API_TOKEN is set.
"""

from __future__ import annotations

from bot.api.tickets import ticket_routes

__all__ = ["ticket_routes"]
