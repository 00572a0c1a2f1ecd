"""PostgreSQL databases, the Redis database and the `supportbot serve` processes of one phase.

Everything started here is also stopped here, even on Ctrl-C or an error: databases are dropped WITH
(FORCE), processes get SIGTERM then SIGKILL. The processes run in their own session so that a Ctrl-C in
the terminal reaches only the driver, which then stops them in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg

from loadkit.fakes import ROOT

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# Settings inherited from the caller's shell would silently change what is measured.
_OWN_PREFIXES = (
    "BOT_", "DATABASE_", "KNOWLEDGE_", "TWILIO_", "SMS_", "WEBHOOK_", "AGENT", "REDIS_", "PUBLIC_URL", "HOST", "PORT",
    "MODEL_CACHE", "LOG_", "TELEGRAM_", "FLOOD_", "HANDOFF_",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Postgres:
    """Fresh databases on the local server, dropped at the end whatever happens."""

    def __init__(self, admin_url: str = POSTGRES_ADMIN) -> None:
        self.admin_url = admin_url
        self.created: list[str] = []

    async def create(self, name: str) -> str:
        """CREATE DATABASE `name` (dropping a leftover of the same name); its asyncpg SQLAlchemy URL."""
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        base = self.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        return f"{base}/{name}"

    async def activity(self, name: str, wait: float = 10.0) -> tuple[int, int | None]:
        """(transactions committed or rolled back, connections opened) in database `name` so far; the
        second is None before PostgreSQL 14. A server process reports its counts when it exits, so this
        first waits (up to `wait` seconds) until the database has no connection left."""
        conn = await asyncpg.connect(self.admin_url)
        try:
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name
            ):
                await asyncio.sleep(0.1)
            sessions = "sessions" if conn.get_server_version().major >= 14 else "NULL"
            row = await conn.fetchrow(
                f"SELECT xact_commit + xact_rollback, {sessions} FROM pg_stat_database WHERE datname = $1", name
            )
        finally:
            await conn.close()
        if row is None:
            return 0, None
        return int(row[0]), None if row[1] is None else int(row[1])

    async def drop_all(self) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            while self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.created.pop()}" WITH (FORCE)')
        finally:
            await conn.close()


async def flush_redis(url: str) -> None:
    """FLUSHDB of the benchmark's Redis database (the instances may keep limits and pacing there)."""
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


@dataclass
class Instance:
    """One `supportbot serve` process in webhook mode."""

    index: int
    port: int
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    killed: bool = False
    down_until: float = 0.0  # the balancer skips it until then, after a connection error
    started_at: float = field(default_factory=time.monotonic)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, env: dict[str, str], source: Path = ROOT, timeout: float = 300.0) -> None:
        """Start and wait for GET /healthz (the first start of a knowledge base trains the matcher).

        `source` is the bot's source tree: this checkout runs `.venv/bin/supportbot serve`; another tree
        (e.g. `git archive HEAD` unpacked) runs `python -m bot serve` from there with the same venv, so a
        committed main can be measured while the working tree is being changed.
        """
        full = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
        full.update(env)
        full.update({"HOST": "127.0.0.1", "PORT": str(self.port), "WEBHOOK_URL": f"{self.base_url}/telegram/webhook"})
        if source.resolve() == ROOT:
            command = [str(ROOT / ".venv" / "bin" / "supportbot"), "serve"]
        else:
            command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "bot", "serve"]
            full["PYTHONPATH"] = str(source)
        with open(self.log_path, "ab") as log:  # noqa: ASYNC230 - a local log file, opened once per start
            self.process = await asyncio.create_subprocess_exec(
                *command, cwd=source, env=full, stdin=asyncio.subprocess.DEVNULL,
                stdout=log, stderr=log, start_new_session=True,
            )
        self.started_at = time.monotonic()
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"instance {self.index} exited with {self.process.returncode}; see {self.log_path}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(self.base_url + "/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"instance {self.index} not healthy after {timeout:.0f}s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, like a crash or an OOM kill."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.killed = True

    async def stop(self, grace: float = 20.0) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()

    def kill_now(self) -> None:
        """Last resort from a signal handler or atexit: no event loop needed."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)
