"""The page store's bulk writes as SQLAlchemy Core statements, which any dialect runs.

:mod:`.bulk_sqlite` and :mod:`.bulk_postgres` write the same rows faster on their dialect;
:func:`.bulk.bulk_writer` picks the writer of a session's dialect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, update

from ...models import Candidate
from .values import EncodedJSON, encoded_params

# the columns of a candidate whose text is new (written by update_candidate_texts)
TEXT_COLUMNS = (
    "text", "search_terms", "lang", "score", "predicted", "explain", "model_version",
    "province_code",
)  # fmt: skip


class BulkWriter:
    """Writes a page's rows in a handful of statements. JSON columns named ``encoded`` hold
    :func:`.values.encode_json` text already."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def in_(self, column: Any, values: Iterable[Any]) -> Any:
        """``column IN values``."""
        return column.in_(values)

    def insert(self, table: Any, rows: list[dict[str, Any]], encoded: Sequence[str]) -> None:
        """Insert ``rows`` (every row with the same keys)."""
        self.session.execute(insert(table).values(encoded_params(table, *encoded)), rows)

    def insert_returning_ids(
        self, table: Any, rows: list[dict[str, Any]], encoded: Sequence[str]
    ) -> list[int]:
        """Insert new ``rows``; their ids in the rows' order."""
        statement = insert(table).values(encoded_params(table, *encoded)).returning(table.c.id)
        return sorted(self.session.execute(statement, rows).scalars())

    def update_candidate_texts(self, texts: list[dict[str, Any]]) -> None:
        """Set :data:`TEXT_COLUMNS` of candidates: ``b_id`` and ``b_<column>`` per candidate."""
        table = Candidate.__table__
        names = ("text", "search_terms", "lang", "score", "predicted", "explain", "model_version")
        values = {n: bindparam(f"b_{n}", type_=table.c[n].type) for n in names}
        for n in ("predicted", "explain"):
            values[n] = bindparam(f"b_{n}", type_=EncodedJSON())
        values["province_code"] = bindparam("b_province_code", type_=table.c.province_code.type)
        self.session.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(**values), texts
        )

    def keep_statistics(self, stored: int) -> None:
        """After a page of ``stored`` new posts: keep the planner's statistics fresh where the
        database needs telling."""
