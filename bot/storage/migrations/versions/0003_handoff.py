"""human hand-off: escalation details, internal notes, hand-off outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("agent_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("agent_name", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_announced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_ack_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("desk_chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("topic_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("card_message_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("survey_score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("survey_comment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("survey_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_escalations_conversation_status", ["conversation_id", "status"], unique=False)
        batch_op.create_index("ix_escalations_topic", ["desk_chat_id", "topic_id"], unique=False)

    op.create_table(
        "escalation_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("agent_name", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("escalation_notes", schema=None) as batch_op:
        batch_op.create_index("ix_escalation_notes_escalation", ["escalation_id", "created_at"], unique=False)

    op.create_table(
        "handoff_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handoff_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_handoff_outbox_due", ["target", "status", "not_before", "id"], unique=False)
        batch_op.create_index("ix_handoff_outbox_conversation", ["conversation_id", "target", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("handoff_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_handoff_outbox_conversation")
        batch_op.drop_index("ix_handoff_outbox_due")
    op.drop_table("handoff_outbox")
    with op.batch_alter_table("escalation_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_notes_escalation")
    op.drop_table("escalation_notes")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_topic")
        batch_op.drop_index("ix_escalations_conversation_status")
        for column in (
            "survey_at", "survey_comment", "survey_score", "card_message_id", "topic_id", "desk_chat_id",
            "last_ack_at", "last_announced_at", "due_at", "resolution", "resolved_at", "assigned_at",
            "agent_name", "agent_id", "language",
        ):
            batch_op.drop_column(column)
