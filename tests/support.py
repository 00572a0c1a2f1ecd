"""Helpers shared by tests: a hand-moved clock, a matcher trained once per session, a count of trips to
aiosqlite's thread, a benchmark script loaded as a module."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import bot.runtime
from bot.nlu.matcher import IntentMatcher
from tests.conftest import ROOT

DEMO_KB = ROOT / "knowledge"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Wednesday 25 November 2026, 10:30 in Beijing: a working day, no public holiday in the next 7 days.
WEDNESDAY_MORNING = dt.datetime(2026, 11, 25, 10, 30, tzinfo=SHANGHAI)



def benchmark_module(name: str) -> ModuleType:
    """`benchmarks/<name>.py` (a script, not a package) loaded as a module, for tests of its parts."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_MATCHERS: dict[tuple[str, float | None], IntentMatcher] = {}


class CachedMatcher(IntentMatcher):
    """Training on the demo knowledge base takes seconds: train once per knowledge directory and threshold."""

    @classmethod
    def from_knowledge(cls, kb, threshold=None):  # type: ignore[no-untyped-def,override]
        key = (str(Path(kb.directory).resolve()), threshold)
        if key not in _MATCHERS:
            _MATCHERS[key] = IntentMatcher.from_knowledge(kb, threshold=threshold)
        return _MATCHERS[key]


def use_cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `build_runtime` use the session-wide cached matcher."""

    def load_or_train(kb, *, threshold=None, cache_dir=None, report=None):  # type: ignore[no-untyped-def]
        return CachedMatcher.from_knowledge(kb, threshold=threshold)

    monkeypatch.setattr(bot.runtime, "load_or_train", load_or_train)


class Clock:
    """The bot's clock moved by hand: pass it to `build_runtime(..., clock=)` and every part of the bot,
    storage included, lives at the time the test sets."""

    def __init__(self, now: dt.datetime = WEDNESDAY_MORNING) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


# The `supportbot` command of the environment running the tests: CLI tests run it as a process.
SUPPORTBOT = str(Path(sys.executable).with_name("supportbot"))
# Settings a developer's environment may hold that must not leak into a command under test.
OWN_SETTINGS = ("DATABASE_", "KNOWLEDGE_", "BOT_", "MATCH_", "TWILIO_", "SMS_")


def run_supportbot(
    *args: str, env: dict[str, str] | None = None, input: str | bytes | None = None, cwd: Path | None = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess[Any]:
    """`supportbot ARGS` as a process, as an operator runs it: text output unless `input` is bytes."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    environment.update(env or {})
    return subprocess.run(
        [SUPPORTBOT, *args], check=False, capture_output=True, text=not isinstance(input, bytes),
        cwd=cwd or ROOT, env=environment, input=input, timeout=timeout,
    )


class DriverTrips:
    """Counts the calls run in aiosqlite's thread from now on (bot/storage/sqlite_driver.py runs a turn's
    statements without one; long reads still go there)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import aiosqlite

        self.count = 0
        real = aiosqlite.Connection._execute

        async def counted(connection: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await real(connection, fn, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
