"""The search index: the only module that touches it (Whoosh, on disk).

Conventions after MoinMoin 2: one class (:class:`SearchIndex`) owns the index, a
pure function (:func:`document_for`) maps a catalogue record to a document, writers
wait for the lock with a timeout, and a rebuild is built aside and then swapped in.

Design notes:

* All searchable text goes into one field, ``text``, as weighted sections: title
  words weigh 4, summary 2, innovator/unit/region names 1.5, the other sections 1.
  The weights add up into the term frequency, which is what BM25F does, and a query
  word costs one posting list instead of one per field. ``text`` has no positions
  (decoding positions made common words several times slower); a copy with
  positions, ``phrase``, is read only for "quoted phrases".
* A query runs with AND between words; when that finds nothing it runs again with
  OR (as ``OrGroup.factory(0.9)``: documents with more of the words rank higher), so
  long queries still find things while short ones stay precise. Broken syntax is
  read as plain words.
* Totals, filters and facets never go through Whoosh's collectors or facets (slow at
  50,000 documents): each segment's facet values are read once from a column into
  bit masks (Python ints), posting lists of query words become masks (cached per
  index generation), and a count is ``(a & b).bit_count()``. Relevance is BM25
  computed here from the posting blocks, which also avoids Whoosh's collector
  walking every posting of a word that most documents contain.
"""

from __future__ import annotations

import contextlib
import heapq
import html
import itertools
import math
import os
import re
import shutil
import tempfile
import threading
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh import columns, fields, index, qparser, query
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.filelock import try_for

from registry.classify.text import STOPWORDS, TOKEN_RE, fold, index_term, stem

__all__ = [
    "FACETS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SECTION_WEIGHTS",
    "Hit",
    "SearchIndex",
    "SearchResult",
    "SearchUnavailable",
    "analyzer",
    "document_for",
    "highlight",
]

FACETS = ("sector", "focus", "innovator_type", "province", "stage", "year")
SORTS = ("relevance", "newest")

#: Bump when the schema or the analysis changes: an index built by another version
#: reports that it needs a rebuild.
SCHEMA_VERSION = 1
_MARKER = "registry-index.txt"
_INDEXNAME = "MAIN"
_TOC_RE = re.compile(rf"^_{_INDEXNAME}_\d+\.toc$")
_REBUILD_CMD = "run `registry index rebuild`"

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
#: The body sections stored (besides summary and innovation) for snippets.
_DETAIL_SECTIONS = tuple(name for name in SECTION_WEIGHTS[3][0] if name != "innovation")
#: Where a hit's snippet comes from: the first with a match, else the first non-empty.
_HIGHLIGHT_SOURCES = ("summary", "innovation", "details", "title")
_SECTION_GAP = 100  # positions between sections, so a phrase never spans two
_SECTIONED = "\x1c"  # starts a field value made of sections
_SECTION_SEP = "\x1d"  # between sections
_SNIPPET_CHARS = 240
_MAX_QUERY_CHARS = 1000  # longer queries are cut (parsing cost grows with length)
_WALK_LIMIT = 20_000  # steps worth walking the newest order before sorting instead
_TERM_CACHE_SIZE = 2048  # query words whose document masks are kept per generation
_SIMILAR_CACHE_SIZE = 1024
_K1, _B = 1.2, 0.75  # BM25 parameters (Whoosh's defaults)
_SCORE_CACHE_MIN = 1000  # cache the decoded scores of words in at least this many documents
_SCORE_CACHE_POSTINGS = 2_000_000  # about 32 MB of decoded postings per index generation
_SEP = "\x1f"  # between the values of the meta column
_LIST_SEP = "\x1e"  # between sectors
_CONTROL_RE = re.compile(r"[\x00-\x1f]")


class SearchUnavailable(RuntimeError):
    """The index is missing, unreadable, stale, or locked by another writer past the timeout."""


@dataclass
class Hit:
    id: int
    score: float
    #: HTML: the escaped text of a snippet with ``<mark>`` around matched words.
    highlight: str


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None


# -- analysis ---------------------------------------------------------------------------


def _sectioned(texts: Sequence[str]) -> str:
    """Encode section texts (in SECTION_WEIGHTS order) as one field value."""
    return _SECTIONED + _SECTION_SEP.join(_CONTROL_RE.sub(" ", t) for t in texts)


class SectionTokenizer(Tokenizer):
    """Words and numbers of a text, weighted by section for a ``_sectioned`` value.

    Each token's boost is its section's weight (Whoosh adds the boosts up into the
    term's weight); positions jump by ``_SECTION_GAP`` between sections. A plain
    string (a query) is one section of weight 1.
    """

    def __eq__(self, other: object) -> bool:
        return other is not None and other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(
        self,
        value: Any,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        if value.startswith(_SECTIONED):
            texts = value[len(_SECTIONED) :].split(_SECTION_SEP)
            sections = zip(texts, (w for _, w in SECTION_WEIGHTS), strict=False)
        else:
            sections = zip((value,), (1.0,), strict=True)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos, char = start_pos, start_char
        for text, weight in sections:
            text = str(text)
            matches: Iterable[tuple[str, int, int]]
            if tokenize:
                matches = ((m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text))
            else:
                matches = ((text, 0, len(text)),)
            for word, start, end in matches:
                t.text = word
                t.boost = float(weight)
                t.stopped = False
                if keeporiginal:
                    t.original = word
                if positions:
                    t.pos = pos
                pos += 1
                if chars:
                    t.startchar = char + start
                    t.endchar = char + end
                yield t
            pos += _SECTION_GAP
            char += len(text) + 1


class NormalizeFilter(Filter):
    """Fold case and accents, drop Indonesian and English stopwords, stem.

    Stateless on purpose: Whoosh pickles the schema into the index, and this way only
    the class name is stored; the word lists and stemmer come from
    :mod:`registry.classify.text`. Positions close up over removed stopwords, so a
    phrase matches across them, while the gaps between sections stay.
    """

    is_morph = True

    def __eq__(self, other: object) -> bool:
        return other is not None and other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        removed = 0
        for t in tokens:
            term = index_term(t.text)
            if term is None:
                removed += 1
                if not t.removestops:
                    t.stopped = True
                    yield t
                continue
            if t.positions and removed:
                t.pos -= removed
            t.text = term
            t.stopped = False
            yield t


class SpellingFilter(Filter):
    """Folded words of three letters or more, stopwords and numbers dropped, unstemmed."""

    def __eq__(self, other: object) -> bool:
        return other is not None and other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        for t in tokens:
            word = fold(t.text)
            if len(word) < 3 or word.isdigit() or word in STOPWORDS:
                continue
            t.text = word
            yield t


def analyzer() -> Any:
    """The Indonesian+English analyzer of the ``text`` field (and of queries)."""
    return SectionTokenizer() | NormalizeFilter()


def _build_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        # Scored and matched: no positions, so posting blocks decode fast.
        text=fields.TEXT(analyzer=analyzer(), phrase=False),
        # The same words with positions, read only to check "quoted phrases".
        phrase=fields.TEXT(analyzer=analyzer()),
        spell=fields.KEYWORD(analyzer=SectionTokenizer() | SpellingFilter()),
        title=fields.STORED(),
        summary=fields.STORED(),
        innovation=fields.STORED(),
        details=fields.STORED(),  # the other sections, for highlights only
        meta=fields.COLUMN(columns.VarBytesColumn()),
    )


