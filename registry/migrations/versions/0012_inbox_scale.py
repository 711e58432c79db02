"""the curator inbox at scale: an index per sort and filter, candidate full-text search

Revision ID: 0012_inbox_scale
Revises: 0011_search_postgres
Create Date: 2026-12-07 22:30:00.000000

On PostgreSQL the backfill runs in batches of its own transactions and the indexes are built
CONCURRENTLY (outside a transaction), so the site keeps reading and harvesting meanwhile; on
SQLite everything runs in the migration's transaction (a writer holds the file anyway).
"""

from alembic import op
import sqlalchemy as sa

from registry.models.candidates import PLATFORM_BITS, search_terms


# revision identifiers, used by Alembic.
revision = "0012_inbox_scale"
down_revision = "0011_search_postgres"
branch_labels = None
depends_on = None

BATCH = 5000

# (name, table, columns): the b-tree indexes, in both databases
INDEXES = (
    ("ix_candidate_status_score_id", "candidate", ["status", "score", "id"]),
    ("ix_candidate_status_seen", "candidate", ["status", "seen_at", "id"]),
    ("ix_candidate_platform_mask", "candidate", ["platform_mask", "status"]),
    ("ix_post_source_candidate", "post", ["source_id", "candidate_id"]),
)

FTS_SQLITE = (
    "CREATE VIRTUAL TABLE candidate_fts USING fts5(search_terms, content='candidate', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER candidate_fts_insert AFTER INSERT ON candidate BEGIN "
    "INSERT INTO candidate_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END",
    "CREATE TRIGGER candidate_fts_delete AFTER DELETE ON candidate BEGIN "
    "INSERT INTO candidate_fts(candidate_fts, rowid, search_terms) "
    "VALUES ('delete', old.id, old.search_terms); END",
    "CREATE TRIGGER candidate_fts_update AFTER UPDATE OF search_terms ON candidate "
    "WHEN old.search_terms IS NOT new.search_terms BEGIN "
    "INSERT INTO candidate_fts(candidate_fts, rowid, search_terms) "
    "VALUES ('delete', old.id, old.search_terms); "
    "INSERT INTO candidate_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END",
)


def _mask_sql(dialect: str) -> str:
    cases = " ".join(f"WHEN '{name}' THEN {bit}" for name, bit in PLATFORM_BITS.items())
    if dialect == "postgresql":
        elements = "json_array_elements_text(candidate.platforms) AS p(value)"
    else:
        elements = "json_each(candidate.platforms) AS p"
    return (
        "UPDATE candidate SET seen_at = coalesce(last_seen, first_seen, created_at), "
        f"platform_mask = (SELECT coalesce(sum(CASE p.value {cases} "
        f"ELSE 0 END), 0) FROM {elements}) WHERE id > :low AND id <= :high"
    )


def _backfill(connection, dialect: str) -> None:
    """seen_at, platform_mask and search_terms of every candidate, BATCH rows at a time (on PostgreSQL
    in autocommit: each statement its own short transaction)."""
    mask = sa.text(_mask_sql(dialect))
    if dialect == "postgresql":
        terms = sa.text(
            "UPDATE candidate AS c SET search_terms = v.terms FROM unnest(CAST(:ids AS integer[]),"
            " CAST(:terms AS text[])) AS v(id, terms) WHERE c.id = v.id"
        )
    else:
        terms = sa.text("UPDATE candidate SET search_terms = :terms WHERE id = :id")
    low = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, text FROM candidate WHERE id > :low ORDER BY id LIMIT :n"),
            {"low": low, "n": BATCH},
        ).all()
        if not rows:
            break
        high = rows[-1][0]
        connection.execute(mask, {"low": low, "high": high})
        values = [(i, search_terms(t)) for i, t in rows]
        if dialect == "postgresql":
            connection.execute(
                terms, {"ids": [i for i, _ in values], "terms": [t for _, t in values]}
            )
        else:
            connection.execute(terms, [{"id": i, "terms": t} for i, t in values])
        low = high


def upgrade():
    connection = op.get_bind()
    dialect = connection.dialect.name
    op.add_column(
        "candidate", sa.Column("search_terms", sa.Text(), nullable=False, server_default="")
    )
    op.add_column("candidate", sa.Column("seen_at", sa.DateTime(), nullable=True))
    op.add_column(
        "candidate",
        sa.Column("platform_mask", sa.SmallInteger(), nullable=False, server_default="0"),
    )
    if dialect != "postgresql":
        _backfill(connection, dialect)
        for name, table, columns in INDEXES:
            op.create_index(name, table, columns)
        op.drop_index("ix_candidate_status_score", table_name="candidate")
        for statement in FTS_SQLITE:
            op.execute(statement)
        op.execute("INSERT INTO candidate_fts(candidate_fts) VALUES ('rebuild')")
        # statistics for the planner to tell a selective index from the status one
        op.execute("PRAGMA analysis_limit = 1000")
        op.execute("ANALYZE candidate")
        return
    with op.get_context().autocommit_block():
        _backfill(connection, dialect)
        for name, table, columns in INDEXES:
            op.create_index(name, table, columns, postgresql_concurrently=True)
        op.create_index(
            "ix_candidate_search_terms",
            "candidate",
            [sa.text("to_tsvector('simple', search_terms)")],
            postgresql_using="gin",
            postgresql_concurrently=True,
        )
        op.drop_index(
            "ix_candidate_status_score", table_name="candidate", postgresql_concurrently=True
        )
        op.execute("ANALYZE candidate")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.drop_index("ix_candidate_search_terms", table_name="candidate")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER candidate_fts_{trigger}")
        op.execute("DROP TABLE candidate_fts")
    op.create_index("ix_candidate_status_score", "candidate", ["status", "score"])
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    # plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch would copy the table
    op.execute("ALTER TABLE candidate DROP COLUMN platform_mask")
    op.execute("ALTER TABLE candidate DROP COLUMN search_terms")
    op.execute("ALTER TABLE candidate DROP COLUMN seen_at")
