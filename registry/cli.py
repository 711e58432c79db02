"""The `registry` command line: the same service functions the web uses."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .classify.cli import classify
from .cli_users import load_demo_accounts, users
from .database import NotInitialized, require_initialized
from .extensions import db
from .harvest.cli import harvest
from .maps.cli import map_group
from .search import SearchUnavailable

CLI_ACTOR = "cli"


def _create_app() -> Flask:
    from .app import create_app

    return create_app()


def fail(message: str, code: int = 1) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def main() -> None:
    """Lumbung Inovasi: the registry of public-service innovations."""


def register_commands(app: Flask) -> None:
    for command in (
        init,
        demo,
        serve,
        import_command,
        export,
        index,
        users,
        classify,
        worker,
        beat,
        harvest,
        map_group,
    ):
        app.cli.add_command(command)
    from .cli_notify import notify

    app.cli.add_command(notify)
    from .cli_reports import reports_group

    app.cli.add_command(reports_group)


def initialize(*, train_model: bool = True) -> dict[str, Any]:
    """Upgrade the schema, load reference data, bring the index up to date, and make sure a
    compatible classifier model is active (training the default one if not); idempotent."""
    from flask_migrate import upgrade

    from .app import MIGRATIONS_DIR
    from .services import indexing, reference

    upgrade(directory=MIGRATIONS_DIR)
    regions = reference.load_regions()
    campaigns = reference.load_campaigns()
    db.session.commit()
    current_app.extensions.get("registry.db_ready", {}).clear()
    index = indexing.get_index()
    index_report: dict[str, Any] = (
        {"rebuilt": indexing.rebuild()}
        if index.needs_rebuild()
        else {"synced": indexing.sync_all()}
    )
    model = None
    if train_model:
        from .classify import store
        from .classify.train import ensure_default_model

        if store.active_version(current_app.config["INSTANCE_DIR"]) is None:
            click.echo("training the default classifier on the seed set (first run only)...")
        model = ensure_default_model(current_app.config["INSTANCE_DIR"])
    return {
        "regions_changed": regions,
        "campaigns_added": campaigns,
        "index": index_report,
        "model": model,
    }


@click.command()
@with_appcontext
def init() -> None:
    """Upgrade the schema, load regions and campaigns, and create or repair the search index."""
    try:
        report = initialize()
    except SearchUnavailable as exc:
        fail(str(exc))
    click.echo(f"database: {current_app.config['SQLALCHEMY_DATABASE_URI']}")
    click.echo(f"index: {current_app.config['INDEX_DIR']} {json.dumps(report['index'])}")
    click.echo(f"classifier model: {report['model']}")
    click.echo("ready.")


def demo_files() -> list[Path]:
    folder = resources.files("registry") / "data" / "demo"
    # the catalogue's files; reports.json is the demo's citizen reports (services.report_demo)
    names = (p for p in folder.iterdir() if p.name.startswith("innovations_"))
    return sorted(Path(str(p)) for p in names if p.name.endswith(".json"))


DEMO_MARKER = "demo-loaded.json"


def _demo_marker() -> tuple[Path, str]:
    """The file that says the demo was loaded into this instance's database."""
    uri = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    key = hashlib.sha256(uri.encode("utf-8")).hexdigest()[:16]
    return Path(current_app.config["INSTANCE_DIR"]) / DEMO_MARKER, key


def demo_loaded_at() -> str | None:
    path, key = _demo_marker()
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(marker.get("at")) if isinstance(marker, dict) and marker.get("db") == key else None


