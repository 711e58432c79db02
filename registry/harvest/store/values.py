"""Values PostgreSQL and SQLite both store: cleaned strings, JSON encoded once, IN lists in
chunks. Shared by the page store, the grouping and the bulk writers."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, bindparam
from sqlalchemy.types import TypeDecorator

CHUNK = 500  # values per IN (...) list


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def clean(value: str | None, limit: int | None = None) -> str:
    """A string PostgreSQL and SQLite both store: no NUL, no lone surrogates."""
    if not value:
        return ""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    return value[:limit] if limit else value


def _clean_json(value: Any) -> Any:
    """The same JSON value with its strings made storable (copied only where needed)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no Infinity or NaN (Python writes them; PostgreSQL refuses them)
    return value


class EncodedJSON(TypeDecorator[Any]):
    """A JSON column's value passed as text already encoded (by :func:`encode_json`): the
    column's own JSON type would encode every value again, row by row."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Any) -> None:
        return None


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_EMPTY: dict[type, str] = {dict: "{}", list: "[]"}


def encode_json(value: Any) -> str | None:
    """``value`` as JSON text that PostgreSQL and SQLite both store (see :func:`clean`)."""
    if value is None:
        return None
    if not value and type(value) in _EMPTY:
        return _EMPTY[type(value)]
    try:
        encoded: str = _dumps(value)
    except ValueError:  # Infinity or NaN somewhere in an archive's item
        return str(_dumps(_clean_json(value)))
    if "\\u0000" in encoded:
        return str(_dumps(_clean_json(value)))
    if not encoded.isascii():
        try:
            encoded.encode("utf-8")
        except UnicodeEncodeError:
            return str(_dumps(_clean_json(value)))
    return encoded


def json_text(value: Any) -> str | None:
    """A JSON value as :func:`encode_json` text, unless it is that text already."""
    return value if isinstance(value, str) else encode_json(value)


def encoded_params(table: Any, *names: str) -> dict[str, Any]:
    """Bound values for ``names``, JSON columns of ``table``, given as :func:`encode_json` text."""
    return {n: bindparam(n, type_=EncodedJSON()) for n in names if n in table.c}
