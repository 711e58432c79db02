"""Building a new index: segments of records, on worker processes for a big rebuild.

A big rebuild runs on two worker processes, one segment each (``parallel_build``);
:meth:`registry.search.index.SearchIndex.rebuild` builds aside and swaps it in.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import queue
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .analysis import spelling_of, term_bytes_of
from .contract import SearchUnavailable
from .documents import SECTION_WEIGHTS, document_for, text_of
from .schema import INDEXNAME, SCHEMA
from .whoosh_private import MappedStorage, merge_parts, new_writer

BATCH = 250  # records per message to a worker process
LIMIT_MB = 256  # a writer's posting buffer before it spills sorted runs to disk
SEGMENT_DOCS = 8000  # documents per segment of a rebuild (~1.1 million postings)
VOCABULARY_ID = "vocabulary"  # the id of a segment's spelling vocabulary document


def first_of_each_id(records: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """The records, each id once (the first record with it wins)."""
    seen: set[int] = set()
    for record in records:
        key = int(record["id"])
        if key not in seen:
            seen.add(key)
            yield record


def warm_terms(records: Iterable[Mapping[str, Any]]) -> None:
    """Fill the term cache with the words of ``records`` (forked workers inherit it)."""
    for record in records:
        for names, _ in SECTION_WEIGHTS:
            for name in names:
                term_bytes_of(text_of(record.get(name)))


def build_segments(ix: Any, records: Iterable[Mapping[str, Any]]) -> int:
    """Index ``records`` into new segments of ``ix``; returns how many.

    A segment every ``SEGMENT_DOCS`` records keeps the posting pool in memory: past
    ``LIMIT_MB`` Whoosh spills sorted runs to disk and merges them back one posting
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
        chunk = list(itertools.islice(source, SEGMENT_DOCS))
        if not chunk and count:
            return count
        writer = new_writer(ix, LIMIT_MB)
        vocabulary: Counter[str] = Counter()
        try:
            for record in chunk:
                doc = document_for(record)
                vocabulary.update(spelling_of(doc.pop("spell")).keys())
                writer.add_document(**doc)
            if vocabulary:
                writer.add_document(id=VOCABULARY_ID, spell=dict(vocabulary))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=False)
        count += len(chunk)
        if len(chunk) < SEGMENT_DOCS:
            return count


def _build_part(path: str, jobs: Any, results: Any) -> None:
    """A worker process: index batches of records from ``jobs`` into an index at ``path``."""
    # The posting pool holds millions of tuples, which each full collection would walk
    # (a quarter of the CPU time); nothing here makes reference cycles worth collecting.
    gc.disable()
    try:
        ix = MappedStorage(path).create_index(SCHEMA, indexname=INDEXNAME)
        batches = iter(jobs.get, None)
        results.put(build_segments(ix, itertools.chain.from_iterable(batches)))
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


def parallel_build(
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
            if len(batch) >= BATCH:
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
    merge_parts(storage, tmp, parts, INDEXNAME, SCHEMA)
    return sent
