"""The search index follows the database under concurrent publishing, and an index update
that failed after its commit is retried by the next sync instead of being only logged."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select
from whoosh import index as whoosh_index

from registry.database import run_with_retry
from registry.extensions import db
from registry.models import Innovation
from registry.search import SCHEMA, SearchIndex
from registry.services import catalogue, indexing


def publish(innovation_data, title: str) -> int:
    row = catalogue.create(innovation_data(title=title), actor="test", status="published")
    db.session.commit()
    return row.id


def indexed_ids() -> set[int]:
    return set(indexing.get_index().stamps())


def published_ids() -> set[int]:
    return set(db.session.scalars(select(Innovation.id).where(Innovation.status == "published")))


def test_an_update_that_failed_after_commit_is_retried_by_the_next_sync(app, innovation_data):
    with app.app_context():
        index = indexing.get_index()
        assert isinstance(index, SearchIndex)  # the Whoosh backend's lock
        index.writer_timeout = 0.1
        holder = whoosh_index.open_dir(app.config["INDEX_DIR"], schema=SCHEMA).writer()
        try:  # another process holds the index: the update after this commit fails
            first = publish(innovation_data, "Layanan Antar Obat Pertama")
        finally:
            holder.cancel()
        assert first not in indexed_ids()
        assert Path(app.instance_path, indexing.UNSYNCED_FILE).read_text().split() == [str(first)]
        second = publish(innovation_data, "Layanan Antar Obat Kedua")
        assert {first, second} == indexed_ids() == published_ids()
        assert indexing.take_unsynced() == set()  # the ledger was emptied


def test_index_sync_empties_the_ledger(app, innovation_data):
    with app.app_context():
        row = catalogue.create(innovation_data(), actor="test", status="published")
        db.session.flush()
        indexing.remember_unsynced([row.id])
        db.session.info.pop(indexing.PENDING_KEY, None)  # as if its own update had failed
        db.session.commit()
        assert indexing.sync_all()["upserted"] == 1
        assert indexing.take_unsynced() == set()
        assert indexed_ids() == {row.id}


def test_concurrent_publishing_keeps_the_index_equal_to_the_database(app, innovation_data):
    threads, each = 6, 4
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        barrier.wait()
        try:
            for k in range(each):
                with app.app_context():
                    run_with_retry(publish, innovation_data, f"Inovasi Serentak {n} Nomor {k}")
        except BaseException as exc:
            errors.append(exc)

    started = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(120)
    assert not errors, errors
    with app.app_context():
        assert len(published_ids()) == threads * each
        assert indexed_ids() == published_ids()
