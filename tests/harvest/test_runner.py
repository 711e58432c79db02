"""The runner: pages stored one transaction each, checkpoints, retries, rate limits, counts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.harvest import runner as runner_module
from registry.harvest.base import (
    HarvestedPost,
    ItemError,
    Page,
    RateLimited,
    SourceError,
    TransientError,
)
from registry.harvest.runner import Runner, Settings
from registry.models import Candidate, HarvestError, HarvestRun, HarvestSource, Post
from registry.services import harvesting

NOW = dt.datetime(2020, 6, 1, 12, 0)
TEXTS = [
    "Pemkab Sleman membuka posko relawan untuk mengantar sembako ke warga isolasi mandiri",
    "Kampus UGM membagikan hand sanitizer buatan mahasiswa farmasi ke pasar tradisional",
    "Dinas Pendidikan membuka kelas daring gratis lewat radio untuk siswa tanpa internet",
    "Pemkot Surabaya memasang wastafel portabel di seratus titik keramaian kota",
    "Desa Panggungharjo membuat lumbung pangan untuk warga terdampak pembatasan sosial",
    "Puskesmas Gambir menyediakan layanan konsultasi dokter lewat WhatsApp selama pandemi",
]


class Recorder:
    """An injected sleep: records the waits, never waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class ScriptedPlatform:
    """A platform's pages with scripted faults, behind the Source protocol (the network part a
    real source would do). Page i resumes with {"page": i + 1}; `faults[i]` lists exceptions
    raised (one per attempt) before page i is served."""

    platform = "file"

    def __init__(self, pages: list[Page], faults: dict[int, list[Exception]] | None = None):
        self._pages = pages
        self.faults = faults or {}
        self.calls: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

    def pages(
        self,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[Page]:
        self.calls.append((dict(state), dict(resume) if resume else None))
        start = int(resume["page"]) if resume else 0
        for i in range(start, len(self._pages)):
            pending = self.faults.get(i)
            if pending:
                raise pending.pop(0)
            yield self._pages[i]


def make_pages(groups: list[list[int]], with_state: bool = True) -> list[Page]:
    pages = []
    for n, ids in enumerate(groups):
        posts = [
            HarvestedPost(
                platform="file", external_id=str(i), text=TEXTS[i % len(TEXTS)] + f" {i}x"
            )
            for i in ids
        ]
        last = n == len(groups) - 1
        state = {"since_id": str(max(ids))} if with_state and ids else {}
        pages.append(Page(posts, resume=None if last else {"page": n + 1}, state=state))
    return pages


@pytest.fixture
def sleep() -> Recorder:
    return Recorder()


def make_runner(sleep: Recorder, **settings: Any) -> Runner:
    return Runner(
        Settings(**settings),
        sleep=sleep,
        clock=lambda: NOW,
        jitter=lambda: 0.25,
        predictor=None,
    )


def run_scripted(
    ctx: Any, platform: ScriptedPlatform, runner: Runner, source: HarvestSource, limit=None
) -> HarvestRun:
    """Run a stored source whose harvester is the scripted platform (make_source is the factory
    the runner uses; here the platform is given directly)."""
    original = runner_module.Runner.run_source
    from registry.harvest import sources

    saved = sources.make_source
    sources.make_source = lambda row, token, timeout=30.0: platform  # type: ignore[assignment]
    try:
        return original(runner, source, limit)
    finally:
        sources.make_source = saved


@pytest.fixture
def source(ctx) -> HarvestSource:
    row = harvesting.add_source(
        name="uji", platform="mastodon", query="#covid", base_url="https://m.example", actor="t"
    )
    db.session.commit()
    return row


def count(model: Any) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_transient_error_mid_run_is_retried_from_the_checkpoint(ctx, source, sleep):
    platform = ScriptedPlatform(
        make_pages([[1, 2], [3, 4], [5]]), faults={1: [TransientError("502 bad gateway")]}
    )
    run = run_scripted(ctx, platform, make_runner(sleep), source)
    assert (run.status, run.pages, run.fetched, run.new, run.duplicates) == ("done", 3, 5, 5, 0)
    assert platform.calls[1][1] == {"page": 1}  # asked again from the stored page
    assert len(sleep.waits) == 1 and 1.0 <= sleep.waits[0] <= 2.0  # backoff 2s, jittered
    db.session.refresh(source)
    assert source.state == {"since_id": "5"}  # the greatest id; no resume left
    assert count(Post) == 5


def test_repeated_faults_stop_the_run_and_the_rerun_resumes(ctx, source, sleep):
    pages = make_pages([[1, 2], [3, 4], [5, 6]])
    faults: dict[int, list[Exception]] = {1: [TransientError("timeout")] * 3}
    platform = ScriptedPlatform(pages, faults)
    run = run_scripted(ctx, platform, make_runner(sleep, max_retries=2), source)
    assert run.status == "stopped" and run.stop_reason.startswith("gave up after 2 retries")
    assert (run.pages, run.new) == (1, 2)
    assert [w for w in sleep.waits] == [1.25, 2.5]  # 2s then 4s, times (0.5 + 0.5 * 0.25)
    db.session.refresh(source)
    assert source.state["resume"] == {"page": 1} and run.checkpoint == {"page": 1}
    assert source.state["pending"] == {"since_id": "2"}

    again = ScriptedPlatform(pages)
    rerun = run_scripted(ctx, again, make_runner(sleep), source)
    assert again.calls[0] == ({}, {"page": 1})
    assert (rerun.status, rerun.pages, rerun.new, rerun.duplicates) == ("done", 2, 4, 0)
    db.session.refresh(source)
    assert source.state == {"since_id": "6"}
    assert count(Post) == 6


def test_rate_limit_retry_after_is_honoured(ctx, source, sleep):
    platform = ScriptedPlatform(
        make_pages([[1], [2]]), faults={1: [RateLimited("429", retry_after=7)]}
    )
    run = run_scripted(ctx, platform, make_runner(sleep), source)
    assert run.status == "done" and run.new == 2
    assert sleep.waits == [7.25]


def test_rate_limit_without_retry_after_backs_off(ctx, source, sleep):
    platform = ScriptedPlatform(
        make_pages([[1]]), faults={0: [RateLimited("429"), RateLimited("429")]}
    )
    run = run_scripted(ctx, platform, make_runner(sleep, backoff_base=10), source)
    assert run.status == "done"
    assert sleep.waits == [6.25 + 0.25, 12.5 + 0.25]


def test_a_long_rate_limit_stops_the_run_until_the_next(ctx, source, sleep):
    pages = make_pages([[1, 2], [3]])
    platform = ScriptedPlatform(pages, faults={1: [RateLimited("429", retry_after=3600)]})
    run = run_scripted(ctx, platform, make_runner(sleep, max_wait=900), source)
    assert run.status == "stopped"
    assert run.stop_reason == "rate limited until 2020-06-01 13:00:00 UTC"
    assert sleep.waits == [] and run.new == 2
    rerun = run_scripted(ctx, ScriptedPlatform(pages), make_runner(sleep), source)
    assert (rerun.status, rerun.new, rerun.pages) == ("done", 1, 1)


def test_source_error_fails_the_run_with_its_reason(ctx, source, sleep):
    platform = ScriptedPlatform(make_pages([[1]]), faults={0: [SourceError("401 unauthorized")]})
    run = run_scripted(ctx, platform, make_runner(sleep), source)
    assert (run.status, run.stop_reason, run.pages) == ("failed", "401 unauthorized", 0)
    assert run.finished_at == NOW


def test_malformed_items_are_stored_as_errors(ctx, source, sleep):
    (page,) = make_pages([[1, 2]])
    page.errors = [ItemError("page 1 item 3", "status has no id", '{"content": "x"}')]
    run = run_scripted(ctx, ScriptedPlatform([page]), make_runner(sleep), source)
    assert (run.status, run.new, run.errors) == ("done", 2, 1)
    (error,) = db.session.execute(select(HarvestError)).scalars()
    assert (error.run_id, error.position, error.payload) == (
        run.id,
        "page 1 item 3",
        '{"content": "x"}',
    )
    assert error.platform == "file"


def test_guard_stop_in_the_page_state_ends_the_run(ctx, source, sleep):
    pages = make_pages([[1], [2]])
    pages[0].state = {"since_id": "1", "stopped": "next_token repeats"}
    run = run_scripted(ctx, ScriptedPlatform(pages), make_runner(sleep), source)
    assert (run.status, run.stop_reason, run.pages) == ("done", "next_token repeats", 1)
    db.session.refresh(source)
    assert source.state == {"since_id": "1"}


def test_a_source_already_running_is_not_started_twice(ctx, source, sleep):
    db.session.add(HarvestRun(kind="source", label="uji", source_id=source.id, status="running",
                              started_at=NOW - dt.timedelta(minutes=5)))  # fmt: skip
    db.session.commit()
    with pytest.raises(runner_module.AlreadyRunning):
        run_scripted(ctx, ScriptedPlatform(make_pages([[1]])), make_runner(sleep), source)


def test_two_workers_claiming_one_source_at_once_start_one_run(app, ctx, source, sleep):
    """The second claim waits for the first worker's lock, then sees its run."""
    import threading

    first = make_runner(sleep)
    first._claim(source)  # holds the lock of the source row until the run is committed
    outcome: list[object] = []

    def second_worker() -> None:
        with app.app_context():
            other = db.session.get_one(HarvestSource, source.id)
            try:
                make_runner(Recorder())._claim(other)
                outcome.append("claimed")
            except runner_module.AlreadyRunning as exc:
                outcome.append(exc)
            finally:
                db.session.rollback()

    worker = threading.Thread(target=second_worker)
    worker.start()
    worker.join(0.5)
    assert worker.is_alive() and not outcome  # waiting for the lock
    first._start(kind="source", label="uji", source_id=source.id)
    worker.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], runner_module.AlreadyRunning)
    assert count(HarvestRun) == 1


