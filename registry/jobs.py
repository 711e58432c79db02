"""Background jobs: inline by default, on workers through a dispatcher when a broker is configured.

Tasks register by name with @task. `run(name, ...)` calls the function in this process when
REGISTRY_BROKER_URL is unset (the caller commits, as before); with a broker it hands the task to
the app's dispatcher and returns what that returns (a handle on the queued task). This module
knows no queueing library: the composition root registers one with `init_app` (registry.worker's
Celery dispatcher), and a dispatcher that cannot queue raises JobNotQueued.

`start(name, ...)` is for work nobody waits for (retraining after curator decisions): with a
broker it is `run`; without one the job runs in a background thread of this process, in an app
context, committing when it returns as a worker would. `wait_idle()` waits for those threads.

Index updates go to the "index" queue, which only the host holding the Whoosh index consumes;
everything else to "default". Arguments must survive JSON either way, so a job that works
inline also works on a worker.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from flask import Flask, current_app, has_app_context

from .extensions import db

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
TASKS: dict[str, Callable[..., Any]] = {}

DEFAULT_QUEUE = "default"
INDEX_QUEUE = "index"
# the modules whose import registers tasks; a worker imports them all before it starts
TASK_MODULES = (
    "registry.services.indexing",
    "registry.services.scheduling",
    "registry.services.harvesting",
    "registry.services.curation",
    "registry.services.digests",
)
DISPATCHER_KEY = "registry.jobs.dispatcher"


class JobNotQueued(RuntimeError):
    """The broker could not be reached or refused the task: it was not queued."""


class Dispatcher(Protocol):
    """Sends a job to the workers of `app`'s broker; returns a handle on the queued task, or
    raises JobNotQueued. `expires` (seconds) drops the task if no worker started it by then."""

    def __call__(
        self,
        app: Flask,
        name: str,
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        queue: str,
        expires: float | None,
    ) -> Any: ...


def init_app(app: Flask, dispatcher: Dispatcher) -> None:
    """Use `dispatcher` for `app`'s jobs whenever its BROKER_URL is set."""
    app.extensions[DISPATCHER_KEY] = dispatcher


def task(name: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        TASKS[name] = fn
        return fn

    return register


def load_task_modules() -> None:
    """Import every module that defines tasks, so that a worker knows them all."""
    for module in TASK_MODULES:
        importlib.import_module(module)


def lookup(name: str) -> Callable[..., Any]:
    if name not in TASKS:
        load_task_modules()
    try:
        return TASKS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}") from None


def queue_for(name: str) -> str:
    return INDEX_QUEUE if name.startswith("index.") else DEFAULT_QUEUE


def broker_configured() -> bool:
    return has_app_context() and bool(current_app.config.get("BROKER_URL"))


def _check_json(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    try:
        json.dumps([list(args), dict(kwargs)])
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"job {name!r}: arguments must be JSON values (str, int, float, bool, None, "
            f"lists and dicts of them): {exc}"
        ) from None


def run(name: str, *args: Any, **kwargs: Any) -> Any:
    """Run a job: inline (its return value) or on a worker (the dispatcher's handle)."""
    return enqueue(name, args, kwargs)


def enqueue(
    name: str,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    *,
    expires: float | None = None,
) -> Any:
    """`run` with queueing options: `expires` (seconds) drops the task if no worker started it
    by then. Inline, the options mean nothing and the job runs now."""
    kwargs = dict(kwargs or {})
    fn = lookup(name)
    _check_json(name, args, kwargs)
    if not broker_configured():
        return fn(*args, **kwargs)
    return _dispatch(name, list(args), kwargs, expires)


def _dispatch(name: str, args: list[Any], kwargs: dict[str, Any], expires: float | None) -> Any:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    dispatcher: Dispatcher | None = app.extensions.get(DISPATCHER_KEY)
    if dispatcher is None:
        raise JobNotQueued(f"job {name!r} not queued: no dispatcher for REGISTRY_BROKER_URL")
    return dispatcher(app, name, args, kwargs, queue=queue_for(name), expires=expires)


def as_edge(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a job as an edge does: commit what it flushed, roll back when it raised."""
    try:
        result = fn(*args, **kwargs)
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


# ------------------------------------------------------------------ jobs nobody waits for

_background: list[threading.Thread] = []
_background_lock = threading.Lock()


def start(name: str, *args: Any, **kwargs: Any) -> Any:
    """Start a job without waiting for it: on a worker with a broker (the dispatcher's handle),
    else in a background thread of this process (the thread). A failure in the thread is
    logged, as a worker logs it."""
    fn = lookup(name)
    _check_json(name, args, kwargs)
    if broker_configured():
        return _dispatch(name, list(args), dict(kwargs), None)
    # the thread works in the app that started it (outside one, Flask raises RuntimeError)
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def work() -> None:
        with app.app_context():
            try:
                as_edge(fn, *args, **kwargs)
            except Exception:
                log.exception("job %s failed", name)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"job {name}", daemon=True)
    with _background_lock:
        _background[:] = [t for t in _background if t.is_alive()]
        _background.append(thread)
    thread.start()
    return thread


def wait_idle(timeout: float | None = None) -> bool:
    """Wait for the jobs `start` runs in this process to finish (at most `timeout` seconds in
    all); True when none is left running."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with _background_lock:
        threads = list(_background)
    for thread in threads:
        thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in threads)