SCHEMA = _build_schema()


# -- records to documents ---------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _clean(value: Any) -> str:
    return _CONTROL_RE.sub(" ", _text(value)).strip()


def _year(started_on: Any) -> str:
    if isinstance(started_on, date):
        return f"{started_on.year:04d}"
    text = _text(started_on).strip()
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
    sections = ["\n".join(_text(get(name)) for name in names) for names, _ in SECTION_WEIGHTS]
    title, summary = _text(get("title")), _text(get("summary"))
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
        ]
    )
    return {
        "id": doc_id,
        "text": _sectioned(sections),
        "phrase": _sectioned(sections),
        "spell": f"{title}\n{summary}",
        "title": title,
        "summary": summary,
        "innovation": _text(get("innovation")),
        "details": "\n".join(_text(get(name)) for name in _DETAIL_SECTIONS if get(name)),
        "meta": meta.encode("utf-8"),
    }


# -- bit masks --------------------------------------------------------------------------

_FLAGS_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_DIGITS_TO_FLAGS = str.maketrans("01", "\x00\x01")


def _mask_of(docnums: Iterable[int], nbits: int) -> int:
    """A mask with the bits of ``docnums`` set."""
    flags = bytearray(nbits + 1)
    for d in docnums:
        flags[d] = 1
    flags.reverse()
    return int(flags.translate(_FLAGS_TO_DIGITS), 2)


_BYTE_BITS = tuple(tuple(i for i in range(8) if b >> i & 1) for b in range(256))
_NONZERO_BYTE = re.compile(rb"[^\x00]")


def _bits_of(mask: int) -> list[int]:
    """The positions of the set bits of ``mask``, ascending."""
    if mask <= 0:
        return []
    nbits = mask.bit_length()
    if mask.bit_count() * 32 < nbits:
        # Sparse: visit the non-zero bytes only.
        raw = mask.to_bytes((nbits + 7) >> 3, "little")
        out: list[int] = []
        for hit in _NONZERO_BYTE.finditer(raw):
            i = hit.start()
            base = i << 3
            out.extend([base + b for b in _BYTE_BITS[raw[i]]])
        return out
    # Dense: one flag byte per bit, then compress() picks the positions at C speed.
    flags = bin(mask)[:1:-1].translate(_DIGITS_TO_FLAGS).encode("latin-1")
    return list(itertools.compress(range(len(flags)), flags))


class _Member:
    """Fast membership tests against a mask (``docnum in _Member(mask)``)."""

    def __init__(self, mask: int):
        self._raw = mask.to_bytes((mask.bit_length() >> 3) + 1, "little")

    def __contains__(self, docnum: int) -> bool:
        i = docnum >> 3
        return 0 <= i < len(self._raw) and bool(self._raw[i] >> (docnum & 7) & 1)


# -- per-segment and per-generation data ----------------------------------------------------


@dataclass
class _Row:
    id: int
    published: float
    updated_at: str
    length: int  # words in the text field, for BM25's length normalization
    values: tuple[tuple[str, ...], ...]  # one tuple of values per facet, in FACETS order


def _decode_meta(raw: bytes) -> _Row | None:
    if not raw:
        return None
    try:
        parts = raw.decode("utf-8").split(_SEP)
        if len(parts) != 4 + len(FACETS):
            return None
        sectors = tuple(s for s in parts[4].split(_LIST_SEP) if s)
        singles = tuple((v,) if v else () for v in parts[5:])
        return _Row(int(parts[0]), float(parts[1]), parts[2], int(parts[3]), (sectors, *singles))
    except ValueError:
        return None


def _newest_key(row: _Row | None) -> tuple[float, int]:
    return (0.0, 0) if row is None else (-row.published, -row.id)


@dataclass
class _Segment:
    """What is read once per segment (segments never change, except for deletions)."""

    key: str  # Whoosh's segment id
    rows: list[_Row | None]
    valid: int  # mask of the docnums with a readable row
    masks: dict[str, dict[str, int]]  # facet -> value -> mask of local docnums
    order: list[int]  # local docnums, newest first
    words: frozenset[str] | None = None  # the spelling words, read on first use


def _load_segment(leaf: Any, key: str) -> _Segment:
    count = leaf.doc_count_all()
    if leaf.has_column("meta"):
        rows = [_decode_meta(raw) for raw in leaf.column_reader("meta")]
    else:
        rows = [None] * count
    builders: list[dict[str, bytearray]] = [{} for _ in FACETS]
    size = (count >> 3) + 1
    valid = bytearray(size)
    for docnum, row in enumerate(rows):
        if row is None:
            continue
        byte, bit = docnum >> 3, 1 << (docnum & 7)
        valid[byte] |= bit
        for values, by_value in zip(row.values, builders, strict=True):
            for value in values:
                buf = by_value.get(value)
                if buf is None:
                    buf = by_value[value] = bytearray(size)
                buf[byte] |= bit
    masks = {
        name: {v: int.from_bytes(buf, "little") for v, buf in by_value.items()}
        for name, by_value in zip(FACETS, builders, strict=True)
    }
    keys = [_newest_key(row) for row in rows]
    order = sorted(range(count), key=keys.__getitem__)
    return _Segment(key, rows, int.from_bytes(valid, "little"), masks, order)


