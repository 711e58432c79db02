"""replication, operating status, saved searches and the notice log

Revision ID: 0010_replication
Revises: 0006
Create Date: 2026-12-07 16:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_replication"
down_revision = "0009_reports"
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE ... ADD COLUMN on both databases (see 0006)
    op.add_column(
        "innovation",
        sa.Column(
            "operating_status",
            sa.String(length=20),
            nullable=False,
            server_default="tidak-diketahui",
        ),
    )
    op.add_column("innovation", sa.Column("verified_at", sa.DateTime(), nullable=True))
    op.add_column("innovation", sa.Column("replicates_id", sa.Integer(), nullable=True))
    op.create_table(
        "replication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("original_id", sa.Integer(), nullable=False),
        sa.Column("replica_id", sa.Integer(), nullable=True),
        sa.Column("adopter_user_id", sa.Integer(), nullable=True),
        sa.Column("adopter_key", sa.String(length=240), nullable=False),
        sa.Column("adopter_name", sa.String(length=200), nullable=False),
        sa.Column("innovator_type", sa.String(length=32), nullable=True),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("regency_code", sa.String(length=8), nullable=True),
        sa.Column("facilitator", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["original_id"],
            ["innovation.id"],
            name=op.f("fk_replication_original_id_innovation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replica_id"],
            ["innovation.id"],
            name=op.f("fk_replication_replica_id_innovation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["adopter_user_id"],
            ["user.id"],
            name=op.f("fk_replication_adopter_user_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user.id"],
            name=op.f("fk_replication_decided_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["region.code"], name=op.f("fk_replication_province_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["regency_code"], ["region.code"], name=op.f("fk_replication_regency_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replication")),
        sa.UniqueConstraint("original_id", "adopter_key", name="uq_replication_original_adopter"),
    )
    for column in ("original_id", "replica_id", "adopter_user_id", "province_code", "status"):
        op.create_index(op.f(f"ix_replication_{column}"), "replication", [column], unique=False)
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("search", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(), nullable=True),
        sa.Column("digest_through", sa.DateTime(), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
    )
    op.create_index(op.f("ix_subscription_email"), "subscription", ["email"], unique=False)
    op.create_index(
        "ix_subscription_due", "subscription", ["frequency", "confirmed_at"], unique=False
    )
    op.create_table(
        "notice_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_log")),
        sa.UniqueConstraint("kind", "key", name="uq_notice_log_kind_key"),
    )
    op.create_index(op.f("ix_notice_log_at"), "notice_log", ["at"], unique=False)


def downgrade():
    op.drop_table("notice_log")
    op.drop_table("subscription")
    op.drop_table("replication")
    with op.batch_alter_table("innovation") as batch:
        batch.drop_column("replicates_id")
        batch.drop_column("verified_at")
        batch.drop_column("operating_status")
