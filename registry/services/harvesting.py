"""Harvest sources, takedowns and a candidate's posts: plain functions with an explicit actor,
and the harvest jobs (``harvest.run_source``, ``harvest.import``).

They flush; the edge (CLI command, view, job) commits. The runner (registry.harvest.runner)
does the harvesting itself; the takedowns live beside it (registry.harvest.takedown), since the
recheck after a run takes posts down too.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from .. import jobs
from ..extensions import db
from ..harvest import policy
from ..harvest.base import DEFAULT_TOKEN_ENV
from ..harvest.recheck import STATE_KEY, set_floor
from ..harvest.runner import Runner
from ..harvest.runs import RUNNING, Settings, lock_source_row, run_is_live

# the edges (and curation's merges) reach takedowns and candidate upkeep through this module
from ..harvest.takedown import refresh_candidate, takedown_post  # noqa: F401
from ..models import HarvestRun, HarvestSource, Post, utcnow
from .errors import Conflict, Invalid, NotFound
from .validation import column_length

log = logging.getLogger(__name__)

SOURCE_PLATFORMS = ("twitter", "mastodon", "bluesky", "rss")
MIN_EVERY_SECONDS = 30
MAX_NAME = column_length(HarvestSource, "name")
MAX_BASE_URL = column_length(HarvestSource, "base_url")
_NAME_RE = re.compile(r"^[\w.-]+$")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class SourceInvalid(Invalid):
    """Bad source settings; `param` names the field."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message, param=param)
        self.param: str = param


def parse_duration(text: str | int) -> int:
    """Seconds in "30s", "15m", "2h", "1d" (a bare number is seconds)."""
    if isinstance(text, int):
        seconds = text
    else:
        match = _DURATION_RE.match(text or "")
        if not match:
            raise SourceInvalid(
                f"{text!r} is not a duration: write e.g. 30s, 15m, 2h or 1d", "every"
            )
        seconds = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds < MIN_EVERY_SECONDS:
        raise SourceInvalid(f"the interval must be at least {MIN_EVERY_SECONDS}s", "every")
    return seconds


def format_duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def get_source(name_or_id: str | int) -> HarvestSource | None:
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        found = db.session.get(HarvestSource, int(name_or_id))
        if found is not None:
            return found
    return db.session.execute(
        select(HarvestSource).where(HarvestSource.name == str(name_or_id))
    ).scalar_one_or_none()


def list_sources() -> list[HarvestSource]:
    return list(db.session.execute(select(HarvestSource).order_by(HarvestSource.name)).scalars())


def _check(values: dict[str, Any]) -> None:
    name = values["name"]
    if not name or len(name) > MAX_NAME or not _NAME_RE.match(name):
        raise SourceInvalid(
            "a source name is 1-80 letters, digits, dots, dashes or underscores", "name"
        )
    if values["platform"] not in SOURCE_PLATFORMS:
        raise SourceInvalid(
            f"unknown platform {values['platform']!r}: use one of {', '.join(SOURCE_PLATFORMS)}",
            "platform",
        )
    if not values["query"].strip():
        raise SourceInvalid("a source needs a query", "query")
    base_url = values["base_url"]
    if len(base_url) > MAX_BASE_URL:
        raise SourceInvalid(f"the base URL has at most {MAX_BASE_URL} characters", "base_url")
    if base_url and not re.match(r"^https?://[^\s/]+", base_url):
        raise SourceInvalid("the base URL must start with http:// or https://", "base_url")
    if values["platform"] == "rss" and not (
        base_url or re.match(r"^https?://", values["query"].strip())
    ):
        raise SourceInvalid(
            "an RSS source needs the feed's URL (http:// or https://) as its query or --base-url",
            "query",
        )
    if values["platform"] == "mastodon" and not base_url:
        raise SourceInvalid(
            "a Mastodon source needs the instance's --base-url (e.g. https://mastodon.social)",
            "base_url",
        )
    if values["token_env"] and not _ENV_RE.match(values["token_env"]):
        raise SourceInvalid("--token-env names an environment variable", "token_env")
    if values.get("full_archive") and values["platform"] != "twitter":
        raise SourceInvalid(
            "full-archive search is for X/Twitter sources only (--platform twitter)",
            "full_archive",
        )
    try:  # which token and which hosts (see registry.harvest.policy)
        policy.check_source(
            values["platform"],
            values["query"],
            base_url,
            values["token_env"],
            allow_private=bool(current_app.config.get("HARVEST_ALLOW_PRIVATE_HOSTS")),
        )
    except policy.SourcePolicyError as exc:
        raise SourceInvalid(str(exc), exc.param) from None


