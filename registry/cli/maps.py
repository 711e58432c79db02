"""`registry map build`: rebuild the shipped boundary file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import Group

DEFAULT_SOURCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "boundaries"


@click.group("map", cls=Group)
def map_group() -> None:
    """The regional map's boundary file."""


@map_group.command("build")
@click.option(
    "--source",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_SOURCE,
    show_default=True,
    help="The wilayah_boundaries folder (prov/, kab/, LICENSE).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write (default: the shipped registry/data/boundaries.topo.json).",
)
def build_command(source: Path, output: Path | None) -> None:
    """Simplify the boundaries (topology kept) into the file the site draws maps from."""
    try:
        from ..maps import build
    except ImportError as exc:  # pragma: no cover - depends on the environment
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
    if not source.is_dir():
        click.secho(f"error: no boundaries folder at {source}", fg="red", err=True)
        sys.exit(1)
    try:
        report = build.write(source, output or build.OUTPUT)
    except ImportError as exc:
        click.secho(
            f"error: {exc}; the build needs the maps extra: pip install 'lumbung-inovasi[maps]'",
            fg="red",
            err=True,
        )
        sys.exit(2)
    except build.BuildError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    click.echo(
        f"wrote {output or build.OUTPUT} ({report.size:,} bytes): "
        f"{report.provinces} provinces, {report.regencies} regencies/cities"
    )
    if report.missing:
        click.echo(f"in regions.csv but without a boundary: {', '.join(report.missing)}")
    if report.unknown:
        click.echo(f"boundaries with a code not in regions.csv: {', '.join(report.unknown)}")
    for code, theirs, ours in report.renamed:
        click.echo(f"named differently: {code} {theirs!r} (ours {ours!r})")
    if not (report.missing or report.unknown):
        click.echo("every code matches registry/data/regions.csv")
