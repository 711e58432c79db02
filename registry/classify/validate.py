"""Cross-validation on real labelled posts that cannot flatter: near-copies share a fold,
every real row is scored by a model that never saw it nor a near-copy of it, and each
figure comes with a bootstrap interval, overall and per source.

``grouped_cv(real, base, params)``: the real rows (e.g. ../shared/data/labeled's train file)
are split into ``folds`` stratified groups of near-copies (``near_copy_groups``); for each
fold a :class:`~registry.classify.pipeline.PostModel` is trained on the ``base`` rows (the
seed set: never scored) plus the real rows of the other folds that ``trainable`` accepts
(e.g. only the rows the project may ship), and scores the fold. ``report`` turns the
out-of-fold scores into average precision, innovations in the top 20 and 90 % intervals.
``cross_validate_rows`` / ``cross_validate_files`` do both and add the per-source figures
(``registry classify cv`` and ``bench/classify_cv.py`` call them); ``nested_choice`` scores
the choice among configurations on folds the choice did not look at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..text import strip_links_and_mentions, strip_repost_prefix
from . import rules
from .evaluate import average_precision, evaluate_rows
from .pipeline import PostModel

_NOISE = re.compile(r"&amp;|[^\w\s]|_")


def _shingles(text: str, size: int = 3) -> set[str]:
    text = strip_links_and_mentions(strip_repost_prefix(text))
    words = _NOISE.sub(" ", text.lower()).split()
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def near_copy_groups(texts: Sequence[str], containment: float = 0.7) -> np.ndarray:
    """A group number per text: texts that share at least ``containment`` of the smaller
    one's word 3-grams (after dropping "RT @x:", links, mentions and punctuation) fall in one
    group, transitively: retweets, truncated copies and lightly edited reposts."""
    import scipy.sparse as sp

    index: dict[str, int] = {}
    rows, cols = [], []
    sizes = np.zeros(len(texts))
    for i, text in enumerate(texts):
        grams = _shingles(text)
        sizes[i] = len(grams)
        for gram in grams:
            rows.append(i)
            cols.append(index.setdefault(gram, len(index)))
    matrix = sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(texts), max(len(index), 1))
    )
    shared = (matrix @ matrix.T).tocoo()
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, n in zip(shared.row, shared.col, shared.data, strict=True):
        if i < j and n >= containment * max(min(sizes[i], sizes[j]), 1):
            parent[find(i)] = find(j)
    roots = [find(i) for i in range(len(texts))]
    numbers: dict[int, int] = {}
    return np.array([numbers.setdefault(r, len(numbers)) for r in roots])


def grouped_folds(
    labels: Sequence[int], groups: np.ndarray, folds: int = 5, seed: int = 0
) -> list[np.ndarray]:
    """Test indices of ``folds`` folds, whole groups in one fold, the positives spread."""
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    y = np.asarray(labels)
    return [test for _, test in splitter.split(np.zeros(len(y)), y, groups)]


def grouped_cv(
    real: Sequence[Mapping[str, Any]],
    base: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any] | None = None,
    trainable: Callable[[Mapping[str, Any]], bool] | None = None,
    folds: int = 5,
    seed: int = 0,
    analyses: Mapping[int, rules.Analysis] | None = None,
) -> list[dict[str, Any]]:
    """Out-of-fold prediction lines (``score``, ``innovator_type``, ``sectors``, ...) of the
    ``real`` rows, in their order (see the module's docstring). ``analyses`` may hold
    precomputed analyses keyed by ``id()`` of the row (speed only)."""
    from .predict import Predictor

    cache = dict(analyses or {})

    def analysis(row: Mapping[str, Any]) -> rules.Analysis:
        if id(row) not in cache:
            cache[id(row)] = rules.analyze(row)
        return cache[id(row)]

    labels = [int(bool(r["is_innovation"])) for r in real]
    groups = near_copy_groups([str(r["text"]) for r in real])
    predictions: list[dict[str, Any]] = [{} for _ in real]
    for test in grouped_folds(labels, groups, folds, seed):
        held = set(test.tolist())
        train = [*base]
        train += [r for i, r in enumerate(real) if i not in held and (trainable or bool)(r)]
        model = PostModel(**dict(params or {})).fit([analysis(r) for r in train], train)
        lines = Predictor(model, "cv").predict_analyses([analysis(real[i]) for i in test])
        for i, line in zip(test, lines, strict=True):
            predictions[i] = line
    return predictions


def interval(
    truth: np.ndarray,
    scores: np.ndarray,
    statistic: Callable[[np.ndarray, np.ndarray], float | None],
    resamples: int = 1000,
    seed: int = 0,
) -> list[float] | None:
    """90 % bootstrap interval (5th and 95th percentiles) of ``statistic(truth, scores)``
    over rows resampled with replacement."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        idx = rng.integers(0, len(truth), len(truth))
        value = statistic(truth[idx], scores[idx])
        if value is not None:
            values.append(value)
    if not values:
        return None
    low, high = np.percentile(values, [5, 95])
    return [round(float(low), 3), round(float(high), 3)]


def _ap(truth: np.ndarray, scores: np.ndarray) -> float | None:
    return average_precision(truth.tolist(), scores.tolist())


def useful_order(scores: np.ndarray, threshold: float) -> np.ndarray:
    """Indices of ``scores`` closest to ``threshold`` first: the inbox's "most useful to label
    next" order (services.curation sorts candidates by ``abs(score - threshold)``)."""
    return np.argsort(np.abs(np.asarray(scores, dtype=float) - threshold), kind="stable")


def top_hits(truth: np.ndarray, scores: np.ndarray, k: int = 20) -> int:
    """Innovations among the ``k`` best-scored rows."""
    return int(truth[np.argsort(-scores, kind="stable")[:k]].sum())


def _accuracy(hits: np.ndarray, _: np.ndarray) -> float | None:
    return float(hits.mean()) if len(hits) else None


def report(
    rows: Sequence[Mapping[str, Any]],
    predictions: Sequence[Mapping[str, Any]],
    parts: Mapping[str, Sequence[int]] | None = None,
    resamples: int = 1000,
) -> dict[str, Any]:
    """AP with its 90 % interval, innovations in the top 20 and the innovator-type accuracy
    on the innovations that name one, overall and per part (a name -> row indices)."""
    t = np.array([int(bool(r.get("is_innovation"))) for r in rows])
    s = np.array([float(p["score"]) for p in predictions])
    typed = np.array([bool(r.get("is_innovation") and r.get("innovator_type")) for r in rows])
    hit = np.array(
        [
            p.get("innovator_type") == r.get("innovator_type")
            for r, p in zip(rows, predictions, strict=True)
        ]
    )

    def one(idx: np.ndarray) -> dict[str, Any]:
        ap = _ap(t[idx], s[idx])
        kinds = idx[typed[idx]]
        return {
            "rows": len(idx),
            "positives": int(t[idx].sum()),
            "average_precision": None if ap is None else round(ap, 3),
            "ap_90pct": interval(t[idx], s[idx], _ap, resamples),
            "top20_innovations": top_hits(t[idx], s[idx]),
            "innovator_type_rows": len(kinds),
            "innovator_type_accuracy": round(float(hit[kinds].mean()), 3) if len(kinds) else None,
            "innovator_type_90pct": interval(hit[kinds], hit[kinds], _accuracy, resamples)
            if len(kinds)
            else None,
            "sectors": evaluate_rows([rows[i] for i in idx], [predictions[i] for i in idx])[
                "sectors"
            ],
        }

    out = {"all": one(np.arange(len(t)))}
    for name, idx in (parts or {}).items():
        out[name] = one(np.asarray(idx, dtype=int))
    return out


def fold_average_precision(
    truth: np.ndarray, scores: np.ndarray, folds: Sequence[np.ndarray]
) -> list[float | None]:
    """Average precision within each fold (each scored by one model; the pooled figure also
    compares scores of different fold models)."""
    values = [_ap(truth[f], scores[f]) for f in folds]
    return [None if v is None else round(v, 3) for v in values]


def cross_validate_rows(
    rows: Sequence[Mapping[str, Any]],
    base: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any] | None = None,
    trainable: Callable[[Mapping[str, Any]], bool] | None = None,
    folds: int = 5,
    resamples: int = 1000,
    seed: int = 0,
    analyses: Mapping[int, rules.Analysis] | None = None,
    with_scores: bool = False,
) -> dict[str, Any]:
    """Grouped ``folds``-fold cross-validation of labelled ``rows`` (see :func:`grouped_cv`),
    measured by :func:`report` overall and per ``source`` of the rows (when they name more
    than one), with the average precision within each fold (``with_scores``: and every
    row's out-of-fold score). Raises ValueError when a class has fewer rows than two folds
    need."""
    started = time.perf_counter()
    labels = [int(bool(r["is_innovation"])) for r in rows]
    k = min(folds, sum(labels), len(labels) - sum(labels))
    if k < 2:
        raise ValueError("cross-validation needs at least two innovations and two others")
    predictions = grouped_cv(rows, base, params, trainable, k, seed, analyses)
    sources: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        sources.setdefault(str(row.get("source") or "unknown"), []).append(i)
    metrics = report(rows, predictions, sources if len(sources) > 1 else None, resamples)
    groups = near_copy_groups([str(r["text"]) for r in rows])
    truth = np.asarray(labels)
    scores = np.array([float(p["score"]) for p in predictions])
    per_fold = fold_average_precision(truth, scores, grouped_folds(labels, groups, k, seed))
    known = [v for v in per_fold if v is not None]
    return {
        "folds": k,
        "near_copy_groups": int(groups.max() + 1) if len(groups) else 0,
        **metrics,
        "fold_average_precision": per_fold,
        "fold_average_precision_mean": round(float(np.mean(known)), 3) if known else None,
        "seconds": round(time.perf_counter() - started, 1),
        **({"scores": scores.tolist()} if with_scores else {}),
    }


