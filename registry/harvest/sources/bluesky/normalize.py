"""Bluesky's post views (`app.bsky.feed.defs#postView`) as our posts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry.harvest.base import HarvestedPost
from registry.harvest.sources.normalize_util import (
    count,
    iso_lang,
    media_item,
    normalized,
    parse_datetime,
    require_mapping,
)

PLATFORM = "bluesky"


def normalize_post_view(view: Mapping[str, Any]) -> HarvestedPost:
    """An `app.bsky.feed.defs#postView` as a HarvestedPost; ValueError when it is malformed."""
    return normalized(_normalize_post_view, view, "postView")


def _normalize_post_view(view: Mapping[str, Any]) -> HarvestedPost:
    view = require_mapping(view, "postView")
    uri = view.get("uri")
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise ValueError(f"postView has no at:// uri: {uri!r}")
    record = require_mapping(view.get("record"), "record")
    author = require_mapping(view.get("author") or {}, "author")
    text = record.get("text", "")
    if not isinstance(text, str):
        raise ValueError("record.text is not a string")
    handle = str(author.get("handle") or "")
    langs = record.get("langs") or []
    created = parse_datetime(record.get("createdAt")) or parse_datetime(view.get("indexedAt"))
    reply = record.get("reply")
    reply_to_id = None
    if isinstance(reply, Mapping) and isinstance(reply.get("parent"), Mapping):
        reply_to_id = reply["parent"].get("uri") or None
    return HarvestedPost(
        platform=PLATFORM,
        external_id=uri,
        text=text,
        url=post_link(uri, handle),
        author_handle=handle,
        author_name=str(author.get("displayName") or ""),
        lang=iso_lang(langs[0]) if isinstance(langs, list) and langs else None,
        created_at=created,
        metrics={
            "replies": count(view, "replyCount"),
            "reposts": count(view, "repostCount"),
            "likes": count(view, "likeCount"),
            "quotes": count(view, "quoteCount"),
        },
        media=_media(view.get("embed")),
        reply_to_id=reply_to_id,
        quote_of_id=_quoted_uri(record.get("embed")),
        raw=dict(view),
    )


def post_link(uri: str, handle: str = "") -> str:
    """The bsky.app page of a post: at://DID/app.bsky.feed.post/RKEY -> profile/HANDLE/post/RKEY."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return ""
    actor = handle if handle and handle != "handle.invalid" else parts[0]
    return f"https://bsky.app/profile/{actor}/post/{parts[2]}"


def _media(embed: Any) -> list[dict[str, Any]]:
    """Images and videos of an embed view (also inside a record-with-media embed)."""
    if not isinstance(embed, Mapping):
        return []
    kind = str(embed.get("$type") or "")
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        return _media(embed.get("media"))
    if kind.startswith("app.bsky.embed.images"):
        return [
            media_item("image", image.get("fullsize"), image.get("thumb"), image.get("alt"))
            for image in embed.get("images") or []
            if isinstance(image, Mapping)
        ]
    if kind.startswith("app.bsky.embed.video"):
        return [
            media_item("video", embed.get("playlist"), embed.get("thumbnail"), embed.get("alt"))
        ]
    return []


def _quoted_uri(embed: Any) -> str | None:
    """The uri a post quotes, from its record's embed (app.bsky.embed.record[WithMedia])."""
    if not isinstance(embed, Mapping):
        return None
    kind = embed.get("$type")
    if kind == "app.bsky.embed.recordWithMedia":
        return _quoted_uri(embed.get("record"))
    if kind == "app.bsky.embed.record" and isinstance(embed.get("record"), Mapping):
        uri = embed["record"].get("uri")
        return uri if isinstance(uri, str) and uri else None
    return None
