"""Near-duplicate detection: which stored candidate a new post belongs to.

Real harvests are mostly repetition: one post copied dozens of times with another short link,
a number or a few hashtags appended, cut short with "…", or retweeted. Three checks, cheapest
first (the runner asks them in this order, after the exact check by platform and id):

1. the exact hash of the *dedup text* (:mod:`registry.harvest.dedup_keys`: no RT prefix,
   URLs, e-mail addresses, mentions, trailing hashtags, numbering or truncation marker), which
   the database answers by index;
2. MinHash LSH over word bigrams of the dedup text: 128 permutations (datasketch's affine32
   scheme) in 9 bands of 13 (datasketch's choice for threshold 0.8), each hit verified on the
   signatures;
3. a prefix index for truncated copies: the first words of a cut-short copy are those of its
   original, and the signatures confirm that the shorter text is contained in the longer.

A post's fingerprint is stored with it (``Post.text_hash``, ``Post.signature``), so every
process rebuilds the same index from the database: :class:`CandidateIndex` loads the signatures
of the newest candidates once and then only what was added since (keyed on candidate id).
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dedup_keys import dedup_tokens, regions_agree, text_hash, text_regions

__all__ = [
    "CandidateIndex",
    "Fingerprint",
    "fingerprint",
    "fingerprints",
    "forget_indexes",
    "index_for",
    "pack_fingerprints",
    "parse_signature",
    "similar",
    "unpack_fingerprints",
]

NUM_PERM = 128
THRESHOLD = 0.8
# a hit of the LSH is kept when the estimated Jaccard similarity reaches this
MIN_JACCARD = 0.7
# a shorter text is a truncated copy of a longer one when this share of its shingles is in it
MIN_CONTAINMENT = 0.85
MIN_CONTAINED_SHINGLES = 6
PREFIX_WORDS = 8
# fewer words than this: only exact copies group (short texts look alike by chance)
MIN_NEAR_WORDS = 4
DEFAULT_MAX_ENTRIES = 100_000

SIGNATURE_VERSION = 1
_HEADER = struct.Struct("<BHI")  # version, shingle count, prefix hash


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


# Bigrams are hashed as the CRC-32 of "word word", computed from the words' own CRCs: CRC-32
# is linear, so crc(x + y) = shift(crc(x), len(y)) ^ crc(y), where shift(c, n) appends n zero
# bytes to the register; shift is a table lookup per byte of c, and a whole page is a few numpy
# passes instead of a string and a CRC per bigram.
_POLY = np.uint32(0xEDB88320)
_MAX_SHIFT = 64  # bytes; longer words are shifted in steps


def _shift_tables() -> np.ndarray:
    """uint32[n, k, b]: the register ``b << 8k`` after n zero bytes."""
    tables = np.zeros((_MAX_SHIFT + 1, 4, 256), dtype=np.uint32)
    for k in range(4):
        x = np.arange(256, dtype=np.uint32) << np.uint32(8 * k)
        for n in range(_MAX_SHIFT + 1):
            tables[n, k] = x
            for _ in range(8):
                x = (x >> np.uint32(1)) ^ np.where(x & np.uint32(1), _POLY, np.uint32(0))
    return tables


_SHIFT = _shift_tables()
_CRC_SPACE = np.uint32(zlib.crc32(b" "))


def _shift(crc: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The CRC-32s ``crc`` of some strings followed by ``n`` more bytes, before those bytes'
    own CRC is mixed in (``crc(x + y) == _shift(crc(x), len(y)) ^ crc(y)``)."""
    while True:
        step = np.minimum(n, _MAX_SHIFT)
        crc = (
            _SHIFT[step, 0, crc & 255]
            ^ _SHIFT[step, 1, (crc >> 8) & 255]
            ^ _SHIFT[step, 2, (crc >> 16) & 255]
            ^ _SHIFT[step, 3, crc >> 24]
        )
        n = n - step
        if not n.any():
            return crc


_words: dict[str, int] = {}  # word -> its CRC-32 | its length in UTF-8 bytes << 32
_WORD_CACHE_MAX = 200_000


def _word(token: str) -> int:
    found = _words.get(token)
    if found is None:
        if len(_words) >= _WORD_CACHE_MAX:
            _words.clear()
        data = token.encode("utf-8")
        found = _words[token] = zlib.crc32(data) | len(data) << 32
    return found


