"""The harvest runner: fetch → normalize → dedup → score → store, one transaction per page.

A source (live platform or archive file) yields pages; each page is stored with the run's
counts and the checkpoint in one commit, so an interrupted run loses at most the page in hand
and a rerun resumes after the last stored one. Faults:

- ``RateLimited``: wait ``retry_after`` (or an exponential backoff with jitter) and ask again
  from the checkpoint; a wait longer than ``HARVEST_MAX_WAIT`` stops the run ("rate limited
  until ...") and the next run resumes;
- ``TransientError`` (5xx, timeouts, broken JSON): retried with backoff up to
  ``HARVEST_MAX_RETRIES`` times in a row, then the run stops and the next one resumes;
- ``SourceError``: the run fails with the reason (waiting will not fix it);
- a malformed item: a HarvestError row with its payload; the rest of the page is kept.

Run status (registry.harvest.runs): ``running`` → ``done`` (the source is exhausted, or the
limit was reached) | ``stopped`` (rate limit or repeated faults: resumable) | ``failed``.
``fetched`` counts the posts received (with the originals that reposts carry), ``new`` those
stored, ``duplicates`` those already stored, ``errors`` the malformed items:
fetched = new + duplicates.

``Runner.run_source`` and ``Runner.import_file`` are the entry points the CLI and the jobs
(registry.services.harvesting) share.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from .. import config
from ..database import exclusive, is_conflict, writing_first
from ..extensions import db
from ..models import HarvestRun, HarvestSource, utcnow
from . import policy
from .archives import FileSource, file_fingerprint, resume_applies
from .base import Page, RateLimited, Source, SourceError, TransientError
from .dedup import CandidateIndex, index_for
from .recheck import recheck_after_run
from .runs import (
    DONE,
    FAILED,
    RUNNING,
    STOPPED,
    AlreadyRunning,
    Settings,
    lock_source_row,
    run_is_live,
    run_owner,
)
from .scoring import ScoringProcess
from .store import CatalogueMatcher, PageResult, PageStore, encode_json, prepare_page

log = logging.getLogger(__name__)
# tries of one page: a post stored by another import meanwhile, or a lock conflict on SQLite
PAGE_ATTEMPTS = 4

_RUN_KEYS = ("resume", "pending")  # kept in HarvestSource.state beside the incremental state
# an archive at least this large is scored in a second process ("auto"): below it the fork and
# the shipping of inputs cost more than the overlap saves (about 12,000 posts of JSONL)
PROCESS_SCORING_MIN_BYTES = 4 * 1024 * 1024
SCORING_MODES = ("auto", "inline", "process")


class _Lookahead:
    """An iterator of pages that can read its next page early (while a page is scored); an
    error reading it is raised when that page is asked for, as without the lookahead."""

    def __init__(self, pages: Iterator[Page]) -> None:
        self._pages = pages
        self._next: Page | None = None
        self._error: Exception | None = None
        self._done = False

    def __iter__(self) -> _Lookahead:
        return self

    def __next__(self) -> Page:
        if self._next is not None:
            page, self._next = self._next, None
            return page
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._done:
            raise StopIteration
        return next(self._pages)

    def fill(self) -> None:
        if self._next is not None or self._error is not None or self._done:
            return
        try:
            self._next = next(self._pages)
        except StopIteration:
            self._done = True
        except Exception as exc:  # noqa: BLE001 - raised in its turn by __next__
            self._error = exc


class _ReadInChild:
    """The pages the scoring process reads ahead (with their fingerprints); should it die,
    the rest is read here, from the position after the last page it handed over."""

    def __init__(
        self,
        scorer: ScoringProcess,
        harvester: Source,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None,
        limit: int | None,
    ) -> None:
        self._scorer: ScoringProcess | None = scorer
        self._harvester = harvester
        self._state = state
        self._resume = resume
        self._limit = limit
        self._here: Iterator[Page] | None = None

    def __iter__(self) -> _ReadInChild:
        return self

    def __next__(self) -> Page:
        if self._scorer is not None:
            try:
                page: Page = self._scorer.next_page()
            except RuntimeError:
                if self._scorer.alive:
                    raise
                log.warning("harvest: the scoring process stopped; reading the file here")
                self._scorer = None
            else:
                self._resume = page.resume
                if self._limit is not None:
                    self._limit = max(0, self._limit - len(page.posts))
                return page
        if self._here is None:
            self._here = iter(
                self._harvester.pages(self._state, resume=self._resume, limit=self._limit)
            )
        return next(self._here)


ProgressFn = Callable[[HarvestRun, Page, PageResult], None]


def _merge_state(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    """Incremental state across pages: ids keep their greatest value (pages come newest-first
    or oldest-first depending on the platform), anything else the latest."""
    for key, value in new.items():
        if key == "stopped":
            continue
        old = into.get(key)
        try:
            if old is not None and int(old) >= int(value):
                continue
        except (TypeError, ValueError):
            pass
        into[key] = value


class Runner:
    """Runs sources and imports. ``sleep``, ``clock`` and ``jitter`` are injectable so that
    tests never wait."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], dt.datetime] = utcnow,
        jitter: Callable[[], float] = random.random,
        progress: ProgressFn | None = None,
        predictor: Any = "auto",
    ) -> None:
        self.settings = settings or Settings.from_config(current_app.config)
        self.sleep = sleep
        self.clock = clock
        self.jitter = jitter
        self.progress = progress
        self._predictor = predictor

    # --- entry points ------------------------------------------------------------------
    def run_source(self, source: HarvestSource, limit: int | None = None) -> HarvestRun:
        """Harvest one stored source (from its checkpoint when the last run was interrupted)."""
        self._claim(source)
        run = self._start(kind="source", label=source.name, source_id=source.id)
        allow_private = bool(current_app.config.get("HARVEST_ALLOW_PRIVATE_HOSTS"))
        try:  # again at every run: settings stored before the policy, a name now elsewhere
            policy.check_source(
                source.platform,
                source.query,
                source.base_url or "",
                source.token_env or "",
                allow_private=allow_private,
            )
        except policy.SourcePolicyError as exc:
            return self._finish(run, FAILED, f"refused: {exc}")
        token = config.token(source.token_env or "")
        state = dict(source.state or {})
        resume = state.get("resume")
        pending: dict[str, Any] = dict(state.get("pending") or {})
        incremental = {k: v for k, v in state.items() if k not in _RUN_KEYS}
        try:
            from .sources import make_source

            harvester = make_source(source, token, timeout=self.settings.timeout)
        except (ImportError, ValueError, TypeError, SourceError) as exc:
            return self._finish(run, FAILED, f"cannot build the {source.platform} source: {exc}")
        if hasattr(harvester, "check_url"):  # a source that follows redirects itself (RSS)
            platform = source.platform
            harvester.check_url = lambda url: policy.check_url(
                platform, url, allow_private=allow_private, param="redirect"
            )

        def keep(page: Page, complete: bool) -> None:
            _merge_state(pending, page.state)
            if complete:
                merged = dict(incremental)
                _merge_state(merged, pending)
                source.state = merged
            else:
                source.state = {**incremental, "resume": page.resume, "pending": dict(pending)}
            run.checkpoint = None if complete else page.resume

        source.last_run_at = self.clock()
        db.session.commit()
        run = self._harvest(run, harvester, incremental, resume, limit, keep, query=source.query)
        return recheck_after_run(source, run, harvester)  # deletions at the source: recheck.py

    def import_file(
        self, path: str | os.PathLike[str], fmt: str, limit: int | None = None
    ) -> HarvestRun:
        """Import an archive; an interrupted import of the same file resumes where it stopped,
        and importing a file again adds nothing (posts are unique by platform and id)."""
        file = Path(path).resolve()
        harvester = FileSource(file, fmt)
        label = str(file)[-500:]
        run = self._start(kind="import", label=label, source_id=None)
        try:
            fingerprint = file_fingerprint(file)
        except OSError as exc:
            return self._finish(run, FAILED, f"cannot read {file}: {exc.strerror or exc}")
        resume = None
        previous = db.session.execute(
            select(HarvestRun)
            .where(HarvestRun.kind == "import", HarvestRun.label == label, HarvestRun.id != run.id)
            .order_by(HarvestRun.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if previous is not None and previous.checkpoint:
            checkpoint = dict(previous.checkpoint)
            if checkpoint.get("format") == fmt and resume_applies(checkpoint, fingerprint):
                resume = {k: v for k, v in checkpoint.items() if k in ("offset", "line", "item")}
                log.info("import %s resumes at %s", file, resume)

        def keep(page: Page, complete: bool) -> None:
            run.checkpoint = (
                None if complete else {**fingerprint, "format": fmt, **(page.resume or {})}
            )

        return self._harvest(run, harvester, {}, resume, limit, keep, query=f"file:{file.name}")

    # --- the loop ----------------------------------------------------------------------
    def _claim(self, source: HarvestSource) -> None:
        """Mark ``source`` as being run, or raise AlreadyRunning. The check and the new run are
        made under a lock of the source row (FOR UPDATE on PostgreSQL; on SQLite the UPDATE
        takes the database's write lock first) held until the run row is committed, so two
        workers claiming at once cannot both see "nothing running"."""
        now, source_id, name = self.clock(), source.id, source.name
        db.session.commit()  # the lock must be the first thing this transaction does
        lock_source_row(source_id)
        running = db.session.execute(
            select(HarvestRun).where(
                HarvestRun.source_id == source_id, HarvestRun.status == RUNNING
            )
        ).scalars()
        for other in list(running):
            if run_is_live(other, now, self.settings.stale_after):
                other_id = other.id
                db.session.rollback()  # releases the lock
                raise AlreadyRunning(f"source {name} is being harvested (run {other_id})")
            other.status = FAILED
            other.stop_reason = "abandoned: the process running it stopped"
            other.finished_at = now
        # no commit: _start commits the new run, which releases the lock

    def _start(self, *, kind: str, label: str, source_id: int | None) -> HarvestRun:
        run = HarvestRun(
            kind=kind,
            label=label,
            source_id=source_id,
            status=RUNNING,
            started_at=self.clock(),
            pages=0,
            fetched=0,
            new=0,
            duplicates=0,
            errors=0,
            stop_reason=run_owner(),
        )
        db.session.add(run)
        db.session.commit()
        return run

    def _finish(self, run: HarvestRun, status: str, reason: str = "") -> HarvestRun:
        run.status = status
        run.stop_reason = reason
        run.finished_at = self.clock()
        db.session.commit()
        log.info(
            "harvest run %s (%s) %s: %s pages, %s fetched, %s new, %s duplicates, %s errors%s",
            run.id, run.label, status, run.pages, run.fetched, run.new, run.duplicates,
            run.errors, f" ({reason})" if reason else "",
        )  # fmt: skip
        return run

    def _backoff(self, attempt: int) -> float:
        base = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return base * (0.5 + 0.5 * self.jitter())

    def _index(self) -> CandidateIndex:
        url = str(db.engine.url)
        index = index_for(url, self.settings.index_max_entries)
        index.refresh(db.session)
        return index

    def _get_predictor(self) -> Any:
        if self._predictor != "auto":
            return self._predictor
        try:
            from ..classify.predict import get_predictor

            return get_predictor(current_app.config["INSTANCE_DIR"])
        except Exception as exc:  # noqa: BLE001 - no model must never stop a harvest
            log.warning("harvest: no classifier (%s); candidates stay unscored", exc)
            return None

    # one harvest at a time per database: each run groups near-copies against the candidates
    # stored before it, which a run going on beside it would not see
    @exclusive("harvest")
    def _harvest(
        self,
        run: HarvestRun,
        harvester: Source,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None,
        limit: int | None,
        keep: Callable[[Page, bool], None],
        *,
        query: str,
    ) -> HarvestRun:
        scorer: ScoringProcess | None = None
        frozen = False
        try:
            index = self._index()
            predictor = self._get_predictor()
            if gc.get_freeze_count() == 0:  # unless the process manages that itself
                # the classifier, gazetteer and index are millions of long-lived objects that
                # every full collection would walk again (a fifth of an import's CPU): set
                # them aside for the run (and for the forked scoring process)
                gc.freeze()
                frozen = True
            if predictor is not None and self._scores_in_process(harvester):
                try:
                    # the child reads the file too: a page is read and fingerprinted there
                    scorer = ScoringProcess(
                        predictor,
                        pages=harvester.pages(state, resume=resume, limit=limit),
                        prepare=prepare_page,
                        encode=encode_json,
                    )
                except (OSError, AssertionError) as exc:  # e.g. inside a daemonic worker
                    log.warning("harvest: no scoring process (%s); scoring inline", exc)
            store = PageStore(
                db.session,
                index,
                predictor=predictor,
                scorer=scorer,
                matcher=CatalogueMatcher.load(db.session),
                query=query,
                platform=harvester.platform,
                source_id=run.source_id,
                run_id=run.id,
                now=self.clock,
            )
            db.session.commit()  # reading the catalogue opened a transaction
            return self._loop(run, harvester, store, state, resume, limit, keep)
        except KeyboardInterrupt:
            db.session.rollback()
            self._finish(run, STOPPED, "interrupted")
            raise
        except BaseException as exc:
            db.session.rollback()
            self._finish(run, FAILED, f"internal error: {type(exc).__name__}: {exc}"[:2000])
            raise
        finally:
            if scorer is not None:
                scorer.close()
            if frozen:
                gc.unfreeze()

    def _scores_in_process(self, harvester: Source) -> bool:
        mode = self.settings.scoring
        if mode not in SCORING_MODES:
            raise ValueError(f"HARVEST_SCORING must be one of {', '.join(SCORING_MODES)}")
        if mode == "inline" or not isinstance(harvester, FileSource):
            return False  # a live source's next page is a network call: not inside a page
        if mode == "process":
            return True
        try:
            size = harvester.path.stat().st_size
        except OSError:
            return False
        return size >= PROCESS_SCORING_MIN_BYTES and (os.cpu_count() or 1) > 1

    def _loop(
        self,
        run: HarvestRun,
        harvester: Source,
        store: PageStore,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None,
        limit: int | None,
        keep: Callable[[Page, bool], None],
    ) -> HarvestRun:
        faults = rate_limits = 0
        received = 0  # posts the source yielded, for the limit
        read_in_child = store.scorer is not None and store.scorer.reads_pages
        while True:
            remaining = None if limit is None else max(0, limit - received)
            try:
                if read_in_child and store.scorer is not None:
                    read: Iterator[Page] = _ReadInChild(
                        store.scorer, harvester, state, resume, remaining
                    )
                else:
                    read = iter(harvester.pages(state, resume=resume, limit=remaining))
                read_in_child = False  # a retry reads here
                pages = _Lookahead(read)
                for page in pages:
                    self._store_page(run, store, page, keep, pages.fill)
                    faults = rate_limits = 0
                    received += len(page.posts)
                    resume = page.resume
                    stopped = page.state.get("stopped") if page.state else None
                    if page.resume is None or stopped:
                        return self._finish(run, DONE, str(stopped or ""))
                    if limit is not None and received >= limit:
                        return self._finish(run, DONE, f"limit of {limit} posts reached")
                return self._finish(run, DONE)
            except RateLimited as exc:
                rate_limits += 1
                wait = (
                    exc.retry_after if exc.retry_after is not None else self._backoff(rate_limits)
                )
                wait = max(0.0, float(wait))
                if wait > self.settings.max_wait or rate_limits > self.settings.max_retries:
                    until = self.clock() + dt.timedelta(seconds=wait)
                    return self._finish(
                        run, STOPPED, f"rate limited until {until:%Y-%m-%d %H:%M:%S} UTC"
                    )
                log.info("harvest run %s: rate limited, waiting %.0fs", run.id, wait)
                self.sleep(wait + self.jitter())
            except TransientError as exc:
                faults += 1
                if faults > self.settings.max_retries:
                    return self._finish(
                        run, STOPPED, f"gave up after {self.settings.max_retries} retries: {exc}"
                    )
                wait = self._backoff(faults)
                log.info("harvest run %s: %s; retrying in %.1fs", run.id, exc, wait)
                self.sleep(wait)
            except SourceError as exc:
                return self._finish(run, FAILED, str(exc) or type(exc).__name__)

    def _store_page(
        self,
        run: HarvestRun,
        store: PageStore,
        page: Page,
        keep: Callable[[Page, bool], None],
        meanwhile: Callable[[], None] | None = None,
    ) -> None:
        """Store a page, its counts and the checkpoint in one transaction."""
        for attempt in range(1, PAGE_ATTEMPTS + 1):
            store.index.begin()
            try:
                # a retry takes SQLite's write lock first, so its reads cannot go stale
                with writing_first() if attempt > 1 else contextlib.nullcontext():
                    result = store.store(
                        page.posts,
                        page.errors,
                        meanwhile=meanwhile,
                        prepared=getattr(page, "prepared", None),
                    )
                    run.pages += 1
                    run.fetched += result.new + result.duplicates
                    run.new += result.new
                    run.duplicates += result.duplicates
                    run.errors += result.errors
                    keep(page, page.resume is None or bool(page.state.get("stopped")))
                    db.session.commit()
            except DBAPIError as exc:
                # another worker stored one of these posts meanwhile (IntegrityError), or its
                # write made this transaction's snapshot stale (a lock conflict): once more,
                # from the top
                db.session.rollback()
                store.index.rollback()
                retry = isinstance(exc, IntegrityError) or is_conflict(exc)
                if not retry or attempt == PAGE_ATTEMPTS:
                    raise
                db.session.refresh(run)
                continue
            except BaseException:
                store.index.rollback()
                raise
            store.index.commit()
            if self.progress is not None:
                self.progress(run, page, result)
            return
