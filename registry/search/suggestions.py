"""Suggestions: "did you mean" for misspelled queries, and similar innovations."""

from __future__ import annotations

import math
import re
from collections import Counter

from whoosh.searching import Searcher

from registry.text import STOPWORDS, TOKEN_RE, fold, index_term, stem

from .documents import STORED_NAMES
from .query_text import OPERATORS
from .ranking import View
from .whoosh_private import segment_id

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


def _spelling_words(searcher: Searcher, view: View) -> list[frozenset[str]]:
    """The spelling vocabulary, one set per segment (each read once per segment)."""
    by_key = {seg.key: seg for seg, _ in view.segments}
    out = []
    for leaf, _ in searcher.reader().leaf_readers():
        key = segment_id(leaf)
        seg = by_key.get(key) if key else None
        if seg is None:
            continue
        if seg.words is None:
            seg.words = frozenset(b.decode("utf-8") for b in leaf.lexicon("spell"))
        out.append(seg.words)
    return out


def suggestion_for(searcher: Searcher, view: View, q: str) -> str | None:
    """The query with misspelled words corrected, or None when nothing is better."""
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
            # the weight: documents with the word (see building.build_segments), occurrences
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
            original in OPERATORS
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


def similar_to(searcher: Searcher, view: View, docnum: int, limit: int) -> list[int]:
    """Ids of other documents most like ``docnum``, by its most distinctive words."""
    reader = searcher.reader()
    stored = dict(
        zip(STORED_NAMES, searcher.stored_fields(docnum).get("texts") or (), strict=False)
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
        candidates |= view.term_mask(searcher, "text", term)
    candidates &= view.alive & ~(1 << docnum)
    out = []
    for _, d in view.rank(searcher, boosts, candidates, limit):
        if view.ids[d] >= 0:
            out.append(int(view.ids[d]))
    return out
