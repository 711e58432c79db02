"""The Whoosh index on disk: the :class:`SearchIndex` that owns it, and batches of changes.

Conventions after MoinMoin 2: one class owns the index, writers wait for the lock
with a timeout, and a rebuild is built aside and then swapped in. One searcher is
kept open and refreshed when the index changes; what it derives lives in a
:class:`registry.search.ranking.View` per index generation.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from whoosh.index import LockError
from whoosh.searching import Searcher

from . import synonyms
from .building import (
    VOCABULARY_ID,
    build_segments,
    first_of_each_id,
    parallel_build,
    warm_terms,
)
from .contract import (
    MAX_QUERY_CHARS,
    REBUILD_CMD,
    Hit,
    SearchResult,
    SearchUnavailable,
    WritesInBatches,
    check_search_arguments,
)
from .documents import document_for
from .highlights import highlight, snippet_sources
from .parsing import Parsed, parse_query, positive_terms
from .ranking import Segment, View, build_view, meta_rows
from .schema import INDEXNAME, MARKER, SCHEMA, SCHEMA_VERSION, TOC_RE
from .suggestions import similar_to, suggestion_for
from .whoosh_private import (
    MappedStorage,
    codec,
    hold_writers_lock,
    latest_generation,
    lock_writers_out,
)

_SIMILAR_CACHE_SIZE = 1024


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


class SearchIndex(WritesInBatches):
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
        self._view: View | None = None
        self._segments: dict[str, Segment] = {}

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.path)!r})"

    # -- opening -------------------------------------------------------------------------

    def exists(self) -> bool:
        """True when the directory holds an index (readable or not: see ``needs_rebuild``)."""
        try:
            return any(TOC_RE.match(name) for name in os.listdir(self.path))
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
            raise SearchUnavailable(f"no search index at {self.path}; {REBUILD_CMD}")
        try:
            marker = (self.path / MARKER).read_text(encoding="utf-8").split()
        except OSError:
            marker = []
        if marker[:2] != ["schema", str(SCHEMA_VERSION)]:
            raise SearchUnavailable(
                f"the search index at {self.path} was built by another version; {REBUILD_CMD}"
            )
        try:
            return MappedStorage(self.path).open_index(INDEXNAME, schema=SCHEMA)
        except Exception as exc:
            raise SearchUnavailable(
                f"the search index at {self.path} cannot be read ({exc}); {REBUILD_CMD}"
            ) from exc

    def _build_ident(self) -> tuple[int, int, int] | None:
        """Identifies one build of the index: the marker file each rebuild writes anew.

        (A directory's inode alone is not enough: a later rebuild may get a freed one.)
        """
        try:
            st = os.stat(self.path / MARKER)
        except OSError:
            return None
        return (st.st_dev, st.st_ino, st.st_mtime_ns)

    def _state(self) -> tuple[Searcher, View]:
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
            raise SearchUnavailable(f"no search index at {self.path}; {REBUILD_CMD}")
        searcher = self._searcher
        try:
            if searcher is None or self._ident is None or self._ident[:3] != build:
                self.close()
                searcher = self._open_ix().searcher()
            elif latest_generation(searcher) != self._ident[3]:
                # Not searcher.refresh(): it reuses segment readers by segment id and so
                # keeps their old deletion sets, and deleted documents would stay visible.
                self.close()
                searcher = self._open_ix().searcher()
            ident = (*build, searcher.reader().generation())
            if self._view is None or ident != self._ident:
                self._view = build_view(searcher, self._segments)
        except SearchUnavailable:
            raise
        except Exception as exc:
            self.close()
            raise SearchUnavailable(
                f"the search index at {self.path} cannot be read ({exc}); {REBUILD_CMD}"
            ) from exc
        self._searcher, self._ident = searcher, ident
        return searcher, self._view

    def check_prerequisites(self) -> None:
        """Nothing to check ahead: a missing or locked index is reported by each search."""

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
            return ix.writer(timeout=self.writer_timeout, codec=codec())
        except LockError as exc:
            raise self._locked_error() from exc
        except OSError as exc:
            raise SearchUnavailable(
                f"cannot write the search index at {self.path} ({exc}); {REBUILD_CMD}"
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
            storage = MappedStorage(tmp)
            ix = storage.create_index(SCHEMA, indexname=INDEXNAME)
            (tmp / MARKER).write_text(f"schema {SCHEMA_VERSION}\n", encoding="utf-8")
            # Peek at the first records: only a big rebuild is worth worker processes.
            source = iter(records)
            head = list(itertools.islice(source, self.parallel_threshold))
            procs = min(2, os.cpu_count() or 1) if len(head) >= self.parallel_threshold else 1
            unique = first_of_each_id(itertools.chain(head, source))
            if procs > 1 and "fork" in multiprocessing.get_all_start_methods():
                warm_terms(head)  # the workers inherit the stems (Sastrawi is slow)
                count = parallel_build(storage, tmp, unique, procs)
            else:
                count = build_segments(ix, unique)
            with ix.reader() as reader:
                indexed = reader.doc_count() - reader.doc_frequency("id", VOCABULARY_ID)
            if indexed != count:  # a worker process failed: keep the old index
                raise SearchUnavailable(
                    f"the rebuild indexed {indexed} of {count} records; the old index is kept"
                )
            # no writer may slip in between the swap and our release
            new_lock = hold_writers_lock(ix)
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
        if names and not any(TOC_RE.match(n) or n == MARKER for n in names):
            raise SearchUnavailable(
                f"{self.path} holds files that are not a search index; refusing to replace it"
            )
        lock = lock_writers_out(self.path, INDEXNAME, self.writer_timeout)
        if lock is None:
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
                for docnum, row in enumerate(meta_rows(leaf)):
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
        check_search_arguments(sort, page, per_page)
        q = (q or "")[:MAX_QUERY_CHARS]
        with self._lock:
            searcher, view = self._state()
            allowed = view.filter_mask(filters)
            # everyday abbreviations and English also find their Indonesian equivalents
            parsed = parse_query(synonyms.expand(q)) if q.strip() else None
            if parsed is None:
                matched = view.alive if allowed is None else allowed & view.alive
            else:
                matched = view.match(searcher, parsed.query)
                if allowed is not None:
                    matched &= allowed
                or_query = parsed.or_query() if not matched else None
                if or_query is not None and or_query != parsed.query:
                    parsed = Parsed(or_query, coord=True)
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
                    boosts = dict.fromkeys(positive_terms(parsed.query), 1.0)
                    coord = parsed.coord and len(boosts) > 1
                    best = view.rank(searcher, boosts, matched, stop, coord=coord)
                    scored = best[start:stop]
            terms = positive_terms(parsed.query) if parsed is not None else set()
            hits = []
            for score, docnum in scored:
                doc_id = int(view.ids[docnum])
                if doc_id < 0:
                    continue
                texts = snippet_sources(searcher.stored_fields(docnum).get("texts") or ())
                hits.append(Hit(id=doc_id, score=score, highlight=highlight(texts, terms)))
            suggestion = suggestion_for(searcher, view, q) if q.strip() else None
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
            return suggestion_for(searcher, view, q)

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
            found = [] if docnum is None else similar_to(searcher, view, docnum, limit)
            if len(view.similar_cache) >= _SIMILAR_CACHE_SIZE:
                view.similar_cache.clear()
            view.similar_cache[key] = found
            return list(found)
