"""Everyday words and English at query time (issue 15, item 6).

A maintained list (registry/data/synonyms.tsv: abbreviations such as nakes, bansos, isoman,
prokes, UMKM, faskes; synonyms; English translations, each tagged with its language) rewrites a
plain query so that each listed word or phrase also matches its equivalents:
``nakes bandung`` -> ``(nakes OR (tenaga kesehatan)) bandung``. Pairs work both ways. A query
that uses the search syntax (quotes, brackets, operators) is left as typed. Used by
registry.search.index; imports nothing of the registry.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MAX_PHRASE_WORDS = 5
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_SYNTAX = re.compile(r"[\"()+]|(?:^|\s)-|\b(?:AND|OR|NOT)\b")


@dataclass(frozen=True)
class Entry:
    lang: str  # the language of ``term``: "id" or "en"
    kind: str  # abbreviation | synonym | translation
    term: str
    equivalent: str  # Indonesian


def _normal(text: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(text))


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    text = (resources.files("registry") / "data" / "synonyms.tsv").read_text(encoding="utf-8")
    out: list[Entry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or parts[0] not in ("id", "en"):
            raise ValueError(f"synonyms.tsv line {number}: expected lang, kind, term, equivalent")
        out.append(Entry(parts[0], parts[1], _normal(parts[2]), _normal(parts[3])))
    return tuple(out)


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    """A phrase (normalized) -> every phrase it is equivalent to."""
    groups: dict[str, set[str]] = defaultdict(set)
    for entry in entries():
        groups[entry.term].add(entry.equivalent)
        groups[entry.equivalent].add(entry.term)
    return {k: tuple(sorted(v - {k})) for k, v in groups.items()}


def _grouped(phrase: str) -> str:
    # words of a phrase anywhere in the record, as a typed query of those words finds them
    return f"({phrase})" if " " in phrase else phrase


def expand(q: str) -> str:
    """The query with each listed word or phrase OR-ed with its equivalents (longest first);
    unchanged when nothing is listed or the query uses the search syntax."""
    if not q.strip() or _SYNTAX.search(q):
        return q
    words = [w.lower() for w in _WORD.findall(q)]
    table = _table()
    parts: list[str] = []
    changed = False
    i = 0
    while i < len(words):
        for n in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            others = table.get(phrase)
            if others:
                options = [_grouped(phrase), *(_grouped(o) for o in others)]
                parts.append("(" + " OR ".join(options) + ")")
                changed = True
                i += n
                break
        else:
            parts.append(words[i])
            i += 1
    return " ".join(parts) if changed else q
