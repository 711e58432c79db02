"""Text rules shared by every layer that reads posts (harvest, classify, search, services).

The bottom layer: it imports nothing of the registry's but its data files, so harvest,
classify and search, which never import one another, may all build on it.

* :mod:`registry.text.words`: ``fold`` (case and accent folding), ``tokenize`` and
  ``TOKEN_RE`` (words and numbers), the Indonesian and English stopword lists, ``word_set``;
* :mod:`registry.text.stemmers`: the dictionary stemmers, ``stem_id`` (Indonesian, PySastrawi),
  ``stem_en`` (English, Porter) and ``stem`` combining both, and ``index_term`` (a token's
  searched form);
* :mod:`registry.text.posts`: what every reader of a social-media post strips: the one
  "RT @user:" pattern (``RT_PREFIX_RE``) and the one stripper of links, e-mail addresses and
  @mentions (``strip_links_and_mentions``).
"""

from .posts import (
    RT_PREFIX_RE,
    is_rt_text,
    retweeted_handle,
    strip_links_and_mentions,
    strip_repost_prefix,
    strip_urls,
)
from .stemmers import index_term, index_terms, stem, stem_en, stem_id
from .words import (
    STOPWORDS,
    STOPWORDS_EN,
    STOPWORDS_ID,
    TOKEN_RE,
    fold,
    is_stopword,
    load_wordlist,
    tokenize,
    word_set,
)

__all__ = [
    "RT_PREFIX_RE",
    "STOPWORDS",
    "STOPWORDS_EN",
    "STOPWORDS_ID",
    "TOKEN_RE",
    "fold",
    "index_term",
    "index_terms",
    "is_rt_text",
    "is_stopword",
    "load_wordlist",
    "retweeted_handle",
    "stem",
    "stem_en",
    "stem_id",
    "strip_links_and_mentions",
    "strip_repost_prefix",
    "strip_urls",
    "tokenize",
    "word_set",
]
