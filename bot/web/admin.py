"""Admin pages: people (invite, role, capacity, deactivate, end sessions) and the audit log.

Only admins reach them (`require(request, Role.ADMIN)` on every handler). An admin cannot demote or
deactivate themselves, so the console never loses its last admin by a slip.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.staff.accounts import DEFAULT_CAPACITY, AccountError, StaffUser
from bot.staff.invitations import invitation_url
from bot.staff.roles import Role
from bot.web.auth import audit, require, staff_service
from bot.web.auth.guard import PREFIX, is_https
from bot.web.ids import path_id
from bot.web.templating import LANGUAGES, render, runtime_of

USERS = f"{PREFIX}/admin/users"
AUDIT = f"{PREFIX}/admin/audit"
ACTIONS = ("save", "deactivate", "activate", "revoke", "reinvite")


def link_base(request: web.Request) -> str:
    """PUBLIC_URL when set, else the address the admin's browser is using (what they will pass on)."""
    public = getattr(runtime_of(request).settings, "public_url", None)
    if public:
        return str(public).rstrip("/")
    return f"{'https' if is_https(request) else 'http'}://{request.host}"


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


async def _users_page(request: web.Request, *, http_status: int = 200, **context: Any) -> web.Response:
    settings = runtime_of(request).settings
    listing = await staff_service(request).accounts.listing(settings.console_session_hours)
    context.setdefault("error_key", None)
    context.setdefault("notice_key", None)
    context.setdefault("invite_link", None)
    return render(
        request, "admin/users.html", http_status=http_status, listing=listing, roles=list(Role), languages=LANGUAGES,
        default_capacity=DEFAULT_CAPACITY, **context,
    )


async def users(request: web.Request) -> web.StreamResponse:
    """GET /console/admin/users: people, their roles, capacity, status and sessions."""
    require(request, Role.ADMIN)
    return await _users_page(request)


async def invite(request: web.Request) -> web.StreamResponse:
    """A new person: created inactive, with a single-use link shown once on the page."""
    admin = require(request, Role.ADMIN)
    form = await request.post()
    service = staff_service(request)
    try:
        role = Role(str(form.get("role", "")))
        user = await service.accounts.create(
            str(form.get("email", "")), str(form.get("name", "")), role,
            capacity=_int(form.get("capacity"), DEFAULT_CAPACITY), language=str(form.get("language", admin.language)),
        )
    except AccountError as exc:
        return await _users_page(request, http_status=400, error_key=exc.key)
    except ValueError:
        return await _users_page(request, http_status=400, error_key="staff.bad_role")
    token = await service.invitations.issue(user.id, admin.email)
    await audit(request, "user.invited", user.email, {"role": user.role.value, "capacity": user.capacity})
    link = invitation_url(link_base(request), token)
    return await _users_page(request, invite_link=link, invited=user, notice_key="staff.invite_created")


async def change(request: web.Request) -> web.StreamResponse:
    """One change to one user, named by the form's `action`."""
    admin = require(request, Role.ADMIN)
    service = staff_service(request)
    user = await service.accounts.get(path_id(request, "user_id"))
    if user is None:
        return render(request, "auth/error.html", http_status=404, status=404, message_key="staff.no_such_user")
    form = await request.post()
    action = str(form.get("action", ""))
    if action not in ACTIONS:
        return render(request, "auth/error.html", http_status=400, status=400, message_key="staff.unknown_action")
    try:
        return await _apply(request, admin, user, action, form)
    except AccountError as exc:
        return await _users_page(request, http_status=400, error_key=exc.key)


async def _apply(request: web.Request, admin: StaffUser, user: StaffUser, action: str, form: Any) -> web.StreamResponse:
    service = staff_service(request)
    demotes_self = action == "save" and str(form.get("role", user.role.value)) != user.role.value
    if user.id == admin.id and (action == "deactivate" or demotes_self):
        return await _users_page(request, http_status=400, error_key="staff.not_yourself")
    if action == "save":
        try:
            role = Role(str(form.get("role", user.role.value)))
        except ValueError:
            return await _users_page(request, http_status=400, error_key="staff.bad_role")
        capacity = _int(form.get("capacity"), user.capacity)
        changed, revoked = await service.accounts.change(user.id, role=role, capacity=capacity)
        if role != user.role:
            await audit(request, "user.role_changed", user.email, {"from": user.role.value, "to": role.value, "sessions_ended": revoked})
        if capacity != user.capacity:
            await audit(request, "user.capacity_changed", user.email, {"from": user.capacity, "to": changed.capacity})
    elif action in ("deactivate", "activate"):
        await service.accounts.change(user.id, active=action == "activate")
        await audit(request, f"user.{action}d", user.email)
    elif action == "revoke":
        ended = await service.sessions.end_all_of(user.id)
        await audit(request, "user.sessions_revoked", user.email, {"sessions": ended})
    else:  # reinvite: a new link for someone who has not joined yet
        token = await service.invitations.issue(user.id, admin.email)
        await audit(request, "user.invited", user.email, {"again": True})
        link = invitation_url(link_base(request), token)
        return await _users_page(request, invite_link=link, invited=user, notice_key="staff.invite_created")
    raise web.HTTPFound(USERS)


async def audit_log(request: web.Request) -> web.StreamResponse:
    """GET /console/admin/audit?page=N: the audit log, newest first."""
    require(request, Role.ADMIN)
    page = await staff_service(request).audit.page(_int(request.query.get("page"), 1))
    return render(request, "admin/audit.html", log=page)


def register(app: web.Application, runtime: Any) -> None:
    """The admin routes (the gate is set up by bot.web.auth.setup_auth first)."""
    app.router.add_get(USERS, users)
    app.router.add_post(USERS, invite)
    app.router.add_post(f"{USERS}/{{user_id}}", change)
    app.router.add_get(AUDIT, audit_log)
