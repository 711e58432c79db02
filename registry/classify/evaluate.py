"""Metrics of the classifier on labelled posts (the shape of ../shared/data/labeled).

``evaluate_rows(rows, predictions)`` compares predictions with labels; ``evaluate_file`` reads a
labelled JSONL file, predicts it with the active model (or the rules) and returns the metrics.
Every head is measured over the rows that carry its label, and the count is reported beside
the figure: ``is_innovation`` by average precision and precision at 10, 20 and 50 (ranked by
score); ``sectors`` by micro and macro F1 over the innovations that list sectors (macro over
the sectors that occur in the labels or the predictions); ``focus``, ``innovator_type`` and
``province`` by accuracy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..taxonomy import SECTORS

PRECISION_AT = (10, 20, 50)


def average_precision(truth: Sequence[int], scores: Sequence[float]) -> float | None:
    """Average precision of ``scores`` ranking the positives of ``truth`` (scikit-learn's
    definition: tied scores count as one step); None without positives."""
    if not any(truth):
        return None
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(list(truth), list(scores)))


def precision_at(truth: Sequence[int], scores: Sequence[float], k: int) -> float | None:
    """Share of positives among the ``k`` best-scored rows; None when there are fewer rows."""
    if len(scores) < k:
        return None
    order = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
    return sum(1 for i in order if truth[i]) / k


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _province_code(value: Any) -> str | None:
    """The 2025 province code a label or a prediction names: a prediction's {"code", "name"},
    a province or regency code of 2020 or 2025, or a name in Indonesian or English ("Jawa
    Barat", "West Java", "DKI Jakarta"); a label nothing resolves is compared as written."""
    if isinstance(value, Mapping):
        value = value.get("code") or value.get("name")
    if not isinstance(value, str) or not value.strip():
        return None
    from ..taxonomy import resolve_region

    text = value.strip()
    region = resolve_region(text.split(".")[0], level=1) or resolve_region(text, level=1)
    if region is not None:
        return region.code
    return text.split(".")[0]


def evaluate_rows(
    rows: Sequence[Mapping[str, Any]], predictions: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Metrics of ``predictions`` (prediction lines, in the order of ``rows``) against the
    labels of ``rows``."""
    if len(rows) != len(predictions):
        raise ValueError("one prediction per labelled row is needed")
    metrics: dict[str, Any] = {"rows": len(rows)}

    labelled = [i for i, r in enumerate(rows) if r.get("is_innovation") in (0, 1, True, False)]
    truth = [1 if rows[i]["is_innovation"] else 0 for i in labelled]
    scores = [float(predictions[i]["score"]) for i in labelled]
    inn: dict[str, Any] = {"rows": len(labelled), "positives": sum(truth)}
    # rows whose is_innovation is missing or not 0/1/true/false are left out, and counted
    inn["unlabelled"] = len(rows) - len(labelled)
    inn["average_precision"] = _round(average_precision(truth, scores))
    for k in PRECISION_AT:
        inn[f"precision_at_{k}"] = _round(precision_at(truth, scores, k))
    predicted = [bool(predictions[i]["is_innovation"]) for i in labelled]
    tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t and p)
    fp = sum(1 for t, p in zip(truth, predicted, strict=True) if not t and p)
    fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t and not p)
    inn["precision"] = _round(tp / (tp + fp) if tp + fp else None)
    inn["recall"] = _round(tp / (tp + fn) if tp + fn else None)
    inn["f1"] = _round(_f1(tp, fp, fn) if truth else None)
    metrics["is_innovation"] = inn

    # sectors: over the rows that list at least one sector
    with_sectors = [i for i, r in enumerate(rows) if r.get("sectors")]
    per_label: dict[str, list[int]] = {s: [0, 0, 0] for s in SECTORS}
    for i in with_sectors:
        gold = set(rows[i]["sectors"])
        pred = set(predictions[i].get("sectors") or ())
        for s in gold | pred:
            counts = per_label.setdefault(s, [0, 0, 0])
            if s in gold and s in pred:
                counts[0] += 1
            elif s in pred:
                counts[1] += 1
            else:
                counts[2] += 1
    occurring = [s for s, c in per_label.items() if any(c)]
    totals = [sum(per_label[s][k] for s in occurring) for k in range(3)]
    metrics["sectors"] = {
        "rows": len(with_sectors),
        "micro_f1": _round(_f1(*totals) if with_sectors else None),
        "macro_f1": _round(
            sum(_f1(*per_label[s]) for s in occurring) / len(occurring) if occurring else None
        ),
    }

    for head in ("focus", "innovator_type"):
        idx = [i for i, r in enumerate(rows) if r.get(head)]
        correct = sum(1 for i in idx if predictions[i].get(head) == rows[i][head])
        metrics[head] = {"rows": len(idx), "accuracy": _round(correct / len(idx) if idx else None)}

    idx = [i for i, r in enumerate(rows) if _province_code(r.get("province"))]
    correct = sum(
        1
        for i in idx
        if _province_code(predictions[i].get("province")) == _province_code(rows[i]["province"])
    )
    metrics["province"] = {
        "rows": len(idx),
        "accuracy": _round(correct / len(idx) if idx else None),
    }
    return metrics


def read_labelled(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a labelled JSONL file; lines that are not JSON objects raise ValueError
    naming the line."""
    import json

    rows = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}, line {number}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{path}, line {number}: not a JSON object")
            rows.append(row)
    return rows


def evaluate_file(path: str | Path, instance_dir: str | Path | None = None) -> dict[str, Any]:
    """Predict a labelled JSONL file with the active model (the rules without one) and return
    the metrics, with the model version that produced them."""
    from .predict import Predictor

    rows = read_labelled(path)
    predictor = Predictor.load(instance_dir)
    predictions = list(predictor.predict_posts(rows))
    metrics = evaluate_rows(rows, predictions)
    return {"model_version": predictor.version, "data": str(path), **metrics}


def evaluate_scores(rows: Iterable[Mapping[str, Any]], scores: Sequence[float]) -> dict[str, Any]:
    """Ranking metrics alone (for baselines that only score)."""
    rows = list(rows)
    truth = [1 if r.get("is_innovation") else 0 for r in rows]
    out: dict[str, Any] = {"average_precision": _round(average_precision(truth, scores))}
    for k in PRECISION_AT:
        out[f"precision_at_{k}"] = _round(precision_at(truth, scores, k))
    return out
