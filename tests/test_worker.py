"""Celery workers: the task wrappers, the harvest schedule, the CLI, and a real worker on Redis."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from registry import jobs
from registry.cli.workers import beat, worker
from registry.extensions import db
from registry.models import HarvestRun, HarvestSource, Post
from registry.search import SearchUnavailable
from registry.services import scheduling
from registry.worker import make_celery, parse_queues
from tests.jobs_helpers import close_broker, queued, redis_url, use_broker  # noqa: F401

T0 = dt.datetime(2020, 5, 20, 3, 0, 0)  # naive UTC, as the database keeps it
BIN = Path(sys.executable).parent


def at(minutes: float = 0) -> Any:
    return time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False)


def add_source(name: str, **values: Any) -> HarvestSource:
    values = {"platform": "rss", "query": f"https://{name}.example/feed", **values}
    source = HarvestSource(name=name, **values)
    db.session.add(source)
    db.session.flush()
    return source


# -- the schedule ------------------------------------------------------------------------


def test_due_sources(ctx):
    ago = lambda minutes: T0 - dt.timedelta(minutes=minutes)  # noqa: E731
    add_source("never-run")
    add_source("overdue", last_run_at=ago(20))
    add_source("just-due", last_run_at=ago(15))
    add_source("recent", last_run_at=ago(5))
    add_source("disabled", enabled=False)
    add_source("manual-only", every_seconds=0)
    add_source("hourly", every_seconds=3600, last_run_at=ago(30))
    busy = add_source("busy", last_run_at=ago(60))
    stale = add_source("stale-run", last_run_at=ago(60))
    finished = add_source("finished-run", last_run_at=ago(60))
    db.session.add_all(
        [
            HarvestRun(source_id=busy.id, label="busy", status="running", started_at=ago(10)),
            # a run "running" for seven hours was left by a dead worker: it no longer blocks
            HarvestRun(source_id=stale.id, label="s", status="running", started_at=ago(420)),
            HarvestRun(source_id=finished.id, label="f", status="finished", started_at=ago(50)),
        ]
    )
    db.session.commit()

    with at(0):
        names = [s.name for s in scheduling.due_sources()]
    assert names == ["never-run", "overdue", "just-due", "stale-run", "finished-run"]
    with at(-60):  # an hour earlier only the never-run source was due
        assert [s.name for s in scheduling.due_sources()] == ["never-run"]


def test_a_claim_is_won_once(ctx):
    source = add_source("feed", every_seconds=900)
    db.session.commit()
    assert scheduling.claim_source(source.id, None, T0) is True
    # a second caller that saw the same old value loses: the row has moved on
    assert scheduling.claim_source(source.id, None, T0) is False
    assert scheduling.claim_source(source.id, T0 - dt.timedelta(hours=1), T0) is False
    db.session.commit()
    assert db.session.get_one(HarvestSource, source.id).last_run_at == T0


def test_claims_follow_the_interval(ctx):
    add_source("quarter", every_seconds=900)
    add_source("hourly", every_seconds=3600)
    db.session.commit()
    with at(0):
        assert [c.name for c in scheduling.claim_due_sources()] == ["quarter", "hourly"]
        db.session.commit()
        assert scheduling.claim_due_sources() == []  # the next tick, same minute: nothing
    with at(14):
        assert scheduling.claim_due_sources() == []
    with at(15):
        [claim] = scheduling.claim_due_sources()
        assert (claim.name, claim.every_seconds) == ("quarter", 900)
    db.session.commit()
    stored = dict(db.session.execute(select(HarvestSource.name, HarvestSource.last_run_at)).all())
    assert stored == {"quarter": T0 + dt.timedelta(minutes=15), "hourly": T0}


def test_enqueue_due_queues_each_source_once(app, redis_url):  # noqa: F811
    use_broker(app, redis_url)
    try:
        with app.app_context():
            add_source("kemenpan", every_seconds=900)
            add_source("jabar", every_seconds=1800)
            add_source("off", enabled=False)
            db.session.commit()
            with at(0):
                assert scheduling.enqueue_due() == ["kemenpan", "jabar"]
                assert scheduling.enqueue_due() == []
    finally:
        close_broker(app)
    messages = queued(redis_url, "default")
    assert [(m["task"], m["args"]) for m in messages] == [
        ("harvest.run_source", ["kemenpan"]),
        ("harvest.run_source", ["jabar"]),
    ]
    # a run that waits longer than its source's interval is dropped, not piled up
    expires = [dt.datetime.fromisoformat(m["expires"]).replace(tzinfo=None) for m in messages]
    assert expires == [T0 + dt.timedelta(seconds=900), T0 + dt.timedelta(seconds=1800)]
    assert queued(redis_url, "index") == []


# -- the task wrappers, run eagerly in this process ---------------------------------------


@pytest.fixture
def test_jobs() -> Iterator[dict[str, list[str]]]:
    calls: list[str] = []

    def add(name):
        add_source(name)
        calls.append(name)
        return name

    def flaky(name):
        calls.append(name)
        if len(calls) < 3:
            raise sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        add_source(name)
        return len(calls)

    def broken(name):
        add_source(name)
        calls.append(name)
        raise ValueError("not a transient problem")

    def locked_index():
        calls.append("index")
        raise SearchUnavailable("locked by another writer")

    registered: dict[str, Callable[..., Any]] = {
        "test.add": add,
        "test.flaky": flaky,
        "test.broken": broken,
        "index.test_locked": locked_index,
    }
    jobs.TASKS.update(registered)
    try:
        yield {"calls": calls}
    finally:
        for name in registered:
            jobs.TASKS.pop(name, None)


def source_names(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(HarvestSource.name).order_by(HarvestSource.id)))


def test_every_job_is_a_task_with_the_house_policy(app):
    celery = make_celery(app)
    assert {"index.sync_ids", "harvest.enqueue_due"} <= set(celery.tasks)
    sync = celery.tasks["index.sync_ids"]
    assert sync.acks_late and sync.reject_on_worker_lost
    assert sync.max_retries == app.config["JOB_MAX_RETRIES"]
    assert SearchUnavailable in sync.autoretry_for  # a locked index is worth waiting for
    assert SearchUnavailable not in celery.tasks["harvest.enqueue_due"].autoretry_for
    assert sa_exc.OperationalError in celery.tasks["harvest.enqueue_due"].autoretry_for
    assert celery.conf.task_serializer == "json" and celery.conf.accept_content == ["json"]
    assert celery.amqp.router.route({}, "index.sync_ids")["queue"].name == "index"
    assert celery.amqp.router.route({}, "harvest.run_source")["queue"].name == "default"
    beat_entry = celery.conf.beat_schedule["harvest-sources-due"]
    assert (beat_entry["task"], beat_entry["schedule"]) == ("harvest.enqueue_due", 60.0)


def test_a_task_runs_in_the_app_and_commits(app, test_jobs):
    celery = make_celery(app)
    result = celery.tasks["test.add"].apply(args=["committed"])
    assert result.get() == "committed"
    assert source_names(app) == ["committed"]  # visible from another session: committed


def test_transient_database_errors_are_retried(app, test_jobs):
    celery = make_celery(app)
    result = celery.tasks["test.flaky"].apply(args=["third-time"])
    assert result.get() == 3
    assert test_jobs["calls"] == ["third-time"] * 3
    assert source_names(app) == ["third-time"]


def test_a_failed_task_is_rolled_back_and_logged(app, test_jobs, caplog):
    celery = make_celery(app)
    result = celery.tasks["test.broken"].apply(args=["never-stored"])
    assert result.failed()
    assert test_jobs["calls"] == ["never-stored"]  # not transient: no retry
    assert source_names(app) == []
    [record] = [r for r in caplog.records if r.name == "registry.worker"]
    assert record.levelname == "ERROR"
    assert "test.broken" in record.getMessage() and "never-stored" in record.getMessage()
    assert "not a transient problem" in record.getMessage()


def test_a_locked_index_is_retried_then_reported(app, test_jobs, caplog):
    app.config["JOB_MAX_RETRIES"] = 2
    celery = make_celery(app)
    result = celery.tasks["index.test_locked"].apply()
    assert result.failed()
    assert test_jobs["calls"] == ["index"] * 3  # the first try and two retries
    levels = [r.levelname for r in caplog.records if r.name == "registry.worker"]
    assert levels == ["WARNING", "WARNING", "ERROR"]


# -- the command line ---------------------------------------------------------------------


def test_worker_and_beat_need_a_broker(app):
    app.config["BROKER_URL"] = ""
    runner = app.test_cli_runner()
    for command in (worker, beat):
        result = runner.invoke(command, [])
        assert result.exit_code == 1
        assert "needs a broker: set REGISTRY_BROKER_URL" in result.output


def test_worker_refuses_unknown_queues(app):
    app.config["BROKER_URL"] = "redis://127.0.0.1:1/0"  # never contacted
    result = app.test_cli_runner().invoke(worker, ["--queues", "index,harvest"])
    assert result.exit_code == 1
    assert "unknown queue(s) harvest" in result.output
    assert parse_queues(" index , default ") == ["index", "default"]


# -- real processes on the local Redis ----------------------------------------------------


def _env(app: Flask, broker: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        REGISTRY_INSTANCE_DIR=app.config["INSTANCE_DIR"],
        REGISTRY_INDEX_DIR=app.config["INDEX_DIR"],
        REGISTRY_DATABASE_URL=app.config["DATABASE_URL"],
        REGISTRY_SECRET_KEY="test-secret",
        REGISTRY_BROKER_URL=broker,
        # the harvest tests' stand-in servers listen on 127.0.0.1 (registry.harvest.policy)
        REGISTRY_HARVEST_ALLOW_PRIVATE_HOSTS="1",
        **extra,
    )
    return env


class Process:
    """A `registry` subprocess in its own process group, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [str(BIN / "registry"), *args],
            env=env,
            cwd=log.parent,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)  # warm shutdown
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=20)
            # the pool's children too, whatever happened to their parent
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        finally:
            self._out.close()


