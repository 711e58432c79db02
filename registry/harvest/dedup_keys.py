"""The dedup text of a post: the words two copies of one post share (:func:`dedup_tokens`),
its exact hash (:func:`text_hash`) and the places it names (:func:`text_regions`), which
near-duplicate detection (:mod:`registry.harvest.dedup`) compares.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from ..text import RT_PREFIX_RE, TOKEN_RE, fold, strip_links_and_mentions

__all__ = ["dedup_tokens", "region_keys", "regions_agree", "text_hash", "text_regions"]

_NUMBER_TAG = re.compile(r"(?<![\w#&])#\d+\b")
_TRAILING_TAGS = re.compile(r"(?:[\s.,;:!?|/·\-–—]*#\w+)+[\s.,;:!?|/·\-–—]*$")
_ELLIPSIS_END = re.compile(r"(?:…|\.\.\.+)\s*$")
_HASHTAG = re.compile(r"#(\w+)")

_region_keys: dict[str, str] | None = None


def region_keys() -> dict[str, str]:
    """Folded one-word place name (also a several-word name written as one hashtag:
    "kotabandung", "jawabarat") -> a key naming the regions it may mean ("32.04|32.73" for
    "bandung"). Built once from the taxonomy: a token's lookup is then one dict probe."""
    global _region_keys
    if _region_keys is None:
        from ..taxonomy import region_name_index

        keys: dict[str, str] = {}
        for name, regions in region_name_index().items():
            key = "|".join(sorted({r.code for r in regions}))
            for form in (name, name.replace(" ", "")):
                if form.isalnum():
                    keys.setdefault(fold(form), key)
        _region_keys = keys
    return _region_keys


def text_regions(tokens: Iterable[str]) -> frozenset[str]:
    """The places the dedup words name, as :func:`region_keys` keys."""
    keys = region_keys()
    return frozenset(key for t in tokens if (key := keys.get(t)) is not None)


def regions_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two texts may be copies unless each names a place the other does not ("... Surabaya"
    vs "... Malang"); a copy that names none, or drops or adds one (cut short, a tag
    appended), may still be one."""
    return not a or not b or a <= b or b <= a


def dedup_tokens(text: str) -> list[str]:
    """The words two copies of one post share: lower-cased and accent-folded, without a leading
    "RT @user:", URLs, mentions, numeric and trailing hashtags, a truncation marker (and the
    word it may have cut), and numbering at either end ("1/3", "(2)"). An e-mail address stays,
    as words, so that keys stored before stay comparable."""
    if not text:
        return []
    text = strip_links_and_mentions(RT_PREFIX_RE.sub(" ", text, count=1), emails=False)
    truncated = False
    if "…" in text or "..." in text:
        text, cut = _ELLIPSIS_END.subn("", text.rstrip())
        truncated = bool(cut)
    places: list[str] = []
    if "#" in text:
        text = _NUMBER_TAG.sub(" ", text)
        trailing = _TRAILING_TAGS.search(text)
        if trailing is not None:
            # a trailing tag naming a place stays: "#Bandung" and "#Bogor" are two posts
            keys = region_keys()
            places = [tag for t in _HASHTAG.findall(trailing.group()) if (tag := fold(t)) in keys]
            text = text[: trailing.start()]
        text = _ELLIPSIS_END.sub("", text.rstrip())
    tokens = TOKEN_RE.findall(fold(text))
    if truncated and len(tokens) > 1:
        tokens.pop()  # maybe a word cut in half
    start, end = 0, len(tokens)
    while start < end and tokens[start].isdigit():
        start += 1
    while end > start and tokens[end - 1].isdigit():
        end -= 1
    if places:
        return [*tokens[start:end], *places]
    return tokens[start:end]


def text_hash(tokens: Sequence[str]) -> str:
    """40 hex characters naming the dedup text; "" for a text without words."""
    if not tokens:
        return ""
    return hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=20).hexdigest()
