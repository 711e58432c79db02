"""Background jobs: inline by default, Celery tasks on workers when a broker is configured.

Tasks register by name with @task. `run(name, ...)` calls the function in this process when
REGISTRY_BROKER_URL is unset (the caller commits, as before); with a broker it sends the task to
the workers (registry/worker.py) and returns its AsyncResult. Index updates go to the "index"
queue, which only the host holding the Whoosh index consumes; everything else to "default".
Arguments must survive JSON either way, so a job that works inline also works on a worker.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask import current_app, has_app_context

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
TASKS: dict[str, Callable[..., Any]] = {}

DEFAULT_QUEUE = "default"
INDEX_QUEUE = "index"
# the modules whose import registers tasks; a worker imports them all before it starts
TASK_MODULES = (
    "registry.services.indexing",
    "registry.services.scheduling",
    "registry.harvest.runner",
    "registry.services.curation",
    "registry.services.digests",
)


class JobNotQueued(RuntimeError):
    """The broker could not be reached or refused the task: it was not queued."""


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
    """Run a job: inline (its return value) or on a worker (its AsyncResult)."""
    return enqueue(name, args, kwargs)


def enqueue(
    name: str,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    *,
    expires: float | None = None,
) -> Any:
    """`run` with Celery options: `expires` (seconds) drops the task if no worker started it by
    then. Inline, the options mean nothing and the job runs now."""
    kwargs = dict(kwargs or {})
    fn = lookup(name)
    _check_json(name, args, kwargs)
    if not broker_configured():
        return fn(*args, **kwargs)

    from kombu.exceptions import OperationalError

    from .worker import discard_celery, get_celery

    celery = get_celery(current_app)
    try:
        return celery.send_task(
            name, args=list(args), kwargs=kwargs, queue=queue_for(name), expires=expires
        )
    except (OperationalError, RuntimeError) as exc:
        # the result store's subscriber gives up with a RuntimeError caused by a connection
        # error, before anything was published; Celery says the app must then be replaced
        cause = exc if isinstance(exc, OperationalError) else exc.__cause__
        if not isinstance(cause, (OperationalError, *celery.backend.connection_errors)):
            raise
        discard_celery(current_app)
        log.error("job %s not queued: the broker is unreachable (%s)", name, cause)
        raise JobNotQueued(f"job {name!r} not queued: the broker is unreachable ({cause})") from exc
