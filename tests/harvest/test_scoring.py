"""Scoring in a forked process: the same candidates and scores as inline scoring, one
transaction per page, and a broken or dying scorer never loses posts."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text

from registry.extensions import db
from registry.harvest.archives import FileSource
from registry.harvest.base import HarvestedPost, Page, TransientError
from registry.harvest.dedup import forget_indexes
from registry.harvest.runner import PROCESS_SCORING_MIN_BYTES, Runner, Settings, _Lookahead
from registry.models import Candidate, HarvestError, HarvestRun, Post

NOW = dt.datetime(2020, 6, 1, 12, 0)
ACTORS = ("Pemkot Bandung", "Pemkab Sleman", "Dinkes Kota Surabaya", "Desa Panggungharjo")
THINGS = ("aplikasi antar obat", "posko relawan covid", "dapur umum", "wastafel portabel")
NOISE = ("psbb lagi psbb lagi", "di rumah aja nonton drakor", "ojol sepi orderan dari pagi")


def write_archive(path: Path, n: int, seed: int = 4) -> Path:
    """n posts over several pages: originals, retweets and copies with other links, some of
    a copy's pages later than its original's (so candidates are updated across pages)."""
    rng = random.Random(seed)
    originals: list[str] = []
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            if originals and rng.random() < 0.4:
                text = rng.choice(originals[-1500:])
                text = f"RT @u{i % 7}: {text}" if rng.random() < 0.5 else f"{text} t.co/x{i}"
            else:
                if rng.random() < 0.5:
                    text = f"{rng.choice(NOISE)} hari ke {i} kode {i * 7919 % 100003:x}"
                else:
                    text = (
                        f"{rng.choice(ACTORS)} membuka {rng.choice(THINGS)} untuk warga "
                        f"isolasi mandiri, laporan {i} kode {i * 7919 % 100003:x}"
                    )
                originals.append(text)
            row = {"id": f"s{i}", "text": text, "author": f"u{i % 7}", "lang": "id"}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def runner(scoring: str, predictor: Any = "auto") -> Runner:
    return Runner(
        Settings(scoring=scoring), sleep=lambda s: None, clock=lambda: NOW, predictor=predictor
    )


def snapshot() -> dict[str, Any]:
    """Every candidate by its text with its counts and scores, and each post's candidate."""
    candidates = {}
    for c in db.session.execute(select(Candidate)).scalars():
        candidates[c.text] = (
            c.post_count,
            round(c.score, 9),
            c.predicted,
            c.explain,
            c.model_version,
            c.province_code,
            c.lang,
            sorted(c.platforms),
        )
    posts = dict(
        db.session.execute(
            select(Post.external_id, Candidate.text).join(
                Candidate, Post.candidate_id == Candidate.id
            )
        ).all()
    )
    return {"candidates": candidates, "posts": posts}


def wipe() -> None:
    for model in (Post, Candidate, HarvestError, HarvestRun):
        db.session.execute(delete(model))
    db.session.commit()
    forget_indexes()


def count(model: Any) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_process_scoring_stores_what_inline_scoring_stores(ctx, tmp_path):
    path = write_archive(tmp_path / "a.jsonl", 2600)
    inline = runner("inline").import_file(path, "jsonl")
    assert (inline.status, inline.pages, inline.new) == ("done", 3, 2600)
    expected = snapshot()
    assert {v[4] for v in expected["candidates"].values()} == {"rules"}
    assert len({v[1] for v in expected["candidates"].values()}) > 1
    wipe()

    # in a second process, and interrupted after two pages: the rerun resumes
    first = runner("process").import_file(path, "jsonl", limit=2000)
    assert (first.status, first.pages, first.new) == ("done", 2, 2000)
    second = runner("process").import_file(path, "jsonl")
    assert (second.status, second.new, second.duplicates) == ("done", 600, 0)
    assert snapshot() == expected
    assert count(Post) == 2600


def test_a_broken_model_in_the_scoring_process_still_stores_the_posts(ctx, tmp_path):
    class Broken:
        def predict_posts(self, posts: Any) -> Any:
            raise RuntimeError("model file truncated")

    path = write_archive(tmp_path / "a.jsonl", 1500)
    run = runner("process", Broken()).import_file(path, "jsonl")
    assert (run.status, run.pages, run.new) == ("done", 2, 1500)
    assert count(Post) == 1500
    versions = db.session.execute(select(Candidate.model_version).distinct()).scalars().all()
    assert versions == [""]


def test_a_scoring_process_that_dies_is_replaced_by_inline_scoring(ctx, tmp_path):
    from registry.classify.predict import get_predictor

    rules = get_predictor(ctx.app.config["INSTANCE_DIR"])
    parent = os.getpid()

    class DiesInTheChild:
        """Scores in this process; the forked scorer exits at its first request."""

        def predict_posts(self, posts: Any) -> Iterator[dict[str, Any]]:
            if os.getpid() != parent:
                os._exit(3)
            return rules.predict_posts(posts)

    path = write_archive(tmp_path / "a.jsonl", 1500)
    run = runner("process", DiesInTheChild()).import_file(path, "jsonl")
    assert (run.status, run.new) == ("done", 1500)
    versions = db.session.execute(select(Candidate.model_version).distinct()).scalars().all()
    assert versions == ["rules"]


