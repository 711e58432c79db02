"""The learned classifier: one feature matrix per batch, shared by every head.

* :class:`PostFeaturizer` turns analysed posts (``rules.analyze``) into a sparse matrix: binary
  TF-IDF over stemmed word unigrams and bigrams (a learned vocabulary: a dict lookup per term,
  as cheap as hashing and it keeps the names for explanations), followed by a small block of
  lexicon features that transfer from team-written posts to real ones (an actor near an action,
  an action near a thing, COVID-19 context, the hard-negative groups, raw-text flags, the actor
  type the text names, whether the gazetteer found a place).
* the estimators, in :mod:`registry.classify.estimators`: :class:`CalibratedLinear`, the
  keyword rules' weights as a fixed prior plus a damped logistic regression
  (``learned_weight``), calibrated by Platt scaling fitted on cross-validated decision values,
  then shifted to the base rate of real harvests (``prior``); ``score`` is that probability.
* :class:`StructuralStack`: that score, then a small sign-constrained logistic regression over
  its cross-validated decision value and the rubric's structural features
  (:data:`STACK_FEATURES`, from ``structure.py``), folded back into one weight vector.
* :class:`LinearMultiLabel`, :class:`LinearMulticlass`: sectors (one-vs-rest), focus and
  innovator type (multinomial), trained on the innovations only, since those heads answer
  "as if the post were an innovation".
* :class:`PostModel` ties them together. All weights end up in one C-contiguous matrix so a
  batch costs one sparse-dense product for every head; ``PostModel.compile()`` gives the
  plain-array :class:`~registry.classify.predict.CompiledModel` that is saved and predicts.

The estimators follow scikit-learn's rules: parameters are set in ``__init__`` and never
changed, ``fit`` returns ``self``, learned attributes end in ``_``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from threadpoolctl import threadpool_limits

from ..taxonomy import FOCUSES, INNOVATOR_TYPES, SECTORS
from . import rules
from .estimators import (
    STACK_FEATURES,
    CalibratedLinear,
    LinearMulticlass,
    LinearMultiLabel,
    StructuralStack,
)
from .predict import CompiledModel, feature_values
from .rules import (
    DEFAULT_FLAGS,
    FLAGS,
    LEX_INDEX,
    LEXICON_FEATURES,
    SHAPE_FEATURES,
    Analysis,
)

SECTOR_SLUGS = tuple(SECTORS)
FOCUS_SLUGS = tuple(FOCUSES)
ACTOR_TYPES = tuple(INNOVATOR_TYPES)


class PostFeaturizer(TransformerMixin, BaseEstimator):
    """Analysed posts -> CSR matrix ``[TF-IDF of stem n-grams | lexicon features]``.

    Parameters: ``ngram_range`` over stems (1-2 by default); ``min_df`` documents a term must
    appear in to enter the vocabulary; ``max_features`` keeps the most frequent terms;
    ``lexicon_weight`` the value of a lexicon feature that fires (larger values make the
    regularizer spend less on them, i.e. trust the lexicons more than single words);
    ``terms`` false leaves the n-grams out (lexicon features only); ``flags`` the raw-text
    flags used as features.
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 2,
        max_features: int | None = 50_000,
        lexicon_weight: float = 0.3,
        terms: bool = True,
        flags: tuple[str, ...] = DEFAULT_FLAGS,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.lexicon_weight = lexicon_weight
        self.terms = terms
        self.flags = flags

    def fit(self, X: Sequence[Analysis], y: Any = None) -> Self:
        df: dict[str, int] = {}
        for a in X if self.terms else ():
            for term in set(rules.terms(a, self._ngrams())):
                df[term] = df.get(term, 0) + 1
        kept = [t for t, n in df.items() if n >= self.min_df]
        kept.sort(key=lambda t: (-df[t], t))
        if self.max_features is not None:
            kept = kept[: self.max_features]
        kept.sort()
        self.vocabulary_ = {t: i for i, t in enumerate(kept)}
        n_docs = len(X)
        self.idf_ = np.array(
            [math.log((1 + n_docs) / (1 + df[t])) + 1.0 for t in kept], dtype=np.float64
        )
        self.n_terms_ = len(kept)
        self.feature_names_ = [*kept, *LEXICON_FEATURES]
        self.n_features_out_ = len(self.feature_names_)
        # the value of each column when present: its idf for terms, lexicon_weight for lexicons
        self.column_values_ = np.concatenate(
            [self.idf_, np.full(len(LEXICON_FEATURES), float(self.lexicon_weight))]
        )
        return self

    def _ngrams(self) -> tuple[int, int]:
        lo, hi = self.ngram_range
        return int(lo), int(hi)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self.feature_names_, dtype=object)

    def transform(self, X: Sequence[Analysis]) -> sp.csr_matrix:
        indices, indptr = rules.featurize(X, self.vocabulary_, self._ngrams(), tuple(self.flags))
        ind, ptr, data = feature_values(indices, indptr, self.column_values_, self.n_terms_)
        return sp.csr_matrix((data, ind, ptr), shape=(len(ptr) - 1, self.n_features_out_))


