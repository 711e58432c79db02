"""Recheck: deletions at the source are honoured on the next harvest.

After a live run of a source (done or stopped, not failed) the runner hands the source to
``recheck_after_run``: a bounded batch of the posts that source stored is looked up on the
platform (``gone`` of the source module), and every post the platform no longer has is taken
down as a takedown request would be (the post, its reposts and payload deleted, its candidate
refreshed or deleted when left empty and undecided) with a tombstone whose reason is "deleted
at source", so that no later harvest or archive import brings it back.

Which posts: every stored post of the source (a decided candidate's posts are still shown on
its page), in id order from a cursor kept in the source's state (``state["recheck"]``), so
successive runs recheck them all and then start over. A change of a Mastodon source's instance
sets a floor: statuses stored before it carry the old instance's ids.

Faults never fail the harvest: a rate limit, a 5xx or a refusal stops the recheck, keeps what
it removed so far (one transaction per batch, cursor included) and notes it in the run's
stop_reason; the next run goes on from the cursor. RSS has no deletion signal and is skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..config import HARVEST_DEFAULTS
from ..extensions import db
from ..models import HarvestRun, HarvestSource, Post
from .base import SourceError, StoredRef
from .takedown import takedown_post

log = logging.getLogger(__name__)

STATE_KEY = "recheck"
REASON = "deleted at source"
RECHECKED_STATUSES = ("done", "stopped")


@dataclass
class RecheckResult:
    checked: int = 0
    removed: int = 0  # posts deleted, reposts of a deleted post included
    paused: str = ""  # why the recheck stopped early


def recheck_after_run(source: HarvestSource, run: HarvestRun, harvester: Any) -> HarvestRun:
    """The runner's last step for a live source: recheck, record the count on the run and
    return it. Never raises for a platform or database fault."""
    if run.status not in RECHECKED_STATUSES or not callable(getattr(harvester, "gone", None)):
        return run
    budget = configured_posts()
    if budget <= 0:
        return run
    run_id, name = run.id, source.name
    try:
        result = recheck_source(source, harvester, budget)
    except Exception as exc:  # noqa: BLE001 - a recheck must never fail the harvest
        db.session.rollback()
        log.exception("recheck of source %s failed", name)
        result = RecheckResult(paused=f"recheck failed: {type(exc).__name__}: {exc}"[:500])
    run = db.session.get(HarvestRun, run_id) or run
    run.removed = result.removed
    if result.paused:
        note = f"recheck paused: {result.paused}"
        run.stop_reason = f"{run.stop_reason}; {note}" if run.stop_reason else note
    db.session.commit()
    log.info(
        "recheck of source %s: %d posts checked, %d removed%s",
        name, result.checked, result.removed, f" ({result.paused})" if result.paused else "",
    )  # fmt: skip
    return run


def configured_posts() -> int:
    """Posts rechecked after each run (REGISTRY_HARVEST_RECHECK_POSTS; 0: off)."""
    return int(
        current_app.config.get("HARVEST_RECHECK_POSTS", HARVEST_DEFAULTS["HARVEST_RECHECK_POSTS"])
    )


def recheck_source(source: HarvestSource, harvester: Any, budget: int) -> RecheckResult:
    """Look up to ``budget`` stored posts of ``source`` up on the platform and take down those
    it no longer has; one commit per batch (the takedowns and the cursor together)."""
    source_id, name, platform = source.id, source.name, source.platform
    cursor = dict((source.state or {}).get(STATE_KEY) or {})
    after = max(int(cursor.get("after") or 0), int(cursor.get("floor") or 0))
    rows = _batch(source_id, after, budget)
    result = RecheckResult()
    size = max(1, int(getattr(harvester, "recheck_batch", 100)))
    try:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            try:
                gone = harvester.gone([ref for _, ref in chunk])
            except SourceError as exc:  # rate limits and 5xx (TransientError) included
                result.paused = str(exc) or type(exc).__name__
                break
            for external_id in sorted(gone):
                done = takedown_post(
                    platform, external_id, actor=f"recheck of {name}"[:254], reason=REASON
                )
                result.removed += done.posts_deleted if done else 0
            result.checked += len(chunk)
            _save_cursor(source_id, after=chunk[-1][0])
            db.session.commit()
        else:
            if len(rows) < budget:
                _save_cursor(source_id, after=0)  # every post seen: start over next time
                db.session.commit()
    finally:
        close = getattr(harvester, "close", None)
        if callable(close):
            close()
    return result


def _batch(source_id: int, after: int, budget: int) -> list[tuple[int, StoredRef]]:
    rows = db.session.execute(
        select(Post.id, Post.external_id, Post.raw["id"].as_string())
        .where(Post.source_id == source_id, Post.id > after)
        .order_by(Post.id)
        .limit(budget)
    ).all()
    db.session.commit()  # end the read: the batch is looked up on the network next
    return [(r[0], StoredRef(r[1], str(r[2]) if r[2] not in (None, "") else None)) for r in rows]


def _save_cursor(source_id: int, *, after: int) -> None:
    """Write the cursor into the source's current state (re-read, and locked on PostgreSQL,
    so a run that saved its state meanwhile keeps it)."""
    source = db.session.get(HarvestSource, source_id)
    if source is None:  # deleted meanwhile
        return
    db.session.refresh(source, with_for_update=db.engine.dialect.name != "sqlite")
    state = dict(source.state or {})
    state[STATE_KEY] = {**dict(state.get(STATE_KEY) or {}), "after": after}
    source.state = state


def set_floor(source: HarvestSource) -> None:
    """Recheck only the posts stored from now on (a Mastodon source moved to another instance:
    the statuses stored so far carry the old instance's ids)."""
    top = db.session.scalar(select(func.max(Post.id)).where(Post.source_id == source.id))
    state = dict(source.state or {})
    state[STATE_KEY] = {"after": 0, "floor": top or 0}
    source.state = state
