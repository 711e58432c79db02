"""Harvest sources, takedowns and a candidate's posts: plain functions with an explicit actor.

They flush; the edge (CLI command, view, job) commits. The runner (registry.harvest.runner)
does the harvesting itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..extensions import db
from ..harvest import policy
from ..harvest.base import DEFAULT_TOKEN_ENV
from ..models import (
    Candidate,
    CandidateDecision,
    HarvestError,
    HarvestRun,
    HarvestSource,
    HarvestTombstone,
    Post,
    utcnow,
)
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


class SourceInvalid(ValueError):
    """Bad source settings; `param` names the field."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


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
        from ..harvest.recheck import STATE_KEY, set_floor

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


class SourceBusy(RuntimeError):
    """A run of the source is going on."""


def delete_source(source: HarvestSource, *, actor: str) -> None:
    """Delete a source. Its posts, candidates and runs stay (their source becomes NULL), and
    so do its tombstones; refused while a run of it is going on (one that started less than
    HARVEST_STALE_AFTER ago). The source row is locked first, as a run claiming it does."""
    from ..harvest.runner import RUNNING, Settings, lock_source_row, run_is_live

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


def refresh_candidate(candidate: Candidate) -> None:
    """Recompute a candidate's post count, platforms, first/last seen and representative text
    from its stored posts (after posts left or joined it); when the representative text
    changed, score it again with the active model (or the keyword rules)."""
    from ..harvest.dedup import dedup_tokens, is_rt_text, strip_repost_prefix

    rows = db.session.execute(
        select(
            Post.platform,
            Post.created_at,
            Post.harvested_at,
            Post.text,
            Post.repost_of_id,
            Post.author_handle,
            Post.author_location,
            Post.lang,
        ).where(Post.candidate_id == candidate.id)
    ).all()
    candidate.post_count = len(rows)
    candidate.platforms = sorted({r.platform for r in rows})
    seen = [r.created_at or r.harvested_at for r in rows]
    candidate.first_seen = min(seen) if seen else None
    candidate.last_seen = max(seen) if seen else None
    originals = [r for r in rows if not r.repost_of_id and not is_rt_text(r.text)]
    texts = [(r, r.text) for r in originals] or [(r, strip_repost_prefix(r.text)) for r in rows]
    best = max(texts, key=lambda pair: len(dedup_tokens(pair[1])), default=None)
    text = best[1] if best else ""
    if best is not None and text != candidate.text:
        _rescore(candidate, best[0], text)
    candidate.text = text
    candidate.updated_at = utcnow()


def _rescore(candidate: Candidate, post: Any, text: str) -> None:
    """The classifier's columns for a candidate whose representative text changed; a model
    that cannot answer leaves the old ones (a takedown or a merge must not fail on it)."""
    from ..classify.predict import get_predictor
    from ..harvest.scoring import score_values

    inputs = {
        "id": candidate.id,
        "text": text,
        "author": post.author_handle,
        "user_location": post.author_location,
        "lang": post.lang,
    }
    try:
        (prediction,) = get_predictor(current_app.config.get("INSTANCE_DIR")).predict_posts(
            [inputs]
        )
    except Exception as exc:  # noqa: BLE001 - keep the old score, say why
        log.warning("candidate %s not rescored: %s", candidate.id, exc)
        return
    for name, value in score_values(prediction).items():
        setattr(candidate, name, value)


@dataclass
class Takedown:
    posts_deleted: int
    candidate_id: int | None
    candidate_deleted: bool


