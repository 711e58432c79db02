"""Post analysis, the learned model's lexicon features, and the rule-based classifier used
when no model is active. Four layers, each used by the next, all reading the keyword
lexicons of :mod:`registry.classify.lexicon` (stemmed by :mod:`registry.classify.stemmer`):

* :mod:`.analysis`: :func:`analyze` turns a post into an :class:`Analysis` (tokens, stems,
  lexicon groups, flags, handle cue, region, structural detectors);
* :mod:`.actors`: the actors the text names and the structural actor (who made or runs the
  initiative);
* :mod:`.features`: the lexicon features of the learned pipeline and :func:`featurize`;
* :mod:`.classifier`: :class:`RuleClassifier`, which answers every head from the lexicons alone
  (``model_version`` ``"rules"``), and :func:`keyword_count_score`, the keyword-count baseline.

The names below are the package's public face (``from registry.classify import rules``).
"""

from ..lexicon import GROUP_INDEX
from .actors import actor_cue, actor_mentions, government_subject, near, structural_actor
from .analysis import MAX_CHARS, Analysis, analyze, author_cue, author_tokens
from .classifier import (
    BASELINE_KEYWORDS,
    RULE_WEIGHTS,
    RuleClassifier,
    keyword_count_score,
    rule_evidence,
    sector_scores,
)
from .features import (
    DEFAULT_FLAGS,
    FLAGS,
    LEX_INDEX,
    LEXICON_FEATURES,
    SHAPE_FEATURES,
    SHAPE_NEGATIVE,
    SHAPE_POSITIVE,
    featurize,
    lexicon_features,
    terms,
)

__all__ = [
    "BASELINE_KEYWORDS",
    "DEFAULT_FLAGS",
    "FLAGS",
    "GROUP_INDEX",
    "LEXICON_FEATURES",
    "LEX_INDEX",
    "MAX_CHARS",
    "RULE_WEIGHTS",
    "SHAPE_FEATURES",
    "SHAPE_NEGATIVE",
    "SHAPE_POSITIVE",
    "Analysis",
    "RuleClassifier",
    "actor_cue",
    "actor_mentions",
    "analyze",
    "author_cue",
    "author_tokens",
    "featurize",
    "government_subject",
    "keyword_count_score",
    "lexicon_features",
    "near",
    "rule_evidence",
    "sector_scores",
    "structural_actor",
    "terms",
]
