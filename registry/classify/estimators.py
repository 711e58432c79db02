"""The estimators of the learned classifier (scikit-learn's rules: parameters set in
``__init__``, ``fit`` returns ``self``, learned attributes end in ``_``):

* :class:`CalibratedLinear`: a fixed prior plus a damped logistic regression, calibrated by
  Platt scaling on cross-validated decision values and shifted to the base rate of real
  harvests;
* :class:`StructuralStack`: that score, then a small sign-constrained logistic regression
  (:func:`fit_signed_logistic`) over its decision value and the rubric's structural features
  (:data:`STACK_FEATURES`), folded back into one weight vector;
* :class:`LinearMultiLabel`, :class:`LinearMulticlass`: the sector (one-vs-rest), focus and
  innovator-type heads.

:class:`~registry.classify.pipeline.PostModel` ties them together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from .rules import SHAPE_NEGATIVE, SHAPE_POSITIVE

__all__ = [
    "STACK_FEATURES",
    "CalibratedLinear",
    "LinearMulticlass",
    "LinearMultiLabel",
    "StructuralStack",
    "decide_multilabel",
    "fit_signed_logistic",
]


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


class CalibratedLinear(ClassifierMixin, BaseEstimator):
    """Binary logistic regression, optionally on top of fixed prior weights, with Platt scaling
    fitted on cross-validated decision values.

    The decision value is ``prior_coef . x + prior_intercept + learned_weight * (w . x + b)``,
    where ``w, b`` are learned and the prior (given to ``fit``) encodes knowledge the training
    data cannot teach; ``learned_weight`` says how far the learned part is trusted.
    ``predict_proba`` is calibrated for the training data's base rate and then, when ``prior``
    is given, moved to that base rate (the share of innovations in real harvests is a few
    percent, against about a third in the seed set): the log-odds shift by
    ``logit(prior) - logit(training rate)``. Ranking is unchanged by the shift.
    """

    def __init__(
        self,
        C: float = 1.0,
        class_weight: str | None = None,
        learned_weight: float = 1.0,
        cv: int = 5,
        prior: float | None = None,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.learned_weight = learned_weight
        self.cv = cv
        self.prior = prior
        self.random_state = random_state

    def _fit_lr(
        self, X: Any, y: np.ndarray, sample_weight: np.ndarray, C: float
    ) -> LogisticRegression:
        if any(float(sample_weight[y == c].sum()) <= 0 for c in (0, 1)):
            sample_weight = np.ones(len(y))  # a class with no weight: weigh rows equally
        return LogisticRegression(
            C=C, class_weight=self.class_weight, solver="liblinear", max_iter=1000
        ).fit(X, y, sample_weight=sample_weight)

    def _fit_cv(
        self, X: Any, y: np.ndarray, sw: np.ndarray, C: float
    ) -> tuple[np.ndarray, float, np.ndarray]:
        """A logistic regression on ``X`` (coefficients, intercept) and its cross-validated
        decision values (in-sample when a class has fewer rows than two folds need)."""
        lr = self._fit_lr(X, y, sw, C)
        n_splits = min(self.cv, int(np.bincount(y, minlength=2).min()))
        if n_splits < 2:
            return lr.coef_.ravel().copy(), float(lr.intercept_[0]), lr.decision_function(X)
        cv_decision = np.zeros(len(y), dtype=np.float64)
        folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(np.zeros(len(y)), y):
            fold_lr = self._fit_lr(X[train], y[train], sw[train], C)
            cv_decision[test] = fold_lr.decision_function(X[test])
        return lr.coef_.ravel().copy(), float(lr.intercept_[0]), cv_decision

    def fit(
        self,
        X: Any,
        y: Any,
        prior_coef: np.ndarray | None = None,
        prior_intercept: float = 0.0,
        *,
        sample_weight: np.ndarray | None = None,
    ) -> Self:
        y = np.asarray(y, dtype=np.int64)
        sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        self.classes_ = np.array([0, 1])
        if prior_coef is None:
            prior_coef = np.zeros(X.shape[1])
        offset = np.asarray(X @ prior_coef).ravel() + prior_intercept
        lw = self.learned_weight
        coef, intercept, cv_learned = self._fit_cv(X, y, sw, self.C)
        self.learned_coef_ = coef
        self.coef_ = np.ascontiguousarray(prior_coef + lw * coef, dtype=np.float64)
        self.intercept_ = float(prior_intercept + lw * intercept)
        self.cv_decision_ = offset + lw * cv_learned
        self._fit_platt(self.cv_decision_, y, sw)
        rate = float(np.clip(np.average(y, weights=sw), 1e-3, 1 - 1e-3))
        self.train_rate_ = rate
        self.prior_shift_ = 0.0 if self.prior is None else _logit(self.prior) - _logit(rate)
        return self

    def _fit_platt(self, cv_decision: np.ndarray, y: np.ndarray, sw: np.ndarray) -> None:
        platt = LogisticRegression(C=1e4, solver="lbfgs")
        platt.fit(cv_decision.reshape(-1, 1), y, sample_weight=sw)
        self.platt_a_ = float(platt.coef_[0, 0])
        self.platt_b_ = float(platt.intercept_[0])

    def decision_function(self, X: Any) -> np.ndarray:
        return np.asarray(X @ self.coef_ + self.intercept_).ravel()

    def calibrated_logit(self, decision: np.ndarray) -> np.ndarray:
        return self.platt_a_ * decision + self.platt_b_ + self.prior_shift_

    def predict_proba(self, X: Any) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.calibrated_logit(self.decision_function(X))))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)


#: the features the structural stack weighs, with the sign the rubric gives them: the shape
#: of an innovation (+1) and the shapes of the rubric's negatives (-1)
STACK_FEATURES: tuple[tuple[str, int], ...] = (
    *((f"[shape:{f}]", 1) for f in SHAPE_POSITIVE),
    *((f"[shape:{f}]", -1) for f in SHAPE_NEGATIVE),
    ("[neg:appeal]", -1),
    ("[neg:politics]", -1),
    ("[first_person]", -1),
    ("[flag:question]", -1),
    ("[flag:reply]", -1),
)


def fit_signed_logistic(
    X: np.ndarray,
    y: np.ndarray,
    signs: Sequence[int],
    C: float = 1.0,
    sample_weight: np.ndarray | None = None,
    center: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """L2-regularized logistic regression whose coefficients keep given signs (+1: >= 0,
    -1: <= 0, 0: free); the intercept is free and unpenalized. The penalty pulls the
    coefficients towards ``center`` (zeros by default): a prior the data must overcome.
    Returns (coef, intercept)."""
    from scipy.optimize import minimize

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, k = X.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    c0 = np.zeros(k) if center is None else np.asarray(center, dtype=np.float64)

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        z = X @ p[:k] + p[k]
        d = p[:k] - c0
        value = float(w @ (np.logaddexp(0.0, z) - y * z)) + 0.5 / C * float(d @ d)
        residual = w * (1.0 / (1.0 + np.exp(-z)) - y)
        return value, np.append(X.T @ residual + d / C, residual.sum())

    bounds = [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs]
    found = minimize(
        loss, np.zeros(k + 1), jac=True, method="L-BFGS-B", bounds=[*bounds, (None, None)]
    )
    return found.x[:k].copy(), float(found.x[k])


class StructuralStack(CalibratedLinear):
    """:class:`CalibratedLinear` on every feature but the shape ones, then a small,
    sign-constrained logistic regression over its cross-validated decision value and the
    structural features of :data:`STACK_FEATURES` (the rubric's shape of an innovation and of
    its negatives), fitted with balanced classes. With ``terms_model`` a second logistic
    regression, on the term columns alone (``C_terms``), joins the stack as another input: the
    lexicon features no longer crowd out the words (grouped CV on real posts,
    docs/classifier.md). The stack is linear, so it folds into one coefficient vector:
    ``a * base + t * terms + sum(w_j * shape_j)``; Platt scaling is then fitted on the
    stack's own cross-validated decision values. ``C_stack`` regularizes the stack."""

    def __init__(
        self,
        C: float = 1.0,
        class_weight: str | None = None,
        learned_weight: float = 1.0,
        cv: int = 5,
        prior: float | None = None,
        random_state: int = 0,
        C_stack: float = 1.0,
        column_value: float = 1.0,
        stack_prior: float = 0.0,
        terms_model: bool = False,
        C_terms: float = 1.0,
    ) -> None:
        super().__init__(C, class_weight, learned_weight, cv, prior, random_state)
        self.C_stack = C_stack
        self.column_value = column_value
        self.stack_prior = stack_prior
        self.terms_model = terms_model
        self.C_terms = C_terms

    def fit(
        self,
        X: Any,
        y: Any,
        prior_coef: np.ndarray | None = None,
        prior_intercept: float = 0.0,
        stack_columns: Sequence[int] = (),
        stack_signs: Sequence[int] = (),
        *,
        sample_weight: np.ndarray | None = None,
        n_terms: int = 0,
    ) -> Self:
        """``n_terms``: the leading columns of ``X`` that are terms (for ``terms_model``)."""
        y = np.asarray(y, dtype=np.int64)
        sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        columns = np.asarray(stack_columns, dtype=np.int64)
        keep = np.ones(X.shape[1])
        keep[columns] = 0.0
        super().fit(X @ sp.diags(keep), y, prior_coef, prior_intercept, sample_weight=sw)
        bases = [(self.coef_, self.intercept_, self.cv_decision_)]
        if self.terms_model and n_terms:
            X = sp.csr_matrix(X)
            coef, intercept, cv_terms = self._fit_cv(X[:, :n_terms], y, sw, self.C_terms)
            bases.append(
                (np.concatenate([coef, np.zeros(X.shape[1] - n_terms)]), intercept, cv_terms)
            )
        self.base_coef_, self.base_intercept_ = self.coef_, self.intercept_
        self.terms_coef_ = bases[1][0] if len(bases) > 1 else np.zeros(X.shape[1])
        #: the stack's first ``n_bases_`` inputs are the bases' decision values
        self.n_bases_ = len(bases)
        value = float(self.column_value) or 1.0
        Z = np.column_stack([*(b[2] for b in bases), X[:, columns].toarray() / value])
        signs = [*(1 for _ in bases), *stack_signs]
        n_pos = max(float(sw[y == 1].sum()), 1e-9)
        n_neg = max(float(sw[y == 0].sum()), 1e-9)
        total = n_pos + n_neg
        weight = sw * np.where(y == 1, total / (2 * n_pos), total / (2 * n_neg))
        center = float(self.stack_prior) * np.asarray(signs, dtype=np.float64)
        center[: len(bases)] = 1.0 / len(bases) if self.stack_prior else 0.0
        coef, intercept = fit_signed_logistic(Z, y, signs, self.C_stack, weight, center)
        self.stack_coef_ = coef
        self.stack_intercept_ = intercept
        folded = sum(c * b[0] for c, b in zip(coef, bases, strict=False))
        folded[columns] += coef[len(bases) :] / value
        self.coef_ = np.ascontiguousarray(folded, dtype=np.float64)
        self.intercept_ = float(
            sum(c * b[1] for c, b in zip(coef, bases, strict=False)) + intercept
        )
        cv_decision = np.zeros(len(y), dtype=np.float64)
        n_splits = min(self.cv, int(np.bincount(y, minlength=2).min()))
        if n_splits >= 2:
            folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state + 1)
            for train, test in folds.split(Z, y):
                c, b = fit_signed_logistic(
                    Z[train], y[train], signs, self.C_stack, weight[train], center
                )
                cv_decision[test] = Z[test] @ c + b
        else:
            cv_decision = Z @ coef + intercept
        self.cv_decision_ = cv_decision
        self._fit_platt(cv_decision, y, sw)
        return self


