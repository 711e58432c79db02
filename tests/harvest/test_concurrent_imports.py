"""Two harvest imports at once (issue 17): both finish, and near-copies across them are grouped
as when they run one after the other (on SQLite both failed; on PostgreSQL each story became
two candidates)."""

from __future__ import annotations

import json
import threading
import traceback
from pathlib import Path

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Candidate, HarvestRun, Post
from registry.services.harvesting import import_archive

STORIES = 40


def story(i: int) -> str:
    words = " ".join(f"kata{i}x{k}" for k in range(10))
    return f"Posko relawan nomor {i} membagikan sembako warga isoman {words}"


def archive(path: Path, prefix: str, link: str) -> Path:
    """The same stories as the other archive, each with its own short link (near-copies)."""
    with path.open("w", encoding="utf-8") as f:
        for i in range(STORIES):
            text = f"{story(i)} https://t.co/{link}{i}"
            f.write(json.dumps({"id": f"{prefix}{i}", "text": text}) + "\n")
    return path


def test_concurrent_imports_both_finish_and_group_near_copies(app, tmp_path):
    paths = [archive(tmp_path / "a.jsonl", "a", "xx"), archive(tmp_path / "b.jsonl", "b", "yy")]
    barrier = threading.Barrier(len(paths))
    errors: list[str] = []

    def work(path: Path) -> None:
        with app.app_context():
            barrier.wait()
            try:
                import_archive(str(path), "jsonl")
            except BaseException:
                errors.append(traceback.format_exc())

    threads = [threading.Thread(target=work, args=(p,)) for p in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, "\n".join(errors)
    with app.app_context():
        statuses = db.session.scalars(select(HarvestRun.status)).all()
        assert statuses == ["done", "done"]
        assert db.session.scalar(select(func.count()).select_from(Post)) == 2 * STORIES
        assert db.session.scalar(select(func.count()).select_from(Candidate)) == STORIES
