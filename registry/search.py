"""The search index: the only module that touches it (Whoosh, on disk).

Conventions after MoinMoin 2: one class (:class:`SearchIndex`) owns the index,
a pure function (:func:`document_for`) maps a catalogue record to a document,
writers wait for the lock with a timeout, and a rebuild is built aside and then
swapped in.

How a search runs (see ``SearchIndex.search``):

* the query string is parsed with AND between words; when that finds nothing, it
  is run again with OR between words (``OrGroup.factory(0.9)``, more matching
  words rank higher), so long queries still find things while short ones stay
  precise. Broken syntax falls back to the plain words.
* filters and facets never go through Whoosh: for every searcher generation we
  load one small column per document (id, dates, facet values) into Python sets,
  once, and count facets as set intersections with the matched document numbers.
  Whoosh's own grouped facets are far slower at 50,000 documents.
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import re
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from whoosh import columns, fields, index, qparser, query
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.index import LockError
from whoosh.searching import Searcher

from registry.classify.text import STOPWORDS, TOKEN_RE, fold, index_term, stem

__all__ = [
    "FACETS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Hit",
    "SearchIndex",
    "SearchResult",
    "SearchUnavailable",
    "analyzer",
    "document_for",
]

FACETS = ("sector", "focus", "innovator_type", "province", "stage", "year")
SORTS = ("relevance", "newest")

#: Bump when the schema or the analyzer changes: an index built by another
#: version is reported as needing a rebuild.
SCHEMA_VERSION = 1
_MARKER = "registry-index.txt"
_INDEXNAME = "MAIN"
_REBUILD_CMD = "run `registry index rebuild`"
_TOC_RE = re.compile(rf"^_{_INDEXNAME}_\d+\.toc$")

#: Record sections indexed in the ``body`` field (title and summary have their own).
BODY_SECTIONS = (
    "background",
    "innovation",
    "implementation",
    "results",
    "adaptability",
    "resources",
    "sustainability",
)
#: Searched fields and their weights: title over summary over the other sections.
FIELD_BOOSTS = {"title": 4.0, "summary": 2.0, "body": 1.0, "place": 1.5, "innovator": 1.5}
TEXT_FIELDS = tuple(FIELD_BOOSTS)
_SIMILAR_FIELDS = ("title", "summary", "body")

_SNIPPET_CHARS = 240
_SEP = "\x1f"  # between the values of the meta column
_LIST_SEP = "\x1e"  # between sectors
_CONTROL_RE = re.compile(r"[\x00-\x1f]")


class SearchUnavailable(RuntimeError):
    """The index is missing, corrupt, stale, or locked by another writer past the timeout."""


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


# -- analysis -----------------------------------------------------------------


class NormalizeFilter(Filter):
    """Fold case and accents, drop Indonesian and English stopwords, stem.

    Stateless on purpose: it is pickled into the index by reference only, and the
    word lists and stemmer come from :mod:`registry.classify.text`. Positions are
    renumbered over removed stopwords so phrases match across them.
    """

    is_morph = True

    def __eq__(self, other: object) -> bool:
        return other is not None and other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        pos: int | None = None
        for t in tokens:
            term = index_term(t.text)
            if term is None:
                if not t.removestops:
                    t.stopped = True
                    yield t
                continue
            if t.positions:
                pos = t.pos if pos is None else pos + 1
                t.pos = pos
            t.stopped = False
            t.text = term
            yield t


class FoldFilter(Filter):
    """Fold case and accents, drop stopwords, no stemming (the spelling field)."""

    def __eq__(self, other: object) -> bool:
        return other is not None and other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        for t in tokens:
            word = fold(t.text)
            if word in STOPWORDS or len(word) < 3 or word.isdigit():
                continue
            t.text = word
            yield t


def analyzer() -> Any:
    """The Indonesian+English analyzer of every searched text field."""
    return RegexTokenizer(TOKEN_RE.pattern) | NormalizeFilter()


def _spelling_analyzer() -> Any:
    return RegexTokenizer(TOKEN_RE.pattern) | FoldFilter()


def _build_schema() -> fields.Schema:
    text = analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=text, stored=True),
        summary=fields.TEXT(analyzer=text, stored=True),
        body=fields.TEXT(analyzer=text),
        place=fields.TEXT(analyzer=text),
        innovator=fields.TEXT(analyzer=text),
        spell=fields.TEXT(analyzer=_spelling_analyzer(), phrase=False),
        innovation=fields.STORED(),
        meta=fields.COLUMN(columns.VarBytesColumn()),
    )


SCHEMA = _build_schema()


# -- records to documents -------------------------------------------------------


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
    """Seconds since the epoch for an ISO datetime (naive means UTC); 0.0 when unknown."""
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
    title = _text(get("title"))
    summary = _text(get("summary"))
    sections = [_text(get(name)) for name in BODY_SECTIONS]
    sectors = [_clean(s) for s in (get("sectors") or ()) if _clean(s)]
    meta = _SEP.join(
        [
            str(int(record["id"])),
            repr(_timestamp(get("published_at"))),
            _stamp(get("updated_at")),
            _LIST_SEP.join(sectors),
            _clean(get("focus")),
            _clean(get("innovator_type")),
            _clean(get("province")),
            _clean(get("stage")),
            _year(get("started_on")),
        ]
    )
    return {
        "id": str(int(record["id"])),
        "title": title,
        "summary": summary,
        "body": "\n\n".join(s for s in sections if s),
        "place": " ".join(_text(get(k)) for k in ("province_name", "regency_name") if get(k)),
        "innovator": " ".join(_text(get(k)) for k in ("innovator_name", "unit") if get(k)),
        "spell": f"{title}\n{summary}",
        "innovation": _text(get("innovation")),
        "meta": meta.encode("utf-8"),
    }


# -- per-generation view of the index -------------------------------------------


@dataclass
class _Row:
    id: int
    published: float
    updated_at: str
    values: tuple[tuple[str, ...], ...]  # one tuple of values per facet, in FACETS order


def _decode_meta(raw: bytes) -> _Row | None:
    if not raw:
        return None
    parts = raw.decode("utf-8").split(_SEP)
    if len(parts) != 3 + len(FACETS):
        return None
    sectors = tuple(s for s in parts[3].split(_LIST_SEP) if s)
    singles = tuple((v,) if v else () for v in parts[4:])
    return _Row(int(parts[0]), float(parts[1]), parts[2], (sectors, *singles))


@dataclass
class _View:
    """Everything that is loaded once per searcher generation."""

    rows: list[_Row | None]  # by docnum; None for a deleted document
    alive: set[int]
    by_id: dict[int, int]
    values: dict[str, dict[str, set[int]]]  # facet -> value -> docnums
    newest: list[int]  # live docnums, newest published first
    all_facets: dict[str, dict[str, int]] = field(default_factory=dict)
    corrector: Any = None

    def allowed(self, filters: Mapping[str, Sequence[str]] | None) -> set[int] | None:
        """Docnums passing the filters (OR within one filter, AND across); None: no filter."""
        result: set[int] | None = None
        for name, wanted in (filters or {}).items():
            if name not in self.values:
                raise ValueError(f"unknown filter {name!r}; known: {', '.join(FACETS)}")
            if isinstance(wanted, str):
                wanted = [wanted]
            chosen = [str(v) for v in wanted if v is not None and str(v) != ""]
            if not chosen:
                continue
            by_value = self.values[name]
            union: set[int] = set()
            for value in chosen:
                union |= by_value.get(value, set())
            result = union if result is None else result & union
        return result

    def facet_counts(self, matched: set[int]) -> dict[str, dict[str, int]]:
        if len(matched) == len(self.alive):
            return {k: dict(v) for k, v in self.all_facets.items()}
        counts: dict[str, dict[str, int]] = {}
        for name in FACETS:
            out: dict[str, int] = {}
            for value, docs in self.values[name].items():
                n = len(docs & matched) if len(docs) < len(matched) else len(matched & docs)
                if n:
                    out[value] = n
            counts[name] = _sorted_counts(out)
        return counts

    def newest_page(self, matched: set[int], start: int, stop: int) -> list[int]:
        if len(matched) == len(self.alive):
            return self.newest[start:stop]
        if len(matched) * 8 >= len(self.alive):
            page: list[int] = []
            for docnum in self.newest:
                if docnum in matched:
                    page.append(docnum)
                    if len(page) >= stop:
                        break
            return page[start:stop]
        rows = self.rows
        return sorted(matched, key=lambda d: _newest_key(rows[d]))[start:stop]


def _newest_key(row: _Row | None) -> tuple[float, int]:
    return (0.0, 0) if row is None else (-row.published, -row.id)


def _sorted_counts(counts: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _build_view(searcher: Searcher, segment_cache: dict[str, list[_Row | None]]) -> _View:
    reader = searcher.reader()
    rows: list[_Row | None] = []
    alive: set[int] = set()
    used: dict[str, list[_Row | None]] = {}
    for leaf, offset in reader.leaf_readers():
        count = leaf.doc_count_all()
        if not count:
            continue
        segment = leaf.segment()
        key = segment.segment_id() if segment is not None else ""
        seg_rows = segment_cache.get(key) if key else None
        if seg_rows is None or len(seg_rows) != count:
            if leaf.has_column("meta"):
                seg_rows = [_decode_meta(raw) for raw in leaf.column_reader("meta")]
            else:
                seg_rows = [None] * count
        if key:
            used[key] = seg_rows
        if len(rows) < offset:
            rows.extend([None] * (offset - len(rows)))
        rows.extend(seg_rows)
        if leaf.has_deletions():
            alive.update(offset + d for d in leaf.all_doc_ids())
        else:
            alive.update(range(offset, offset + count))
    segment_cache.clear()
    segment_cache.update(used)

    by_id: dict[int, int] = {}
    values: dict[str, dict[str, set[int]]] = {name: {} for name in FACETS}
    value_sets = [values[name] for name in FACETS]
    live_rows = []
    for docnum in sorted(alive):
        row = rows[docnum]
        if row is None:
            continue
        live_rows.append((docnum, row))
        by_id[row.id] = docnum
        for facet_values, by_value in zip(row.values, value_sets, strict=True):
            for value in facet_values:
                docs = by_value.get(value)
                if docs is None:
                    by_value[value] = {docnum}
                else:
                    docs.add(docnum)
    # Rows that failed to decode (None) are still searchable but never listed or counted.
    alive = {docnum for docnum, _ in live_rows}
    newest = [d for d, _ in sorted(live_rows, key=lambda dr: _newest_key(dr[1]))]
    all_facets = {
        name: _sorted_counts({v: len(s) for v, s in values[name].items()}) for name in FACETS
    }
    return _View(rows, alive, by_id, values, newest, all_facets, reader.corrector("spell"))


# -- query parsing and highlighting ------------------------------------------------

_QUOTE_OR_PAREN = re.compile(r'["()]')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def _parser(group: Any, syntax: bool) -> qparser.QueryParser:
    plugins: list[Any] = []
    if syntax:
        # No fields, wildcards, ranges or boosts: "Jakarta: vaksin" is two words.
        plugins = [
            qparser.PhrasePlugin(),
            qparser.GroupPlugin(),
            qparser.OperatorsPlugin(),
            # + and - only at the start of a word: "covid-19" and "x-ray" stay words
            qparser.PlusMinusPlugin(plusexpr=r"(?:(?<=[\s(])|^)\+", minusexpr=r"(?:(?<=[\s(])|^)-"),
        ]
    parser = qparser.QueryParser(None, SCHEMA, plugins=plugins, group=group)
    parser.add_plugin(qparser.MultifieldPlugin(TEXT_FIELDS, fieldboosts=FIELD_BOOSTS))
    return parser


_AND_PARSER = _parser(qparser.AndGroup, syntax=True)
_OR_PARSER = _parser(qparser.OrGroup.factory(0.9), syntax=True)
_PLAIN_AND_PARSER = _parser(qparser.AndGroup, syntax=False)
_PLAIN_OR_PARSER = _parser(qparser.OrGroup.factory(0.9), syntax=False)


@dataclass
class _Parsed:
    query: query.Query
    #: the same words with OR between them, tried when ``query`` finds nothing
    or_query: query.Query | None = None
    #: False for a pure exclusion, which has no relevance order
    scored: bool = True


_NEGATED_RE = re.compile(r'(?:^|(?<=[\s(]))(?:-|NOT\s+)("[^"]*"|[^\s()"]+)')


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
    """Analyzed words a hit may contain (terms under NOT are left out)."""
    out: set[str] = set()
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, query.Not):
            continue
        if isinstance(node, query.AndNot):
            stack.append(node.a)
            continue
        if isinstance(node, query.Term) and node.fieldname in FIELD_BOOSTS:
            out.add(str(node.text))
        elif isinstance(node, query.Phrase) and node.fieldname in FIELD_BOOSTS:
            out.update(str(w) for w in node.words)
        stack.extend(node.children())
    return out


def _has_terms(q: query.Query) -> bool:
    return q is not query.NullQuery and bool(_positive_terms(q))


def _matches(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` that are indexed as one of ``terms``."""
    return [m.span() for m in TOKEN_RE.finditer(text) if index_term(m.group()) in terms]


