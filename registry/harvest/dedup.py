"""Near-duplicate detection: which stored candidate a new post belongs to.

Real harvests are mostly repetition: one post copied dozens of times with another short link,
a number or a few hashtags appended, cut short with "…", or retweeted. Three checks, cheapest
first (the runner asks them in this order, after the exact check by platform and id):

1. the exact hash of the *dedup text* (:func:`dedup_tokens`: no RT prefix, URLs, mentions,
   trailing hashtags, numbering or truncation marker), which the database answers by index;
2. MinHash LSH (datasketch) over word bigrams of the dedup text, 128 permutations, threshold
   0.8, each hit verified on the signatures;
3. a prefix index for truncated copies: the first words of a cut-short copy are those of its
   original, and the signatures confirm that the shorter text is contained in the longer.

A post's fingerprint is stored with it (``Post.text_hash``, ``Post.signature``), so every
process rebuilds the same index from the database: :class:`CandidateIndex` loads the signatures
of the newest candidates once and then only what was added since (keyed on candidate id).
"""

from __future__ import annotations

import hashlib
import re
import struct
import threading
import unicodedata
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

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

_RT_PREFIX = re.compile(r"^\s*(?:RT\s*@\w+\s*:?\s*)+", re.IGNORECASE)
_LEADING_MENTIONS = re.compile(r"^\s*(?:\.?@\w+[\s,:]*)+")
_URL = re.compile(
    r"\bhttps?(?::|…)\S*|\bwww\.\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*", re.IGNORECASE
)
_MENTION = re.compile(r"(?<![\w@])@\w+")
_NUMBER_TAG = re.compile(r"(?<![\w#&])#\d+\b")
_TRAILING_TAGS = re.compile(r"(?:[\s.,;:!?|/·\-–—]*#\w+)+[\s.,;:!?|/·\-–—]*$")
_ELLIPSIS_END = re.compile(r"(?:…|\.\.\.+)\s*$")
_TOKEN = re.compile(r"[^\W_]+")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_repost_prefix(text: str) -> str:
    """The text without a leading "RT @user:" (for showing a repost as its original)."""
    return _RT_PREFIX.sub("", text, count=1).strip() if text else ""


def is_rt_text(text: str) -> bool:
    """An old-style retweet: "RT @user: text"."""
    return bool(text) and _RT_PREFIX.match(text) is not None


def dedup_tokens(text: str) -> list[str]:
    """The words two copies of one post share: lower-cased and accent-folded, without a leading
    "RT @user:" or reply mentions, URLs, mentions, numeric and trailing hashtags, a truncation
    marker (and the word it may have cut), and numbering at either end ("1/3", "(2)")."""
    if not text:
        return []
    text = _RT_PREFIX.sub(" ", text, count=1)
    if "@" in text:
        text = _MENTION.sub(" ", _LEADING_MENTIONS.sub(" ", text, count=1))
    text = _URL.sub(" ", text)
    truncated = False
    if "…" in text or "..." in text:
        text, cut = _ELLIPSIS_END.subn("", text.rstrip())
        truncated = bool(cut)
    if "#" in text:
        text = _TRAILING_TAGS.sub(" ", _NUMBER_TAG.sub(" ", text))
        text = _ELLIPSIS_END.sub("", text.rstrip())
    tokens = _TOKEN.findall(_fold(text))
    if truncated and len(tokens) > 1:
        tokens.pop()  # maybe a word cut in half
    start, end = 0, len(tokens)
    while start < end and tokens[start].isdigit():
        start += 1
    while end > start and tokens[end - 1].isdigit():
        end -= 1
    return tokens[start:end]


def text_hash(tokens: Sequence[str]) -> str:
    """40 hex characters naming the dedup text; "" for a text without words."""
    if not tokens:
        return ""
    return hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=20).hexdigest()


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _shingles(tokens: Sequence[str]) -> list[str]:
    if len(tokens) < 2:
        return list(tokens)
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # the affine32 permutations of datasketch 2 (seed 1), computed once and reused
    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint64).astype(np.uint32)
    return a, b