def takedown_post(
    platform: str, external_id: str, *, actor: str, reason: str = ""
) -> Takedown | None:
    """Delete a post and its payload (privacy: a takedown request or a deletion at the source),
    with the reposts that carry its text; fix its candidate, deleting it when it is left empty
    and still new. A tombstone (platform and id, who and when) keeps later harvests and imports
    from storing the post or a repost of it again. None when no such post is stored."""
    post = db.session.execute(
        select(Post).where(Post.platform == platform, Post.external_id == str(external_id))
    ).scalar_one_or_none()
    if post is None:
        return None
    post_id, home, taken_text, taken_hash = post.id, post.candidate_id, post.text, post.text_hash
    tombstone(platform, str(external_id), actor=actor, reason=reason)
    candidate_ids = {home}
    reposts = db.session.execute(
        select(Post.id, Post.candidate_id).where(
            Post.platform == platform, Post.repost_of_id == str(external_id)
        )
    ).all()
    ids = [post_id, *(r.id for r in reposts)]
    candidate_ids.update(r.candidate_id for r in reposts)
    ids.extend(_rt_copies(candidate_ids, taken_text, taken_hash, exclude=set(ids)))
    db.session.execute(delete(Post).where(Post.id.in_(ids)))
    db.session.execute(
        delete(HarvestError).where(
            HarvestError.platform == platform,
            HarvestError.payload.contains(str(external_id), autoescape=True),
        )
    )
    db.session.expire_all()
    deleted_candidate = False
    for cid in candidate_ids:
        candidate = db.session.get(Candidate, cid)
        if candidate is None:
            continue
        remaining = db.session.execute(
            select(func.count()).select_from(Post).where(Post.candidate_id == cid)
        ).scalar_one()
        if remaining == 0 and candidate.status == "new":
            db.session.delete(candidate)
            deleted_candidate = deleted_candidate or cid == home
            continue
        refresh_candidate(candidate)
        if remaining == 0:
            # a decided candidate stays as the record of the decision, without the text
            db.session.execute(
                update(CandidateDecision)
                .where(CandidateDecision.candidate_id == cid)
                .values(text="")
            )
    _blank_copies(taken_text)
    db.session.flush()
    db.session.expire_all()
    why = f", {reason}" if reason else ""
    log.info(
        "takedown of %s post %s by %s (%d posts%s)", platform, external_id, actor, len(ids), why
    )
    return Takedown(len(ids), home, deleted_candidate)


def _rt_copies(
    candidate_ids: set[int], text: str, text_hash: str, *, exclude: set[int]
) -> list[int]:
    """Posts of these candidates that are "RT @user: <text>" copies of the taken-down text
    (old-style retweets carry no repost id), whole or cut short."""
    from ..harvest.dedup import is_rt_text, strip_repost_prefix

    found = []
    for row in db.session.execute(
        select(Post.id, Post.text, Post.text_hash).where(Post.candidate_id.in_(candidate_ids))
    ):
        if row.id in exclude or not is_rt_text(row.text):
            continue
        copied = strip_repost_prefix(row.text)
        cut = copied.rstrip().removesuffix("…").removesuffix("...").rstrip()
        if (text_hash and row.text_hash == text_hash) or (cut and text.startswith(cut)):
            found.append(row.id)
    return found


def _blank_copies(text: str) -> None:
    """Blank the candidate and decision texts that still hold the taken-down text (candidates
    whose posts moved on a merge keep their text; decisions keep the text as decided)."""
    from ..harvest.dedup import dedup_tokens, strip_repost_prefix, text_hash

    if not text.strip():
        return
    forms = {text, text.strip(), strip_repost_prefix(text)}
    wanted = text_hash(dedup_tokens(text))
    for model in (Candidate, CandidateDecision):
        column = model.text
        db.session.execute(
            update(model).where(column.in_(forms)).values(text=""),
            execution_options={"synchronize_session": False},
        )
        if not wanted:
            continue
        # the same text up to links, mentions, trailing tags or numbering: compared in Python
        # among the texts holding its first word (takedowns are rare: a scan is fine)
        words = dedup_tokens(text)[:1]
        if not words:
            continue
        rows = db.session.execute(
            select(model.id, column).where(column != "", column.ilike(f"%{words[0]}%"))
        ).all()
        stale = [r.id for r in rows if text_hash(dedup_tokens(r.text)) == wanted]
        if stale:
            db.session.execute(
                update(model).where(model.id.in_(stale)).values(text=""),
                execution_options={"synchronize_session": False},
            )


def tombstone(platform: str, external_id: str, *, actor: str, reason: str = "") -> HarvestTombstone:
    """Mark a post as taken down for good (kept when it is marked already); `reason` is empty
    for a takedown request, "deleted at source" when the platform no longer has it."""
    found = db.session.execute(
        select(HarvestTombstone).where(
            HarvestTombstone.platform == platform, HarvestTombstone.external_id == external_id
        )
    ).scalar_one_or_none()
    if found is None:
        found = HarvestTombstone(
            platform=platform,
            external_id=external_id,
            taken_down_at=utcnow(),
            actor=actor[:254],
            reason=reason[:64],
        )
        db.session.add(found)
        db.session.flush()
    return found
