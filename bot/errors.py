"""Failures an operator can act on, said in one line, with every credential masked.

A command that cannot reach its database must not print eighty lines of traceback, and nothing the bot
prints or logs may contain a password: URLs are shown as SQLAlchemy renders them with
`hide_password=True`, and a logging filter masks the configured secrets in every record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import sqlite3
from collections.abc import Iterable, Iterator

import sqlalchemy.exc
from sqlalchemy.engine import make_url

MASK = "***"
# scheme://user:password@host: the password part, for URLs in free text (a settings error, a driver message).
# Greedy up to the last "@" of the URL, so a password with a raw "@" in it is masked whole.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s'\"]*:)(?P<password>[^\s'\"]+)(?P<at>@)")
# ...?password=... : drivers such as asyncpg also take the password as a query parameter.
_QUERY_PASSWORD = re.compile(r"(?i)(?P<head>[?&](?:password|passwd|pwd)=)(?P<password>[^&#\s'\"]+)")
WHAT_TO_CHECK = "check DATABASE_URL (or --db) and that the database server is running and reachable"


class DatabaseUnavailable(Exception):
    """The database could not be reached or refused us; `str()` is the one line to show the operator."""


def mask_url(url: str) -> str:
    """`url` with its password replaced by ***, as SQLAlchemy renders it."""
    try:
        return mask_text(make_url(url).render_as_string(hide_password=True))
    except Exception:
        return mask_text(url)


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with URL passwords and each of `secrets` replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['at']}", text)
    text = _QUERY_PASSWORD.sub(lambda m: f"{m['head']}{MASK}", text)
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def url_password(url: str | None) -> str | None:
    """The password inside a database URL, if any (so logs can mask it wherever it appears)."""
    if not url:
        return None
    try:
        parsed = make_url(url)
    except Exception:
        match = _URL_PASSWORD.search(url) or _QUERY_PASSWORD.search(url)
        return match["password"] if match else None
    in_query = parsed.query.get("password")
    return parsed.password or (in_query if isinstance(in_query, str) else None)  # type: ignore[return-value]


class SecretFilter(logging.Filter):
    """Masks secrets in every log record passing a handler (message, arguments and traceback)."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - bad %-arguments: logging reports those itself, never the caller
            message = f"{record.msg} (arguments: {record.args!r})"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = mask_text(message, self.secrets), None
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info, self.secrets)
        return True


def install_secret_filter(secrets: Iterable[str | None]) -> None:
    """Mask `secrets` (and any URL password) in everything the root logger's handlers write."""
    secret_filter = SecretFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _asyncpg_reason(exc: BaseException) -> str | None:
    try:
        import asyncpg.exceptions as pg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return None
    if isinstance(exc, pg.InvalidPasswordError | pg.InvalidAuthorizationSpecificationError):
        return "the server refused the user name or password"
    if isinstance(exc, pg.InvalidCatalogNameError):
        return "that database does not exist on the server"
    if isinstance(exc, pg.CannotConnectNowError):
        return "the server is starting up or shutting down"
    if isinstance(exc, pg.TooManyConnectionsError):
        return "the server has too many connections"
    if isinstance(exc, pg.ConnectionDoesNotExistError | pg.PostgresConnectionError | pg.InterfaceError):
        return "the connection was lost"
    return None


def database_reason(exc: BaseException) -> str | None:
    """Why `exc` means the database is unreachable or refused us, in a few words; None for other errors."""
    for link in _chain(exc):
        reason = _asyncpg_reason(link)
        if reason:
            return reason
        if isinstance(link, ConnectionRefusedError):
            return "connection refused"
        if isinstance(link, socket.gaierror):
            return "unknown host name"
        if isinstance(link, TimeoutError | asyncio.TimeoutError | sqlalchemy.exc.TimeoutError):
            return "timed out"
        if isinstance(link, sqlite3.OperationalError):
            return f"SQLite: {link}"
        if isinstance(link, OSError):
            return link.strerror or type(link).__name__
        if isinstance(link, sqlalchemy.exc.DisconnectionError):
            return "the connection was lost"
        if isinstance(link, sqlalchemy.exc.DBAPIError) and link.connection_invalidated:
            return "the connection was lost"
    for link in _chain(exc):
        if isinstance(link, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
            return str(link.orig or link).splitlines()[0][:200]
    return None


def explain_database_error(
    exc: BaseException, url: str | None, *, secrets: Iterable[str] = (), what: str = "cannot use the database"
) -> DatabaseUnavailable | None:
    """One line for an unreachable database (what, where, what to check), or None when `exc` is something else."""
    reason = database_reason(exc)
    if reason is None:
        return None
    where = f" {mask_url(url)}" if url else ""
    return DatabaseUnavailable(
        mask_text(f"{what}{where} ({reason}): {WHAT_TO_CHECK}", [*secrets, url_password(url) or ""])
    )


@contextlib.contextmanager
def database_errors_in_one_line(url: str | None, *, passthrough: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Inside it, an unreachable database becomes `DatabaseUnavailable` (one line, credentials masked);
    the `passthrough` exceptions and anything else that is not about the database go on unchanged."""
    try:
        yield
    except passthrough:
        raise
    except Exception as exc:
        problem = explain_database_error(exc, url)
        if problem is None:
            raise
        raise problem from exc