def _postings(reader: Any, fieldname: str, text: Any) -> Iterator[tuple[Sequence[int], Any, int]]:
    """Blocks of (docnums, weights, docnum offset) of a term, deleted documents included.

    Reads Whoosh's posting blocks whole instead of stepping posting by posting (the
    matcher internals of whoosh 2.7); other matchers are stepped through.
    """
    for leaf, offset in reader.leaf_readers():
        try:
            matcher = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # the deleted-documents filter: callers mask those
        if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
            while not matcher._atend and matcher._i < matcher._blocklength:
                if matcher._data is None:
                    matcher._read_data()
                ids, weights = matcher._data[0], matcher._data[1]
                count = matcher._blocklength
                # Ids are stored as deltas; accumulate() decodes them at C speed.
                ids = list(itertools.accumulate(ids, initial=offset))[1:]
                if weights is None:
                    weights = [1.0] * count
                elif isinstance(weights, float):
                    weights = [weights] * count
                yield ids, weights, 0
                matcher._next_block()
        else:
            ids, weights = [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                matcher.next()
            yield ids, weights, offset


def _posting_ids(reader: Any, fieldname: str, text: Any) -> Iterator[int]:
    for ids, _, offset in _postings(reader, fieldname, text):
        yield from (ids if not offset else (d + offset for d in ids))


@dataclass
class _View:
    """Everything derived from one searcher generation."""

    nbits: int
    rows: list[_Row | None]  # by docnum
    alive: int  # mask of live, listable docnums
    count: int  # alive.bit_count()
    masks: dict[str, dict[str, int]]  # facet -> value -> docnum mask (deleted ones too)
    segments: list[tuple[_Segment, int]]  # with their docnum offsets
    all_facets: dict[str, dict[str, int]]
    corrector: Any
    _newest: list[int] | None = None
    _newest_rank: list[int] | None = None  # docnum -> position in the newest order
    _by_id: dict[int, int] | None = None
    term_masks: dict[tuple[str, str], int] = field(default_factory=dict)
    similar_cache: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    _norms: list[float] | None = None
    term_scores: dict[str, tuple[Sequence[int], Sequence[float]]] = field(default_factory=dict)
    term_scores_size: int = 0

    # relevance

    def norms(self) -> list[float]:
        """Per docnum, BM25's length normalization ``K1 * (1 - B + B * length / avg)``."""
        if self._norms is None:
            lengths = [0 if row is None else row.length for row in self.rows]
            live = [lengths[d] for d in _bits_of(self.alive)]
            avg = (sum(live) / len(live)) if live else 1.0
            avg = avg or 1.0
            self._norms = [_K1 * (1 - _B + _B * n / avg) for n in lengths]
        return self._norms

    def rank(
        self,
        searcher: Searcher,
        terms: Mapping[str, float],
        matched: int,
        limit: int,
        coord: bool = False,
    ) -> list[tuple[float, int]]:
        """The ``limit`` best (score, docnum) of ``matched`` by BM25 over ``terms``.

        ``terms`` maps each analyzed word to a boost. The text field's term weights
        already hold the section weights (title 4, summary 2, ...), so this is BM25F.
        With ``coord`` a document's score is scaled by the share of the words it has
        (0.1 + 0.9 * share), as for Whoosh's ``OrGroup.factory(0.9)``.
        """
        if not matched or limit < 1:
            return []
        size = len(self.rows)
        acc = [0.0] * size
        hits = [0] * size if coord else None
        for term, boost in terms.items():
            ids, contributions = self._contributions(searcher, term)
            if boost == 1.0:
                for d, c in zip(ids, contributions, strict=True):
                    acc[d] += c
            else:
                for d, c in zip(ids, contributions, strict=True):
                    acc[d] += c * boost
            if hits is not None:
                for d in ids:
                    hits[d] += 1
        if hits is not None and len(terms) > 1:
            n_terms = len(terms)
            for d in _bits_of(matched):
                acc[d] *= 0.1 + 0.9 * hits[d] / n_terms
        best = heapq.nlargest(limit, _bits_of(matched), key=acc.__getitem__)
        return [(acc[d], d) for d in best]

    def _contributions(
        self, searcher: Searcher, term: str
    ) -> tuple[Sequence[int], Sequence[float]]:
        """(docnums, BM25 score) of one word; big posting lists are cached per generation.

        Decoding Whoosh's posting blocks costs about half a microsecond a posting, so
        a word in most of 50,000 documents is worth keeping decoded while the index
        generation lasts.
        """
        cached = self.term_scores.get(term)
        if cached is not None:
            return cached
        df = (self._term(searcher, "text", term) & self.alive).bit_count()
        if not df:
            return ((), ())
        norms = self.norms()
        factor = (math.log(max(self.count, 1) / (df + 1)) + 1) * (_K1 + 1)
        ids: array[int] = array("l")
        contributions: array[float] = array("d")
        for block_ids, weights, offset in _postings(searcher.reader(), "text", term):
            if offset:
                block_ids = [d + offset for d in block_ids]
            ids.extend(block_ids)
            contributions.extend(
                [factor * w / (w + norms[d]) for d, w in zip(block_ids, weights, strict=True)]
            )
        if len(ids) >= _SCORE_CACHE_MIN:
            if self.term_scores_size + len(ids) > _SCORE_CACHE_POSTINGS:
                self.term_scores.clear()
                self.term_scores_size = 0
            self.term_scores[term] = (ids, contributions)
            self.term_scores_size += len(ids)
        return ids, contributions

    # facets and filters

    def filter_mask(self, filters: Mapping[str, Sequence[str] | str] | None) -> int | None:
        """Mask passing the filters (OR within one filter, AND across); None: no filter."""
        result: int | None = None
        for name, wanted in (filters or {}).items():
            if name not in self.masks:
                raise ValueError(f"unknown filter {name!r}; known: {', '.join(FACETS)}")
            chosen = [wanted] if isinstance(wanted, str) else list(wanted or ())
            values = {str(v) for v in chosen if v is not None and str(v) != ""}
            if not values:
                continue
            by_value = self.masks[name]
            union = 0
            for value in values:
                union |= by_value.get(value, 0)
            result = union if result is None else result & union
        return result

    def facet_counts(self, matched: int) -> dict[str, dict[str, int]]:
        if matched == self.alive:
            return {name: dict(counts) for name, counts in self.all_facets.items()}
        return _count_facets(self.masks, matched)

    # listing order

    @property
    def by_id(self) -> dict[int, int]:
        if self._by_id is None:
            self._by_id = {
                row.id: d for d in _bits_of(self.alive) if (row := self.rows[d]) is not None
            }
        return self._by_id

    def newest(self) -> list[int]:
        """Live docnums, newest published first (built on first use per generation)."""
        if self._newest is None:
            rows = self.rows
            merged = list(
                itertools.chain.from_iterable(
                    seg.order if not offset else [d + offset for d in seg.order]
                    for seg, offset in self.segments
                )
            )
            if len(self.segments) > 1:  # already-sorted runs: Timsort merges them
                merged.sort(key=lambda d: _newest_key(rows[d]))
            live = _Member(self.alive)
            self._newest = [d for d in merged if d in live]
        return self._newest

    def newest_page(self, matched: int, total: int, start: int, stop: int) -> list[int]:
        order = self.newest()
        if matched == self.alive:
            return order[start:stop]
        if stop * self.count <= _WALK_LIMIT * total:
            # Walk the global order until the page is full: about stop * count / total
            # steps, few unless the page is deep into a sparse result.
            member = _Member(matched)
            page: list[int] = []
            for docnum in order:
                if docnum in member:
                    page.append(docnum)
                    if len(page) >= stop:
                        break
            return page[start:stop]
        if self._newest_rank is None:
            rank = [len(order)] * len(self.rows)
            for position, docnum in enumerate(order):
                rank[docnum] = position
            self._newest_rank = rank
        return sorted(_bits_of(matched), key=self._newest_rank.__getitem__)[start:stop]

    # query evaluation on masks

    def match(self, searcher: Searcher, q: query.Query) -> int:
        """Mask of the live documents matching ``q``."""
        return self._mask(searcher, q) & self.alive

    def _mask(self, searcher: Searcher, q: query.Query) -> int:
        if isinstance(q, query.Term):
            return self._term(searcher, q.fieldname, q.text)
        if isinstance(q, query.Or | query.DisjunctionMax):
            out = 0
            for sub in q.subqueries:
                out |= self._mask(searcher, sub)
            return out
        if isinstance(q, query.And):
            positive = [sub for sub in q.subqueries if not isinstance(sub, query.Not)]
            negative = [sub.query for sub in q.subqueries if isinstance(sub, query.Not)]
            found = self.alive
            for sub in positive:
                found &= self._mask(searcher, sub)
            for sub in negative:
                found &= ~self._mask(searcher, sub)
            return found
        if isinstance(q, query.AndNot):
            return self._mask(searcher, q.a) & ~self._mask(searcher, q.b)
        if isinstance(q, query.AndMaybe):
            return self._mask(searcher, q.a)
        if isinstance(q, query.Require):
            return self._mask(searcher, q.a) & self._mask(searcher, q.b)
        if isinstance(q, query.Not):
            return self.alive & ~self._mask(searcher, q.query)
        if isinstance(q, query.Every):
            return self.alive
        if q is query.NullQuery:
            return 0
        if isinstance(q, query.Phrase) and q.fieldname == "text":
            q = query.Phrase("phrase", q.words, slop=q.slop)
        # Phrases and anything else: let Whoosh find the documents.
        return _mask_of(searcher.docs_for_query(q), self.nbits)

    def _term(self, searcher: Searcher, fieldname: str, text: Any) -> int:
        key = (fieldname, str(text))
        mask = self.term_masks.get(key)
        if mask is None:
            if len(self.term_masks) >= _TERM_CACHE_SIZE:
                self.term_masks.clear()
            mask = _mask_of(_posting_ids(searcher.reader(), fieldname, text), self.nbits)
            self.term_masks[key] = mask
        return mask


def _count_facets(
    masks: Mapping[str, Mapping[str, int]], matched: int
) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for name in FACETS:
        found = {}
        for value, mask in masks[name].items():
            n = (mask & matched).bit_count()
            if n:
                found[value] = n
        counts[name] = dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
    return counts


def _build_view(searcher: Searcher, cache: dict[str, _Segment]) -> _View:
    reader = searcher.reader()
    segments: list[tuple[_Segment, int]] = []
    used: dict[str, _Segment] = {}
    rows: list[_Row | None] = []
    alive = 0
    for leaf, offset in reader.leaf_readers():
        count = leaf.doc_count_all()
        if not count:
            continue
        info = leaf.segment()
        key = info.segment_id() if info is not None else ""
        seg = cache.get(key) if key else None
        if seg is None or len(seg.rows) != count:
            seg = _load_segment(leaf, key)
        if key:
            used[key] = seg
        segments.append((seg, offset))
        if len(rows) < offset:
            rows.extend([None] * (offset - len(rows)))
        rows.extend(seg.rows)
        live = seg.valid
        if leaf.has_deletions():
            live &= ~_mask_of(info.deleted_docs(), count)
        alive |= live << offset
    cache.clear()
    cache.update(used)

    nbits = max(len(rows), 1)
    masks: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for seg, offset in segments:
        for name, by_value in seg.masks.items():
            merged = masks[name]
            for value, mask in by_value.items():
                merged[value] = merged.get(value, 0) | (mask << offset)
    return _View(
        nbits=nbits,
        rows=rows,
        alive=alive,
        count=alive.bit_count(),
        masks=masks,
        segments=segments,
        all_facets=_count_facets(masks, alive),
        corrector=reader.corrector("spell"),
    )


# -- queries and highlights ----------------------------------------------------------------

_QUOTE_OR_PAREN = re.compile(r'["()]')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_NEGATED_RE = re.compile(r'(?:^|(?<=[\s(]))(?:-|NOT\s+)("[^"]*"|[^\s()"]+)')


def _parser(group: Any, syntax: bool) -> qparser.QueryParser:
    plugins: list[Any] = []
    if syntax:
        # No fields, wildcards, ranges or boosts: "Jakarta: vaksin" is two words.
        plugins = [
            qparser.PhrasePlugin(),
            qparser.GroupPlugin(),
            qparser.OperatorsPlugin(),
            # + and - only at the start of a word, so "covid-19" stays one word
            qparser.PlusMinusPlugin(plusexpr=r"(?:(?<=[\s(])|^)\+", minusexpr=r"(?:(?<=[\s(])|^)-"),
        ]
    return qparser.QueryParser("text", SCHEMA, plugins=plugins, group=group)


_AND_PARSER = _parser(qparser.AndGroup, syntax=True)
_OR_PARSER = _parser(qparser.OrGroup.factory(0.9), syntax=True)
_PLAIN_AND_PARSER = _parser(qparser.AndGroup, syntax=False)
_PLAIN_OR_PARSER = _parser(qparser.OrGroup.factory(0.9), syntax=False)


@dataclass
class _Parsed:
    query: query.Query
    #: (parser, text) giving the same words with OR between them, tried when
    #: ``query`` finds nothing; None for a single word
    or_source: tuple[qparser.QueryParser, str] | None = None
    #: False for a pure exclusion, which has no relevance order
    scored: bool = True
    #: True for the OR fallback: more of the words, higher the score
    coord: bool = False

    def or_query(self) -> query.Query | None:
        if self.or_source is None:
            return None
        parser, text = self.or_source
        try:
            parsed = parser.parse(text)
        except Exception:
            return None
        return parsed if _positive_terms(parsed) else None


def _balanced(q: str) -> bool:
    if q.count('"') % 2:
        return False
    depth = 0
    for ch in _QUOTE_OR_PAREN.findall(q.replace('"', "")):
        depth += 1 if ch == "(" else -1
        if depth < 0:
            return False
    return depth == 0


def _plain_words(q: str) -> str:
    """The words of a query with all syntax removed (operators become plain words)."""
    return " ".join(w.lower() if w in _OPERATORS else w for w in TOKEN_RE.findall(q))


def _positive_terms(q: query.Query) -> set[str]:
    """Analyzed words a hit may contain (words under NOT are left out)."""
    out: set[str] = set()
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, query.Not):
            continue
        if isinstance(node, query.AndNot):
            stack.append(node.a)
            continue
        if isinstance(node, query.Term) and node.fieldname == "text":
            out.add(str(node.text))
        elif isinstance(node, query.Phrase) and node.fieldname == "text":
            out.update(str(w) for w in node.words)
        stack.extend(node.children())
    return out


