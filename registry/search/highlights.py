"""Highlights: a hit's snippet, with the words the query matched in ``<mark>``.

Backend-neutral (no Whoosh here): it reads a document's stored texts and the
analyzed query words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from registry.text import TOKEN_RE, fold, index_term

from .documents import DETAIL_SECTIONS, STORED_NAMES

SNIPPET_CHARS = 240


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


def snippet_sources(texts: Sequence[str]) -> list[str]:
    """Where a hit's snippet comes from: the first with a match, else the first non-empty.

    Summary, innovation, the other body sections, title (from the stored ``texts``).
    """
    by_name = dict(zip(STORED_NAMES, texts, strict=False))
    details = "\n".join(t for name in DETAIL_SECTIONS if (t := by_name.get(name)))
    return [
        by_name.get("summary", ""),
        by_name.get("innovation", ""),
        details,
        by_name.get("title", ""),
    ]


def highlight(texts: Sequence[str], terms: set[str], width: int = SNIPPET_CHARS) -> str:
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
