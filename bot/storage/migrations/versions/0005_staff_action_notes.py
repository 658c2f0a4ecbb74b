"""staff action notes: the note written when a conversation at risk is handed back and stays in the queue

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot drop the column again on downgrade without it.
    with op.batch_alter_table("staff_actions") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_actions") as batch:
        batch.drop_column("note")
