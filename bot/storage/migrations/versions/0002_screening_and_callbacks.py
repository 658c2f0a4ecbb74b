"""screening results and callback requests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_screening_results_conversation_id", "screening_results", ["conversation_id"])
    op.create_index("ix_screening_results_created_at", "screening_results", ["created_at"])
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("best_time", sa.String(120), nullable=False),
        sa.Column("screening_outcome", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_callback_requests_conversation_id", "callback_requests", ["conversation_id"])
    op.create_index("ix_callback_requests_status", "callback_requests", ["status"])
    op.create_index("ix_callback_requests_created_at", "callback_requests", ["created_at"])


def downgrade() -> None:
    op.drop_table("callback_requests")
    op.drop_table("screening_results")
