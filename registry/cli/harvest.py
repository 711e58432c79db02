"""`registry harvest ...`: sources, runs, archive imports and takedowns.

Exit codes: 0 everything went through, 1 a partial result (malformed items skipped, a run
stopped or failed, nothing to take down), 2 a usage error. The progress bar is click's
(tqdm is not a dependency): bytes of the file for an import, posts for a source run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import jobs
from ..database import require_initialized
from ..extensions import db
from ..harvest.archives import FORMATS
from ..models import HarvestError, HarvestRun, HarvestSource
from ..services import harvesting
from .errors import CLI_ACTOR, Group, fail

SHOWN_ERRORS = 10


@click.group(cls=Group)
def harvest() -> None:
    """Harvest social media and archives into the curator inbox."""


@harvest.group()
def sources() -> None:
    """Harvest sources (a platform and a query, run at an interval)."""


@sources.command("add")
@click.argument("name")
@click.option(
    "--platform", required=True, type=click.Choice(["twitter", "mastodon", "bluesky", "rss"])
)
@click.option("--query", required=True, help="Search terms, a hashtag, or a feed URL.")
@click.option("--base-url", default="", help="The instance or API base URL (or the feed URL).")
@click.option(
    "--token-env",
    default="",
    help="Environment variable holding the access token (twitter: TWITTER_BEARER_TOKEN).",
)
@click.option("--every", default="15m", show_default=True, help="Interval: 30s, 15m, 2h, 1d.")
@click.option(
    "--full-archive",
    is_flag=True,
    help="X/Twitter only: full-archive search (/2/tweets/search/all; the API account must "
    "have it) instead of the last 7 days.",
)
@with_appcontext
def add_source(
    name: str,
    platform: str,
    query: str,
    base_url: str,
    token_env: str,
    every: str,
    full_archive: bool,
) -> None:
    """Add a harvest source."""
    require_initialized()
    source = harvesting.add_source(
        name=name,
        platform=platform,
        query=query,
        base_url=base_url,
        token_env=token_env,
        every=every,
        full_archive=full_archive,
        actor=CLI_ACTOR,
    )
    db.session.commit()
    click.echo(
        f"added source {source.name} ({_platform(source)}, every "
        f"{harvesting.format_duration(source.every_seconds)})"
    )


def _platform(source: HarvestSource) -> str:
    return f"{source.platform}, full archive" if source.full_archive else source.platform


@sources.command("remove")
@click.argument("name")
@with_appcontext
def remove_source(name: str) -> None:
    """Delete a harvest source; its posts, candidates and runs are kept."""
    require_initialized()
    source = harvesting.get_source(name)
    if source is None:
        raise click.BadParameter(f"no source named {name!r}", param_hint="NAME")
    label = source.name
    harvesting.delete_source(source, actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"removed source {label} (its posts, candidates and runs are kept)")


@sources.command("list")
@with_appcontext
def list_sources() -> None:
    """List the harvest sources with their last run."""
    require_initialized()
    rows = harvesting.list_sources()
    if not rows:
        click.echo("no harvest sources; add one with `registry harvest sources add`")
        return
    click.echo("name\tplatform\tevery\tenabled\tquery\tlast run")
    for s in rows:
        last = harvesting.last_runs(s)
        status = (
            f"{last[0].started_at:%Y-%m-%d %H:%M} {last[0].status} ({last[0].new} new)"
            if last
            else "never"
        )
        click.echo(
            "\t".join(
                [
                    s.name,
                    _platform(s),
                    harvesting.format_duration(s.every_seconds),
                    "yes" if s.enabled else "no",
                    s.query + (f" @ {s.base_url}" if s.base_url else ""),
                    status,
                ]
            )
        )


def _summary(run: HarvestRun) -> str:
    line = (
        f"run {run.id} ({run.label}): {run.status}: {run.pages} pages, {run.fetched} fetched, "
        f"{run.new} new, {run.duplicates} duplicates, {run.errors} errors"
    )
    if run.removed:
        line += f", {run.removed} removed (deleted at the source)"
    return f"{line} — {run.stop_reason}" if run.stop_reason else line


def _report(run: HarvestRun) -> bool:
    """Print the run's summary and first errors; True when it went through cleanly."""
    click.echo(_summary(run))
    if run.errors:
        errors = db.session.execute(
            select(HarvestError)
            .where(HarvestError.run_id == run.id)
            .order_by(HarvestError.id)
            .limit(SHOWN_ERRORS)
        ).scalars()
        for error in errors:
            click.echo(f"  {error.position}: {error.message}", err=True)
        if run.errors > SHOWN_ERRORS:
            click.echo(f"  ... and {run.errors - SHOWN_ERRORS} more", err=True)
    return run.status == "done" and not run.errors


