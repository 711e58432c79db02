"""harvest: full-archive search per source, posts removed by recheck, tombstone reasons

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 00:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE ... ADD COLUMN on both databases (a batch operation would copy the
    # table on SQLite); constant server defaults fill the rows that exist already
    op.add_column(
        "harvest_source",
        sa.Column("full_archive", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )
    op.add_column(
        "harvest_run", sa.Column("removed", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "harvest_tombstone",
        sa.Column("reason", sa.String(length=64), nullable=False, server_default=""),
    )


def downgrade():
    with op.batch_alter_table("harvest_tombstone") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("harvest_run") as batch:
        batch.drop_column("removed")
    with op.batch_alter_table("harvest_source") as batch:
        batch.drop_column("full_archive")
