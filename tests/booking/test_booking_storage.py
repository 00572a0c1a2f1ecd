"""The booking tables on SQLite and PostgreSQL: migration, seats, moving and cancelling."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import inspect, select

from bot.storage import Database
from bot.storage.booking import (
    Booking,
    SlotFull,
    SlotSeat,
    as_utc,
    booking_for,
    cancel_booking,
    create_booking,
    customer_bookings,
    move_booking,
    seats_taken,
)
from bot.storage.database import alembic_config
from tests.booking.test_booking_concurrency import _request

TEN = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
ELEVEN = TEN + dt.timedelta(hours=1)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = await Database.connect(database_url)
    yield database
    await database.close()


async def test_migration_creates_and_drops_the_tables(database: Database) -> None:
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"bookings", "slot_seats"} <= tables
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0001"))
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "bookings" not in tables and "conversations" in tables
        await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))


async def test_seats_move_and_cancel(database: Database) -> None:
    async with database.sessions() as session, session.begin():
        first = await create_booking(session, _request(1, TEN), capacity=1)
        second = await create_booking(session, _request(2, ELEVEN), capacity=1)
        with pytest.raises(SlotFull):
            await create_booking(session, _request(3, TEN), capacity=1)
        assert await seats_taken(session, "bj-chaoyang", "store", TEN, TEN + dt.timedelta(days=1)) == {TEN: 1, ELEVEN: 1}
        with pytest.raises(SlotFull):  # ELEVEN is full: the booking keeps its slot
            await move_booking(session, first, ELEVEN, ELEVEN + dt.timedelta(hours=1), capacity=1)
        assert as_utc(first.slot_start) == TEN
        await cancel_booking(session, second)
        await move_booking(session, first, ELEVEN, ELEVEN + dt.timedelta(hours=1), capacity=1)
        assert await seats_taken(session, "bj-chaoyang", "store", TEN, TEN + dt.timedelta(days=1)) == {ELEVEN: 1}
        ticket = first.ticket
    async with database.sessions() as session:
        assert await booking_for(session, ticket, "console", "r1") is not None
        assert await booking_for(session, ticket, "console", "r2") is None
        assert await booking_for(session, ticket, "telegram", "r1") is None
        assert [b.ticket for b in await customer_bookings(session, "console", "r1")] == [ticket]
        seats = (await session.scalars(select(SlotSeat))).all()
        assert [(s.seat, s.booking_id) for s in seats] == [(1, first.id)]
        assert len((await session.scalars(select(Booking))).all()) == 2
