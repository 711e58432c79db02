"""Harvested posts are never republished: what a draft made from posts may hold, and when it may
be published.

A draft approved from a candidate is prefilled from the facts the classifier read (sectors, focus,
innovator type, region) under a placeholder title and summary marked :data:`PLACEHOLDER`; the
posts stay on the curator's side (:func:`source_posts`). :func:`check_publishable` refuses to
publish a harvested innovation while a field still holds the placeholder, a post's text verbatim
or a post author's @handle: the curator writes it in their own words from the sources first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from .. import taxonomy
from ..extensions import db
from ..models import Candidate, Innovation, Post
from ..text import strip_repost_prefix, strip_urls
from .validation import TEXT_FIELDS, ValidationError

PLACEHOLDER = "[draf otomatis]"
# this many consecutive words of a post found in a field block publication
MIN_FRAGMENT_WORDS = 8

PLACEHOLDER_MESSAGE = "still holds the automatic placeholder: rewrite it before publishing"
VERBATIM_MESSAGE = "still holds a harvested post's text verbatim: rewrite it before publishing"
HANDLE_MESSAGE = "names a harvested post's author: remove it before publishing"

_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+)+\s*")
_NOT_WORD = re.compile(r"[^\w@]+")


def plain_text(text: str) -> str:
    """Post text without a retweet prefix, leading mentions or links, on one line. Mentions
    and short links inside the text stay: a field that copied the post holds them too."""
    text = _LEADING_MENTIONS.sub("", strip_repost_prefix(text or ""))
    return " ".join(strip_urls(text).split())


def _words(text: str) -> str:
    """Lower-case words separated by single spaces (punctuation and # dropped)."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


# --------------------------------------------------------------------------- prefilling


def placeholder_title(sectors: Sequence[str], where: Any) -> str:
    what = taxonomy.label(taxonomy.SECTORS, sectors[0]) if sectors else "pelayanan publik"
    place = f" di {where.name}" if where is not None else ""
    return f"{PLACEHOLDER} Inovasi {what.lower()}{place}"


def placeholder_summary(candidate_id: int, data: Mapping[str, Any], where: Any) -> str:
    """A neutral sentence of the facts, for the curator to replace."""
    facts: list[str] = []
    if data.get("sectors"):
        labels = (taxonomy.label(taxonomy.SECTORS, s).lower() for s in data["sectors"])
        facts.append("bidang " + ", ".join(labels))
    if data.get("focus"):
        facts.append("fokus " + taxonomy.label(taxonomy.FOCUSES, data["focus"]).lower())
    if data.get("innovator_type"):
        facts.append("oleh " + taxonomy.label(taxonomy.INNOVATOR_TYPES, data["innovator_type"]))
    if where is not None:
        facts.append("di " + where.name)
    told = f": inovasi {'; '.join(facts)}" if facts else ""
    return (
        f"{PLACEHOLDER} Dibuat dari kandidat #{candidate_id}{told}. "
        "Tulis ringkasan dengan kata-kata sendiri dari sumber resmi sebelum terbit."
    )


# --------------------------------------------------------------------------- the curator's side


def source_posts(innovation: Innovation) -> list[Post]:
    """The harvested posts an innovation was made from or merged with (curators only)."""
    if innovation.id is None:
        return []
    return list(
        db.session.scalars(
            select(Post)
            .join(Candidate, Post.candidate_id == Candidate.id)
            .where(Candidate.innovation_id == innovation.id)
            .order_by(Post.created_at, Post.id)
        )
    )


def _shingles(words: Sequence[str]) -> set[tuple[str, ...]]:
    n = MIN_FRAGMENT_WORDS
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _fragments(posts: Iterable[Post]) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for post in posts:
        out |= _shingles(_words(plain_text(post.text or "")).split())
    return out


def problems(innovation: Innovation, posts: Sequence[Post] | None = None) -> dict[str, str]:
    """Field name -> what still keeps a harvested innovation from publication."""
    if innovation.origin != "harvest":
        return {}
    posts = source_posts(innovation) if posts is None else posts
    fragments = _fragments(posts)
    handles = {f"@{p.author_handle.lower()}" for p in posts if p.author_handle}
    found: dict[str, str] = {}
    for name in ("title", *TEXT_FIELDS, "innovator_name", "unit"):
        value = getattr(innovation, name, None) or ""
        if not value:
            continue
        if PLACEHOLDER in value:
            found[name] = PLACEHOLDER_MESSAGE
            continue
        words = _words(value).split()
        if fragments & _shingles(words):
            found[name] = VERBATIM_MESSAGE
        elif handles & set(words):
            found[name] = HANDLE_MESSAGE
    return found


def check_publishable(innovation: Innovation) -> None:
    """ValidationError naming each field that still holds a placeholder, post text or handle."""
    found = problems(innovation)
    if found:
        raise ValidationError(found)
