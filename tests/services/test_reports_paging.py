"""Paging a long report list by its sort key (issue 11's target: /laporan pages through 100,000
reports in < 200 ms p95): the same rows as OFFSET on every page, page numbers kept, the count
remembered until a report changes, and a deep page that never walks the rows before it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event

from registry.extensions import db
from registry.models import Report
from registry.services import reports
from registry.services.reports import queries
from tests.reports_helpers import days_ago, people, report_data, walk_to


@pytest.fixture
def many(ctx, monkeypatch):
    """31 reports (some received at the same instant), most public; a small anchor step."""
    monkeypatch.setattr(queries, "ANCHOR_EVERY", 4)
    curator, dinsos, _ = people()
    same = days_ago(5)
    for n in range(31):
        category = "kesehatan" if n % 3 == 0 else "bantuan-sosial"
        when = same if n % 5 == 0 else days_ago(n / 7)
        report, _ = reports.create(
            report_data(title=f"Laporan {n}", category=category, confidential=n % 7 == 0),
            now=when,
        )
        walk_to(report, "verified" if n % 4 else "disposed", curator, dinsos)
    db.session.commit()
    return curator, dinsos


def _offset_ids(filters: reports.Filters) -> list[int]:
    query = queries._filtered(queries.public_query(), filters).order_by(
        Report.received_at.desc(), Report.id.desc()
    )
    return list(
        db.session.scalars(
            query.with_only_columns(Report.id)
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        )
    )


@pytest.mark.parametrize(
    "base",
    [
        {},
        {"category": ("kesehatan",)},
        {"status": ("disposed",), "province": ("32",)},
    ],
)
def test_every_page_holds_the_rows_offset_would(many, base):
    total = None
    for per_page in (3, 5):
        pages = []
        for page in range(1, 14):
            filters = reports.Filters(page=page, per_page=per_page, **base)
            got = reports.public_page(filters)
            assert [r.id for r in got.items] == _offset_ids(filters), (page, per_page)
            total = got.total if total is None else total
            assert got.total == total
            pages += [r.id for r in got.items]
        # in any order of visits: a page far ahead first, then the ones before it
        for page in (9, 2, 7, 1):
            filters = reports.Filters(page=page, per_page=per_page, **base)
            assert [r.id for r in reports.public_page(filters).items] == _offset_ids(filters)
        assert len(pages) == len(set(pages)) == total


def test_a_step_on_any_report_is_seen_at_once(many):
    curator, _ = many
    deep = reports.Filters(page=6, per_page=3)
    before = reports.public_page(deep)
    report, _ = reports.create(report_data(title="Yang terbaru"))
    reports.act(report, "verify", actor=reports.Actor.of(curator))
    db.session.commit()
    after = reports.public_page(deep)
    assert after.total == before.total + 1
    assert [r.id for r in after.items] == _offset_ids(deep)  # every row moved one place
    newest = reports.public_page(reports.Filters(per_page=3)).items[0]
    reports.act(newest, "restrict", actor=reports.Actor.of(curator), confidential=True)
    db.session.commit()
    assert reports.public_page(deep).total == before.total
    assert [r.id for r in reports.public_page(deep).items] == _offset_ids(deep)


def _offsets(statement: str, parameters: Any) -> list[int]:
    """The OFFSET values of one statement, bound as SQLite's ? or psycopg's %(name)s."""
    found = []
    for match in re.finditer(r"offset (\?|%\((\w+)\)s|\d+)", statement, re.IGNORECASE):
        if match.group(1) == "?":
            found.append(int(parameters[statement[: match.start()].count("?")]))
        elif match.group(2):
            found.append(int(parameters[match.group(2)]))
        else:
            found.append(int(match.group(1)))
    return found


def test_a_deep_page_neither_counts_again_nor_walks_the_rows_before_it(many):
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    deep, near = reports.Filters(page=8, per_page=3), reports.Filters(page=7, per_page=3)
    reports.public_page(deep)  # rows 22-24: past five anchors of 4
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        pages = [reports.public_page(deep), reports.public_page(near)]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert [[r.id for r in p.items] for p in pages] == [_offset_ids(deep), _offset_ids(near)]
    assert not any("count(" in statement.lower() for statement, _ in seen)
    offsets = [n for statement, parameters in seen for n in _offsets(statement, parameters)]
    assert offsets and all(n < queries.ANCHOR_EVERY for n in offsets), offsets
