"""registry.jobs: inline without a broker, Celery messages on the right queue with one."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest
from celery.result import AsyncResult

from registry import jobs
from tests.jobs_helpers import close_broker, queued, redis_url, use_broker  # noqa: F401

CALLS: list[tuple[object, ...]] = []


@pytest.fixture
def echo_job() -> Iterator[str]:
    @jobs.task("test.echo")
    def echo(value, *, twice=False):
        CALLS.append((value, twice))
        return [value, value] if twice else value

    CALLS.clear()
    yield "test.echo"
    jobs.TASKS.pop("test.echo", None)


def test_run_without_app_context_is_inline(echo_job):
    assert jobs.run(echo_job, 3, twice=True) == [3, 3]
    assert CALLS == [(3, True)]


def test_run_without_broker_is_inline(ctx, echo_job):
    assert jobs.broker_configured() is False
    assert jobs.run(echo_job, "x") == "x"
    assert CALLS == [("x", False)]


def test_unknown_job_is_a_lookup_error(ctx):
    with pytest.raises(LookupError, match="no job named 'nope.nothing'"):
        jobs.run("nope.nothing")


def test_arguments_must_be_json_even_inline(ctx, echo_job):
    # a job that works inline must work on a worker too: refuse what JSON cannot carry
    with pytest.raises(TypeError, match="must be JSON values"):
        jobs.run(echo_job, pathlib.Path("/tmp/a.jsonl"))
    assert CALLS == []


def test_known_jobs_are_registered_with_their_queues():
    jobs.load_task_modules()
    assert {
        "index.sync_ids",
        "index.sync",
        "index.rebuild",
        "harvest.enqueue_due",
        "harvest.run_source",
        "harvest.import",
        "classify.retrain",
    } <= set(jobs.TASKS)
    assert jobs.queue_for("index.sync_ids") == "index"
    assert jobs.queue_for("harvest.run_source") == "default"
    assert jobs.queue_for("classify.retrain") == "default"


def test_index_sync_inline_updates_the_index_after_commit(app, client, innovation_data):
    from registry.extensions import db
    from registry.services import catalogue

    with app.app_context():
        catalogue.create(innovation_data(), actor="test", status="published")
        db.session.commit()
    found = client.get("/api/v1/innovations?q=antar obat").get_json()
    assert found["total"] == 1


def test_with_broker_the_job_is_queued_not_run(app, redis_url, echo_job):  # noqa: F811
    use_broker(app, redis_url)
    try:
        with app.app_context():
            assert jobs.broker_configured()
            result = jobs.run(echo_job, 7, twice=True)
            index_result = jobs.run("index.sync_ids", [1, 2])
    finally:
        close_broker(app)
    assert CALLS == []  # nothing ran here
    assert isinstance(result, AsyncResult) and result.id
    assert queued(redis_url, "default") == [
        {"task": "test.echo", "args": [7], "kwargs": {"twice": True}, "expires": None}
    ]
    [message] = queued(redis_url, "index")
    assert (message["task"], message["args"]) == ("index.sync_ids", [[1, 2]])
    assert index_result.id != result.id


def test_expires_is_sent_with_the_message(app, redis_url, echo_job):  # noqa: F811
    use_broker(app, redis_url)
    try:
        with app.app_context():
            jobs.enqueue(echo_job, ["a"], expires=900)
    finally:
        close_broker(app)
    [message] = queued(redis_url, "default")
    assert message["expires"]  # an ISO timestamp about 15 minutes ahead
    assert message["args"] == ["a"]


def test_unreachable_broker_says_the_job_was_not_queued(app, echo_job):
    # port 1 on this machine: nothing listens there, the connection is refused at once
    use_broker(app, "redis://127.0.0.1:1/0")
    try:
        with app.app_context(), pytest.raises(jobs.JobNotQueued, match="not queued"):
            jobs.run(echo_job, 1)
    finally:
        close_broker(app)
    assert CALLS == []


# -- jobs nobody waits for ----------------------------------------------------------------


def test_start_without_broker_runs_in_a_background_thread_with_the_app(app):
    from flask import current_app

    seen: list[object] = []

    @jobs.task("test.background")
    def background(value):
        seen.append((value, current_app.name))

    try:
        with app.app_context():
            thread = jobs.start("test.background", 5)
        assert jobs.wait_idle(timeout=30)
    finally:
        jobs.TASKS.pop("test.background", None)
    assert not thread.is_alive()
    assert seen == [(5, app.name)]


def test_a_failing_background_job_is_logged_not_raised(app, caplog):
    @jobs.task("test.failing")
    def failing():
        raise RuntimeError("boom")

    try:
        with app.app_context():
            jobs.start("test.failing")
        assert jobs.wait_idle(timeout=30)
    finally:
        jobs.TASKS.pop("test.failing", None)
    [record] = [r for r in caplog.records if r.name == "registry.jobs"]
    assert record.levelname == "ERROR" and "test.failing failed" in record.getMessage()


def test_a_broker_without_a_dispatcher_is_not_queued(app, echo_job):
    # an app built without create_app's wiring (a bare app) cannot reach any broker
    app.config["BROKER_URL"] = "redis://127.0.0.1:1/0"
    dispatcher = app.extensions.pop(jobs.DISPATCHER_KEY)
    try:
        with app.app_context(), pytest.raises(jobs.JobNotQueued, match="no dispatcher"):
            jobs.start(echo_job, 1)
    finally:
        app.extensions[jobs.DISPATCHER_KEY] = dispatcher
        app.config["BROKER_URL"] = ""
    assert CALLS == []
