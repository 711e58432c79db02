"""Our analyzer's terms and parsed queries as SQL full-text search text (pure, no database).

A SQL backend stores the terms our own analyzer gives (folding, slang, Sastrawi and Porter
stems), never the database's stemming, so that every backend matches alike:

* PostgreSQL: :func:`tsvector_literal` is a ``tsvector`` value (positions, weight A for the
  title, B the summary, C the innovator and region names, D the other sections) and
  :attr:`SqlText.tsquery` a ``tsquery`` over the same terms. Cast it (``CAST(:q AS tsquery)``,
  the terms as given) or pass it to ``to_tsquery('simple', :q)`` (the same, since our terms
  are lowercase letters and digits).
* SQLite FTS5: :attr:`SqlText.fts5` a MATCH expression of quoted terms, over a table of our
  terms as space-joined text tokenized with ``unicode61 remove_diacritics 0`` (as
  tests/search/test_sql_text.py builds one). FTS5 has no unary NOT: what
  a query excludes is :attr:`Fts5Query.exclude`, to be matched and left out by the caller
  (``rowid NOT IN (SELECT rowid FROM t WHERE t MATCH :exclude)``).

:func:`queries_for` turns what a user typed into the queries to try in order, as the Whoosh
backend does: the words with AND, then (when that finds nothing) with OR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import query

from . import synonyms
from .analysis import terms_of
from .contract import MAX_QUERY_CHARS
from .documents import SECTION_GAP, WEIGHTS
from .parsing import Parsed, parse_query, positive_terms

#: The tsvector weight of each section of SECTION_WEIGHTS (title, summary, names, body).
SECTION_LETTERS = ("A", "B", "C", "D")
#: PostgreSQL's tsvector limits: the highest position, positions kept per lexeme.
MAX_POSITION = 16383
MAX_POSITIONS_PER_TERM = 256
#: PostgreSQL's longest lexeme, in bytes (a longer term is left out of the tsvector).
MAX_LEXEME_BYTES = 2046
#: The most a document's tsvector may hold, in bytes as stored (lexemes, entries, positions):
#: far below tsvector's 1 MB of lexemes, so no single document (a 100,000-character body has
#: ~300 kB) can fail a write; the terms past it are left out, as Whoosh leaves nothing out.
MAX_TSVECTOR_BYTES = 512 * 1024
#: Phrases with a slop ("a b"~3) are written as every distance up to this one.
MAX_SLOP = 3
_MAX_PHRASE_VARIANTS = 64

assert len(SECTION_LETTERS) == len(WEIGHTS)


# -- documents ---------------------------------------------------------------------------------


def tsvector_literal(sections: Sequence[str], max_bytes: int = MAX_TSVECTOR_BYTES) -> str:
    """A tsvector value of the sections' terms (positions, weights A B C D by section).

    Positions close up over stopwords, as the analyzer's do, and jump by SECTION_GAP between
    sections, so a phrase never spans two. Within PostgreSQL's limits only: a term keeps its
    first MAX_POSITIONS_PER_TERM positions and none past MAX_POSITION (it stays, without
    them: it still matches, but not in a phrase); a term over MAX_LEXEME_BYTES is left out,
    and so is every term and position past ``max_bytes`` of the stored value.
    """
    places: dict[str, list[str]] = {}
    size = 0
    position = 1
    for text, letter in zip(sections, SECTION_LETTERS, strict=False):
        for term in terms_of(text):
            found = places.get(term)
            if found is None:
                cost = 8 + len(term.encode("utf-8"))  # its entry, its text, its count
                if size + cost > max_bytes or cost > MAX_LEXEME_BYTES + 8:
                    position += 1
                    continue
                size += cost
                found = places[term] = []
            if (
                len(found) < MAX_POSITIONS_PER_TERM
                and position <= MAX_POSITION
                and size + 2 <= max_bytes
            ):
                found.append(f"{position}{letter}")
                size += 2
            position += 1
        position += SECTION_GAP
    return " ".join(
        f"{_quoted_lexeme(term)}:{','.join(found)}" if found else _quoted_lexeme(term)
        for term, found in sorted(places.items())
    )


def _quoted_lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _fts5_token(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


# -- queries: a small boolean tree first ---------------------------------------------------------

_ALL = ("all",)  # matches every document


def _node(q: query.Query) -> tuple[Any, ...] | None:
    """A Whoosh query of analyzed terms as a tuple tree; None matches nothing.

    ("term", t), ("phrase", words, slop), ("and", positives, negatives), ("or", items),
    ("not", item), ("all",).
    """
    if isinstance(q, query.Term):
        return ("term", str(q.text))
    if isinstance(q, query.Phrase):
        words = [str(w) for w in q.words]
        if not words:
            return None
        if len(words) == 1:
            return ("term", words[0])
        return ("phrase", tuple(words), max(1, int(q.slop)))
    if isinstance(q, query.Every):
        return _ALL
    if isinstance(q, query.Not):
        return _not(_node(q.query))
    if isinstance(q, query.AndNot):
        return _and([_node(q.a), _not(_node(q.b))])
    if isinstance(q, query.AndMaybe):
        return _node(q.a)
    if isinstance(q, query.Require):
        return _and([_node(q.a), _node(q.b)])
    if isinstance(q, query.And):
        return _and([_node(sub) for sub in q.subqueries])
    if isinstance(q, query.Or | query.DisjunctionMax):
        return _or([_node(sub) for sub in q.subqueries])
    return None  # NullQuery, and nothing else our parser makes


def _not(item: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    if item is None:
        return _ALL
    if item == _ALL:
        return None
    if item[0] == "not":
        inner: tuple[Any, ...] = item[1]
        return inner
    return ("not", item)


def _and(items: Sequence[tuple[Any, ...] | None]) -> tuple[Any, ...] | None:
    positives: list[tuple[Any, ...]] = []
    negatives: list[tuple[Any, ...]] = []
    for item in items:
        if item is None:
            # Whoosh drops a NullQuery (a word that was only stopwords) from a group
            continue
        if item == _ALL:
            continue
        if item[0] == "and":
            positives.extend(item[1])
            negatives.extend(item[2])
        elif item[0] == "not":
            negatives.append(item[1])
        else:
            positives.append(item)
    if not positives and not negatives:
        return _ALL if any(item == _ALL for item in items) else None
    if len(positives) == 1 and not negatives:
        return positives[0]
    return ("and", tuple(positives), tuple(negatives))


def _or(items: Sequence[tuple[Any, ...] | None]) -> tuple[Any, ...] | None:
    kept = [item for item in items if item is not None]
    if any(item == _ALL for item in kept):
        return _ALL
    flat: list[tuple[Any, ...]] = []
    for item in kept:
        flat.extend(item[1] if item[0] == "or" else (item,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else ("or", tuple(flat))


# -- PostgreSQL tsquery ----------------------------------------------------------------------------


def _phrase_tsquery(words: Sequence[str], slop: int) -> str:
    quoted = [_quoted_lexeme(w) for w in words]
    slop = min(slop, MAX_SLOP)
    if slop > 1 and slop ** (len(words) - 1) > _MAX_PHRASE_VARIANTS:
        slop = 1
    if slop == 1:
        return "(" + " <-> ".join(quoted) + ")"
    # <N> is an exact distance; Whoosh's slop is "at most": every distance up to it
    expr = quoted[0]
    for word in quoted[1:]:
        expr = "(" + " | ".join(f"{expr} <{d}> {word}" for d in range(1, slop + 1)) + ")"
    return expr


def _tsquery(item: tuple[Any, ...]) -> str:
    kind = item[0]
    if kind == "term":
        return _quoted_lexeme(item[1])
    if kind == "phrase":
        return _phrase_tsquery(item[1], item[2])
    if kind == "not":
        return "!" + _tsquery(item[1])
    if kind == "or":
        return "(" + " | ".join(_tsquery(sub) for sub in item[1]) + ")"
    if kind == "and":
        parts = [_tsquery(sub) for sub in item[1]] + ["!" + _tsquery(sub) for sub in item[2]]
        return "(" + " & ".join(parts) + ")"
    raise ValueError(f"no tsquery for {kind!r}")


def tsquery_text(q: query.Query) -> str | None:
    """A tsquery over our terms of a parsed Whoosh query (phrases as <->, NOT as !, OR as |).

    None when the query matches nothing; "" when it matches every document (a bare
    ``Every``: no tsquery needed).
    """
    item = _node(q)
    if item is None:
        return None
    if item == _ALL:
        return ""
    return _tsquery(item)


# -- SQLite FTS5 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fts5Query:
    """Rows matching ``match`` (every row when None) and not matching ``exclude`` (if set)."""

    match: str | None
    exclude: str | None = None


def _fts5(item: tuple[Any, ...]) -> str | None:
    """A MATCH expression; None for what FTS5 cannot say inside an expression (a bare NOT,
    which is then left out of the OR around it: an approximation, said in the docs)."""
    kind = item[0]
    if kind == "term":
        return _fts5_token(item[1])
    if kind == "phrase":
        words, slop = item[1], item[2]
        if slop <= 1:
            return _fts5_token(" ".join(words))  # one quoted string: adjacent, in order
        tokens = " ".join(_fts5_token(w) for w in words)
        # NEAR counts the tokens between, in any order
        return f"NEAR({tokens}, {(slop - 1) * (len(words) - 1)})"
    if kind == "or":
        parts = [p for p in (_fts5(sub) for sub in item[1]) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
    if kind == "and":
        positives = [p for p in (_fts5(sub) for sub in item[1]) if p is not None]
        negatives = [p for p in (_fts5(sub) for sub in item[2]) if p is not None]
        if not positives:
            return None
        expr = "(" + " AND ".join(positives) + ")"
        if negatives:
            expr = f"{expr} NOT ({' OR '.join(negatives)})"
        return expr
    return None  # "not" alone


def fts5_query(q: query.Query) -> Fts5Query | None:
    """An FTS5 MATCH over :func:`plain_terms` text of a parsed Whoosh query; None when the
    query matches nothing. A pure exclusion gives ``Fts5Query(None, exclude=...)``."""
    item = _node(q)
    if item is None:
        return None
    if item == _ALL:
        return Fts5Query(None)
    if item[0] == "not":
        excluded = _fts5(item[1])
        return Fts5Query(None, excluded) if excluded else Fts5Query(None)
    if item[0] == "and" and not item[1]:
        excluded = _fts5(("or", item[2]) if len(item[2]) > 1 else item[2][0])
        return Fts5Query(None, excluded)
    expr = _fts5(item)
    return None if expr is None else Fts5Query(expr)


# -- what a user typed -------------------------------------------------------------------------


@dataclass(frozen=True)
class SqlText:
    """One query to run, in both dialects."""

    tsquery: str | None  # None: matches nothing; "": every document
    fts5: Fts5Query | None  # None: matches nothing
    #: the analyzed words a hit may contain (for ranking and highlights)
    terms: frozenset[str]
    #: False for a pure exclusion, which has no relevance order
    scored: bool = True
    #: True for the OR fallback: more of the words, higher the score
    coord: bool = False


def translate(parsed: Parsed) -> SqlText:
    """A parsed query (:func:`registry.search.parsing.parse_query`) in both dialects."""
    return SqlText(
        tsquery=tsquery_text(parsed.query),
        fts5=fts5_query(parsed.query),
        terms=frozenset(positive_terms(parsed.query)),
        scored=parsed.scored,
        coord=parsed.coord,
    )


def queries_for(q: str, expand_synonyms: bool = True) -> list[SqlText]:
    """The queries to try in order for what a user typed, the first that finds something
    winning: the words with AND, then with OR (when there are several). Empty when the
    text constrains nothing (no words, only stopwords): list everything.

    As the Whoosh backend: everyday words and English also find their Indonesian
    equivalents (``expand_synonyms``), long input is cut, broken syntax is read as words.
    """
    q = (q or "")[:MAX_QUERY_CHARS]
    if not q.strip():
        return []
    parsed = parse_query(synonyms.expand(q) if expand_synonyms else q)
    if parsed is None:
        return []
    out = [translate(parsed)]
    or_query = parsed.or_query()
    if or_query is not None and or_query != parsed.query:
        out.append(translate(Parsed(or_query, coord=True)))
    return out


def lexeme_query(term: str) -> str:
    """A tsquery of one analyzed term, as written (for ``CAST(... AS tsquery)``)."""
    return _quoted_lexeme(term)
