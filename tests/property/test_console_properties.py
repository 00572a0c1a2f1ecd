"""Any bytes at the console's stdin: every line is a message, stored exactly once and answered (or with
people), and the chat never stops early. In-process through `run_console` with a byte stdin for many
examples; as the real `supportbot chat` process for a few."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.console import run_console
from bot.runtime import Runtime, build_runtime
from bot.safetext import storable
from bot.settings import load_settings
from bot.storage import Database
from tests.conftest import ROOT
from tests.property.strategies import (
    any_text,
    assert_answered,
    assert_storable,
    fresh_id,
    kept,
    no_errors_logged,
)
from tests.support import DEMO_KB, Clock, use_cached_matcher

ENCODINGS = ["utf-8", "utf-8", "utf-8", "gb18030", "big5", "utf-16-le", "latin-1"]


@st.composite
def line_bytes(draw: st.DrawFn) -> bytes:
    """One typed line as the terminal hands it over: text in some encoding (lone surrogates as the bytes
    a broken terminal sends), or raw bytes; no newline inside."""
    if draw(st.integers(0, 5)) == 0:
        raw = draw(st.binary(max_size=200))
    else:
        encoding = draw(st.sampled_from(ENCODINGS))
        # utf-8 with lone surrogates kept as their (invalid) bytes: what a broken terminal sends.
        raw = draw(any_text).encode(encoding, "surrogatepass" if encoding == "utf-8" else "replace")
    return raw.replace(b"\n", b" ")


@st.composite
def stdin_bytes(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    """The whole input (lines, CRLF or LF, maybe no newline at the end) and the lines it holds."""
    lines = draw(st.lists(line_bytes(), min_size=1, max_size=4))
    endings = draw(st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=len(lines), max_size=len(lines)))
    data = b"".join(line + end for line, end in zip(lines, endings, strict=True))
    if draw(st.booleans()):  # the last line without its newline (a file that does not end in one)
        data = data[: len(data) - len(endings[-1])]
        if not lines[-1]:
            lines = lines[:-1]
    return data, lines


def expected_text(line: bytes) -> str:
    return storable(line.rstrip(b"\r").decode("utf-8", "replace"))


async def _open(tmp_path: Path) -> Runtime:
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}", knowledge_dir=DEMO_KB)
    return await build_runtime(settings, clock=Clock())


async def _chat(runtime: Runtime, data: bytes, lines: list[bytes]) -> None:
    customer = f"tty-{fresh_id()}"
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()

    async def no_sleep(_seconds: float) -> None:
        raise AssertionError("the database is up: no retry expected")

    handled = await run_console(runtime, stdin=stdin, stdout=stdout, stderr=stderr, customer_id=customer, sleep=no_sleep)
    assert handled == len(lines), f"{handled} of {len(lines)} lines handled; stderr {stderr.getvalue()[:300]!r}"
    rows = await kept(runtime, "console", customer)
    assert [m.text for m in rows.inbound] == [expected_text(line) for line in lines]
    assert len({m.external_id for m in rows.inbound}) == len(lines)
    for message in rows.messages:
        assert_storable(message.text)
    assert_answered(rows, data)
    if any(m.direction == "out" for m in rows.messages):
        assert stdout.getvalue().strip(), "replies stored but nothing printed"
    stdout.getvalue().encode("utf-8")  # what the console prints can be written to a UTF-8 terminal


def test_any_bytes_on_stdin_are_messages_stored_once_and_answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)
    with asyncio.Runner() as runner:
        runtime = runner.run(_open(tmp_path))
        try:

            @given(sent=stdin_bytes())
            def check(sent: tuple[bytes, list[bytes]]) -> None:
                with no_errors_logged(runner.get_loop()):
                    runner.run(_chat(runtime, *sent))

            check()
        finally:
            runner.run(runtime.close())


@settings(max_examples=max(3, settings().max_examples // 8))
@given(sent=stdin_bytes())
def test_supportbot_chat_process_takes_any_bytes(small_kb: Path, tmp_path: Path, sent: tuple[bytes, list[bytes]]) -> None:
    """The real command with piped stdin: exit 0, no traceback, one reply block per line (small knowledge
    base: the process trains its own matcher)."""
    data, lines = sent
    db = tmp_path / f"chat-{fresh_id()}.db"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "KNOWLEDGE_", "BOT_", "TWILIO_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--kb", str(small_kb), "--db", f"sqlite+aiosqlite:///{db}", "--customer", "p"],
        input=data, capture_output=True, cwd=ROOT, env=environment, timeout=120, check=False,
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr

    async def stored() -> list[str | None]:
        database = await Database.connect(f"sqlite+aiosqlite:///{db}", migrate=False)
        try:
            rows = await kept(SimpleNamespace(database=database), "console", "p")  # type: ignore[arg-type]
            assert_answered(rows, data)
            return [m.text for m in rows.inbound]
        finally:
            await database.close()

    assert asyncio.run(stored()) == [expected_text(line) for line in lines]