def bigram_hashes(words: np.ndarray) -> np.ndarray:
    """CRC-32 of "a b" for each pair of neighbours in ``words`` (uint64 from :func:`_word`)."""
    crc = (words & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    size = (words >> np.uint64(32)).astype(np.int64)
    left = _shift(crc[:-1], np.ones(len(crc) - 1, dtype=np.int64)) ^ _CRC_SPACE
    return _shift(left, size[1:]) ^ crc[1:]


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # the affine32 permutations of datasketch 2 (seed 1), computed once and reused
    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint64).astype(np.uint32)
    return a, b


_PERM_A, _PERM_B = _permutations()
# LSH bands: the split of 128 permutations that datasketch's MinHashLSH chooses for threshold
# 0.8 (9 bands of 13 rows); each band is hashed to one 64-bit number by odd multipliers
BANDS, ROWS = 9, 13
_BAND_MULTIPLIERS = np.random.RandomState(8).randint(
    1, 1 << 62, size=(BANDS, ROWS), dtype=np.int64
).astype(np.uint64) * np.uint64(2) + np.uint64(1)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer: spreads the bits of the input hashes (array arithmetic wraps)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def band_hashes(values: np.ndarray) -> np.ndarray:
    """uint64[..., BANDS]: each LSH band of the signatures ``values`` (uint32[..., NUM_PERM]) as
    one number (products wrap modulo 2**64; a rare collision only costs a verification)."""
    rows = values[..., : BANDS * ROWS].astype(np.uint64)
    h = (rows.reshape(*values.shape[:-1], BANDS, ROWS) * _BAND_MULTIPLIERS).sum(axis=-1)
    return h ^ (h >> np.uint64(29))


@dataclass(slots=True)
class Fingerprint:
    """What dedup knows of one text."""

    tokens: int  # number of dedup words
    text_hash: str
    shingles: int = 0
    prefix: int = 0  # hash of the first PREFIX_WORDS words; 0 when shorter
    hashvalues: np.ndarray | None = None  # uint32[NUM_PERM]; None: too short for near matches
    bands: tuple[int, ...] = ()  # band_hashes of hashvalues
    regions: frozenset[str] = frozenset()  # the places the text names (text_regions)

    def signature(self) -> bytes | None:
        """The bytes stored in Post.signature: header, signature, then the places named
        (comma-separated; absent in signatures stored before places were compared)."""
        if self.hashvalues is None:
            return None
        return (
            _HEADER.pack(SIGNATURE_VERSION, min(self.shingles, 0xFFFF), self.prefix)
            + self.hashvalues.astype("<u4", copy=False).tobytes()
            + ",".join(sorted(self.regions)).encode("ascii")
        )


def parse_signature(data: bytes | None) -> Fingerprint | None:
    """A stored signature back as a fingerprint (None for another version or garbage)."""
    size = _HEADER.size + 4 * NUM_PERM
    if not data or len(data) < size:
        return None
    version, shingles, prefix = _HEADER.unpack_from(data)
    if version != SIGNATURE_VERSION:
        return None
    values = np.frombuffer(data, dtype="<u4", count=NUM_PERM, offset=_HEADER.size)
    values = values.astype(np.uint32)
    try:
        tail = bytes(data[size:]).decode("ascii")
    except UnicodeDecodeError:
        return None
    regions = frozenset(tail.split(",")) if tail else frozenset()
    bands = tuple(band_hashes(values).tolist())
    return Fingerprint(0, "", shingles, prefix, values, bands, regions)


