"""The search index: the only module that touches it (Whoosh, on disk).

Conventions after MoinMoin 2: one class (:class:`SearchIndex`) owns the index, a
pure function (:func:`document_for`) maps a catalogue record to a document, writers
wait for the lock with a timeout, and a rebuild is built aside and then swapped in.

Design notes:

* All searchable text goes into one field, ``text``, as weighted sections: title
  words weigh 4, summary 2, innovator/unit/region names 1.5, the other sections 1.
  The weights add up into the term frequency, which is what BM25F does, and a query
  word costs one posting list instead of one per field. ``text`` has no positions
  (they doubled the build time and slowed common words); "quoted phrases" are
  checked on the stored text of the documents that have all their words.
* Indexing skips the analyzer chain for our own values (``SectionText``,
  ``SpellingWords``: same terms, a fraction of the cost), and a big rebuild runs on
  two worker processes, one segment each.
* Index files are memory-mapped and read in place (``_MappedStorage``): Whoosh's own
  mmap path copies every opened part of a segment onto the heap.
* A query runs with AND between words; when that finds nothing it runs again with
  OR (as ``OrGroup.factory(0.9)``: documents with more of the words rank higher), so
  long queries still find things while short ones stay precise. Broken syntax is
  read as plain words.
* Totals, filters and facets never go through Whoosh's collectors or facets (slow at
  50,000 documents): each segment's facet values are read once from a column into
  bit masks (Python ints), posting lists of query words become masks (cached per
  index generation), and a count is ``(a & b).bit_count()``. Relevance is BM25
  computed here with numpy from the posting blocks (decoded once per generation),
  which also avoids Whoosh's collector walking every posting of a common word.
"""

from __future__ import annotations

import contextlib
import gc
import html
import itertools
import math
import mmap
import multiprocessing
import os
import queue
import re
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from whoosh import columns, fields, qparser, query
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC, LockError, clean_files
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.util.filelock import try_for
from whoosh.writing import PostingPool

from registry import search_synonyms
from registry.text import STOPWORDS, TOKEN_RE, fold, index_term, stem

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

# regency after the first six: added for the map (a regency links to its search)
FACETS = (
    "sector",
    "focus",
    "innovator_type",
    "province",
    "stage",
    "year",
    "regency",
    "operating_status",
    "replicated",
)
SORTS = ("relevance", "newest")

#: Bump when the schema or the analysis changes: an index built by another version
#: reports that it needs a rebuild.
SCHEMA_VERSION = 4  # 3: regency, operating_status and replicated facets; 4: both at once
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
#: The body sections (besides innovation) that make a snippet's "details".
_DETAIL_SECTIONS = tuple(name for name in SECTION_WEIGHTS[3][0] if name != "innovation")
_SECTION_GAP = 100  # positions between sections, so a phrase never spans two
_SECTIONED = "\x1c"  # starts a field value made of sections
_SECTION_SEP = "\x1d"  # between sections
_SNIPPET_CHARS = 240
_MAX_QUERY_CHARS = 1000  # longer queries are cut (parsing cost grows with length)
_TERM_CACHE_SIZE = 2048  # query words whose document masks are kept per generation
_SIMILAR_CACHE_SIZE = 1024
_K1, _B = 1.2, 0.75  # BM25 parameters (Whoosh's defaults)
_POSTINGS_CACHE = 1_500_000  # decoded postings kept per generation (16 bytes each)
#: Postings per block in a rebuilt index (Whoosh's default is 128): fewer, bigger
#: blocks cost less to write and to read whole.
_BLOCK_LIMIT = 1024
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


# A token's indexed form, by surface form: ``index_term`` behind a plain dict, which a
# list comprehension reads at C speed (the analyzer chain costs ~1 µs a token).
_TERMS: dict[str, str | None] = {}
_TERMS_MAX = 500_000
_T = TypeVar("_T", str, bytes)


def _cached_terms(text: str, cache: dict[str, _T | None], convert: Callable[[str], _T]) -> list[_T]:
    """The indexed terms of a text in order, stopwords dropped, each through ``convert``;
    ``cache`` maps surface forms to them."""
    words = TOKEN_RE.findall(text)
    try:
        found = [cache[w] for w in words]
    except KeyError:
        if len(cache) > _TERMS_MAX:
            cache.clear()
        for w in words:
            if w not in cache:
                term = index_term(w)
                cache[w] = None if term is None else convert(term)
        found = [cache[w] for w in words]
    return [t for t in found if t is not None]


def _terms_of(text: str) -> list[str]:
    """The indexed terms of a text in order, stopwords dropped (as ``analyzer()`` gives)."""
    return _cached_terms(text, _TERMS, str)


_PACKED = tuple(pack_uint(n) for n in range(256))
_TERM_BYTES: dict[str, bytes | None] = {}  # as _TERMS, UTF-8 encoded
_ENCODED: dict[str, bytes] = {}


