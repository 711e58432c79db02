"""Text primitives shared by search and classification.

Small, dependency-light building blocks: ``fold`` (case and accent folding),
``tokenize`` (words and numbers), stopword sets for Indonesian and English, and
stemmers (``stem_id`` for Indonesian via PySastrawi, ``stem_en`` Porter for
English, ``stem`` combining both). Keep them general: the search analyzer and the
classifier both build on them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "STOPWORDS",
    "STOPWORDS_EN",
    "STOPWORDS_ID",
    "TOKEN_RE",
    "fold",
    "index_term",
    "is_stopword",
    "load_wordlist",
    "stem",
    "stem_en",
    "stem_id",
    "tokenize",
]

#: A token is a run of letters and/or digits (underscore excluded), so
#: "COVID-19" gives "COVID" and "19", and "#DiRumahAja" gives "DiRumahAja".
TOKEN_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lowercase and strip accents (NFKD, combining marks dropped): "Café" -> "cafe"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Split text into words and numbers, keeping their case (call ``fold`` first if needed)."""
    return TOKEN_RE.findall(text)


def load_wordlist(name: str) -> frozenset[str]:
    """Read ``registry/data/<name>``: one word a line, ``#`` starts a comment; words are folded."""
    path = resources.files("registry") / "data" / name
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.add(fold(word))
    return frozenset(words)


STOPWORDS_ID: frozenset[str] = load_wordlist("stopwords_id.txt")
STOPWORDS_EN: frozenset[str] = load_wordlist("stopwords_en.txt")
STOPWORDS: frozenset[str] = STOPWORDS_ID | STOPWORDS_EN


def is_stopword(word: str) -> bool:
    """True for a folded word in either stopword list."""
    return word in STOPWORDS


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
