"""Migration 0007_account_security: the user table rebuilt on SQLite (AUTOINCREMENT) keeps its
rows, ids and every row that points at it; ids are never handed out twice afterwards."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from registry.extensions import db


def _counts() -> tuple[int, ...]:
    with db.engine.connect() as conn:
        row = conn.execute(
            text(
                'SELECT (SELECT count(*) FROM "user"),'
                " (SELECT count(*) FROM api_token WHERE user_id = 2),"
                " (SELECT count(*) FROM innovation WHERE owner_id = 2),"
                " (SELECT count(*) FROM review_event WHERE actor_id = 2)"
            )
        ).one()
    return tuple(row)


def test_the_user_table_keeps_its_rows_and_never_reuses_an_id(bare_app: Flask) -> None:
    from flask_migrate import downgrade, upgrade

    from registry.models import User

    with bare_app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            for user_id in (1, 2):
                conn.execute(
                    text(
                        'INSERT INTO "user" (email, password_hash, role, name, active,'
                        " failed_logins, created_at) VALUES (:email, '', 'institution', '',"
                        " true, 0, CURRENT_TIMESTAMP)"
                    ),
                    {"email": f"u{user_id}@example.org"},  # ids 1 and 2
                )
            conn.execute(
                text(
                    "INSERT INTO api_token (user_id, token_hash, prefix, created_at)"
                    " VALUES (2, 'h', 'li_', CURRENT_TIMESTAMP)"
                )
            )
            # plain SQL in 0006's columns (the models have columns later migrations add)
            conn.execute(
                text(
                    "INSERT INTO innovation (id, slug, title, summary, background, innovation,"
                    " implementation, results, adaptability, resources, sustainability,"
                    " innovator_name, unit, links, contact_email, status, origin, owner_id,"
                    " created_at, updated_at) VALUES (1, 's', 't', '', '', '', '', '', '', '',"
                    " '', '', '', '[]', '', 'draft', 'form', 2, CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO review_event (innovation_id, actor, actor_id, at, to_status,"
                    " note) VALUES (1, 'u2', 2, CURRENT_TIMESTAMP, 'draft', '')"
                )
            )
        assert _counts() == (2, 1, 1, 1)
        upgrade()
        assert _counts() == (2, 1, 1, 1)
        tokens = db.session.scalars(db.select(User.session_token)).all()
        assert len(set(tokens)) == 2 and all(len(t) >= 20 for t in tokens)
        db.session.remove()
        downgrade(revision="0006")
        assert _counts() == (2, 1, 1, 1)
        upgrade()
        assert _counts() == (2, 1, 1, 1)

        # the highest id goes away: the next account gets a new one (SQLite reused it)
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM review_event"))
            conn.execute(text("DELETE FROM innovation"))
            conn.execute(text("DELETE FROM api_token"))
            conn.execute(text('DELETE FROM "user" WHERE id = 2'))
        db.session.add(User(email="neu@example.org", password_hash="", role="curator"))
        db.session.commit()
        assert db.session.scalar(db.select(User.id).where(User.email == "neu@example.org")) == 3
