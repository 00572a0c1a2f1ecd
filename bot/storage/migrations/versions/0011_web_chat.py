"""Web chat: visitors, their sessions, their events (what the widget shows) and uploads

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webchat_visitors",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    visitor = sa.ForeignKey("webchat_visitors.customer_id", ondelete="CASCADE")
    op.create_table(
        "webchat_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(64), visitor, nullable=False),
        sa.Column("site", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("display_name", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "webchat_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("webchat_visitors.customer_id", ondelete="CASCADE"), nullable=False),
        sa.Column("sender", sa.String(8), nullable=False),
        sa.Column("client_id", sa.String(64)),
        sa.Column("reply_to", sa.Integer()),
        sa.Column("source", sa.String(80)),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("customer_id", "client_id", name="uq_webchat_event_client"),
        sa.UniqueConstraint("source", name="uq_webchat_event_source"),
    )
    op.create_index("ix_webchat_events_customer", "webchat_events", ["customer_id", "id"])
    op.create_table(
        "webchat_uploads",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("webchat_visitors.customer_id", ondelete="CASCADE"), nullable=False),
        sa.Column("file_name", sa.String(80), nullable=False),
        sa.Column("mime_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("webchat_uploads")
    op.drop_table("webchat_events")
    op.drop_table("webchat_sessions")
    op.drop_table("webchat_visitors")
