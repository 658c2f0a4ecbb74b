"""number reveals (who showed a person's full phone number, when, for which handoff or callback request), who
last changed a callback request's status, and what became of staff replies sent by text (message_deliveries)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "number_reveals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("callback_id", sa.Integer(), nullable=True),
        # Retention and "delete my chat" delete handoffs and callback requests; their reveals go with them.
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], name="fk_number_reveals_handoff_id",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["callback_id"], ["callback_requests.id"], name="fk_number_reveals_callback_id",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_number_reveals_handoff_id", "number_reveals", ["handoff_id"])
    op.create_index("ix_number_reveals_callback_id", "number_reveals", ["callback_id"])
    op.create_table(
        "message_deliveries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_message_deliveries_conversation_id", "message_deliveries", ["conversation_id"])
    op.create_index("ix_message_deliveries_created_at", "message_deliveries", ["created_at"])
    # Batch mode: SQLite cannot drop the columns again on downgrade without it.
    with op.batch_alter_table("callback_requests") as batch:
        batch.add_column(sa.Column("status_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("status_at", sa.DateTime(timezone=True), nullable=True))
    # "closed" was never written by the project; if a clinic's own tool did, it means done.
    op.execute("UPDATE callback_requests SET status = 'called' WHERE status = 'closed'")


def downgrade() -> None:
    with op.batch_alter_table("callback_requests") as batch:
        batch.drop_column("status_at")
        batch.drop_column("status_by")
    op.drop_table("message_deliveries")
    op.drop_table("number_reveals")
