"""`supportbot ticket ...` through `bot.cli.main`: the timeline, changes through the desk, refusals in one line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.repairs import statuses as st
from bot.repairs.lifecycle import NOTICE
from bot.storage import Database
from tests.repairs.staff_helpers import book, lifecycle_for


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REDIS_URL", "DATABASE_URL", "KNOWLEDGE_DIR", "STAFF_API_TOKEN", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)


def nxt(status: str) -> str:
    return ", ".join(st.next_statuses(status))


def booked(database_url: str, kb: Path, **options: object) -> str:
    async def go() -> str:
        database = await Database.connect(database_url)
        try:
            return await book(database, lifecycle_for(kb), **options)  # type: ignore[arg-type]
        finally:
            await database.close()

    return asyncio.run(go())


def cli(capsys: pytest.CaptureFixture[str], database_url: str, kb: Path, *args: str) -> tuple[int, str, str]:
    code = main(["ticket", *args, "--db", database_url, "--kb", str(kb)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    directory = tmp_path / "kb"
    directory.mkdir()
    return directory


def test_set_status_show_and_list(env: None, database_url: str, kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    number = booked(database_url, kb)
    code, out, err = cli(capsys, database_url, kb, "set-status", number.lower(), "received", "--note", "left at the counter")
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"{number}: booked → received", f"next statuses: {nxt('received')}"]
    assert cli(capsys, database_url, kb, "set-status", number, "Diagnosing")[0] == 0
    assert cli(capsys, database_url, kb, "mark", number, "called", "--note", "told them 2 days")[0] == 0
    assert cli(capsys, database_url, kb, "mark", number, "loaner-out")[0] == 0

    code, out, err = cli(capsys, database_url, kb, "show", number)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"Ticket {number}  diagnosing"
    assert any(line.startswith("Customer ") and "+8613800138000" in line for line in lines)
    timeline = lines[lines.index("Timeline (Asia/Shanghai)") + 1 : lines.index("Scheduled")]
    user = timeline[1].split()[2]
    assert user.startswith("cli:")
    assert [line.split(user)[-1].strip() if user in line else line.split("customer")[-1].strip() for line in timeline if line] == [
        "booked",
        "booked → received  — left at the counter",
        "received → diagnosing",
        "called  — told them 2 days",
        "loaner out",
    ]
    # Aligned: the actor column starts at the same place on every line.
    assert len({line.index("customer" if "customer" in line else user) for line in timeline if line}) == 1
    scheduled = lines[lines.index("Scheduled") + 1 :]
    assert any(NOTICE in line and "pending" in line for line in scheduled)
    assert lines[-1] == f"Next statuses: {nxt('diagnosing')}"

    code, out, _ = cli(capsys, database_url, kb, "show", number, "--json")
    document = json.loads(out)
    assert document["status"] == "diagnosing" and document["events"][1]["actor"] == user
    assert document["next_statuses"] == list(st.next_statuses("diagnosing"))

    other = booked(database_url, kb, customer_id="1002", contact_name="Ben", phone="+8613900139000", centre_id="bj-chaoyang")
    code, out, _ = cli(capsys, database_url, kb, "list")
    rows = out.splitlines()
    assert code == 0 and rows[0].split()[:3] == ["NUMBER", "STATUS", "CENTRE"] and rows[-1] == "2 tickets"
    assert {row.split()[0] for row in rows[1:-1]} == {number, other}
    assert "+8613900139000" in out  # staff need the phone
    code, out, _ = cli(capsys, database_url, kb, "list", "--status", "booked")
    assert [row.split()[0] for row in out.splitlines()[1:-1]] == [other]
    code, out, _ = cli(capsys, database_url, kb, "list", "--status", "open", "--centre", "sh-xuhui")
    assert [row.split()[0] for row in out.splitlines()[1:-1]] == [number]
    code, out, _ = cli(capsys, database_url, kb, "list", "--status", "closed")
    assert (code, out) == (0, "no tickets\n")


def test_every_refusal_is_one_line_and_exit_1(env: None, tmp_path: Path, kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    number = booked(database_url, kb)

    def refused(*args: str) -> str:
        code, out, err = cli(capsys, database_url, kb, *args)
        assert code == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err, (code, out, err)
        assert err.startswith("error: ")
        return err.strip()

    assert refused("show", "R99-9999") == "error: no ticket R99-9999"
    assert refused("set-status", "R99-9999", "ready") == "error: no ticket R99-9999"
    assert refused("set-status", number, "fixed") == (
        f"error: {number}: unknown status 'fixed'; from booked it may become: {nxt('booked')}"
    )
    assert refused("set-status", number, "ready") == f"error: {number} is booked: it cannot become ready (next: {nxt('booked')})"
    assert cli(capsys, database_url, kb, "set-status", number, "received")[0] == 0
    assert "shipped needs the courier's tracking number (add --tracking NUMBER)" in refused("set-status", number, "shipped")
    assert cli(capsys, database_url, kb, "set-status", number, "shipped", "--tracking", "SF123")[0] == 0
    assert cli(capsys, database_url, kb, "set-status", number, "closed")[0] == 0
    assert refused("set-status", number, "repairing") == f"error: {number} is closed: it cannot become repairing (next: none: the ticket is finished)"
    assert refused("mark", number, "note") == "error: a note needs its text: --note TEXT"
    assert refused("list", "--status", "fixed").startswith("error: unknown status 'fixed'; statuses: open, booked")
    # Nothing refused reached the timeline.
    _, out, _ = cli(capsys, database_url, kb, "show", number, "--json")
    assert [e["status"] for e in json.loads(out)["events"]] == ["booked", "received", "shipped", "closed"]
    assert json.loads(out)["tracking_number"] == "SF123"


def test_an_unreachable_database_is_one_line(env: None, kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ticket", "show", "R22-2222", "--db", "postgresql+asyncpg://nobody:secret@127.0.0.1:1/none", "--kb", str(kb)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "secret" not in err and "Traceback" not in err


def test_a_change_wakes_the_serving_instances_through_redis(
    env: None, tmp_path: Path, kb: Path, redis_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With REDIS_URL the "jobs" wake-up is published (and flushed) before the command exits."""
    from bot.coordination import build_shared

    database_url = f"sqlite+aiosqlite:///{tmp_path / 'wake.db'}"
    number = booked(database_url, kb)
    monkeypatch.setenv("REDIS_URL", redis_url)

    async def go() -> int:
        serving = build_shared(redis_url)  # a serving instance, listening
        try:
            wakeup = serving.wakeup("jobs")
            await serving.broadcast.ready()  # type: ignore[union-attr]
            code = await asyncio.to_thread(main, ["ticket", "set-status", number, "received", "--db", database_url, "--kb", str(kb)])
            await asyncio.wait_for(wakeup.wait(), 10)
            return code
        finally:
            await serving.close()

    assert asyncio.run(go()) == 0