def test_auto_scores_in_a_process_only_for_large_archives(app, tmp_path):
    small = write_archive(tmp_path / "small.jsonl", 50)
    large = tmp_path / "large.jsonl"
    with large.open("w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "1", "text": "x" * PROCESS_SCORING_MIN_BYTES}) + "\n")
    with app.app_context():
        auto, inline = runner("auto"), runner("inline")
        assert not auto._scores_in_process(FileSource(small, "jsonl"))
        many_cores = (os.cpu_count() or 1) > 1
        assert auto._scores_in_process(FileSource(large, "jsonl")) == many_cores
        assert not inline._scores_in_process(FileSource(large, "jsonl"))
        assert runner("process")._scores_in_process(FileSource(small, "jsonl"))
        with pytest.raises(ValueError, match="HARVEST_SCORING"):
            runner("threads")._scores_in_process(FileSource(small, "jsonl"))


def test_a_fault_reading_ahead_is_raised_when_its_page_is_due():
    pages = [Page([HarvestedPost(platform="file", external_id="1", text="a")], resume={"n": 1})]

    def source() -> Iterator[Page]:
        yield pages[0]
        raise TransientError("connection reset")

    ahead = _Lookahead(source())
    assert next(ahead) is pages[0]
    ahead.fill()  # the fault happens here, while the first page is being stored
    ahead.fill()
    with pytest.raises(TransientError, match="connection reset"):
        next(ahead)
    with pytest.raises(StopIteration):
        next(ahead)


def write_rich_archive(path: Path, n: int) -> Path:
    """write_archive's posts with every generic field in use: links, authors' names and
    places, dates in several forms, replies, reposts by id, non-ASCII text, broken lines."""
    lines = write_archive(path, n).read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        row = json.loads(line)
        row["url"] = f"https://social.example/{row['author']}/{i}"
        row["author_name"] = f"Warga {i % 11} — Kota Bandung"
        row["user_location"] = ("Bandung", "Sleman, DIY", "")[i % 3]
        row["created_at"] = (
            f"2020-04-{1 + i % 28:02d}T08:{i % 60:02d}:05Z",
            f"2020-04-{1 + i % 28:02d}T15:{i % 60:02d}:05.25+07:00",
            1586000000 + i * 31,
            "Wed Apr 15 08:00:00 +0000 2020",
        )[i % 4]
        if i % 9 == 0:
            row["reply_to_id"] = f"s{i // 2}"
        if i % 13 == 0 and i:
            row["repost_of_id"] = f"s{i - 7}"
        if i % 17 == 0:
            row["text"] += " café ☕ ٱلسَّلَامُ"
        row["extra"] = {"n": i, "score": i / 7, "tags": ["a", "b"][: i % 3]}
        out.append(json.dumps(row, ensure_ascii=i % 2 == 0))
        if i % 500 == 250:
            out.append('{"id": "broken", "text": ')
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def every_row() -> list[tuple[Any, ...]]:
    """Every candidate, post and error row, every column as the database holds it."""
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"
    out: list[tuple[Any, ...]] = []
    for table in ("candidate", "post", "harvest_error", "harvest_run"):
        query = f"SELECT * FROM {table} ORDER BY id"
        if postgresql:  # as text: JSON exactly as stored
            query = f"SELECT t::text FROM {table} t ORDER BY id"
        out.extend((table, *row) for row in connection.exec_driver_sql(query))
    return out


def wipe_all() -> None:
    """Empty the harvest tables so that ids start again from 1."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("TRUNCATE post, candidate, harvest_error, harvest_run RESTART IDENTITY CASCADE")
        )
        db.session.commit()
    else:
        wipe()
    forget_indexes()


def test_process_mode_stores_every_column_as_inline_mode_does(ctx, tmp_path):
    """Pages read and fingerprinted in the scoring process, candidates written before their
    scores come: the same rows, column for column, as an import done in one process."""
    path = write_rich_archive(tmp_path / "rich.jsonl", 2600)
    stored = {}
    for mode in ("inline", "process"):
        wipe_all()
        first = runner(mode).import_file(path, "jsonl")
        again = runner(mode).import_file(path, "jsonl")  # every post a duplicate now
        assert (first.status, first.new, first.errors) == ("done", 2600, 5)
        assert (again.new, again.duplicates) == (0, 2600)
        stored[mode] = every_row()
    assert len(stored["inline"]) > 2600 + 1000
    assert {r[0] for r in stored["inline"]} == {"candidate", "post", "harvest_error", "harvest_run"}
    assert stored["process"] == stored["inline"]
