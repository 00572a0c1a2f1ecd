"""Real processes for the browser tests and the README screenshots: `supportbot serve` instances on one
PostgreSQL database and one Redis, and a vendor's web site on another origin that embeds the widget.

Synchronous on purpose (subprocess + threads): the fixtures that hold these can live for a whole test
module while each test gets its own event loop and browser.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import SMALL_FAQ

ROOT = Path(__file__).resolve().parent.parent.parent

# Settings of the developer's shell that would change what the servers do (a real BOT_TOKEN would start
# Telegram polling); the servers get exactly the settings below.
_FOREIGN_SETTINGS = (
    "BOT_", "DATABASE_", "KNOWLEDGE_", "TWILIO_", "SMS_", "WEBHOOK_", "STAFF_", "REDIS_", "AGENTS_", "AGENT_",
    "SUPERVISOR_", "WEBCHAT_", "CONSOLE_", "PUBLIC_URL", "UPLOADS_", "HOST", "PORT", "MODEL_CACHE_DIR",
    "DEFAULT_LANGUAGE", "TIMEZONE", "BRAND_NAME",
)

AGENT_EMAIL = "lin.agent@example.com"
AGENT_NAME = "Lin"
AGENT_PASSWORD = "correct horse battery staple 14"
SUPERVISOR_EMAIL = "wang.supervisor@example.com"
SUPERVISOR_NAME = "Wang"
SUPERVISOR_PASSWORD = "another long passphrase 14"
SITE_KEY = "demo"
IDENTITY_SECRET = "browser-test-identity-secret-0123456789"

# The small knowledge base of tests/conftest.py: the matcher trains in seconds, answers are known.
# No hours.yaml: agents are always on duty, so the hand-off never depends on the time the test runs.


def write_small_kb(directory: Path) -> Path:
    """The small knowledge base above, written under `directory` (faq/ only)."""
    (directory / "faq").mkdir(parents=True, exist_ok=True)
    (directory / "faq" / "small.yaml").write_text(SMALL_FAQ, encoding="utf-8")
    return directory


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(settings: Mapping[str, str]) -> dict[str, str]:
    """The current environment without the bot's settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_SETTINGS)}
    env.update(settings)
    return env


