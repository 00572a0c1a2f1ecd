"""The supervisors' numbers on the staff web: /console/dashboard and /console/dashboard.csv.

Supervisors and admins only (an agent gets the 403 page); the period and channel come from the query
string (`from`, `to`, `channel`) and are bounded (`bot.reports.period`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.dashboard.pages import dashboard_csv, dashboard_page


def register(app: web.Application, runtime: Any) -> None:
    """Add the dashboard's routes to the staff web app."""
    app.router.add_get("/console/dashboard", dashboard_page, name="dashboard")
    app.router.add_get("/console/dashboard.csv", dashboard_csv, name="dashboard_csv")
