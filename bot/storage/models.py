"""The tables. Conversation state lives here so a restarted process continues where it was."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.clock import system_clock

CLOCK_OPTION = "supportbot_clock"
"""The execution option through which `Database` gives every statement the bot's one clock."""


def clock_default(context: ExecutionContext) -> datetime:
    """Column default: now by the bot's injected clock (see `Database.connect`), in UTC.

    SQLAlchemy passes the statement's execution context, whose options carry the clock, so ORM and Core
    inserts and updates are stamped by the same clock as the rest of the bot.
    """
    clock = context.execution_options.get(CLOCK_OPTION, system_clock)
    return clock()


class Base(DeclarativeBase):
    """Declarative base for every supportbot table."""


class Conversation(Base):
    """One customer on one channel, with the state of whatever flow they are in."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "customer_id", name="uq_conversation_customer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8))
    # Set when the customer picked a language explicitly; detection then only overrides it for clear text.
    language_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    low_confidence_streak: Mapped[int] = mapped_column(Integer, default=0)
    # The customer asked for no reminders they did not ask for (warranty expiry): bot/repairs/.
    reminders_off: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock_default, onupdate=clock_default)


class Message(Base):
    """Every message in and out: the transcript agents read, with what the bot understood."""

    __tablename__ = "messages"
    __table_args__ = (
        # A channel redelivering the same message (same external id) is recognised and not answered twice.
        UniqueConstraint("conversation_id", "direction", "external_id", name="uq_message_external"),
        Index("ix_messages_conversation_created", "conversation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    kind: Mapped[str] = mapped_column(String(16))  # InboundKind for "in", ReplyKind for "out"
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    intent_id: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float | None] = mapped_column(Float)
    external_id: Mapped[str | None] = mapped_column(String(128))
    attachment: Mapped[str | None] = mapped_column(String(512))  # e.g. "telegram:photo:<file_id>"
    feedback: Mapped[int | None] = mapped_column(Integer)  # +1 / -1 on an answer
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock_default)


class Escalation(Base):
    """A conversation handed to people: the human queue (see bot/handoff/).

    waiting → assigned (an agent took it) → resolved (closed by an agent, or given back to the bot);
    abandoned when the customer went back to the bot before anyone answered... or while someone did.
    `due_at` is the service-level deadline of whatever the customer waits for now (a first answer
    while waiting, the agent's reply while assigned), None when nothing is due.
    """

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_status_priority", "status", "priority", "created_at"),
        Index("ix_escalations_conversation_status", "conversation_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | assigned | resolved | abandoned
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock_default, onupdate=clock_default)
    language: Mapped[str | None] = mapped_column(String(8))  # the conversation's language when handed off
    agent_id: Mapped[str | None] = mapped_column(String(32))  # e.g. the agent's Telegram user id
    agent_name: Mapped[str | None] = mapped_column(String(128))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # first taken: the measured wait ends
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(16))  # closed | to_bot | cancelled
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_ack_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # last "you are number N" line
    survey_score: Mapped[int | None] = mapped_column(Integer)  # 1..5
    survey_comment: Mapped[str | None] = mapped_column(Text)
    survey_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BotInstance(Base):
    """A running `supportbot serve`, heartbeating while it runs (bot/instances.py): how a second
    instance learns it is not alone, and is refused where the setup cannot share the work."""

    __tablename__ = "bot_instances"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # `Database.instance`: also who claims rows
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
