"""claims: leases on the hand-off outbox and the SMS inbox, and the registry of running instances

Several instances on one PostgreSQL database must do once what one process did alone: an outbox row
is claimed (`claimed_by`, `lease_until`) before it is sent, an inbound SMS is leased by the instance
processing it, so a restart replays only rows whose lease expired (their instance died). Each running
instance registers in `bot_instances` and heartbeats, so a second instance on a setup that cannot
share work (SQLite, or no Redis) is refused.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column (no batch re-create): on SQLite a table re-create would cascade-delete rows
    # referring to these tables; adding nullable columns needs no re-create.
    op.add_column("handoff_outbox", sa.Column("claimed_by", sa.String(length=64), nullable=True))
    op.add_column("handoff_outbox", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("sms_inbox", sa.Column("claimed_by", sa.String(length=64), nullable=True))
    op.add_column("sms_inbox", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "bot_instances",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("bot_instances")
    with op.batch_alter_table("sms_inbox", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("handoff_outbox", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
