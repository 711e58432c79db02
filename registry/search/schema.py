"""The Whoosh schema of the index: its fields and the analysis behind them.

All searchable text goes into one field, ``text``, as weighted sections: title words
weigh 4, summary 2, innovator/unit/region names 1.5, the other sections 1. The weights
add up into the term frequency, which is what BM25F does, and a query word costs one
posting list instead of one per field. ``text`` has no positions (they doubled the
build time and slowed common words); "quoted phrases" are checked on the stored text
of the documents that have all their words. Indexing skips the analyzer chain for our
own values (``SectionText``, ``SpellingWords``: same terms, a fraction of the cost).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from whoosh import columns, fields

from .analysis import (
    SectionTokenizer,
    SpellingFilter,
    analyzer,
    encoded,
    spelling_of,
    term_bytes_of,
)
from .documents import SECTIONED, WEIGHTS, section_texts
from .whoosh_private import PACKED, frequency_value

#: Bump when the schema or the analysis changes: an index built by another version
#: reports that it needs a rebuild.
SCHEMA_VERSION = 4  # 3: regency, operating_status and replicated facets; 4: both at once
MARKER = "registry-index.txt"
INDEXNAME = "MAIN"
TOC_RE = re.compile(rf"^_{INDEXNAME}_\d+\.toc$")


class SectionText(fields.TEXT):
    """The ``text`` field: indexes a ``sectioned`` value without the analyzer chain.

    The result equals ``analyzer()``'s (frequency = occurrences, weight = the sum of
    the section weights; tests compare the two), at a fraction of the cost per token.
    Anything else (and queries) goes through the analyzer.
    """

    def index(self, value: Any, **kwargs: Any) -> Any:
        if not (isinstance(value, str) and value.startswith(SECTIONED)):
            return super().index(value, **kwargs)
        every: list[bytes] = []
        extra: dict[bytes, float] = {}  # weight above 1 per occurrence, summed
        for text, weight in zip(section_texts(value), WEIGHTS, strict=False):
            terms = term_bytes_of(text)
            every += terms
            if weight != 1.0:
                for term in terms:
                    extra[term] = extra.get(term, 0.0) + weight - 1.0
        boost = self.format.field_boost
        packed, get = PACKED, extra.get
        items = [
            (term, n, n + get(term, 0.0), packed[n] if n < 256 else frequency_value(n))
            for term, n in Counter(every).items()
        ]
        if boost != 1.0:
            items = [(t, n, w * boost, v) for t, n, w, v in items]
        return items


class SpellingWords(fields.KEYWORD):
    """The ``spell`` field: the same words as its analyzer, counted without the chain.

    A mapping of words to counts is indexed as given: a rebuild writes one such
    vocabulary document per segment (see ``building.build_segments``) instead of the
    words of every document.
    """

    def index(self, value: Any, **kwargs: Any) -> Any:
        if isinstance(value, Mapping):
            counts = value
        elif isinstance(value, str) and not value.startswith(SECTIONED):
            counts = spelling_of(value)
        else:
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        return [(encoded(word), n, n * boost, frequency_value(n)) for word, n in counts.items()]


def _build_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        # Scored and matched: no positions, so posting blocks decode fast and the index
        # builds fast; "quoted phrases" are checked on the stored text instead.
        text=SectionText(analyzer=analyzer(), phrase=False),
        spell=SpellingWords(analyzer=SectionTokenizer() | SpellingFilter()),
        texts=fields.STORED(),  # the texts of STORED_NAMES, as a tuple
        meta=fields.COLUMN(columns.VarBytesColumn()),
    )


SCHEMA = _build_schema()
