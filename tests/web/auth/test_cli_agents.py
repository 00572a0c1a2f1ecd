"""`supportbot agents ...` through bot.cli.main: an invitation link, --password-stdin, one-line errors."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import system_clock
from bot.staff.accounts import StaffAccounts
from bot.staff.audit import AuditLog
from bot.staff.invitations import StaffInvitations
from bot.staff.roles import Role
from bot.storage import Database


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("DATABASE_URL", "PUBLIC_URL", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    return f"sqlite+aiosqlite:///{tmp_path / 'agents.db'}"


async def _accounts(url: str) -> tuple[Database, StaffAccounts]:
    database = await Database.connect(url)
    return database, StaffAccounts(database, system_clock)


def test_add_prints_a_single_use_link(db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://desk.example.com/")
    assert main(["agents", "add", "Lead@Example.com", "--name", "Lead", "--role", "admin", "--capacity", "7", "--db", db]) == 0
    out, err = capsys.readouterr()
    link = out.strip()
    assert re.fullmatch(r"https://desk\.example\.com/console/invite/[A-Za-z0-9_-]{40,}", link), out
    assert "lead@example.com" in err and "72 hours" in err

    async def check() -> None:
        database, accounts = await _accounts(db)
        try:
            user = await accounts.by_email("lead@example.com")
            assert user is not None and user.role is Role.ADMIN and user.capacity == 7 and not user.active
            invitations = StaffInvitations(database, system_clock)
            token = link.rsplit("/", 1)[1]
            assert await invitations.peek(token) == user
            await invitations.accept(token, "the admin's password")
            assert await accounts.authenticate("lead@example.com", "the admin's password") is not None
            assert [row.action for row in await AuditLog(database, system_clock).rows()] == ["user.invited"]
        finally:
            await database.close()



    asyncio.run(check())


def test_password_stdin_creates_an_active_account(db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("scripted password 42\n"))
    assert main(["agents", "add", "bot@example.com", "--name", "Scripted", "--role", "agent", "--password-stdin", "--db", db]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "invite" not in err  # no link for a scripted account
    assert main(["agents", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert re.search(r"bot@example\.com\s+agent\s+5\s+active", listing), listing

    async def check() -> None:
        database, accounts = await _accounts(db)
        try:
            assert await accounts.authenticate("bot@example.com", "scripted password 42") is not None
        finally:
            await database.close()



    asyncio.run(check())
    assert main(["agents", "disable", "bot@example.com", "--db", db]) == 0
    capsys.readouterr()
    assert main(["agents", "list", "--db", db]) == 0
    assert re.search(r"bot@example\.com\s+agent\s+5\s+disabled", capsys.readouterr().out)


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["--name", "X", "--role", "boss"], "", "error: unknown role 'boss': use one of agent, supervisor, admin"),
        (["--name", "X", "--role", "agent", "--password-stdin"], "short\n", "error: the password needs at least 10 characters"),
        (["--name", "X", "--role", "agent", "--password-stdin"], "", "error: --password-stdin: nothing on stdin"),
        (["--name", "X", "--role", "agent", "--capacity", "0"], "", "error: capacity must be between 1 and 50"),
        (["--name", " ", "--role", "agent"], "", "error: a name of 1 to 128 characters is needed"),
    ],
)
def test_refusals_are_one_line(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str, message: str
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["agents", "add", "x@example.com", *argv, "--db", db]) != 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(message), err


def test_the_same_email_twice_and_unknown_users_are_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agents", "add", "twice@example.com", "--name", "Twice", "--role", "agent", "--db", db]) == 0
    capsys.readouterr()
    assert main(["agents", "add", "TWICE@example.com", "--name", "Twice", "--role", "agent", "--db", db]) == 1
    assert capsys.readouterr().err == "error: there is already a user twice@example.com\n"
    assert main(["agents", "disable", "ghost@example.com", "--db", db]) == 1
    assert capsys.readouterr().err == "error: no user ghost@example.com\n"
    assert main(["agents", "invite", "twice@example.com", "--db", db]) == 0
    assert "/console/invite/" in capsys.readouterr().out


def test_an_unreachable_database_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+asyncpg://user:secretpw@127.0.0.1:1/nope"  # nothing listens on port 1
    assert main(["agents", "list", "--db", url]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "secretpw" not in err and "connection refused" in err
