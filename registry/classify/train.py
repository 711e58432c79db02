"""Training: the seed set plus any labelled JSONL (and curator decisions), cross-validated,
saved as a new signed version.

The seed set is ``registry/data/seed/posts_*.jsonl`` (team-written, labelled; keys ``id``,
``text``, ``author``, ``user_location``, ``lang``, ``is_innovation``, ``sectors``, ``focus``,
``innovator_type``, ``province``). Extra rows use the same keys; only ``text`` and
``is_innovation`` are required. ../shared/data/labeled is for evaluation only: never pass it
here for a model that ships.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from . import rules, store
from .evaluate import evaluate_rows, read_labelled
from .pipeline import PostModel

SEED_FILES = ("posts_a.jsonl", "posts_b.jsonl", "posts_c.jsonl", "posts_e.jsonl")
CV_FOLDS = 5


def load_seed() -> list[dict[str, Any]]:
    """The team-written seed set, in file order."""
    rows: list[dict[str, Any]] = []
    base = resources.files("registry") / "data" / "seed"
    for name in SEED_FILES:
        for line in (base / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def clean_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows usable for training (a string ``text`` and ``is_innovation`` 0/1/true/false),
    and a message for each row left out."""
    kept: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, row in enumerate(rows, start=1):
        label = row.get("is_innovation")
        if not isinstance(row.get("text"), str):
            problems.append(f"row {n} ({row.get('id')}): no text")
        elif label not in (0, 1, True, False):
            problems.append(f"row {n} ({row.get('id')}): is_innovation must be 0 or 1")
        else:
            kept.append({**row, "is_innovation": int(bool(label))})
    return kept, problems


def data_hash(rows: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 over the training rows' texts and labels, in order."""
    digest = hashlib.sha256()
    keys = ("text", "author", "user_location", "lang", "is_innovation", "sectors", "focus")
    for row in rows:
        record = {k: row.get(k) for k in (*keys, "innovator_type", "province")}
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return "sha256:" + digest.hexdigest()


def cross_validate(
    rows: Sequence[Mapping[str, Any]],
    folds: int = CV_FOLDS,
    random_state: int = 0,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Out-of-fold metrics (stratified on is_innovation): every row is predicted by a model
    that did not see it, then measured like ``registry classify evaluate``."""
    from .predict import Predictor

    labels = np.array([int(bool(r["is_innovation"])) for r in rows])
    n_splits = min(folds, int(np.bincount(labels, minlength=2).min()))
    if n_splits < 2:
        return {"folds": 0, "note": "too few examples of a class to cross-validate"}
    analyses = [rules.analyze(r) for r in rows]
    predictions: list[dict[str, Any]] = [{} for _ in rows]
    splitter = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    for train_idx, test_idx in splitter.split(np.zeros(len(rows)), labels):
        model = PostModel(**dict(params or {})).fit(
            [analyses[i] for i in train_idx], [rows[i] for i in train_idx]
        )
        heads = Predictor(model, "cv").predict_analyses([analyses[i] for i in test_idx])
        for i, head in zip(test_idx, heads, strict=True):
            region = analyses[i].region
            province = region.province if region is not None else None
            predictions[i] = {**head, "province": province.code if province else None}
    return {"folds": n_splits, **evaluate_rows(rows, predictions)}


def fit_model(rows: Sequence[Mapping[str, Any]], params: Mapping[str, Any] | None = None) -> Any:
    return PostModel(**dict(params or {})).fit(list(rows), list(rows))


def train_and_save(
    instance_dir: str | Path,
    data_paths: Sequence[str | Path] = (),
    extra_rows: Iterable[Mapping[str, Any]] = (),
    include_seed: bool = True,
    activate: bool = True,
    folds: int = CV_FOLDS,
    params: Mapping[str, Any] | None = None,
) -> tuple[store.ModelInfo, dict[str, Any]]:
    """Train on the seed set (unless ``include_seed`` is false), the labelled JSONL files
    ``data_paths`` and ``extra_rows`` (e.g. curator decisions); cross-validate; save a new
    signed version (activated unless ``activate`` is false). Returns its info and a report
    (CV metrics, row counts, rows left out)."""
    started = time.perf_counter()
    raw: list[Mapping[str, Any]] = list(load_seed()) if include_seed else []
    sources = {"seed": len(raw)} if include_seed else {}
    for path in data_paths:
        found = read_labelled(path)
        sources[str(path)] = len(found)
        raw.extend(found)
    extra = list(extra_rows)
    if extra:
        sources["extra"] = len(extra)
        raw.extend(extra)
    rows, problems = clean_rows(raw)
    if not any(r["is_innovation"] for r in rows) or all(r["is_innovation"] for r in rows):
        raise ValueError("training needs both innovations and non-innovations")
    metrics = cross_validate(rows, folds=folds, params=params) if folds >= 2 else {}
    model = fit_model(rows, params)
    meta = {
        "data": {
            "hash": data_hash(rows),
            "rows": len(rows),
            "innovations": sum(r["is_innovation"] for r in rows),
            "sources": sources,
            "left_out": len(problems),
        },
        "params": {k: repr(v) for k, v in model.get_params(deep=False).items()},
        "threshold": model.threshold_,
        "cv_metrics": metrics,
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    info = store.save_model(instance_dir, model.compiled_, meta, activate=activate)
    report = {
        "version": info.version,
        "active": activate,
        "threshold": model.threshold_,
        "data": meta["data"],
        "cv_metrics": metrics,
        "problems": problems[:20],
        "training_seconds": meta["training_seconds"],
    }
    return info, report


def ensure_default_model(instance_dir: str | Path) -> str:
    """The version of the active model when it loads; otherwise train the default model on
    the seed set, activate it and return its version (called by ``registry init``)."""
    try:
        loaded = store.load_active(instance_dir)
    except store.ModelError:
        loaded = None
    if loaded is not None:
        return loaded[0]
    info, _ = train_and_save(instance_dir)
    return info.version
