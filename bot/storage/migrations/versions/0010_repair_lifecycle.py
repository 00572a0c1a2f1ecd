"""Repair lifecycle: ticket_events (every change of a ticket), jobs (the durable scheduler), and the
booking's columns for what happens after it (status time, tracking number, VIP, call-back, loaner,
survey); sms_outbox.source so a notice queued twice is one SMS

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BOOKING_COLUMNS = (
    ("status_at", sa.DateTime(timezone=True)),
    ("received_at", sa.DateTime(timezone=True)),
    ("closed_at", sa.DateTime(timezone=True)),
    ("tracking_number", sa.String(64)),
    ("callback_due_at", sa.DateTime(timezone=True)),
    ("called_at", sa.DateTime(timezone=True)),
    ("loaner_out_at", sa.DateTime(timezone=True)),
    ("loaner_returned_at", sa.DateTime(timezone=True)),
    ("survey_score", sa.Integer()),
    ("survey_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch rebuild: on SQLite a rebuild drops the old table, and with foreign
    # keys on, dropping `conversations` would cascade-delete every message, escalation and topic.
    for name, type_ in BOOKING_COLUMNS:
        op.add_column("bookings", sa.Column(name, type_, nullable=True))
    op.add_column("bookings", sa.Column("vip", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("conversations", sa.Column("reminders_off", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("sms_outbox", sa.Column("source", sa.String(80), nullable=True))
    op.create_index("uq_sms_outbox_source", "sms_outbox", ["source"], unique=True)
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16)),
        sa.Column("previous", sa.String(16)),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ticket_events_booking", "ticket_events", ["booking_id", "id"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(160)),
        sa.Column("group_key", sa.String(64)),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("bookings.id", ondelete="CASCADE")),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_jobs_due", "jobs", ["status", "due_at"])
    op.create_index("ix_jobs_group", "jobs", ["group_key", "status", "due_at"])
    op.create_index("ix_jobs_booking", "jobs", ["booking_id", "status"])
    pending = sa.text("status = 'pending'")  # a key is scheduled once while pending (bot/storage/jobs.py)
    op.create_index("uq_jobs_pending_key", "jobs", ["dedupe_key"], unique=True, sqlite_where=pending, postgresql_where=pending)
    # Bookings of the release before ended as "done" when repaired; the lifecycle calls that "closed".
    op.execute("UPDATE bookings SET status = 'closed' WHERE status = 'done'")
    # Tickets booked before this release: their timeline starts with the booking, then where they are now.
    op.execute(
        "INSERT INTO ticket_events (booking_id, kind, status, actor, data, created_at) "
        "SELECT id, 'status', 'booked', 'customer', '{}', created_at FROM bookings"
    )
    op.execute(
        "INSERT INTO ticket_events (booking_id, kind, status, previous, actor, data, created_at) "
        "SELECT id, 'status', status, 'booked', 'system', '{}', updated_at FROM bookings WHERE status <> 'booked'"
    )


def downgrade() -> None:
    # The release before knew booked, cancelled and done (repaired) only.
    op.execute("UPDATE bookings SET status = 'done' WHERE status NOT IN ('booked', 'cancelled')")
    op.drop_index("uq_jobs_pending_key", table_name="jobs")
    op.drop_index("ix_jobs_booking", table_name="jobs")
    op.drop_index("ix_jobs_group", table_name="jobs")
    op.drop_index("ix_jobs_due", table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("ix_ticket_events_booking", table_name="ticket_events")
    op.drop_table("ticket_events")
    op.drop_index("uq_sms_outbox_source", table_name="sms_outbox")
    # DROP COLUMN (SQLite 3.35+) alters in place: no rebuild, no cascade.
    op.drop_column("sms_outbox", "source")
    op.drop_column("conversations", "reminders_off")
    op.drop_column("bookings", "vip")
    for name, _ in reversed(BOOKING_COLUMNS):
        op.drop_column("bookings", name)
