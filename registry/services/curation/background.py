"""Retraining without a broker: a background thread in this process, so the curator's request
that crossed RETRAIN_AFTER does not wait the seconds training takes.

The one place that starts and waits for it (with a broker, ``jobs.run`` queues the job instead):
switch this module to the jobs' own background runner when it has one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import current_app

from ...extensions import db

log = logging.getLogger(__name__)

_retrain_thread: threading.Thread | None = None


def start_retrain_thread(retrain: Callable[[str | None], Any], instance_dir: str | None) -> None:
    """Run ``retrain(instance_dir)`` in a thread with this app's context."""
    global _retrain_thread
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def train() -> None:
        with app.app_context():
            try:
                retrain(instance_dir)
            except Exception:
                log.exception("classify.retrain failed")
            finally:
                db.session.remove()

    _retrain_thread = threading.Thread(target=train, name="classify-retrain", daemon=True)
    _retrain_thread.start()


def wait_for_retrain(timeout: float | None = None) -> None:
    """Wait for a retraining started in this process (without a broker) to finish."""
    if _retrain_thread is not None:
        _retrain_thread.join(timeout)