def parse_query(q: str) -> _Parsed | None:
    """Parse a query string; None when it constrains nothing (no words, only stopwords).

    Syntax: "phrases", (groups), AND/OR/NOT, +required, -excluded. Input that is not
    valid syntax (stray quotes or brackets, bare operators, colons) is read as its
    plain words; parse errors never reach the caller.
    """
    if _balanced(q):
        try:
            parsed = _AND_PARSER.parse(q)
        except Exception:
            parsed = query.NullQuery
        terms = _positive_terms(parsed)
        if terms:
            return _Parsed(parsed, (_OR_PARSER, q) if len(terms) > 1 else None)
        # Only exclusions ("-vaksin", "NOT vaksin"): everything but those.
        negated = _plain_words(" ".join(_NEGATED_RE.findall(q)))
        if negated:
            excluded = _PLAIN_OR_PARSER.parse(negated)
            if _positive_terms(excluded):
                return _Parsed(query.AndNot(query.Every(), excluded), None, scored=False)
    plain = _plain_words(q)
    if not plain:
        return None
    try:
        parsed = _PLAIN_AND_PARSER.parse(plain)
    except Exception:
        return None
    terms = _positive_terms(parsed)
    if not terms:
        return None
    return _Parsed(parsed, (_PLAIN_OR_PARSER, plain) if len(terms) > 1 else None)


