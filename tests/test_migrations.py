"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from registry.app import create_app
from registry.cli.main import register_commands
from registry.extensions import db
from registry.models.candidates import FULL_TEXT_OBJECTS


def modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Whether the models describe this object: the full-text table and index of migration
    0012 live in one database each, outside the models."""
    return not (name or "").startswith(FULL_TEXT_OBJECTS)


def test_models_and_migrations_agree(app: Flask) -> None:
    from registry.search.pg_schema import METADATA as SEARCH_TABLES

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": modelled}
        )
        # the postgres search backend's tables exist on PostgreSQL only (migration 0011)
        on_postgres = conn.dialect.name == "postgresql"
        # (alembic reads a list of MetaData as its target_metadata; its stub says one)
        differences = compare_metadata(
            context,
            [db.metadata, SEARCH_TABLES] if on_postgres else db.metadata,  # type: ignore[arg-type]
        )
        search_tables = conn.exec_driver_sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'search_state'"
            if on_postgres
            else "SELECT count(*) FROM sqlite_master WHERE name = 'search_state'"
        ).scalar()
    assert differences == [], f"models differ from the migrations: {differences}"
    assert search_tables == (1 if on_postgres else 0)


def test_upgrades_and_downgrades_keep_the_rows_that_point_to_a_changed_table(
    bare_app: Flask,
) -> None:
    # a batch migration on SQLite copies a table and drops the old one: with foreign keys on,
    # that drop set post.source_id / harvest_run.source_id to NULL and deleted harvest_error
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    def counts() -> tuple[int, int, int, int]:
        with db.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM post WHERE source_id = 1),"
                    " (SELECT count(*) FROM harvest_run WHERE source_id = 1),"
                    " (SELECT count(*) FROM harvest_error WHERE run_id = 1),"
                    " (SELECT count(*) FROM post WHERE run_id = 1)"
                )
            ).one()
        return (row[0], row[1], row[2], row[3])

    with bare_app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO harvest_source (id, name, platform, query, base_url, token_env,"
                    " every_seconds, enabled, state, created_at) VALUES (1, 's', 'rss',"
                    " 'https://a.example/feed', '', '', 900, true, '{}', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO harvest_run (id, source_id, kind, label, status, started_at,"
                    " pages, fetched, new, duplicates, errors, stop_reason) VALUES (1, 1,"
                    " 'source', 's', 'done', CURRENT_TIMESTAMP, 1, 1, 1, 0, 1, '')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO harvest_error (run_id, platform, position, message, payload, at)"
                    " VALUES (1, 'rss', '1', 'broken', '', CURRENT_TIMESTAMP)"
                )
            )
            # tables 0006 leaves alone: their model's insert fills the defaults
            from registry.models import Post

            # the candidate as 0004 made it (later migrations add columns the model has)
            conn.execute(
                text(
                    "INSERT INTO candidate (id, status, score, text, platforms, post_count,"
                    " predicted, explain, model_version, reason, created_at, updated_at)"
                    " VALUES (1, 'new', 0, 't', '[\"rss\"]', 1, '{}', '[]', '', '',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                Post.__table__.insert().values(
                    platform="rss", external_id="x", text="t", candidate_id=1, source_id=1, run_id=1
                )
            )
        assert counts() == (1, 1, 1, 1)
        upgrade()
        assert counts() == (1, 1, 1, 1)
        with db.engine.connect() as conn:
            defaults = conn.execute(
                text(
                    "SELECT s.full_archive, r.removed FROM harvest_source s"
                    " JOIN harvest_run r ON r.source_id = s.id"
                )
            ).one()
        assert (bool(defaults[0]), defaults[1]) == (False, 0)
        downgrade(revision="0005")
        assert counts() == (1, 1, 1, 1)
        upgrade()
        assert counts() == (1, 1, 1, 1)


def test_a_site_without_pg_trgm_privileges_upgrades_and_the_postgres_backend_refuses_to_serve(
    database_url: str, tmp_path: Path
) -> None:
    """A role that may not create extensions (no CREATE on the database) runs every
    migration; `registry serve` with the postgres backend then refuses in one line."""
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_trgm is PostgreSQL's")
    owner = create_engine(database_url)
    with owner.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))  # pg_trgm with it
        conn.execute(
            text(
                "DO $$ BEGIN CREATE ROLE registry_no_create LOGIN; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
        )
        conn.execute(text("CREATE SCHEMA public AUTHORIZATION registry_no_create"))
    owner.dispose()
    url = make_url(database_url).set(username="registry_no_create").render_as_string(False)
    settings = {"INSTANCE_DIR": str(tmp_path / "instance"), "INDEX_DIR": str(tmp_path / "index")}
    site = create_app({**settings, "DATABASE_URL": url, "SECRET_KEY": "t", "TESTING": True})
    with site.app_context():
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM search_state")).scalar() == 1
            trigrams = conn.execute(
                text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
            )
            assert trigrams.scalar() == 0
        db.engine.dispose()
    serving = create_app(
        {**settings, "DATABASE_URL": url, "SECRET_KEY": "t", "SEARCH_BACKEND": "postgres"}
    )
    register_commands(serving)
    result = serving.test_cli_runner().invoke(args=["serve", "--port", "0"])
    with serving.app_context():
        db.engine.dispose()
    assert result.exit_code == 1
    assert "CREATE EXTENSION pg_trgm" in result.output
    assert "Traceback" not in result.output
