"""Mastodon's statuses (API JSON, as the server wrote them) as our posts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry.harvest.base import HarvestedPost
from registry.harvest.sources.normalize_util import (
    count,
    html_to_text,
    iso_lang,
    media_item,
    normalized,
    optional_str,
    parse_datetime,
    require_mapping,
)

PLATFORM = "mastodon"


def normalize_status(status: Mapping[str, Any]) -> HarvestedPost:
    """A Mastodon status (API JSON) as a HarvestedPost; ValueError when it is malformed.

    external_id is the status `uri` (the same on every instance that knows the status), or
    its `id` when there is no uri. A boost keeps its own id and takes the original's text.
    """
    return normalized(_normalize_status, status, "status")


def _normalize_status(status: Mapping[str, Any]) -> HarvestedPost:
    status = require_mapping(status, "status")
    local_id = status.get("id")
    if local_id in (None, ""):
        raise ValueError("status has no id")
    account = require_mapping(status.get("account") or {}, "account")

    original = None
    reblog = status.get("reblog")
    if reblog:
        original = _normalize_status(require_mapping(reblog, "reblog"))

    quote_of_id = None
    quote = status.get("quote")
    if isinstance(quote, Mapping) and isinstance(quote.get("quoted_status"), Mapping):
        quote_of_id = _external_id(quote["quoted_status"])

    text = _status_text(status)
    if original is not None and not text:
        text = original.text
    return HarvestedPost(
        platform=PLATFORM,
        external_id=_external_id(status),
        text=text,
        url=str(status.get("url") or status.get("uri") or ""),
        author_handle=str(account.get("acct") or account.get("username") or ""),
        author_name=str(account.get("display_name") or ""),
        lang=iso_lang(status.get("language")),
        created_at=parse_datetime(status.get("created_at")),
        metrics={
            "replies": count(status, "replies_count"),
            "reposts": count(status, "reblogs_count"),
            "likes": count(status, "favourites_count"),
            "quotes": count(status, "quotes_count"),
        },
        media=[_media(item) for item in status.get("media_attachments") or []],
        reply_to_id=optional_str(status.get("in_reply_to_id")),
        repost_of_id=original.external_id if original is not None else None,
        quote_of_id=quote_of_id,
        raw=dict(status),
        original=original,
    )


def _external_id(status: Mapping[str, Any]) -> str:
    uri = status.get("uri")
    if isinstance(uri, str) and uri:
        return uri
    local_id = status.get("id")
    if local_id in (None, ""):
        raise ValueError("status has no id")
    return str(local_id)


def _status_text(status: Mapping[str, Any]) -> str:
    text = html_to_text(str(status.get("content") or ""))
    warning = str(status.get("spoiler_text") or "").strip()
    return f"{warning}\n\n{text}".strip() if warning else text


def _media(item: Any) -> dict[str, Any]:
    item = require_mapping(item, "media attachment")
    return media_item(
        str(item.get("type") or "unknown"),
        item.get("url") or item.get("remote_url"),
        item.get("preview_url"),
        item.get("description"),
    )
