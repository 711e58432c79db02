"""The private Whoosh internals that registry.search.whoosh_private relies on, one by one.

Each test names what the module uses and checks that the pinned whoosh-reloaded still has
it and still behaves as used: an upgrade that changes one fails here, by name, instead of
making search silently slower (a fast path that falls back) or wrong. pyproject.toml pins
whoosh-reloaded to the versions these tests check.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import pytest
from whoosh import fields
from whoosh.codec.whoosh3 import W3FieldWriter, W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.matching import FilterMatcher
from whoosh.writing import PostingPool

from registry.search import SCHEMA, SearchIndex, document_for, whoosh_private
from registry.search.schema import INDEXNAME
from tests.search.test_search import CATALOGUE, record

#: The versions whose internals these tests check (and pyproject.toml allows).
TESTED = ((2, 7, 5), (2, 8))


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def test_the_installed_whoosh_is_the_pinned_one() -> None:
    low, high = TESTED
    assert low <= _version(importlib.metadata.version("whoosh-reloaded")) < high


@pytest.fixture()
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whoosh_private, "BLOCK_LIMIT", 2)  # terms span several blocks


@pytest.fixture()
def index(tmp_path: Path, small_blocks: None) -> Any:
    ix = SearchIndex(tmp_path / "index")
    ix.rebuild(CATALOGUE)
    yield ix
    ix.close()


def _leaf_matcher(index: SearchIndex, term: str) -> Any:
    searcher, _ = index._state()
    leaf = searcher.reader().leaf_readers()[0][0]
    return leaf.postings("text", term)


def test_posting_blocks_are_read_whole(index: SearchIndex) -> None:
    # postings(): a W3LeafMatcher (behind the deleted-documents FilterMatcher), with string
    # ids, and its block state (_atend, _i, _blocklength, _data, _read_data, _next_block)
    index.remove([CATALOGUE[-1]["id"]])
    matcher = _leaf_matcher(index, "layan")
    assert isinstance(matcher, FilterMatcher)
    matcher = matcher.child
    assert isinstance(matcher, W3LeafMatcher) and not matcher._byteids
    assert matcher._atend is False and matcher._i == 0 and matcher._blocklength >= 1
    if matcher._data is None:
        matcher._read_data()
    deltas, weights = matcher._data[0], matcher._data[1]
    assert len(deltas) == matcher._blocklength
    assert weights is None or isinstance(weights, float) or len(weights) == len(deltas)
    matcher._next_block()
    searcher, _ = index._state()
    ids, found = whoosh_private.postings(searcher.reader(), "text", "layan")
    stepped = searcher.reader().postings("text", "layan")  # deletions filtered out
    live = []
    while stepped.is_active():
        live.append(stepped.id())
        stepped.next()
    assert set(live) <= set(ids.tolist()) and len(found) == len(ids)


def test_the_lean_field_writer_gets_the_postings(tmp_path: Path, monkeypatch: Any) -> None:
    # LeanCodec: length_stats off, so add_postings() gets no lengths and our loop runs;
    # the loop uses start_field/start_term/finish_term/finish_field and the postings
    # writer's _ids, _weights, _values, _blocklimit, _maxweight and _write_block.
    seen: list[Any] = []
    original = whoosh_private.LeanFieldWriter.add_postings

    def spy(self: Any, schema: Any, lengths: Any, items: Any) -> None:
        seen.append(lengths)
        original(self, schema, lengths, items)

    for name in ("start_field", "start_term", "finish_term", "finish_field", "add_postings"):
        assert callable(getattr(W3FieldWriter, name))
    monkeypatch.setattr(whoosh_private.LeanFieldWriter, "add_postings", spy)
    index = SearchIndex(tmp_path / "index")
    index.rebuild(CATALOGUE)
    assert seen and all(lengths is None for lengths in seen)
    index.close()
    (tmp_path / "scratch").mkdir()
    storage, codec = FileStorage(str(tmp_path / "scratch")), whoosh_private.codec()
    writer = codec.field_writer(storage, codec.new_segment(storage, INDEXNAME))
    writer.start_field("text", SCHEMA["text"])
    writer.start_term(b"kata")
    posting = writer._postwriter
    for name in ("_ids", "_weights", "_values"):
        assert len(getattr(posting, name)) == 0 and callable(getattr(posting, name).append)
    assert posting._blocklimit == whoosh_private.BLOCK_LIMIT and callable(posting._write_block)
    assert isinstance(posting._maxweight, int | float)
    writer.add(0, 1.0, b"", 1)
    writer.finish_term()
    writer.finish_field()
    writer.close()


def test_new_writers_get_the_lean_pool(tmp_path: Path) -> None:
    # new_writer(): the writer's pool attribute (a still empty PostingPool), its
    # _tempstorage and newsegment; the pool's current, limit, fieldnames and save().
    index = SearchIndex(tmp_path / "index")
    index.create()
    ix = index._open_ix()
    writer = whoosh_private.new_writer(ix, limitmb=16)
    try:
        pool = writer.pool
        assert type(pool) is whoosh_private.LeanPool and isinstance(pool, PostingPool)
        assert pool.limit == 16 * 1024 * 1024 and {"id", "text", "spell"} <= pool.fieldnames
        assert pool.current == [] and callable(pool.save)
        writer.add_document(**document_for(record(1, "Layanan kesehatan keliling")))
    finally:
        writer.commit()
    assert index.search("layanan").total == 1
    index.close()


def test_mapped_storage_reaches_into_file_storage(tmp_path: Path) -> None:
    # MappedStorage: FileStorage's supports_mmap flag and _fpath(); MappedFile: StructFile's
    # _name, is_real and is_closed (see also test_index_files_are_read_in_place)
    (tmp_path / "f").write_bytes(b"abcdef")
    storage = whoosh_private.MappedStorage(tmp_path)
    assert storage.supports_mmap is False
    assert Path(storage._fpath("f")) == tmp_path / "f"
    mapped = storage.open_file("f")
    assert mapped._name == "f" and mapped.is_real is False
    assert mapped.subset(1, 3)._name == "f" and mapped.subset(1, 3).read() == b"bcd"
    mapped.close()
    assert mapped.is_closed


def test_parts_merge_under_one_table_of_contents(tmp_path: Path) -> None:
    # merge_parts(): TOC.read(...).segments, TOC(schema, segments, 1).write and clean_files
    parts = []
    for n, chunk in enumerate((CATALOGUE[:2], CATALOGUE[2:])):
        part = tmp_path / "target" / f"part-{n}"
        part.mkdir(parents=True)
        ix = whoosh_private.MappedStorage(part).create_index(SCHEMA, indexname=INDEXNAME)
        writer = ix.writer(codec=whoosh_private.codec())
        for rec in chunk:
            writer.add_document(**document_for(rec))
        writer.commit()
        parts.append(part)
    storage = whoosh_private.MappedStorage(tmp_path / "target")
    storage.create_index(SCHEMA, indexname=INDEXNAME)
    whoosh_private.merge_parts(storage, tmp_path / "target", parts, INDEXNAME, SCHEMA)
    assert not any(part.exists() for part in parts)
    with storage.open_index(INDEXNAME, schema=SCHEMA).searcher() as searcher:
        assert searcher.doc_count() == len(CATALOGUE)
        assert len(searcher.reader().leaf_readers()) == 2


def test_generation_segment_ids_and_deletions(index: SearchIndex) -> None:
    # latest_generation(): the searcher's _ix; segment_id() and deleted_docnums(): the
    # leaf reader's segment(), its segment_id() and deleted_docs()
    searcher, _ = index._state()
    generation = searcher.reader().generation()
    assert whoosh_private.latest_generation(searcher) == generation
    leaf = searcher.reader().leaf_readers()[0][0]
    key = whoosh_private.segment_id(leaf)
    assert key and isinstance(key, str)
    with index.batch() as batch:  # another writer commits: the open searcher goes stale
        batch.remove([CATALOGUE[0]["id"]])
        stale = searcher
    assert whoosh_private.latest_generation(stale) > generation
    searcher, _ = index._state()
    leaf = searcher.reader().leaf_readers()[0][0]
    assert whoosh_private.segment_id(leaf) == key and leaf.has_deletions()
    deleted = list(whoosh_private.deleted_docnums(leaf))
    assert len(deleted) == 1
    assert leaf.stored_fields(deleted[0])["id"] == str(CATALOGUE[0]["id"])


def test_the_writers_lock_is_one_file(index: SearchIndex) -> None:
    # lock_writers_out() takes the lock a Whoosh writer takes (<indexname>_WRITELOCK,
    # with try_for), and so does hold_writers_lock() through the index's lock("WRITELOCK")
    ix = index._open_ix()
    writer = ix.writer()
    try:
        assert whoosh_private.lock_writers_out(index.path, INDEXNAME, 0.2) is None
    finally:
        writer.cancel()
    lock = whoosh_private.lock_writers_out(index.path, INDEXNAME, 0.2)
    assert lock is not None
    try:
        with pytest.raises(LockError):
            ix.writer(timeout=0.1)
    finally:
        lock.release()
    lock = whoosh_private.hold_writers_lock(ix)
    try:
        assert whoosh_private.lock_writers_out(index.path, INDEXNAME, 0.1) is None
    finally:
        lock.release()


@pytest.mark.parametrize("count", [1, 2, 255, 256, 70_000])
def test_frequency_values_encode_as_whoosh_does(count: int) -> None:
    # frequency_value(): the value of a posting in Whoosh's Frequency format
    field = fields.TEXT(phrase=False)
    [(term, freq, _, value)] = field.index(" ".join(["kata"] * count))
    assert (term, freq) == (b"kata", count)
    assert whoosh_private.frequency_value(count) == value
    assert field.format.decode_frequency(value) == count
    assert field.format.field_boost == 1.0
