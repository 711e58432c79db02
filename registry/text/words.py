"""Words: case and accent folding, tokens, and the stopword lists (search and classify)."""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

__all__ = [
    "STOPWORDS",
    "STOPWORDS_EN",
    "STOPWORDS_ID",
    "TOKEN_RE",
    "fold",
    "is_stopword",
    "load_wordlist",
    "tokenize",
    "word_set",
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


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` (word lists written as one string)."""
    return frozenset(text.split())
