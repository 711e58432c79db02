"""The inbox at scale: every sort and filter lists what a plain ORDER BY lists, keyset pages
walk every row once, counts stop at a bound, the text filter goes through the database's
full-text index and that index stays in step with every writer."""

from __future__ import annotations

import base64
import datetime as dt
import importlib.util
import itertools
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import and_, exists, func, insert, inspect, select, text

import registry
from registry.classify.predict import get_predictor
from registry.extensions import db
from registry.harvest.takedown import takedown_post
from registry.models import Candidate, Post
from registry.models.candidates import search_terms
from registry.search.analysis import terms_of
from registry.services import curation
from registry.services.curation import listing
from registry.services.errors import Invalid
from registry.text import strip_links_and_mentions
from registry.web import params as query_params
from tests.curation_helpers import make_candidate
from tests.harvest.test_scoring import runner, write_archive
from tests.services.test_curation import _harvested_by

SORTS = ("score", "newest", "uncertainty")


def ids(page: curation.CandidatePage) -> list[int]:
    return [c.id for c in page.items]


@pytest.fixture
def crowd(ctx: Any) -> dict[str, Any]:
    """34 candidates: ties in score and in date, scores on both sides of the threshold (and on
    it), every status, several platforms, provinces and two harvest sources."""
    threshold = get_predictor().threshold
    scores = [
        threshold,
        threshold + 0.05,
        threshold - 0.05,
        0.5,
        0.5,
        0.9,
        0.1,
        0.0,
        1.0,
        threshold + 0.2,
        threshold - 0.2,
        0.33,
    ]
    platforms = [["twitter"], ["mastodon"], ["twitter", "rss"], ["bluesky"], ["file"]]
    statuses = ["new", "new", "new", "rejected", "approved", "merged"]
    base = dt.datetime(2020, 4, 1, 8)
    made = []
    for i in range(34):
        made.append(
            make_candidate(
                f"Posko relawan nomor {i} di kota {i % 5}",
                score=max(0.0, min(1.0, scores[i % len(scores)])),
                status=statuses[i % len(statuses)],
                platforms=platforms[i % len(platforms)],
                seen=base + dt.timedelta(days=i % 9),  # the same day for several
                province_code=("32", "34", None)[i % 3],
            )
        )
    _harvested_by(made[3], "berita-jabar")
    _harvested_by(made[8], "berita-jabar")
    _harvested_by(made[4], "berita-diy")
    return {"threshold": threshold, "made": made}


def reference(sort: str, status: str, threshold: float, **filters: Any) -> list[int]:
    """The listing as the inbox read it before: one plain ORDER BY over every filter (posts
    read for platform and source, the distance computed per row)."""
    conditions = [] if status == "all" else [Candidate.status == status]
    if filters.get("platform"):
        conditions.append(
            exists().where(
                Post.candidate_id == Candidate.id, Post.platform.in_(filters["platform"])
            )
        )
    if filters.get("source"):
        conditions.append(
            exists().where(
                Post.candidate_id == Candidate.id,
                Post.source_id == curation.source_id(filters["source"]),
            )
        )
    if filters.get("min_score") is not None:
        conditions.append(Candidate.score >= filters["min_score"])
    if filters.get("province"):
        conditions.append(Candidate.province_code == filters["province"])
    last = func.coalesce(Candidate.last_seen, Candidate.first_seen, Candidate.created_at)
    if filters.get("date_from"):
        conditions.append(last >= dt.datetime.combine(filters["date_from"], dt.time()))
    query = select(Candidate.id).where(and_(True, *conditions))
    if sort == "newest":
        query = query.order_by(last.desc(), Candidate.id.desc())
    elif sort == "uncertainty":
        query = query.order_by(func.abs(Candidate.score - threshold), Candidate.id)
    else:
        query = query.order_by(Candidate.score.desc(), Candidate.id)
    return list(db.session.scalars(query))


FILTERS: list[dict[str, Any]] = [
    {},
    {"platform": ["twitter"]},
    {"platform": ["rss", "bluesky"]},
    {"source": "berita-jabar"},
    {"min_score": 0.4},
    {"province": "34"},
    {"date_from": dt.date(2020, 4, 6)},  # Jakarta midnight: 17:00 UTC the day before
    {"platform": ["twitter"], "min_score": 0.3, "province": "32"},
]


