"""How many candidates a listing holds, cheaply on a large table: exact up to a bound (the
count stops there), above it estimated from evenly spread windows of ids and marked so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from ...extensions import db
from ...models import Candidate

COUNT_BOUND = 10_000
# the estimate reads SAMPLE_WINDOWS * SAMPLE_IDS ids in windows spread over the whole id range
# (the first starts at the lowest id, the last ends at the highest: a filter that follows id
# order, say the newest candidates, is sampled too): within a few per cent for filters that
# keep more than a few per cent of the table (rarer ones are counted exactly)
SAMPLE_WINDOWS = 40
SAMPLE_IDS = 50  # ids per window


@dataclass(frozen=True)
class Count:
    total: int
    estimated: bool  # True: more than ``bound`` candidates, ``total`` estimated
    bound: int


def count(where: ColumnElement[bool] | None, bound: int = COUNT_BOUND) -> Count:
    """The candidates matching ``where``: exact up to ``bound``, estimated above it."""
    found = db.session.scalar(
        select(func.count()).select_from(
            _matching(select(Candidate.id), where).limit(bound + 1).subquery()
        )
    )
    if (found or 0) <= bound:
        return Count(found or 0, False, bound)
    # two statements: SQLite reads min() and max() from the key's ends only one at a time
    low = db.session.scalar(select(func.min(Candidate.id))) or 0
    high = db.session.scalar(select(func.max(Candidate.id))) or 0
    span = high - low + 1
    if span <= SAMPLE_WINDOWS * SAMPLE_IDS:  # a small table: read it
        return Count(_matches(where, [(low, high)]), False, bound)
    estimate = _matches(where, sample_windows(low, high)) * span // (SAMPLE_WINDOWS * SAMPLE_IDS)
    return Count(max(bound + 1, estimate), True, bound)


def sample_windows(low: int, high: int) -> list[tuple[int, int]]:
    """SAMPLE_WINDOWS ranges of SAMPLE_IDS ids, evenly spaced from ``low`` to ``high`` (a range
    longer than they are together)."""
    gap = (high - low + 1 - SAMPLE_IDS) / (SAMPLE_WINDOWS - 1)
    starts = [low + round(i * gap) for i in range(SAMPLE_WINDOWS)]
    return [(first, first + SAMPLE_IDS - 1) for first in starts]


def _matching(statement: Select[Any], where: ColumnElement[bool] | None) -> Select[Any]:
    return statement.where(where) if where is not None else statement


def _matches(where: ColumnElement[bool] | None, windows: list[tuple[int, int]]) -> int:
    """The candidates matching ``where`` among these id ranges, each read by id: on SQLite
    ``where`` is wrapped in a CASE (which its planner cannot read an index for, so that it does
    not prefer, say, the status and score index over the id range: likelihood() does not hide
    it); PostgreSQL's planner sees the ranges are small."""
    if where is not None and db.session.get_bind().dialect.name == "sqlite":
        where = case((where, 1), else_=0) == 1
    parts = [
        _matching(select(func.count().label("n")), where)
        .select_from(Candidate)
        .where(Candidate.id.between(first, last))
        for first, last in windows
    ]
    if len(parts) == 1:
        return int(db.session.scalar(parts[0]) or 0)
    together = union_all(*parts).subquery()
    return int(db.session.scalar(select(func.coalesce(func.sum(together.c.n), literal(0)))) or 0)