class LinearMultiLabel(BaseEstimator):
    """One logistic regression per label (``Y`` is an indicator matrix); a post gets every label
    whose probability reaches ``threshold``, and at least its most probable one."""

    def __init__(self, C: float = 1.0, threshold: float = 0.5) -> None:
        self.C = C
        self.threshold = threshold

    def fit(self, X: Any, Y: Any, sample_weight: np.ndarray | None = None) -> Self:
        Y = np.asarray(Y, dtype=np.int64)
        n_labels = Y.shape[1]
        coef = np.zeros((n_labels, X.shape[1]), dtype=np.float64)
        intercept = np.full(n_labels, -10.0)
        for j in range(n_labels):
            column = Y[:, j]
            if column.min() == column.max():  # never (or always) seen: constant answer
                intercept[j] = 10.0 if column.max() else -10.0
                continue
            lr = LogisticRegression(C=self.C, solver="liblinear", max_iter=1000)
            lr.fit(X, column, sample_weight=sample_weight)
            coef[j] = lr.coef_.ravel()
            intercept[j] = lr.intercept_[0]
        self.coef_ = coef
        self.intercept_ = intercept
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict(self, X: Any) -> np.ndarray:
        return decide_multilabel(self.decision_function(X), self.threshold)


def decide_multilabel(decision: np.ndarray, threshold: float) -> np.ndarray:
    cut = _logit(threshold)
    out = (decision >= cut).astype(np.int64)
    best = decision.argmax(axis=1)
    out[np.arange(len(out)), best] = 1
    return out


class LinearMulticlass(BaseEstimator):
    """Multinomial logistic regression over a fixed list of ``classes``; classes absent from
    the training data keep a very low intercept."""

    def __init__(self, classes: tuple[str, ...] = (), C: float = 1.0) -> None:
        self.classes = classes
        self.C = C

    def fit(self, X: Any, y: Sequence[str], sample_weight: np.ndarray | None = None) -> Self:
        self.classes_ = np.asarray(self.classes, dtype=object)
        index = {c: i for i, c in enumerate(self.classes)}
        targets = np.array([index[v] for v in y], dtype=np.int64)
        coef = np.zeros((len(self.classes), X.shape[1]), dtype=np.float64)
        intercept = np.full(len(self.classes), -10.0)
        present = np.unique(targets)
        if len(present) == 1:
            intercept[present[0]] = 10.0
        else:
            lr = LogisticRegression(C=self.C, solver="lbfgs", max_iter=2000)
            lr.fit(X, targets, sample_weight=sample_weight)
            coef[lr.classes_] = lr.coef_
            intercept[lr.classes_] = lr.intercept_
        self.coef_ = coef
        self.intercept_ = intercept
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]
