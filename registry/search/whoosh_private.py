"""Every use of Whoosh's private internals, in one place (the rest of the package uses
Whoosh's public API and this module).

What is here and why (each is checked against the pinned whoosh-reloaded by
tests/search/test_whoosh_private.py; an upgrade that breaks one fails there first):

* Index files are memory-mapped and read in place (:class:`MappedStorage`): Whoosh's
  own mmap path copies every opened part of a segment onto the heap.
* Posting lists are read a block at a time (:func:`postings`), straight from the W3
  codec's decoded blocks, instead of stepping posting by posting.
* Writers use a leaner codec (:func:`codec`: bigger blocks, no per-block length stats,
  a faster postings loop) and posting pool (:func:`new_writer`).
* A parallel rebuild puts its workers' segments under one table of contents
  (:func:`merge_parts`).
* Small reads of private state: a searcher's latest generation, a segment's id and
  deleted documents, the writers' lock, a frequency posting's encoded value.
"""

from __future__ import annotations

import itertools
import mmap
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC, clean_files
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.util.filelock import try_for
from whoosh.writing import PostingPool

#: Postings per block in a rebuilt index (Whoosh's default is 128): fewer, bigger
#: blocks cost less to write and to read whole.
BLOCK_LIMIT = 1024
#: Read posting blocks whole (see ``postings``); False steps through every matcher.
BLOCK_READS = True
#: Use ``LeanFieldWriter``'s loop (False: Whoosh's own, for comparison in the tests).
LEAN_POSTINGS = True

# -- encoded posting values ---------------------------------------------------------------

#: The encoded value of a frequency posting (Whoosh's ``Frequency`` format) for counts
#: below 256, precomputed; ``frequency_value`` for any count.
PACKED = tuple(pack_uint(n) for n in range(256))


def frequency_value(n: int) -> bytes:
    """The encoded value of a frequency posting of count ``n``."""
    return PACKED[n] if n < 256 else pack_uint(n)


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


class MappedFile(StructFile):
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

    def subset(self, position: int, length: int, name: str | None = None) -> MappedFile:
        return MappedFile(self._view[position : position + length], name=name or self._name)

    def get(self, position: int, length: int) -> bytes:
        return bytes(self._view[position : position + length])

    def close(self) -> None:
        self.is_closed = True


class MappedStorage(FileStorage):
    """A FileStorage whose files are read through ``MappedFile`` (see there)."""

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
        return MappedFile(memoryview(mapped), name=name)


# -- reading postings, segments and generations -------------------------------------------

EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


def postings(reader: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
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
        if BLOCK_READS and isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
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
        return EMPTY_IDS, EMPTY_WEIGHTS
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


def _step_postings(matcher: Any, offset: int, ids: list[int], weights: list[float]) -> None:
    while matcher.is_active():
        ids.append(matcher.id() + offset)
        weights.append(matcher.weight())
        matcher.next()


def segment_id(leaf: Any) -> str:
    """The id of a leaf reader's segment ("" when it has none)."""
    info = leaf.segment()
    return info.segment_id() if info is not None else ""


def deleted_docnums(leaf: Any) -> Iterable[int]:
    """The local docnums deleted from a leaf reader's segment."""
    return leaf.segment().deleted_docs()


def latest_generation(searcher: Searcher) -> int:
    """The newest generation of the index a searcher was opened on (committed since?)."""
    return int(searcher._ix.latest_generation())


# -- writing ------------------------------------------------------------------------------


class LeanFieldWriter(W3FieldWriter):
    """Whoosh 2.7's W3 field writer with a leaner loop over the sorted postings.

    The same calls and the same bytes as ``FieldWriter.add_postings`` (tests compare
    the two), without its per-posting order checks (the pool sorts), length lookups
    (see ``LeanCodec``) and ``add_posting``'s type assertions: ~40 % of the CPU time of
    writing a segment. Anything unexpected goes to Whoosh's own loop.
    """

    def add_postings(self, schema: Any, lengths: Any, items: Iterable[Any]) -> None:
        if lengths is not None or not LEAN_POSTINGS:
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


class LeanCodec(W3Codec):
    """Whoosh's W3 codec without per-block length stats, writing with ``LeanFieldWriter``.

    The stats (shortest and longest document of a block) serve only Whoosh's own
    scorers, which this package does not use, and gathering them looked up a document
    length for every posting: a third of the CPU time of indexing.

    Pickled into every segment of the index (as ``registry.search._Codec`` before the
    package split: the package keeps that name so those indexes still open).
    """

    length_stats = False

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return LeanFieldWriter(self, storage, segment)


def codec() -> W3Codec:
    """The codec of our writers: bigger posting blocks (fewer to write and read)."""
    return LeanCodec(blocklimit=BLOCK_LIMIT, compression=1)


class LeanPool(PostingPool):
    """Whoosh's posting pool with a cheaper ``add`` (one call per posting).

    The same sorted runs; only the memory estimate is coarser (a fixed size per
    posting instead of one computed from each posting's parts).
    """

    _POSTING_BYTES = 160

    def __init__(
        self,
        tempstore: Any,
        segment: Any,
        limitmb: int = 128,
        fieldnames: Iterable[str] = (),
        **kwargs: Any,
    ):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.fieldnames.update(fieldnames)
        self._max_items = max(1, self.limit // self._POSTING_BYTES)

    def add(self, item: Any) -> None:
        current = self.current
        current.append(item)
        if len(current) >= self._max_items:
            self.save()


def new_writer(ix: Any, limitmb: int) -> Any:
    """A writer of ``ix`` with our codec and, when Whoosh's is still empty, our pool."""
    writer = ix.writer(limitmb=limitmb, codec=codec())
    pool = getattr(writer, "pool", None)
    if (
        pool is not None and type(pool) is PostingPool and not pool.current
    ):  # whoosh 2.7's pool, still empty
        indexed = (name for name, f in writer.schema.items() if f.indexed)
        writer.pool = LeanPool(
            writer._tempstorage, writer.newsegment, limitmb=limitmb, fieldnames=indexed
        )
    return writer


def merge_parts(
    storage: Any, target: Path, parts: Sequence[Path], indexname: str, schema: Any
) -> None:
    """Put the segments of the indexes in ``parts`` under one table of contents at
    ``target`` (generation 1), moving their files there, as Whoosh's MpWriter does with
    ``multisegment=True``; ``storage`` is ``target``'s."""
    toc_name = re.compile(rf"^_{re.escape(indexname)}_\d+\.toc$")
    segments = []
    for part in parts:
        segments += TOC.read(MappedStorage(part), indexname, schema=schema).segments
        for name in os.listdir(part):
            if not toc_name.match(name) and not name.endswith("_WRITELOCK"):
                os.replace(part / name, target / name)
        shutil.rmtree(part)
    TOC(schema, segments, 1).write(storage, indexname)
    clean_files(storage, indexname, 1, segments)


# -- locks --------------------------------------------------------------------------------


def lock_writers_out(path: Path, indexname: str, timeout: float) -> Any | None:
    """Take the writers' lock of the index at ``path`` within ``timeout`` seconds; the lock,
    or None when another writer kept it."""
    lock = FileStorage(str(path)).lock(f"{indexname}_WRITELOCK")
    if not try_for(lock.acquire, timeout=timeout, delay=0.1):
        return None
    return lock


def hold_writers_lock(ix: Any) -> Any:
    """Take the writers' lock of an index just built (nobody else knows it yet)."""
    lock = ix.lock("WRITELOCK")
    lock.acquire()
    return lock