@lru_cache(maxsize=256)
def _could_stem_to(terms: frozenset[str]) -> tuple[Any, re.Pattern[str]]:
    """A cheap test of whether a folded word may be indexed as one of ``terms``.

    Stemming a word not seen before costs Sastrawi about half a millisecond, so
    highlighting only stems words that pass this test: affixes come off, and a
    stem's first and last letters may differ from the word's ("menulis" -> "tulis",
    "happy" -> "happi"), so the word must contain the middle of a term; for a short
    term the word must also be short. A rare miss costs a <mark>, never a result.
    Also returns a pattern of those middles, to find candidate words quickly.
    """
    long_cores = [t[1:-1] for t in terms if len(t) >= 4]
    short = [(t[1:] if len(t) > 1 else t, len(t) + 5) for t in terms if len(t) < 4]

    def test(word: str) -> bool:
        return any(c in word for c in long_cores) or any(
            len(word) <= n and c in word for c, n in short
        )

    cores = sorted({*long_cores, *(c for c, _ in short)}, key=len, reverse=True)
    return test, re.compile("|".join(map(re.escape, cores)) or "(?!)")


def _matches(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` that are indexed as one of ``terms``."""
    may_match, pattern = _could_stem_to(frozenset(terms))
    if not text.isascii():
        return [
            m.span()
            for m in TOKEN_RE.finditer(text)
            if may_match(fold(m.group())) and index_term(m.group()) in terms
        ]
    # ASCII: lowercasing keeps offsets, so scan for the cores and look only at the
    # words around them.
    low = text.lower()
    spans: list[tuple[int, int]] = []
    done = -1
    for hit in pattern.finditer(low):
        if hit.start() < done:
            continue
        start, end = hit.start(), hit.end()
        while start > 0 and low[start - 1].isalnum():
            start -= 1
        while end < len(low) and low[end].isalnum():
            end += 1
        done = end
        word = low[start:end]
        if word and may_match(word) and index_term(text[start:end]) in terms:
            spans.append((start, end))
    return spans


def _cut(text: str, start: int, stop: int) -> tuple[int, int]:
    """Move a window's edges to whitespace so that no word is cut."""
    if start > 0:
        space = text.rfind(" ", max(0, start - 20), start + 1)
        start = space + 1 if space >= 0 else start
    if stop < len(text):
        space = text.find(" ", stop, stop + 20)
        stop = space if space >= 0 else stop
    return start, stop


def highlight(texts: Sequence[str], terms: set[str], width: int = _SNIPPET_CHARS) -> str:
    """HTML snippet of the first text with matches (else of the first non-empty text).

    Every piece of the source text is HTML-escaped; only our own ``<mark>`` tags are raw.
    """
    cleaned = [" ".join(t.split()) for t in texts if t and t.strip()]
    if not cleaned:
        return ""
    chosen, spans = cleaned[0], []
    if terms:
        for text in cleaned:
            found = _matches(text, terms)
            if found:
                chosen, spans = text, found
                break
    start = 0
    if spans:
        # The window of `width` characters holding the most matches, opening a little
        # before the first of them.
        best_i, best_n = 0, 0
        for i, (s, _) in enumerate(spans):
            n = sum(1 for _, e2 in spans[i:] if e2 <= s + width)
            if n > best_n:
                best_i, best_n = i, n
        start = max(0, spans[best_i][0] - width // 6)
    start, stop = _cut(chosen, start, min(len(chosen), start + width))
    parts = ["…"] if start > 0 else []
    pos = start
    for s, e in spans:
        if s < start or e > stop:
            continue
        parts.append(html.escape(chosen[pos:s]))
        parts.append(f"<mark>{html.escape(chosen[s:e])}</mark>")
        pos = e
    parts.append(html.escape(chosen[pos:stop]))
    if stop < len(chosen):
        parts.append("…")
    return "".join(parts)


# -- the index -------------------------------------------------------------------------------


class SearchIndex:
    """The on-disk Whoosh index of published innovations.

    One searcher is kept open and refreshed when the index changes (by this process
    or another); the calls of one instance are serialized by a lock.
    """

    #: A rebuild of at least this many records runs on two worker processes.
    parallel_threshold = 2000

    def __init__(self, index_dir: str | os.PathLike[str], writer_timeout: float = 10.0):
        self.path = Path(index_dir)
        self.writer_timeout = float(writer_timeout)
        self._lock = threading.RLock()
        self._searcher: Searcher | None = None
        self._ident: tuple[int, int, int, int] | None = None
        self._view: _View | None = None
        self._segments: dict[str, _Segment] = {}

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.path)!r})"

    # -- opening -------------------------------------------------------------------------

    def exists(self) -> bool:
        """True when the directory holds an index (readable or not: see ``needs_rebuild``)."""
        try:
            return any(_TOC_RE.match(name) for name in os.listdir(self.path))
        except OSError:
            return False

    def needs_rebuild(self) -> bool:
        """True when the index is missing, unreadable, or built for another schema version."""
        try:
            self._open_ix()
        except SearchUnavailable:
            return True
        return False

    def _open_ix(self) -> Any:
        if not self.exists():
            raise SearchUnavailable(f"no search index at {self.path}; {_REBUILD_CMD}")
        try:
            marker = (self.path / _MARKER).read_text(encoding="utf-8").split()
        except OSError:
            marker = []
        if marker[:2] != ["schema", str(SCHEMA_VERSION)]:
            raise SearchUnavailable(
                f"the search index at {self.path} was built by another version; {_REBUILD_CMD}"
            )
        try:
            return index.open_dir(str(self.path), indexname=_INDEXNAME, schema=SCHEMA)
        except Exception as exc:
            raise SearchUnavailable(
                f"the search index at {self.path} cannot be read ({exc}); {_REBUILD_CMD}"
            ) from exc

    def _build_ident(self) -> tuple[int, int, int] | None:
        """Identifies one build of the index: the marker file each rebuild writes anew.

        (A directory's inode alone is not enough: a later rebuild may get a freed one.)
        """
        try:
            st = os.stat(self.path / _MARKER)
        except OSError:
            return None
        return (st.st_dev, st.st_ino, st.st_mtime_ns)

    def _state(self) -> tuple[Searcher, _View]:
        """The open searcher and its view, reopened or refreshed when the index changed."""
        build = self._build_ident()
        if build is None and self._searcher is not None:
            # A rebuild swaps directories with two renames: wait out that instant.
            for _ in range(5):
                time.sleep(0.02)
                build = self._build_ident()
                if build is not None:
                    break
        if build is None:
            self.close()
            self._open_ix()  # raises the precise reason (missing, or no marker)
            raise SearchUnavailable(f"no search index at {self.path}; {_REBUILD_CMD}")
        searcher = self._searcher
        try:
            if searcher is None or self._ident is None or self._ident[:3] != build:
                self.close()
                searcher = self._open_ix().searcher()
            elif searcher._ix.latest_generation() != self._ident[3]:
                # Not searcher.refresh(): it reuses segment readers by segment id and so
                # keeps their old deletion sets, and deleted documents would stay visible.
                self.close()
                searcher = self._open_ix().searcher()
            ident = (*build, searcher.reader().generation())
            if self._view is None or ident != self._ident:
                self._view = _build_view(searcher, self._segments)
        except SearchUnavailable:
            raise
        except Exception as exc:
            self.close()
            raise SearchUnavailable(
                f"the search index at {self.path} cannot be read ({exc}); {_REBUILD_CMD}"
            ) from exc
        self._searcher, self._ident = searcher, ident
        return searcher, self._view

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                with contextlib.suppress(Exception):
                    self._searcher.close()
            self._searcher = None
            self._ident = None
            self._view = None

    # -- writing -------------------------------------------------------------------------

    def _locked_error(self) -> SearchUnavailable:
        return SearchUnavailable(
            f"the search index at {self.path} is locked by another writer (waited "
            f"{self.writer_timeout:g} s); try again later, then run `registry index sync`"
        )

    def _writer(self) -> Any:
        ix = self._open_ix()
        try:
            return ix.writer(timeout=self.writer_timeout)
        except LockError as exc:
            raise self._locked_error() from exc
        except OSError as exc:
            raise SearchUnavailable(
                f"cannot write the search index at {self.path} ({exc}); {_REBUILD_CMD}"
            ) from exc

    def _refresh(self) -> None:
        with self._lock:
            if self._searcher is not None:
                with contextlib.suppress(SearchUnavailable):
                    self._state()

    def upsert(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents by id; returns how many were written."""
        docs: dict[str, dict[str, Any]] = {}
        for record in records:
            doc = document_for(record)
            docs[doc["id"]] = doc  # the last version of a record wins
        if not docs:
            return 0
        writer = self._writer()
        try:
            for doc in docs.values():
                writer.update_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._refresh()
        return len(docs)

    def remove(self, ids: Iterable[int]) -> int:
        """Delete documents by id; returns how many were removed."""
        keys = sorted({str(int(i)) for i in ids})
        if not keys:
            return 0
        writer = self._writer()
        removed = 0
        try:
            for key in keys:
                removed += writer.delete_by_term("id", key) or 0
        except BaseException:
            writer.cancel()
            raise
        if removed:
            writer.commit()
            self._refresh()
        else:
            writer.cancel()
        return removed

    def create(self) -> None:
        """Create an empty index (and its directory), replacing any index already there."""
        self.rebuild(())

    def rebuild(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Index ``records`` into a sibling directory, then swap it in for the index.

        The old index stays searchable, and write-locked, while the new one is built:
        a concurrent ``upsert`` waits for ``writer_timeout`` and then fails with
        SearchUnavailable (run ``registry index sync`` afterwards). Duplicate ids: the
        first record wins. Returns the number of documents indexed.
        """
        parent = self.path.parent
        parent.mkdir(parents=True, exist_ok=True)
        old_lock = self._lock_existing()
        new_lock = None
        count = 0
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.rebuild-", dir=parent))
        except BaseException:
            if old_lock is not None:
                old_lock.release()
            raise
        try:
            ix = index.create_in(str(tmp), SCHEMA, indexname=_INDEXNAME)
            (tmp / _MARKER).write_text(f"schema {SCHEMA_VERSION}\n", encoding="utf-8")
            # Peek at the first records: only a big rebuild is worth worker processes.
            source = iter(records)
            head = list(itertools.islice(source, self.parallel_threshold))
            procs = min(2, os.cpu_count() or 1) if len(head) >= self.parallel_threshold else 1
            if procs > 1:
                # One segment per worker and no final merge: ~1.9x faster on two cores.
                writer = ix.writer(procs=procs, limitmb=128, multisegment=True)
            else:
                writer = ix.writer(limitmb=256)
            seen: set[str] = set()
            try:
                for record in itertools.chain(head, source):
                    doc = document_for(record)
                    if doc["id"] in seen:
                        continue
                    seen.add(doc["id"])
                    writer.add_document(**doc)
                    count += 1
            except BaseException:
                _cancel(writer)
                raise
            writer.commit(merge=False)
            with ix.reader() as reader:
                indexed = reader.doc_count()
            if indexed != count:  # a worker process failed: keep the old index
                raise SearchUnavailable(
                    f"the rebuild indexed {indexed} of {count} records; the old index is kept"
                )
            new_lock = ix.lock("WRITELOCK")
            new_lock.acquire()  # no writer may slip in between the swap and our release
            aside = None
            if self.path.exists():
                aside = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.old-", dir=parent))
                os.replace(self.path, aside / "index")
            os.replace(tmp, self.path)
            if aside is not None:
                shutil.rmtree(aside, ignore_errors=True)
        finally:
            for lock in (old_lock, new_lock):
                if lock is not None:
                    with contextlib.suppress(Exception):
                        lock.release()
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        self.close()
        return count

    def _lock_existing(self) -> Any:
        """Write-lock the index about to be replaced; refuse to replace what is not one."""
        if not self.path.exists():
            return None
        if not self.path.is_dir():
            raise SearchUnavailable(f"{self.path} is not a directory; cannot put an index there")
        names = [n for n in os.listdir(self.path) if not n.startswith(".")]
        if names and not any(_TOC_RE.match(n) or n == _MARKER for n in names):
            raise SearchUnavailable(
                f"{self.path} holds files that are not a search index; refusing to replace it"
            )
        lock = FileStorage(str(self.path)).lock(f"{_INDEXNAME}_WRITELOCK")
        if not try_for(lock.acquire, timeout=self.writer_timeout, delay=0.1):
            raise self._locked_error()
        return lock

    # -- reading -------------------------------------------------------------------------

    def stamps(self) -> dict[int, str]:
        """id -> updated_at as indexed, so a caller can sync the index with the database."""
        with self._lock:
            _, view = self._state()
            rows = view.rows
            return {
                row.id: row.updated_at for d in _bits_of(view.alive) if (row := rows[d]) is not None
            }

    def search(
        self,
        q: str = "",
        filters: Mapping[str, Sequence[str]] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResult:
        """Search, filter, count facets and return one page of hits.

        An empty query (or one of stopwords only) lists everything that passes the
        filters, newest first. Raises ValueError for a bad sort, page or per_page, or
        an unknown filter name; SearchUnavailable when the index cannot be used.
        """
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        if page < 1:
            raise ValueError("page must be 1 or more")
        if per_page < 1:
            raise ValueError("per_page must be 1 or more")
        q = (q or "")[:_MAX_QUERY_CHARS]
        with self._lock:
            searcher, view = self._state()
            allowed = view.filter_mask(filters)
            parsed = parse_query(q) if q.strip() else None
            if parsed is None:
                matched = view.alive if allowed is None else allowed & view.alive
            else:
                matched = view.match(searcher, parsed.query)
                if allowed is not None:
                    matched &= allowed
                or_query = parsed.or_query() if not matched else None
                if or_query is not None and or_query != parsed.query:
                    parsed = _Parsed(or_query, coord=True)
                    matched = view.match(searcher, or_query)
                    if allowed is not None:
                        matched &= allowed
            total = matched.bit_count()
            facets = view.facet_counts(matched)
            start, stop = (page - 1) * per_page, page * per_page
            scored: list[tuple[float, int]] = []
            if start < total:
                if parsed is None or not parsed.scored or sort == "newest":
                    page_docs = view.newest_page(matched, total, start, stop)
                    scored = [(0.0, d) for d in page_docs]
                else:
                    boosts = dict.fromkeys(_positive_terms(parsed.query), 1.0)
                    coord = parsed.coord and len(boosts) > 1
                    best = view.rank(searcher, boosts, matched, stop, coord=coord)
                    scored = best[start:stop]
            terms = _positive_terms(parsed.query) if parsed is not None else set()
            hits = []
            for score, docnum in scored:
                row = view.rows[docnum]
                if row is None:
                    continue
                stored = searcher.stored_fields(docnum)
                texts = [stored.get(name) or "" for name in _HIGHLIGHT_SOURCES]
                hits.append(Hit(id=row.id, score=score, highlight=highlight(texts, terms)))
            suggestion = _suggestion(searcher, view, q) if q.strip() else None
            return SearchResult(total=total, hits=hits, facets=facets, suggestion=suggestion)

    def suggest(self, q: str) -> str | None:
        """The query with misspelled words corrected, or None when nothing is better."""
        if not q or not q.strip():
            return None
        with self._lock:
            searcher, view = self._state()
            return _suggestion(searcher, view, q)

    def similar(self, id: int, limit: int = 5) -> list[int]:
        """Ids of other documents most like this one, by its most distinctive words."""
        if limit < 1:
            return []
        with self._lock:
            searcher, view = self._state()
            key = (int(id), limit)
            cached = view.similar_cache.get(key)
            if cached is not None:
                return list(cached)
            docnum = view.by_id.get(int(id))
            found = [] if docnum is None else _similar(searcher, view, docnum, limit)
            if len(view.similar_cache) >= _SIMILAR_CACHE_SIZE:
                view.similar_cache.clear()
            view.similar_cache[key] = found
            return list(found)


_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def _edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    out.update(a + c + b[1:] for a, b in splits if b for c in _ALPHABET)
    out.update(a + c + b for a, b in splits for c in _ALPHABET)
    out.discard(word)
    return out


def _spelling_words(searcher: Searcher, view: _View) -> list[frozenset[str]]:
    """The spelling vocabulary, one set per segment (each read once per segment)."""
    by_key = {seg.key: seg for seg, _ in view.segments}
    out = []
    for leaf, _ in searcher.reader().leaf_readers():
        info = leaf.segment()
        seg = by_key.get(info.segment_id()) if info is not None else None
        if seg is None:
            continue
        if seg.words is None:
            seg.words = frozenset(b.decode("utf-8") for b in leaf.lexicon("spell"))
        out.append(seg.words)
    return out


def _cancel(writer: Any) -> None:
    """Cancel a writer, stopping the worker processes of a parallel one.

    (Whoosh's MpWriter.cancel only flags its workers in the parent process; they
    would wait for work forever and keep the interpreter from exiting.)
    """
    for task in getattr(writer, "tasks", ()):
        task.terminate()
        task.join(5)
    writer.cancel()


def _suggestion(searcher: Searcher, view: _View, q: str) -> str | None:
    reader = searcher.reader()
    vocabulary: list[frozenset[str]] | None = None
    changed = False

    def known(word: str) -> bool:
        return bool(reader.doc_frequency("spell", word) or reader.doc_frequency("text", stem(word)))

    def correct(word: str) -> str | None:
        nonlocal vocabulary
        if vocabulary is None:
            vocabulary = _spelling_words(searcher, view)
        # One edit away: check every candidate against the vocabulary (fast and exact).
        near = [c for c in _edits1(word) if any(c in words for words in vocabulary)]
        if near:
            return max(near, key=lambda c: (reader.doc_frequency("spell", c), c))
        if len(word) > 4:
            # Two edits away: Whoosh's automaton, limited to words sharing 2 letters.
            found = view.corrector.suggest(word, limit=1, maxdist=2, prefix=2)
            if found:
                return str(found[0])
        return None

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        original = match.group(0)
        word = fold(original)
        if (
            original in _OPERATORS
            or len(word) < 3
            or word.isdigit()
            or word in STOPWORDS
            or known(word)
        ):
            return original
        better = correct(word)
        if better is None:
            return original
        changed = True
        return better

    suggestion = TOKEN_RE.sub(replace, q).strip()
    return suggestion if changed and suggestion != q.strip() else None


def _similar(searcher: Searcher, view: _View, docnum: int, limit: int) -> list[int]:
    reader = searcher.reader()
    stored = searcher.stored_fields(docnum)
    text = " ".join(stored.get(k) or "" for k in ("title", "title", "summary", "innovation"))
    tf = Counter(t for w in TOKEN_RE.findall(text) if (t := index_term(w)) is not None)
    n_docs = max(1, view.count)
    weights: list[tuple[float, str]] = []
    for term, freq in tf.items():
        df = reader.doc_frequency("text", term)
        if df <= 1 or df > n_docs // 2:
            continue  # only here (finds nothing else), or in most documents (says nothing)
        weights.append((freq * math.log(n_docs / df), term))
    weights.sort(reverse=True)
    top = weights[:10]
    if not top:
        return []
    boosts = {term: w for w, term in top}
    candidates = 0
    for term in boosts:
        candidates |= view._term(searcher, "text", term)
    candidates &= view.alive & ~(1 << docnum)
    out = []
    for _, d in view.rank(searcher, boosts, candidates, limit):
        row = view.rows[d]
        if row is not None:
            out.append(row.id)
    return out
