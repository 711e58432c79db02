"""The inbox's order without scanning: each sort is read from an index as keyset streams
("after this one"), one per status (and, for uncertainty, one on each side of the threshold),
merged by their sort key. A page reads at most a page from each stream.

Uncertainty (closest to the active model's threshold first) needs no stored distance: scores
at or above the threshold are read upwards, those below it downwards, and the two merged by
distance, so a retrain that moves the threshold rewrites no row.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, literal, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from ...extensions import db
from ...models import Candidate
from ..errors import Invalid

# below the threshold's floating-point neighbourhood: the index range starts a hair early and
# the exact distance test (the same arithmetic as the sort's) keeps what is really after
EPSILON = 1e-9
# an id the databases' 64-bit integer holds: a forged larger one overflows SQLite's driver
MAX_ID = 2**63


@dataclass(frozen=True)
class Row:
    """A listed candidate: its id and its sort value (score, or seen_at for newest): what the
    sort's index holds, so that the streams read no table row."""

    id: int
    value: Any


@dataclass(frozen=True)
class Position:
    """Where a page ended: its last candidate's sort value and id."""

    sort: str
    value: float | dt.datetime
    id: int

    @classmethod
    def of(cls, sort: str, row: Row) -> Position:
        if sort == "newest":
            return cls(sort, row.value or dt.datetime.min, row.id)
        return cls(sort, float(row.value), row.id)

    def encode(self) -> str:
        """The opaque ``after`` cursor."""
        value = self.value.isoformat() if isinstance(self.value, dt.datetime) else self.value
        raw = json.dumps([self.sort, value, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> Position:
    """An ``after`` cursor of this sort; Invalid (param "after") when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, last_id = json.loads(raw)
        if kind != sort:
            raise Invalid(f"the cursor belongs to sort {kind!r}, not {sort!r}", param="after")
        if not isinstance(last_id, int) or isinstance(last_id, bool) or not 0 <= last_id < MAX_ID:
            raise ValueError(last_id)
        if sort == "newest":
            return Position(sort, dt.datetime.fromisoformat(value), last_id)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(value)
        if not math.isfinite(float(value)):  # json.loads reads NaN and Infinity
            raise ValueError(value)
        return Position(sort, float(value), last_id)
    except Invalid:
        raise
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise Invalid("not a cursor this list gave", param="after") from None


def sort_rows(rows: list[Row], sort: str, threshold: float) -> None:
    """Sort rows of several streams into the listing's order, in place."""
    if sort == "newest":
        rows.sort(key=lambda r: (r.value or dt.datetime.min, r.id), reverse=True)
    elif sort == "uncertainty":
        rows.sort(key=lambda r: (abs(r.value - threshold), r.id))
    else:
        rows.sort(key=lambda r: (-r.value, r.id))


def _streams(
    sort: str, status: str | None, threshold: float, after: Position | None
) -> list[Select[int, Any]]:
    """One status's streams in the sort's order, each from an index."""
    score, ident, seen = Candidate.score, Candidate.id, Candidate.seen_at
    base = select(Candidate.id, seen if sort == "newest" else score)
    if status is not None:
        base = base.where(Candidate.status == status)
    if sort == "newest":
        if after is not None:
            base = base.where(seen <= after.value, or_(seen < after.value, ident < after.id))
        return [base.order_by(seen.desc(), ident.desc())]
    if sort == "score":
        if after is not None:
            base = base.where(score <= after.value, or_(score < after.value, ident > after.id))
        return [base.order_by(score.desc(), ident)]
    up = base.where(score >= threshold)
    down = base.where(score < threshold)
    if after is not None:
        assert isinstance(after.value, float)
        gone = abs(after.value - threshold)
        above = score - threshold
        below = literal(threshold) - score
        up = up.where(
            score >= threshold + gone - EPSILON,
            or_(above > gone, and_(above == gone, ident > after.id)),
        )
        down = down.where(
            score <= threshold - gone + EPSILON,
            or_(below > gone, and_(below == gone, ident > after.id)),
        )
    return [up.order_by(score, ident), down.order_by(score.desc(), ident)]


def ordered_rows(
    sort: str,
    statuses: Sequence[str | None],
    where: ColumnElement[bool] | None,
    threshold: float,
    *,
    after: Position | None = None,
    offset: int = 0,
    limit: int = 20,
) -> list[Row]:
    """The candidates from ``offset`` (after ``after``) in the sort's order, at most
    ``limit``; ``statuses``: one stream set each (None: every status in one)."""
    streams = [s for status in statuses for s in _streams(sort, status, threshold, after)]
    if where is not None:
        streams = [s.where(where) for s in streams]
    if len(streams) == 1:
        statement = streams[0].offset(offset).limit(limit)
        return [Row(*r) for r in db.session.execute(statement)]
    wanted = offset + limit
    parts = [s.limit(wanted).subquery().select() for s in streams]
    rows = [Row(*r) for r in db.session.execute(union_all(*parts))]
    sort_rows(rows, sort, threshold)
    return rows[offset:wanted]
