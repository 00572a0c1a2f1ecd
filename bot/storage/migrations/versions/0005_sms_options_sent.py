"""SMS: how many numbered options of a cut reply reached the customer

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sms_contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("more_options_sent", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sms_contacts", schema=None) as batch_op:
        batch_op.drop_column("more_options_sent")
