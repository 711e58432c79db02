"""Storing one page of harvested posts: exact dedup, grouping into candidates, scoring, writing.

The runner calls :meth:`PageStore.store` once per page inside the page's transaction. Every
write is a bulk statement (one INSERT of the new candidates, one of the posts, one UPDATE of the
touched candidates), so a page of 1,000 posts costs a handful of round trips.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    any_,
    bindparam,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import DateTime, TypeDecorator

from ..models import Candidate, HarvestError, HarvestTombstone, Innovation, Post, utcnow
from .base import HarvestedPost, ItemError, Page
from .dedup import (
    CandidateIndex,
    Fingerprint,
    dedup_tokens,
    fingerprints,
    is_rt_text,
    pack_fingerprints,
    strip_repost_prefix,
    unpack_fingerprints,
)
from .scoring import ScoringProcess, score_inline

log = logging.getLogger(__name__)

CHUNK = 500  # values per IN (...) list
# parameters per statement
SQLITE_MAX_PARAMETERS = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
# PostgreSQL: refresh the planner's statistics of post and candidate once this run has stored
# this many posts and more than ANALYZE_GROWTH times what the table held at the last refresh
ANALYZE_MIN_ROWS = 5000
ANALYZE_GROWTH = 3
MATCH_STATUSES = ("submitted", "in_review", "published", "revision_requested")
MAX_MERGE_HOPS = 20
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'()]+", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+")


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _clean(value: str | None, limit: int | None = None) -> str:
    """A string PostgreSQL and SQLite both store: no NUL, no lone surrogates."""
    if not value:
        return ""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    return value[:limit] if limit else value


def _clean_json(value: Any) -> Any:
    """The same JSON value with its strings made storable (copied only where needed)."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {_clean(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no Infinity or NaN (Python writes them; PostgreSQL refuses them)
    return value


class EncodedJSON(TypeDecorator[Any]):
    """A JSON column's value passed as text already encoded (by :func:`encode_json`): the
    column's own JSON type would encode every value again, row by row."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Any) -> None:
        return None


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_EMPTY: dict[type, str] = {dict: "{}", list: "[]"}


def encode_json(value: Any) -> str | None:
    """``value`` as JSON text that PostgreSQL and SQLite both store (see :func:`_clean`)."""
    if value is None:
        return None
    if not value and type(value) in _EMPTY:
        return _EMPTY[type(value)]
    try:
        encoded: str = _dumps(value)
    except ValueError:  # Infinity or NaN somewhere in an archive's item
        return str(_dumps(_clean_json(value)))
    if "\\u0000" in encoded:
        return str(_dumps(_clean_json(value)))
    if not encoded.isascii():
        try:
            encoded.encode("utf-8")
        except UnicodeEncodeError:
            return str(_dumps(_clean_json(value)))
    return encoded


def _json_text(value: Any) -> str | None:
    """A JSON value as :func:`encode_json` text, unless it is that text already."""
    return value if isinstance(value, str) else encode_json(value)


def _encoded(table: Any, *names: str) -> dict[str, Any]:
    """Bound values for ``names``, JSON columns of ``table``, given as :func:`encode_json` text."""
    return {n: bindparam(n, type_=EncodedJSON()) for n in names if n in table.c}


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
            words = tuple(_TOKEN.findall((title or "").casefold()))
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
        words = _TOKEN.findall(text.casefold())
        for i in range(len(words) - 2):
            entries = self.titles.get((words[i], words[i + 1], words[i + 2]))
            if entries:
                for title, innovation_id in entries:
                    if tuple(words[i : i + len(title)]) == title:
                        return innovation_id
        return None


@dataclass
class PageResult:
    new: int = 0
    duplicates: int = 0  # stored already, or taken down (counted in taken_down too)
    taken_down: int = 0
    errors: int = 0
    new_candidates: int = 0
    new_candidate_ids: list[int] = field(default_factory=list)


@dataclass
class _Group:
    """A candidate touched by this page: its stored values (None for a new one) and news."""

    key: int
    row: Any = None
    posts: list[int] = field(default_factory=list)
    text: str | None = None  # the new representative text, when it changes
    rep: int | None = None  # index of the representative post among the page's new posts
    words: int = 0  # dedup words of the new text
    matches: int | None = None


_TEXT_COLUMNS = (
    "text", "lang", "score", "predicted", "explain", "model_version", "province_code"
)  # fmt: skip


def _sqlite_datetime(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite DATETIME bind processor, in C for naive datetimes: the same text
    ("2020-03-15 00:00:00.000000")."""

    def convert(value: Any) -> Any:
        if type(value) is dt.datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return processor(value)

    return convert


