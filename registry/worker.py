"""Celery for the registry: one Celery app per Flask app, the job registry as its tasks, and
the dispatcher (`dispatch`) the composition root gives registry.jobs for a configured broker.

Every task runs in an application context of the Flask app the worker was started with, commits
when the job returns (the job is the edge) and rolls back when it raises. Tasks are acknowledged
after they finish (acks_late), so a worker that dies mid-task leaves it to another worker: jobs
are written to be rerun (imports skip what they already stored, runs resume from checkpoints).
Transient database errors (and a locked index, for index jobs) are retried with exponential
backoff; a job that still fails is logged with its arguments and kept in the result backend.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect

from . import jobs
from .extensions import db
from .search import SearchUnavailable

if TYPE_CHECKING:  # Celery loads when a job is first queued, not with every app
    from celery import Celery, Task

log = logging.getLogger(__name__)
CELERY_KEY = "registry.celery"
QUEUES = (jobs.DEFAULT_QUEUE, jobs.INDEX_QUEUE)
ENQUEUE_DUE = "harvest.enqueue_due"
NOTIFY_DUE = "notify.send_due"

# worth another try in a moment: the database restarted, a connection dropped, the pool was busy
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)
# another process held the index writer lock past the timeout
INDEX_TRANSIENT_ERRORS = (*TRANSIENT_ERRORS, SearchUnavailable)


class BrokerMissing(RuntimeError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} needs a broker: set REGISTRY_BROKER_URL (e.g. redis://127.0.0.1:6379/0); "
            "without it jobs run inline and no worker is needed"
        )


def celery_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    broker = str(config.get("BROKER_URL") or "")
    backend = str(config.get("RESULT_BACKEND") or "") or (
        broker if broker.startswith(("redis://", "rediss://")) else None
    )
    tick = float(config["BEAT_TICK_SECONDS"])
    return {
        "broker_url": broker,
        "result_backend": backend,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": int(config["BROKER_VISIBILITY_TIMEOUT"])
        },
        # a web request that queues a job must not hang for long when Redis is down
        "result_backend_transport_options": {
            "retry_policy": {"max_retries": 3, "interval_start": 0, "interval_step": 0.5}
        },
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "enable_utc": True,
        "timezone": "UTC",
        "task_default_queue": jobs.DEFAULT_QUEUE,
        "task_routes": {"index.*": {"queue": jobs.INDEX_QUEUE}},
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,  # long harvests: do not hoard messages
        "worker_cancel_long_running_tasks_on_connection_loss": True,  # redelivered anyway
        "beat_schedule": {
            "harvest-sources-due": {
                "task": ENQUEUE_DUE,
                "schedule": tick,
                "options": {"queue": jobs.queue_for(ENQUEUE_DUE), "expires": tick},
            },
            # digests and notices (`registry notify send`): each run sends only what is due
            "notify-send-due": {
                "task": NOTIFY_DUE,
                "schedule": float(config.get("NOTIFY_TICK_SECONDS") or 3600),
                "options": {"queue": jobs.queue_for(NOTIFY_DUE), "expires": 3600},
            },
        },
    }


def _short(value: Any, limit: int = 500) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _task_base(app: Flask) -> type[Task]:
    from celery import Task

    class AppTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return super().__call__(*args, **kwargs)

        def on_retry(
            self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
        ) -> None:
            log.warning(
                "job %s [%s] failed (%s: %s); retry %d of %d",
                self.name,
                task_id,
                type(exc).__name__,
                exc,
                self.request.retries + 1,
                self.max_retries,
            )

        def on_failure(
            self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
        ) -> None:
            log.error(
                "job %s [%s] failed: %s: %s; args=%s kwargs=%s",
                self.name,
                task_id,
                type(exc).__name__,
                exc,
                _short(args),
                _short(kwargs),
                exc_info=(type(exc), exc, exc.__traceback__),
            )

    return AppTask


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    state = sa_inspect(value, raiseerr=False)
    if state is not None and getattr(state, "mapper", None) is not None:  # a model row
        return {attr.key: getattr(value, attr.key) for attr in state.mapper.column_attrs}
    return repr(value)


def json_result(value: Any) -> Any:
    """A job's return value as JSON for the result backend: a row becomes the dict of its
    columns (a HarvestRun: its counts and status), anything else unknown its repr, so that a
    job that did its work never ends as a failure for want of a serializable result."""
    return json.loads(json.dumps(value, default=_json_default))


def _committing(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The job as an edge: commit what it flushed, roll back when it raised."""

    def job(*args: Any, **kwargs: Any) -> Any:
        return json_result(jobs.as_edge(fn, *args, **kwargs))

    job.__name__ = getattr(fn, "__name__", "job")
    job.__module__ = getattr(fn, "__module__", __name__)
    job.__doc__ = fn.__doc__
    return job


