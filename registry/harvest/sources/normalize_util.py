"""Small helpers the platforms' normalizers share: plain text, dates, languages, counts, errors."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from typing import Any

from registry.harvest.base import HarvestedPost, ItemError

_BLOCK_TAGS = {"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr"}
_SKIPPED_TAGS = {"script", "style"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            # whitespace inside HTML source is not a line break; <br> and blocks are
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """HTML as plain text: tags dropped, entities unescaped, <br> and paragraphs kept as breaks.

    Text hidden by CSS (Mastodon's `invisible` link parts) is kept, so links stay whole.
    """
    if not html:
        return ""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def parse_datetime(value: Any) -> dt.datetime | None:
    """An ISO 8601 string (or datetime) as naive UTC; None when absent. Raises ValueError if bad."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"not a date: {value!r}")
    return naive_utc(parsed)


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """A datetime as naive UTC; ValueError (not OverflowError) when UTC falls outside the
    years 1-9999, as "9999-12-31T23:59:59-01:00" does."""
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    except OverflowError:
        raise ValueError(f"date out of range: {moment.isoformat()}") from None


def from_epoch(seconds: float) -> dt.datetime:
    """Epoch seconds as naive UTC; ValueError for values no datetime holds (1e300, inf, nan)."""
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"date out of range: {seconds!r} seconds since 1970") from None


_NOT_LANGUAGES = {"und", "zxx", "mul", "mis"}
_OLD_LANGUAGE_CODES = {"in": "id", "iw": "he", "ji": "yi"}


def iso_lang(value: Any) -> str | None:
    """A language tag reduced to ISO 639-1 ("en-US" -> "en"; the old "in" -> "id").

    Tags with no two-letter code ("und", three-letter-only languages) are None.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    if code in _NOT_LANGUAGES:
        return None
    code = _OLD_LANGUAGE_CODES.get(code, code)
    return code if len(code) == 2 and code.isalpha() else None


def error_message(exc: BaseException) -> str:
    """What went wrong with a malformed item, in a line ("missing field 'text'")."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, KeyError):
        text = f"missing field {text}"
    return text


def item_error(position: str, exc: Exception, item: Any) -> ItemError:
    """An ItemError for an item that could not be normalized, with the item as JSON text."""
    message = f"{type(exc).__name__}: {exc}"
    return ItemError(position=position, message=message, payload=json_text(item))


def media_item(kind: str, url: Any, preview_url: Any = "", alt: Any = "") -> dict[str, Any]:
    """A media entry shaped like the Twitter source's: empty fields left out."""
    item = {"type": kind, "url": url, "preview_url": preview_url, "alt_text": alt}
    return {key: str(value) for key, value in item.items() if value}


def json_text(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False, default=str)


def require_mapping(item: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise ValueError(f"{what} is not an object: {type(item).__name__}")
    return item


def optional_str(value: Any) -> str | None:
    """A payload's id as text; None when absent or empty."""
    return None if value in (None, "") else str(value)


def count(item: Mapping[str, Any], key: str) -> int:
    """A counter of a payload (replies, reposts, likes), 0 when absent; ValueError when it is
    no number."""
    value = item.get(key) or 0
    if not isinstance(value, int):
        raise ValueError(f"{key} is not a number: {value!r}")
    return value


def normalized(normalize: Callable[[Any], HarvestedPost], item: Any, what: str) -> HarvestedPost:
    """``normalize(item)``, with a malformed item's TypeError, KeyError, AttributeError or
    IndexError raised as ValueError (what the sources and archives catch per item)."""
    try:
        return normalize(item)
    except (TypeError, KeyError, AttributeError, IndexError) as exc:
        raise ValueError(f"malformed {what}: {type(exc).__name__}: {exc}") from exc
