"""The dictionary stemmers, one name each: ``stem_id`` (Indonesian, PySastrawi), ``stem_en``
(English, Porter) and ``stem`` (either language); ``index_term`` is a token's searched form.

The classifier's own cheap affix stripper is another stemmer with another name
(:func:`registry.classify.stemmer.light_stem`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .words import STOPWORDS, TOKEN_RE, fold

__all__ = ["index_term", "stem", "stem_en", "stem_id"]

# Words the Sastrawi stemmer gets wrong in a way that matters here: it turns
# "relawan" (volunteer) into "rawan" (vulnerable), and keeps "vaksinasi" apart
# from "vaksin" because both are dictionary roots.
_STEM_OVERRIDES: dict[str, str] = {
    "relawan": "relawan",
    "sukarelawan": "relawan",
    "vaksinasi": "vaksin",
    "imunisasi": "imun",
}

_sastrawi: Any = None


def _sastrawi_stemmer() -> Any:
    global _sastrawi
    if _sastrawi is None:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        _sastrawi = StemmerFactory().create_stemmer()
    return _sastrawi


@lru_cache(maxsize=200_000)
def stem_id(word: str) -> str:
    """Indonesian stem of one folded word: "pelayanan" -> "layan", "layanan" -> "layan"."""
    if word in _STEM_OVERRIDES:
        return _STEM_OVERRIDES[word]
    if len(word) < 4 or word.isdigit():
        return word
    if not word.isalpha():
        # letters and digits ("covid19", a post's code "3dde"): Sastrawi's roots have no
        # digit, so it gives the word back, after milliseconds of trying every affix
        return word
    return str(_sastrawi_stemmer().stem(word)) or word


@lru_cache(maxsize=200_000)
def stem_en(word: str) -> str:
    """English (Porter) stem of one folded word: "vaccination" -> "vaccin"."""
    from whoosh.lang.porter import stem as porter_stem

    if len(word) < 4 or word.isdigit():
        return word
    return str(porter_stem(word))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one folded word that may be Indonesian or English.

    The choice, kept simple on purpose: apply the Indonesian stemmer first; only
    when it leaves the word unchanged (Sastrawi returns words it cannot reduce to a
    dictionary root as they are, which is what happens to English words such as
    "vaccination") apply the Porter stemmer. Indonesian roots that Sastrawi leaves
    alone can be trimmed by Porter too ("kasus" -> "kasu"); that is harmless
    because indexing and querying go through the same function.
    """
    stemmed = stem_id(word)
    if stemmed != word:
        return stemmed
    return stem_en(word)


@lru_cache(maxsize=200_000)
def index_term(token: str) -> str | None:
    """The form a token is indexed and searched under: folded and stemmed; None for a stopword."""
    word = fold(token)
    if word in STOPWORDS:
        return None
    return stem(word)


def index_terms(text: str) -> list[str]:
    """The indexed terms of a text in order, stopwords dropped."""
    return [t for t in map(index_term, TOKEN_RE.findall(text)) if t is not None]