def make_celery(app: Flask) -> Celery:
    """A Celery app bound to `app`, with every registered job as a task."""
    from celery import Celery

    celery = Celery("registry", set_as_current=False)
    celery.config_from_object(celery_settings(app.config))
    base = _task_base(app)
    jobs.load_task_modules()
    for name, fn in sorted(jobs.TASKS.items()):
        celery.task(
            name=name,
            base=base,
            shared=False,
            lazy=False,
            autoretry_for=INDEX_TRANSIENT_ERRORS
            if jobs.queue_for(name) == jobs.INDEX_QUEUE
            else TRANSIENT_ERRORS,
            retry_backoff=True,
            retry_backoff_max=600,
            retry_jitter=True,
            max_retries=int(app.config["JOB_MAX_RETRIES"]),
        )(_committing(fn))
    return celery


def get_celery(app: Flask) -> Celery:
    celery = app.extensions.get(CELERY_KEY)
    if celery is None:
        celery = app.extensions[CELERY_KEY] = make_celery(app)
    return celery


def discard_celery(app: Flask) -> None:
    """Forget (and close) the app's Celery app: the next job makes a fresh one."""
    celery = app.extensions.pop(CELERY_KEY, None)
    if celery is not None:
        celery.close()


def dispatch(
    app: Flask,
    name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    *,
    queue: str,
    expires: float | None,
) -> Any:
    """registry.jobs' dispatcher: send the task to `app`'s broker; its AsyncResult."""
    from kombu.exceptions import OperationalError

    celery = get_celery(app)
    try:
        return celery.send_task(name, args=args, kwargs=kwargs, queue=queue, expires=expires)
    except (OperationalError, RuntimeError) as exc:
        # the result store's subscriber gives up with a RuntimeError caused by a connection
        # error, before anything was published; Celery says the app must then be replaced
        cause = exc if isinstance(exc, OperationalError) else exc.__cause__
        if not isinstance(cause, (OperationalError, *celery.backend.connection_errors)):
            raise
        discard_celery(app)
        log.error("job %s not queued: the broker is unreachable (%s)", name, cause)
        raise jobs.JobNotQueued(
            f"job {name!r} not queued: the broker is unreachable ({cause})"
        ) from exc


def _require_broker(app: Flask, what: str) -> None:
    if not app.config.get("BROKER_URL"):
        raise BrokerMissing(what)


def parse_queues(value: str | Iterable[str]) -> list[str]:
    names = value.split(",") if isinstance(value, str) else list(value)
    queues = [q.strip() for q in names if q.strip()]
    unknown = sorted(set(queues) - set(QUEUES))
    if not queues or unknown:
        raise ValueError(
            f"unknown queue(s) {', '.join(unknown) or '(none given)'}: "
            f"the registry's queues are {', '.join(QUEUES)}"
        )
    return queues


def _fresh_connections_in_children(app: Flask) -> None:
    # prefork children inherit the parent's pooled database connections and search handles;
    # sharing either across processes corrupts them, so each child starts with its own
    from celery.signals import worker_process_init

    def reset(**_: Any) -> None:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
        app.extensions.pop("registry.search", None)

    worker_process_init.connect(reset, weak=False)


def worker_argv(
    queues: list[str], *, concurrency: int | None, loglevel: str, hostname: str | None
) -> list[str]:
    argv = ["worker", "--queues", ",".join(queues), "--loglevel", loglevel]
    argv += ["--hostname", hostname or f"registry-{os.getpid()}@%h"]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    return argv


def start_worker(
    app: Flask,
    *,
    queues: list[str],
    concurrency: int | None = None,
    loglevel: str = "info",
    hostname: str | None = None,
) -> None:
    """Run a Celery worker in this process until it is stopped (SIGTERM: warm shutdown)."""
    _require_broker(app, "registry worker")
    celery = get_celery(app)
    _fresh_connections_in_children(app)
    celery.worker_main(
        worker_argv(queues, concurrency=concurrency, loglevel=loglevel, hostname=hostname)
    )


def start_beat(app: Flask, *, loglevel: str = "info") -> None:
    """Run the one scheduler: every BEAT_TICK_SECONDS it queues `harvest.enqueue_due`."""
    _require_broker(app, "registry beat")
    celery = get_celery(app)
    schedule = Path(app.config["INSTANCE_DIR"]) / "celerybeat-schedule"
    celery.start(["beat", "--loglevel", loglevel, "--schedule", str(schedule)])