def _term_bytes_of(text: str) -> list[bytes]:
    """``_terms_of`` as UTF-8 bytes, the form a Whoosh field's ``index`` returns."""
    return _cached_terms(text, _TERM_BYTES, str.encode)


def _encoded(term: str) -> bytes:
    found = _ENCODED.get(term)
    if found is None:
        if len(_ENCODED) > _TERMS_MAX:
            _ENCODED.clear()
        found = _ENCODED[term] = term.encode("utf-8")
    return found


def _packed(n: int) -> bytes:
    return _PACKED[n] if n < 256 else pack_uint(n)


def _section_texts(value: str) -> list[str]:
    return value[len(_SECTIONED) :].split(_SECTION_SEP)


_WEIGHTS = tuple(weight for _, weight in SECTION_WEIGHTS)


class SectionText(fields.TEXT):
    """The ``text`` field: indexes a ``_sectioned`` value without the analyzer chain.

    The result equals ``analyzer()``'s (frequency = occurrences, weight = the sum of
    the section weights; tests compare the two), at a fraction of the cost per token.
    Anything else (and queries) goes through the analyzer.
    """

    def index(self, value: Any, **kwargs: Any) -> Any:
        if not (isinstance(value, str) and value.startswith(_SECTIONED)):
            return super().index(value, **kwargs)
        every: list[bytes] = []
        extra: dict[bytes, float] = {}  # weight above 1 per occurrence, summed
        for text, weight in zip(_section_texts(value), _WEIGHTS, strict=False):
            terms = _term_bytes_of(text)
            every += terms
            if weight != 1.0:
                for term in terms:
                    extra[term] = extra.get(term, 0.0) + weight - 1.0
        boost = self.format.field_boost
        packed, get = _PACKED, extra.get
        items = [
            (term, n, n + get(term, 0.0), packed[n] if n < 256 else pack_uint(n))
            for term, n in Counter(every).items()
        ]
        if boost != 1.0:
            items = [(t, n, w * boost, v) for t, n, w, v in items]
        return items


def _spelling_of(value: str) -> Counter[str]:
    """Folded words of three letters or more, stopwords and numbers dropped, unstemmed."""
    words = (fold(w) for w in TOKEN_RE.findall(value))
    return Counter(w for w in words if len(w) >= 3 and not w.isdigit() and w not in STOPWORDS)


class SpellingWords(fields.KEYWORD):
    """The ``spell`` field: the same words as its analyzer, counted without the chain.

    A mapping of words to counts is indexed as given: a rebuild writes one such
    vocabulary document per segment (see ``_build_segments``) instead of the words of
    every document.
    """

    def index(self, value: Any, **kwargs: Any) -> Any:
        if isinstance(value, Mapping):
            counts = value
        elif isinstance(value, str) and not value.startswith(_SECTIONED):
            counts = _spelling_of(value)
        else:
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        return [(_encoded(word), n, n * boost, _packed(n)) for word, n in counts.items()]


#: The stored texts of a document, in SECTION_WEIGHTS order: snippets, similar
#: documents and the check of "quoted phrases" read them.
_STORED_NAMES = tuple(name for names, _ in SECTION_WEIGHTS for name in names)
_SECTION_SLICES = tuple(
    slice(start, start + len(names))
    for start, names in zip(
        itertools.accumulate((len(n) for n, _ in SECTION_WEIGHTS), initial=0),
        (n for n, _ in SECTION_WEIGHTS),
        strict=False,
    )
)


def _build_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        # Scored and matched: no positions, so posting blocks decode fast and the index
        # builds fast; "quoted phrases" are checked on the stored text instead.
        text=SectionText(analyzer=analyzer(), phrase=False),
        spell=SpellingWords(analyzer=SectionTokenizer() | SpellingFilter()),
        texts=fields.STORED(),  # the texts of _STORED_NAMES, as a tuple
        meta=fields.COLUMN(columns.VarBytesColumn()),
    )


SCHEMA = _build_schema()


# -- reading the index files without copying them ---------------------------------------


class _ViewReader:
    """A read-only file over a memoryview: reads copy only the bytes asked for."""

    def __init__(self, view: memoryview):
        self._view = view
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        start = self._pos
        end = len(self._view) if n is None or n < 0 else min(start + n, len(self._view))
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, limit: int = -1) -> bytes:
        view, start = self._view, self._pos
        end = len(view) if limit is None or limit < 0 else min(len(view), start + limit)
        newline = bytes(view[start:end]).find(b"\n")
        return self.read((end - start) if newline < 0 else newline + 1)

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        self._pos = base + pos
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._pos = 0