def cross_validate_files(
    paths: Sequence[str | Path] = (),
    folds: int = 5,
    params: Mapping[str, Any] | None = None,
    resamples: int = 1000,
) -> dict[str, Any]:
    """Grouped cross-validation (:func:`cross_validate_rows`) of the real labelled rows in
    the JSONL files ``paths`` (none: the real rows the project ships), each fold's model
    trained as ``registry init`` trains: the seed set (never scored) plus the other folds'
    rows. Lines that are not JSON objects and rows without a usable label or text are left
    out and counted, with their line numbers, under ``input``."""
    from .train import clean_rows, load_real, load_seed, read_data_file

    raw: list[dict[str, Any]] = []
    problems: list[str] = []
    if not paths:
        raw = [{**row, "_where": f"shipped real row {n}"} for n, row in enumerate(load_real(), 1)]
    for path in paths:
        raw.extend(read_data_file(path, problems))
    rows, row_problems = clean_rows(raw)
    problems.extend(row_problems)
    result = cross_validate_rows(rows, load_seed(), params, None, folds, resamples)
    return {
        "data": [str(p) for p in paths] or ["registry/data/real"],
        "input": {
            "rows": len(raw),
            "used": len(rows),
            "problems": len(problems),
            "problem_lines": problems[:50],
        },
        **result,
    }


