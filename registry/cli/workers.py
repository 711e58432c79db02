"""`registry worker` and `registry beat`: the Celery worker and the one scheduler."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..database import require_initialized
from .errors import Command, fail

LOGLEVELS = click.Choice(["debug", "info", "warning", "error"], case_sensitive=False)


@click.command(cls=Command)
@click.option(
    "--queues",
    "-Q",
    default="default",
    show_default=True,
    help="Comma-separated queues: default (harvests, scoring), index (search index updates; "
    "only on the host that holds the index).",
)
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per CPU).",
)
@click.option("--loglevel", "-l", default="info", show_default=True, type=LOGLEVELS)
@with_appcontext
def worker(queues: str, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker for background jobs (needs REGISTRY_BROKER_URL)."""
    from ..jobs import INDEX_QUEUE
    from ..worker import BrokerMissing, parse_queues, start_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        chosen = parse_queues(queues)
        if not app.config.get("BROKER_URL"):
            raise BrokerMissing("registry worker")
    except (ValueError, BrokerMissing) as exc:
        fail(str(exc))
    require_initialized()
    if INDEX_QUEUE not in chosen:
        click.echo(
            "note: this worker leaves search index updates to a worker started with "
            "--queues index,default on the host that holds the index",
            err=True,
        )
    start_worker(app, queues=chosen, concurrency=concurrency, loglevel=loglevel.lower())


@click.command(cls=Command)
@click.option("--loglevel", "-l", default="info", show_default=True, type=LOGLEVELS)
@with_appcontext
def beat(loglevel: str) -> None:
    """Run the one scheduler that starts each harvest source at its interval."""
    from ..worker import BrokerMissing, start_beat

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        start_beat(app, loglevel=loglevel.lower())
    except BrokerMissing as exc:
        fail(str(exc))
