"""the curator inbox at scale: an index per sort and filter, candidate full-text search

Revision ID: 0012_inbox_scale
Revises: 0011_search_postgres
Create Date: 2026-12-07 22:30:00.000000

On PostgreSQL the backfill runs in batches of its own transactions and the indexes are built
CONCURRENTLY (outside a transaction), so the site keeps reading and harvesting meanwhile; on
SQLite everything runs in the migration's transaction (a writer holds the file anyway).
"""

import json

from alembic import op
import sqlalchemy as sa

from registry.models.candidates import platform_mask, search_terms


# revision identifiers, used by Alembic.
revision = "0012_inbox_scale"
down_revision = "0011_search_postgres"
branch_labels = None
depends_on = None

BATCH = 5000
SEEN_DEFAULT = sa.text("CURRENT_TIMESTAMP")

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


def _backfill(connection, dialect: str, only: str = "TRUE") -> None:
    """seen_at, platform_mask and search_terms of every candidate (or those matching the SQL
    condition ``only``), BATCH rows at a time, each row updated once (on PostgreSQL in
    autocommit: each statement its own short transaction)."""
    seen = "seen_at = coalesce(last_seen, first_seen, created_at)"
    if dialect == "postgresql":
        update = sa.text(
            f"UPDATE candidate AS c SET {seen}, search_terms = v.terms, platform_mask = v.mask"
            " FROM unnest(CAST(:ids AS integer[]), CAST(:terms AS text[]),"
            " CAST(:masks AS integer[])) AS v(id, terms, mask) WHERE c.id = v.id"
        )
    else:
        update = sa.text(
            f"UPDATE candidate SET {seen}, search_terms = :terms, platform_mask = :mask"
            " WHERE id = :id"
        )
    low = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, text, platforms, merged_into_id FROM candidate WHERE id > :low"
                f" AND ({only}) ORDER BY id LIMIT :n"
            ),
            {"low": low, "n": BATCH},
        ).all()
        if not rows:
            break
        # a candidate merged into another has no posts left: no platform to filter it by
        values = [
            (i, search_terms(body), 0 if merged else platform_mask(_platforms(platforms)))
            for i, body, platforms, merged in rows
        ]
        if dialect == "postgresql":
            connection.execute(
                update,
                {
                    "ids": [v[0] for v in values],
                    "terms": [v[1] for v in values],
                    "masks": [v[2] for v in values],
                },
            )
        else:
            connection.execute(update, [{"id": i, "terms": t, "mask": m} for i, t, m in values])
        low = rows[-1][0]


def catch_up(connection, dialect: str) -> None:
    """The rows that code older than this migration wrote after their batch (PostgreSQL's
    backfill does not stop the site): a new candidate's derived columns empty, a grown one's
    seen_at behind its last_seen. One pass over the table; a candidate whose text has no
    searchable word is read again, harmlessly."""
    _backfill(
        connection,
        dialect,
        only="(search_terms = '' AND text <> '')"
        " OR (platform_mask = 0 AND merged_into_id IS NULL"
        " AND CAST(platforms AS TEXT) NOT IN ('[]', 'null', ''))",
    )
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    seen = "coalesce(last_seen, first_seen, created_at)"
    connection.execute(
        sa.text(f"UPDATE candidate SET seen_at = {seen} WHERE seen_at {differs} {seen}")
    )


def _seen_at_not_null() -> None:
    """NOT NULL on PostgreSQL without a long exclusive lock: a CHECK validated while writes go
    on lets SET NOT NULL skip its scan of the table."""
    op.execute(
        "ALTER TABLE candidate ADD CONSTRAINT candidate_seen_at_not_null"
        " CHECK (seen_at IS NOT NULL) NOT VALID"
    )
    op.execute("ALTER TABLE candidate VALIDATE CONSTRAINT candidate_seen_at_not_null")
    op.execute("ALTER TABLE candidate ALTER COLUMN seen_at SET NOT NULL")
    op.execute("ALTER TABLE candidate DROP CONSTRAINT candidate_seen_at_not_null")


def _platforms(value) -> list:
    """A candidate's platforms as the driver gives the JSON column: decoded or as text."""
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [p for p in value or [] if isinstance(p, str)]


def upgrade():
    connection = op.get_bind()
    dialect = connection.dialect.name
    op.add_column(
        "candidate", sa.Column("search_terms", sa.Text(), nullable=False, server_default="")
    )
    # a default for rows that code older than this migration writes meanwhile (a new
    # candidate is seen now); SQLite cannot add a column with one: its batch below sets it
    op.add_column(
        "candidate",
        sa.Column(
            "seen_at",
            sa.DateTime(),
            nullable=True,
            server_default=SEEN_DEFAULT if dialect == "postgresql" else None,
        ),
    )
    op.add_column(
        "candidate",
        sa.Column("platform_mask", sa.SmallInteger(), nullable=False, server_default="0"),
    )
    if dialect != "postgresql":
        _backfill(connection, dialect)
        # before the new indexes and the FTS triggers, so that the copy carries neither
        with op.batch_alter_table("candidate") as batch:
            batch.alter_column(
                "seen_at",
                existing_type=sa.DateTime(),
                nullable=False,
                server_default=SEEN_DEFAULT,
            )
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
        catch_up(connection, dialect)
        _seen_at_not_null()
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
