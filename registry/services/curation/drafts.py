"""Drafts from candidates: the innovation fields an approval prefills from what the classifier
read, never from the posts' text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ... import taxonomy
from ...models import Candidate, Post
from .. import provenance
from ..validation import MAX_LINKS, ValidationError, clean
from .inbox import predicted_region

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
