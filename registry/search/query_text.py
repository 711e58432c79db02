"""The query language as users type it, before any backend reads it (no Whoosh here).

Syntax: "phrases", (groups), AND/OR/NOT, +required, -excluded. These helpers decide
whether a query's syntax can be trusted and give its plain words when it cannot, so
that every backend answers broken syntax the same way: as the words typed.
"""

from __future__ import annotations

import re

from registry.text import TOKEN_RE

OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_QUOTE_OR_PAREN = re.compile(r'["()]')
_NEGATED_RE = re.compile(r'(?:^|(?<=[\s(]))(?:-|NOT\s+)("[^"]*"|[^\s()"]+)')


def balanced(q: str) -> bool:
    """True when the quotes pair up and the brackets close in order."""
    if q.count('"') % 2:
        return False
    depth = 0
    for ch in _QUOTE_OR_PAREN.findall(q.replace('"', "")):
        depth += 1 if ch == "(" else -1
        if depth < 0:
            return False
    return depth == 0


def plain_words(q: str) -> str:
    """The words of a query with all syntax removed (operators become plain words)."""
    return " ".join(w.lower() if w in OPERATORS else w for w in TOKEN_RE.findall(q))


def negated_words(q: str) -> str:
    """The plain words of what a query excludes ("-vaksin", "NOT vaksin")."""
    return plain_words(" ".join(_NEGATED_RE.findall(q)))
