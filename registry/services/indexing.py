"""Keep the search index in step with the database.

Innovations touched in a session are remembered at flush time. With the Whoosh backend, when
the session commits, their ids go to the `index.sync_ids` job (inline, or a Celery queue on
the index host). With the postgres backend their documents are written just before the commit,
in the same transaction (no after-commit step, no drift). A rollback forgets them. `sync_all`
repairs drift; `rebuild` builds aside and swaps (postgres: in one transaction).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, aliased, selectinload

from .. import jobs
from ..extensions import db
from ..models import Innovation, InnovationSector, Region, Replication, ReviewEvent
from ..search import AnyIndex, IndexBatch, PostgresSearchIndex, SearchUnavailable, open_index
from ..search.pg_writing import PgBatch
from . import catalogue_cache
from .catalogue import _iso, search_record
from .validation import TEXT_FIELDS

log = logging.getLogger(__name__)
PENDING_KEY = "registry.reindex"
#: ids whose documents were written in the transaction that is committing (postgres backend)
WRITTEN_KEY = "registry.reindexed"
#: innovations whose index update failed after their commit, one id a line (instance dir)
UNSYNCED_FILE = "index-unsynced.txt"
BATCH = 500


def get_index() -> AnyIndex:
    index = current_app.extensions.get("registry.search")
    if index is None:
        index = open_index(current_app.config)
        current_app.extensions["registry.search"] = index
    return index


def check_search_backend() -> None:
    """SearchUnavailable when the database lacks what the configured backend needs."""
    get_index().check_prerequisites()


def _remember(session: Session, flush_context: Any) -> None:
    # after_flush still lists what was flushed, and new rows have their ids by now
    pending: set[int] = session.info.setdefault(PENDING_KEY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Innovation):
            pending.add(obj.id)
        elif isinstance(obj, InnovationSector | ReviewEvent) and obj.innovation_id:
            pending.add(obj.innovation_id)
        elif isinstance(obj, Replication) and obj.original_id:
            pending.add(obj.original_id)  # its replicated= facet may change


def _writes_in_transaction() -> bool:
    return has_app_context() and current_app.config.get("SEARCH_BACKEND") == "postgres"


def _before_commit(session: Session) -> None:
    """Postgres backend: write the touched innovations' documents in the committing
    transaction (a failure here fails the commit, so the documents never drift)."""
    if session.in_nested_transaction() or not _writes_in_transaction():
        return
    if not session.info.get(PENDING_KEY) and not (session.new or session.dirty or session.deleted):
        return
    session.flush()  # what is still unflushed adds its ids
    ids = session.info.pop(PENDING_KEY, None)
    if not ids:
        return
    index = get_index()
    if not isinstance(index, PostgresSearchIndex):  # pragma: no cover - config and index agree
        return
    batch = index.batch_on(session.connection())
    _write(batch, sorted(ids), session)
    session.info.setdefault(WRITTEN_KEY, set()).update(ids)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the outer transaction is still open
    if session.info.pop(WRITTEN_KEY, None):
        catalogue_cache.changed()  # the documents were committed with the change
    ids = session.info.pop(PENDING_KEY, None)
    if not ids:
        return
    catalogue_cache.changed()
    try:
        jobs.run("index.sync_ids", sorted(ids))
    except (SearchUnavailable, jobs.JobNotQueued) as exc:
        # the data is committed: the ids wait in the ledger for the next sync to retry them
        # (any later sync on this host, `registry index sync`, `registry init`)
        remember_unsynced(ids)
        log.warning("search index not updated for %d innovations yet: %s", len(ids), exc)


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
        session.info.pop(WRITTEN_KEY, None)


def install() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "after_flush", _remember):
        event.listen(Session, "after_flush", _remember)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)


def _chunks(
    ids: Iterable[int], session: Session | None = None
) -> Iterator[tuple[list[int], list[Innovation], set[int]]]:
    """Each batch of ids with the rows that still exist for it, and the replicated among them
    (read through ``session``, else a new session of what is committed)."""
    from .replication import replicated_ids

    ids = list(ids)
    with contextlib.ExitStack() as stack:
        if session is None:
            session = stack.enter_context(Session(db.engine))
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = session.scalars(
                select(Innovation)
                .where(Innovation.id.in_(chunk))
                .options(selectinload(Innovation.sector_rows))
            ).all()
            yield chunk, list(rows), replicated_ids(chunk, session)


def _write(batch: IndexBatch | PgBatch, ids: list[int], session: Session | None = None) -> None:
    """Upsert the published among ids, remove the others (withdrawn, rejected, deleted)."""
    for chunk, rows, replicated in _chunks(ids, session):
        visible = {row.id: search_record(row) for row in rows if row.status == "published"}
        for innovation_id in replicated & visible.keys():
            visible[innovation_id]["replicated"] = True
        batch.upsert(visible.values())
        batch.remove(i for i in chunk if i not in visible)  # unpublished, or deleted


def _ledger() -> Path:
    return Path(current_app.instance_path) / UNSYNCED_FILE


@contextlib.contextmanager
def _ledger_locked() -> Iterator[Any]:
    path = _ledger()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # several server processes share the file
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remember_unsynced(ids: Iterable[int]) -> None:
    """Note ids whose index update failed after their commit, for the next sync to retry."""
    with _ledger_locked() as handle:
        handle.write("".join(f"{int(i)}\n" for i in ids))


def take_unsynced() -> set[int]:
    """The ids waiting in the ledger, which is emptied (put them back if the sync fails)."""
    if not _ledger().exists():
        return set()
    with _ledger_locked() as handle:
        handle.seek(0)
        ids = {int(line) for line in handle.read().split() if line.isdigit()}
        handle.truncate(0)
    return ids


@jobs.task("index.sync_ids")
def sync_ids(ids: list[int]) -> dict[str, int]:
    """Upsert the published among ids, remove the others (withdrawn, rejected, deleted).

    Earlier updates that failed after their commit (the ledger) are retried with them. The
    rows are read only once the index's write lock is held, so the index follows the order
    of the commits."""
    index = get_index()
    if not index.exists():
        index.create()
    waiting = take_unsynced()
    try:
        with index.batch() as batch:
            _write(batch, sorted({*ids, *waiting}))
    except BaseException:
        if waiting:
            remember_unsynced(waiting)
        raise
    return {"upserted": batch.upserted, "removed": batch.removed}


#: The columns of an innovation that its search document uses (see search.document_for).
_RECORD_COLUMNS = (
    "id",
    "title",
    *TEXT_FIELDS,
    "focus",
    "stage",
    "started_on",
    "innovator_name",
    "innovator_type",
    "unit",
    "published_at",
    "updated_at",
    "operating_status",
)
REBUILD_BATCH = 2000


def published_records() -> Iterator[dict[str, Any]]:
    """What ``search_record`` gives of each published innovation, for the index only.

    Reads batches of plain columns (and the sectors and region names of each batch)
    instead of ORM objects: the rebuild's parent process then leaves the CPU to the
    indexing workers.
    """
    from .replication import replicated_ids

    province, regency = aliased(Region), aliased(Region)
    columns = [getattr(Innovation, name) for name in _RECORD_COLUMNS]
    last = None
    with Session(db.engine) as session:
        while True:
            query = (
                select(
                    *columns,
                    Innovation.province_code,
                    Innovation.regency_code,
                    province.name,
                    regency.name,
                )
                .outerjoin(province, province.code == Innovation.province_code)
                .outerjoin(regency, regency.code == Innovation.regency_code)
                .where(Innovation.status == "published")
                .order_by(Innovation.id)
                .limit(REBUILD_BATCH)
            )
            if last is not None:
                query = query.where(Innovation.id > last)
            rows = session.execute(query).all()
            if not rows:
                return
            ids = [row[0] for row in rows]
            sectors: dict[int, list[str]] = {}
            for innovation_id, sector in session.execute(
                select(InnovationSector.innovation_id, InnovationSector.sector)
                .where(InnovationSector.innovation_id.in_(ids))
                .order_by(InnovationSector.sector)
            ):
                sectors.setdefault(innovation_id, []).append(sector)
            replicated = replicated_ids(ids, session)
            for row in rows:
                record = dict(zip(_RECORD_COLUMNS, row, strict=False))
                *_, province_code, regency_code, province_name, regency_name = row
                record.update(
                    sectors=sectors.get(record["id"], []),
                    province=province_code,
                    regency=regency_code,
                    province_name=province_name or "",
                    regency_name=regency_name or "",
                    started_on=_iso(record["started_on"]),
                    published_at=_iso(record["published_at"]),
                    updated_at=_iso(record["updated_at"]),
                    replicated=record["id"] in replicated,
                )
                for name in (*TEXT_FIELDS, "innovator_name", "unit"):
                    record[name] = record[name] or ""
                yield record
            last = ids[-1]


def warm_in_background(app: Any) -> threading.Thread:
    """Open the searcher and build its view in a thread, so a new worker's first
    search does not pay for it (about a second at 50,000 innovations)."""

    def warm() -> None:
        with app.app_context():
            try:
                get_index().warm()
            except SearchUnavailable as exc:
                log.info("search index not warmed: %s", exc)

    thread = threading.Thread(target=warm, name="search-warm-up", daemon=True)
    thread.start()
    return thread


@jobs.task("index.rebuild")
def rebuild() -> int:
    return get_index().rebuild(published_records())


@jobs.task("index.sync")
def sync_all() -> dict[str, int]:
    """Repair drift: index what is published and missing or stale, drop what is not published."""
    index = get_index()
    waiting = take_unsynced()  # this sync covers them all
    try:
        if not index.exists():
            return {"upserted": rebuild(), "removed": 0}
        with index.batch() as batch:  # locked before reading, as in sync_ids
            stamps = index.stamps()
            stale: list[dict[str, Any]] = []
            seen: set[int] = set()
            for record in published_records():
                seen.add(record["id"])
                if stamps.get(record["id"]) != record["updated_at"]:
                    stale.append(record)
            batch.upsert(stale)
            batch.remove(i for i in stamps if i not in seen)
    except BaseException:
        if waiting:
            remember_unsynced(waiting)
        raise
    return {"upserted": batch.upserted, "removed": batch.removed}
