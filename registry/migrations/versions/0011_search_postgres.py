"""the PostgreSQL search backend's tables (issue 14); nothing on SQLite

Revision ID: 0011_search_postgres
Revises: 0010_replication
Create Date: 2026-12-07 22:00:00.000000

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "0011_search_postgres"
down_revision = "0010_replication"
branch_labels = None
depends_on = None


TRIGRAM_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_search_vocabulary_trgm ON search_vocabulary "
    "USING gin (word gin_trgm_ops)"
)


def _create_pg_trgm(bind) -> bool:
    """Create pg_trgm when the server has it and we may; whether it is there afterwards.

    Only the postgres search backend needs it (and refuses to start without it): a site that
    keeps Whoosh upgrades without it, or without the privilege to create it.
    """
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar()
    if available:
        savepoint = bind.begin_nested()
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError:  # no CREATE privilege on the database
            savepoint.rollback()
        else:
            savepoint.commit()
    return bool(
        bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar()
    )


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # the postgres search backend is refused on SQLite
    trigrams = _create_pg_trgm(bind)
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("terms", postgresql.TSVECTOR(), nullable=False),
        sa.Column("published", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.Column("sectors", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("focus", sa.String(length=40), nullable=False),
        sa.Column("innovator_type", sa.String(length=40), nullable=False),
        sa.Column("province", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("regency", sa.String(length=20), nullable=False),
        sa.Column("operating_status", sa.String(length=40), nullable=False),
        sa.Column("replicated", sa.String(length=5), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_search_document_terms", "search_document", ["terms"], postgresql_using="gin"
    )
    op.create_index(
        "ix_search_document_newest",
        "search_document",
        [sa.text("published DESC"), sa.text("id DESC")],
    )
    op.create_table(
        "search_text",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("texts", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("spell", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "search_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("head", postgresql.TSVECTOR(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_search_head_head", "search_head", ["head"], postgresql_using="gin")
    # narrow rows: the full terms out of line, the ranking terms in line
    # (registry/search/pg_schema.py, NARROW)
    op.execute("ALTER TABLE search_document ALTER COLUMN terms SET STORAGE EXTERNAL")
    op.execute("ALTER TABLE search_head ALTER COLUMN head SET STORAGE MAIN")
    op.create_table(
        "search_vocabulary",
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("word"),
    )
    if trigrams:  # else `registry index rebuild` makes it once pg_trgm is there
        op.execute(TRIGRAM_INDEX)
    op.create_table(
        "search_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("built", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # not built yet: `registry init` (or `registry index rebuild`) fills the documents
    op.execute("INSERT INTO search_state (id, version, generation, built) VALUES (1, 0, 0, false)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("search_state")
    op.execute("DROP INDEX IF EXISTS ix_search_vocabulary_trgm")
    op.drop_table("search_vocabulary")
    op.drop_index("ix_search_head_head", table_name="search_head")
    op.drop_table("search_head")
    op.drop_table("search_text")
    op.drop_index("ix_search_document_newest", table_name="search_document")
    op.drop_index("ix_search_document_terms", table_name="search_document")
    op.drop_table("search_document")
