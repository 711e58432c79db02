"""Which harvest sources are due, and starting their runs once each.

`registry beat` queues `harvest.enqueue_due` every BEAT_TICK_SECONDS; a worker claims the due
sources and queues one `harvest.run_source` per source. A claim moves the source's last_run_at
to now with a compare-and-set, so two ticks that overlap (or two beats started by mistake) never
queue one source twice; the queued run expires after the source's interval, so a source whose
runs wait for a stopped worker never piles up runs either.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from .. import jobs
from ..extensions import db
from ..harvest.runs import run_is_live
from ..models import HarvestRun, HarvestSource, utcnow

log = logging.getLogger(__name__)
RUN_SOURCE = "harvest.run_source"


@dataclass(frozen=True)
class Claim:
    source_id: int
    name: str
    every_seconds: int


def is_due(source: HarvestSource, now: dt.datetime) -> bool:
    """Enabled, scheduled (an interval above zero), and never run or run an interval ago."""
    if not source.enabled or not source.every_seconds or source.every_seconds <= 0:
        return False
    if source.last_run_at is None:
        return True
    return source.last_run_at + dt.timedelta(seconds=source.every_seconds) <= now


def due_sources(now: dt.datetime | None = None) -> list[HarvestSource]:
    """The sources to run now: due, and without a run in progress (one that started less than
    HARVEST_STALE_AFTER seconds ago; an older "running" run was abandoned by a dead worker)."""
    now = now or utcnow()
    candidates = [
        s
        for s in db.session.scalars(
            select(HarvestSource).where(HarvestSource.enabled.is_(True)).order_by(HarvestSource.id)
        )
        if is_due(s, now)
    ]
    if not candidates:
        return []
    stale_after = float(current_app.config["HARVEST_STALE_AFTER"])
    running = db.session.scalars(
        select(HarvestRun).where(
            HarvestRun.source_id.in_([s.id for s in candidates]),
            HarvestRun.status == "running",
        )
    )
    # a run whose process died is no longer in the way (the claim marks it failed)
    busy = {run.source_id for run in running if run_is_live(run, now, stale_after)}
    return [s for s in candidates if s.id not in busy]


def claim_source(source_id: int, seen_last_run_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Compare-and-set: move last_run_at from what we saw to now. False when another claim (or
    a run) changed it first, so only one caller starts the run."""
    result = db.session.execute(
        update(HarvestSource)
        .where(
            HarvestSource.id == source_id,
            HarvestSource.last_run_at.is_(None)
            if seen_last_run_at is None
            else HarvestSource.last_run_at == seen_last_run_at,
        )
        .values(last_run_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def claim_due_sources(now: dt.datetime | None = None) -> list[Claim]:
    """Claim each due source (see claim_source), keeping only the claims this call won."""
    now = now or utcnow()
    claims = [
        Claim(source.id, source.name, source.every_seconds)
        for source in due_sources(now)
        if claim_source(source.id, source.last_run_at, now)
    ]
    db.session.flush()
    return claims


@jobs.task("harvest.enqueue_due")
def enqueue_due() -> list[str]:
    """Claim the due sources, commit the claims, then queue one run per source (the names)."""
    claims = claim_due_sources()
    # commit first: a claim that fails to commit must not leave a queued run behind it
    db.session.commit()
    started = []
    for claim in claims:
        try:
            jobs.enqueue(RUN_SOURCE, [claim.name], expires=claim.every_seconds)
        except Exception:
            # this run is lost until the next interval; the next tick tries again then
            log.exception("could not start the harvest of source %s", claim.name)
            continue
        started.append(claim.name)
    if started:
        log.info("harvests queued: %s", ", ".join(started))
    return started
