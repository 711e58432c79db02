"""Archives as a source: a file read as pages, with a position to resume from.

`registry harvest import PATH --format F` runs a :class:`FileSource` through the same runner as
a live source. Line-based files (JSONL, and a JSON body or array on one line each) are streamed
line by line and resume at a byte offset; a pretty-printed JSON document or a feed is parsed
whole and resumes at an item number. Each line (or item) that cannot be read becomes an
:class:`ItemError` with its line number and payload; the rest is imported.

Formats, normalized by the platform modules' public functions (imported when first used):
``twitter-v2`` (twarc JSONL, one API response page a line), ``twitter-v1`` (statuses: an
array, JSONL, or a search body with ``statuses``), ``mastodon`` (status lists, a status a line,
or a v2 search body), ``bluesky`` (postViews: an array, JSONL, or a searchPosts body with
``posts``), ``rss`` (an RSS or Atom file) and ``jsonl`` (the generic
``{id, text, author, url, created_at}``, platform ``file``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .base import HarvestedPost, ItemError, Page, SourceError
from .sources.normalize_util import error_message, from_epoch, naive_utc

FORMATS = ("twitter-v2", "twitter-v1", "mastodon", "bluesky", "rss", "jsonl")
PLATFORM_OF = {
    "twitter-v2": "twitter",
    "twitter-v1": "twitter",
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "rss": "rss",
    "jsonl": "file",
}
PAGE_POSTS = 1000  # posts (and errors) per page: one transaction each
MAX_PAYLOAD = 10_000  # characters of a broken line kept in its error row
HEAD_BYTES = 65536

Normalized = tuple[list[HarvestedPost], list[ItemError]]


def file_fingerprint(path: Path) -> dict[str, Any]:
    """What tells whether a checkpoint still applies to a file: its size and a hash of its
    head (appending lines keeps the head, so an import resumes and reads only what is new)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = hashlib.blake2b(f.read(HEAD_BYTES), digest_size=16).hexdigest()
    return {"size": size, "head": head}


def resume_applies(checkpoint: Mapping[str, Any] | None, fingerprint: Mapping[str, Any]) -> bool:
    if not checkpoint or checkpoint.get("head") != fingerprint["head"]:
        return False
    return int(checkpoint.get("offset", 0)) <= int(fingerprint["size"])


# --- the generic JSONL ------------------------------------------------------------------


