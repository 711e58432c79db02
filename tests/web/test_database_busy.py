"""SQLite takes one writer at a time: a request that cannot write in time gets a 503 with
Retry-After, not a 500, and nothing of it is saved."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import Candidate
from tests.accounts_helpers import bearer, make_user, token_for
from tests.curation_helpers import make_candidate


def test_a_locked_database_answers_503_and_keeps_nothing(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("only SQLite locks the whole database for a writer")
    with app.app_context():
        curator = make_user("kurator@example.org", "curator", org=None)
        token = token_for(curator)
        candidate_id = make_candidate().id
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        response = app.test_client().post(
            "/api/v1/candidates/decisions",
            json=[{"id": candidate_id, "decision": "reject", "reason": "spam"}],
            headers=bearer(token),
        )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["title"] == "Database busy"
    with app.app_context():
        assert db.session.scalar(select(Candidate.status)) == "new"
