"""Catalogue matching: which existing innovation a harvested post or candidate talks about."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from ...models import Innovation
from ...text import TOKEN_RE
from ..base import HarvestedPost

MATCH_STATUSES = ("submitted", "in_review", "published", "revision_requested")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'()]+", re.IGNORECASE)


def normalize_url(url: str) -> str:
    """host + path, lower-cased host, no scheme, "www.", query-less trailing slash."""
    url = url.strip().rstrip(".,;:!?)]}'\"")
    url = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.IGNORECASE)
    host, _, rest = url.partition("/")
    host = host.lower().removeprefix("www.")
    path = rest.split("#", 1)[0].rstrip("/")
    return f"{host}/{path}" if path else host


def post_urls(post: HarvestedPost, raw: Any = None) -> set[str]:
    """The URLs a post carries: in its text, and expanded in its payload's entities (``raw``:
    the payload when the post no longer carries it)."""
    urls = set(_URL_IN_TEXT.findall(post.text or ""))
    raw = raw if raw is not None else post.raw
    raw = raw if isinstance(raw, dict) else {}
    entities = raw.get("entities")
    if isinstance(entities, dict) and isinstance(entities.get("urls"), list):
        for entity in entities["urls"]:
            if isinstance(entity, dict):
                for key in ("expanded_url", "unwound_url", "url"):
                    if isinstance(entity.get(key), str):
                        urls.add(entity[key])
    if post.url:
        urls.add(post.url)
    return {normalize_url(u) for u in urls if u}


class CatalogueMatcher:
    """Which catalogue innovation a candidate talks about: a link of the innovation in a post,
    or its title (three words or more) word for word in the text. Reads the catalogue once."""

    def __init__(self, rows: Iterable[tuple[int, str, Sequence[str] | None]]) -> None:
        self.links: dict[str, int] = {}
        self.titles: dict[tuple[str, str, str], list[tuple[tuple[str, ...], int]]] = {}
        for innovation_id, title, links in rows:
            for link in links or []:
                if isinstance(link, str) and link.strip():
                    self.links.setdefault(normalize_url(link), innovation_id)
            words = tuple(TOKEN_RE.findall((title or "").casefold()))
            if len(words) >= 3:
                self.titles.setdefault(words[:3], []).append((words, innovation_id))

    @classmethod
    def load(cls, session: Any) -> CatalogueMatcher:
        rows = session.execute(
            select(Innovation.id, Innovation.title, Innovation.links).where(
                Innovation.status.in_(MATCH_STATUSES)
            )
        ).all()
        return cls((r[0], r[1], r[2]) for r in rows)

    def by_urls(self, urls: Iterable[str]) -> int | None:
        if not self.links:
            return None
        for url in urls:
            found = self.links.get(url)
            if found is not None:
                return found
        return None

    def by_title(self, text: str) -> int | None:
        if not self.titles or not text:
            return None
        words = TOKEN_RE.findall(text.casefold())
        for i in range(len(words) - 2):
            entries = self.titles.get((words[i], words[i + 1], words[i + 2]))
            if entries:
                for title, innovation_id in entries:
                    if tuple(words[i : i + len(title)]) == title:
                        return innovation_id
        return None