#: the ``origin`` of team-written rows (the seed set): they weigh ``written_weight``, real
#: rows (shipped real posts, curator decisions, --data files) weigh 1
WRITTEN = "seed"


def sample_weights(
    rows: Sequence[Mapping[str, Any]], written_weight: float, both_classes: bool = True
) -> np.ndarray:
    """Each row's training weight: ``written_weight`` for team-written rows, 1 otherwise;
    1 for every row when no row is real or (``both_classes``, for the innovation score) the
    real rows lack innovations or non-innovations: written rows are then needed to learn."""
    written = np.array([row.get("origin") == WRITTEN for row in rows], dtype=bool)
    real = {bool(row.get("is_innovation")) for row, w in zip(rows, written, strict=True) if not w}
    if not real or (both_classes and len(real) < 2):
        return np.ones(len(rows))
    return np.where(written, float(written_weight), 1.0)


def _some_weight(weights: np.ndarray) -> np.ndarray | None:
    """``weights``, or None (equal weights) when they are empty or all zero."""
    return weights if len(weights) and float(weights.sum()) > 0 else None


def labels_of(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The training targets of labelled rows (see :class:`PostModel.fit`)."""
    is_innovation = np.array([1 if row.get("is_innovation") else 0 for row in rows])
    sectors = np.array(
        [[1 if s in (row.get("sectors") or ()) else 0 for s in SECTOR_SLUGS] for row in rows],
        dtype=np.int64,
    ).reshape(len(rows), len(SECTOR_SLUGS))
    return {
        "is_innovation": is_innovation,
        "sectors": sectors,
        "focus": [row.get("focus") for row in rows],
        "innovator_type": [row.get("innovator_type") for row in rows],
    }


class PostModel(BaseEstimator):
    """Every learned head of the classifier.

    ``fit(X, y)``: ``X`` the posts (mappings with ``text`` and optionally ``author``,
    ``user_location``, ``lang``) or their :class:`~registry.classify.rules.Analysis`; ``y`` the
    labelled rows themselves (``is_innovation``, ``sectors``, ``focus``, ``innovator_type``;
    when ``y`` is None, ``X`` must be labelled rows). The sector, focus and innovator-type heads
    learn from the innovations only. When the author's handle names an actor type
    ("DinkesPemkotMalang", "UnivBrawijaya", "PT_..."), that type wins if the text names no
    actor, and otherwise gets ``author_weight`` added to its innovator-type logit: seed
    handles carry few such cues, so this is set, not learned.

    With ``rule_prior`` (off by default: on real posts, cross-validated, it lowered average
    precision) the innovation score starts from the keyword rules' weights (see
    :func:`rule_prior`) and adds ``learned_weight`` times what logistic regression learns from
    the training data. The seed set is written by the team and is meant to be hard: its
    negatives use the innovation vocabulary far more often than real harvests do, so a model
    trained on it alone learns that "inovasi", "relawan" or "donasi" mean little, which is
    false on real posts. With ``stack`` (the default) a :class:`StructuralStack` then weighs
    that score against the rubric's structural features (``C_stack`` its regularization,
    ``stack_features`` a subset of :data:`STACK_FEATURES` by name, ``stack_prior`` the
    value its weights are pulled towards, with their signs; 0 pulls them to 0); with
    ``terms_model`` (the default) a second logistic regression on the term columns alone
    (``C_terms``) is one more input of the stack.
    ``actor_weight`` is added to the innovator-type logit of the structural actor
    (``rules.structural_actor``: the first actor named that is not a beneficiary).
    ``prior`` is the share of
    innovations expected among harvested posts (see :class:`CalibratedLinear`); ``threshold``
    turns the score into ``is_innovation`` (None: chosen on the cross-validated scores).
    Rows whose ``origin`` is "seed" (team-written) weigh ``written_weight`` in the innovation
    score, ``head_written_weight`` in the focus and innovator-type heads and
    ``sector_written_weight`` in the sector head; real rows
    (the shipped real posts, curator decisions, --data files) weigh 1. The defaults are what
    grouped cross-validation on real posts chose (docs/classifier.md).
    """

    def __init__(
        self,
        featurizer: PostFeaturizer | None = None,
        C: float = 0.5,
        C_sectors: float = 4.0,
        C_focus: float = 4.0,
        C_actor: float = 4.0,
        class_weight: str | None = "balanced",
        rule_prior: bool = False,
        learned_weight: float = 0.25,
        author_weight: float = 1.5,
        actor_weight: float = 1.0,
        prior: float | None = 0.075,
        threshold: float | None = None,
        cv: int = 5,
        random_state: int = 0,
        stack: bool = True,
        C_stack: float = 1.0,
        stack_features: tuple[str, ...] | None = None,
        stack_prior: float = 0.0,
        written_weight: float = 0.0,
        head_written_weight: float = 0.1,
        sector_written_weight: float = 1.0,
        terms_model: bool = True,
        C_terms: float = 0.25,
    ) -> None:
        self.featurizer = featurizer
        self.C = C
        self.C_sectors = C_sectors
        self.C_focus = C_focus
        self.C_actor = C_actor
        self.class_weight = class_weight
        self.rule_prior = rule_prior
        self.learned_weight = learned_weight
        self.author_weight = author_weight
        self.actor_weight = actor_weight
        self.prior = prior
        self.threshold = threshold
        self.cv = cv
        self.random_state = random_state
        self.stack = stack
        self.C_stack = C_stack
        self.stack_features = stack_features
        self.stack_prior = stack_prior
        self.written_weight = written_weight
        self.head_written_weight = head_written_weight
        self.sector_written_weight = sector_written_weight
        self.terms_model = terms_model
        self.C_terms = C_terms

    # -- training
    def fit(self, X: Sequence[Any], y: Sequence[Mapping[str, Any]] | None = None) -> Self:
        # BLAS threads fight over the cores for no gain on data this small (seen: 30x slower)
        with threadpool_limits(limits=1):
            return self._fit(X, y)

    def _fit(self, X: Sequence[Any], y: Sequence[Mapping[str, Any]] | None) -> Self:
        rows = list(y) if y is not None else [dict(x) for x in X]
        analyses = [x if isinstance(x, Analysis) else rules.analyze(x) for x in X]
        targets = labels_of(rows)
        sw = sample_weights(rows, self.written_weight)
        featurizer = self.featurizer if self.featurizer is not None else PostFeaturizer()
        self.featurizer_ = PostFeaturizer(**featurizer.get_params()).fit(analyses)
        F = self.featurizer_.transform(analyses)
        prior_coef, prior_intercept = (
            rule_prior(self.featurizer_) if self.rule_prior else (None, 0.0)
        )
        offset = self.featurizer_.n_terms_
        shape_columns = [offset + LEX_INDEX[name] for name in SHAPE_FEATURES]
        # the shape features serve the stack only: every other head sees them as zeros
        keep = np.ones(F.shape[1])
        keep[shape_columns] = 0.0
        F_heads = F @ sp.diags(keep)
        chosen = [
            (name, sign)
            for name, sign in STACK_FEATURES
            if self.stack_features is None or name in self.stack_features
        ]
        if self.stack:
            self.innovation_ = StructuralStack(
                C=self.C,
                class_weight=self.class_weight,
                learned_weight=self.learned_weight,
                cv=self.cv,
                prior=self.prior,
                random_state=self.random_state,
                C_stack=self.C_stack,
                column_value=self.featurizer_.lexicon_weight,
                stack_prior=self.stack_prior,
                terms_model=self.terms_model,
                C_terms=self.C_terms,
            ).fit(
                F,
                targets["is_innovation"],
                prior_coef,
                prior_intercept,
                [offset + LEX_INDEX[name] for name, _ in chosen],
                [sign for _, sign in chosen],
                sample_weight=sw,
                n_terms=offset,
            )
        else:  # the shape features stay out, as before they existed
            self.innovation_ = CalibratedLinear(
                C=self.C,
                class_weight=self.class_weight,
                learned_weight=self.learned_weight,
                cv=self.cv,
                prior=self.prior,
                random_state=self.random_state,
            ).fit(F_heads, targets["is_innovation"], prior_coef, prior_intercept, sample_weight=sw)
        positive = np.flatnonzero(targets["is_innovation"] == 1)
        if len(positive) == 0:
            raise ValueError("the training data holds no innovation (is_innovation = 1)")
        Fp = F_heads[positive]
        swp = sample_weights([rows[i] for i in positive], self.head_written_weight, False)
        sector_weights = sample_weights(
            [rows[i] for i in positive], self.sector_written_weight, False
        )
        self.sectors_ = LinearMultiLabel(C=self.C_sectors).fit(
            Fp, targets["sectors"][positive], _some_weight(sector_weights)
        )
        focus = [targets["focus"][i] for i in positive]
        has_focus = [i for i, f in enumerate(focus) if f in FOCUSES]
        self.focus_ = LinearMulticlass(FOCUS_SLUGS, C=self.C_focus).fit(
            Fp[has_focus] if has_focus else Fp[:1],
            [focus[i] for i in has_focus] or ["cepat-tanggap"],
            _some_weight(swp[has_focus]),
        )
        actor = [targets["innovator_type"][i] for i in positive]
        has_actor = [i for i, t in enumerate(actor) if t in INNOVATOR_TYPES]
        self.actor_ = LinearMulticlass(ACTOR_TYPES, C=self.C_actor).fit(
            Fp[has_actor] if has_actor else Fp[:1],
            [actor[i] for i in has_actor] or ["masyarakat-sipil"],
            _some_weight(swp[has_actor]),
        )
        self.threshold_ = (
            float(self.threshold)
            if self.threshold is not None
            else choose_threshold(
                self.innovation_.cv_decision_, targets["is_innovation"], self.innovation_, sw
            )
        )
        self._pack()
        return self

    def _pack(self) -> None:
        """All heads' weights in one C-contiguous (features x outputs) matrix."""
        blocks = [
            self.innovation_.coef_.reshape(1, -1),
            self.sectors_.coef_,
            self.focus_.coef_,
            self.actor_.coef_,
        ]
        self.weights_ = np.ascontiguousarray(np.vstack(blocks).T, dtype=np.float64)
        self.biases_ = np.concatenate(
            [
                [self.innovation_.intercept_],
                self.sectors_.intercept_,
                self.focus_.intercept_,
                self.actor_.intercept_,
            ]
        )
        self.compiled_ = self.compile()

    # -- prediction
    def compile(self) -> CompiledModel:
        """The fitted model as plain arrays for prediction (what model.joblib stores)."""
        inn = self.innovation_
        featurizer = self.featurizer_
        return CompiledModel(
            vocabulary=dict(featurizer.vocabulary_),
            column_values=featurizer.column_values_,
            feature_names=list(featurizer.feature_names_),
            ngram_range=featurizer._ngrams(),
            flags=tuple(featurizer.flags),
            weights=self.weights_,
            biases=self.biases_,
            platt=(inn.platt_a_, inn.platt_b_, inn.prior_shift_),
            threshold=self.threshold_,
            sector_threshold=self.sectors_.threshold,
            author_weight=self.author_weight,
            actor_weight=self.actor_weight,
        )

    def analyze(self, posts: Sequence[Any]) -> list[Analysis]:
        return [p if isinstance(p, Analysis) else rules.analyze(p) for p in posts]

    def score(self, X: Sequence[Any], y: Any = None) -> float:
        """Average precision of the innovation score (for scikit-learn's model selection)."""
        from sklearn.metrics import average_precision_score

        rows = list(y) if y is not None else [dict(x) for x in X]
        truth = labels_of(rows)["is_innovation"]
        return float(average_precision_score(truth, self.predict_scores(X)))

    def predict_scores(self, X: Sequence[Any]) -> np.ndarray:
        F = self.featurizer_.transform(self.analyze(X))
        return self.innovation_.predict_proba(F)[:, 1]

    def predict_analyses(
        self, analyses: Sequence[Analysis], explain: int = 6
    ) -> list[dict[str, Any]]:
        """Every head for a batch of analysed posts: dicts with score, is_innovation, sectors,
        focus, innovator_type and explain (the ``explain`` strongest terms, signed)."""
        return self.compiled_.predict_analyses(list(analyses), explain)