class _MappedFile(StructFile):
    """A StructFile over a memory map, and sub-files that share it (no copies).

    Whoosh's own mmap path copies each opened part of a segment into a BytesIO
    (``BufferFile``): 143 MiB per worker at 50,000 documents. A compound segment
    opened from this file uses ``subset()`` instead (CompoundStorage does when its
    storage reports ``supports_mmap = False``), so the pages stay shared and lazy.
    """

    def __init__(self, view: memoryview, name: str | None = None):
        super().__init__(_ViewReader(view), name=name)
        self._view = view
        self.is_real = False

    def subset(self, position: int, length: int, name: str | None = None) -> _MappedFile:
        return _MappedFile(self._view[position : position + length], name=name or self._name)

    def get(self, position: int, length: int) -> bytes:
        return bytes(self._view[position : position + length])

    def close(self) -> None:
        self.is_closed = True


class _MappedStorage(FileStorage):
    """A FileStorage whose files are read through ``_MappedFile`` (see there)."""

    def __init__(self, path: str | os.PathLike[str]):
        # CompoundStorage then reads through our subset() instead of its copying map
        super().__init__(str(path), supports_mmap=False)

    def open_file(self, name: str, **kwargs: Any) -> Any:
        path = self._fpath(name)
        try:
            with open(path, "rb") as f:
                mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # an empty file cannot be mapped
            return super().open_file(name, **kwargs)
        return _MappedFile(memoryview(mapped), name=name)


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
            _clean(get("regency")),
            _clean(get("operating_status")) or "tidak-diketahui",
            "true" if get("replicated") else "false",
        ]
    )
    return {
        "id": doc_id,
        "text": _sectioned(sections),
        "spell": f"{title}\n{summary}",
        "texts": tuple(_text(get(name)) for name in _STORED_NAMES),
        "meta": meta.encode("utf-8"),
    }


# -- bit masks --------------------------------------------------------------------------


def _mask_of(docnums: Iterable[int], nbits: int) -> int:
    """A mask with the bits of ``docnums`` set."""
    flags = np.zeros(nbits, dtype=np.uint8)
    flags[np.fromiter(docnums, dtype=np.int64)] = 1
    return _mask_of_flags(flags)


def _mask_of_flags(flags: np.ndarray) -> int:
    return int.from_bytes(np.packbits(flags.view(np.uint8), bitorder="little").tobytes(), "little")


