"""staff roles ("staff" or "reviewer") and review labels (what reviewers said the bot should have understood,
with the message's text masked, so labels outlive the conversation under the retention purge)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="staff"))
    op.create_table(
        "review_labels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("question", sa.String(32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("bot_said", sa.String(64), nullable=True),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("labelled_by", sa.String(64), nullable=False),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("second_by", sa.String(64), nullable=True),
        sa.Column("second_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("item_key", "kind", name="uq_review_labels_item_kind"),
    )
    op.create_index("ix_review_labels_status", "review_labels", ["status"])


def downgrade() -> None:
    op.drop_table("review_labels")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("role")
