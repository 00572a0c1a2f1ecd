"""Web chat storage: visitors, their sessions, the events their widget shows, and their uploads.

* `webchat_visitors`: one row per web customer ("v:<visitor>" or "u:<site>:<user>"), the conversation's
  `customer_id` on channel "web". Its row is locked while events are added, so one visitor's events
  commit in id order and a stream that read up to id N never misses a row with a smaller id later.
* `webchat_sessions`: a device's session, found by the SHA-256 of its token (the token itself is
  never stored). `last_seen_at` is moved forward at most once an hour; a session unused for
  SESSION_IDLE no longer opens (and is deleted when it is next presented).
* `webchat_events`: what the widget shows, one row per message (the customer's own, the bot's, an
  agent's, a system line), with a JSON payload. Streams resume after a row id (SSE `Last-Event-ID`).
* `webchat_uploads`: photos a visitor uploaded, under a random id; `upload(id)` is how staff pages
  fetch one (after their own rights check), `WebChatStore.upload_of(customer, id)` how the visitor does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.storage.database import Database, dialect_insert, is_postgresql
from bot.storage.models import Base

# A visitor's token lives in their browser's storage; one unused for this long is dead (a device
# sold or shared long ago must not reopen the conversation).
SESSION_IDLE = dt.timedelta(days=30)
# Moving "last seen" on every message would make each request a write: an hour's precision is plenty.
TOUCH_EVERY = dt.timedelta(hours=1)


class WebVisitor(Base):
    """A web customer: the site they came through and, when identified, the site's user id."""

    __tablename__ = "webchat_visitors"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """One device's session: the hash of its bearer token, bound to a site and a visitor."""

    __tablename__ = "webchat_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("webchat_visitors.customer_id", ondelete="CASCADE"))
    site: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    display_name: Mapped[str | None] = mapped_column(String(128))  # the vendor's name for an identified user
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))  # SESSION_IDLE counts from it


