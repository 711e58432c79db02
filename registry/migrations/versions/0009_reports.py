"""reports: citizen reports, their events and attachments, routing rules

Revision ID: 0009_reports
Revises: 0006
Create Date: 2026-12-07 15:49:52.202835

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009_reports"
down_revision = "0007_account_security"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=True),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_report_route_region_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["to_id"], ["user.id"], name=op.f("fk_report_route_to_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_route")),
    )
    op.create_index("ix_report_route_category", "report_route", ["category"], unique=False)
    op.create_index("ix_report_route_to_id", "report_route", ["to_id"], unique=False)

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(length=24), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("regency_code", sa.String(length=8), nullable=True),
        sa.Column("innovation_id", sa.Integer(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("reporter_name", sa.String(length=200), nullable=False),
        sa.Column("reporter_email", sa.String(length=254), nullable=False),
        sa.Column("reporter_phone", sa.String(length=40), nullable=False),
        sa.Column("addressee_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reject_reason", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("dispose_due", sa.DateTime(), nullable=False),
        sa.Column("respond_due", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("disposed_at", sa.DateTime(), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["addressee_id"],
            ["user.id"],
            name=op.f("fk_report_addressee_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["innovation_id"],
            ["innovation.id"],
            name=op.f("fk_report_innovation_id_innovation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["region.code"], name=op.f("fk_report_province_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["regency_code"], ["region.code"], name=op.f("fk_report_regency_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("tracking_code", name=op.f("uq_report_tracking_code")),
    )
    op.create_index(
        "ix_report_addressee_status_due",
        "report",
        ["addressee_id", "status", "due_at"],
        unique=False,
    )
    op.create_index("ix_report_category", "report", ["category"], unique=False)
    op.create_index("ix_report_innovation_id", "report", ["innovation_id"], unique=False)
    op.create_index("ix_report_province_code", "report", ["province_code"], unique=False)
    op.create_index(
        "ix_report_public_received",
        "report",
        ["confidential", "received_at", "id", "status"],
        unique=False,
    )
    op.create_index("ix_report_regency_code", "report", ["regency_code"], unique=False)
    op.create_index("ix_report_due_queue", "report", ["due_at", "id", "status"], unique=False)
    op.create_index(
        "ix_report_status_responded", "report", ["status", "responded_at"], unique=False
    )

    op.create_table(
        "report_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_report_event_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_event_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_event")),
    )
    op.create_index("ix_report_event_report_id", "report_event", ["report_id"], unique=False)

    op.create_table(
        "report_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["report_event.id"],
            name=op.f("fk_report_attachment_event_id_report_event"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_attachment_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_report_attachment_stored_name")),
    )
    op.create_index(
        "ix_report_attachment_report_id", "report_attachment", ["report_id"], unique=False
    )


def downgrade():
    # dropping a table drops its indexes
    op.drop_table("report_attachment")
    op.drop_table("report_event")
    op.drop_table("report")
    op.drop_table("report_route")