# --- imports ----------------------------------------------------------------------------


def distinct_text(i: int) -> str:
    return f"Kabar {i}: " + " ".join(f"kata{i}x{k}" for k in range(8))


def write_jsonl(path: Path, n: int, start: int = 0) -> Path:
    with path.open("a", encoding="utf-8") as f:
        for i in range(start, start + n):
            f.write(json.dumps({"id": f"p{i}", "text": distinct_text(i)}) + "\n")
    return path


def test_same_import_twice_adds_nothing_and_counts_are_exact(ctx, tmp_path, sleep):
    path = write_jsonl(tmp_path / "a.jsonl", 8)
    with path.open("a", encoding="utf-8") as f:
        f.write("{oops\n")
        f.write(json.dumps({"id": "p0b", "text": "RT @x: " + distinct_text(0)}) + "\n")
    first = make_runner(sleep).import_file(path, "jsonl")
    counts = (first.pages, first.fetched, first.new, first.duplicates, first.errors)
    assert first.status == "done" and counts == (1, 9, 9, 0, 1)
    candidates = count(Candidate)
    assert candidates == 8  # the RT joins its original
    second = make_runner(sleep).import_file(path, "jsonl")
    assert (second.fetched, second.new, second.duplicates, second.errors) == (9, 0, 9, 1)
    assert count(Post) == 9 and count(Candidate) == candidates
    assert second.checkpoint is None


