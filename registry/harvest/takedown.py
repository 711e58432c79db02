"""Takedowns and the candidate upkeep they need: a post deleted on request or at the source
goes with its reposts and payload, a tombstone keeps it from coming back, and its candidate is
refreshed (or deleted when left empty and undecided).

Plain functions with an explicit actor: they flush; the edge (CLI command, view, job) commits.
The recheck (registry.harvest.recheck) and the harvest services share them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..extensions import db
from ..models import Candidate, CandidateDecision, HarvestError, HarvestTombstone, Post, utcnow
from ..text import is_rt_text, strip_repost_prefix
from .dedup_keys import dedup_tokens, text_hash
from .scoring import score_values

log = logging.getLogger(__name__)
BLANK_CANDIDATE = {"text": "", "search_terms": ""}


def refresh_candidate(candidate: Candidate) -> None:
    """Recompute a candidate's post count, platforms, first/last seen and representative text
    from its stored posts (after posts left or joined it); when the representative text
    changed, score it again with the active model (or the keyword rules)."""
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
    if not text.strip():
        return
    forms = {text, text.strip(), strip_repost_prefix(text)}
    wanted = text_hash(dedup_tokens(text))
    for model in (Candidate, CandidateDecision):
        column = model.text
        # a Core UPDATE passes the ORM by: the candidate's full-text terms are blanked with it
        blank: dict[str, str] = {"text": ""} if model is CandidateDecision else BLANK_CANDIDATE
        db.session.execute(
            update(model).where(column.in_(forms)).values(**blank),
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
                update(model).where(model.id.in_(stale)).values(**blank),
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