def _cut(text: str, start: int, stop: int) -> tuple[int, int]:
    """Move a window's edges to whitespace so no word is cut."""
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
    texts = [" ".join(t.split()) for t in texts if t and t.strip()]
    if not texts:
        return ""
    chosen, spans = texts[0], []
    if terms:
        for text in texts:
            found = _matches(text, terms)
            if found:
                chosen, spans = text, found
                break
    if spans:
        # The window of `width` characters holding the most matches, opening a little
        # before the first of them.
        best_i, best_n = 0, 0
        for i, (s, _) in enumerate(spans):
            n = sum(1 for s2, e2 in spans[i:] if e2 <= s + width)
            if n > best_n:
                best_i, best_n = i, n
        start = max(0, spans[best_i][0] - width // 6)
    else:
        start = 0
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


# -- the index ------------------------------------------------------------------------


class SearchIndex:
    """The on-disk Whoosh index of published innovations.

    One searcher is kept open and refreshed when the index changes (in this process
    or another); searches in one process are serialized by a lock.
    """

    def __init__(self, index_dir: str | os.PathLike[str], writer_timeout: float = 10.0):
        self.path = Path(index_dir)
        self.writer_timeout = float(writer_timeout)
        self._lock = threading.RLock()
        self._searcher: Searcher | None = None
        self._ident: tuple[int, int, int] | None = None
        self._view: _View | None = None
        self._segment_cache: dict[str, list[_Row | None]] = {}

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.path)!r})"

    # -- state ---------------------------------------------------------------------

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

    def _dir_ident(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def _open_ix(self) -> index.FileIndex:
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

    def _state(self) -> tuple[Searcher, _View]:
        """The open searcher and its view, reopened or refreshed when the index changed."""
        dir_ident = self._dir_ident()
        if dir_ident is None and self._searcher is not None:
            # A rebuild swaps directories with two renames: wait out that instant.
            for _ in range(5):
                time.sleep(0.02)
                dir_ident = self._dir_ident()
                if dir_ident is not None:
                    break
        if dir_ident is None:
            self.close()
            raise SearchUnavailable(f"no search index at {self.path}; {_REBUILD_CMD}")
        searcher = self._searcher
        try:
            if searcher is None or self._ident is None or self._ident[:2] != dir_ident:
                self.close()
                ix = self._open_ix()
                searcher = ix.searcher()
            else:
                gen = searcher._ix.latest_generation()
                if gen != self._ident[2]:
                    searcher = searcher.refresh()
            generation = searcher.reader().generation()
            ident = (*dir_ident, generation)
            if self._view is None or ident != self._ident:
                self._view = _build_view(searcher, self._segment_cache)
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

    # -- writing -------------------------------------------------------------------

    def _writer(self, ix: index.FileIndex, **options: Any) -> Any:
        try:
            return ix.writer(timeout=self.writer_timeout, **options)
        except LockError as exc:
            raise SearchUnavailable(
                f"the search index at {self.path} is locked by another writer "
                f"(waited {self.writer_timeout:g} s); try again later, then run "
                "`registry index sync`"
            ) from exc
        except OSError as exc:
            raise SearchUnavailable(
                f"cannot write the search index at {self.path} ({exc}); {_REBUILD_CMD}"
            ) from exc

    def _after_write(self) -> None:
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
        writer = self._writer(self._open_ix())
        try:
            for doc in docs.values():
                writer.update_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._after_write()
        return len(docs)

    def remove(self, ids: Iterable[int]) -> int:
        """Delete documents by id; returns how many documents were removed."""
        keys = sorted({str(int(i)) for i in ids})
        if not keys:
            return 0
        writer = self._writer(self._open_ix())
        removed = 0
        try:
            for key in keys:
                removed += writer.delete_by_term("id", key) or 0
        except BaseException:
            writer.cancel()
            raise
        if removed:
            writer.commit()
            self._after_write()
        else:
            writer.cancel()
        return removed

    def create(self) -> None:
        """Create an empty index (and its directory), replacing any index already there."""
        self.rebuild(())

    def rebuild(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Index ``records`` into a sibling directory, then swap it in place of the index.

        The old index stays searchable and write-locked while the new one is built (a
        concurrent ``upsert`` waits, then fails with SearchUnavailable: run ``registry
        index sync`` afterwards). Duplicate ids: the first record wins.
        """
        parent = self.path.parent
        parent.mkdir(parents=True, exist_ok=True)
        old_lock = self._lock_existing()
        tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.rebuild-", dir=parent))
        new_lock = None
        count = 0
        try:
            ix = index.create_in(str(tmp), SCHEMA, indexname=_INDEXNAME)
            (tmp / _MARKER).write_text(f"schema {SCHEMA_VERSION}\n", encoding="utf-8")
            writer = ix.writer(limitmb=256)
            seen: set[str] = set()
            try:
                for record in records:
                    doc = document_for(record)
                    if doc["id"] in seen:
                        continue
                    seen.add(doc["id"])
                    writer.add_document(**doc)
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit(merge=False)
            new_lock = ix.lock("WRITELOCK")
            new_lock.acquire()  # so no writer slips in between the swap and our release
            aside = None
            if self.path.exists():
                aside = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.old-", dir=parent))
                os.replace(self.path, aside / "index")
            os.replace(tmp, self.path)
            if aside is not None:
                shutil.rmtree(aside, ignore_errors=True)
        finally:
            if old_lock is not None:
                with contextlib.suppress(Exception):
                    old_lock.release()
            if new_lock is not None:
                with contextlib.suppress(Exception):
                    new_lock.release()
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        self.close()
        return count

    def _lock_existing(self) -> Any:
        """Write-lock the index being replaced; refuse to replace what is not an index."""
        if not self.path.exists():
            return None
        if not self.path.is_dir():
            raise SearchUnavailable(f"{self.path} is not a directory; cannot put an index there")
        names = [n for n in os.listdir(self.path) if not n.startswith(".")]
        looks_like_index = any(n.endswith(".toc") or n == _MARKER for n in names)
        if names and not looks_like_index:
            raise SearchUnavailable(
                f"{self.path} holds files that are not a search index; refusing to replace it"
            )
        from whoosh.filedb.filestore import FileStorage
        from whoosh.util.filelock import try_for

        lock = FileStorage(str(self.path)).lock(f"{_INDEXNAME}_WRITELOCK")
        if not try_for(lock.acquire, timeout=self.writer_timeout, delay=0.1):
            raise SearchUnavailable(
                f"the search index at {self.path} is locked by another writer "
                f"(waited {self.writer_timeout:g} s); try the rebuild again later"
            )
        return lock

    # -- reading -------------------------------------------------------------------

    def stamps(self) -> dict[int, str]:
        """id -> updated_at as it was indexed, for syncing with the database."""
        with self._lock:
            _, view = self._state()
            rows = view.rows
            return {row.id: row.updated_at for d in view.alive if (row := rows[d]) is not None}

    def search(
        self,
        q: str = "",
        filters: Mapping[str, Sequence[str]] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResult:
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        if page < 1:
            raise ValueError("page must be 1 or more")
        if per_page < 1:
            raise ValueError("per_page must be 1 or more")
        q = q or ""
        with self._lock:
            searcher, view = self._state()
            allowed = view.allowed(filters)
            parsed = self._parse(q) if q.strip() else None
            matched: set[int]
            if parsed is None:
                matched = set(view.alive) if allowed is None else allowed & view.alive
            else:
                matched = self._matching(searcher, parsed.query, allowed)
                if not matched and parsed.or_query is not None:
                    parsed = _Parsed(parsed.or_query)
                    matched = self._matching(searcher, parsed.query, allowed)
            total = len(matched)
            facets = view.facet_counts(matched)
            start, stop = (page - 1) * per_page, page * per_page
            scored: list[tuple[float, int]] = []
            if start < total:
                if parsed is None or not parsed.scored or sort == "newest":
                    scored = [(0.0, d) for d in view.newest_page(matched, start, stop)]
                else:
                    results = searcher.search(
                        parsed.query,
                        limit=stop,
                        filter=matched if allowed is not None else None,
                    )
                    scored = [(float(s), int(d)) for s, d in results.top_n[start:stop]]
            terms = _positive_terms(parsed.query) if parsed is not None else set()
            hits = []
            for score, docnum in scored:
                row = view.rows[docnum]
                if row is None:
                    continue
                stored = searcher.stored_fields(docnum)
                snippet = highlight(
                    [stored.get("summary") or "", stored.get("innovation") or ""], terms
                )
                hits.append(Hit(id=row.id, score=score, highlight=snippet))
            suggestion = self._suggestion(searcher, view, q) if q.strip() else None
            return SearchResult(total=total, hits=hits, facets=facets, suggestion=suggestion)

    @staticmethod
    def _matching(searcher: Searcher, q: query.Query, allowed: set[int] | None) -> set[int]:
        docs = set(searcher.docs_for_query(q))
        return docs if allowed is None else docs & allowed

    @staticmethod
    def _parse(q: str) -> _Parsed | None:
        """Parse a query string; None when it constrains nothing (no words, only stopwords).

        Query syntax: "phrases", (groups), AND/OR/NOT, +required, -excluded. Input
        that is not valid syntax (stray quotes or brackets, bare operators) is read
        as its plain words, and parse errors never reach the caller.
        """
        parsed: query.Query | None = None
        or_parsed: query.Query | None = None
        if _balanced(q):
            try:
                parsed = _AND_PARSER.parse(q)
                or_parsed = _OR_PARSER.parse(q)
            except Exception:
                parsed = None
            if parsed is not None and not _has_terms(parsed):
                # Only exclusions ("-vaksin", "NOT vaksin"): everything but those.
                negated = _plain_words(" ".join(_NEGATED_RE.findall(q)))
                excluded = _PLAIN_OR_PARSER.parse(negated) if negated else query.NullQuery
                if _has_terms(excluded):
                    return _Parsed(query.AndNot(query.Every(), excluded), None, scored=False)
                parsed = None
        if parsed is None:
            plain = _plain_words(q)
            if not plain:
                return None
            try:
                parsed = _PLAIN_AND_PARSER.parse(plain)
                or_parsed = _PLAIN_OR_PARSER.parse(plain)
            except Exception:
                return None
            if not _has_terms(parsed):
                return None
        if or_parsed is not None and (or_parsed == parsed or not _has_terms(or_parsed)):
            or_parsed = None
        return _Parsed(parsed, or_parsed)

    # -- suggestions and similar documents -------------------------------------------

    def suggest(self, q: str) -> str | None:
        """The query with misspelled words corrected, or None when nothing is better."""
        if not q or not q.strip():
            return None
        with self._lock:
            searcher, view = self._state()
            return self._suggestion(searcher, view, q)

    @staticmethod
    def _suggestion(searcher: Searcher, view: _View, q: str) -> str | None:
        reader = searcher.reader()
        corrector = view.corrector
        changed = False

        def known(word: str) -> bool:
            if reader.doc_frequency("spell", word):
                return True
            stemmed = stem(word)
            return any(reader.doc_frequency(f, stemmed) for f in TEXT_FIELDS)

        def replace(match: re.Match[str]) -> str:
            nonlocal changed
            original = match.group(0)
            word = fold(original)
            if (
                original in _OPERATORS
                or word in STOPWORDS
                or len(word) < 3
                or word.isdigit()
                or known(word)
            ):
                return original
            for maxdist in (1, 2) if len(word) > 4 else (1,):
                found = corrector.suggest(word, limit=1, maxdist=maxdist, prefix=1)
                if found:
                    changed = True
                    return str(found[0])
            return original

        suggestion = TOKEN_RE.sub(replace, q).strip()
        return suggestion if changed and suggestion != q.strip() else None

    def similar(self, id: int, limit: int = 5) -> list[int]:
        """Ids of other documents most like this one (by its distinctive words)."""
        if limit < 1:
            return []
        with self._lock:
            searcher, view = self._state()
            docnum = view.by_id.get(int(id))
            if docnum is None:
                return []
            reader = searcher.reader()
            stored = searcher.stored_fields(docnum)
            text = " ".join(
                stored.get(k) or "" for k in ("title", "title", "summary", "innovation")
            )
            tf = Counter(t for w in TOKEN_RE.findall(text) if (t := index_term(w)) is not None)
            n_docs = max(1, reader.doc_count())
            weights: list[tuple[float, str]] = []
            for term, freq in tf.items():
                df = max(reader.doc_frequency(f, term) for f in _SIMILAR_FIELDS)
                if df <= 1:
                    continue  # only in this document: it cannot find another
                weights.append((freq * math.log(n_docs / df + 1.0), term))
            weights.sort(reverse=True)
            top = weights[:12]
            if not top:
                return []
            clauses = [
                query.Term(f, term, boost=w * FIELD_BOOSTS[f])
                for w, term in top
                for f in _SIMILAR_FIELDS
            ]
            results = searcher.search(query.Or(clauses), limit=limit, mask={docnum})
            out = []
            for _, d in results.top_n:
                row = view.rows[d]
                if row is not None:
                    out.append(row.id)
            return out