def walk(sort: str, status: str, per_page: int, **filters: Any) -> list[int]:
    """Every candidate by following next_after, checking no page repeats one."""
    seen: list[int] = []
    after = None
    for _ in range(100):
        page = curation.list_candidates(
            status=status, sort=sort, per_page=per_page, after=after, **filters
        )
        assert len(page.items) <= per_page
        seen.extend(ids(page))
        after = page.next_after
        if after is None:
            return seen
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("status", ["new", "all"])
def test_every_sort_and_filter_lists_what_a_plain_order_by_lists(crowd, sort, status):
    threshold = crowd["threshold"]
    for filters in FILTERS:
        expected = reference(sort, status, threshold, **filters)
        assert expected, filters  # the filter keeps someone: the comparison means something
        page = curation.list_candidates(status=status, sort=sort, per_page=100, **filters)
        assert ids(page) == expected, filters
        assert page.total == len(expected) and not page.total_estimated
        by_number = []
        for n in itertools.count(1):
            got = ids(
                curation.list_candidates(status=status, sort=sort, page=n, per_page=4, **filters)
            )
            if not got:
                break
            by_number.extend(got)
        assert by_number == expected, filters
        assert walk(sort, status, 3, **filters) == expected, filters


def test_uncertainty_follows_a_moved_threshold_without_rewriting_rows(crowd):
    updated = db.session.scalar(select(func.max(Candidate.updated_at)))
    for threshold in (0.2, 0.5, 0.77):
        rows = listing.ordered_rows("uncertainty", ["new"], None, threshold, limit=100)
        assert [r.id for r in rows] == reference("uncertainty", "new", threshold)
        # a cursor taken under one threshold goes on under another, from the same candidate
        first = listing.ordered_rows("uncertainty", ["new"], None, threshold, limit=4)
        after = listing.decode_cursor(
            listing.Position.of("uncertainty", first[-1]).encode(), "uncertainty"
        )
        rest = listing.ordered_rows("uncertainty", ["new"], None, threshold, after=after, limit=100)
        assert [r.id for r in first + rest] == reference("uncertainty", "new", threshold)
    assert db.session.scalar(select(func.max(Candidate.updated_at))) == updated


def test_a_source_filters_alike_as_a_set_or_asked_per_candidate(crowd):
    from registry.services.curation.inbox import harvested_by

    source = curation.source_id("berita-jabar")
    as_set, per_candidate = harvested_by(source), harvested_by(source, small=0)
    assert as_set.compare(per_candidate) is False  # two forms indeed
    for sort in SORTS:
        expected = reference(sort, "all", crowd["threshold"], source="berita-jabar")
        for condition in (as_set, per_candidate):
            rows = listing.ordered_rows(
                sort, list(curation.STATUSES), condition, crowd["threshold"], limit=50
            )
            assert [r.id for r in rows] == expected


def test_a_page_past_the_end_is_empty(crowd):
    total = curation.list_candidates().total
    past = curation.list_candidates(page=total + 1, per_page=1)
    assert past.items == [] and past.total == total and past.next_after is None
    last = curation.list_candidates(page=total, per_page=1)
    assert len(last.items) == 1 and last.next_after is None


