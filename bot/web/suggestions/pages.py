"""The supervisors' suggestions page: decide on suggestions, check, go live, roll back, export.

Supervisors and admins only (`require(request, Role.SUPERVISOR)` on every handler: an agent gets the
403 page). Every change is a POST the console's gate has CSRF-checked, and is written to the audit log.
The work is bot/learning/; this module turns forms into calls and results into pages.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.learning import signals
from bot.learning.board import board, export
from bot.learning.live import live
from bot.learning.versions import DecisionError, check, decide, publish, rollback
from bot.settings import LANGUAGES
from bot.staff.roles import Role
from bot.web.auth import audit, require
from bot.web.ids import path_id
from bot.web.templating import language_of, render, runtime_of

BASE = "/console/suggestions"
ACTIONS = ("accept", "reassign", "reject", "reopen", "new")
NOTICES = ("staged", "rejected", "reopened", "published", "rolled_back", "collected")


def _intents(runtime: Any, language: str) -> list[tuple[str, str]]:
    """(id, title) of every intent the live bot knows, for the reassign search."""
    return sorted((e.id, e.title_in(language)) for e in runtime.knowledge.entries if e.flow is None or e.flow == "booking")


def _labeller(runtime: Any, language: str) -> Any:
    """`label(intent_id)`: "Title (id)" in the console language, or the id of an intent the bot lost."""

    def label(intent_id: str | None) -> str:
        entry = runtime.knowledge.entry(intent_id) if intent_id else None
        return f"{entry.title_in(language)} ({entry.id})" if entry is not None else str(intent_id or "")

    return label


async def _page(request: web.Request, *, http_status: int = 200, error: DecisionError | None = None) -> web.Response:
    runtime = runtime_of(request)
    require(request, Role.SUPERVISOR)
    data = await board(runtime)
    notice = request.query.get("notice")
    return render(
        request, "suggestions/index.html", http_status=http_status, board=data,
        intents=_intents(runtime, language_of(request)), label=_labeller(runtime, language_of(request)), content_languages=LANGUAGES,
        notice=notice if notice in NOTICES else None, notice_version=request.query.get("version", ""),
        error=error,
    )


async def index(request: web.Request) -> web.StreamResponse:
    """The page. It only reads: collecting runs in the background (bot.learning.live.VersionPoller) and
    on the "collect now" button (`collect_now`), so a GET never writes."""
    require(request, Role.SUPERVISOR)
    return await _page(request)


async def collect_now(request: web.Request) -> web.StreamResponse:
    """POST: read what the bot failed on since the last collection into suggestions, now."""
    require(request, Role.SUPERVISOR)
    await signals.collect(runtime_of(request))
    raise _back("collected")


def _back(notice: str, **query: object) -> web.HTTPSeeOther:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return web.HTTPSeeOther(f"{BASE}?notice={notice}{extra}")


async def act(request: web.Request) -> web.StreamResponse:
    """A decision on one suggestion (form field `action`)."""
    staff = require(request, Role.SUPERVISOR)
    suggestion_id = path_id(request, "suggestion_id")
    form = await request.post()
    action = str(form.get("action", ""))
    intent_id = str(form.get("intent", "")).strip() or None
    new_intent = None
    if action == "new":
        new_intent = {
            "id": str(form.get("new_id", "")).strip(),
            "title": {lang: str(form.get(f"title_{lang}", "")).strip() for lang in LANGUAGES},
            "answer": {lang: str(form.get(f"answer_{lang}", "")).strip() for lang in LANGUAGES},
        }
    try:
        if action not in ACTIONS:
            raise DecisionError("learning.error.action", action)
        await decide(runtime_of(request), suggestion_id, action, by=staff.email, intent_id=intent_id, new_intent=new_intent)
    except DecisionError as exc:
        return await _page(request, http_status=400, error=exc)
    detail: dict[str, Any] = {"action": action}
    if intent_id and action == "reassign":
        detail["intent"] = intent_id
    if new_intent:
        detail["intent"] = new_intent["id"]
    await audit(request, f"kb.suggestion.{action}", f"suggestion:{suggestion_id}", detail)
    notice = {"reject": "rejected", "reopen": "reopened"}.get(action, "staged")
    raise _back(notice)


async def check_page(request: web.Request) -> web.StreamResponse:
    """Run the doctor with and without the staged additions; the supervisor confirms on this page."""
    staff = require(request, Role.SUPERVISOR)
    try:
        checked = await check(runtime_of(request), by=staff.email)
    except DecisionError as exc:
        return await _page(request, http_status=400, error=exc)
    await audit(request, "kb.check", "suggestions", {"staged": checked.staged, "warnings": checked.comparison["warnings"]})
    return render(request, "suggestions/check.html", checked=checked, c=checked.comparison)


async def publish_version(request: web.Request) -> web.StreamResponse:
    """Go live with what was checked (the digest from the check page)."""
    staff = require(request, Role.SUPERVISOR)
    form = await request.post()
    runtime = runtime_of(request)
    digest = str(form.get("digest", ""))
    try:
        version_id = await publish(runtime, digest, by=staff.email)
    except DecisionError as exc:
        stale = exc.key in ("learning.error.stale", "learning.error.unchecked")
        return await _page(request, http_status=409 if stale else 400, error=exc)
    await audit(request, "kb.version.publish", f"kb_version:{version_id}", {"digest": digest})
    raise _back("published", version=version_id)


async def rollback_version(request: web.Request) -> web.StreamResponse:
    """Make an earlier version (0: the files alone) live again."""
    staff = require(request, Role.SUPERVISOR)
    version_id = path_id(request, "version_id", minimum=0)  # 0: the files alone
    try:
        await rollback(runtime_of(request), version_id, by=staff.email)
    except DecisionError as exc:
        return await _page(request, http_status=404, error=exc)
    await audit(request, "kb.version.rollback", f"kb_version:{version_id}")
    raise _back("rolled_back", version=version_id)


async def export_yaml(request: web.Request) -> web.StreamResponse:
    """The live additions as an FAQ YAML file for the operator's repository."""
    require(request, Role.SUPERVISOR)
    runtime = runtime_of(request)
    body = await export(runtime, live(runtime).base)
    await audit(request, "kb.export", "suggestions")
    return web.Response(
        text=body, content_type="application/yaml", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="learned.yaml"'},
    )
