"""Records to documents: the pure mapping every search backend indexes (no Whoosh here).

A published catalogue record becomes one document: its id, its searchable text as
weighted sections (:data:`SECTION_WEIGHTS`), the words for spelling suggestions, the
stored texts that snippets, similar documents and "quoted phrases" read, and one row
of facet values and dates (``meta``, decoded by :func:`decode_meta`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from registry.text import TOKEN_RE

from .contract import FACETS

#: The record fields in each weighted section of the ``text`` field.
SECTION_WEIGHTS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("title",), 4.0),
    (("summary",), 2.0),
    (("innovator_name", "unit", "regency_name", "province_name"), 1.5),
    (
        (
            "background",
            "innovation",
            "implementation",
            "results",
            "adaptability",
            "resources",
            "sustainability",
        ),
        1.0,
    ),
)
WEIGHTS = tuple(weight for _, weight in SECTION_WEIGHTS)
#: The body sections (besides innovation) that make a snippet's "details".
DETAIL_SECTIONS = tuple(name for name in SECTION_WEIGHTS[3][0] if name != "innovation")
SECTION_GAP = 100  # positions between sections, so a phrase never spans two
SECTIONED = "\x1c"  # starts a field value made of sections
_SECTION_SEP = "\x1d"  # between sections
_SEP = "\x1f"  # between the values of the meta column
_LIST_SEP = "\x1e"  # between sectors
_CONTROL_RE = re.compile(r"[\x00-\x1f]")

#: The stored texts of a document, in SECTION_WEIGHTS order: snippets, similar
#: documents and the check of "quoted phrases" read them.
STORED_NAMES = tuple(name for names, _ in SECTION_WEIGHTS for name in names)
SECTION_SLICES = tuple(
    slice(start, start + len(names))
    for start, names in zip(
        itertools.accumulate((len(n) for n, _ in SECTION_WEIGHTS), initial=0),
        (n for n, _ in SECTION_WEIGHTS),
        strict=False,
    )
)


def sectioned(texts: Sequence[str]) -> str:
    """Encode section texts (in SECTION_WEIGHTS order) as one field value."""
    return SECTIONED + _SECTION_SEP.join(_CONTROL_RE.sub(" ", t) for t in texts)


def section_texts(value: str) -> list[str]:
    """The section texts of a ``sectioned`` value."""
    return value[len(SECTIONED) :].split(_SECTION_SEP)


def text_of(value: Any) -> str:
    """A record value as text ("" for None)."""
    return "" if value is None else str(value)


def _clean(value: Any) -> str:
    return _CONTROL_RE.sub(" ", text_of(value)).strip()


def _year(started_on: Any) -> str:
    if isinstance(started_on, date):
        return f"{started_on.year:04d}"
    text = text_of(started_on).strip()
    return text[:4] if len(text) >= 4 and text[:4].isdigit() else ""


def _timestamp(value: Any) -> float:
    """Seconds since the epoch of an ISO datetime (naive means UTC); 0.0 when unknown."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _stamp(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _clean(value)


def document_for(record: Mapping[str, Any]) -> dict[str, Any]:
    """Map a published catalogue record to the Whoosh document that indexes it (pure)."""
    get = record.get
    doc_id = str(int(record["id"]))
    sections = ["\n".join(text_of(get(name)) for name in names) for names, _ in SECTION_WEIGHTS]
    title, summary = text_of(get("title")), text_of(get("summary"))
    sectors = [_clean(s) for s in (get("sectors") or ()) if _clean(s)]
    meta = _SEP.join(
        [
            doc_id,
            repr(_timestamp(get("published_at"))),
            _stamp(get("updated_at")),
            str(sum(len(TOKEN_RE.findall(section)) for section in sections)),
            _LIST_SEP.join(sectors),
            _clean(get("focus")),
            _clean(get("innovator_type")),
            _clean(get("province")),
            _clean(get("stage")),
            _year(get("started_on")),
            _clean(get("regency")),
            _clean(get("operating_status")) or "tidak-diketahui",
            "true" if get("replicated") else "false",
        ]
    )
    return {
        "id": doc_id,
        "text": sectioned(sections),
        "spell": f"{title}\n{summary}",
        "texts": tuple(text_of(get(name)) for name in STORED_NAMES),
        "meta": meta.encode("utf-8"),
    }


@dataclass
class Row:
    """A document's ``meta`` value, decoded."""

    id: int
    published: float
    updated_at: str
    length: int  # words in the text field, for BM25's length normalization
    values: tuple[tuple[str, ...], ...]  # one tuple of values per facet, in FACETS order


def decode_meta(raw: bytes) -> Row | None:
    """The row of a ``meta`` value; None for none or one that cannot be read."""
    if not raw:
        return None
    try:
        parts = raw.decode("utf-8").split(_SEP)
        doc_id, published, updated_at, length, sectors, *singles = parts
        values = (tuple(v for v in sectors.split(_LIST_SEP) if v),) + tuple(
            (v,) if v else () for v in singles
        )
        if len(values) != len(FACETS):
            return None
        return Row(int(doc_id), float(published), updated_at, int(length), values)
    except ValueError:
        return None
