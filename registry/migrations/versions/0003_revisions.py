"""revisions: an owner's pending edit of a published innovation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 19:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("innovation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_changes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("pending_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_innovation_pending_at"), ["pending_at"], unique=False)


def downgrade():
    with op.batch_alter_table("innovation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_innovation_pending_at"))
        batch_op.drop_column("pending_at")
        batch_op.drop_column("pending_changes")
