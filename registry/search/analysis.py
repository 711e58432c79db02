"""The analyzer: how text becomes index terms, for documents and queries alike.

Folding, Indonesian and English stopwords and stems come from
:mod:`registry.text`; this module applies them to weighted sections (see
:mod:`registry.search.documents`). The analyzer chain is Whoosh's public
``Tokenizer``/``Filter`` API; the cached term functions give the same terms without
the chain, for indexing at speed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from whoosh.analysis import Filter, Token, Tokenizer

from registry.text import STOPWORDS, TOKEN_RE, fold, index_term

from .documents import SECTION_GAP, SECTIONED, WEIGHTS, section_texts


class SectionTokenizer(Tokenizer):
    """Words and numbers of a text, weighted by section for a ``sectioned`` value.

    Each token's boost is its section's weight (Whoosh adds the boosts up into the
    term's weight); positions jump by ``SECTION_GAP`` between sections. A plain
    string (a query) is one section of weight 1.
    """

    def __eq__(self, other: object) -> bool:
        return other is not None and other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(
        self,
        value: Any,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        if value.startswith(SECTIONED):
            sections = zip(section_texts(value), WEIGHTS, strict=False)
        else:
            sections = zip((value,), (1.0,), strict=True)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos, char = start_pos, start_char
        for text, weight in sections:
            text = str(text)
            matches: Iterable[tuple[str, int, int]]
            if tokenize:
                matches = ((m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text))
            else:
                matches = ((text, 0, len(text)),)
            for word, start, end in matches:
                t.text = word
                t.boost = float(weight)
                t.stopped = False
                if keeporiginal:
                    t.original = word
                if positions:
                    t.pos = pos
                pos += 1
                if chars:
                    t.startchar = char + start
                    t.endchar = char + end
                yield t
            pos += SECTION_GAP
            char += len(text) + 1


class NormalizeFilter(Filter):
    """Fold case and accents, drop Indonesian and English stopwords, stem.

    Stateless on purpose: Whoosh pickles the schema into the index, and this way only
    the class name is stored; the word lists and stemmer come from
    :mod:`registry.text`. Positions close up over removed stopwords, so a
    phrase matches across them, while the gaps between sections stay.
    """

    is_morph = True

    def __eq__(self, other: object) -> bool:
        return other is not None and other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        removed = 0
        for t in tokens:
            term = index_term(t.text)
            if term is None:
                removed += 1
                if not t.removestops:
                    t.stopped = True
                    yield t
                continue
            if t.positions and removed:
                t.pos -= removed
            t.text = term
            t.stopped = False
            yield t


class SpellingFilter(Filter):
    """Folded words of three letters or more, stopwords and numbers dropped, unstemmed."""

    def __eq__(self, other: object) -> bool:
        return other is not None and other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        for t in tokens:
            word = fold(t.text)
            if len(word) < 3 or word.isdigit() or word in STOPWORDS:
                continue
            t.text = word
            yield t


def analyzer() -> Any:
    """The Indonesian+English analyzer of the ``text`` field (and of queries)."""
    return SectionTokenizer() | NormalizeFilter()


# A token's indexed form, by surface form: ``index_term`` behind a plain dict, which a
# list comprehension reads at C speed (the analyzer chain costs ~1 µs a token).
_TERMS: dict[str, str | None] = {}
_TERMS_MAX = 500_000
_T = TypeVar("_T", str, bytes)


def _cached_terms(text: str, cache: dict[str, _T | None], convert: Callable[[str], _T]) -> list[_T]:
    """The indexed terms of a text in order, stopwords dropped, each through ``convert``;
    ``cache`` maps surface forms to them."""
    words = TOKEN_RE.findall(text)
    try:
        found = [cache[w] for w in words]
    except KeyError:
        if len(cache) > _TERMS_MAX:
            cache.clear()
        for w in words:
            if w not in cache:
                term = index_term(w)
                cache[w] = None if term is None else convert(term)
        found = [cache[w] for w in words]
    return [t for t in found if t is not None]


def terms_of(text: str) -> list[str]:
    """The indexed terms of a text in order, stopwords dropped (as ``analyzer()`` gives)."""
    return _cached_terms(text, _TERMS, str)


_TERM_BYTES: dict[str, bytes | None] = {}  # as _TERMS, UTF-8 encoded
_ENCODED: dict[str, bytes] = {}


def term_bytes_of(text: str) -> list[bytes]:
    """``terms_of`` as UTF-8 bytes, the form a Whoosh field's ``index`` returns."""
    return _cached_terms(text, _TERM_BYTES, str.encode)


def encoded(term: str) -> bytes:
    """A term as UTF-8 bytes (cached)."""
    found = _ENCODED.get(term)
    if found is None:
        if len(_ENCODED) > _TERMS_MAX:
            _ENCODED.clear()
        found = _ENCODED[term] = term.encode("utf-8")
    return found


def spelling_of(value: str) -> Counter[str]:
    """Folded words of three letters or more, stopwords and numbers dropped, unstemmed."""
    words = (fold(w) for w in TOKEN_RE.findall(value))
    return Counter(w for w in words if len(w) >= 3 and not w.isdigit() and w not in STOPWORDS)
