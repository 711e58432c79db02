"""``registry classify ...``: train, list/activate models, evaluate, cross-validate, predict.

The commands are thin: each calls a plain function that takes the instance dir (from the
Flask app's ``INSTANCE_DIR``), so jobs and tests can call the same functions without Flask
(prediction over JSONL: registry.classify.batch). The group works on any Flask app that sets
INSTANCE_DIR; ``python -m registry.cli.classify`` runs it on a bare one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from ..classify import store
from ..classify.batch import predict_stream
from .errors import Group


def _instance_dir() -> Path:
    return Path(current_app.config["INSTANCE_DIR"])


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# ------------------------------------------------------------------ plain functions


def models_report(instance_dir: str | Path) -> list[dict[str, Any]]:
    out = []
    for info in store.list_models(instance_dir):
        cv = info.meta.get("cv_metrics") or {}
        out.append(
            {
                "version": info.version,
                "active": info.active,
                "created_at": info.meta.get("created_at"),
                "scikit_learn": (info.meta.get("libraries") or {}).get("scikit-learn"),
                "rows": (info.meta.get("data") or {}).get("rows"),
                "cv_average_precision": (cv.get("is_innovation") or {}).get("average_precision"),
                "usable": info.problem is None and "error" not in info.meta,
                "problem": info.meta.get("error") or info.problem,
            }
        )
    return out


# ------------------------------------------------------------------ commands


def _report_problems(shown: list[str], total: int) -> None:
    """Bad lines and rows on stderr, with their line numbers (the JSON holds them too)."""
    for message in shown:
        click.secho(f"warning: {message}", fg="yellow", err=True)
    if total > len(shown):
        click.secho(f"warning: {total - len(shown)} more problem(s)", fg="yellow", err=True)


@click.group(cls=Group)
def classify() -> None:
    """Classify harvested posts: train, list and switch models, evaluate, cross-validate,
    predict."""


def _curator_rows() -> list[dict[str, Any]]:
    """Curator decisions as training rows, when this app has the registry's database (the
    bare `python -m registry.cli.classify` has none)."""
    if "sqlalchemy" not in current_app.extensions:
        return []
    from ..database import NotInitialized, require_initialized
    from ..services.curation import training_rows

    try:
        require_initialized()
    except NotInitialized:
        return []
    return list(training_rows())


def _data_option(description: str) -> Any:
    """``--data PATH``, repeatable: labelled JSONL files."""
    return click.option(
        "--data",
        "data",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False),
        help=description,
    )


@classify.command()
@_data_option("Extra labelled JSONL (same keys as the seed set); may be repeated.")
@with_appcontext
def train(data: tuple[str, ...]) -> None:
    """Train on the seed set, every curator decision in the database and --data files,
    cross-validate, save and activate a new version; prints its metrics."""
    from ..classify.train import train_and_save

    try:
        decisions = _curator_rows()
        info, report = train_and_save(_instance_dir(), data_paths=data, extra_rows=decisions)
    except (ValueError, OSError) as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    _echo_json(report)
    _report_problems(report["problems"], report["problem_count"])
    click.echo(f"model {info.version} saved and active")


@classify.command()
@click.option("--activate", "version", metavar="VERSION", help="Make VERSION the active model.")
@with_appcontext
def models(version: str | None) -> None:
    """List model versions (the active one marked), or switch / roll back with --activate."""
    instance_dir = _instance_dir()
    if version:
        try:
            store.activate(instance_dir, version)
        except store.ModelError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(1)
        click.echo(f"model {version} is now active")
        return
    listed = models_report(instance_dir)
    if not listed:
        click.echo("no models yet: run `registry classify train` (keyword rules answer)")
        return
    for row in listed:
        mark = "*" if row["active"] else " "
        ap = row["cv_average_precision"]
        status = "ok" if row["usable"] else f"unusable: {row['problem']}"
        click.echo(
            f"{mark} {row['version']}  {row['created_at']}  scikit-learn {row['scikit_learn']}  "
            f"rows {row['rows']}  cv AP {ap}  {status}"
        )


@classify.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def evaluate(path: str) -> None:
    """Metrics JSON of the active model (or the rules) on labelled JSONL at PATH."""
    from ..classify.evaluate import evaluate_file

    try:
        metrics = evaluate_file(path, _instance_dir())
    except (ValueError, OSError) as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    _echo_json(metrics)
    _report_problems(metrics["input"]["problem_lines"], metrics["input"]["problems"])
    unlabelled = metrics["is_innovation"].get("unlabelled", 0)
    if unlabelled:
        click.secho(
            f"warning: {unlabelled} row(s) have no is_innovation of 0, 1, true or false and "
            "were left out of the is_innovation metrics",
            fg="yellow",
            err=True,
        )


@classify.command()
@_data_option(
    "Real labelled JSONL to cross-validate on (default: the real rows the project ships); "
    "may be repeated."
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2))
@with_appcontext
def cv(data: tuple[str, ...], folds: int) -> None:
    """Grouped cross-validation on real labelled rows (near-copies in one fold; each fold's
    model trained on the seed set and the other folds): metrics JSON with 90 % intervals,
    overall and per source."""
    from ..classify.validate import cross_validate_files

    try:
        metrics = cross_validate_files(data, folds=folds)
    except (ValueError, OSError) as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    _echo_json(metrics)
    _report_problems(metrics["input"]["problem_lines"], metrics["input"]["problems"])


@classify.command()
@click.argument("path", default="-", type=click.Path(allow_dash=True, dir_okay=False))
@with_appcontext
def predict(path: str) -> None:
    """JSONL posts in (PATH or - for stdin), one JSON prediction per line out, in order; bad
    lines are reported on stderr with their line number (exit status 1 when there were any)."""
    err, out = sys.stderr, sys.stdout
    try:
        if path == "-":
            _, bad = predict_stream(sys.stdin.buffer, out, err, _instance_dir())
        else:
            with open(path, "rb") as handle:
                _, bad = predict_stream(handle, out, err, _instance_dir())
    except OSError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    out.flush()
    if bad:
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    """``python -m registry.cli.classify COMMAND ...``: the group on a bare Flask app whose
    INSTANCE_DIR is $REGISTRY_INSTANCE_DIR or ./instance (no database needed)."""
    from flask import Flask
    from flask.cli import FlaskGroup

    from ..classify.predict import default_instance_dir

    def create_app() -> Flask:
        app = Flask("registry.classify")
        app.config["INSTANCE_DIR"] = str(default_instance_dir())
        return app

    group = FlaskGroup(
        create_app=create_app,
        add_default_commands=False,
        load_dotenv=False,
        set_debug_flag=False,
    )
    for command in classify.commands.values():
        group.add_command(command)
    group.main(args=argv, prog_name="python -m registry.cli.classify")


if __name__ == "__main__":
    main()
