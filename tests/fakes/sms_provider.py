"""A fake Twilio REST API (the Messages resource) on 127.0.0.1, for the SMS channel's tests.

`POST /2010-04-01/Accounts/{sid}/Messages.json` with HTTP basic auth (account SID : auth token) and the
form fields To, From, Body, answered the way Twilio does (201 and a JSON message resource with an
"SM..." sid; 401 with error 20003 for bad credentials; 400 with error 21211 / 21610 ...). Every
accepted message is recorded (`fake.messages`, `fake.bodies_to(number)`).

* `await fake.stop()` closes the port (connection refused, as in an outage); `await fake.start()`
  opens the same port again;
* `fake.fail_next(3, status=503)` answers the next 3 requests with a 503 (or any status / Twilio code);
* `await fake.wait_for(lambda: ...)` waits (bounded, event-driven) for a condition on what was received.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
FROM_NUMBER = "+15005550006"


@dataclass(frozen=True)
class SentMessage:
    sid: str
    to: str
    from_: str
    body: str
    form: dict[str, str]


class FakeTwilio:
    """The fake server; `api_url` is what TWILIO_API_URL should be set to."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[SentMessage] = []
        self.requests = 0
        self._failures: deque[tuple[int, int | None]] = deque()
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeTwilio:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        if not self.port:
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def fail_next(self, count: int = 1, *, status: int = 503, code: int | None = None) -> None:
        """Answer the next `count` requests with this HTTP status (and Twilio error code)."""
        self._failures.extend([(status, code)] * count)

    def bodies_to(self, number: str) -> list[str]:
        return [m.body for m in self.messages if m.to == number]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(condition)

        await asyncio.wait_for(wait(), timeout)

    async def _create(self, request: web.Request) -> web.Response:
        self.requests += 1
        if request.match_info["sid"] != self.account_sid or not self._authorised(request):
            return self._error(401, 20003, "Authentication Error - invalid username")
        if self._failures:
            status, code = self._failures.popleft()
            return self._error(status, code, "injected failure")
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        for field in ("To", "From", "Body"):
            if not form.get(field):
                return self._error(400, 21602 if field == "Body" else 21604, f"A '{field}' is required")
        if not form["To"].startswith("+"):
            return self._error(400, 21211, f"The 'To' number {form['To']} is not a valid phone number.")
        sid = f"SM{next(self._ids):032x}"
        self.messages.append(SentMessage(sid, form["To"], form["From"], form["Body"], form))
        async with self._changed:
            self._changed.notify_all()
        return web.json_response(
            {"sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form["From"], "body": form["Body"],
             "status": "queued", "num_segments": "1", "direction": "outbound-api", "error_code": None},
            status=201,
        )

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.account_sid and password == self.auth_token

    @staticmethod
    def _error(status: int, code: int | None, message: str) -> web.Response:
        body: dict[str, Any] = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
        return web.json_response(body, status=status)