def rule_prior(featurizer: PostFeaturizer) -> tuple[np.ndarray, float]:
    """The keyword rules' weights (``rules.RULE_WEIGHTS``) as coefficients on the lexicon
    features of ``featurizer``, and the rules' bias."""
    coef = np.zeros(featurizer.n_features_out_, dtype=np.float64)
    offset = featurizer.n_terms_
    value = float(featurizer.lexicon_weight) or 1.0
    for name, weight in rules.RULE_WEIGHTS.items():
        if name == "bias":
            continue
        feature = f"[flag:{name}]" if name in FLAGS else f"[{name}]"
        if feature in LEX_INDEX:
            coef[offset + LEX_INDEX[feature]] = weight / value
    return coef, rules.RULE_WEIGHTS["bias"]


def choose_threshold(
    cv_decision: np.ndarray,
    y: np.ndarray,
    calibrator: CalibratedLinear,
    sample_weight: np.ndarray | None = None,
    beta: float = 1.0,
) -> float:
    """The score threshold with the best F-beta on cross-validated predictions (each row
    counted with its weight), counting each negative as many times as the deployment base
    rate (``prior``) implies, so the threshold fits real harvests rather than the training
    data's share of innovations."""
    y = np.asarray(y)
    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    scores = 1.0 / (1.0 + np.exp(-calibrator.calibrated_logit(cv_decision)))
    n_pos, n_neg = float(sw[y == 1].sum()), float(sw[y == 0].sum())
    if n_pos == 0 or n_neg == 0:
        return 0.5
    prior = calibrator.prior if calibrator.prior is not None else n_pos / (n_pos + n_neg)
    neg_weight = (1 - prior) / prior * n_pos / n_neg
    order = np.argsort(-scores)
    tp = np.cumsum(np.where(y[order] == 1, sw[order], 0.0))
    fp = np.cumsum(np.where(y[order] == 0, sw[order], 0.0)) * neg_weight
    precision = tp / np.maximum(tp + fp, 1e-12)
    recall = tp / n_pos
    b2 = beta * beta
    f = (1 + b2) * precision * recall / np.maximum(b2 * precision + recall, 1e-12)
    best = int(f.argmax())
    return float(round(scores[order][best], 4))
