"""`registry init`, `registry demo` and `registry serve`: set an instance up and run the site."""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..database import require_initialized
from ..services import demo as demo_loader
from ..services import indexing
from ..services.setup import initialize
from .errors import Command


@click.command(cls=Command)
@with_appcontext
def init() -> None:
    """Upgrade the schema, load regions and campaigns, and create or repair the search index."""
    report = initialize(say=click.echo)
    click.echo(f"database: {current_app.config['SQLALCHEMY_DATABASE_URI']}")
    click.echo(f"index: {current_app.config['INDEX_DIR']} {json.dumps(report['index'])}")
    click.echo(f"classifier model: {report['model']}")
    click.echo("ready.")


def _warn(message: str) -> None:
    click.secho(message, fg="yellow", err=True)


@click.command(cls=Command)
@click.option("--serve", "then_serve", is_flag=True, help="Serve the site afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo(then_serve: bool, host: str, port: int) -> None:
    """Initialize, then load the demo catalogue (once; reruns change nothing)."""
    if not current_app.config.get("BASE_URL"):
        # the demo's mails link to the address it is served on (BASE_URL, when set, wins)
        shown = "localhost" if host in ("0.0.0.0", "::", "127.0.0.1", "") else host
        current_app.config["BASE_URL"] = f"http://{shown}:{port}"
    initialize(say=click.echo)
    totals = demo_loader.load_demo(say=click.echo, warn=_warn)
    click.echo(
        "demo catalogue: {created} added, {updated} updated, {unchanged} already there".format(
            **totals
        )
    )
    if then_serve:
        _serve(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]


def _serve(app: Flask, host: str, port: int) -> None:
    from ..serving import make_server

    server = make_server(app, host, port)
    indexing.warm_in_background(app)  # so a new worker's first search is fast
    click.echo(f"serving on http://{host}:{server.effective_port}  (Ctrl+C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@click.command(cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the site with a production WSGI server (waitress)."""
    require_initialized()
    indexing.check_search_backend()
    _serve(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]
