"""The lexicon features of the learned model: which groups, conjunctions, flags and shapes
fire for an analysed post (:data:`LEXICON_FEATURES`, :func:`lexicon_features`), and the whole
feature row, stem n-grams then lexicon features (:func:`featurize`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Final

from ..lexicon import (
    ACTION_ID,
    ACTOR_OR_ROLE_IDS,
    ACTOR_TYPES,
    GROUP_INDEX,
    GROUPS,
    NEGATIVE_GROUPS,
    NOVEL_ID,
    THING_ID,
    WEAK_ACTION_ID,
)
from .actors import actor_mentions, near
from .analysis import Analysis

__all__ = [
    "DEFAULT_FLAGS",
    "FLAGS",
    "LEX_INDEX",
    "LEXICON_FEATURES",
    "SHAPE_FEATURES",
    "SHAPE_NEGATIVE",
    "SHAPE_POSITIVE",
    "featurize",
    "lexicon_features",
    "terms",
]

# ------------------------------------------------------------------ features for the model
FLAGS: Final = ("rt", "reply", "many_tags", "many_mentions", "question", "short")
_INTERACTIONS: Final = (
    "actor+action",
    "actor+action_weak",
    "action+thing",
    "action_weak+thing",
    "actor+action+thing",
    "actor+novel",
    "actor_first",
    "no_negative",
    "negatives>=2",
)
_GROUP_FEATURES: Final = tuple(f"[{g}]" for g in GROUPS)
# the rubric's structure (see structure.py): conjunctions of an actor (A: a lexicon actor, a
# named institution or an official handle), a strong action (L), an initiative (I: a thing, a
# named initiative or an adapted delivery mode) and novelty or research words (N); then the
# detectors themselves, and the negative shapes (each a detector or its lexicon group)
SHAPE_POSITIVE: Final = (
    "A&L", "L&I", "A&I", "A&N", "A&L&I", "N&I", "named_actor", "named_initiative", "delivery",
    "known_initiative",
)  # fmt: skip
SHAPE_NEGATIVE: Final = (
    "plan", "event_prize", "visit", "rule", "stats", "opinion", "ad", "routine", "foreign",
)  # fmt: skip
SHAPE_FEATURES: Final = tuple(f"[shape:{f}]" for f in (*SHAPE_POSITIVE, *SHAPE_NEGATIVE))
LEXICON_FEATURES: Final[tuple[str, ...]] = (
    *SHAPE_FEATURES,
    *_GROUP_FEATURES,
    "[actor]",
    *(f"[{f}]" for f in _INTERACTIONS),
    *(f"[flag:{f}]" for f in FLAGS),
    *(f"[names:{t}]" for t in ACTOR_TYPES),
    "[place]",
    "[place:kota]",
    "[place:kabupaten]",
    "[lang:en]",
)
LEX_INDEX: Final = {name: i for i, name in enumerate(LEXICON_FEATURES)}
_NEG_GIDS: Final = tuple(GROUP_INDEX[g] for g in NEGATIVE_GROUPS)
DEFAULT_FLAGS: Final = ("many_tags", "many_mentions", "question", "reply")


def lexicon_features(a: Analysis, flags: tuple[str, ...] = DEFAULT_FLAGS) -> list[int]:
    """Indices (into :data:`LEXICON_FEATURES`) of the lexicon features that fire for a post;
    of the raw-text flags only those in ``flags`` count."""
    idx = LEX_INDEX
    g = a.groups
    out = [gid + _N_SHAPE for gid in g]  # group features come after the shape features
    mentions = actor_mentions(a) if any(gid in g for gid in ACTOR_OR_ROLE_IDS) else []
    actor_pos = [m[0] for m in mentions]
    action = g.get(ACTION_ID)
    weak = g.get(WEAK_ACTION_ID)
    thing = g.get(THING_ID)
    action_thing = near(action, thing)
    weak_thing = near(weak, thing)
    if action_thing:
        out.append(idx["[action+thing]"])
    if weak_thing:
        out.append(idx["[action_weak+thing]"])
    if actor_pos:
        out.append(idx["[actor]"])
        actor_action = near(actor_pos, action)
        if actor_action:
            out.append(idx["[actor+action]"])
        actor_weak = near(actor_pos, weak)
        if actor_weak:
            out.append(idx["[actor+action_weak]"])
        if (actor_action or actor_weak) and (action_thing or weak_thing):
            out.append(idx["[actor+action+thing]"])
        if NOVEL_ID in g:
            out.append(idx["[actor+novel]"])
        if min(actor_pos) <= 2:
            out.append(idx["[actor_first]"])
        out.append(idx["[names:" + mentions[0][2] + "]"])
    negatives = sum(1 for gid in _NEG_GIDS if gid in g)
    if negatives == 0:
        out.append(idx["[no_negative]"])
    elif negatives >= 2:
        out.append(idx["[negatives>=2]"])
    for flag in a.flags:
        if flag in flags:
            out.append(idx["[flag:" + flag + "]"])
    region = a.region
    if region is not None:
        out.append(idx["[place]"])
        regency = region.regency
        if regency is not None and regency.kind in ("kota", "kabupaten"):
            out.append(idx["[place:" + regency.kind + "]"])
    if a.lang == "en":
        out.append(idx["[lang:en]"])
    out.extend(_shape_features(a, bool(actor_pos), action, thing))
    return out


_N_SHAPE: Final = len(SHAPE_FEATURES)
_SHAPE_INDEX: Final = {f[7:-1]: i for i, f in enumerate(SHAPE_FEATURES)}
_SHAPE_OR_GROUP: Final = (
    ("rule", GROUP_INDEX["neg:rule"]),
    ("stats", GROUP_INDEX["neg:stats"]),
    ("opinion", GROUP_INDEX["neg:opinion"]),
    ("ad", GROUP_INDEX["neg:ad"]),
    ("ad", GROUP_INDEX["neg:hoax"]),
)


def _shape_features(
    a: Analysis, lexicon_actor: bool, action: list[int] | None, thing: list[int] | None
) -> list[int]:
    """Indices (into :data:`LEXICON_FEATURES`) of the shape features of a post."""
    shape = a.shape
    g = a.groups
    index = _SHAPE_INDEX
    fired = {name for name in shape if name in index}
    for name, gid in _SHAPE_OR_GROUP:
        if gid in g:
            fired.add(name)
    actor = lexicon_actor or "named_actor" in fired or "handle_actor" in shape
    initiative = (
        bool(thing)
        or "named_initiative" in fired
        or "delivery" in fired
        or "known_initiative" in fired
    )
    launch = bool(action)
    novel = NOVEL_ID in g
    if actor and launch:
        fired.add("A&L")
        if initiative:
            fired.add("A&L&I")
    if launch and initiative:
        fired.add("L&I")
    if actor and initiative:
        fired.add("A&I")
    if actor and novel:
        fired.add("A&N")
    if novel and initiative:
        fired.add("N&I")
    return [index[name] for name in fired]


def terms(a: Analysis, ngram_range: tuple[int, int]) -> Iterable[str]:
    """The stem n-grams of a post (unigrams and/or bigrams, "a b")."""
    stems = a.stems
    lo, hi = ngram_range
    if hi >= 2 and len(stems) > 1:
        bigrams = map(" ".join, zip(stems, stems[1:], strict=False))
        return chain(stems, bigrams) if lo <= 1 else bigrams
    return stems if lo <= 1 else ()


def featurize(
    analyses: Iterable[Analysis],
    vocabulary: Mapping[str, int],
    ngram_range: tuple[int, int],
    flags: tuple[str, ...],
) -> tuple[list[int], list[int]]:
    """Column indices of every post's features, CSR style (``indices``, ``indptr``): the
    vocabulary's stem n-grams (columns ``0 .. len(vocabulary) - 1``), then the lexicon
    features (columns ``len(vocabulary) + LEX_INDEX[name]``)."""
    vocab_get = vocabulary.get
    offset = len(vocabulary)
    indptr = [0]
    indices: list[int] = []
    join = " ".join
    both = tuple(ngram_range) == (1, 2)
    for a in analyses:
        if both:  # the common case, spelled out: a third faster than going through terms()
            stems = a.stems
            pairs = zip(stems, stems[1:], strict=False)
            cols = {*map(vocab_get, stems), *map(vocab_get, map(join, pairs))}
        else:
            cols = set(map(vocab_get, terms(a, ngram_range)))
        cols.discard(None)
        indices.extend(cols)  # type: ignore[arg-type]
        indices.extend([offset + i for i in lexicon_features(a, flags)])
        indptr.append(len(indices))
    return indices, indptr