_PERM_A, _PERM_B = _permutations()


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer: spreads the bits of the input hashes (array arithmetic wraps)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@dataclass(slots=True)
class Fingerprint:
    """What dedup knows of one text."""

    tokens: int  # number of dedup words
    text_hash: str
    shingles: int = 0
    prefix: int = 0  # hash of the first PREFIX_WORDS words; 0 when shorter
    hashvalues: np.ndarray | None = None  # uint32[NUM_PERM]; None: too short for near matches

    def signature(self) -> bytes | None:
        """The bytes stored in Post.signature."""
        if self.hashvalues is None:
            return None
        return _HEADER.pack(SIGNATURE_VERSION, min(self.shingles, 0xFFFF), self.prefix) + (
            self.hashvalues.astype("<u4", copy=False).tobytes()
        )


def parse_signature(data: bytes | None) -> Fingerprint | None:
    """A stored signature back as a fingerprint (None for another version or garbage)."""
    if not data or len(data) != _HEADER.size + 4 * NUM_PERM:
        return None
    version, shingles, prefix = _HEADER.unpack_from(data)
    if version != SIGNATURE_VERSION:
        return None
    values = np.frombuffer(data, dtype="<u4", offset=_HEADER.size).astype(np.uint32)
    return Fingerprint(0, "", shingles, prefix, values)


def fingerprints(texts: Iterable[str]) -> list[Fingerprint]:
    """Fingerprints of many texts at once: the MinHash of a whole batch is one numpy pass."""
    out: list[Fingerprint] = []
    hashes: list[int] = []
    starts: list[int] = []
    rows: list[int] = []
    for text in texts:
        tokens = dedup_tokens(text)
        fp = Fingerprint(len(tokens), text_hash(tokens))
        if len(tokens) >= MIN_NEAR_WORDS:
            shingles = set(map(_crc, _shingles(tokens)))
            fp.shingles = len(shingles)
            if len(tokens) >= PREFIX_WORDS:
                fp.prefix = _crc(" ".join(tokens[:PREFIX_WORDS])) or 1
            starts.append(len(hashes))
            rows.append(len(out))
            hashes.extend(shingles)
        out.append(fp)
    if rows:
        h = _fmix32(np.fromiter(hashes, dtype=np.uint32, count=len(hashes)))
        values = np.minimum.reduceat(h[:, None] * _PERM_A + _PERM_B, starts, axis=0)
        for row, signature in zip(rows, values, strict=True):
            out[row].hashvalues = signature
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


def similar(a: Fingerprint, b: Fingerprint) -> bool:
    """Near copies, or one a truncated copy of the other."""
    if a.hashvalues is None or b.hashvalues is None:
        return False
    j = jaccard(a.hashvalues, b.hashvalues)
    if j >= MIN_JACCARD:
        return True
    small, large = sorted((a.shingles, b.shingles))
    return small >= MIN_CONTAINED_SHINGLES and contained(small, large, j) >= MIN_CONTAINMENT


class _Sketch:
    """The little of a datasketch MinHash that MinHashLSH reads."""

    __slots__ = ("hashvalues",)
    scheme = "affine32"

    def __init__(self, hashvalues: np.ndarray) -> None:
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)


