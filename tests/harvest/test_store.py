"""Storing pages: the fast paths write what the general ones write."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import DateTime

from registry.extensions import db
from registry.harvest.archives import FileSource
from registry.harvest.dedup import CandidateIndex
from registry.harvest.store import PageStore, PreparedPage, prepare_page
from registry.harvest.store.bulk_postgres import PostgresWriter
from registry.harvest.store.bulk_sqlite import sqlite_datetime
from tests.harvest.test_scoring import NOW, every_row, wipe_all, write_rich_archive


def test_sqlite_dates_are_written_as_sqlalchemy_writes_them():
    from sqlalchemy.dialects import sqlite

    processor = DateTime().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())
    assert processor is not None
    fast = sqlite_datetime(processor)
    values = [
        dt.datetime(2020, 3, 15),
        dt.datetime(2020, 3, 15, 7, 8, 9, 123456),
        dt.datetime(2021, 12, 31, 23, 59, 59, 1),
        dt.datetime(5, 1, 2, 3, 4, 5),
        dt.datetime(2020, 3, 15, 7, 8, 9, tzinfo=dt.UTC),  # aware: SQLAlchemy's own way
        dt.date(2020, 3, 15),
    ]
    for value in values:
        assert fast(value) == processor(value), value
    assert fast(values[1]) == "2020-03-15 07:08:09.123456"


def _store_pages(pages: list[Any], prepared: bool) -> list[tuple[Any, ...]]:
    from registry.classify.predict import get_predictor

    wipe_all()
    store = PageStore(
        db.session,
        CandidateIndex(),
        predictor=get_predictor(current_app.config["INSTANCE_DIR"]),
        platform="file",
        query="file:rich.jsonl",
        now=lambda: NOW,
    )
    for page in copy.deepcopy(pages):
        if prepared:
            page = prepare_page(page)
            assert isinstance(page, PreparedPage) and page.prepared is not None
            assert all(p.raw is None for p in page.posts)  # the payload travels as text
        store.store(page.posts, page.errors, prepared=getattr(page, "prepared", None))
        db.session.commit()
    return every_row()


def test_a_page_prepared_in_another_process_is_stored_as_one_read_here(ctx, tmp_path: Path):
    path = write_rich_archive(tmp_path / "rich.jsonl", 2300)
    pages = list(FileSource(path, "jsonl").pages({}))
    assert len(pages) == 3
    here = _store_pages(pages, prepared=False)
    assert sum(1 for r in here if r[0] == "post") == 2300
    raws = [r for r in here if r[0] == "post"]
    assert any("☕" in str(r) for r in raws)
    assert _store_pages(pages, prepared=True) == here


def test_a_prepared_page_still_matches_the_catalogue_by_its_payload_links(ctx, innovation_data):
    """The payload leaves a prepared post (it travels as text); a link only its entities
    carry still flags the candidate."""
    from registry.harvest.base import HarvestedPost, Page
    from registry.harvest.store import CatalogueMatcher
    from registry.models import Candidate
    from registry.services import catalogue

    innovation = catalogue.create(
        innovation_data(links=["https://antarobat.example/daftar"]), actor="t", status="published"
    )
    db.session.commit()
    raw = {"entities": {"urls": [{"expanded_url": "https://antarobat.example/daftar"}]}}
    post = HarvestedPost(platform="twitter", external_id="9", text="daftar di t.co/x", raw=raw)
    page = prepare_page(Page([post]))
    assert post.raw is None and page.prepared is not None
    assert page.prepared[1] == [json.dumps(raw, separators=(",", ":"))]
    store = PageStore(db.session, CandidateIndex(), matcher=CatalogueMatcher.load(db.session))
    store.store(page.posts, prepared=page.prepared)
    db.session.commit()
    assert db.session.query(Candidate.matches_innovation_id).scalar() == innovation.id


def test_a_row_copied_twice_raises_the_integrity_error_the_runner_retries(ctx):
    # PostgreSQL writes new rows with COPY, round SQLAlchemy: a post another import stored
    # meanwhile must still surface as SQLAlchemy's IntegrityError (the runner's retry)
    import pytest
    from sqlalchemy.exc import IntegrityError

    from registry.models import HarvestTombstone

    if db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL imports with COPY")
    writer = PostgresWriter(db.session)
    row = {"platform": "file", "external_id": "x", "taken_down_at": NOW, "actor": "", "reason": ""}
    writer.copy_values("harvest_tombstone", list(row), [list(row.values())])
    with pytest.raises(IntegrityError):
        writer.copy_values("harvest_tombstone", list(row), [list(row.values())])
    db.session.rollback()
    assert db.session.query(HarvestTombstone).count() == 0