def parse_datetime(value: Any) -> dt.datetime | None:
    """ISO 8601 (with Z or an offset), a date, epoch seconds, or Twitter's v1 format; naive
    UTC. Raises ValueError on anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("created_at is not a date")
    if isinstance(value, int | float):
        return from_epoch(value)
    if not isinstance(value, str):
        raise ValueError("created_at is not a date")
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = dt.datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            raise ValueError(f"created_at {value!r} is not an ISO 8601 date") from None
    return naive_utc(parsed)


def _optional_str(item: Mapping[str, Any], *names: str, limit: int = 200) -> str:
    for name in names:
        value = item.get(name)
        if isinstance(value, str):
            return value.strip()[:limit]
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return ""


def normalize_generic(item: Any) -> HarvestedPost:
    """One line of the generic JSONL: ``{id, text, author, url, created_at}`` plus, when known,
    ``lang``, ``user_location``, ``author_name``, ``repost_of_id``, ``reply_to_id``,
    ``quote_of_id``. Raises ValueError when the id or text is missing."""
    if not isinstance(item, dict):
        raise ValueError("not a JSON object")
    ident = item.get("id")
    if isinstance(ident, bool) or not isinstance(ident, str | int) or str(ident).strip() == "":
        raise ValueError("missing id")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing text")
    lang = _optional_str(item, "lang", limit=8).lower() or None
    return HarvestedPost(
        platform="file",
        external_id=str(ident).strip()[:200],
        text=text,
        url=_optional_str(item, "url", limit=1000),
        author_handle=_optional_str(item, "author", "author_handle").lstrip("@"),
        author_name=_optional_str(item, "author_name"),
        author_location=_optional_str(item, "user_location", "author_location"),
        lang="id" if lang == "in" else lang,
        created_at=parse_datetime(item.get("created_at")),
        repost_of_id=_optional_str(item, "repost_of_id", "repost_of") or None,
        reply_to_id=_optional_str(item, "reply_to_id") or None,
        quote_of_id=_optional_str(item, "quote_of_id") or None,
        raw=item,
    )


# --- per-format: one parsed JSON value -> posts and errors ------------------------------


def _each(items: list[Any], normalize: Callable[[Any], HarvestedPost], where: str) -> Normalized:
    posts: list[HarvestedPost] = []
    errors: list[ItemError] = []
    many = len(items) > 1
    for i, item in enumerate(items, 1):
        position = f"{where} item {i}" if many else where
        try:
            posts.append(normalize(item))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            errors.append(ItemError(position, error_message(exc), _dump(item)))
    return posts, errors


def _dump(item: Any) -> str:
    try:
        text = json.dumps(item, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(item)
    return text[:MAX_PAYLOAD]


def _listed(value: Any, *keys: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in keys:
            if isinstance(value.get(key), list):
                return list(value[key])
    return [value]


def _twitter_v2(value: Any, where: str) -> Normalized:
    from .sources.twitter.normalize import normalize_v2_page

    if isinstance(value, list):
        value = {"data": value}
    elif isinstance(value, dict) and "data" not in value and "id" in value:
        value = {"data": [value]}
    if not isinstance(value, dict):
        return [], [ItemError(where, "not a Twitter API v2 page", _dump(value))]
    try:
        posts, errors = normalize_v2_page(value)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return [], [ItemError(where, error_message(exc), _dump(value))]
    for error in errors:
        error.position = f"{where} {error.position}".strip()
    return posts, errors


def _twitter_v1(value: Any, where: str) -> Normalized:
    from .sources.twitter.normalize import normalize_v1_status

    return _each(_listed(value, "statuses"), normalize_v1_status, where)


def _mastodon(value: Any, where: str) -> Normalized:
    from .sources.mastodon.normalize import normalize_status

    return _each(_listed(value, "statuses"), normalize_status, where)


def _bluesky_views(value: Any) -> list[Any]:
    if isinstance(value, dict) and isinstance(value.get("thread"), dict):
        return [value["thread"].get("post")]
    views = _listed(value, "posts", "feed")
    # feed items ({"post": view, "reason": ...}) carry the view one level down
    return [
        v["post"] if isinstance(v, dict) and "uri" not in v and "post" in v else v for v in views
    ]


def _bluesky(value: Any, where: str) -> Normalized:
    from .sources.bluesky.normalize import normalize_post_view

    return _each(_bluesky_views(value), normalize_post_view, where)


def _generic(value: Any, where: str) -> Normalized:
    return _each(_listed(value), normalize_generic, where)


_HANDLERS: dict[str, Callable[[Any, str], Normalized]] = {
    "twitter-v2": _twitter_v2,
    "twitter-v1": _twitter_v1,
    "mastodon": _mastodon,
    "bluesky": _bluesky,
    "jsonl": _generic,
}


def _decode(raw: bytes, where: str) -> tuple[str | None, ItemError | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        payload = raw.decode("utf-8", "replace")[:MAX_PAYLOAD]
        return None, ItemError(
            where, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})", payload
        )


class FileSource:
    """An archive file behind the Source protocol.

    ``resume`` is ``{"offset", "line"}`` (line mode) or ``{"item"}`` (a whole document);
    :meth:`pages` yields pages of about :data:`PAGE_POSTS` posts, each with the position after
    it. A file source has no incremental state.
    """

    def __init__(self, path: str | os.PathLike[str], fmt: str, page_posts: int = PAGE_POSTS):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        self.path = Path(path)
        self.fmt = fmt
        self.platform = PLATFORM_OF[fmt]
        self.page_posts = page_posts

    def pages(
        self,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[Page]:
        try:
            if self.fmt == "rss":
                yield from self._feed_pages(resume, limit)
            elif self._line_mode():
                yield from self._line_pages(resume, limit)
            else:
                yield from self._document_pages(resume, limit)
        except OSError as exc:
            raise SourceError(f"cannot read {self.path}: {exc.strerror or exc}") from exc

    # --- detection -----------------------------------------------------------------------
    def _line_mode(self) -> bool:
        """JSONL unless the file is one JSON document spread over several lines."""
        with self.path.open("rb") as f:
            for raw in f:
                line = raw.strip()
                if line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if not line:
                    continue
                if line[:1] not in (b"[", b"{"):
                    return True
                try:
                    json.loads(line)
                    return True
                except ValueError:
                    pass
                break
            else:
                return True
        try:
            json.loads(self.path.read_bytes().decode("utf-8-sig", "replace"))
        except ValueError:
            return True  # a broken first line of a JSONL file: reported as such
        return False

    # --- line mode ---------------------------------------------------------------------
    def _line_pages(self, resume: Mapping[str, Any] | None, limit: int | None) -> Iterator[Page]:
        handler = _HANDLERS[self.fmt]
        offset = int((resume or {}).get("offset", 0))
        line_no = int((resume or {}).get("line", 0))
        done = 0
        posts: list[HarvestedPost] = []
        errors: list[ItemError] = []
        with self.path.open("rb") as f:
            f.seek(offset)
            for raw in f:
                offset += len(raw)
                line_no += 1
                where = f"line {line_no}"
                stripped = raw.strip()
                if line_no == 1 and stripped.startswith(b"\xef\xbb\xbf"):
                    stripped = stripped[3:]
                if stripped:
                    text, error = _decode(stripped, where)
                    if error is not None:
                        errors.append(error)
                    else:
                        assert text is not None
                        try:
                            value = json.loads(text)
                        except ValueError as exc:
                            errors.append(
                                ItemError(where, f"broken JSON: {exc}", text[:MAX_PAYLOAD])
                            )
                        else:
                            got, failed = handler(value, where)
                            posts.extend(got)
                            errors.extend(failed)
                            done += len(got)
                reached = limit is not None and done >= limit
                if len(posts) + len(errors) >= self.page_posts or reached:
                    yield Page(posts, errors, resume={"offset": offset, "line": line_no})
                    posts, errors = [], []
                    if reached:
                        return
        yield Page(posts, errors, resume=None)

    # --- a whole document --------------------------------------------------------------
    def _items_of(self, raw: bytes) -> tuple[list[tuple[str, Any]], list[ItemError]]:
        """A JSON document as (position, item) pairs for the format's normalizer."""
        errors: list[ItemError] = []
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            errors.append(
                ItemError(
                    f"byte {exc.start + 1}",
                    "invalid UTF-8 (replaced by U+FFFD)",
                    raw[max(0, exc.start - 200) : exc.start + 200].decode("utf-8", "replace"),
                )
            )
            text = raw.decode("utf-8-sig", "replace")
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise SourceError(f"{self.path.name} is neither JSON nor JSONL: {exc}") from exc
        if self.fmt == "twitter-v2":
            pages = value if isinstance(value, list) and value and "data" in value[0] else [value]
            return [(f"page {i}", p) for i, p in enumerate(pages, 1)], errors
        if self.fmt == "bluesky":
            items = _bluesky_views(value)
        elif self.fmt in ("twitter-v1", "mastodon"):
            items = _listed(value, "statuses")
        else:
            items = _listed(value)
        return [(f"item {i}", item) for i, item in enumerate(items, 1)], errors

    def _document_pages(
        self, resume: Mapping[str, Any] | None, limit: int | None
    ) -> Iterator[Page]:
        items, errors = self._items_of(self.path.read_bytes())
        start = int((resume or {}).get("item", 0))
        if start:
            errors = []  # reported by the run that read them
        handler = _HANDLERS[self.fmt]
        posts: list[HarvestedPost] = []
        done = 0
        for i in range(start, len(items)):
            where, item = items[i]
            if self.fmt == "twitter-v2":
                got, failed = handler(item, where)
            else:
                got, failed = _each([item], _NORMALIZERS[self.fmt](), where)
            posts.extend(got)
            errors.extend(failed)
            done += len(got)
            reached = limit is not None and done >= limit
            if len(posts) + len(errors) >= self.page_posts or reached:
                yield Page(posts, errors, resume={"item": i + 1})
                posts, errors = [], []
                if reached:
                    return
        yield Page(posts, errors, resume=None)

    # --- a feed ------------------------------------------------------------------------
    def _feed_pages(self, resume: Mapping[str, Any] | None, limit: int | None) -> Iterator[Page]:
        from .sources.rss import parse_feed

        posts, errors = parse_feed(self.path.read_bytes(), "")
        start = int((resume or {}).get("item", 0))
        if start:
            errors = []
        end = len(posts) if limit is None else min(len(posts), start + limit)
        for i in range(start, end, self.page_posts):
            stop = min(i + self.page_posts, end)
            more = stop < len(posts)
            yield Page(posts[i:stop], errors, resume={"item": stop} if more else None)
            errors = []
            if not more:
                return
        if start >= end:
            yield Page([], errors, resume=None)


def _v1() -> Callable[[Any], HarvestedPost]:
    from .sources.twitter.normalize import normalize_v1_status

    fn: Callable[[Any], HarvestedPost] = normalize_v1_status
    return fn


def _mastodon_status() -> Callable[[Any], HarvestedPost]:
    from .sources.mastodon.normalize import normalize_status

    fn: Callable[[Any], HarvestedPost] = normalize_status
    return fn


def _bluesky_view() -> Callable[[Any], HarvestedPost]:
    from .sources.bluesky.normalize import normalize_post_view

    fn: Callable[[Any], HarvestedPost] = normalize_post_view
    return fn


_NORMALIZERS: dict[str, Callable[[], Callable[[Any], HarvestedPost]]] = {
    "twitter-v1": _v1,
    "mastodon": _mastodon_status,
    "bluesky": _bluesky_view,
    "jsonl": lambda: normalize_generic,
}