def test_an_interrupted_import_resumes(ctx, tmp_path, sleep):
    path = write_jsonl(tmp_path / "a.jsonl", 10)
    first = make_runner(sleep).import_file(path, "jsonl", limit=4)
    assert (first.status, first.new, first.stop_reason) == ("done", 4, "limit of 4 posts reached")
    assert first.checkpoint is not None
    assert first.checkpoint["line"] == 4 and first.checkpoint["format"] == "jsonl"
    second = make_runner(sleep).import_file(path, "jsonl")
    assert (second.fetched, second.new, second.duplicates) == (6, 6, 0)  # lines 5-10 only
    write_jsonl(path, 2, start=10)  # appended: the head is the same, so a full reread
    third = make_runner(sleep).import_file(path, "jsonl")
    assert (third.fetched, third.new, third.duplicates) == (12, 2, 10)


def test_a_changed_file_is_read_from_the_start(ctx, tmp_path, sleep):
    path = write_jsonl(tmp_path / "a.jsonl", 6)
    make_runner(sleep).import_file(path, "jsonl", limit=3)
    path.write_text("")
    write_jsonl(path, 6, start=100)
    run = make_runner(sleep).import_file(path, "jsonl")
    assert (run.fetched, run.new) == (6, 6)


def test_candidates_are_scored_by_the_rules_without_a_model(ctx, tmp_path, sleep):
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps({"id": "1", "text": "Pemkot Bandung meluncurkan aplikasi antar obat gratis "
                    "untuk warga isolasi mandiri di Kota Bandung", "author": "humas_bdg"}) + "\n"
        + json.dumps({"id": "2", "text": "selamat pagi semua, cuaca cerah hari ini"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    runner = Runner(Settings(), sleep=sleep, clock=lambda: NOW)
    run = runner.import_file(path, "jsonl")
    assert run.new == 2
    good, noise = db.session.execute(select(Candidate).order_by(Candidate.id)).scalars()
    assert good.model_version == "rules" and good.score > noise.score
    assert set(good.predicted) == {"sectors", "focus", "innovator_type", "province", "regency"}
    assert good.province_code == "32" and good.predicted["province"]["code"] == "32"
    assert good.explain


def test_a_broken_classifier_leaves_candidates_unscored(ctx, tmp_path, sleep):
    class Broken:
        def predict_posts(self, posts: Any) -> Any:
            raise RuntimeError("model file truncated")

    path = write_jsonl(tmp_path / "a.jsonl", 3)
    runner = Runner(Settings(), sleep=sleep, clock=lambda: NOW, predictor=Broken())
    run = runner.import_file(path, "jsonl")
    assert (run.status, run.new) == ("done", 3)
    assert {c.model_version for c in db.session.execute(select(Candidate)).scalars()} == {""}


# --- a live source against a local server -----------------------------------------------


def test_mastodon_source_429_then_success(ctx, sleep):
    from tests.harvest.httpserver import Reply, ScriptedServer

    fixtures = Path(__file__).resolve().parent / "fixtures" / "mastodon"
    page = json.loads((fixtures / "tag_page1.json").read_text(encoding="utf-8"))
    with ScriptedServer() as server:
        path = "/api/v1/timelines/tag/covid"
        server.add(path, Reply(429, body={"error": "slow down"}, headers={"Retry-After": "3"}))
        server.add(path, Reply(200, body=page))
        server.add(path, Reply(200, body=[]))
        row = harvesting.add_source(
            name="live", platform="mastodon", query="#covid", base_url=server.url, actor="t"
        )
        db.session.commit()
        run = make_runner(sleep).run_source(row)
    boosts = sum(1 for s in page if s.get("reblog"))  # a boost brings its original along
    assert run.status == "done" and run.new == len(page) + boosts == run.fetched, run.stop_reason
    assert sleep.waits == [3.25]
    db.session.refresh(row)
    # the fixture's statuses are on another host than the server's: none is rechecked
    assert row.state == {
        "since_id": max((s["id"] for s in page), key=int),
        "recheck": {"after": 0},
    }


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # exited and reaped: no process has this id now (short of reuse)


def test_a_run_whose_process_died_is_failed_at_once_not_after_hours(ctx, source, sleep):
    import socket

    from registry.services import scheduling

    # a worker killed a minute into its run: its row still says "running"
    killed = HarvestRun(
        source_id=source.id, label=source.name, status="running",
        started_at=NOW - dt.timedelta(minutes=1),
        stop_reason=f"running in process {_dead_pid()} on {socket.gethostname()} (start 1)",
    )  # fmt: skip
    db.session.add(killed)
    db.session.commit()
    assert [s.id for s in scheduling.due_sources(NOW)] == [source.id]  # not held up by it
    platform = ScriptedPlatform(make_pages([[1, 2]]))
    run = run_scripted(ctx, platform, make_runner(sleep), source)
    assert run.status == "done" and run.new == 2
    db.session.refresh(killed)
    assert killed.status == "failed" and "stopped" in killed.stop_reason


def test_a_live_run_still_holds_its_source(ctx, source, sleep):
    started = make_runner(sleep)._start(kind="source", label=source.name, source_id=source.id)
    assert started.stop_reason.startswith("running in process ")  # this process: alive
    with pytest.raises(runner_module.AlreadyRunning):
        run_scripted(ctx, ScriptedPlatform(make_pages([[1]])), make_runner(sleep), source)
