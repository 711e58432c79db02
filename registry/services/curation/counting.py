"""How many candidates a listing holds, cheaply on a large table: exact up to a bound (the
count stops there), above it estimated from evenly spread windows of ids and marked so."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from ...extensions import db
from ...models import Candidate

COUNT_BOUND = 10_000
SAMPLE_WINDOWS = 16
SAMPLE_IDS = 1_000  # ids per window


@dataclass(frozen=True)
class Count:
    total: int
    estimated: bool  # True: more than ``bound`` candidates, ``total`` estimated
    bound: int


def count(where: ColumnElement[bool] | None, bound: int = COUNT_BOUND) -> Count:
    """The candidates matching ``where``: exact up to ``bound``, estimated above it."""
    matching = select(Candidate.id)
    if where is not None:
        matching = matching.where(where)
    found = db.session.scalar(
        select(func.count()).select_from(matching.limit(bound + 1).subquery())
    )
    if (found or 0) <= bound:
        return Count(found or 0, False, bound)
    low, high = db.session.execute(select(func.min(Candidate.id), func.max(Candidate.id))).one()
    span = high - low + 1
    if span <= SAMPLE_WINDOWS * SAMPLE_IDS:
        return Count(_matches(where, [(low, high)]), False, bound)  # a small table: read it
    step = span // SAMPLE_WINDOWS
    windows = [(low + i * step, low + i * step + SAMPLE_IDS - 1) for i in range(SAMPLE_WINDOWS)]
    estimate = _matches(where, windows) * span // (SAMPLE_WINDOWS * SAMPLE_IDS)
    return Count(max(bound + 1, estimate), True, bound)


def exact(where: ColumnElement[bool] | None) -> int:
    """Every candidate matching ``where``, counted (as costly as the table is large)."""
    matching = select(func.count(Candidate.id))
    return int(db.session.scalar(matching.where(where) if where is not None else matching) or 0)


def _matches(where: ColumnElement[bool] | None, windows: list[tuple[int, int]]) -> int:
    """The candidates matching ``where`` among these id ranges, each read by id (SQLite is
    told not to prefer another index; PostgreSQL's planner sees the ranges are small)."""
    parts = []
    for first, last in windows:
        part = (
            select(func.count().label("n"))
            .select_from(Candidate)
            .where(Candidate.id.between(first, last))
            .with_hint(Candidate, "NOT INDEXED", "sqlite")
        )
        if where is not None:
            part = part.where(where)
        parts.append(part)
    if len(parts) == 1:
        return int(db.session.scalar(parts[0]) or 0)
    together = union_all(*parts).subquery()
    return int(db.session.scalar(select(func.coalesce(func.sum(together.c.n), literal(0)))) or 0)
