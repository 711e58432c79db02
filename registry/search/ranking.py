"""Ranking and facets: what one searcher generation derives, and how queries run on it.

Totals, filters and facets never go through Whoosh's collectors or facets (slow at
50,000 documents): each segment's facet values are read once from a column into bit
masks (Python ints), posting lists of query words become masks (cached per index
generation), and a count is ``(a & b).bit_count()``. Relevance is BM25 computed here
with numpy from the posting blocks (decoded once per generation), which also avoids
Whoosh's collector walking every posting of a common word.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from .analysis import terms_of
from .contract import FACETS
from .documents import SECTION_SLICES, Row, decode_meta
from .whoosh_private import EMPTY_IDS, EMPTY_WEIGHTS, deleted_docnums, segment_id
from .whoosh_private import postings as read_postings

_TERM_CACHE_SIZE = 2048  # query words whose document masks are kept per generation
_K1, _B = 1.2, 0.75  # BM25 parameters (Whoosh's defaults)
_POSTINGS_CACHE = 1_500_000  # decoded postings kept per generation (16 bytes each)


# -- bit masks --------------------------------------------------------------------------


def mask_of(docnums: Iterable[int], nbits: int) -> int:
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
class Segment:
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


def meta_rows(leaf: Any) -> list[Row | None]:
    if not leaf.has_column("meta"):
        return [None] * leaf.doc_count_all()
    return [decode_meta(raw) for raw in leaf.column_reader("meta")]


def _load_segment(leaf: Any, key: str) -> Segment:
    count = leaf.doc_count_all()
    rows = meta_rows(leaf)
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
    return Segment(key, count, ids, published, lengths, int.from_bytes(valid, "little"), masks)


@dataclass
class View:
    """Everything derived from one searcher generation."""

    nbits: int
    ids: np.ndarray  # by docnum: the record id, -1 for none
    published: np.ndarray
    lengths: np.ndarray
    alive: int  # mask of live, listable docnums
    count: int  # alive.bit_count()
    masks: dict[str, dict[str, int]]  # facet -> value -> docnum mask (deleted ones too)
    segments: list[tuple[Segment, int]]  # with their docnum offsets
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
        found = read_postings(searcher.reader(), "text", term)
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
        df = (self.term_mask(searcher, "text", term) & self.alive).bit_count()
        if not df:
            return EMPTY_IDS, EMPTY_WEIGHTS
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
            return self.term_mask(searcher, q.fieldname, q.text)
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
        return mask_of(searcher.docs_for_query(q), self.nbits)

    def term_mask(self, searcher: Searcher, fieldname: str, text: Any) -> int:
        key = (fieldname, str(text))
        mask = self.term_masks.get(key)
        if mask is None:
            if fieldname == "text":
                ids = self._term_postings(searcher, str(text))[0]
            else:
                ids = read_postings(searcher.reader(), fieldname, text)[0]
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
            candidates &= self.term_mask(searcher, "text", word)
        found = [
            d
            for d in np.flatnonzero(self.flags(candidates)).tolist()
            if _has_phrase(searcher.stored_fields(d).get("texts") or (), words, slop)
        ]
        mask = mask_of(found, self.nbits)
        if len(self.term_masks) >= _TERM_CACHE_SIZE:
            self.term_masks.clear()
        self.term_masks[key] = mask
        return mask


def _has_phrase(texts: Sequence[str], words: Sequence[str], slop: int) -> bool:
    """True when a section of ``texts`` (stored, _STORED_NAMES order) holds the phrase."""
    slop = max(1, int(slop))
    for part in SECTION_SLICES:
        terms = terms_of("\n".join(texts[part]))
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


def build_view(searcher: Searcher, cache: dict[str, Segment]) -> View:
    reader = searcher.reader()
    segments: list[tuple[Segment, int]] = []
    used: dict[str, Segment] = {}
    alive = 0
    nbits = 0
    for leaf, offset in reader.leaf_readers():
        count = leaf.doc_count_all()
        if not count:
            continue
        key = segment_id(leaf)
        seg = cache.get(key) if key else None
        if seg is None or seg.count != count:
            seg = _load_segment(leaf, key)
        if key:
            used[key] = seg
        segments.append((seg, offset))
        nbits = max(nbits, offset + count)
        live = seg.valid
        if leaf.has_deletions():
            live &= ~mask_of(deleted_docnums(leaf), count)
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
    return View(
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