def run_cli(args: list[str], settings: Mapping[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`supportbot ARGS` as a separate process (the console script's code: `python -m bot`)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=clean_environment(settings), input=stdin,
        capture_output=True, text=True, timeout=180, check=False,
    )


@dataclass
class BotServer:
    """One `supportbot serve` process on 127.0.0.1:port; its output goes to a log file (read on failure)."""

    name: str
    port: int
    settings: dict[str, str]
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.workdir / f"serve-{self.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = clean_environment({**self.settings, "HOST": "127.0.0.1", "PORT": str(self.port)})
        with self.log_path.open("wb") as log:
            # The working directory is the test's: no .env of the developer, uploads under it.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve"], cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        return ""

    def wait_healthy(self, timeout: float = 120.0) -> dict[str, object]:
        """Block until GET /healthz answers 200 (its JSON), or fail with the server's log."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"supportbot serve ({self.name}) exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError, OSError), \
                    urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return dict(json.loads(response.read()))
            time.sleep(0.1)
        raise RuntimeError(f"supportbot serve ({self.name}) did not answer /healthz in {timeout:.0f} s:\n{self.log()[-4000:]}")

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (a clean shutdown), then SIGKILL of the process group if it hangs; the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        return self.process.returncode


# A browser that closes a tab in the middle of a request makes aiohttp log the handler's write error with a
# traceback: the product did nothing wrong. Every other traceback is a bug the browser tests report.
CLIENT_GONE = ("ConnectionResetError", "ClientConnectionResetError", "aiohttp.client_exceptions.ClientConnectionResetError")


def tracebacks(log: str) -> list[str]:
    """The tracebacks in a server's log, each with its exception line (the first unindented line after it)."""
    found: list[str] = []
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last):"):
            end = next((i for i in range(index + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines) - 1)
            found.append("\n".join(lines[index : end + 1]))
    return found


def is_client_gone(traceback: str) -> bool:
    """Whether a traceback ends in a client that went away (not a bug of ours)."""
    exception = traceback.rsplit("\n", 1)[-1]
    return exception.split(":", 1)[0].strip() in CLIENT_GONE


def server_errors(log: str) -> list[str]:
    """The tracebacks of a server's log that are bugs (client disconnects left out)."""
    return [t for t in tracebacks(log) if not is_client_gone(t)]


class _VendorHandler(BaseHTTPRequestHandler):
    """Serves the pages registered on the server (path -> HTML); 404 for anything else."""

    server: VendorSite

    def do_GET(self) -> None:
        body = self.server.pages.get(self.path.split("?", 1)[0])
        if body is None:
            self.send_error(404)
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return


class VendorSite(ThreadingHTTPServer):
    """A tiny web site on its own port (so its own origin), in a background thread."""

    daemon_threads = True

    def __init__(self, pages: dict[str, str] | None = None) -> None:
        super().__init__(("127.0.0.1", free_port()), _VendorHandler)
        self.pages: dict[str, str] = dict(pages or {})
        self._thread = threading.Thread(target=self.serve_forever, name="vendor-site", daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


_VENDOR_TEXTS = {
    "en": ("Acme Phones: support", "Service &amp; repairs", "Warranty, battery replacement, screen repair and our service centres.",
           "Hotline", "400-000-0000, every day 9:00-21:00."),
    "zh-Hans": ("Acme 手机：服务与支持", "售后服务", "保修政策、电池更换、屏幕维修和服务网点。", "客服热线", "400-000-0000，每天 9:00-21:00。"),
}


def vendor_page(bot_url: str, *, lang: str = "en", extra: str = "") -> str:
    """The vendor's page (English or Chinese): its own content and the one `<script>` tag that embeds the chat."""
    title, service, service_text, hotline, hotline_text = _VENDOR_TEXTS.get(lang, _VENDOR_TEXTS["en"])
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1d2733; }}
 header {{ background: #0b3d91; color: #fff; padding: 18px 40px; font-size: 22px; font-weight: 600; }}
 main {{ padding: 32px 40px; max-width: 720px; line-height: 1.6; }}
 .card {{ background: #fff; border-radius: 8px; padding: 18px 24px; margin-bottom: 16px; box-shadow: 0 1px 3px #0002; }}
</style></head>
<body>
<header>Acme Phones</header>
<main>
 <div class="card"><h2>{service}</h2><p>{service_text}</p></div>
 <div class="card"><h2>{hotline}</h2><p>{hotline_text}</p></div>
</main>
{extra}
<script src="{bot_url}/widget.js?key={SITE_KEY}" async></script>
</body></html>
"""


@dataclass
class Deployment:
    """Two bot instances (A serves the widget, B the agents' console) on one database and one Redis, and
    the vendor's site on a third origin."""

    a: BotServer
    b: BotServer
    vendor: VendorSite
    settings: dict[str, str]
    workdir: Path

    def servers(self) -> list[BotServer]:
        return [self.a, self.b]


def deployment_settings(database_url: str, redis_url: str, kb: Path, workdir: Path, vendor_origin: str,
                        extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings every instance shares (no BOT_TOKEN: only HTTP)."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "KNOWLEDGE_DIR": str(kb),
        # The second instance loads the matcher the first one trained instead of training again.
        "MODEL_CACHE_DIR": str(workdir / "model-cache"),
        "WEBCHAT_SITES": f"{SITE_KEY}={vendor_origin}",
        "LOG_LEVEL": "INFO",
        **(extra or {}),
    }


def add_staff(settings: Mapping[str, str], workdir: Path, email: str, name: str, role: str, password: str,
              language: str = "en") -> str:
    """`supportbot agents add EMAIL --name NAME --role ROLE --language LANG --password-stdin`; its output."""
    result = run_cli(["agents", "add", email, "--name", name, "--role", role, "--language", language, "--password-stdin"],
                     settings, workdir, stdin=password + "\n")
    if result.returncode != 0:
        raise RuntimeError(f"supportbot agents add {email} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def deployment(database_url: str, redis_url: str, workdir: Path, *, kb: Path | None = None,
               extra: Mapping[str, str] | None = None, staff: bool = True) -> Iterator[Deployment]:
    """Start the vendor site, migrate the database, add the staff users, start A then B; stop all after."""
    workdir.mkdir(parents=True, exist_ok=True)
    kb = kb or write_small_kb(workdir / "kb")
    vendor = VendorSite()
    settings = deployment_settings(database_url, redis_url, kb, workdir, vendor.origin, extra)
    a = BotServer("a", free_port(), settings, workdir)
    b = BotServer("b", free_port(), settings, workdir)
    vendor.pages["/"] = vendor_page(a.url)
    vendor.pages["/zh"] = vendor_page(a.url, lang="zh-Hans")
    try:
        upgraded = run_cli(["db", "upgrade"], settings, workdir)
        if upgraded.returncode != 0:
            raise RuntimeError(f"supportbot db upgrade failed:\n{upgraded.stdout}\n{upgraded.stderr}")
        if staff:
            add_staff(settings, workdir, AGENT_EMAIL, AGENT_NAME, "agent", AGENT_PASSWORD)
            add_staff(settings, workdir, SUPERVISOR_EMAIL, SUPERVISOR_NAME, "supervisor", SUPERVISOR_PASSWORD)
        a.start()
        a.wait_healthy()  # first alone: it trains the matcher B then loads from the cache
        b.start()
        b.wait_healthy()
        yield Deployment(a=a, b=b, vendor=vendor, settings=settings, workdir=workdir)
    finally:
        for server in (b, a):
            server.stop()
        vendor.close()


@contextlib.contextmanager
def single_server(name: str, settings: Mapping[str, str], workdir: Path) -> Iterator[BotServer]:
    """One more instance with its own settings (WEBCHAT_REQUIRE_IDENTITY on, for one)."""
    server = BotServer(name, free_port(), dict(settings), workdir)
    server.start()
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()