def test_counts_stop_at_the_bound_and_say_they_are_estimated(ctx):
    for i in range(8):
        make_candidate(f"Dapur umum {i}", score=0.5)
    exact = curation.list_candidates(count_bound=8)
    assert (exact.total, exact.total_estimated, exact.count_bound) == (8, False, 8)
    # ids spread over a large range: the count samples windows of ids instead of reading on
    for i in range(8):
        db.session.add(
            Candidate(id=100_000 + i * 7_000, text=f"Lumbung pangan {i}", score=0.4, status="new")
        )
    db.session.commit()
    estimated = curation.list_candidates(count_bound=5, per_page=4)
    assert estimated.total_estimated and estimated.count_bound == 5 and estimated.total > 5
    assert len(estimated.items) == 4 and estimated.next_after is not None
    assert walk("score", "new", 5) == reference("score", "new", 0.5)
    # a page number deeper than page numbers reach: past the estimated end, an empty page
    # with the estimate (no exact count, which reads every match); short of it (more
    # candidates than that), a 400 that points to the cursor
    deep = curation.MAX_PAGE_OFFSET // 5 + 2
    past = curation.list_candidates(count_bound=5, page=deep, per_page=5)
    assert (past.items, past.total_estimated) == ([], True)
    assert past.total == estimated.total
    for i in range(curation.MAX_PAGE_OFFSET // 1000 + 1):
        db.session.add_all(
            Candidate(id=200_000 + i * 1000 + j, text="x", score=0.3) for j in range(1000)
        )
    db.session.commit()
    with pytest.raises(Invalid) as too_deep:
        curation.list_candidates(count_bound=5, page=deep, per_page=5)
    assert too_deep.value.param == "page"


def test_the_estimate_samples_the_newest_ids_too(ctx):
    # 4,000 candidates, ids 10 apart; the newest 300 (a filter that follows id order, as a
    # recent harvest does) score high. The old windows all started within each tenth of the
    # id range and never read its last tenth: they estimated 101, the bound's floor.
    db.session.execute(
        insert(Candidate),
        [
            {"id": i * 10, "text": "x", "status": "new", "score": 0.9 if i > 3_700 else 0.2}
            for i in range(1, 4_001)
        ],
    )
    db.session.commit()
    page = curation.list_candidates(min_score=0.8, count_bound=100)
    assert page.total_estimated
    assert 300 / 1.5 <= page.total <= 300 * 1.5  # the truth is 300: within a factor of 1.5
    assert curation.list_candidates(min_score=0.1, count_bound=100).total == pytest.approx(
        4_000, rel=0.1
    )


# an id past 64 bits (it overflowed SQLite's driver: a 500), a negative one, and the floats
# json.loads accepts but no score is (they listed silently empty pages)
FORGED_CURSORS = (
    '["score",0.5,1000000000000000000000000000000]',
    '["score",0.5,9223372036854775808]',
    '["score",0.5,-1]',
    '["score",NaN,1]',
    '["score",Infinity,1]',
    '["score",-Infinity,1]',
    '["score",1e400,1]',
)


def forged(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def test_a_bad_cursor_or_another_sorts_cursor_is_refused_naming_after(crowd):
    cursor = curation.list_candidates(per_page=2).next_after
    assert cursor is not None
    assert query_params.inbox({"after": cursor}).after == cursor
    for args in (
        {"after": "bukan-kursor"},
        {"after": cursor, "sort": "newest"},
        {"after": "x" * 300},
        {"after": "WyJzY29yZSIsInRpbmdnaSIsMV0"},  # ["score","tinggi",1]: not a score
        *({"after": forged(raw)} for raw in FORGED_CURSORS),
    ):
        with pytest.raises(Invalid) as bad:
            query_params.inbox(args)
        assert bad.value.param == "after"
    with pytest.raises(Invalid) as bad_sort:
        query_params.inbox({"sort": "acak"})
    assert bad_sort.value.param == "sort"


# --------------------------------------------------------------------------- text search


def test_the_text_filter_finds_what_the_analyzer_stems(ctx):
    vaccine = make_candidate("Warga lansia divaksin di posko keliling kelurahan", score=0.6)
    service = make_candidate("Pelayanan KTP jemput bola untuk warga isoman", score=0.7)
    kitchen = make_candidate("Dapur umum relawan Sleman buka 24 jam", score=0.5)
    assert ids(curation.list_candidates(q="vaksinasi")) == [vaccine.id]
    assert ids(curation.list_candidates(q="layanan")) == [service.id]
    assert ids(curation.list_candidates(q="warga")) == [service.id, vaccine.id]
    assert ids(curation.list_candidates(q="warga -ktp")) == [vaccine.id]
    assert ids(curation.list_candidates(q='"dapur umum"')) == [kitchen.id]
    assert ids(curation.list_candidates(q='"umum dapur"')) == []
    assert ids(curation.list_candidates(q="posko OR sleman")) == [vaccine.id, kitchen.id]
    # no candidate has every word: the words with OR, as the catalogue search falls back
    assert ids(curation.list_candidates(q="sleman kelurahan")) == [vaccine.id, kitchen.id]
    # broken syntax is read as words, as the catalogue search reads it
    for broken in ('"dapur umum', "dapur AND", "(dapur OR", "dapur)))", "-", "* ?"):
        page = curation.list_candidates(q=broken)
        assert page.total == len(page.items)
    assert ids(curation.list_candidates(q='"dapur umum')) == [kitchen.id]
    assert curation.list_candidates(q="yang dan di").total == 3  # only stopwords: no filter
    linked = make_candidate("Lumbung padi @pemdes https://t.co/Qx7Lumbung", score=0.1)
    assert ids(curation.list_candidates(q="lumbung")) == [linked.id]
    assert curation.list_candidates(q="qx7lumbung").total == 0  # links are not words
    assert curation.list_candidates(q="pemdes").total == 0  # nor @mentions


def test_an_estimated_text_count_marks_itself(ctx):
    from registry.search.candidate_text import text_conditions
    from registry.services.curation import counting

    for i in range(30):
        words = "posko relawan" if i % 3 else "posko dapur"
        make_candidate(f"{words} nomor {i}", score=i / 40, status=("new", "rejected")[i % 2])
    for i in range(6):  # ids far apart: the count above its bound samples windows of ids
        db.session.add(Candidate(id=40_000 + i * 5_000, text=f"posko lumbung {i}", score=0.2))
    db.session.commit()
    dialect = db.session.get_bind().dialect.name
    new = Candidate.status == "new"
    for q, expected in (("posko", 36), ("posko -dapur", 26), ("relawan", 20), ("gudang", 0)):
        (condition,) = text_conditions(q, dialect)[:1]
        found = db.session.scalars(select(Candidate.id).where(condition)).all()
        assert len(found) == expected, q
        exact = counting.count(and_(new, condition), 100)
        assert not exact.estimated
        assert exact.total == len(
            db.session.scalars(select(Candidate.id).where(new, condition)).all()
        )
        if exact.total > 3:
            estimated = counting.count(and_(new, condition), 3)
            assert estimated.estimated and estimated.total >= 4
    page = curation.list_candidates(q="posko relawan", per_page=50)
    assert len(page.items) == page.total == 10


def fts_in_step() -> None:
    """Every candidate's terms are its text's, and the database's full-text index holds
    exactly them (SQLite checks its FTS5 table against the column)."""
    for cid, body, terms in db.session.execute(
        select(Candidate.id, Candidate.text, Candidate.search_terms)
    ):
        expected = " ".join(terms_of(strip_links_and_mentions(body or "")))
        assert terms == search_terms(body) == expected, cid
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            text("INSERT INTO candidate_fts(candidate_fts, rank) VALUES ('integrity-check', 1)")
        )


def test_the_text_index_keeps_step_with_edits_merges_and_takedowns(ctx):
    curator = "kurator@example.org"
    short = make_candidate("Lumbung pangan desa", score=0.6)
    longer = make_candidate(
        "Lumbung pangan desa Wonosari dibuka bagi warga terdampak pandemi", score=0.5
    )
    other = make_candidate("Ambulans gratis kelurahan Cibeunying", score=0.4)
    fts_in_step()
    other.text = "Mobil jenazah gratis kelurahan Cibeunying"
    db.session.commit()
    fts_in_step()
    assert ids(curation.list_candidates(q="ambulans")) == []
    assert ids(curation.list_candidates(q="jenazah")) == [other.id]
    # a merge moves the posts: the target takes the longer text, and is found by its words
    curation.merge_into_candidate(longer, short, curator)
    db.session.commit()
    fts_in_step()
    assert ids(curation.list_candidates(q="wonosari")) == [short.id]
    # its posts went with it: the platform filter lists the target, not the merged one
    listed = ids(curation.list_candidates(platform="twitter", status="all", per_page=50))
    assert short.id in listed and longer.id not in listed
    # a takedown of the post that gave the text: the text (and its terms) follow the rest
    post = db.session.scalar(
        select(Post).where(Post.candidate_id == short.id, Post.text.contains("Wonosari"))
    )
    assert post is not None
    takedown_post(post.platform, post.external_id, actor=curator)
    db.session.commit()
    fts_in_step()
    assert ids(curation.list_candidates(q="wonosari", status="all")) == []
    assert ids(curation.list_candidates(q="lumbung")) == [short.id]


def test_the_text_index_keeps_step_with_an_import(ctx, tmp_path: Path):
    result = runner("inline").import_file(write_archive(tmp_path / "a.jsonl", 1500), "jsonl")
    assert result.new == 1500
    fts_in_step()
    assert (db.session.scalar(select(func.count()).select_from(Candidate)) or 0) > 100
    # the import updates candidates whose representative text changes: still in step, and
    # every candidate holding "isolasi" is found by it
    wanted = sorted(
        c.id for c in db.session.scalars(select(Candidate)) if "isolasi" in (c.text or "").lower()
    )
    assert sorted(walk("score", "all", 100, q="isolasi")) == wanted
    assert curation.list_candidates(q="isolasi", status="all").total == len(wanted)
    assert len(wanted) > 20


# --------------------------------------------------------------------------- the migration


def test_migration_0012_backfills_the_new_columns_and_the_text_index(bare_app: Flask) -> None:
    from flask_migrate import downgrade, upgrade

    with bare_app.app_context():
        upgrade(revision="0010_replication")
        with db.engine.begin() as conn:
            for i, (body, platforms) in enumerate(
                [
                    ("Warga divaksin di posko keliling", '["twitter", "rss"]'),
                    ("Dapur umum relawan", '["mastodon"]'),
                ],
                start=1,
            ):
                conn.execute(
                    text(
                        "INSERT INTO candidate (id, status, score, text, platforms, post_count,"
                        " predicted, explain, model_version, reason, last_seen, created_at,"
                        " updated_at) VALUES (:id, 'new', 0.5, :body, :platforms, 1, '{}', '[]',"
                        " '', '', :seen, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": i,
                        "body": body,
                        "platforms": platforms,
                        "seen": dt.datetime(2020, 5, i),
                    },
                )
            # merged into candidate 2: its posts went there, its platforms stay as a record
            conn.execute(
                text(
                    "INSERT INTO candidate (id, status, score, text, platforms, post_count,"
                    " predicted, explain, model_version, reason, last_seen, merged_into_id,"
                    " created_at, updated_at) VALUES (4, 'merged', 0.5, 'Relawan', '[\"rss\"]',"
                    " 0, '{}', '[]', '', '', :seen, 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"seen": dt.datetime(2020, 5, 4)},
            )
        upgrade()
        rows = db.session.execute(
            select(
                Candidate.id, Candidate.platform_mask, Candidate.seen_at, Candidate.search_terms
            ).order_by(Candidate.id)
        ).all()
        assert [tuple(r) for r in rows] == [
            (1, 1 | 8, dt.datetime(2020, 5, 1), "warga vaksin posko kelil"),
            (2, 2, dt.datetime(2020, 5, 2), "dapur umum relawan"),
            (4, 0, dt.datetime(2020, 5, 4), "relawan"),
        ]
        assert ids(curation.list_candidates(q="vaksinasi")) == [1]
        assert ids(curation.list_candidates(platform="rss", status="all")) == [1]
        fts_in_step()
        # seen_at is never empty (a NULL would sort first on PostgreSQL, where the cursor never
        # reaches it): NOT NULL, and a row written by code older than 0012 gets a default
        columns = {c["name"]: c for c in inspect(db.engine).get_columns("candidate")}
        assert columns["seen_at"]["nullable"] is False
        db.session.execute(
            text(
                "INSERT INTO candidate (id, status, score, text, platforms, post_count,"
                " predicted, explain, model_version, reason, created_at, updated_at)"
                " VALUES (3, 'new', 0.5, 'Lumbung', '[]', 1, '{}', '[]', '', '',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        written = db.session.get(Candidate, 3)
        assert written is not None and written.seen_at is not None
        db.session.execute(text("DELETE FROM candidate WHERE id = 3"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0010_replication")
        upgrade()
        assert ids(curation.list_candidates(q="relawan")) == [2]


def test_migration_0012_catches_up_rows_older_code_wrote_during_its_backfill(ctx) -> None:
    # what code older than 0012 writes while PostgreSQL's backfill runs in autocommit batches:
    # a new candidate without the derived columns, a grown one whose last_seen moved on
    path = Path(registry.__file__).parent / "migrations" / "versions" / "0012_inbox_scale.py"
    spec = importlib.util.spec_from_file_location("migration_0012", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(
        text(
            "INSERT INTO candidate (id, status, score, text, platforms, post_count, predicted,"
            " explain, model_version, reason, last_seen, seen_at, created_at, updated_at)"
            " VALUES (:id, 'new', 0.5, :body, :platforms, 1, '{}', '[]', '', '', :last,"
            " :seen, :seen, :seen)"
        ),
        [
            {
                "id": 1,
                "body": "Warga divaksin di posko keliling",
                "platforms": '["twitter", "rss"]',
                "last": dt.datetime(2020, 5, 1),
                "seen": dt.datetime(2020, 5, 1),
            },
            {
                "id": 2,
                "body": "Dapur umum relawan",
                "platforms": '["mastodon"]',
                "last": dt.datetime(2020, 6, 9),
                "seen": dt.datetime(2020, 5, 2),
            },
        ],
    )
    db.session.commit()
    migration.catch_up(db.session.connection(), db.session.get_bind().dialect.name)
    db.session.commit()
    rows = db.session.execute(
        select(
            Candidate.id, Candidate.platform_mask, Candidate.seen_at, Candidate.search_terms
        ).order_by(Candidate.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        (1, 1 | 8, dt.datetime(2020, 5, 1), "warga vaksin posko kelil"),
        (2, 2, dt.datetime(2020, 6, 9), "dapur umum relawan"),
    ]
