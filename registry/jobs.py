"""Background jobs: run inline by default.

Tasks register by name with @task. `run(name, ...)` calls the function in this process; once a
broker is configured (issue 4) the same names become Celery tasks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
TASKS: dict[str, Callable[..., Any]] = {}


def task(name: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        TASKS[name] = fn
        return fn

    return register


def run(name: str, *args: Any, **kwargs: Any) -> Any:
    try:
        fn = TASKS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}") from None
    return fn(*args, **kwargs)
