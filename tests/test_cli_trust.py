"""The command line when things go wrong: an unreachable database is one line and exit 1, no password is
ever printed or logged, bytes that are not text are answered, and a database that drops during a
console chat loses nothing (issue 9, items 4 and 5)."""

from __future__ import annotations

import asyncio
import io
import logging
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.channels.console import run_console
from bot.errors import DatabaseUnavailable, SecretFilter, mask_text, mask_url
from bot.runtime import build_runtime
from bot.settings import load_settings
from bot.storage.models import Message
from tests.conftest import ROOT
from tests.support import run_supportbot

UNREACHABLE = "postgresql+asyncpg://user:secretpw@127.0.0.1:1/nope"  # nothing listens on port 1


def run(*args: str, env: dict[str, str] | None = None, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return run_supportbot(*args, env=env, input=stdin)


@pytest.mark.parametrize(
    ("command", "env"),
    [
        (["chat"], {}),
        (["serve"], {}),  # no channel configured: serve still runs the web chat and the console
        (["serve"], {"SMS_WEBHOOK_SECRET": "a-json-webhook-secret"}),  # serve with its web application
        (["queue"], {}),
        (["db", "upgrade"], {}),
    ],
    ids=["chat", "serve-web", "serve-webhooks", "queue", "db-upgrade"],
)
def test_unreachable_database_is_one_line_and_exit_1(command: list[str], env: dict[str, str]) -> None:
    result = run(*command, env={"DATABASE_URL": UNREACHABLE, **env}, stdin="你好\n".encode())
    output = (result.stdout + result.stderr).decode()
    assert result.returncode == 1, output
    assert "secretpw" not in output
    assert len(output.strip().splitlines()) == 1, output
    line = output.strip()
    assert line.startswith("error: ") and "Traceback" not in line
    assert "user:***@127.0.0.1:1/nope" in line and "connection refused" in line and "DATABASE_URL" in line


def test_unreachable_database_given_with_db_option(tmp_path: Path) -> None:
    result = run("queue", "--db", UNREACHABLE)
    output = (result.stdout + result.stderr).decode()
    assert result.returncode == 1 and "secretpw" not in output and len(output.strip().splitlines()) == 1


def test_db_upgrade_success_masks_the_password(postgres_database: str | None) -> None:
    if postgres_database is None:
        pytest.skip("PostgreSQL not reachable (mandatory when CI=true)")
    # The local server trusts 127.0.0.1, so any password is accepted: it must still never be printed.
    url = postgres_database.replace("postgresql://postgres@", "postgresql+asyncpg://postgres:secretpw@", 1)
    assert "secretpw" in url
    result = run("db", "upgrade", env={"DATABASE_URL": url})
    output = (result.stdout + result.stderr).decode()
    assert result.returncode == 0, output
    assert "secretpw" not in output and "postgres:***@" in output


def test_bad_database_setting_does_not_echo_the_password() -> None:
    result = run("queue", env={"DATABASE_URL": "postgresql://user:secretpw@db.example/prod"})
    output = (result.stdout + result.stderr).decode()
    assert result.returncode == 2 and "DATABASE_URL" in output
    assert "secretpw" not in output and len(output.strip().splitlines()) == 1


def test_secrets_are_masked_in_logs() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter(["secretpw", "123456:ABCDEF-token"]))
    logger = logging.getLogger("tests.cli_trust")
    logger.addHandler(handler)
    try:
        logger.warning("connecting to %s with %s", "postgresql+asyncpg://u:secretpw@h/db", "123456:ABCDEF-token")
        try:
            raise RuntimeError("failed for postgresql://u:other@h/db")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "secretpw" not in text and "ABCDEF-token" not in text and "other@" not in text
    assert "u:***@h/db" in text and "RuntimeError" in text
    assert mask_url("postgresql+asyncpg://u:p%40ss@h:5/db") == "postgresql+asyncpg://u:***@h:5/db"
    assert mask_text("sqlite+aiosqlite:///data/x.db") == "sqlite+aiosqlite:///data/x.db"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+asyncpg://bot@db/x?password=hunter22", "postgresql+asyncpg://bot@db/x?password=***"),
        ("postgresql+asyncpg://bot:hunt@er22@db/x", "postgresql+asyncpg://bot:***@db/x"),
        ("postgresql+asyncpg://bot:hunter22@db/x?ssl=require&PASSWORD=other22", "postgresql+asyncpg://bot:***@db/x?ssl=require&PASSWORD=***"),
    ],
)
def test_passwords_in_the_query_or_with_an_at_sign_are_masked(url: str, masked: str) -> None:
    assert mask_text(f"cannot use {url} (refused)") == f"cannot use {masked} (refused)"
    assert "hunter22" not in mask_url(url) and "er22" not in mask_url(url)


def test_a_log_call_with_bad_arguments_does_not_raise_through_the_filter() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter(["secretpw"]))
    logger = logging.getLogger("tests.cli_trust.bad_args")
    logger.addHandler(handler)
    try:
        logger.warning("two %s %s placeholders, one argument: secretpw", "x")  # logging itself survives this
        logger.warning("with a stack: secretpw", stack_info=True)
    finally:
        logger.removeHandler(handler)
    assert "placeholders" in stream.getvalue() and "secretpw" not in stream.getvalue()


