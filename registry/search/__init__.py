"""Search: the only package that touches the search index (Whoosh, on disk).

Backend-neutral modules (what a second backend reuses):

* :mod:`~registry.search.contract`: facets, sorts, result types, ``SearchUnavailable``;
* :mod:`~registry.search.documents`: a catalogue record -> the document that indexes it;
* :mod:`~registry.search.query_text`: the query syntax check and its plain-words fallback;
* :mod:`~registry.search.highlights`: snippets with the matched words marked;
* :mod:`~registry.search.synonyms`: everyday words and English at query time.

The Whoosh backend:

* :mod:`~registry.search.analysis`: the analyzer (folding, stopwords, stems) and term caches;
* :mod:`~registry.search.schema`: the fields and ``SCHEMA_VERSION``;
* :mod:`~registry.search.parsing`: queries into Whoosh queries (AND first, then OR);
* :mod:`~registry.search.ranking`: facet masks, filters and BM25 per index generation;
* :mod:`~registry.search.suggestions`: "did you mean" and similar innovations;
* :mod:`~registry.search.building`: new segments, on worker processes for a big rebuild;
* :mod:`~registry.search.index`: :class:`SearchIndex`, which owns the index;
* :mod:`~registry.search.whoosh_private`: every use of Whoosh's private internals;
* :mod:`~registry.search.backends`: :func:`open_index`, the one place that picks a backend.

The PostgreSQL backend (issue 14; the documents live in the database, any number of hosts):

* :mod:`~registry.search.sql_text`: our terms as a tsvector, parsed queries as a tsquery (and
  as an SQLite FTS5 MATCH, for other SQL searches);
* :mod:`~registry.search.pg_schema`: its tables; :mod:`~registry.search.pg_writing`: rows,
  batches and the rebuild; :mod:`~registry.search.pg_suggestions`: "did you mean" (pg_trgm)
  and similar innovations; :mod:`~registry.search.pg_index`: :class:`PostgresSearchIndex`.
"""

from __future__ import annotations

from .analysis import NormalizeFilter, SectionTokenizer, SpellingFilter, analyzer
from .backends import AnyIndex, open_index
from .contract import FACETS, SORTS, Hit, SearchResult, SearchUnavailable
from .documents import SECTION_WEIGHTS, document_for
from .highlights import highlight
from .index import IndexBatch, SearchIndex
from .parsing import parse_query
from .pg_index import PostgresSearchIndex
from .schema import SCHEMA, SCHEMA_VERSION, SectionText, SpellingWords

# Indexes built before this package (registry/search.py) pickled their codec as
# ``registry.search._Codec`` and their schema's classes as ``registry.search.<name>``:
# those names stay here so such indexes still open (the schema classes are public above).
from .whoosh_private import LeanCodec as _Codec  # noqa: F401

__all__ = [
    "AnyIndex",
    "FACETS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SECTION_WEIGHTS",
    "SORTS",
    "Hit",
    "IndexBatch",
    "NormalizeFilter",
    "PostgresSearchIndex",
    "SearchIndex",
    "SearchResult",
    "SearchUnavailable",
    "SectionText",
    "SectionTokenizer",
    "SpellingFilter",
    "SpellingWords",
    "analyzer",
    "document_for",
    "highlight",
    "open_index",
    "parse_query",
]