@pytest.fixture
def start(app: Flask, redis_url: str, tmp_path: Path) -> Iterator[Callable[..., Process]]:  # noqa: F811
    """Start `registry ARGS...` against the test's database and Redis; stopped at the end."""
    started: list[Process] = []

    def run(*args: str, **env: str) -> Process:
        log = tmp_path / f"{args[0]}-{len(started)}.log"
        process = Process(list(args), _env(app, redis_url, **env), log)
        started.append(process)
        return process

    use_broker(app, redis_url)
    try:
        yield run
    finally:
        close_broker(app)
        for process in started:
            process.stop()


def wait_for(check: Callable[[], Any], process: Process, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        assert process.proc.poll() is None, f"the process stopped:\n{process.tail()}"
        time.sleep(0.5)
    pytest.fail(f"nothing after {timeout} s; the process said:\n{process.tail()}")


def test_a_real_worker_updates_the_index(app, client, start, innovation_data):
    from registry.services import catalogue

    index_worker = start("worker", "--queues", "index,default", "--concurrency", "1")
    with app.app_context():
        # the commit queues index.sync_ids on the "index" queue; only the worker indexes it
        innovation = catalogue.create(innovation_data(), actor="test", status="published")
        db.session.commit()
        innovation_id = innovation.id
        assert client.get("/api/v1/innovations?q=antar obat").get_json()["total"] == 0

        def found() -> list[int]:
            body = client.get("/api/v1/innovations?q=antar obat").get_json()
            return [r["id"] for r in body["results"]]

        assert wait_for(found, index_worker) == [innovation_id]

        # a job's result comes back through the result backend
        result = jobs.run("index.sync")
        assert isinstance(result.id, str)
        assert result.get(timeout=120) == {"upserted": 0, "removed": 0}
    assert "registry-" in index_worker.tail() and "ready" in index_worker.tail()


def test_a_real_worker_runs_a_harvest_import(app, start, tmp_path):
    archive = tmp_path / "posts.jsonl"
    rows = [
        {
            "id": f"g{i}",
            "text": f"Posko relawan desa {i} membagikan masker dan hand sanitizer gratis",
            "author": f"warga{i}",
            "url": f"https://example.org/p/{i}",
            "created_at": "2020-05-20T03:00:00Z",
        }
        for i in range(5)
    ]
    archive.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    harvest_worker = start("worker", "--queues", "default", "--concurrency", "1")
    with app.app_context():
        result = jobs.run("harvest.import", str(archive), "jsonl")
        run = result.get(timeout=180)  # the HarvestRun, as the dict of its columns
        assert (run["kind"], run["status"], run["new"]) == ("import", "done", 5)
        stored = set(db.session.scalars(select(Post.external_id).where(Post.platform == "file")))
    assert stored == {f"g{i}" for i in range(5)}, harvest_worker.tail()


def test_beat_runs_a_due_source_through_a_worker(app, start):
    """The whole schedule: beat ticks, a worker claims the due source and queues its run, a
    worker harvests it (an RSS feed on 127.0.0.1) into the database."""
    from tests.harvest.httpserver import Reply, ScriptedServer

    feed = (Path(__file__).parent / "harvest" / "fixtures" / "rss" / "rss20.xml").read_bytes()
    with ScriptedServer() as server:
        server.add(
            "/feed.xml", Reply(200, body=feed, headers={"Content-Type": "application/rss+xml"})
        )
        with app.app_context():
            source_id = add_source("kemkes", query=server.url + "/feed.xml", every_seconds=3600).id
            db.session.commit()
        harvest_worker = start("worker", "--concurrency", "1")
        start("beat", REGISTRY_BEAT_TICK_SECONDS="1")

        def harvested() -> list[tuple[str, int]]:
            with app.app_context():
                runs = db.session.execute(
                    select(HarvestRun.status, HarvestRun.new).where(
                        HarvestRun.source_id == source_id, HarvestRun.status != "running"
                    )
                ).all()
                db.session.rollback()  # see the worker's later commits on the next look
                return [(status, new) for status, new in runs]

        runs = wait_for(harvested, harvest_worker)
        assert len(server.requests_to("/feed.xml")) == 1  # claimed once, run once
    assert runs == [("done", 3)], harvest_worker.tail()  # the fixture's 4th item is malformed
    with app.app_context():
        posts = db.session.scalar(
            select(func.count()).select_from(Post).where(Post.source_id == source_id)
        )
        assert posts == 3
        assert db.session.get_one(HarvestSource, source_id).last_run_at is not None
    log = harvest_worker.tail()
    assert "harvest.enqueue_due" in log and "harvest.run_source" in log
