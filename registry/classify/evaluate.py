"""Metrics of the classifier on labelled posts (the shape of ../shared/data/labeled).

``evaluate_rows(rows, predictions)`` compares predictions with labels; ``evaluate_file`` reads a
labelled JSONL file, predicts it with the active model (or the rules) and returns the metrics.
Every head is measured over the rows that carry its label, and the count is reported beside
the figure: ``is_innovation`` by average precision and precision at 10, 20 and 50 (ranked by
score); ``sectors`` by micro and macro F1 over the innovations that list sectors (macro over
the sectors that occur in the labels or the predictions); ``focus``, ``innovator_type`` and
``province`` by accuracy. Rows in the shape of ../shared/data/labeled/coronanet_dev.jsonl
(``level`` of government, the accepted ``innovator_types`` and ``province_codes``) are also
measured by ``level`` (the predicted innovator type is one the level accepts) and
``province`` (the predicted province is one of the codes, over rows that list any).

Bad input never stops an evaluation: ``read_labelled`` reports lines that are not JSON objects
and ``check_row`` rows without a usable label or text, unknown sector slugs and very long
texts, each with its line number (``input`` in the metrics).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..taxonomy import INNOVATOR_TYPES, SECTORS

PRECISION_AT = (10, 20, 50)
#: analysis reads this many characters of a text (rules.analyze); longer ones are reported
LONG_TEXT = 4000
LABELS = (0, 1, True, False)


def check_row(row: Mapping[str, Any], need_label: bool) -> tuple[list[str], bool]:
    """The problems of one labelled row, and whether it is usable (a text that is not blank
    and, when ``need_label``, an ``is_innovation`` of 0, 1, true or false). Unknown sector or
    innovator-type slugs and texts longer than :data:`LONG_TEXT` characters are reported but
    leave the row usable (the unknown slug is ignored, the text read up to the limit)."""
    issues: list[str] = []
    usable = True
    text = row.get("text")
    if not isinstance(text, str):
        issues.append("no text")
        usable = False
    elif not text.strip():
        issues.append("empty text")
        usable = False
    elif len(text) > LONG_TEXT:
        issues.append(f"text of {len(text):,} characters: only the first {LONG_TEXT:,} are read")
    if need_label and row.get("is_innovation") not in LABELS:
        issues.append("is_innovation must be 0 or 1")
        usable = False
    sectors = row.get("sectors")
    if sectors is not None and not isinstance(sectors, list):
        issues.append("sectors is not a list: ignored")
    elif sectors:
        unknown = [str(s) for s in sectors if s not in SECTORS]
        if unknown:
            issues.append(f"unknown sector(s) {', '.join(unknown)}: ignored")
    kind = row.get("innovator_type")
    if kind is not None and kind not in INNOVATOR_TYPES:
        issues.append(f"unknown innovator_type {kind}: ignored")
    return issues, usable


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
    # (unless no row has the field: a file of another shape, such as CoronaNet's)
    has_field = any("is_innovation" in r for r in rows)
    inn["unlabelled"] = len(rows) - len(labelled) if has_field else 0
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
    gold_sectors = [_known_sectors(r.get("sectors")) for r in rows]
    with_sectors = [i for i, g in enumerate(gold_sectors) if g]
    per_label: dict[str, list[int]] = {s: [0, 0, 0] for s in SECTORS}
    for i in with_sectors:
        gold = gold_sectors[i]
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

    # province: one labelled province, or (CoronaNet shape) any of the accepted codes
    accepted = [_accepted_provinces(r) for r in rows]
    idx = [i for i, codes in enumerate(accepted) if codes]
    correct = sum(1 for i in idx if _province_code(predictions[i].get("province")) in accepted[i])
    metrics["province"] = {
        "rows": len(idx),
        "accuracy": _round(correct / len(idx) if idx else None),
    }
    # level of government: the predicted innovator type is one the labelled level accepts
    idx = [i for i, r in enumerate(rows) if isinstance(r.get("innovator_types"), list)]
    if idx:
        levels: dict[str, list[int]] = {}
        for i in idx:
            hit = predictions[i].get("innovator_type") in rows[i]["innovator_types"]
            counts = levels.setdefault(str(rows[i].get("level") or "?"), [0, 0])
            counts[0] += int(hit)
            counts[1] += 1
        correct = sum(c[0] for c in levels.values())
        metrics["level"] = {
            "rows": len(idx),
            "accuracy": _round(correct / len(idx)),
            "by_level": {
                name: {"rows": n, "accuracy": _round(hits / n)}
                for name, (hits, n) in sorted(levels.items())
            },
        }
        national = [i for i in idx if rows[i].get("province_codes") == []]
        metrics["level"]["national_without_province"] = _round(
            sum(1 for i in national if not predictions[i].get("province")) / len(national)
            if national
            else None
        )
    return metrics


def _known_sectors(value: Any) -> set[str]:
    return {s for s in value if s in SECTORS} if isinstance(value, list) else set()


def _accepted_provinces(row: Mapping[str, Any]) -> set[str]:
    codes = row.get("province_codes")
    if isinstance(codes, list):
        return {c for c in map(_province_code, codes) if c}
    code = _province_code(row.get("province"))
    return {code} if code else set()


def read_labelled(path: str | Path, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows of a labelled JSONL file, each with its line number as ``_line``. A line that
    is not a JSON object raises ValueError naming the line, or, when ``problems`` is given,
    is reported there ("line N: ...") and skipped; invalid UTF-8 is replaced."""
    import json

    rows = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                message = f"line {number}: not JSON ({exc.msg})"
            else:
                if isinstance(row, dict):
                    rows.append({**row, "_line": number})
                    continue
                message = f"line {number}: not a JSON object"
            if problems is None:
                raise ValueError(f"{path}, {message}")
            problems.append(message)
    return rows


def evaluate_file(path: str | Path, instance_dir: str | Path | None = None) -> dict[str, Any]:
    """Predict a labelled JSONL file with the active model (the rules without one) and return
    the metrics, with the model version that produced them. Bad lines and rows are counted
    and listed with their line numbers under ``input``; rows without a usable text are left
    out of every metric, rows without a usable label out of the is_innovation metrics."""
    from .predict import Predictor

    problems: list[str] = []
    rows = read_labelled(path, problems)
    broken = len(problems)
    usable = []
    for row in rows:
        issues, ok = check_row(row, need_label=False)
        if "is_innovation" in row and row["is_innovation"] not in LABELS:
            issues.append("is_innovation must be 0 or 1: left out of the is_innovation metrics")
        problems.extend(f"line {row['_line']}: {issue}" for issue in issues)
        if ok:
            usable.append(row)
    predictor = Predictor.load(instance_dir)
    predictions = list(predictor.predict_posts(usable))
    metrics = evaluate_rows(usable, predictions)
    problems.sort(key=lambda message: int(message.split(":")[0].split()[1]))
    report = {
        "lines_not_read": broken,
        "rows_without_text": len(rows) - len(usable),
        "problems": len(problems),
        "problem_lines": problems[:100],
    }
    return {"model_version": predictor.version, "data": str(path), **metrics, "input": report}


def evaluate_scores(rows: Iterable[Mapping[str, Any]], scores: Sequence[float]) -> dict[str, Any]:
    """Ranking metrics alone (for baselines that only score)."""
    rows = list(rows)
    truth = [1 if r.get("is_innovation") else 0 for r in rows]
    out: dict[str, Any] = {"average_precision": _round(average_precision(truth, scores))}
    for k in PRECISION_AT:
        out[f"precision_at_{k}"] = _round(precision_at(truth, scores, k))
    return out
