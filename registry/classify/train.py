"""Training: the default data (real labelled posts the project ships and the team-written
seed set) plus any labelled JSONL and curator decisions, cross-validated, saved as a new
signed version.

The default data (``load_default``) is ``registry/data/real/*.jsonl`` (real posts of
Hyuto/skripsi, MIT, labelled by the team: see the NOTICE there) and
``registry/data/seed/posts_*.jsonl`` (team-written; keys ``id``, ``text``, ``author``,
``user_location``, ``lang``, ``is_innovation``, ``sectors``, ``focus``, ``innovator_type``,
``province``). Seed rows carry ``origin`` "seed" and weigh ``PostModel.written_weight``; every
other row (real posts, curator decisions, ``--data`` files) weighs 1. Extra rows use the same
keys; only ``text`` and ``is_innovation`` are required. Of ../shared/data/labeled only the
train file may be passed here, and only for experiments: the dev file is for evaluation.
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

from ..taxonomy import SECTORS
from . import rules, store
from .evaluate import check_row, evaluate_rows, read_labelled
from .pipeline import WRITTEN, PostModel

SEED_FILES = ("posts_a.jsonl", "posts_b.jsonl", "posts_c.jsonl", "posts_e.jsonl")
#: real labelled posts the project may ship (registry/data/real, see its NOTICE.md)
REAL_FILES = ("hyuto_skripsi_posts.jsonl",)
CV_FOLDS = 5


def _read_package_rows(folder: str, names: Sequence[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    base = resources.files("registry") / "data" / folder
    for name in names:
        for line in (base / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def load_seed() -> list[dict[str, Any]]:
    """The team-written seed set, in file order, each row marked ``origin`` "seed"."""
    return [{**row, "origin": WRITTEN} for row in _read_package_rows("seed", SEED_FILES)]


def load_real() -> list[dict[str, Any]]:
    """The real labelled posts the project ships (MIT rows of Hyuto/skripsi), in file order."""
    return _read_package_rows("real", REAL_FILES)


def load_default() -> list[dict[str, Any]]:
    """What the default model learns from before any curator decision: real rows, then seed."""
    return [*load_real(), *load_seed()]


def clean_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows usable for training and a message for each problem (see
    ``evaluate.check_row``): rows without a usable label or text are left out; unknown sector
    slugs are dropped from a row that is kept; long texts are kept (analysis reads the first
    4,000 characters). A row read from a file names its line (``_line``, or ``_where``: the
    file and the line)."""
    kept: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, row in enumerate(rows, start=1):
        where = row.get("_where") or (f"line {row['_line']}" if "_line" in row else f"row {n}")
        issues, usable = check_row(row, need_label=True)
        problems.extend(f"{where} ({row.get('id')}): {issue}" for issue in issues)
        if usable:
            clean = {**row, "is_innovation": int(bool(row["is_innovation"]))}
            if isinstance(row.get("sectors"), list):
                clean["sectors"] = [s for s in row["sectors"] if s in SECTORS]
            kept.append(clean)
    return kept, problems


def read_data_file(path: str | Path, problems: list[str]) -> list[dict[str, Any]]:
    """The rows of a labelled JSONL file, each naming its file and line (``_where``, as
    :func:`clean_rows` reports it); lines that are not JSON objects go to ``problems``."""
    bad: list[str] = []
    found = read_labelled(path, bad)
    problems.extend(f"{path}, {message}" for message in bad)
    return [{**row, "_where": f"{path}, line {row['_line']}"} for row in found]


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
    """Train on the default data (the shipped real rows and the seed set, unless
    ``include_seed`` is false), the labelled JSONL files ``data_paths`` and ``extra_rows``
    (e.g. curator decisions); cross-validate; save a new signed version (activated unless
    ``activate`` is false). Returns its info and a report (CV metrics, row counts, rows left
    out and why, with their line numbers)."""
    started = time.perf_counter()
    raw: list[Mapping[str, Any]] = []
    sources: dict[str, int] = {}
    file_problems: list[str] = []
    if include_seed:
        real, seed = load_real(), load_seed()
        sources.update(real=len(real), seed=len(seed))
        raw.extend([*real, *seed])
    for path in data_paths:
        found = read_data_file(path, file_problems)
        sources[str(path)] = len(found)
        raw.extend(found)
    extra = list(extra_rows)
    if extra:
        sources["extra"] = len(extra)
        raw.extend(extra)
    rows, row_problems = clean_rows(raw)
    problems = [*file_problems, *row_problems]
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
            "left_out": len(raw) - len(rows),
            "problems": len(problems),
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
        "problems": problems[:50],
        "problem_count": len(problems),
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
