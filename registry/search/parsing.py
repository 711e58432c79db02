"""Query parsing into Whoosh queries, with the fallback for broken syntax.

A query runs with AND between words; when that finds nothing it runs again with OR
(as ``OrGroup.factory(0.9)``: documents with more of the words rank higher), so long
queries still find things while short ones stay precise. Broken syntax is read as
plain words (see :mod:`registry.search.query_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from whoosh import qparser, query

from .query_text import balanced, negated_words, plain_words
from .schema import SCHEMA


def _parser(group: Any, syntax: bool) -> qparser.QueryParser:
    plugins: list[Any] = []
    if syntax:
        # No fields, wildcards, ranges or boosts: "Jakarta: vaksin" is two words.
        plugins = [
            qparser.PhrasePlugin(),
            qparser.GroupPlugin(),
            qparser.OperatorsPlugin(),
            # + and - only at the start of a word, so "covid-19" stays one word
            qparser.PlusMinusPlugin(plusexpr=r"(?:(?<=[\s(])|^)\+", minusexpr=r"(?:(?<=[\s(])|^)-"),
        ]
    return qparser.QueryParser("text", SCHEMA, plugins=plugins, group=group)


_AND_PARSER = _parser(qparser.AndGroup, syntax=True)
_OR_PARSER = _parser(qparser.OrGroup.factory(0.9), syntax=True)
_PLAIN_AND_PARSER = _parser(qparser.AndGroup, syntax=False)
_PLAIN_OR_PARSER = _parser(qparser.OrGroup.factory(0.9), syntax=False)


@dataclass
class Parsed:
    query: query.Query
    #: (parser, text) giving the same words with OR between them, tried when
    #: ``query`` finds nothing; None for a single word
    or_source: tuple[qparser.QueryParser, str] | None = None
    #: False for a pure exclusion, which has no relevance order
    scored: bool = True
    #: True for the OR fallback: more of the words, higher the score
    coord: bool = False

    def or_query(self) -> query.Query | None:
        if self.or_source is None:
            return None
        parser, text = self.or_source
        try:
            parsed = parser.parse(text)
        except Exception:
            return None
        return parsed if positive_terms(parsed) else None


def positive_terms(q: query.Query) -> set[str]:
    """Analyzed words a hit may contain (words under NOT are left out)."""
    out: set[str] = set()
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, query.Not):
            continue
        if isinstance(node, query.AndNot):
            stack.append(node.a)
            continue
        if isinstance(node, query.Term) and node.fieldname == "text":
            out.add(str(node.text))
        elif isinstance(node, query.Phrase) and node.fieldname == "text":
            out.update(str(w) for w in node.words)
        stack.extend(node.children())
    return out


def parse_query(q: str) -> Parsed | None:
    """Parse a query string; None when it constrains nothing (no words, only stopwords).

    Syntax: "phrases", (groups), AND/OR/NOT, +required, -excluded. Input that is not
    valid syntax (stray quotes or brackets, bare operators, colons) is read as its
    plain words; parse errors never reach the caller.
    """
    if balanced(q):
        try:
            parsed = _AND_PARSER.parse(q)
        except Exception:
            parsed = query.NullQuery
        terms = positive_terms(parsed)
        if terms:
            return Parsed(parsed, (_OR_PARSER, q) if len(terms) > 1 else None)
        # Only exclusions ("-vaksin", "NOT vaksin"): everything but those.
        negated = negated_words(q)
        if negated:
            excluded = _PLAIN_OR_PARSER.parse(negated)
            if positive_terms(excluded):
                return Parsed(query.AndNot(query.Every(), excluded), None, scored=False)
    plain = plain_words(q)
    if not plain:
        return None
    try:
        parsed = _PLAIN_AND_PARSER.parse(plain)
    except Exception:
        return None
    terms = positive_terms(parsed)
    if not terms:
        return None
    return Parsed(parsed, (_PLAIN_OR_PARSER, plain) if len(terms) > 1 else None)