def test_piped_bytes_that_are_not_utf8_are_stored_and_answered(small_kb: Path, tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    result = run("chat", "--kb", str(small_kb), "--db", f"sqlite+aiosqlite:///{db}", stdin=b"\xed\xa0\x80 hello\n")
    assert result.returncode == 0, result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    blocks = result.stdout.decode().strip().split("\n\n")
    assert len(blocks) == 1 and blocks[0].strip()
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT direction, text FROM messages ORDER BY id").fetchall()
    inbound = [text for direction, text in rows if direction == "in"]
    assert inbound == ["\ufffd\ufffd\ufffd hello"]
    assert any(direction == "out" for direction, _ in rows)


def test_zero_width_characters_inside_a_word_do_not_change_the_answer(tmp_path: Path) -> None:
    """Pasted or forged invisible characters (issue 9, item 11), through the console as a customer sends
    them. On the demo knowledge base "备\u200b用机" used to be answered, confidently, about broadband."""
    lines = ["备用机怎么申请", "备\u200b用机怎么申请", "备用\ufeff机怎么\u200d申请", "备\u00ad用机怎么申请"]
    result = run("chat", "--kb", str(ROOT / "knowledge"), "--db", f"sqlite+aiosqlite:///{tmp_path / 'zw.db'}",
                 stdin=("\n".join(lines) + "\n").encode())
    assert result.returncode == 0, result.stderr.decode()
    blocks = result.stdout.decode().strip().split("\n\n")
    assert len(blocks) == 4 and len(set(blocks)) == 1 and "备用机" in blocks[0], blocks


class FlakyDatabase:
    """Makes every statement fail as a dropped connection would, while `failures` is above zero."""

    def __init__(self, engine, failures: int = 0) -> None:  # type: ignore[no-untyped-def]
        self.failures = failures
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)

    def _before(self, *_args: object) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionRefusedError(111, "Connection refused")


class Lines(io.StringIO):
    """Piped stdin whose next line arrives only after the previous turn, like a person typing."""

    def isatty(self) -> bool:
        return False


async def test_database_drop_mid_chat_is_retried_and_nothing_is_lost(database_url: str, small_kb: Path) -> None:
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb))
    flaky = FlakyDatabase(runtime.database.engine)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:  # the database comes back while the bot waits
            flaky.failures = 0
        await asyncio.sleep(0)

    class DropsAfterFirstLine(Lines):
        def readline(self, *args: object) -> str:  # type: ignore[override]
            line = super().readline(*args)  # type: ignore[arg-type]
            if line.startswith("How much"):
                flaky.failures = 10**6  # the database goes away just before the second message
            return line

    stdin = DropsAfterFirstLine("保修期多长时间？\nHow much is a new battery?\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        handled = await run_console(runtime, stdin=stdin, stdout=stdout, stderr=stderr, retry_delays=(1, 2, 4, 8), sleep=sleep)
        async with runtime.database.sessions() as session:
            stored = await session.scalar(
                select(func.count()).select_from(Message).where(Message.text == "How much is a new battery?")
            )
    finally:
        await runtime.close()
    assert handled == 2
    assert waits == [1, 2, 4]
    blocks = stdout.getvalue().strip().split("\n\n")
    assert blocks == ["整机保修两年。", "A battery replacement starts at 199 yuan."]
    notices = stderr.getvalue().splitlines()
    assert notices[0].startswith("Sorry, we cannot save your message right now") and "(1/4)" in notices[0]
    assert notices[-1] == "We are back and your message is saved."
    assert stored == 1


async def test_a_turn_that_committed_before_the_connection_broke_is_answered_from_the_store(
    database_url: str, small_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry is then a redelivery that answers nothing: the stored answer is shown, stored once."""
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb))
    handle = runtime.engine.handle
    broken = [True]

    async def commit_then_lose_the_connection(inbound, keep=None):  # type: ignore[no-untyped-def]
        outcome = await handle(inbound, keep)
        if broken.pop() if broken else False:
            raise ConnectionResetError(104, "Connection reset by peer")
        return outcome

    monkeypatch.setattr(runtime.engine, "handle", commit_then_lose_the_connection)
    stdout, stderr = io.StringIO(), io.StringIO()

    async def sleep(_seconds: float) -> None:
        await asyncio.sleep(0)

    try:
        await run_console(runtime, stdin=Lines("保修期多长时间？\n"), stdout=stdout, stderr=stderr, sleep=sleep)
        async with runtime.database.sessions() as session:
            stored = (await session.scalars(select(Message.text).where(Message.direction == "in"))).all()
    finally:
        await runtime.close()
    assert stdout.getvalue().strip() == "整机保修两年。"
    assert stored == ["保修期多长时间？"]


async def test_database_that_never_comes_back_ends_with_one_line(database_url: str, small_kb: Path) -> None:
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb))
    FlakyDatabase(runtime.database.engine, failures=10**6)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    stderr = io.StringIO()
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            await run_console(
                runtime,
                stdin=Lines("保修期多长时间？\n"),
                stdout=io.StringIO(),
                stderr=stderr,
                retry_delays=(1, 2),
                sleep=sleep,
                database_url="postgresql+asyncpg://u:secretpw@db.example/prod",
            )
    finally:
        await runtime.close()
    assert waits == [1, 2]
    line = str(raised.value)
    assert "\n" not in line and "secretpw" not in line and "not saved" in line and "u:***@db.example" in line
    assert "抱歉" in stderr.getvalue()  # told in the customer's language while retrying


def test_a_bad_webchat_sites_setting_is_one_line_and_exit_2() -> None:
    result = run("serve", env={"WEBCHAT_SITES": "demo=notaurl"})
    output = (result.stdout + result.stderr).decode().strip()
    assert result.returncode == 2, output
    assert output.splitlines() == ["error: WEBCHAT_SITES: site 'demo' needs origins like https://shop.example.com (got 'notaurl')"]
