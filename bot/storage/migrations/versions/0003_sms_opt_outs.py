"""sms opt-outs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_opt_outs",
        sa.Column("phone", sa.String(32), primary_key=True),
        sa.Column("opted_out", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sms_opt_outs_updated_at", "sms_opt_outs", ["updated_at"])


def downgrade() -> None:
    op.drop_table("sms_opt_outs")