def load_demo() -> dict[str, int]:
    """Load the demo once per instance: a rerun leaves everything as curators left it (a
    rejected or withdrawn demo item stays so; edits stay). Without the marker (deleted, or an
    instance from before it) only what is missing is added, never updated or republished."""
    from .services import transfer

    totals = {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
    loaded_at = demo_loaded_at()
    if loaded_at is not None:
        path, _ = _demo_marker()
        click.echo(f"demo already loaded ({loaded_at}); nothing changed (delete {path} to add")
        click.echo("what is missing; decisions and edits are kept either way)")
        for line in load_demo_accounts(logins_only=True):
            click.echo(line)
        return totals
    for path in demo_files():
        rows = transfer.read_rows(path)
        new = [(n, row) for n, row in rows if not transfer.is_known(row)]
        totals["unchanged"] += len(rows) - len(new)
        report = transfer.import_rows(new, actor="demo", publish=True, checkpoint=db.session.commit)
        db.session.commit()
        for key, value in report.as_dict().items():
            if key in totals:
                totals[key] += value
        for error in report.errors:
            click.secho(f"{path.name}: {error}", fg="yellow", err=True)
    for line in load_demo_accounts():
        click.echo(line)
    from .cli_notify import load_demo_lifecycle

    for line in load_demo_lifecycle():
        click.echo(line)
    load_demo_reports()
    load_demo_inbox()
    marker, key = _demo_marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    marker.write_text(json.dumps({"db": key, "at": stamp}) + "\n", encoding="utf-8")
    return totals


def load_demo_reports() -> None:
    """A few hundred team-written reports in every state (once; a rerun adds nothing)."""
    from .cli_users import DEMO_CURATOR, DEMO_INSTITUTION
    from .services import accounts, report_demo

    curator = accounts.find_user(DEMO_CURATOR[0])
    if curator is None:
        return
    added = report_demo.load(curator, accounts.find_user(DEMO_INSTITUTION[0]))
    db.session.commit()
    click.echo(f"demo reports: {added} added")


def load_demo_inbox() -> None:
    """The bundled archive of posts, imported once (a rerun adds nothing): the curator inbox."""
    from .harvest.runner import import_archive

    path = Path(str(resources.files("registry") / "data" / "demo" / "posts.jsonl"))
    run = import_archive(path, "jsonl")
    click.echo(f"demo inbox: {run.new} posts added, {run.duplicates} already there")


@click.command()
@click.option("--serve", "then_serve", is_flag=True, help="Serve the site afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo(then_serve: bool, host: str, port: int) -> None:
    """Initialize, then load the demo catalogue (once; reruns change nothing)."""
    initialize()
    totals = load_demo()
    click.echo(
        "demo catalogue: {created} added, {updated} updated, {unchanged} already there".format(
            **totals
        )
    )
    if then_serve:
        _serve(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]


def _serve(app: Flask, host: str, port: int) -> None:
    from .services import indexing
    from .serving import make_server

    server = make_server(app, host, port)
    indexing.warm_in_background(app)  # so a new worker's first search is fast
    click.echo(f"serving on http://{host}:{server.effective_port}  (Ctrl+C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the site with a production WSGI server (waitress)."""
    try:
        require_initialized()
    except NotInitialized as exc:
        fail(str(exc))
    _serve(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]


@click.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--publish", is_flag=True, help="Publish rows directly instead of sending them to review."
)
@with_appcontext
def import_command(path: Path, publish: bool) -> None:
    """Import catalogue rows (CSV or JSON in the export format)."""
    from .services import transfer

    try:
        require_initialized()
        rows = transfer.read_rows(path)
    except (NotInitialized, transfer.ImportFileError) as exc:
        fail(str(exc))
    report = transfer.import_rows(
        rows, actor=CLI_ACTOR, publish=publish, checkpoint=db.session.commit
    )
    db.session.commit()
    for error in report.errors:
        click.echo(f"{path.name}: {error}", err=True)
    summary = report.as_dict()
    click.echo(
        f"{summary['created']} created, {summary['updated']} updated, "
        f"{summary['unchanged']} unchanged, {summary['refused']} refused"
    )
    sys.exit(1 if report.errors else 0)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None)
@click.option("--include-private", is_flag=True, help="Include contact_email.")
@with_appcontext
def export(fmt: str, output: Path | None, include_private: bool) -> None:
    """Export the published catalogue (CC BY 4.0) as CSV or JSON."""
    from .services import transfer

    try:
        require_initialized()
    except NotInitialized as exc:
        fail(str(exc))
    records = transfer.export_records(include_private=include_private)
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "csv":
            count = transfer.write_csv(records, out, include_private=include_private)
        else:
            count = transfer.write_json(records, out)
    finally:
        if output:
            out.close()
    click.echo(f"exported {count} innovations", err=True)


@click.group()
def index() -> None:
    """The search index."""


@index.command()
@with_appcontext
def rebuild() -> None:
    """Rebuild the index aside from the database, then swap it in."""
    from .services import indexing

    try:
        require_initialized()
        count = indexing.rebuild()
    except (NotInitialized, SearchUnavailable) as exc:
        fail(str(exc))
    click.echo(f"indexed {count} published innovations")


@index.command()
@with_appcontext
def sync() -> None:
    """Repair drift between the database and the index."""
    from .services import indexing

    try:
        require_initialized()
        report = indexing.sync_all()
    except (NotInitialized, SearchUnavailable) as exc:
        fail(str(exc))
    click.echo(f"{report['upserted']} updated, {report['removed']} removed")


@click.command()
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
@click.option(
    "--loglevel",
    "-l",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
)
@with_appcontext
def worker(queues: str, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker for background jobs (needs REGISTRY_BROKER_URL)."""
    from .jobs import INDEX_QUEUE
    from .worker import BrokerMissing, parse_queues, start_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        chosen = parse_queues(queues)
        if not app.config.get("BROKER_URL"):
            raise BrokerMissing("registry worker")
        require_initialized()
    except (ValueError, BrokerMissing, NotInitialized) as exc:
        fail(str(exc))
    if INDEX_QUEUE not in chosen:
        click.echo(
            "note: this worker leaves search index updates to a worker started with "
            "--queues index,default on the host that holds the index",
            err=True,
        )
    start_worker(app, queues=chosen, concurrency=concurrency, loglevel=loglevel.lower())


@click.command()
@click.option(
    "--loglevel",
    "-l",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
)
@with_appcontext
def beat(loglevel: str) -> None:
    """Run the one scheduler that starts each harvest source at its interval."""
    from .worker import BrokerMissing, start_beat

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        start_beat(app, loglevel=loglevel.lower())
    except BrokerMissing as exc:
        fail(str(exc))


if __name__ == "__main__":  # python -m registry.cli
    main()
