"""A knowledge base that learns: suggestions and knowledge-base versions

kb_signals (what the bot failed on, cleaned), kb_suggestions (signals grouped, and the supervisor's
decision), kb_versions (the learned additions, published and rolled back) and kb_learning_state (the
active version, the collection's cursor): bot/storage/suggestions.py. kb_checks (the evaluations a
publish needs, shared by every instance): bot/storage/kb_checks.py.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_suggestions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("script", sa.String(2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("intent_id", sa.String(128)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("target_intent", sa.String(128)),
        sa.Column("new_intent", sa.JSON()),
        sa.Column("decided_by", sa.String(255)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("version_id", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kb_suggestions_status_count", "kb_suggestions", ["status", "count"])
    op.create_table(
        "kb_signals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reply_id", sa.Integer()),
        sa.Column("conversation_id", sa.Integer(), sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("script", sa.String(2), nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("intent_id", sa.String(128)),
        sa.Column("confidence", sa.Float()),
        sa.Column("suggestion_id", sa.Integer(), sa.ForeignKey("kb_suggestions.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "message_id", name="uq_kb_signal_source_message"),
    )
    op.create_index("ix_kb_signals_suggestion", "kb_signals", ["suggestion_id"])
    op.create_table(
        "kb_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("additions", sa.JSON(), nullable=False),
        sa.Column("based_on", sa.Integer()),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("evaluation", sa.JSON()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "kb_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("staged", sa.Integer(), nullable=False),
        sa.Column("checked_by", sa.String(255), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kb_checks_digest", "kb_checks", ["digest"])
    op.create_table(
        "kb_learning_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kb_learning_state")
    op.drop_index("ix_kb_checks_digest", table_name="kb_checks")
    op.drop_table("kb_checks")
    op.drop_table("kb_versions")
    op.drop_index("ix_kb_signals_suggestion", table_name="kb_signals")
    op.drop_table("kb_signals")
    op.drop_index("ix_kb_suggestions_status_count", table_name="kb_suggestions")
    op.drop_table("kb_suggestions")