def add_source(
    *,
    name: str,
    platform: str,
    query: str,
    base_url: str = "",
    token_env: str = "",
    every: str | int = "15m",
    full_archive: bool = False,
    actor: str,
) -> HarvestSource:
    values: dict[str, Any] = {
        "name": (name or "").strip(),
        "platform": (platform or "").strip().lower(),
        "query": query or "",
        "base_url": (base_url or "").strip(),
        "token_env": (token_env or "").strip(),
        "full_archive": bool(full_archive),
    }
    if not values["token_env"]:
        values["token_env"] = DEFAULT_TOKEN_ENV.get(values["platform"], "")
    _check(values)
    seconds = parse_duration(every)
    if get_source(values["name"]) is not None:
        raise SourceInvalid(f"a source named {values['name']!r} exists already", "name")
    source = HarvestSource(**values, every_seconds=seconds, enabled=True, state={})
    db.session.add(source)
    db.session.flush()
    log.info("harvest source %s added by %s", source.name, actor)
    return source


def update_source(source: HarvestSource, *, actor: str, **changes: Any) -> HarvestSource:
    """Change a source's settings (query, base_url, token_env, every, enabled, full_archive).
    A new query or base URL starts the source afresh: its incremental state no longer applies
    (and a Mastodon source on another instance rechecks only what it stores from then on)."""
    values: dict[str, Any] = {
        "name": source.name,
        "platform": source.platform,
        "query": changes.get("query", source.query),
        "base_url": changes.get("base_url", source.base_url),
        "token_env": changes.get("token_env", source.token_env),
        "full_archive": bool(changes.get("full_archive", source.full_archive)),
    }
    _check(values)
    moved = values["base_url"] != source.base_url
    if values["query"] != source.query or moved:
        state = source.state or {}
        source.state = {STATE_KEY: state[STATE_KEY]} if STATE_KEY in state else {}
        if moved and source.platform == "mastodon":
            set_floor(source)
    source.query, source.base_url = values["query"], values["base_url"]
    source.token_env = values["token_env"]
    source.full_archive = values["full_archive"]
    if "every" in changes:
        source.every_seconds = parse_duration(changes["every"])
    if "enabled" in changes:
        source.enabled = bool(changes["enabled"])
    db.session.flush()
    log.info("harvest source %s changed by %s", source.name, actor)
    return source


class SourceBusy(Conflict, RuntimeError):
    """A run of the source is going on."""


def delete_source(source: HarvestSource, *, actor: str) -> None:
    """Delete a source. Its posts, candidates and runs stay (their source becomes NULL), and
    so do its tombstones; refused while a run of it is going on (one that started less than
    HARVEST_STALE_AFTER ago). The source row is locked first, as a run claiming it does."""
    stale_after = Settings.from_config(current_app.config).stale_after
    source_id, name = source.id, source.name
    lock_source_row(source_id)
    now = utcnow()
    runs = db.session.scalars(
        select(HarvestRun).where(HarvestRun.source_id == source_id, HarvestRun.status == RUNNING)
    )
    running = next((run.id for run in runs if run_is_live(run, now, stale_after)), None)
    if running is not None:
        raise SourceBusy(f"source {name} is being harvested (run {running}): try again later")
    db.session.execute(delete(HarvestSource).where(HarvestSource.id == source_id))
    db.session.flush()
    db.session.expire_all()
    log.info("harvest source %s deleted by %s", name, actor)


def last_runs(source: HarvestSource, limit: int = 1) -> list[HarvestRun]:
    return list(
        db.session.execute(
            select(HarvestRun)
            .where(HarvestRun.source_id == source.id)
            .order_by(HarvestRun.id.desc())
            .limit(limit)
        ).scalars()
    )


def candidate_posts(candidate_id: int) -> Iterator[Post]:
    """A candidate's posts, oldest stored first."""
    yield from db.session.execute(
        select(Post).where(Post.candidate_id == candidate_id).order_by(Post.id)
    ).scalars()


@jobs.task("harvest.run_source")
def run_source(
    name_or_id: str | int,
    limit: int | None = None,
    *,
    runner: Runner | None = None,
) -> HarvestRun:
    """Harvest the stored source ``name_or_id`` (a job and the CLI's ``harvest run``)."""
    source = get_source(name_or_id)
    if source is None:
        raise NotFound(f"no harvest source named {name_or_id!r}")
    return (runner or Runner()).run_source(source, limit)


@jobs.task("harvest.import")
def import_archive(
    path: str | os.PathLike[str],
    fmt: str,
    limit: int | None = None,
    *,
    runner: Runner | None = None,
) -> HarvestRun:
    """Import an archive file (a job and the CLI's ``harvest import``)."""
    return (runner or Runner()).import_file(path, fmt, limit)
