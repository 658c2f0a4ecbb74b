"""staff console: staff accounts, sign-in sessions, staff actions, and who claimed or closed a handoff

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot drop these columns again on downgrade without it.
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(16), nullable=True))

    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("username", name="uq_staff_users_username"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], name="fk_staff_sessions_user_id",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])
    op.create_index("ix_staff_sessions_expires_at", "staff_sessions", ["expires_at"])
    op.create_table(
        "staff_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        # Retention deletes handoffs; their action records go with them.
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], name="fk_staff_actions_handoff_id",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_staff_actions_handoff_id", "staff_actions", ["handoff_id"])


def downgrade() -> None:
    op.drop_table("staff_actions")
    op.drop_table("staff_sessions")
    op.drop_table("staff_users")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("resolution")
        batch.drop_column("closed_by")
        batch.drop_column("claimed_at")
