"""One package per platform (a client and a normalizer; RSS one module), each source behind
the `Source` protocol of `registry.harvest.base`; `normalize_util` holds what the normalizers
share.

`make_source` builds the source of a stored HarvestSource row; platform clients are imported
only when a source of theirs runs (each pulls in its own client library). The normalizers
import no client library (archives use them alone).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ..base import Source

_CLASSES = {
    "twitter": ("twitter.client", "TwitterSource"),
    "mastodon": ("mastodon.client", "MastodonSource"),
    "bluesky": ("bluesky.client", "BlueskySource"),
    "rss": ("rss", "RssSource"),
}


def source_class(platform: str) -> Any:
    try:
        module_name, class_name = _CLASSES[platform]
    except KeyError:
        raise ValueError(f"no harvester for platform {platform!r}") from None
    module = import_module(f"{__name__}.{module_name}")
    return getattr(module, class_name)


def make_source(source_row: Any, token: str | None, timeout: float = 30.0) -> Source:
    """The harvester of a HarvestSource row (platform, query, base_url)."""
    cls = source_class(source_row.platform)
    options: dict[str, Any] = {}
    if getattr(source_row, "full_archive", False):
        options["full_archive"] = True  # X/Twitter only (refused for others when stored)
    source: Source = cls(
        query=source_row.query,
        base_url=source_row.base_url or "",
        token=token,
        timeout=timeout,
        **options,
    )
    return source