def nested_choice(
    truth: np.ndarray,
    scores: Mapping[str, np.ndarray],
    folds: Sequence[np.ndarray],
) -> dict[str, Any]:
    """How a choice among configurations by cross-validated AP holds on rows it did not look
    at. ``scores``: each configuration's out-of-fold scores of the same rows; ``folds``: the
    folds' row indices. For each fold, the configuration with the best pooled AP on the other
    folds scores it ("nested": one figure over all rows, each scored by a choice made without
    it); and a choice made on the first folds (all but the last two) is measured on the last
    two ("held_out"), beside the best AP over all rows (the optimistic figure)."""
    truth = np.asarray(truth)
    names = list(scores)

    def best(idx: np.ndarray) -> str:
        return max(names, key=lambda n: _ap(truth[idx], scores[n][idx]) or 0.0)

    nested = np.zeros(len(truth))
    chosen = []
    for k, test in enumerate(folds):
        rest = np.concatenate([f for j, f in enumerate(folds) if j != k])
        name = best(rest)
        chosen.append(name)
        nested[test] = scores[name][test]
    everything = np.arange(len(truth))
    choice, held = np.concatenate(folds[:-2]), np.concatenate(folds[-2:])
    on_choice = best(choice)

    def ap(name: str, idx: np.ndarray) -> float | None:
        value = _ap(truth[idx], scores[name][idx])
        return None if value is None else round(value, 3)

    overall = best(everything)
    return {
        "configurations": len(names),
        "nested": {
            "chosen_per_fold": chosen,
            "average_precision": round(_ap(truth, nested) or 0.0, 3),
            "fold_average_precision": fold_average_precision(truth, nested, folds),
        },
        "held_out": {
            "chosen": on_choice,
            "choice_rows": len(choice),
            "choice_average_precision": ap(on_choice, choice),
            "held_out_rows": len(held),
            "held_out_average_precision": ap(on_choice, held),
        },
        "best_over_all_rows": {"name": overall, "average_precision": ap(overall, everything)},
    }
