"""telegram_topics: an escalation's forum topic and card move out of `escalations`

The hand-off core is channel-agnostic; where an escalation lives in the Telegram agents' chat is the
Telegram channel's data. Existing topics are read, the columns and their index dropped, and the
topics written to the new table (the downgrade does the reverse).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# On SQLite a batch alter re-creates `escalations`, and dropping the old copy cascades to every table
# referring to it (foreign keys are on): so rows are read into memory first and written after.
TOPICS = sa.table(
    "telegram_topics",
    sa.column("escalation_id", sa.Integer()),
    sa.column("chat_id", sa.BigInteger()),
    sa.column("topic_id", sa.BigInteger()),
    sa.column("card_message_id", sa.BigInteger()),
)
ESCALATIONS = sa.table(
    "escalations",
    sa.column("id", sa.Integer()),
    sa.column("desk_chat_id", sa.BigInteger()),
    sa.column("topic_id", sa.BigInteger()),
    sa.column("card_message_id", sa.BigInteger()),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(ESCALATIONS.c.id, ESCALATIONS.c.desk_chat_id, ESCALATIONS.c.topic_id, ESCALATIONS.c.card_message_id).where(
            ESCALATIONS.c.desk_chat_id.is_not(None)
        )
    ).all()
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_topic")
        batch_op.drop_column("card_message_id")
        batch_op.drop_column("topic_id")
        batch_op.drop_column("desk_chat_id")
    op.create_table(
        "telegram_topics",
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("topic_id", sa.BigInteger(), nullable=True),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("escalation_id"),
    )
    op.create_index("ix_telegram_topics_topic", "telegram_topics", ["chat_id", "topic_id"])
    if rows:
        op.bulk_insert(
            TOPICS,
            [{"escalation_id": e, "chat_id": c, "topic_id": t, "card_message_id": m} for e, c, t, m in rows],
        )


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(TOPICS)).all()
    op.drop_index("ix_telegram_topics_topic", table_name="telegram_topics")
    op.drop_table("telegram_topics")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("desk_chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("topic_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("card_message_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_escalations_topic", ["desk_chat_id", "topic_id"], unique=False)
    for escalation_id, chat_id, topic_id, card_message_id in rows:
        bind.execute(
            sa.update(ESCALATIONS)
            .where(ESCALATIONS.c.id == escalation_id)
            .values(desk_chat_id=chat_id, topic_id=topic_id, card_message_id=card_message_id)
        )
