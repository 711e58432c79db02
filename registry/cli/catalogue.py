"""`registry import`, `registry export` and `registry index`: the catalogue in and out, and its
search index."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..database import require_initialized
from ..extensions import db
from .errors import CLI_ACTOR, Command, Group, fail


@click.command("import", cls=Command)
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--publish", is_flag=True, help="Publish rows directly instead of sending them to review."
)
@with_appcontext
def import_command(path: Path, publish: bool) -> None:
    """Import catalogue rows (CSV or JSON in the export format)."""
    from ..services import transfer

    require_initialized()
    try:
        rows = transfer.read_rows(path)
    except transfer.ImportFileError as exc:  # a broken file is a refused import: exit 1
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


@click.command(cls=Command)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None)
@click.option("--include-private", is_flag=True, help="Include contact_email.")
@with_appcontext
def export(fmt: str, output: Path | None, include_private: bool) -> None:
    """Export the published catalogue (CC BY 4.0) as CSV or JSON."""
    from ..services import transfer

    require_initialized()
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


@click.group(cls=Group)
def index() -> None:
    """The search index."""


@index.command()
@with_appcontext
def rebuild() -> None:
    """Rebuild the index aside from the database, then swap it in."""
    from ..services import indexing

    require_initialized()
    count = indexing.rebuild()
    click.echo(f"indexed {count} published innovations")


@index.command()
@with_appcontext
def sync() -> None:
    """Repair drift between the database and the index."""
    from ..services import indexing

    require_initialized()
    report = indexing.sync_all()
    click.echo(f"{report['upserted']} updated, {report['removed']} removed")
