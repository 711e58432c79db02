"""The curator inbox: list and filter harvested candidates, decide on them, learn from it.

Every decision (approve, reject with a reason, merge) is recorded as a CandidateDecision with
who, when and why, and the training label it gives the classifier. After RETRAIN_AFTER new
labels since the last training, the edge calls :func:`maybe_retrain` after its commit and the
job ``classify.retrain`` trains a new model on the seed set plus :func:`training_rows` and
activates it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.sql.elements import ColumnElement

from .. import jobs, taxonomy
from ..database import lock_rows
from ..extensions import db
from ..models import (
    Candidate,
    CandidateDecision,
    HarvestSource,
    Innovation,
    Post,
    User,
    utcnow,
)
from . import catalogue, harvesting
from .discovery import ParamError  # a bad filter names its parameter, as in search
from .validation import MAX_LINKS, ValidationError, clean

log = logging.getLogger(__name__)

STATUSES = ("new", "approved", "rejected", "merged")
SORTS = ("score", "newest", "uncertainty")
DECISIONS = ("approve", "reject", "merge")
REJECT_REASONS = ("not-innovation", "off-topic", "spam", "duplicate")
# the training label a rejection gives: a duplicate says nothing about the text
REJECT_LABELS: dict[str, bool | None] = {
    "not-innovation": False,
    "off-topic": False,
    "spam": False,
    "duplicate": None,
}
PLATFORMS = ("twitter", "mastodon", "bluesky", "rss", "file")
MAX_QUERY_CHARS = 200
MAX_NOTE = 5000
MAX_ITEMS = 500
STATE_FILE = "curation-retrain.json"
QUEUED_FRESH_SECONDS = 3600  # a queued retrain older than this is assumed lost


class Forbidden(PermissionError):
    """Only curators and admins work the inbox."""


# --------------------------------------------------------------------------- listing


@dataclass
class InboxParams:
    status: str = "new"
    q: str = ""
    min_score: float | None = None
    platform: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    province: str | None = None
    source: str | None = None  # a harvest source's name
    sort: str = "score"
    page: int = 1
    per_page: int = 20

    def as_args(self) -> dict[str, Any]:
        """The non-default values as query arguments (for links that keep the filters)."""
        out: dict[str, Any] = {}
        if self.status != "new":
            out["status"] = self.status
        if self.q:
            out["q"] = self.q
        if self.min_score is not None:
            out["min_score"] = f"{self.min_score:g}"
        if self.platform:
            out["platform"] = list(self.platform)
        if self.date_from:
            out["date_from"] = self.date_from.isoformat()
        if self.date_to:
            out["date_to"] = self.date_to.isoformat()
        if self.province:
            out["province"] = self.province
        if self.source:
            out["source"] = self.source
        if self.sort != "score":
            out["sort"] = self.sort
        return out


@dataclass
class CandidatePage:
    total: int
    page: int
    per_page: int
    items: list[Candidate]
    threshold: float


def _values(args: Any, name: str) -> list[str]:
    raw = args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]
    out: list[str] = []
    for item in raw:
        if item is None:
            continue
        out.extend(v.strip() for v in str(item).split(",") if v.strip())
    return list(dict.fromkeys(out))


def _int(args: Any, name: str, default: int, low: int, high: int | None) -> int:
    raw = args.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ParamError(name, f"must be a whole number, got {raw!r}") from None
    if value < low:
        raise ParamError(name, f"must be at least {low}")
    if high is not None and value > high:
        raise ParamError(name, f"must be at most {high}")
    return value


def _date(args: Any, name: str) -> dt.date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ParamError(name, f"expected a date as YYYY-MM-DD, got {raw!r}") from None


def parse_params(args: Any, *, per_page_default: int = 20, per_page_max: int = 100) -> InboxParams:
    """Inbox filters from query arguments; ParamError names the first bad one."""
    status = (args.get("status") or "new").strip().lower()
    if status not in (*STATUSES, "all"):
        raise ParamError("status", f"must be one of: {', '.join((*STATUSES, 'all'))}")
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise ParamError("q", f"at most {MAX_QUERY_CHARS} characters")
    if "\x00" in q:
        raise ParamError("q", "must not contain NUL characters")
    min_score: float | None = None
    raw_score = (args.get("min_score") or "").strip()
    if raw_score:
        try:
            min_score = float(raw_score)
        except ValueError:
            raise ParamError("min_score", f"must be a number, got {raw_score!r}") from None
        if not 0.0 <= min_score <= 1.0:  # also refuses nan
            raise ParamError("min_score", "must be between 0 and 1")
    platforms = [p.lower() for p in _values(args, "platform")]
    for value in platforms:
        if value not in PLATFORMS:
            raise ParamError(
                "platform", f"unknown platform {value!r}; expected one of: {', '.join(PLATFORMS)}"
            )
    date_from, date_to = _date(args, "date_from"), _date(args, "date_to")
    if date_from and date_to and date_from > date_to:
        raise ParamError("date_to", "must not be before date_from")
    province = None
    raw_province = (args.get("province") or "").strip()
    if raw_province:
        region = taxonomy.resolve_region(raw_province, level=1)
        if region is None:
            raise ParamError(
                "province", f"unknown province {raw_province!r}; use a code such as 32"
            )
        province = region.code
    source = (args.get("source") or "").strip() or None
    if source is not None and _source_id(source) is None:
        raise ParamError("source", f"unknown harvest source {source!r}")
    sort = (args.get("sort") or "score").strip().lower()
    if sort not in SORTS:
        raise ParamError("sort", f"must be one of: {', '.join(SORTS)}")
    return InboxParams(
        status=status,
        q=q,
        min_score=min_score,
        platform=platforms,
        date_from=date_from,
        date_to=date_to,
        province=province,
        source=source,
        sort=sort,
        page=_int(args, "page", 1, 1, 1_000_000),
        per_page=_int(args, "per_page", per_page_default, 1, per_page_max),
    )


def _source_id(name: str) -> int | None:
    return db.session.scalar(select(HarvestSource.id).where(HarvestSource.name == name))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def model_threshold() -> float:
    from ..classify.predict import get_predictor

    return float(get_predictor().threshold)


def list_candidates(
    status: str = "new",
    q: str = "",
    min_score: float | None = None,
    platform: str | Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    province: str | None = None,
    source: str | None = None,
    sort: str = "score",
    page: int = 1,
    per_page: int = 20,
) -> CandidatePage:
    """A page of candidates. ``status`` "all" lists every status; ``platform`` (one or several:
    OR) keeps candidates with a post from it; the date range keeps candidates seen within it;
    ``source`` (a harvest source's name) keeps candidates with a post it harvested;
    ``sort`` is score (highest first), newest (last seen) or uncertainty (closest to the
    model's threshold first: the most useful to label next)."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    conditions: list[ColumnElement[bool]] = []
    if status != "all":
        conditions.append(Candidate.status == status)
    if q:
        conditions.append(Candidate.text.ilike(f"%{escape_like(q)}%", escape="\\"))
    if min_score is not None:
        conditions.append(Candidate.score >= min_score)
    platforms = [platform] if isinstance(platform, str) else list(platform or [])
    if platforms:
        conditions.append(
            exists().where(Post.candidate_id == Candidate.id, Post.platform.in_(platforms))
        )
    first = func.coalesce(Candidate.first_seen, Candidate.last_seen, Candidate.created_at)
    last = func.coalesce(Candidate.last_seen, Candidate.first_seen, Candidate.created_at)
    if date_from is not None:
        conditions.append(last >= _jakarta_midnight_utc(date_from))
    if date_to is not None:
        conditions.append(first < _jakarta_midnight_utc(date_to + dt.timedelta(days=1)))
    if province:
        conditions.append(Candidate.province_code == province)
    if source:
        conditions.append(
            exists().where(Post.candidate_id == Candidate.id, Post.source_id == _source_id(source))
        )
    where = and_(*conditions) if conditions else None

    count = select(func.count(Candidate.id))
    query = select(Candidate)
    if where is not None:
        count, query = count.where(where), query.where(where)
    threshold = model_threshold()
    if sort == "newest":
        query = query.order_by(last.desc(), Candidate.id.desc())
    elif sort == "uncertainty":
        query = query.order_by(func.abs(Candidate.score - threshold), Candidate.id)
    else:
        query = query.order_by(Candidate.score.desc(), Candidate.id)
    total = db.session.scalar(count) or 0
    items = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return CandidatePage(total, page, per_page, items, threshold)


def list_page(params: InboxParams) -> CandidatePage:
    return list_candidates(
        status=params.status,
        q=params.q,
        min_score=params.min_score,
        platform=params.platform,
        date_from=params.date_from,
        date_to=params.date_to,
        province=params.province,
        source=params.source,
        sort=params.sort,
        page=params.page,
        per_page=params.per_page,
    )


def innovations_by_id(ids: Sequence[int | None]) -> dict[int, Innovation]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.scalars(select(Innovation).where(Innovation.id.in_(wanted)))
    return {row.id: row for row in rows}


# --------------------------------------------------------------------------- presenting


def _code(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("code")
    return value if isinstance(value, str) and value else None


def predicted_region(candidate: Candidate, key: str) -> taxonomy.RegionInfo | None:
    code = _code((candidate.predicted or {}).get(key))
    if key == "province" and code is None:
        code = candidate.province_code
    return taxonomy.region_by_code(code) if code else None


def explain_terms(candidate: Candidate) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The terms that pushed the score up, and those that pushed it down, strongest first."""
    pairs: list[tuple[str, float]] = []
    for item in candidate.explain or []:
        if isinstance(item, list | tuple) and len(item) == 2:
            try:
                pairs.append((str(item[0]), float(item[1])))
            except (TypeError, ValueError):
                continue
    up = sorted((p for p in pairs if p[1] > 0), key=lambda p: -p[1])
    down = sorted((p for p in pairs if p[1] < 0), key=lambda p: p[1])
    return up, down


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def candidate_record(
    candidate: Candidate,
    *,
    locale: str = "id",
    matches: Mapping[int, Innovation] | None = None,
    url_for_innovation: Any = None,
) -> dict[str, Any]:
    """DESIGN.md's candidate result (plus ``explain``, and ``reason``/``innovation_id``/
    ``merged_into`` for decided ones)."""
    predicted = candidate.predicted or {}
    province = predicted_region(candidate, "province")
    match_id = candidate.matches_innovation_id
    match = (matches or {}).get(match_id) if match_id is not None else None
    if match_id is not None and match is None and matches is None:
        match = db.session.get(Innovation, match_id)
    matches_innovation = None
    if match is not None:
        matches_innovation = {"id": match.id, "title": match.title, "status": match.status}
        if url_for_innovation is not None and match.status == "published":
            matches_innovation["url"] = url_for_innovation(match.slug)
    return {
        "id": candidate.id,
        "status": candidate.status,
        "score": round(float(candidate.score or 0.0), 6),
        "text": candidate.text or "",
        "platforms": list(candidate.platforms or []),
        "post_count": int(candidate.post_count or 0),
        "first_seen": _iso(candidate.first_seen),
        "last_seen": _iso(candidate.last_seen),
        "predicted": {
            "sectors": [s for s in predicted.get("sectors") or [] if isinstance(s, str)],
            "focus": predicted.get("focus"),
            "innovator_type": predicted.get("innovator_type"),
            "province": catalogue.region_ref(province, locale),
        },
        "matches_innovation": matches_innovation,
        "explain": [[t, w] for t, w in _explain_pairs(candidate)],
        "reason": candidate.reason or None,
        "innovation_id": candidate.innovation_id,
        "merged_into": candidate.merged_into_id,
    }


def _explain_pairs(candidate: Candidate) -> list[tuple[str, float]]:
    up, down = explain_terms(candidate)
    return sorted(up + down, key=lambda p: -abs(p[1]))


# --------------------------------------------------------------------------- drafting


ARTICLE_PLATFORMS = ("rss",)


def _article_links(posts: Sequence[Post]) -> list[str]:
    """Links to news articles (RSS); a post's link names its author, so it stays with the
    posts on the curator's side."""
    links: list[str] = []
    for post in posts:
        url = (post.url or "").strip()
        if post.platform not in ARTICLE_PLATFORMS:
            continue
        if re.match(r"^https?://[^\s/]+", url, re.IGNORECASE) and url not in links:
            links.append(url)
    return links[:MAX_LINKS]


def draft_data(candidate: Candidate) -> dict[str, Any]:
    """Innovation fields prefilled from the facts the classifier read in the candidate's posts
    (what, who, where), never from their text: harvested posts are not republished. The title
    and summary are neutral placeholders (see :mod:`.provenance`) the curator must rewrite."""
    from . import provenance

    posts = list(candidate.posts)
    predicted = candidate.predicted or {}
    province = predicted_region(candidate, "province")
    regency = predicted_region(candidate, "regency")
    data: dict[str, Any] = {
        "links": _article_links(posts),
        "sectors": [s for s in predicted.get("sectors") or [] if s in taxonomy.SECTORS],
        "focus": predicted.get("focus") if predicted.get("focus") in taxonomy.FOCUSES else None,
        "innovator_type": (
            predicted.get("innovator_type")
            if predicted.get("innovator_type") in taxonomy.INNOVATOR_TYPES
            else None
        ),
        "province": province.code if province else None,
        "regency": regency.code if regency else None,
    }
    # whatever still does not validate is left for the curator to fill in
    for _ in range(len(data)):
        try:
            clean(data, require_complete=False)
        except ValidationError as exc:
            for name in exc.errors:
                data.pop(name, None)
            continue
        break
    where = regency or province
    data["title"] = provenance.placeholder_title(data.get("sectors") or [], where)
    data["summary"] = provenance.placeholder_summary(candidate.id, data, where)
    return data


# --------------------------------------------------------------------------- deciding


class ItemError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _item_id(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise ItemError(400, f"{what} must be an integer id")
    if not 0 < value < 2**31:
        raise ItemError(404, f"no {what.split()[0]} {value}")
    return value


def _check_item(item: Any) -> dict[str, Any]:
    """The cleaned item, or ItemError(400) saying what is wrong with it."""
    if not isinstance(item, Mapping):
        raise ItemError(400, 'each item must be an object {"id", "decision", ...}')
    candidate_id = _item_id(item.get("id"), "candidate id")
    decision = item.get("decision")
    if decision not in DECISIONS:
        raise ItemError(400, f"decision must be one of: {', '.join(DECISIONS)}")
    note = item.get("note") or ""
    if not isinstance(note, str):
        raise ItemError(400, "note must be text")
    if len(note) > MAX_NOTE:
        raise ItemError(400, f"note: at most {MAX_NOTE} characters")
    if "\x00" in note:
        raise ItemError(400, "note must not contain NUL characters")
    reason = item.get("reason") or ""
    if not isinstance(reason, str):
        raise ItemError(400, "reason must be text")
    cleaned: dict[str, Any] = {
        "id": candidate_id,
        "decision": decision,
        "note": note.strip(),
        "reason": reason.strip(),
    }
    if decision == "reject" and cleaned["reason"] not in REJECT_REASONS:
        raise ItemError(400, f"a rejection needs a reason: one of {', '.join(REJECT_REASONS)}")
    if decision == "merge":
        into = item.get("into")
        if (
            not isinstance(into, Mapping)
            or len(into) != 1
            or not set(into)
            <= {
                "candidate",
                "innovation",
            }
        ):
            raise ItemError(400, 'merge needs "into": {"candidate": id} or {"innovation": id}')
        kind = next(iter(into))
        cleaned["into"] = (kind, _item_id(into[kind], f"{kind} id"))
        if kind == "candidate" and cleaned["into"][1] == candidate_id:
            raise ItemError(400, "a candidate cannot be merged into itself")
        if cleaned["reason"] not in REJECT_REASONS:
            cleaned["reason"] = ""
    elif decision == "approve":
        cleaned["reason"] = ""
    return cleaned


def _actor_name(actor: User | str) -> str:
    return actor.email if isinstance(actor, User) else str(actor)


def _record(
    candidate: Candidate,
    actor: User | str,
    decision: str,
    *,
    label: bool | None,
    reason: str = "",
    note: str = "",
    into_candidate: int | None = None,
    into_innovation: int | None = None,
) -> CandidateDecision:
    now = utcnow()
    row = CandidateDecision(
        candidate_id=candidate.id,
        actor_id=actor.id if isinstance(actor, User) else None,
        actor=_actor_name(actor),
        at=now,
        decision=decision,
        reason=reason,
        note=note,
        into_candidate_id=into_candidate,
        into_innovation_id=into_innovation,
        label=label,
        text=candidate.text or "",
    )
    db.session.add(row)
    candidate.decided_by_id = actor.id if isinstance(actor, User) else None
    candidate.decided_at = now
    candidate.updated_at = now
    return row


def approve(candidate: Candidate, actor: User | str, note: str = "") -> Innovation:
    """A draft innovation prefilled from the candidate, owned by the curator, linked to it."""
    actor_user = actor if isinstance(actor, User) else None
    innovation = catalogue.create(draft_data(candidate), actor=actor, origin="harvest")
    if actor_user is not None:
        # the curator owns the draft; the contact stays empty until the innovator's is known
        innovation.owner = actor_user
    candidate.status = "approved"
    candidate.innovation_id = innovation.id
    candidate.reason = ""
    _record(candidate, actor, "approve", label=True, note=note)
    db.session.flush()
    return innovation


# the statuses a curator may merge a candidate into: reviewed or on its way to review
MERGEABLE_INNOVATION_STATUSES = ("submitted", "in_review", "published", "revision_requested")
JAKARTA = ZoneInfo("Asia/Jakarta")


def _jakarta_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of ``day`` in Jakarta time (as curators read dates) as naive UTC."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=JAKARTA)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def reject(candidate: Candidate, reason: str, actor: User | str, note: str = "") -> None:
    if reason not in REJECT_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    candidate.status = "rejected"
    candidate.reason = reason
    _record(candidate, actor, "reject", label=REJECT_LABELS[reason], reason=reason, note=note)
    db.session.flush()


def merge_into_candidate(
    candidate: Candidate, target: Candidate, actor: User | str, reason: str = "", note: str = ""
) -> None:
    """Move the candidate's posts to ``target`` (which recounts) and mark it merged."""
    if target.status in ("rejected", "merged"):
        raise ItemError(409, f"candidate {target.id} is {target.status}; merge into another")
    _record(
        candidate, actor, "merge", label=None, reason=reason, note=note, into_candidate=target.id
    )
    db.session.execute(
        update(Post).where(Post.candidate_id == candidate.id).values(candidate_id=target.id)
    )
    db.session.expire(candidate, ["posts"])
    db.session.expire(target, ["posts"])
    candidate.status = "merged"
    candidate.merged_into_id = target.id
    candidate.reason = reason
    candidate.post_count = 0  # its text and platforms stay, as the record of what it was
    if target.matches_innovation_id is None:
        target.matches_innovation_id = candidate.matches_innovation_id
    db.session.flush()
    harvesting.refresh_candidate(target)
    db.session.flush()


def merge_into_innovation(
    candidate: Candidate, innovation: Innovation, actor: User | str, note: str = ""
) -> None:
    """The candidate tells of an innovation already in the catalogue: a positive label."""
    candidate.status = "merged"
    candidate.innovation_id = innovation.id
    candidate.reason = ""
    _record(candidate, actor, "merge", label=True, note=note, into_innovation=innovation.id)
    db.session.flush()


def _decide_one(item: dict[str, Any], actor: User | str) -> dict[str, Any]:
    candidate = db.session.get(Candidate, item["id"], with_for_update=True)
    if candidate is None:
        raise ItemError(404, f"no candidate {item['id']}")
    if candidate.status != "new":
        raise ItemError(409, f"candidate {candidate.id} is already {candidate.status}")
    decision = item["decision"]
    result: dict[str, Any] = {"id": candidate.id, "status": 200, "detail": ""}
    if decision == "approve":
        innovation = approve(candidate, actor, item["note"])
        result.update(
            detail="approved: a draft innovation was created", innovation_id=innovation.id
        )
    elif decision == "reject":
        reject(candidate, item["reason"], actor, item["note"])
        result["detail"] = f"rejected ({item['reason']})"
    else:
        kind, target_id = item["into"]
        if kind == "candidate":
            target = db.session.get(Candidate, target_id)
            if target is None:
                raise ItemError(404, f"no candidate {target_id} to merge into")
            merge_into_candidate(candidate, target, actor, item["reason"], item["note"])
            result["detail"] = f"merged into candidate {target.id}"
        else:
            existing = db.session.get(Innovation, target_id)
            if existing is None:
                raise ItemError(404, f"no innovation {target_id} to merge into")
            if existing.status not in MERGEABLE_INNOVATION_STATUSES:
                # a draft is private to its owner; a rejected or withdrawn one is no label
                raise ItemError(
                    409, f"innovation {existing.id} is {existing.status}; merge into another"
                )
            merge_into_innovation(candidate, existing, actor, item["note"])
            result.update(detail=f"merged into innovation {existing.id}", innovation_id=existing.id)
    return result


def _candidates_changed(items: Sequence[Any]) -> list[int]:
    ids: list[int] = []
    for raw in items:
        try:
            item = _check_item(raw)
        except (ItemError, ValidationError):
            continue  # refused before it touches anything
        ids.append(item["id"])
        if item["decision"] == "merge" and item["into"][0] == "candidate":
            ids.append(item["into"][1])
    return ids


def _shown_id(raw_id: Any) -> int | None:
    return raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None


def decide(items: Sequence[Any], actor: User | str) -> list[dict[str, Any]]:
    """Apply a list of decisions, each in its own SAVEPOINT: one result per item,
    ``{"id", "status": 200|400|404|409, "detail"}`` plus ``innovation_id`` when approved or
    merged into an innovation. An already decided candidate gets 409; the others still apply."""
    if isinstance(actor, User) and not actor.is_curator:
        raise Forbidden("only curators decide on candidates")
    if len(items) > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS} decisions at once")
    # every candidate the items change, locked at once in id order: two bulk decisions in
    # opposite orders, or two reciprocal merges, queue instead of deadlocking
    lock_rows(Candidate, _candidates_changed(items))
    results: list[dict[str, Any]] = []
    for raw in items:
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        try:
            item = _check_item(raw)
            with db.session.begin_nested():
                results.append(_decide_one(item, actor))
        except ItemError as exc:
            results.append({"id": _shown_id(raw_id), "status": exc.status, "detail": exc.detail})
        except ValidationError as exc:
            results.append({"id": _shown_id(raw_id), "status": 400, "detail": str(exc)})
    return results


# --------------------------------------------------------------------------- reopening


def _drop_draft(innovation: Innovation) -> None:
    """Delete the untouched draft an approval made (and its uploaded files)."""
    from . import attachments

    files = list(innovation.attachments)
    db.session.delete(innovation)
    db.session.flush()
    for attachment in files:
        attachments.path_of(attachment).unlink(missing_ok=True)


def _reopen_one(candidate_id: int, actor: User | str, note: str) -> dict[str, Any]:
    candidate = db.session.get(Candidate, candidate_id, with_for_update=True)
    if candidate is None:
        raise ItemError(404, f"no candidate {candidate_id}")
    if candidate.status == "new":
        raise ItemError(409, f"candidate {candidate.id} is not decided")
    if candidate.merged_into_id is not None:
        raise ItemError(
            409,
            f"candidate {candidate.id} was merged into candidate {candidate.merged_into_id}, "
            "which holds its posts now",
        )
    if candidate.status == "approved" and candidate.innovation_id is not None:
        draft = db.session.get(Innovation, candidate.innovation_id)
        if draft is not None and draft.status != "draft":
            raise ItemError(409, f"its innovation {draft.id} is already {draft.status}")
        if draft is not None:
            _drop_draft(draft)
    # a reopening gives no label: the earlier decision's label is withdrawn (training_rows
    # reads the latest decision of each candidate)
    _record(candidate, actor, "reopen", label=None, note=note)
    candidate.status = "new"
    candidate.reason = ""
    candidate.innovation_id = None
    candidate.decided_by_id = None
    candidate.decided_at = None
    db.session.flush()
    return {"id": candidate.id, "status": 200, "detail": "reopened"}


def reopen(ids: Sequence[Any], actor: User | str, note: str = "") -> list[dict[str, Any]]:
    """Put decided candidates back in the inbox (an undo, or a second look), each in its own
    SAVEPOINT. An approval's draft is deleted when it is still an untouched draft (otherwise
    409); a candidate merged into another cannot be reopened (its posts moved there)."""
    if isinstance(actor, User) and not actor.is_curator:
        raise Forbidden("only curators decide on candidates")
    if len(ids) > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS} candidates at once")
    results: list[dict[str, Any]] = []
    for raw_id in ids:
        try:
            candidate_id = _item_id(raw_id, "candidate id")
            with db.session.begin_nested():
                results.append(_reopen_one(candidate_id, actor, note))
        except ItemError as exc:
            results.append({"id": _shown_id(raw_id), "status": exc.status, "detail": exc.detail})
    return results


# --------------------------------------------------------------------------- learning


def _row_heads(candidate: Candidate, innovation: Innovation | None) -> dict[str, Any]:
    if innovation is not None:
        return {
            "sectors": innovation.sectors,
            "focus": innovation.focus,
            "innovator_type": innovation.innovator_type,
            "province": innovation.province_code,
        }
    predicted = candidate.predicted or {}
    region = predicted_region(candidate, "province")
    return {
        "sectors": list(predicted.get("sectors") or []),
        "focus": predicted.get("focus"),
        "innovator_type": predicted.get("innovator_type"),
        "province": region.code if region else None,
    }


def training_rows() -> Iterator[dict[str, Any]]:
    """Decided candidates as labelled rows in the training format (registry.classify.train):
    ``id, text, author, user_location, lang, is_innovation, sectors, focus, innovator_type,
    province``. The latest decision of each candidate counts; decisions without a
    label (a duplicate, a merge into another candidate, a reopening) give no row. A positive
    row takes its sectors, focus, innovator type and province from the innovation the curator
    made of it."""
    latest = select(func.max(CandidateDecision.id)).group_by(CandidateDecision.candidate_id)
    decisions = db.session.scalars(
        select(CandidateDecision)
        .where(CandidateDecision.id.in_(latest))
        .order_by(CandidateDecision.id)
    )
    for decision in decisions:
        if decision.label is None:
            continue
        candidate = db.session.get(Candidate, decision.candidate_id)
        if candidate is None or not (decision.text or candidate.text):
            continue
        first_post = db.session.scalar(
            select(Post).where(Post.candidate_id == candidate.id).order_by(Post.id).limit(1)
        )
        positive = bool(decision.label)
        innovation = None
        if positive:
            innovation_id = decision.into_innovation_id or candidate.innovation_id
            innovation = db.session.get(Innovation, innovation_id) if innovation_id else None
        row: dict[str, Any] = {
            "id": f"candidate-{candidate.id}",
            "text": decision.text or candidate.text,
            "author": first_post.author_handle if first_post else "",
            "user_location": first_post.author_location if first_post else "",
            "lang": candidate.lang,
            "is_innovation": int(positive),
        }
        if positive:
            row.update(_row_heads(candidate, innovation))
        else:
            row.update(sectors=[], focus=None, innovator_type=None, province=None)
        yield row


def _state_path(instance_dir: str | Path | None = None) -> Path:
    base = instance_dir or current_app.config["INSTANCE_DIR"]
    return Path(base) / STATE_FILE


def read_state(instance_dir: str | Path | None = None) -> dict[str, Any]:
    try:
        state = json.loads(_state_path(instance_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(state: Mapping[str, Any], instance_dir: str | Path | None = None) -> None:
    path = _state_path(instance_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(dict(state), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _labelled_after(decision_id: int) -> ColumnElement[bool]:
    return and_(CandidateDecision.label.is_not(None), CandidateDecision.id > decision_id)


def new_labels_since_training(instance_dir: str | Path | None = None) -> int:
    """Labelled decisions recorded after the last retraining took its rows."""
    through = int(read_state(instance_dir).get("trained_through") or 0)
    return (
        db.session.scalar(select(func.count(CandidateDecision.id)).where(_labelled_after(through)))
        or 0
    )


def maybe_retrain(instance_dir: str | Path | None = None) -> bool:
    """Called by the edge after committing decisions: enqueue ``classify.retrain`` once
    RETRAIN_AFTER new labels have arrived since the last training (and none is queued)."""
    after = int(current_app.config.get("RETRAIN_AFTER") or 0)
    if after <= 0:
        return False
    state = read_state(instance_dir)
    queued_at = float(state.get("queued_at") or 0)
    if queued_at and time.time() - queued_at < QUEUED_FRESH_SECONDS:
        return False
    if new_labels_since_training(instance_dir) < after:
        return False
    _write_state({**state, "queued_at": time.time()}, instance_dir)
    directory = str(instance_dir) if instance_dir else None
    if not jobs.broker_configured():
        # no workers: train in a background thread, so the curator's request that crossed the
        # threshold does not wait the seconds training takes
        _start_retrain_thread(directory)
        return True
    try:
        # no path: a worker trains into its own instance directory (share instance/models
        # between hosts when workers run elsewhere; see the README)
        jobs.run("classify.retrain", directory)
    except Exception:
        _write_state({**state, "queued_at": None}, instance_dir)
        log.exception("classify.retrain failed")
        return False
    return True


_retrain_thread: threading.Thread | None = None


def _start_retrain_thread(instance_dir: str | None) -> None:
    global _retrain_thread
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def train() -> None:
        with app.app_context():
            try:
                retrain(instance_dir)
            except Exception:
                log.exception("classify.retrain failed")
            finally:
                db.session.remove()

    _retrain_thread = threading.Thread(target=train, name="classify-retrain", daemon=True)
    _retrain_thread.start()


def wait_for_retrain(timeout: float | None = None) -> None:
    """Wait for a retraining started in this process (without a broker) to finish."""
    if _retrain_thread is not None:
        _retrain_thread.join(timeout)


@jobs.task("classify.retrain")
def retrain(instance_dir: str | None = None) -> dict[str, Any]:
    """Train on the seed set plus every curator label, activate the new model, and remember
    which decisions it has seen."""
    from ..classify.train import train_and_save

    directory = instance_dir or str(current_app.config["INSTANCE_DIR"])
    state = read_state(directory)
    through = (
        db.session.scalar(
            select(func.max(CandidateDecision.id)).where(CandidateDecision.label.is_not(None))
        )
        or 0
    )
    rows = list(training_rows())
    db.session.rollback()  # training takes seconds: hold no transaction meanwhile
    try:
        info, report = train_and_save(directory, extra_rows=rows, activate=True)
    except Exception:
        _write_state({**state, "queued_at": None}, directory)
        raise
    _write_state(
        {
            "trained_through": through,
            "version": info.version,
            "rows": len(rows),
            "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "queued_at": None,
        },
        directory,
    )
    log.info("classify.retrain: model %s trained with %d curator labels", info.version, len(rows))
    return {"version": info.version, "curator_rows": len(rows), "cv_metrics": report["cv_metrics"]}