def fingerprints(texts: Iterable[str]) -> list[Fingerprint]:
    """Fingerprints of many texts at once: hashing the bigrams, counting the distinct ones and
    the MinHash of a whole batch are a few numpy passes."""
    out: list[Fingerprint] = []
    words: list[int] = []  # the words of every text long enough, one after another
    ends: list[int] = []
    rows: list[int] = []
    known = _words.get
    for text in texts:
        tokens = dedup_tokens(text)
        fp = Fingerprint(len(tokens), text_hash(tokens))
        if len(tokens) >= MIN_NEAR_WORDS:
            fp.regions = text_regions(tokens)
            if len(tokens) >= PREFIX_WORDS:
                fp.prefix = _crc(" ".join(tokens[:PREFIX_WORDS])) or 1
            hashes = [known(t) for t in tokens]
            if None in hashes:
                words.extend([_word(t) for t in tokens])
            else:
                words.extend(hashes)  # type: ignore[arg-type]
            ends.append(len(words))
            rows.append(len(out))
        out.append(fp)
    if not rows:
        return out
    # bigram i joins words i and i + 1; the bigram across two texts is dropped
    keep = np.ones(len(words) - 1, dtype=bool)
    end_at = np.array(ends, dtype=np.int64)
    keep[end_at[:-1] - 1] = False
    pairs = _fmix32(bigram_hashes(np.array(words, dtype=np.uint64))[keep])
    sizes = np.diff(end_at, prepend=0) - 1  # bigrams per text
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    text_of = np.repeat(np.arange(len(rows), dtype=np.uint64), sizes)
    distinct = np.unique((text_of << np.uint64(32)) | pairs.astype(np.uint64)) >> np.uint64(32)
    counts = np.bincount(distinct.astype(np.int64), minlength=len(rows)).tolist()
    # permutations along the first axis: the reduction then runs over contiguous memory
    permuted = np.multiply.outer(_PERM_A, pairs)
    permuted += _PERM_B[:, None]
    values = np.ascontiguousarray(np.minimum.reduceat(permuted, starts, axis=1).T)
    bands = band_hashes(values).tolist()
    for n, row in enumerate(rows):
        fp = out[row]
        fp.shingles = counts[n]
        fp.hashvalues = values[n]
        fp.bands = tuple(bands[n])
    return out


def pack_fingerprints(fps: Sequence[Fingerprint]) -> tuple[Any, ...]:
    """Fingerprints as a few lists and one array, cheap to pickle (to another process)."""
    near = [i for i, fp in enumerate(fps) if fp.hashvalues is not None]
    values = np.zeros((len(near), NUM_PERM), dtype=np.uint32)
    for n, i in enumerate(near):
        values[n] = fps[i].hashvalues  # type: ignore[assignment]
    return (
        [(fp.tokens, fp.text_hash, fp.shingles, fp.prefix, fp.regions) for fp in fps],
        near,
        values,
        [fps[i].bands for i in near],
    )


def unpack_fingerprints(packed: tuple[Any, ...]) -> list[Fingerprint]:
    fields, near, values, bands = packed
    out = [Fingerprint(t, h, s, p, None, (), r) for t, h, s, p, r in fields]
    for n, i in enumerate(near):
        out[i].hashvalues = values[n]
        out[i].bands = bands[n]
    return out


def fingerprint(text: str) -> Fingerprint:
    return fingerprints([text])[0]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def contained(small: int, large: int, similarity: float) -> float:
    """Estimated share of the smaller set's shingles found in the larger set."""
    if small <= 0:
        return 0.0
    return similarity * (small + large) / ((1.0 + similarity) * small)


def _similar(j: float, shingles_a: int, shingles_b: int) -> bool:
    if j >= MIN_JACCARD:
        return True
    small, large = sorted((shingles_a, shingles_b))
    return small >= MIN_CONTAINED_SHINGLES and contained(small, large, j) >= MIN_CONTAINMENT


def similar(a: Fingerprint, b: Fingerprint) -> bool:
    """Near copies, or one a truncated copy of the other."""
    if a.hashvalues is None or b.hashvalues is None:
        return False
    if not regions_agree(a.regions, b.regions):
        return False
    return _similar(jaccard(a.hashvalues, b.hashvalues), a.shingles, b.shingles)