def _prefixed(key: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """An UPDATE's parameters: ``b_id`` and each value as ``b_<column>``."""
    return {"b_id": key, **{f"b_{k}": v for k, v in values.items()}}


def _is_original(post: HarvestedPost) -> bool:
    return not post.repost_of_id and not is_rt_text(post.text)


@dataclass
class PreparedPage(Page):
    """A page with the fingerprints of its posts (:func:`prepare_page`)."""

    prepared: tuple[Any, ...] | None = None


def prepare_page(page: Page) -> PreparedPage:
    """What storing a page needs that no database can change, computed ahead (in the scoring
    process), for its posts in :meth:`PageStore._flatten`'s order: their fingerprints, and
    their payloads as stored (``raw`` then leaves the posts: text pickles faster)."""
    items = PageStore._flatten(page.posts)
    raws = [encode_json(p.raw) for p in items]
    for p in items:
        p.raw = None
    return PreparedPage(
        page.posts,
        page.errors,
        page.resume,
        page.state,
        (pack_fingerprints(fingerprints(p.text for p in items)), raws),
    )


class PageStore:
    """Stores pages of one run. Holds the run's catalogue matcher, classifier and the process's
    candidate index."""

    def __init__(
        self,
        session: Any,
        index: CandidateIndex,
        *,
        predictor: Any = None,
        scorer: ScoringProcess | None = None,
        matcher: CatalogueMatcher | None = None,
        query: str = "",
        platform: str = "",
        source_id: int | None = None,
        run_id: int | None = None,
        now: Any = utcnow,
    ) -> None:
        self.session = session
        self.index = index
        self.predictor = predictor
        self.scorer = scorer  # scores in a forked process (the predictor stays the fallback)
        self.matcher = matcher or CatalogueMatcher(())
        self.query = query
        self.platform = platform
        self.source_id = source_id
        self.run_id = run_id
        self.now = now
        self._rows: dict[int, Any] = {}
        self._fresh: list[HarvestedPost] = []  # the page's new posts
        self._raws: list[str | None] = []  # and their payloads as stored
        self._scores: dict[int, dict[str, Any]] = {}
        self._added: dict[int, int] = {}  # key -> the page's post whose fingerprint it holds
        self._rep_words: dict[int, tuple[str, int]] = {}  # candidate -> (text, dedup words)
        dialect = session.get_bind().dialect.name
        self._sqlite = dialect == "sqlite"
        self._postgresql = dialect == "postgresql"
        self._analyzed_rows: int | None = None  # post rows at the last ANALYZE (PostgreSQL)
        self._stored_since_analyze = 0

    # --- the page ----------------------------------------------------------------------
    def store(
        self,
        posts: Sequence[HarvestedPost],
        errors: Sequence[ItemError] = (),
        *,
        meanwhile: Callable[[], None] | None = None,
        prepared: tuple[Any, ...] | None = None,
    ) -> PageResult:
        """Store a page in the session's transaction. With a scoring process, the page's posts
        and candidates are written while it scores, and ``meanwhile`` is called before its
        scores are awaited (the runner reads the next page then); the scores are written
        before the transaction ends. ``prepared``: :func:`prepare_page`'s fingerprints."""
        result = PageResult()
        if errors:
            self._store_errors(errors, self.platform or (posts[0].platform if posts else ""))
            result.errors = len(errors)
        items = self._flatten(posts)
        known, gone = self._existing(items)
        fresh_at = [i for i, p in enumerate(items) if (p.platform, p.external_id) not in known]
        if gone:
            # taken down: neither the post nor a repost of it is stored again
            kept = [
                i
                for i in fresh_at
                if (items[i].platform, items[i].external_id) not in gone
                and not (
                    items[i].repost_of_id
                    and (items[i].platform, str(items[i].repost_of_id)) in gone
                )
            ]
            result.taken_down = len(fresh_at) - len(kept)
            fresh_at = kept
        fresh = self._fresh = [items[i] for i in fresh_at]
        result.duplicates = len(items) - len(fresh)
        if self.scorer is not None:
            # a page of posts stored already: the pages to come are likely to be so too
            self.scorer.prepare_pages = len(fresh) * 2 >= len(items)
        if not fresh:
            return result
        harvested_at = self.now()
        if prepared is not None:
            every = unpack_fingerprints(prepared[0])
            fps = [every[i] for i in fresh_at]
            self._raws = [prepared[1][i] for i in fresh_at]
        else:
            fps = fingerprints(p.text for p in fresh)
            self._raws = [encode_json(p.raw) for p in fresh]
        targets = self._assign(fresh, fps)
        groups = self._groups(fresh, fps, targets)
        keeps_signature = [False] * len(fresh)
        for group in groups.values():
            if group.rep is not None and fps[group.rep].hashvalues is not None:
                keeps_signature[group.rep] = True
        todo = self._request_scores(groups, fresh)
        post_rows = self._post_rows(fresh, fps, targets, keeps_signature, harvested_at)
        if todo and self.scorer is not None:
            # written unscored while the scoring process works, then given their scores
            ids = self._write_candidates(groups, fresh, harvested_at, scored=False)
            self._write_posts(post_rows, ids)
            if meanwhile is not None:
                meanwhile()
            self._receive_scores(todo)
            self._write_scores(groups, fresh, ids)
        else:
            self._receive_scores(todo)
            ids = self._write_candidates(groups, fresh, harvested_at)
            self._write_posts(post_rows, ids)
        self._keep_statistics(len(fresh))
        result.new = len(fresh)
        created = [ids[g.key] for g in groups.values() if g.row is None]
        result.new_candidates = len(created)
        result.new_candidate_ids = created
        return result

    def _store_errors(self, errors: Sequence[ItemError], platform: str) -> None:
        at = self.now()
        self.session.execute(
            insert(HarvestError.__table__),
            [
                {
                    "run_id": self.run_id,
                    "platform": _clean(platform, 16),
                    "position": _clean(e.position, 120),
                    "message": _clean(e.message),
                    "payload": _clean(e.payload),
                    "at": at,
                }
                for e in errors
            ],
        )

    @staticmethod
    def _flatten(posts: Sequence[HarvestedPost]) -> list[HarvestedPost]:
        """The page's posts and the originals they carry, each once; originals before reposts
        so that a repost finds its original's candidate."""
        seen: set[tuple[str, str]] = set()
        originals: list[HarvestedPost] = []
        reposts: list[HarvestedPost] = []
        for post in posts:
            for p in (post.original, post) if post.original is not None else (post,):
                p.external_id = str(p.external_id)
                key = (p.platform, p.external_id)
                if key in seen or not p.external_id:
                    continue
                seen.add(key)
                (reposts if p.repost_of_id else originals).append(p)
        return originals + reposts

    def _in(self, column: Any, values: Iterable[Any]) -> Any:
        """``column IN values``; on PostgreSQL ``= ANY(array)``: one parameter, where psycopg
        would parse a statement of 500 placeholders again at each call."""
        if self._postgresql:
            return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
        return column.in_(values)

    def _existing(
        self, items: Sequence[HarvestedPost]
    ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """The page's posts stored already, and the ids taken down (tombstoned) among the
        page's posts and the originals its reposts point to: one query per 500 posts."""
        by_platform: dict[str, list[HarvestedPost]] = {}
        for p in items:
            by_platform.setdefault(p.platform, []).append(p)
        stored: set[tuple[str, str]] = set()
        gone: set[tuple[str, str]] = set()
        for platform, posts in by_platform.items():
            for chunk in _chunks(posts):
                ids = [p.external_id for p in chunk]
                originals = {str(p.repost_of_id) for p in chunk if p.repost_of_id}
                rows = self.session.execute(
                    union_all(
                        select(Post.external_id, literal(False)).where(
                            Post.platform == platform, self._in(Post.external_id, ids)
                        ),
                        select(HarvestTombstone.external_id, literal(True)).where(
                            HarvestTombstone.platform == platform,
                            self._in(HarvestTombstone.external_id, originals.union(ids)),
                        ),
                    )
                )
                for external_id, tombstoned in rows:
                    (gone if tombstoned else stored).add((platform, external_id))
        return stored, gone

    # --- grouping ----------------------------------------------------------------------
    def _new_key(self) -> int:
        return self.index.new_key()

    def _assign(self, fresh: Sequence[HarvestedPost], fps: Sequence[Fingerprint]) -> list[int]:
        """Each new post's candidate key: a stored candidate's id, or a negative key for a new
        one."""
        hashes = sorted({fp.text_hash for fp in fps if fp.text_hash})
        by_hash: dict[str, int] = {}
        for chunk in _chunks(hashes):
            for h, cid in self.session.execute(
                select(Post.text_hash, Post.candidate_id).where(self._in(Post.text_hash, chunk))
            ):
                by_hash.setdefault(h, cid)
        originals_wanted: dict[str, list[str]] = {}
        for p in fresh:
            if p.repost_of_id:
                originals_wanted.setdefault(p.platform, []).append(str(p.repost_of_id))
        by_id: dict[tuple[str, str], int] = {}
        for platform, ids in originals_wanted.items():
            for chunk in _chunks(sorted(set(ids))):
                for ext, cid in self.session.execute(
                    select(Post.external_id, Post.candidate_id).where(
                        Post.platform == platform, self._in(Post.external_id, chunk)
                    )
                ):
                    by_id[(platform, ext)] = cid

        targets: list[int] = []
        self._added = {}
        for i, (p, fp) in enumerate(zip(fresh, fps, strict=True)):
            target = None
            if p.repost_of_id:
                target = by_id.get((p.platform, str(p.repost_of_id)))
            if target is None and fp.text_hash:
                target = by_hash.get(fp.text_hash)
            if target is None:
                target = self.index.find(fp)
            if target is None:
                target = self._new_key()
                self.index.add(target, fp)
                self._added[target] = i
            targets.append(target)
            by_id[(p.platform, p.external_id)] = target
            if fp.text_hash:
                by_hash.setdefault(fp.text_hash, target)
        self._resolve(targets, fps)
        return targets

    def _resolve(self, targets: list[int], fps: Sequence[Fingerprint]) -> None:
        """Follow merges to the surviving candidate; a candidate deleted since the index saw it
        is replaced by a new one (and forgotten by the index)."""
        self._rows = {}
        wanted = {t for t in targets if t > 0}
        for _ in range(MAX_MERGE_HOPS):
            missing = sorted(wanted - self._rows.keys())
            if not missing:
                break
            for chunk in _chunks(missing):
                for found in self.session.execute(
                    select(
                        Candidate.id,
                        Candidate.status,
                        Candidate.merged_into_id,
                        Candidate.text,
                        Candidate.platforms,
                        Candidate.first_seen,
                        Candidate.last_seen,
                        Candidate.matches_innovation_id,
                    ).where(self._in(Candidate.id, chunk))
                ):
                    self._rows[found.id] = found
            gone = [c for c in missing if c not in self._rows]
            for c in gone:
                self._rows[c] = None
            wanted = {
                r.merged_into_id
                for r in self._rows.values()
                if r is not None and r.status == "merged" and r.merged_into_id
            }
        final: dict[int, int] = {}
        for i, t in enumerate(targets):
            if t <= 0:
                continue
            if t not in final:
                seen = {t}
                current = t
                row: Any = self._rows.get(current)
                while row is not None and row.status == "merged" and row.merged_into_id:
                    nxt = row.merged_into_id
                    if nxt in seen:
                        break
                    seen.add(nxt)
                    current, row = nxt, self._rows.get(nxt)
                if row is None:
                    self.index.remove(t)
                    current = self._new_key()
                    self.index.add(current, fps[i])
                    self._added[current] = i
                final[t] = current
            targets[i] = final[t]

    def _groups(
        self,
        fresh: Sequence[HarvestedPost],
        fps: Sequence[Fingerprint],
        targets: Sequence[int],
    ) -> dict[int, _Group]:
        groups: dict[int, _Group] = {}
        for i, target in enumerate(targets):
            group = groups.get(target)
            if group is None:
                group = groups[target] = _Group(
                    target, self._rows.get(target) if target > 0 else None
                )
            group.posts.append(i)
        for group in groups.values():
            current = self._words_of(group.row) if group.row is not None else -1
            best = None
            for i in group.posts:
                if fps[i].tokens > current and _is_original(fresh[i]):
                    best, current = i, fps[i].tokens
            if best is None and group.row is None:
                best = group.posts[0]
            if best is not None:
                group.rep, group.words = best, fps[best].tokens
                post = fresh[best]
                group.text = _clean(
                    post.text if _is_original(post) else strip_repost_prefix(post.text)
                )
                if fps[best].hashvalues is not None and self._added.get(group.key) != best:
                    self.index.add(group.key, fps[best])
                    self._added[group.key] = best
            if group.row is None or group.row.matches_innovation_id is None:
                if self.matcher.links:
                    urls: set[str] = set()
                    for i in group.posts:
                        urls |= post_urls(fresh[i], self._payload(i))
                    group.matches = self.matcher.by_urls(urls)
                if group.matches is None and group.text is not None:
                    group.matches = self.matcher.by_title(group.text)
        return groups

    def _payload(self, i: int) -> Any:
        """The payload of the page's new post ``i`` (decoded again when prepared elsewhere)."""
        post, raw = self._fresh[i], self._raws[i]
        if post.raw is None and raw is not None:
            return json.loads(raw)
        return post.raw

    def _words_of(self, row: Any) -> int:
        """How many dedup words a stored candidate's text has (remembered per candidate)."""
        cached = self._rep_words.get(row.id)
        if cached is not None and cached[0] == row.text:
            return cached[1]
        words = len(dedup_tokens(row.text))
        if len(self._rep_words) >= 200_000:
            self._rep_words.clear()
        self._rep_words[row.id] = (row.text, words)
        return words

    # --- scoring -----------------------------------------------------------------------
    def _request_scores(
        self, groups: Mapping[int, _Group], fresh: Sequence[HarvestedPost]
    ) -> list[tuple[int, dict[str, Any]]]:
        """The candidates whose text is new with their classifier inputs, sent to the scoring
        process when there is one."""
        self._scores = {}
        if self.predictor is None and self.scorer is None:
            return []
        todo = []
        for g in groups.values():
            if g.text is None or g.rep is None:
                continue
            post = fresh[g.rep]
            todo.append(
                (
                    g.key,
                    {
                        "id": g.key,
                        "text": g.text,
                        "author": post.author_handle,
                        "user_location": post.author_location,
                        "created_at": post.created_at.isoformat() if post.created_at else None,
                        "lang": post.lang,
                    },
                )
            )
        if todo and self.scorer is not None:
            try:
                self.scorer.submit([inputs for _, inputs in todo])
            except (OSError, ValueError) as exc:
                self._scorer_failed(exc)
        return todo

    def _receive_scores(self, todo: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Score every candidate whose text is new, in one batch (or take the scoring
        process's scores); a broken model leaves them unscored, never the posts unstored."""
        if not todo:
            return
        inputs = [i for _, i in todo]
        try:
            if self.scorer is not None:
                try:
                    scores = self.scorer.result()
                except RuntimeError as exc:
                    if self.scorer.alive or self.predictor is None:
                        raise
                    self._scorer_failed(exc)
                    scores = score_inline(self.predictor, inputs, encode_json)
            else:
                scores = score_inline(self.predictor, inputs, encode_json)
        except Exception as exc:  # noqa: BLE001 - a broken model leaves posts unscored, not lost
            log.warning("harvest: scoring failed (%s); candidates stay unscored", exc)
            return
        for (key, _), values in zip(todo, scores, strict=True):
            self._scores[key] = values

    def _scorer_failed(self, exc: BaseException) -> None:
        log.warning("harvest: the scoring process failed (%s); scoring inline", exc)
        if self.scorer is not None:
            self.scorer.close()
        self.scorer = None

    # --- writing -----------------------------------------------------------------------
    def _text_values(self, group: _Group, fresh: Sequence[HarvestedPost]) -> dict[str, Any]:
        """The columns of a candidate whose text is new, scored or not (yet)."""
        if group.text is None:
            return {}
        scored = self._scores.get(group.key, {})
        rep = fresh[group.rep] if group.rep is not None else None
        return {
            "text": group.text,
            "lang": _clean(scored.get("lang") or (rep.lang if rep else None), 8) or None,
            "score": scored.get("score", 0.0),
            "predicted": _json_text(scored.get("predicted", {})),
            "explain": _json_text(scored.get("explain", [])),
            "model_version": scored.get("model_version", ""),
            "province_code": scored.get("province_code"),
        }

    def _write_candidates(
        self,
        groups: Mapping[int, _Group],
        fresh: Sequence[HarvestedPost],
        now: dt.datetime,
        *,
        scored: bool = True,
    ) -> dict[int, int]:
        """Insert the new candidates and update the touched ones; the id of every key. Not
        ``scored``: the new texts are written by :meth:`_write_scores` once scored."""
        ids: dict[int, int] = {}
        new_rows: list[dict[str, Any]] = []
        new_keys: list[int] = []
        counts: list[dict[str, Any]] = []
        texts: list[dict[str, Any]] = []
        matches: list[dict[str, Any]] = []
        for group in groups.values():
            posts = [fresh[i] for i in group.posts]
            seen = [p.created_at or now for p in posts]
            platforms = {p.platform for p in posts}
            if group.row is None:
                new_keys.append(group.key)
                new_rows.append(
                    {
                        "status": "new",
                        "platforms": encode_json(sorted(platforms)),
                        "post_count": len(posts),
                        "first_seen": min(seen),
                        "last_seen": max(seen),
                        "matches_innovation_id": group.matches,
                        "reason": "",
                        "created_at": now,
                        "updated_at": now,
                        **self._text_values(group, fresh),
                    }
                )
                continue
            row = group.row
            ids[group.key] = group.key
            counts.append(
                {
                    "b_id": group.key,
                    "b_n": len(posts),
                    "b_platforms": encode_json(sorted(platforms | set(row.platforms or []))),
                    "b_first": min([*seen, row.first_seen] if row.first_seen else seen),
                    "b_last": max([*seen, row.last_seen] if row.last_seen else seen),
                    "b_now": now,
                }
            )
            if scored and group.text is not None:
                texts.append(_prefixed(group.key, self._text_values(group, fresh)))
            if group.matches is not None:
                matches.append({"b_id": group.key, "b_match": group.matches})
        table = Candidate.__table__
        if new_rows:
            if self._postgresql:
                inserted = self._copy_new(table, new_rows)
            elif self._sqlite:
                inserted = self._insert_returning_ids(table, new_rows)
            else:
                statement = (
                    insert(table)
                    .values(_encoded(table, "platforms", "predicted", "explain"))
                    .returning(table.c.id)
                )
                inserted = sorted(self.session.execute(statement, new_rows).scalars())
            for key, cid in zip(new_keys, inserted, strict=True):
                ids[key] = cid
                self.index.rekey(key, cid)
        for group in groups.values():
            if group.text is not None:
                self._rep_words[ids[group.key]] = (group.text, group.words)
        if counts:
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    post_count=table.c.post_count + bindparam("b_n"),
                    platforms=bindparam("b_platforms", type_=EncodedJSON()),
                    first_seen=bindparam("b_first"),
                    last_seen=bindparam("b_last"),
                    updated_at=bindparam("b_now"),
                ),
                counts,
            )
        self._update_texts(texts)
        if matches:
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"), table.c.matches_innovation_id.is_(None))
                .values(matches_innovation_id=bindparam("b_match")),
                matches,
            )
        return ids

    def _write_scores(
        self, groups: Mapping[int, _Group], fresh: Sequence[HarvestedPost], ids: Mapping[int, int]
    ) -> None:
        """After ``_write_candidates(scored=False)``: the new texts of stored candidates, and
        the scores of the new candidates (inserted unscored)."""
        self._update_texts(
            [
                _prefixed(ids[g.key], self._text_values(g, fresh))
                for g in groups.values()
                if g.text is not None and (g.row is not None or g.key in self._scores)
            ]
        )

    def _update_texts(self, texts: list[dict[str, Any]]) -> None:
        if not texts:
            return
        if self._postgresql:
            self._update_texts_copy(texts)
            return
        table = Candidate.__table__
        names = ("text", "lang", "score", "predicted", "explain", "model_version")
        values = {n: bindparam(f"b_{n}", type_=table.c[n].type) for n in names}
        for n in ("predicted", "explain"):
            values[n] = bindparam(f"b_{n}", type_=EncodedJSON())
        values["province_code"] = bindparam("b_province_code", type_=table.c.province_code.type)
        self.session.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(**values), texts
        )

    def _update_texts_copy(self, texts: list[dict[str, Any]]) -> None:
        """PostgreSQL: the values COPYed into a temporary table, then one UPDATE from it (an
        executemany costs a statement per row; arrays as parameters are encoded in Python)."""
        # per transaction: the next one may run on another connection of the pool
        self.session.execute(
            text(
                "CREATE TEMPORARY TABLE IF NOT EXISTS harvest_candidate_text "
                "(id integer, text text, lang text, score float8, predicted text, "
                "explain text, model_version text, province_code text) "
                "ON COMMIT DELETE ROWS"
            )
        )
        columns = ("id", *_TEXT_COLUMNS)
        self._copy_values(
            "harvest_candidate_text", columns, [[t[f"b_{n}"] for n in columns] for t in texts]
        )
        self.session.execute(
            text(
                "UPDATE candidate AS c SET text = v.text, lang = v.lang, score = v.score, "
                "predicted = CAST(v.predicted AS json), explain = CAST(v.explain AS json), "
                "model_version = v.model_version, province_code = v.province_code "
                "FROM harvest_candidate_text AS v WHERE c.id = v.id"
            )
        )
        self.session.execute(text("DELETE FROM harvest_candidate_text"))

    def _post_rows(
        self,
        fresh: Sequence[HarvestedPost],
        fps: Sequence[Fingerprint],
        targets: Sequence[int],
        keeps_signature: Sequence[bool],
        now: dt.datetime,
    ) -> list[dict[str, Any]]:
        """The page's post rows; ``candidate_id`` holds the candidate key until it is written."""
        rows = []
        for p, fp, target, keep, raw in zip(
            fresh, fps, targets, keeps_signature, self._raws, strict=True
        ):
            rows.append(
                {
                    "platform": _clean(p.platform, 16),
                    "external_id": _clean(p.external_id, 200),
                    "url": _clean(p.url, 1000),
                    "author_handle": _clean(p.author_handle, 200),
                    "author_name": _clean(p.author_name, 200),
                    "author_location": _clean(p.author_location, 200),
                    "text": _clean(p.text),
                    "lang": _clean(p.lang, 8) or None,
                    "created_at": p.created_at,
                    "metrics": encode_json(p.metrics or {}),
                    "media": encode_json(p.media or []),
                    "reply_to_id": _clean(p.reply_to_id, 200) or None,
                    "repost_of_id": _clean(p.repost_of_id, 200) or None,
                    "quote_of_id": _clean(p.quote_of_id, 200) or None,
                    "query": _clean(self.query),
                    "source_id": self.source_id,
                    "run_id": self.run_id,
                    "harvested_at": now,
                    "raw": raw,
                    "text_hash": fp.text_hash,
                    "signature": fp.signature() if keep else None,
                    "candidate_id": target,
                }
            )
        return rows

    def _write_posts(self, rows: list[dict[str, Any]], ids: Mapping[int, int]) -> None:
        for row in rows:
            row["candidate_id"] = ids[row["candidate_id"]]
        table = Post.__table__
        if self._postgresql:
            self._copy(table, rows)
        elif self._sqlite and rows:
            self._insert_raw(table, rows, encoded=("metrics", "media", "raw"))
        else:
            statement = insert(table).values(_encoded(table, "metrics", "media", "raw"))
            self.session.execute(statement, rows)

    def _insert_raw(
        self, table: Any, rows: list[dict[str, Any]], encoded: Sequence[str] = ()
    ) -> None:
        """SQLite: one executemany through the driver. A Core insert of a page spends more on
        turning each row into parameters than SQLite spends storing it."""
        names, values = self._driver_values(table, rows, encoded)
        self.session.connection().exec_driver_sql(
            f"{self._insert_into(table, names)} VALUES ({', '.join('?' for _ in names)})", values
        )

    def _insert_returning_ids(self, table: Any, rows: list[dict[str, Any]]) -> list[int]:
        """SQLite: new rows (JSON columns encoded already) in multi-row INSERTs; their ids in
        order. A multi-row insert numbers its rows in order (max(id) + 1 each, under the
        database's write lock), so the sorted ids are in the rows' order."""
        names, values = self._driver_values(table, rows, ("platforms", "predicted", "explain"))
        connection = self.session.connection()
        one = f"({', '.join('?' for _ in names)})"
        per_statement = max(1, SQLITE_MAX_PARAMETERS // len(names))
        ids: list[int] = []
        for chunk in _chunks(values, per_statement):
            statement = (
                f"{self._insert_into(table, names)} VALUES {', '.join([one] * len(chunk))} "
                "RETURNING id"
            )
            flat = [v for row in chunk for v in row]
            ids.extend(connection.exec_driver_sql(statement, tuple(flat)).scalars())
        return sorted(ids)

    def _insert_into(self, table: Any, names: Sequence[str]) -> str:
        quote = self.session.get_bind().dialect.identifier_preparer.quote
        return f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)})"

    def _driver_values(
        self, table: Any, rows: list[dict[str, Any]], encoded: Sequence[str] = ()
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The rows as the driver's parameters, converted with the columns' own bind
        processors (dates as SQLAlchemy writes them); ``encoded`` columns hold JSON text
        already."""
        names = list(rows[0])
        dialect = self.session.get_bind().dialect
        converting = []
        for i, n in enumerate(names):
            convert = None if n in encoded else table.c[n].type._cached_bind_processor(dialect)
            if convert is not None:
                if self._sqlite and isinstance(table.c[n].type, DateTime):
                    convert = _sqlite_datetime(convert)
                converting.append((i, convert))
        values = []
        for row in rows:
            value = [row[n] for n in names]
            for i, convert in converting:
                if value[i] is not None:
                    value[i] = convert(value[i])
            values.append(tuple(value))
        return names, values

    # --- PostgreSQL: COPY ----------------------------------------------------------------
    # An INSERT of a page costs psycopg more than the data: it parses the statement's
    # thousands of placeholders, or adapts row by row. COPY streams the rows.

    def _copy_new(self, table: Any, rows: list[dict[str, Any]]) -> list[int]:
        """COPY new rows into ``table`` with ids taken from its sequence; the ids in order."""
        ids = sorted(
            self.session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"table": table.name, "n": len(rows)},
            ).scalars()
        )
        self._copy(table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids

    def _copy(self, table: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            names = list(rows[0])
            self._copy_values(table.name, names, [[row[n] for n in names] for row in rows])

    def _copy_values(self, table: str, names: Sequence[str], rows: Iterable[Any]) -> None:
        quote = self.session.get_bind().dialect.identifier_preparer.quote
        statement = f"COPY {quote(table)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        connection = self.session.connection().connection.driver_connection
        try:
            with connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except Exception as exc:
            # COPY goes round SQLAlchemy: a constraint violation (another import stored one of
            # these rows meanwhile) is raised as SQLAlchemy's, which the runner retries
            if str(getattr(exc, "sqlstate", "") or "").startswith("23"):
                raise IntegrityError(statement, None, exc) from exc
            raise

    def _keep_statistics(self, stored: int) -> None:
        """PostgreSQL plans the page's lookups (posts by id, by text hash) from table statistics
        that a bulk import outruns: autovacuum analyzes a table long after it grew from nothing
        to 100,000 rows, and meanwhile an IN list of 500 ids is checked against every stored
        post. Analyze when this run has grown the tables a few times over."""
        if not self._postgresql:
            return
        if self._analyzed_rows is None:
            self._analyzed_rows = max(
                0,
                int(
                    self.session.execute(
                        text("SELECT reltuples FROM pg_class WHERE oid = 'post'::regclass")
                    ).scalar_one()
                ),
            )
        self._stored_since_analyze += stored
        grown = self._stored_since_analyze
        if grown >= ANALYZE_MIN_ROWS and grown > ANALYZE_GROWTH * self._analyzed_rows:
            self.session.execute(text("ANALYZE post, candidate"))
            self._analyzed_rows += grown
            self._stored_since_analyze = 0