class WebEvent(Base):
    """One message the widget shows; `client_id` on the customer's own (a retry finds it), `reply_to`
    on the bot's replies to it, `source` on lines sent at most once per source."""

    __tablename__ = "webchat_events"
    __table_args__ = (
        UniqueConstraint("customer_id", "client_id", name="uq_webchat_event_client"),
        UniqueConstraint("source", name="uq_webchat_event_source"),
        Index("ix_webchat_events_customer", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("webchat_visitors.customer_id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(String(8))  # customer | bot | agent | system
    client_id: Mapped[str | None] = mapped_column(String(64))
    reply_to: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # On the customer's own event: when its turn's replies were stored (none is an answer too). A retry
    # of an event never answered means the instance died between the turn and its replies.
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebUpload(Base):
    """A photo a visitor uploaded, owned by `customer_id`. The bytes are in the database (at most
    WEBCHAT_MAX_UPLOAD_BYTES), so whichever instance serves the console or the visitor can read them."""

    __tablename__ = "webchat_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("webchat_visitors.customer_id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(80))
    mime_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class SessionInfo:
    """Who a bearer token belongs to."""

    customer_id: str
    site: str
    language: str
    user_id: str | None
    display_name: str | None = None


@dataclass(frozen=True)
class EventRow:
    """One stored event, detached from the session."""

    id: int
    sender: str
    payload: dict[str, Any]
    client_id: str | None = None
    answered: bool = False


@dataclass(frozen=True)
class UploadInfo:
    """An uploaded photo's record; `file_name` is ours (random id + extension), for downloads."""

    id: str
    customer_id: str
    file_name: str
    mime_type: str
    size: int


@dataclass(frozen=True)
class NewEvent:
    """An event to add: who speaks, what the widget shows, and the keys that make it idempotent."""

    sender: str
    payload: dict[str, Any]
    client_id: str | None = None
    source: str | None = None


# -- repository functions ---------------------------------------------------------------------------


async def ensure_visitor(session: AsyncSession, customer_id: str, site: str, user_id: str | None, now: dt.datetime) -> None:
    """Create the visitor's row unless it exists (one statement, safe under concurrency)."""
    statement = (
        dialect_insert(session)(WebVisitor)
        .values(customer_id=customer_id, site=site, user_id=user_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["customer_id"])
    )
    await session.execute(statement)


async def add_session(
    session: AsyncSession, token_hash: str, customer_id: str, site: str, language: str, display_name: str | None, now: dt.datetime
) -> None:
    session.add(WebSession(token_hash=token_hash, customer_id=customer_id, site=site, language=language,
                           display_name=display_name, created_at=now, last_seen_at=now))


async def session_by_token(session: AsyncSession, token_hash: str) -> tuple[SessionInfo, dt.datetime] | None:
    """The session of a token hash and when it was last seen (expired or not: the caller decides)."""
    row = (
        await session.execute(
            select(WebSession.customer_id, WebSession.site, WebSession.language, WebVisitor.user_id, WebSession.display_name,
                   WebSession.last_seen_at)
            .join(WebVisitor, WebVisitor.customer_id == WebSession.customer_id)
            .where(WebSession.token_hash == token_hash)
        )
    ).first()
    return (SessionInfo(row[0], row[1], row[2], row[3], row[4]), as_utc(row[5])) if row is not None else None


async def touch_session(session: AsyncSession, token_hash: str, now: dt.datetime) -> None:
    await session.execute(update(WebSession).where(WebSession.token_hash == token_hash).values(last_seen_at=now))


async def delete_session(session: AsyncSession, token_hash: str) -> bool:
    result = await session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def lock_visitor(session: AsyncSession, customer_id: str) -> None:
    """Hold the visitor's row until commit (PostgreSQL; SQLite serialises writers anyway)."""
    query = select(WebVisitor.customer_id).where(WebVisitor.customer_id == customer_id)
    if is_postgresql(session):
        query = query.with_for_update()
    await session.execute(query)


async def source_known(session: AsyncSession, source: str) -> bool:
    return await session.scalar(select(WebEvent.id).where(WebEvent.source == source)) is not None


async def add_event(session: AsyncSession, customer_id: str, event: NewEvent, reply_to: int | None, now: dt.datetime) -> int:
    row = WebEvent(
        customer_id=customer_id, sender=event.sender, client_id=event.client_id, source=event.source,
        reply_to=reply_to, payload=event.payload, created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def claim_answer(session: AsyncSession, event_id: int, now: dt.datetime) -> bool:
    """Mark the customer's event answered unless it already is; True when this call did (one writer wins)."""
    result = await session.execute(
        update(WebEvent).where(WebEvent.id == event_id, WebEvent.answered_at.is_(None)).values(answered_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def event_for_client(session: AsyncSession, customer_id: str, client_id: str) -> EventRow | None:
    row = await session.scalar(select(WebEvent).where(WebEvent.customer_id == customer_id, WebEvent.client_id == client_id))
    return _detach(row) if row is not None else None


async def replies_to(session: AsyncSession, event_id: int) -> list[EventRow]:
    rows = await session.scalars(select(WebEvent).where(WebEvent.reply_to == event_id).order_by(WebEvent.id))
    return [_detach(row) for row in rows]


async def events_after(session: AsyncSession, customer_id: str, after: int, limit: int) -> list[EventRow]:
    rows = await session.scalars(
        select(WebEvent).where(WebEvent.customer_id == customer_id, WebEvent.id > after).order_by(WebEvent.id).limit(limit)
    )
    return [_detach(row) for row in rows]


async def latest_event_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(WebEvent.id))) or 0)


async def add_upload(session: AsyncSession, upload: UploadInfo, data: bytes, now: dt.datetime) -> None:
    session.add(WebUpload(id=upload.id, customer_id=upload.customer_id, file_name=upload.file_name,
                          mime_type=upload.mime_type, size=upload.size, data=data, created_at=now))


async def upload_bytes(session: AsyncSession, upload_id: str) -> bytes | None:
    """An upload's bytes (callers checked the reader's rights on its `UploadInfo` first)."""
    return await session.scalar(select(WebUpload.data).where(WebUpload.id == upload_id))


async def upload(session: AsyncSession, upload_id: str) -> UploadInfo | None:
    """An upload by id, whoever owns it: callers check the reader's rights first."""
    row = await session.get(WebUpload, upload_id)
    if row is None:
        return None
    return UploadInfo(row.id, row.customer_id, row.file_name, row.mime_type, row.size)


async def recent_events(session: AsyncSession, after: int) -> list[tuple[int, str]]:
    """(id, visitor) of the events after `after`: the live poller's one query."""
    rows = (await session.execute(select(WebEvent.id, WebEvent.customer_id).where(WebEvent.id > after))).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def _detach(row: WebEvent) -> EventRow:
    return EventRow(row.id, row.sender, dict(row.payload or {}), row.client_id, row.answered_at is not None)


# -- units of work ----------------------------------------------------------------------------------


class WebChatStore:
    """The web chat's units of work: each method is one short transaction over the functions above."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def _now(self) -> dt.datetime:
        return as_utc(self.database.clock())

    async def open_session(self, token_hash: str, info: SessionInfo) -> None:
        async with self.database.sessions() as session, session.begin():
            await ensure_visitor(session, info.customer_id, info.site, info.user_id, self._now())
            await add_session(session, token_hash, info.customer_id, info.site, info.language, info.display_name, self._now())

    async def session_of(self, token_hash: str) -> SessionInfo | None:
        """The live session of a token hash: None when unknown, or idle longer than SESSION_IDLE (then
        the row is deleted). Its "last seen" moves forward when an hour old."""
        now = self._now()
        async with self.database.sessions() as session:
            found = await session_by_token(session, token_hash)
        if found is None:
            return None
        info, last_seen = found
        if now - last_seen > SESSION_IDLE:
            await self.end_session(token_hash)
            return None
        if now - last_seen >= TOUCH_EVERY:
            async with self.database.sessions() as session, session.begin():
                await touch_session(session, token_hash, now)
        return info

    async def end_session(self, token_hash: str) -> bool:
        """Delete a session (its visitor signed out or changed identity); False when there was none."""
        async with self.database.sessions() as session, session.begin():
            return await delete_session(session, token_hash)

    async def append(self, customer_id: str, events: list[NewEvent], *, reply_to: int | None = None,
                     site: str = "") -> list[int]:
        """Add events in order (the visitor's row locked: they commit in id order). An event with a
        `source` already stored is skipped (its lines were sent once)."""
        ids: list[int] = []
        async with self.database.sessions() as session, session.begin():
            await ensure_visitor(session, customer_id, site, None, self._now())
            await lock_visitor(session, customer_id)
            for event in events:
                if event.source is not None and await source_known(session, event.source):
                    continue
                ids.append(await add_event(session, customer_id, event, reply_to, self._now()))
        return ids

    async def answer(self, customer_id: str, event_id: int, events: list[NewEvent], *, site: str = "") -> bool:
        """Mark the customer's event answered and store the turn's replies, in one transaction; when it was
        answered already (another instance, without a shared lock, got there first) nothing is stored
        and the result is False."""
        async with self.database.sessions() as session, session.begin():
            await ensure_visitor(session, customer_id, site, None, self._now())
            await lock_visitor(session, customer_id)
            if not await claim_answer(session, event_id, self._now()):
                return False
            for event in events:
                await add_event(session, customer_id, event, event_id, self._now())
        return True

    async def posted(self, customer_id: str, client_id: str) -> tuple[EventRow, list[EventRow]] | None:
        """The customer's event posted with `client_id`, and the replies stored for it; None if none."""
        async with self.database.sessions() as session:
            event = await event_for_client(session, customer_id, client_id)
            if event is None:
                return None
            return event, await replies_to(session, event.id)

    async def events_after(self, customer_id: str, after: int, limit: int = 200) -> list[EventRow]:
        async with self.database.sessions() as session:
            return await events_after(session, customer_id, after, limit)

    async def latest_event_id(self) -> int:
        async with self.database.sessions() as session:
            return await latest_event_id(session)

    async def recent_events(self, after: int) -> list[tuple[int, str]]:
        async with self.database.sessions() as session:
            return await recent_events(session, after)

    async def add_upload(self, upload_info: UploadInfo, data: bytes) -> None:
        async with self.database.sessions() as session, session.begin():
            await add_upload(session, upload_info, data, self._now())

    async def upload_bytes(self, upload_id: str) -> bytes | None:
        async with self.database.sessions() as session:
            return await upload_bytes(session, upload_id)

    async def upload(self, upload_id: str) -> UploadInfo | None:
        """Any upload by id (staff pages, after their own rights check)."""
        async with self.database.sessions() as session:
            return await upload(session, upload_id)

    async def upload_of(self, customer_id: str, upload_id: str) -> UploadInfo | None:
        """The upload only when this visitor uploaded it (anyone else: None, as if it did not exist)."""
        found = await self.upload(upload_id)
        return found if found is not None and found.customer_id == customer_id else None

