"""Submitted forms (a broadband fault report, a complaint...): the table and its repository functions.

Each submission gets a ticket ("F7K-4Q2") the customer can type back later. Only the same channel
and customer id ever see a submission: someone else's ticket gets the same answer as one that does not
exist, so a guessed number leaks nothing. The answers are kept as the form asked them (field id ->
stored value) next to the form's id, so a later edit of the form's YAML does not rewrite history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, clock_default
from bot.storage.tickets import TicketFormat, insert_with_new_ticket

FORM_TICKETS = TicketFormat("F")
SUBMITTED = "submitted"


class FormSubmission(Base):
    """One form a customer filled in through the bot."""

    __tablename__ = "form_submissions"
    __table_args__ = (
        UniqueConstraint("ticket", name="uq_form_submission_ticket"),
        Index("ix_form_submissions_customer", "channel", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(8))
    form_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=SUBMITTED)  # submitted, or what people set later
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The title and answer lines as the customer read them, in each language, at submission: a later
    # edit of the form (options reordered, the form removed) does not change what a look-up shows.
    shown: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default, onupdate=clock_default)


async def submit_form(
    session: AsyncSession,
    *,
    form_id: str,
    channel: str,
    customer_id: str,
    conversation_id: int | None,
    language: str,
    answers: dict[str, Any],
    shown: dict[str, Any],
) -> FormSubmission:
    """Store a filled form under a new unique ticket number."""

    async def insert(ticket: str) -> FormSubmission:
        submission = FormSubmission(
            ticket=ticket,
            form_id=form_id,
            channel=channel,
            customer_id=customer_id,
            conversation_id=conversation_id,
            language=language,
            status=SUBMITTED,
            answers=answers,
            shown=shown,
        )
        session.add(submission)
        await session.flush()
        return submission

    return await insert_with_new_ticket(session, FORM_TICKETS, insert)


async def submission_for(session: AsyncSession, ticket: str, channel: str, customer_id: str) -> FormSubmission | None:
    """The customer's own submission with this ticket; None for anyone else's or a made-up one."""
    return await session.scalar(
        select(FormSubmission).where(
            FormSubmission.ticket == ticket, FormSubmission.channel == channel, FormSubmission.customer_id == customer_id
        )
    )
