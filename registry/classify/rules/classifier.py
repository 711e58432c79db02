"""The rule-based classifier used when no model is active: :class:`RuleClassifier` answers
every head from the lexicons alone (``model_version`` ``"rules"``); and
:func:`keyword_count_score`, the keyword-count baseline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Final

from ...text import TOKEN_RE
from ..lexicon import (
    ACTION_ID,
    COVID_ID,
    GROUP_INDEX,
    NEGATIVE_GROUPS,
    NOVEL_ID,
    SECTOR_FOCUS,
    SECTOR_IDS,
    SECTOR_SLUGS,
    THING_ID,
    WEAK_ACTION_ID,
)
from .actors import actor_mentions, near, structural_actor
from .analysis import Analysis
from .features import FLAGS

__all__ = [
    "BASELINE_KEYWORDS",
    "RULE_WEIGHTS",
    "RuleClassifier",
    "keyword_count_score",
    "rule_evidence",
    "sector_scores",
]

# ------------------------------------------------------------------ the rule classifier
RULE_WEIGHTS: Final[dict[str, float]] = {
    "bias": -3.2,
    "actor": 0.9,
    "action": 1.0,
    "action_weak": 0.4,
    "thing": 0.6,
    "novel": 0.8,
    "helping": 0.3,
    "covid": 0.4,
    "actor+action": 1.4,
    "action+thing": 0.8,
    "neg:stats": -0.9,
    "neg:rule": -0.7,
    "neg:appeal": -0.7,
    "neg:opinion": -0.8,
    "neg:politics": -0.9,
    "neg:ad": -1.5,
    "neg:hoax": -1.5,
    "first_person": -0.4,
    "question": -0.8,
    "reply": -1.2,
    "many_tags": -0.8,
}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def rule_evidence(analysis: Analysis) -> dict[str, float]:
    """The weighted rule features that fire for a post (name -> contribution to the logit)."""
    g = analysis.groups
    actor_positions = [p for p, _, _ in actor_mentions(analysis)]
    fired: dict[str, float] = {}
    w = RULE_WEIGHTS
    if actor_positions:
        fired["actor"] = w["actor"]
    for name, gid in (
        ("action", ACTION_ID),
        ("action_weak", WEAK_ACTION_ID),
        ("thing", THING_ID),
        ("novel", NOVEL_ID),
        ("helping", GROUP_INDEX["helping"]),
    ):
        if gid in g:
            fired[name] = w[name]
    if COVID_ID in g:
        fired["covid"] = w["covid"]
    if near(actor_positions, g.get(ACTION_ID)):
        fired["actor+action"] = w["actor+action"]
    if near(g.get(ACTION_ID), g.get(THING_ID)):
        fired["action+thing"] = w["action+thing"]
    for name in (*NEGATIVE_GROUPS, "first_person"):
        if GROUP_INDEX[name] in g:
            fired[name] = w[name]
    for flag in ("question", "many_tags", "reply"):
        if flag in analysis.flags:
            fired[flag] = w[flag]
    return fired


def sector_scores(analysis: Analysis) -> list[int]:
    """How many sector cue words of each sector (in SECTORS order) the post has."""
    return [len(analysis.groups.get(gid, ())) for gid in SECTOR_IDS]


def _feature_name(rule: str) -> str:
    """A rule's name as the learned model's explanations write it: "[actor+action]"."""
    return f"[flag:{rule}]" if rule in FLAGS else f"[{rule}]"


class RuleClassifier:
    """Keyword rules answering every head; ``model_version`` is ``"rules"``."""

    version = "rules"
    threshold = 0.5

    def predict_analyses(self, analyses: Sequence[Analysis]) -> list[dict[str, Any]]:
        out = []
        for analysis in analyses:
            fired = rule_evidence(analysis)
            score = round(_sigmoid(RULE_WEIGHTS["bias"] + sum(fired.values())), 6)
            counts = sector_scores(analysis)
            top = max(counts)
            sectors = [s for s, c in zip(SECTOR_SLUGS, counts, strict=True) if top and c == top]
            if not sectors:
                sectors = ["kesehatan"]
            focus = SECTOR_FOCUS[sectors[0]]
            kind = structural_actor(analysis) or analysis.author_cue or "masyarakat-sipil"
            explain = sorted(fired.items(), key=lambda kv: -abs(kv[1]))[:8]
            out.append(
                {
                    "score": score,
                    "is_innovation": score >= self.threshold,
                    "sectors": sectors,
                    "focus": focus,
                    "innovator_type": kind,
                    "explain": [[_feature_name(name), round(w, 3)] for name, w in explain],
                }
            )
        return out


# the words of DESIGN.md's keyword filter ("inovasi, aplikasi, relawan, donasi or posko")
BASELINE_KEYWORDS: Final = frozenset(
    [
        "inovasi",
        "inovatif",
        "aplikasi",
        "relawan",
        "donasi",
        "posko",
        "luncurkan",
        "meluncurkan",
        "diluncurkan",
    ]
)


def keyword_count_score(texts: Iterable[str]) -> list[float]:
    """The keyword-count baseline: how many baseline keywords each text holds."""
    out = []
    for text in texts:
        words = TOKEN_RE.findall((text or "").lower())
        out.append(float(sum(w in BASELINE_KEYWORDS for w in words)))
    return out
