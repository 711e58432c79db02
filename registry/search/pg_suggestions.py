""" "Did you mean" and similar innovations on the PostgreSQL backend.

The same rules as the Whoosh backend's (:mod:`registry.search.suggestions`): a word that is
neither a known spelling nor the stem of an indexed term is replaced by the known word one
edit away found in most documents, else (words of five letters or more) one two edits away
sharing its first two letters. Candidates come from search_vocabulary through its trigram
index (pg_trgm), and the edits are counted here.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from sqlalchemy import Connection, text

from registry.text import STOPWORDS, TOKEN_RE, fold, index_term, stem

from .documents import STORED_NAMES
from .query_text import OPERATORS
from .sql_text import lexeme_query

#: trigram similarity below which vocabulary words are not considered (pg_trgm's default 0.3
#: misses one-letter slips in short words)
SIMILARITY = 0.2
_CANDIDATES = 30
_SIMILAR_TERMS = 10


def edit_distance(a: str, b: str) -> int:
    """Deletions, insertions, substitutions and swaps of two neighbours (optimal alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _known(conn: Connection, words: list[str]) -> set[str]:
    """Those of ``words`` that are a spelling word or whose stem is indexed (one query)."""
    if not words:
        return set()
    rows = conn.execute(
        text(
            "SELECT w FROM unnest(CAST(:words AS text[]), CAST(:stems AS text[])) AS u(w, t) "
            "WHERE EXISTS (SELECT 1 FROM search_vocabulary WHERE word = w AND documents > 0)"
            " OR EXISTS (SELECT 1 FROM search_document WHERE terms @@ CAST(t AS tsquery))"
        ),
        {"words": words, "stems": [lexeme_query(stem(w)) for w in words]},
    )
    return {str(w) for (w,) in rows}


def _correction(conn: Connection, word: str) -> str | None:
    conn.execute(
        text("SELECT set_config('pg_trgm.similarity_threshold', :s, true)"),
        {"s": str(SIMILARITY)},
    )
    rows = conn.execute(
        text(
            "SELECT word, documents FROM search_vocabulary WHERE word % :w AND documents > 0 "
            "ORDER BY similarity(word, :w) DESC, documents DESC, word LIMIT :n"
        ),
        {"w": word, "n": _CANDIDATES},
    ).all()
    by_distance: dict[int, list[tuple[int, str]]] = {}
    for candidate, documents in rows:
        distance = edit_distance(word, candidate)
        by_distance.setdefault(distance, []).append((int(documents), str(candidate)))
    if by_distance.get(1):
        return max(by_distance[1])[1]
    if len(word) > 4:
        near = [c for c in by_distance.get(2, []) if c[1][:2] == word[:2]]
        if near:
            return max(near)[1]
    return None


def _checked(original: str) -> str | None:
    """The folded word to check the spelling of, or None (operators, short words, numbers,
    stopwords)."""
    word = fold(original)
    if original in OPERATORS or len(word) < 3 or word.isdigit() or word in STOPWORDS:
        return None
    return word


def suggestion_for(conn: Connection, q: str) -> str | None:
    """The query with misspelled words corrected, or None when nothing is better."""
    words = sorted({w for m in TOKEN_RE.finditer(q) if (w := _checked(m.group(0)))})
    unknown = set(words) - _known(conn, words)
    if not unknown:
        return None
    corrections = {word: _correction(conn, word) for word in sorted(unknown)}
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = _checked(match.group(0))
        better = corrections.get(word) if word is not None else None
        if better is None:
            return match.group(0)
        changed = True
        return better

    suggestion = TOKEN_RE.sub(replace, q).strip()
    return suggestion if changed and suggestion != q.strip() else None


def similar_ids(conn: Connection, id: int, limit: int, weights: str) -> list[int]:
    """Ids of other documents most like ``id``, by its most distinctive words (tf-idf of its
    title, twice, summary and innovation), ranked by ``ts_rank`` over those words."""
    texts = conn.execute(text("SELECT texts FROM search_text WHERE id = :id"), {"id": id})
    stored_texts = texts.scalar()
    if stored_texts is None:
        return []
    stored = dict(zip(STORED_NAMES, stored_texts, strict=False))
    words = " ".join(stored.get(k) or "" for k in ("title", "title", "summary", "innovation"))
    tf = Counter(t for w in TOKEN_RE.findall(words) if (t := index_term(w)) is not None)
    if not tf:
        return []
    terms = sorted(tf)
    rows = conn.execute(
        text(
            "SELECT (SELECT count(*) FROM search_document), t, "
            "(SELECT count(*) FROM search_document WHERE terms @@ CAST(q AS tsquery)) "
            "FROM unnest(CAST(:terms AS text[]), CAST(:queries AS text[])) AS u(t, q)"
        ),
        {"terms": terms, "queries": [lexeme_query(t) for t in terms]},
    ).all()
    weighted: list[tuple[float, str]] = []
    for n_docs, term, df in rows:
        n_docs = max(1, int(n_docs))
        if df <= 1 or df > n_docs // 2:
            continue  # only here (finds nothing else), or in most documents (says nothing)
        weighted.append((tf[term] * math.log(n_docs / df), str(term)))
    weighted.sort(reverse=True)
    top = [term for _, term in weighted[:_SIMILAR_TERMS]]
    if not top:
        return []
    tsquery = " | ".join(lexeme_query(t) for t in top)
    found = conn.execute(
        text(
            "SELECT id FROM search_document WHERE terms @@ CAST(:q AS tsquery) AND id <> :id "
            "ORDER BY ts_rank(CAST(:weights AS real[]), terms, CAST(:q AS tsquery), 1) DESC, id "
            "LIMIT :limit"
        ),
        {"q": tsquery, "id": id, "weights": weights, "limit": limit},
    )
    return [int(i) for (i,) in found]