@contextmanager
def _progress(length: int | None, label: str, by_offset: bool) -> Iterator[Any]:
    """A progress callback for the runner, drawing a click progress bar on stderr."""
    with click.progressbar(length=length or 0, label=label, file=sys.stderr) as bar:
        state = {"done": 0}

        def update(run: HarvestRun, page: Any, result: Any) -> None:
            if by_offset and page.resume and "offset" in page.resume:
                position = int(page.resume["offset"])
            elif by_offset and page.resume is None:
                position = length or 0
            else:
                position = run.fetched
            bar.update(max(0, position - state["done"]))
            state["done"] = position

        yield update


def _queue(job: str, what: str, *args: Any) -> None:
    """Send a harvest job to the workers (REGISTRY_BROKER_URL is set) and say so."""
    try:
        result = jobs.run(job, *args)
    except jobs.JobNotQueued as exc:
        fail(f"{exc}; run it here with --inline")
    click.echo(f"{what}: queued for the workers (task {result.id})")


INLINE_HELP = "Run here even when a broker is configured (default: queue it for the workers)."


@harvest.command("run")
@click.argument("names", nargs=-1)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after N posts.")
@click.option("--inline", is_flag=True, help=INLINE_HELP)
@click.option(
    "--due",
    is_flag=True,
    help="Only the enabled sources whose interval (--every) has passed: run this from cron "
    "on a machine without a broker.",
)
@with_appcontext
def run_command(names: tuple[str, ...], limit: int | None, inline: bool, due: bool) -> None:
    """Harvest the named sources (all enabled sources when none is named)."""
    from ..harvest.runner import Runner
    from ..harvest.runs import AlreadyRunning

    require_initialized()
    if due and names:
        raise click.UsageError("name sources or use --due, not both")
    if due:
        from ..services.scheduling import due_sources

        chosen = due_sources()
        if not chosen:
            click.echo("no harvest source is due")
            return
    elif names:
        chosen = []
        for name in names:
            source = harvesting.get_source(name)
            if source is None:
                raise click.BadParameter(f"no source named {name!r}", param_hint="NAMES")
            chosen.append(source)
    else:
        chosen = [s for s in harvesting.list_sources() if s.enabled]
        if not chosen:
            click.echo("no enabled harvest sources")
            return
    if jobs.broker_configured() and not inline:
        for source in chosen:
            _queue("harvest.run_source", source.name, source.name, limit)
        return
    clean = True
    for source in chosen:
        with _progress(limit, f"{source.name}", by_offset=False) as update:
            try:
                run = Runner(progress=update).run_source(source, limit)
            except AlreadyRunning as exc:
                click.secho(f"{source.name}: {exc}", fg="yellow", err=True)
                clean = False
                continue
        clean = _report(run) and clean
    sys.exit(0 if clean else 1)


@harvest.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after N posts.")
@click.option("--inline", is_flag=True, help=INLINE_HELP)
@with_appcontext
def import_command(path: Path, fmt: str, limit: int | None, inline: bool) -> None:
    """Import an archive of posts; a rerun resumes an interrupted import and adds nothing twice.

    With a broker configured the import runs on a worker, which must see the same path."""
    from ..harvest.runner import Runner

    require_initialized()
    if jobs.broker_configured() and not inline:
        _queue("harvest.import", path.name, str(path.resolve()), fmt, limit)
        return
    with _progress(path.stat().st_size, path.name, by_offset=True) as update:
        run = Runner(progress=update).import_file(path, fmt, limit)
    sys.exit(0 if _report(run) else 1)


@harvest.command("takedown")
@click.argument("platform", type=click.Choice(["twitter", "mastodon", "bluesky", "rss", "file"]))
@click.argument("external_id")
@with_appcontext
def takedown(platform: str, external_id: str) -> None:
    """Delete a post and its payload (and the reposts carrying its text)."""
    require_initialized()
    result = harvesting.takedown_post(platform, external_id, actor=CLI_ACTOR)
    if result is None:
        click.echo(f"no {platform} post {external_id} is stored", err=True)
        sys.exit(1)
    db.session.commit()
    outcome = (
        "its candidate was deleted"
        if result.candidate_deleted
        else f"candidate {result.candidate_id} updated"
    )
    click.echo(f"deleted {result.posts_deleted} post(s); {outcome}")