class CandidateIndex:
    """The signatures of recent candidates, by candidate key (an id, or a negative key for a
    candidate not stored yet): an LSH for near copies and a prefix map for truncated ones.

    Holds at most ``max_entries`` candidates, forgetting the oldest (the exact hash, checked in
    the database, still groups their verbatim copies). Changes made while a page is stored are
    journalled so that a rolled-back page leaves no trace (:meth:`rollback`).
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        from datasketch import MinHashLSH

        self.max_entries = max_entries
        self._lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self._entries: OrderedDict[int, Fingerprint] = OrderedDict()
        self._prefixes: dict[int, int] = {}
        # a new candidate enters under a negative key and keeps it once stored: the id is an
        # alias (re-inserting into the LSH would cost as much as the first insert)
        self._alias: dict[int, int] = {}  # negative key -> candidate id
        self._key_of: dict[int, int] = {}  # candidate id -> negative key
        self._next_key = -1
        self.loaded_up_to = 0  # candidates with a greater id are loaded by refresh()
        self._journal: list[tuple[str, int, Fingerprint | None]] | None = None
        self._saved_loaded_up_to = 0
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: int) -> bool:
        return self._key_of.get(key, key) in self._entries

    def new_key(self) -> int:
        """A key for a candidate not stored yet (negative, unique in this process)."""
        key = self._next_key
        self._next_key -= 1
        return key

    def get(self, key: int) -> Fingerprint | None:
        return self._entries.get(self._key_of.get(key, key))

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
        for action, key, fp in reversed(journal):
            if action == "alias":
                self._key_of.pop(self._alias.pop(key, 0), None)
            elif action == "add":
                self._remove(key, keep_alias=True)
            elif fp is not None:
                self._add(key, fp)
        self.loaded_up_to = self._saved_loaded_up_to

    # --- changes -----------------------------------------------------------------------
    def add(self, key: int, fp: Fingerprint) -> None:
        if fp.hashvalues is None:
            return
        key = self._key_of.get(key, key)
        previous = self._entries.get(key)
        if previous is not None:
            self._remove(key, keep_alias=True)
            if self._journal is not None:
                self._journal.append(("remove", key, previous))
        self._add(key, fp)
        if self._journal is not None:
            self._journal.append(("add", key, None))
        while len(self._entries) > self.max_entries:
            oldest = next(iter(self._entries))
            old = self._entries[oldest]
            self._remove(oldest)
            if self._journal is not None:
                self._journal.append(("remove", oldest, old))

    def remove(self, key: int) -> None:
        key = self._key_of.get(key, key)
        fp = self._entries.get(key)
        if fp is None:
            return
        self._remove(key)
        if self._journal is not None:
            self._journal.append(("remove", key, fp))

    def rekey(self, old: int, new: int) -> None:
        """The candidate of key ``old`` was stored as ``new``."""
        if old in self._entries:
            self._alias[old] = new
            self._key_of[new] = old
            if self._journal is not None:
                self._journal.append(("alias", old, None))

    def _add(self, key: int, fp: Fingerprint) -> None:
        assert fp.hashvalues is not None
        self._entries[key] = fp
        self._lsh.insert(key, _Sketch(fp.hashvalues), check_duplication=False)
        if fp.prefix:
            self._prefixes[fp.prefix] = key

    def _remove(self, key: int, keep_alias: bool = False) -> None:
        if not keep_alias:
            self._key_of.pop(self._alias.pop(key, 0), None)
        fp = self._entries.pop(key)
        self._lsh.remove(key)
        if fp.prefix and self._prefixes.get(fp.prefix) == key:
            del self._prefixes[fp.prefix]

    # --- lookups -----------------------------------------------------------------------
    def find(self, fp: Fingerprint) -> int | None:
        """The key of the most similar candidate that passes :func:`similar`, if any."""
        if fp.hashvalues is None:
            return None
        keys: list[Any] = list(self._lsh.query(_Sketch(fp.hashvalues)))
        prefix_key = self._prefixes.get(fp.prefix) if fp.prefix else None
        if prefix_key is not None and prefix_key not in keys:
            keys.append(prefix_key)
        best, best_j = None, -1.0
        for key in keys:
            other = self._entries.get(key)
            if other is None or other.hashvalues is None or not similar(fp, other):
                continue
            j = jaccard(fp.hashvalues, other.hashvalues)
            if j > best_j:
                best, best_j = key, j
        return None if best is None else self._alias.get(best, best)

    def _reset(self) -> None:
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self._entries.clear()
        self._prefixes.clear()
        self._alias.clear()
        self._key_of.clear()
        self.loaded_up_to = 0

    # --- loading -----------------------------------------------------------------------
    def refresh(self, session: Any) -> int:
        """Load the signatures of candidates stored since the last refresh (the newest
        ``max_entries`` on the first call); returns how many were added."""
        from sqlalchemy import func, select

        from ..models import Candidate, Post

        top_id, total = session.execute(
            select(func.max(Candidate.id), func.count(Candidate.id))
        ).one()
        if self._entries and (
            (top_id or 0) < max(self._entries.keys() | self._key_of.keys())
            or (total or 0) < len(self._entries)
        ):
            # candidates this index knows are gone (a restored or emptied database): start over
            self._reset()
        floor = self.loaded_up_to
        if floor == 0:
            newest = session.execute(
                select(Candidate.id).order_by(Candidate.id.desc()).offset(self.max_entries).limit(1)
            ).scalar()
            floor = newest or 0
        rows = session.execute(
            select(Post.candidate_id, Post.signature)
            .where(Post.candidate_id > floor, Post.signature.is_not(None))
            .order_by(Post.id)
        )
        added = 0
        top = self.loaded_up_to
        for candidate_id, data in rows:
            fp = parse_signature(data)
            top = max(top, candidate_id)
            if fp is not None:
                self.add(candidate_id, fp)
                added += 1
        self.loaded_up_to = max(top, floor)
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
