"""Setting an instance up (what `registry init` does, and the tests' and benchmarks' `app`):
upgrade the schema, load the reference data, bring the search index up to date, and make sure
a compatible classifier model is active. Idempotent.

Unlike the domain operations this commits: the schema upgrade commits anyway, and each step
must stand on its own before the next (the index is built from the committed database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_migrate import upgrade

from ..extensions import db
from . import indexing, reference

log = logging.getLogger(__name__)


def initialize(
    *, train_model: bool = True, say: Callable[[str], None] = log.info
) -> dict[str, Any]:
    """Upgrade the schema, load reference data, bring the index up to date, and make sure a
    compatible classifier model is active (training the default one if not); idempotent.
    ``say`` hears what takes a while before it starts."""
    upgrade()  # the app's migrations directory (registry/migrations)
    regions = reference.load_regions()
    campaigns = reference.load_campaigns()
    db.session.commit()
    current_app.extensions.get("registry.db_ready", {}).clear()
    index = indexing.get_index()
    index_report: dict[str, Any] = (
        {"rebuilt": indexing.rebuild()}
        if index.needs_rebuild()
        else {"synced": indexing.sync_all()}
    )
    model = None
    if train_model:
        from ..classify import store
        from ..classify.train import ensure_default_model

        if store.active_version(current_app.config["INSTANCE_DIR"]) is None:
            say("training the default classifier on the seed set (first run only)...")
        model = ensure_default_model(current_app.config["INSTANCE_DIR"])
    return {
        "regions_changed": regions,
        "campaigns_added": campaigns,
        "index": index_report,
        "model": model,
    }