class CandidateIndex:
    """The signatures of recent candidates, by candidate key (an id, or a negative key for a
    candidate not stored yet): an LSH for near copies and a prefix map for truncated ones.

    Holds at most ``max_entries`` candidates, forgetting the oldest (the exact hash, checked in
    the database, still groups their verbatim copies). Changes made while a page is stored are
    journalled so that a rolled-back page leaves no trace (:meth:`rollback`).

    Memory is what bounds it, so an entry is a slot in a few numpy arrays (the signature, its
    shingle count and prefix) and one number in each band's dict: about 1.3 KB a candidate,
    a quarter of what datasketch's MinHashLSH with a MinHash object per key takes.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.loaded_up_to = 0  # candidates with a greater id are loaded by refresh()
        self._next_key = -1
        self._journal: list[tuple[str, int, Any]] | None = None
        self._saved_loaded_up_to = 0
        self.lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._slots: OrderedDict[int, int] = OrderedDict()  # key -> slot, oldest first
        self._keys: list[int] = []  # slot -> key (0: free)
        self._free: list[int] = []
        self._values = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._bands = np.zeros((0, BANDS), dtype=np.uint64)
        self._shingles = np.zeros(0, dtype=np.int32)
        self._prefix_of = np.zeros(0, dtype=np.uint32)
        self._regions: list[frozenset[str]] = []  # slot -> the places its text names
        # band hash -> the slot holding it, or a list of slots when several do
        self._tables: list[dict[int, int | list[int]]] = [{} for _ in range(BANDS)]
        self._prefixes: dict[int, int] = {}  # prefix hash -> slot (the newest)
        self.loaded_up_to = 0

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, key: int) -> bool:
        return key in self._slots

    def new_key(self) -> int:
        """A key for a candidate not stored yet (negative, unique in this process)."""
        key = self._next_key
        self._next_key -= 1
        return key

    def get(self, key: int) -> Fingerprint | None:
        slot = self._slots.get(key)
        return None if slot is None else self._fingerprint(slot)

    def _fingerprint(self, slot: int) -> Fingerprint:
        return Fingerprint(
            0,
            "",
            int(self._shingles[slot]),
            int(self._prefix_of[slot]),
            self._values[slot].copy(),
            tuple(self._bands[slot].tolist()),
            self._regions[slot],
        )

    # --- journal -----------------------------------------------------------------------
    def begin(self) -> None:
        self._journal = []
        self._saved_loaded_up_to = self.loaded_up_to

    def commit(self) -> None:
        self._journal = None

    def rollback(self) -> None:
        journal, self._journal = self._journal, None
        if journal is None:
            return
        for action, key, data in reversed(journal):
            if action == "rekey":
                self._move(data, key)
            elif action == "add":
                self._remove(key)
            else:
                self._add(key, data)
        self.loaded_up_to = self._saved_loaded_up_to

    # --- changes -----------------------------------------------------------------------
    def add(self, key: int, fp: Fingerprint) -> None:
        if fp.hashvalues is None:
            return
        if key in self._slots:
            self.remove(key)
        self._add(key, fp)
        if self._journal is not None:
            self._journal.append(("add", key, None))
        while len(self._slots) > self.max_entries:
            self.remove(next(iter(self._slots)))

    def remove(self, key: int) -> None:
        slot = self._slots.get(key)
        if slot is None:
            return
        if self._journal is not None:
            self._journal.append(("remove", key, self._fingerprint(slot)))
        self._remove(key)

    def rekey(self, old: int, new: int) -> None:
        """The candidate of key ``old`` was stored as ``new``."""
        if old in self._slots and new not in self._slots:
            self._move(old, new)
            if self._journal is not None:
                self._journal.append(("rekey", old, new))

    def _move(self, old: int, new: int) -> None:
        slot = self._slots.pop(old)
        self._slots[new] = slot
        self._keys[slot] = new

    def _grow(self) -> None:
        size = len(self._keys)
        capacity = max(size + 1, min(max(1024, size * 2), self.max_entries + 1))

        def grown(array: np.ndarray) -> np.ndarray:
            bigger = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
            bigger[:size] = array
            return bigger

        self._values = grown(self._values)
        self._bands = grown(self._bands)
        self._shingles = grown(self._shingles)
        self._prefix_of = grown(self._prefix_of)
        self._free.extend(range(capacity - 1, size - 1, -1))
        self._keys.extend([0] * (capacity - size))
        self._regions.extend([frozenset()] * (capacity - size))

    def _add(self, key: int, fp: Fingerprint) -> None:
        assert fp.hashvalues is not None
        if not self._free:
            self._grow()
        slot = self._free.pop()
        self._slots[key] = slot
        self._keys[slot] = key
        self._values[slot] = fp.hashvalues
        bands = fp.bands or tuple(band_hashes(fp.hashvalues).tolist())
        self._bands[slot] = bands
        self._shingles[slot] = fp.shingles
        self._prefix_of[slot] = fp.prefix
        self._regions[slot] = fp.regions
        for table, h in zip(self._tables, bands, strict=True):
            held = table.get(h)
            if held is None:
                table[h] = slot
            elif isinstance(held, int):
                table[h] = [held, slot]
            else:
                held.append(slot)
        if fp.prefix:
            self._prefixes[fp.prefix] = slot

    def _remove(self, key: int) -> None:
        slot = self._slots.pop(key)
        for table, h in zip(self._tables, self._bands[slot].tolist(), strict=True):
            held = table.get(h)
            if held == slot:
                del table[h]
            elif isinstance(held, list):
                held.remove(slot)
                if len(held) == 1:
                    table[h] = held[0]
        prefix = int(self._prefix_of[slot])
        if prefix and self._prefixes.get(prefix) == slot:
            del self._prefixes[prefix]
        self._keys[slot] = 0
        self._free.append(slot)

    # --- lookups -----------------------------------------------------------------------
    def find(self, fp: Fingerprint) -> int | None:
        """The key of the most similar candidate that passes :func:`similar`, if any."""
        if fp.hashvalues is None:
            return None
        bands = fp.bands or tuple(band_hashes(fp.hashvalues).tolist())
        slots: set[int] = set()
        for table, h in zip(self._tables, bands, strict=True):
            held = table.get(h)
            if held is None:
                continue
            if isinstance(held, int):
                slots.add(held)
            else:
                slots.update(held)
        if fp.prefix:
            prefix_slot = self._prefixes.get(fp.prefix)
            if prefix_slot is not None:
                slots.add(prefix_slot)
        if not slots:
            return None
        found = list(slots)
        same = np.count_nonzero(self._values[found] == fp.hashvalues, axis=1).tolist()
        best, best_j = None, -1.0
        for slot, n in zip(found, same, strict=True):
            j = n / NUM_PERM
            if (
                j > best_j
                and _similar(j, fp.shingles, int(self._shingles[slot]))
                and regions_agree(fp.regions, self._regions[slot])
            ):
                best, best_j = slot, j
        return None if best is None else self._keys[best]

    # --- loading -----------------------------------------------------------------------
    def refresh(self, session: Any) -> int:
        """Load the signatures of candidates stored since the last refresh (the newest
        ``max_entries`` on the first call), except those this index holds already; returns
        how many were added."""
        from sqlalchemy import func, select

        from ..models import Candidate, Post

        top_id, total = session.execute(
            select(func.max(Candidate.id), func.count(Candidate.id))
        ).one()
        stored = [k for k in self._slots if k > 0]
        if stored and ((top_id or 0) < max(stored) or (total or 0) < len(stored)):
            # candidates this index knows are gone (a restored or emptied database): start over
            self._reset()
            stored = []
        floor = self.loaded_up_to
        if floor == 0:
            newest = session.execute(
                select(Candidate.id).order_by(Candidate.id.desc()).offset(self.max_entries).limit(1)
            ).scalar()
            floor = newest or 0
        known = set(stored)
        ids = session.execute(
            select(Post.id, Post.candidate_id)
            .where(Post.candidate_id > floor, Post.signature.is_not(None))
            .order_by(Post.id)
        ).all()
        top = max(self.loaded_up_to, floor, max((c for _, c in ids), default=0))
        wanted = [post_id for post_id, candidate_id in ids if candidate_id not in known]
        added = 0
        for start in range(0, len(wanted), 1000):
            rows = session.execute(
                select(Post.candidate_id, Post.signature)
                .where(Post.id.in_(wanted[start : start + 1000]))
                .order_by(Post.id)
            )
            for candidate_id, data in rows:
                fp = parse_signature(data)
                if fp is not None:
                    self.add(candidate_id, fp)
                    added += 1
        self.loaded_up_to = top
        return added


_indexes: dict[str, CandidateIndex] = {}
_indexes_lock = threading.Lock()


def index_for(database_url: str, max_entries: int = DEFAULT_MAX_ENTRIES) -> CandidateIndex:
    """The process-wide index of one database (built on first use, refreshed by the runner)."""
    with _indexes_lock:
        index = _indexes.get(database_url)
        if index is None or index.max_entries != max_entries:
            index = _indexes[database_url] = CandidateIndex(max_entries)
        return index


def forget_indexes() -> None:
    """Drop every in-process index, as a new process would start (tests, after a restore)."""
    with _indexes_lock:
        _indexes.clear()