def _flags_of(mask: int, nbits: int) -> np.ndarray:
    """A bool array of ``nbits`` entries, True where ``mask`` has a bit set."""
    raw = np.frombuffer(mask.to_bytes((nbits + 7) >> 3, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little", count=nbits).view(bool)


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
        doc_id, published, updated_at, length, sectors, *singles = parts
        values = (tuple(v for v in sectors.split(_LIST_SEP) if v),) + tuple(
            (v,) if v else () for v in singles
        )
        if len(values) != len(FACETS):
            return None
        return _Row(int(doc_id), float(published), updated_at, int(length), values)
    except ValueError:
        return None


@dataclass
class _Segment:
    """What is read once per segment (segments never change, except for deletions).

    Arrays, not an object per document: at 50,000 documents that saves ~45 MiB.
    """

    key: str  # Whoosh's segment id
    count: int
    ids: np.ndarray  # int64 by local docnum; -1 where the meta column is unreadable
    published: np.ndarray  # float64 seconds
    lengths: np.ndarray  # float64 words in the text field (BM25's length normalization)
    valid: int  # mask of the docnums with a readable row
    masks: dict[str, dict[str, int]]  # facet -> value -> mask of local docnums
    words: frozenset[str] | None = None  # the spelling words, read on first use


def _meta_rows(leaf: Any) -> list[_Row | None]:
    if not leaf.has_column("meta"):
        return [None] * leaf.doc_count_all()
    return [_decode_meta(raw) for raw in leaf.column_reader("meta")]


def _load_segment(leaf: Any, key: str) -> _Segment:
    count = leaf.doc_count_all()
    rows = _meta_rows(leaf)
    ids = np.full(count, -1, dtype=np.int64)
    published = np.zeros(count, dtype=np.float64)
    lengths = np.zeros(count, dtype=np.float64)
    builders: list[dict[str, bytearray]] = [{} for _ in FACETS]
    size = (count >> 3) + 1
    valid = bytearray(size)
    for docnum, row in enumerate(rows):
        if row is None:
            continue
        ids[docnum], published[docnum], lengths[docnum] = row.id, row.published, row.length
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
    return _Segment(key, count, ids, published, lengths, int.from_bytes(valid, "little"), masks)


_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


def _postings(reader: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, weights) of a term as arrays, deleted documents included.

    Reads Whoosh's posting blocks whole instead of stepping posting by posting (the
    block layout of whoosh 2.7's W3 codec: a pickled tuple of id deltas, weights,
    values); any other matcher is stepped through (``_step_postings``, tested to
    give the same).
    """
    ids: list[int] = []
    weights: list[float] = []
    for leaf, offset in reader.leaf_readers():
        try:
            matcher = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # the deleted-documents filter: callers mask those
        if _BLOCK_READS and isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
            while not matcher._atend and matcher._i < matcher._blocklength:
                if matcher._data is None:
                    matcher._read_data()
                deltas, block_weights = matcher._data[0], matcher._data[1]
                count = matcher._blocklength
                # Ids are deltas from the block's start; accumulate() decodes at C speed.
                ids.extend(itertools.islice(itertools.accumulate(deltas, initial=offset), 1, None))
                if block_weights is None:
                    weights.extend(itertools.repeat(1.0, count))
                elif isinstance(block_weights, float):
                    weights.extend(itertools.repeat(block_weights, count))
                else:
                    weights.extend(block_weights)
                matcher._next_block()
        else:
            _step_postings(matcher, offset, ids, weights)
    if not ids:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


#: Read posting blocks whole (see ``_postings``); False steps through every matcher.
_BLOCK_READS = True


def _step_postings(matcher: Any, offset: int, ids: list[int], weights: list[float]) -> None:
    while matcher.is_active():
        ids.append(matcher.id() + offset)
        weights.append(matcher.weight())
        matcher.next()


@dataclass
class _View:
    """Everything derived from one searcher generation."""

    nbits: int
    ids: np.ndarray  # by docnum: the record id, -1 for none
    published: np.ndarray
    lengths: np.ndarray
    alive: int  # mask of live, listable docnums
    count: int  # alive.bit_count()
    masks: dict[str, dict[str, int]]  # facet -> value -> docnum mask (deleted ones too)
    segments: list[tuple[_Segment, int]]  # with their docnum offsets
    all_facets: dict[str, dict[str, int]]
    corrector: Any
    _alive_flags: np.ndarray | None = None
    _newest: np.ndarray | None = None
    _by_id: tuple[np.ndarray, np.ndarray] | None = None  # sorted ids, their docnums
    _norms: np.ndarray | None = None
    term_masks: dict[tuple[str, str], int] = field(default_factory=dict)
    similar_cache: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    postings_size: int = 0

    def flags(self, mask: int) -> np.ndarray:
        if mask == self.alive:
            if self._alive_flags is None:
                self._alive_flags = _flags_of(self.alive, self.nbits)
            return self._alive_flags
        return _flags_of(mask, self.nbits)

    def docnum_of(self, id: int) -> int | None:
        if self._by_id is None:
            live = np.flatnonzero(self.flags(self.alive))
            order = np.argsort(self.ids[live], kind="stable")
            self._by_id = (self.ids[live][order], live[order])
        sorted_ids, docnums = self._by_id
        i = int(np.searchsorted(sorted_ids, id))
        if i < len(sorted_ids) and sorted_ids[i] == id:
            return int(docnums[i])
        return None

    # relevance

    def norms(self) -> np.ndarray:
        """Per docnum, BM25's length normalization ``K1 * (1 - B + B * length / avg)``."""
        if self._norms is None:
            live = self.lengths[self.flags(self.alive)]
            avg = float(live.mean()) if len(live) else 1.0
            avg = avg or 1.0
            self._norms = _K1 * (1 - _B + _B * self.lengths / avg)
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
        (0.1 + 0.9 * share), as for Whoosh's ``OrGroup.factory(0.9)``. Ties go to the
        lower docnum.
        """
        if not matched or limit < 1:
            return []
        acc = np.zeros(self.nbits, dtype=np.float64)
        hits = np.zeros(self.nbits, dtype=np.int32) if coord and len(terms) > 1 else None
        for term, boost in terms.items():
            ids, contributions = self._contributions(searcher, term)
            if not len(ids):
                continue
            acc[ids] += contributions if boost == 1.0 else contributions * boost
            if hits is not None:
                hits[ids] += 1
        candidates = np.flatnonzero(self.flags(matched))
        scores = acc[candidates]
        if hits is not None:
            scores *= 0.1 + 0.9 * hits[candidates] / len(terms)
        if len(candidates) > limit:
            kth = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            keep = scores >= kth
            candidates, scores = candidates[keep], scores[keep]
        best = np.lexsort((candidates, -scores))[:limit]
        return [(float(scores[i]), int(candidates[i])) for i in best]

    def _term_postings(self, searcher: Searcher, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, weights) of a word of the text field, cached per generation.

        Decoding Whoosh's posting blocks costs about half a microsecond a posting,
        so the words of recent queries stay decoded while the generation lasts.
        """
        cached = self.postings.get(term)
        if cached is not None:
            return cached
        found = _postings(searcher.reader(), "text", term)
        if self.postings_size + len(found[0]) > _POSTINGS_CACHE:
            self.postings.clear()
            self.postings_size = 0
        self.postings[term] = found
        self.postings_size += len(found[0])
        return found

    def _contributions(self, searcher: Searcher, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, BM25 score) of one word."""
        ids, weights = self._term_postings(searcher, term)
        if not len(ids):
            return ids, weights
        df = (self._term(searcher, "text", term) & self.alive).bit_count()
        if not df:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        factor = (math.log(max(self.count, 1) / (df + 1)) + 1) * (_K1 + 1)
        return ids, factor * weights / (weights + self.norms()[ids])

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

    def newest(self) -> np.ndarray:
        """Live docnums, newest published first (built on first use per generation)."""
        if self._newest is None:
            order = np.lexsort((-self.ids, -self.published))
            self._newest = order[self.flags(self.alive)[order]]
        return self._newest

    def newest_page(self, matched: int, start: int, stop: int) -> list[int]:
        order = self.newest()
        if matched != self.alive:
            order = order[self.flags(matched)[order]]
        return [int(d) for d in order[start:stop]]

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
            return self._phrase(searcher, [str(w) for w in q.words], q.slop)
        # Anything else: let Whoosh find the documents.
        return _mask_of(searcher.docs_for_query(q), self.nbits)

    def _term(self, searcher: Searcher, fieldname: str, text: Any) -> int:
        key = (fieldname, str(text))
        mask = self.term_masks.get(key)
        if mask is None:
            if fieldname == "text":
                ids = self._term_postings(searcher, str(text))[0]
            else:
                ids = _postings(searcher.reader(), fieldname, text)[0]
            flags = np.zeros(self.nbits, dtype=np.uint8)
            flags[ids] = 1
            mask = _mask_of_flags(flags)
            if len(self.term_masks) >= _TERM_CACHE_SIZE:
                self.term_masks.clear()
            self.term_masks[key] = mask
        return mask

    def _phrase(self, searcher: Searcher, words: list[str], slop: int) -> int:
        """Documents with ``words`` in order, each within ``slop`` positions of the last.

        The index keeps no positions (they made the index twice as slow to build and
        common words slower to read): the documents with all the words are checked on
        their stored text, analyzed as the index does, section by section.
        """
        key = ("\x00phrase", f"{slop} " + " ".join(words))
        mask = self.term_masks.get(key)
        if mask is not None:
            return mask
        candidates = self.alive
        for word in dict.fromkeys(words):
            candidates &= self._term(searcher, "text", word)
        found = [
            d
            for d in np.flatnonzero(self.flags(candidates)).tolist()
            if _has_phrase(searcher.stored_fields(d).get("texts") or (), words, slop)
        ]
        mask = _mask_of(found, self.nbits)
        if len(self.term_masks) >= _TERM_CACHE_SIZE:
            self.term_masks.clear()
        self.term_masks[key] = mask
        return mask


def _has_phrase(texts: Sequence[str], words: Sequence[str], slop: int) -> bool:
    """True when a section of ``texts`` (stored, _STORED_NAMES order) holds the phrase."""
    slop = max(1, int(slop))
    for part in _SECTION_SLICES:
        terms = _terms_of("\n".join(texts[part]))
        if not terms:
            continue
        places: dict[str, list[int]] = {}
        for position, term in enumerate(terms):
            places.setdefault(term, []).append(position)
        ends = places.get(words[0], [])
        for word in words[1:]:
            if not ends:
                break
            following = places.get(word, [])
            ends = [p for p in following if any(0 < p - e <= slop for e in ends)]
        if ends:
            return True
    return False


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
    alive = 0
    nbits = 0
    for leaf, offset in reader.leaf_readers():
        count = leaf.doc_count_all()
        if not count:
            continue
        info = leaf.segment()
        key = info.segment_id() if info is not None else ""
        seg = cache.get(key) if key else None
        if seg is None or seg.count != count:
            seg = _load_segment(leaf, key)
        if key:
            used[key] = seg
        segments.append((seg, offset))
        nbits = max(nbits, offset + count)
        live = seg.valid
        if leaf.has_deletions():
            live &= ~_mask_of(info.deleted_docs(), count)
        alive |= live << offset
    cache.clear()
    cache.update(used)

    nbits = max(nbits, 1)
    ids = np.full(nbits, -1, dtype=np.int64)
    published = np.zeros(nbits, dtype=np.float64)
    lengths = np.zeros(nbits, dtype=np.float64)
    masks: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for seg, offset in segments:
        ids[offset : offset + seg.count] = seg.ids
        published[offset : offset + seg.count] = seg.published
        lengths[offset : offset + seg.count] = seg.lengths
        for name, by_value in seg.masks.items():
            merged = masks[name]
            for value, mask in by_value.items():
                merged[value] = merged.get(value, 0) | (mask << offset)
    return _View(
        nbits=nbits,
        ids=ids,
        published=published,
        lengths=lengths,
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


def _snippet_sources(texts: Sequence[str]) -> list[str]:
    """Where a hit's snippet comes from: the first with a match, else the first non-empty.

    Summary, innovation, the other body sections, title (from the stored ``texts``).
    """
    by_name = dict(zip(_STORED_NAMES, texts, strict=False))
    details = "\n".join(t for name in _DETAIL_SECTIONS if (t := by_name.get(name)))
    return [
        by_name.get("summary", ""),
        by_name.get("innovation", ""),
        details,
        by_name.get("title", ""),
    ]


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


class IndexBatch:
    """Changes made through one held writer (see ``SearchIndex.batch``)."""

    def __init__(self, writer: Any):
        self._writer = writer
        self.upserted = 0
        self.removed = 0

    def upsert(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents by id; returns how many were written."""
        docs: dict[str, dict[str, Any]] = {}
        for record in records:
            doc = document_for(record)
            docs[doc["id"]] = doc  # the last version of a record wins
        for doc in docs.values():
            self._writer.update_document(**doc)
        self.upserted += len(docs)
        return len(docs)

    def remove(self, ids: Iterable[int]) -> int:
        """Delete documents by id; returns how many were removed."""
        removed = 0
        for key in sorted({str(int(i)) for i in ids}):
            removed += self._writer.delete_by_term("id", key) or 0
        self.removed += removed
        return removed


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
            return _MappedStorage(self.path).open_index(_INDEXNAME, schema=SCHEMA)
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
            return ix.writer(timeout=self.writer_timeout, codec=_codec())
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

    @contextlib.contextmanager
    def batch(self) -> Iterator[IndexBatch]:
        """One writer for several changes, committed together when the block ends.

        The write lock is taken first, before the caller reads what to write: a writer that
        gets the lock later also read the database later, so updates land in the order of
        the commits they come from (a stale read can no longer overwrite a newer one).
        """
        writer = self._writer()
        batch = IndexBatch(writer)
        try:
            yield batch
        except BaseException:
            writer.cancel()
            raise
        if batch.upserted or batch.removed:
            writer.commit()
            self._refresh()
        else:
            writer.cancel()

    def upsert(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents by id; returns how many were written."""
        with self.batch() as batch:
            return batch.upsert(records)

    def remove(self, ids: Iterable[int]) -> int:
        """Delete documents by id; returns how many were removed."""
        with self.batch() as batch:
            return batch.remove(ids)

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
            storage = _MappedStorage(tmp)
            ix = storage.create_index(SCHEMA, indexname=_INDEXNAME)
            (tmp / _MARKER).write_text(f"schema {SCHEMA_VERSION}\n", encoding="utf-8")
            # Peek at the first records: only a big rebuild is worth worker processes.
            source = iter(records)
            head = list(itertools.islice(source, self.parallel_threshold))
            procs = min(2, os.cpu_count() or 1) if len(head) >= self.parallel_threshold else 1
            unique = _first_of_each_id(itertools.chain(head, source))
            if procs > 1 and "fork" in multiprocessing.get_all_start_methods():
                _warm_terms(head)  # the workers inherit the stems (Sastrawi is slow)
                count = _parallel_build(storage, tmp, unique, procs)
            else:
                count = _build_segments(ix, unique)
            with ix.reader() as reader:
                indexed = reader.doc_count() - reader.doc_frequency("id", _VOCABULARY_ID)
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
            searcher, view = self._state()
            stamps: dict[int, str] = {}
            for leaf, offset in searcher.reader().leaf_readers():
                count = leaf.doc_count_all()
                live = view.flags(view.alive)[offset : offset + count]
                for docnum, row in enumerate(_meta_rows(leaf)):
                    if row is not None and live[docnum]:
                        stamps[row.id] = row.updated_at
            return stamps

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
            # everyday abbreviations and English also find their Indonesian equivalents
            parsed = parse_query(search_synonyms.expand(q)) if q.strip() else None
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
                    page_docs = view.newest_page(matched, start, stop)
                    scored = [(0.0, d) for d in page_docs]
                else:
                    boosts = dict.fromkeys(_positive_terms(parsed.query), 1.0)
                    coord = parsed.coord and len(boosts) > 1
                    best = view.rank(searcher, boosts, matched, stop, coord=coord)
                    scored = best[start:stop]
            terms = _positive_terms(parsed.query) if parsed is not None else set()
            hits = []
            for score, docnum in scored:
                doc_id = int(view.ids[docnum])
                if doc_id < 0:
                    continue
                texts = _snippet_sources(searcher.stored_fields(docnum).get("texts") or ())
                hits.append(Hit(id=doc_id, score=score, highlight=highlight(texts, terms)))
            suggestion = _suggestion(searcher, view, q) if q.strip() else None
            return SearchResult(total=total, hits=hits, facets=facets, suggestion=suggestion)

    def version(self) -> tuple[int, ...]:
        """Changes whenever what a search sees does (a rebuild or a committed update): a cache
        key for results derived from the index (the map's counts)."""
        with self._lock:
            self._state()
            return tuple(self._ident or ())

    def warm(self) -> None:
        """Open the searcher and build what the first search would (a server's start-up)."""
        with self._lock:
            _, view = self._state()
            view.newest()
            view.norms()
        parse_query("warm up")

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
            docnum = view.docnum_of(int(id))
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


class _FieldWriter(W3FieldWriter):
    """Whoosh 2.7's W3 field writer with a leaner loop over the sorted postings.

    The same calls and the same bytes as ``FieldWriter.add_postings`` (tests compare
    the two), without its per-posting order checks (the pool sorts), length lookups
    (see ``_codec``) and ``add_posting``'s type assertions: ~40 % of the CPU time of
    writing a segment. Anything unexpected goes to Whoosh's own loop.
    """

    def add_postings(self, schema: Any, lengths: Any, items: Iterable[Any]) -> None:
        if lengths is not None or not _LEAN_POSTINGS:
            super().add_postings(schema, lengths, items)
            return
        lastfn: str | None = None
        lasttext: bytes | None = None
        writer: Any = None
        ids: Any = None
        weights: Any = None
        values: list[bytes] = []
        limit = 0
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfn:
                if lasttext is not None:
                    self.finish_term()
                if lastfn is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfn, lasttext = fieldname, None
            if docnum == -1:  # Whoosh's marker for spelling-only words
                continue
            if btext != lasttext:
                if lasttext is not None:
                    self.finish_term()
                self.start_term(btext)
                lasttext = btext
                writer = self._postwriter
                ids, weights, values = writer._ids, writer._weights, writer._values
                limit = writer._blocklimit
            if len(ids) >= limit:
                writer._write_block()  # starts new lists
                ids, weights, values = writer._ids, writer._weights, writer._values
            ids.append(docnum)
            weights.append(weight)
            if weight > writer._maxweight:
                writer._maxweight = weight
            if value:
                values.append(value)
        if lasttext is not None:
            self.finish_term()
        if lastfn is not None:
            self.finish_field()


#: Use ``_FieldWriter``'s loop (False: Whoosh's own, for comparison in the tests).
_LEAN_POSTINGS = True


class _Codec(W3Codec):
    """Whoosh's W3 codec without per-block length stats, writing with ``_FieldWriter``.

    The stats (shortest and longest document of a block) serve only Whoosh's own
    scorers, which this module does not use, and gathering them looked up a document
    length for every posting: a third of the CPU time of indexing.
    """

    length_stats = False

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _FieldWriter(self, storage, segment)


def _codec() -> W3Codec:
    """The codec of our writers: bigger posting blocks (fewer to write and read)."""
    return _Codec(blocklimit=_BLOCK_LIMIT, compression=1)


# -- building a new index -------------------------------------------------------------

_BATCH = 250  # records per message to a worker process
_LIMIT_MB = 256  # a writer's posting buffer before it spills sorted runs to disk
_SEGMENT_DOCS = 8000  # documents per segment of a rebuild (~1.1 million postings)
_VOCABULARY_ID = "vocabulary"  # the id of a segment's spelling vocabulary document


def _first_of_each_id(records: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    seen: set[int] = set()
    for record in records:
        key = int(record["id"])
        if key not in seen:
            seen.add(key)
            yield record


def _warm_terms(records: Iterable[Mapping[str, Any]]) -> None:
    for record in records:
        for names, _ in SECTION_WEIGHTS:
            for name in names:
                _term_bytes_of(_text(record.get(name)))


class _LeanPool(PostingPool):
    """Whoosh's posting pool with a cheaper ``add`` (one call per posting).

    The same sorted runs; only the memory estimate is coarser (a fixed size per
    posting instead of one computed from each posting's parts).
    """

    _POSTING_BYTES = 160

    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128, **kwargs: Any):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.fieldnames.update(name for name, f in SCHEMA.items() if f.indexed)
        self._max_items = max(1, self.limit // self._POSTING_BYTES)

    def add(self, item: Any) -> None:
        current = self.current
        current.append(item)
        if len(current) >= self._max_items:
            self.save()


def _new_writer(ix: Any) -> Any:
    writer = ix.writer(limitmb=_LIMIT_MB, codec=_codec())
    pool = getattr(writer, "pool", None)
    if (
        pool is not None and type(pool) is PostingPool and not pool.current
    ):  # whoosh 2.7's pool, still empty
        writer.pool = _LeanPool(writer._tempstorage, writer.newsegment, limitmb=_LIMIT_MB)
    return writer


def _build_segments(ix: Any, records: Iterable[Mapping[str, Any]]) -> int:
    """Index ``records`` into new segments of ``ix``; returns how many.

    A segment every ``_SEGMENT_DOCS`` records keeps the posting pool in memory: past
    ``_LIMIT_MB`` Whoosh spills sorted runs to disk and merges them back one posting
    at a time in Python, which took longer than the indexing itself.

    The spelling words go into one vocabulary document per segment, each word
    weighted by the number of documents that have it, instead of a posting per
    document: a fifth of all postings. That document has no row (``meta``), so it is
    never listed, counted or matched; suggestions read the words' weights. (Words of
    documents deleted later stay in it until the next rebuild.)
    """
    count = 0
    source = iter(records)
    while True:
        chunk = list(itertools.islice(source, _SEGMENT_DOCS))
        if not chunk and count:
            return count
        writer = _new_writer(ix)
        vocabulary: Counter[str] = Counter()
        try:
            for record in chunk:
                doc = document_for(record)
                vocabulary.update(_spelling_of(doc.pop("spell")).keys())
                writer.add_document(**doc)
            if vocabulary:
                writer.add_document(id=_VOCABULARY_ID, spell=dict(vocabulary))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=False)
        count += len(chunk)
        if len(chunk) < _SEGMENT_DOCS:
            return count


def _build_part(path: str, jobs: Any, results: Any) -> None:
    """A worker process: index batches of records from ``jobs`` into an index at ``path``."""
    # The posting pool holds millions of tuples, which each full collection would walk
    # (a quarter of the CPU time); nothing here makes reference cycles worth collecting.
    gc.disable()
    try:
        ix = _MappedStorage(path).create_index(SCHEMA, indexname=_INDEXNAME)
        batches = iter(jobs.get, None)
        results.put(_build_segments(ix, itertools.chain.from_iterable(batches)))
    except BaseException as exc:
        results.put(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
        raise


def _put(jobs: Any, item: Any, workers: Sequence[Any]) -> None:
    """Queue work, failing instead of waiting forever when every worker has died."""
    while True:
        try:
            jobs.put(item, timeout=1.0)
            return
        except queue.Full:
            if not any(worker.is_alive() for worker in workers):
                raise SearchUnavailable("the worker processes of the rebuild died") from None


def _parallel_build(
    storage: Any, tmp: Path, records: Iterable[Mapping[str, Any]], procs: int
) -> int:
    """Index ``records`` with ``procs`` worker processes, one segment each, no merge.

    Each worker builds a small index of its own in ``tmp``; their segments then go
    into the index at ``tmp`` under one table of contents (as Whoosh's MpWriter does
    with ``multisegment=True``, whose workers we cannot give a lighter pool).
    """
    context = multiprocessing.get_context("fork")
    jobs = context.Queue(procs * 4)
    results = context.Queue()
    parts = [Path(tempfile.mkdtemp(prefix="part-", dir=tmp)) for _ in range(procs)]
    workers = [
        context.Process(target=_build_part, args=(str(part), jobs, results), daemon=True)
        for part in parts
    ]
    for worker in workers:
        worker.start()
    try:
        sent = 0
        batch: list[Mapping[str, Any]] = []
        for record in records:
            batch.append(record)
            if len(batch) >= _BATCH:
                _put(jobs, batch, workers)
                sent += len(batch)
                batch = []
        if batch:
            _put(jobs, batch, workers)
            sent += len(batch)
        for _ in workers:
            _put(jobs, None, workers)
        counts: list[Any] = []
        while len(counts) < len(workers):
            try:
                counts.append(results.get(timeout=1.0))
            except queue.Empty:
                if not any(worker.is_alive() for worker in workers):
                    break  # one died without a word (killed): reported below
        for worker in workers:
            worker.join()
    except BaseException:
        for worker in workers:
            worker.terminate()
            worker.join(5)
        raise
    failed = [c for c in counts if isinstance(c, BaseException)]
    if failed or any(w.exitcode != 0 for w in workers) or sum(counts) != sent:
        raise SearchUnavailable(f"a worker process of the rebuild failed ({failed or 'exit'})")
    segments = []
    for part in parts:
        segments += TOC.read(_MappedStorage(part), _INDEXNAME, schema=SCHEMA).segments
        for name in os.listdir(part):
            if not _TOC_RE.match(name) and not name.endswith("_WRITELOCK"):
                os.replace(part / name, tmp / name)
        shutil.rmtree(part)
    TOC(SCHEMA, segments, 1).write(storage, _INDEXNAME)
    clean_files(storage, _INDEXNAME, 1, segments)
    return sent


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
            # the weight: documents with the word (see _build_segments), occurrences
            # for documents indexed one by one
            return max(near, key=lambda c: (reader.frequency("spell", c), c))
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
    stored = dict(
        zip(_STORED_NAMES, searcher.stored_fields(docnum).get("texts") or (), strict=False)
    )
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
        if view.ids[d] >= 0:
            out.append(int(view.ids[d]))
    return out
