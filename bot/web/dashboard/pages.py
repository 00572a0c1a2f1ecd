"""The dashboard's two handlers: the page with its charts, and the per-conversation CSV export."""

from __future__ import annotations

import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.reports.export import header, line
from bot.reports.period import Period, parse_period
from bot.reports.service import Reports
from bot.staff.roles import Role
from bot.web.auth import audit, require, runtime_of
from bot.web.dashboard.view import build_view, channel_options
from bot.web.templating import render, translator, language_of


async def _period(request: web.Request, reports: Reports) -> tuple[Period, list[str]]:
    runtime = runtime_of(request)
    zone = ZoneInfo(runtime.settings.timezone)
    channels = await reports.channels()
    return parse_period(request.query, reports.now(), zone, set(channels)), channels


async def dashboard_page(request: web.Request) -> web.Response:
    """GET /console/dashboard: the figures of the period, drawn."""
    require(request, Role.SUPERVISOR)
    reports = Reports.of(runtime_of(request))
    period, channels = await _period(request, reports)
    board = await reports.dashboard(period)
    language = language_of(request)
    t = translator(language)
    runtime = runtime_of(request)

    def intent_name(intent_id: str) -> str:
        entry = runtime.knowledge.entry(intent_id)
        return f"{entry.title_in(language)} · {intent_id}" if entry is not None else intent_id

    return render(
        request,
        "dashboard/index.html",
        view=build_view(board, t, runtime.settings.timezone, intent_name),
        period=period,
        channels=channel_options(t, channels),
        csv_query=_query(period),
    )


def _query(period: Period) -> str:
    """The period's query string, for the export link."""
    values = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    if period.channel:
        values["channel"] = period.channel
    return urlencode(values)


async def dashboard_csv(request: web.Request) -> web.StreamResponse:
    """GET /console/dashboard.csv: one row per conversation of the period, streamed, as an attachment."""
    require(request, Role.SUPERVISOR)
    reports = Reports.of(runtime_of(request))
    period, _ = await _period(request, reports)
    await audit(request, "dashboard.export", period.channel or "all", {"from": period.first.isoformat(), "to": period.last.isoformat()})
    channel = re.sub(r"[^A-Za-z0-9_-]", "", period.channel or "")  # a header value: nothing a name could smuggle
    name = f"conversations-{period.first.isoformat()}-{period.last.isoformat()}{'-' + channel if channel else ''}.csv"
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    batch = [header()]
    async for row in reports.export(period):
        batch.append(line(row))
        if len(batch) >= 200:
            await response.write("".join(batch).encode("utf-8"))
            batch.clear()
    await response.write("".join(batch).encode("utf-8"))
    await response.write_eof()
    return response
