"""The classifier's light stemmer: a crude, fast affix stripper for Indonesian.

The dictionary stemmers (PySastrawi, Porter) that search uses are another stemmer with other
names (:mod:`registry.text.stemmers`).
"""

from __future__ import annotations

from typing import Final

__all__ = ["light_stem"]

# Sastrawi is exact but costs ~270 us for each new word; the classifier needs a stem that is
# cheap and consistent (the same word always maps the same way), not a dictionary root.
_PARTICLES: Final = ("nya", "lah", "kah", "pun")
_SUFFIXES: Final = ("kan", "an")
_PREFIXES: Final = (
    "memper", "meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen",
    "di", "ter", "ber", "ke", "se", "pe",
)  # fmt: skip
_VOWELS: Final = frozenset("aeiou")
_STEM_CACHE: dict[str, str] = {}
_STEM_CACHE_MAX: Final = 200_000


def _stem(word: str) -> str:
    if len(word) > 2 and word[-1] == "2" and word[:-1].isalpha():  # "kampung2" -> "kampung"
        word = word[:-1]
    if len(word) < 6 or not word.isalpha() or not word.isascii():
        return word
    for suffix in _PARTICLES:
        if word.endswith(suffix) and len(word) - 3 >= 5:
            word = word[:-3]
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 5:
            word = word[: -len(suffix)]
            break
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            rest = word[len(prefix) :]
            if prefix in ("meny", "peny") and rest[0] in _VOWELS:
                rest = "s" + rest
            elif prefix in ("men", "pen") and rest[0] in _VOWELS:
                rest = "t" + rest
            elif prefix in ("mem", "pem") and rest[0] in _VOWELS:
                rest = "p" + rest
            elif prefix in ("me", "pe") and rest[0] not in "lrwy":
                continue
            elif rest[0] not in _VOWELS and rest[1] not in _VOWELS and rest[1] not in "hlry":
                continue  # "kembang" is no "ke-" word
            return rest
    return word


def light_stem(word: str) -> str:
    """A crude Indonesian stem of one lower-case word ("meluncurkan", "diluncurkan" and
    "peluncuran" -> "luncur"); English words mostly pass through. Cached."""
    found = _STEM_CACHE.get(word)
    if found is None:
        found = _stem(word)
        if len(_STEM_CACHE) < _STEM_CACHE_MAX:
            _STEM_CACHE[word] = found
    return found
