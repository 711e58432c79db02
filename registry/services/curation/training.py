"""Learning from the inbox: decided candidates as training rows, and retraining once enough new
labels have arrived (the state of the last training is a JSON file in the instance directory).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from ... import jobs
from ...extensions import db
from ...models import Candidate, CandidateDecision, Innovation, Post
from .inbox import predicted_region

log = logging.getLogger(__name__)

STATE_FILE = "curation-retrain.json"
QUEUED_FRESH_SECONDS = 3600  # a queued retrain older than this is assumed lost


def _row_heads(candidate: Candidate, innovation: Innovation | None) -> dict[str, Any]:
    if innovation is not None:
        return {
            "sectors": innovation.sectors,
            "focus": innovation.focus,
            "innovator_type": innovation.innovator_type,
            "province": innovation.province_code,
        }
    predicted = candidate.predicted or {}
    region = predicted_region(candidate, "province")
    return {
        "sectors": list(predicted.get("sectors") or []),
        "focus": predicted.get("focus"),
        "innovator_type": predicted.get("innovator_type"),
        "province": region.code if region else None,
    }


def training_rows() -> Iterator[dict[str, Any]]:
    """Decided candidates as labelled rows in the training format (registry.classify.train):
    ``id, text, author, user_location, lang, is_innovation, sectors, focus, innovator_type,
    province``. The latest decision of each candidate counts; decisions without a
    label (a duplicate, a merge into another candidate, a reopening) give no row. A positive
    row takes its sectors, focus, innovator type and province from the innovation the curator
    made of it."""
    latest = select(func.max(CandidateDecision.id)).group_by(CandidateDecision.candidate_id)
    decisions = db.session.scalars(
        select(CandidateDecision)
        .where(CandidateDecision.id.in_(latest))
        .order_by(CandidateDecision.id)
    )
    for decision in decisions:
        if decision.label is None:
            continue
        candidate = db.session.get(Candidate, decision.candidate_id)
        if candidate is None or not (decision.text or candidate.text):
            continue
        first_post = db.session.scalar(
            select(Post).where(Post.candidate_id == candidate.id).order_by(Post.id).limit(1)
        )
        positive = bool(decision.label)
        innovation = None
        if positive:
            innovation_id = decision.into_innovation_id or candidate.innovation_id
            innovation = db.session.get(Innovation, innovation_id) if innovation_id else None
        row: dict[str, Any] = {
            "id": f"candidate-{candidate.id}",
            "text": decision.text or candidate.text,
            "author": first_post.author_handle if first_post else "",
            "user_location": first_post.author_location if first_post else "",
            "lang": candidate.lang,
            "is_innovation": int(positive),
        }
        if positive:
            row.update(_row_heads(candidate, innovation))
        else:
            row.update(sectors=[], focus=None, innovator_type=None, province=None)
        yield row


def _state_path(instance_dir: str | Path | None = None) -> Path:
    base = instance_dir or current_app.config["INSTANCE_DIR"]
    return Path(base) / STATE_FILE


def read_state(instance_dir: str | Path | None = None) -> dict[str, Any]:
    try:
        state = json.loads(_state_path(instance_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(state: Mapping[str, Any], instance_dir: str | Path | None = None) -> None:
    path = _state_path(instance_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(dict(state), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _labelled_after(decision_id: int) -> ColumnElement[bool]:
    return and_(CandidateDecision.label.is_not(None), CandidateDecision.id > decision_id)


def new_labels_since_training(instance_dir: str | Path | None = None) -> int:
    """Labelled decisions recorded after the last retraining took its rows."""
    through = int(read_state(instance_dir).get("trained_through") or 0)
    return (
        db.session.scalar(select(func.count(CandidateDecision.id)).where(_labelled_after(through)))
        or 0
    )


def maybe_retrain(instance_dir: str | Path | None = None) -> bool:
    """Called by the edge after committing decisions: enqueue ``classify.retrain`` once
    RETRAIN_AFTER new labels have arrived since the last training (and none is queued)."""
    after = int(current_app.config.get("RETRAIN_AFTER") or 0)
    if after <= 0:
        return False
    state = read_state(instance_dir)
    queued_at = float(state.get("queued_at") or 0)
    if queued_at and time.time() - queued_at < QUEUED_FRESH_SECONDS:
        return False
    if new_labels_since_training(instance_dir) < after:
        return False
    _write_state({**state, "queued_at": time.time()}, instance_dir)
    directory = str(instance_dir) if instance_dir else None
    try:
        # with workers a worker trains into its own instance directory (share instance/models
        # between hosts when workers run elsewhere; see the README); without them a background
        # thread of this process does, so the curator's request that crossed the threshold does
        # not wait the seconds training takes
        jobs.start("classify.retrain", directory)
    except Exception:
        _write_state({**state, "queued_at": None}, instance_dir)
        log.exception("classify.retrain failed")
        return False
    return True


def wait_for_retrain(timeout: float | None = None) -> None:
    """Wait for a retraining started in this process (without a broker) to finish."""
    jobs.wait_idle(timeout)


@jobs.task("classify.retrain")
def retrain(instance_dir: str | None = None) -> dict[str, Any]:
    """Train on the seed set plus every curator label, activate the new model, and remember
    which decisions it has seen."""
    from ...classify.train import train_and_save

    directory = instance_dir or str(current_app.config["INSTANCE_DIR"])
    state = read_state(directory)
    through = (
        db.session.scalar(
            select(func.max(CandidateDecision.id)).where(CandidateDecision.label.is_not(None))
        )
        or 0
    )
    rows = list(training_rows())
    db.session.rollback()  # training takes seconds: hold no transaction meanwhile
    try:
        info, report = train_and_save(directory, extra_rows=rows, activate=True)
    except Exception:
        _write_state({**state, "queued_at": None}, directory)
        raise
    _write_state(
        {
            "trained_through": through,
            "version": info.version,
            "rows": len(rows),
            "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "queued_at": None,
        },
        directory,
    )
    log.info("classify.retrain: model %s trained with %d curator labels", info.version, len(rows))
    return {"version": info.version, "curator_rows": len(rows), "cv_metrics": report["cv_metrics"]}
