"""Storing one page of harvested posts: exact dedup, grouping into candidates, scoring, writing.

The runner calls :meth:`PageStore.store` once per page inside the page's transaction. Every
write is a bulk statement (one INSERT of the new candidates, one of the posts, one UPDATE of the
touched candidates), so a page of 1,000 posts costs a handful of round trips. Grouping lives in
:mod:`.grouping`, catalogue matching in :mod:`.matching`, the writes per dialect in :mod:`.bulk`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, literal, select, union_all, update

from ...models import Candidate, HarvestError, HarvestTombstone, Post, utcnow
from ...models.candidates import platform_mask, search_terms
from ..base import HarvestedPost, ItemError, Page
from ..dedup import (
    CandidateIndex,
    Fingerprint,
    fingerprints,
    pack_fingerprints,
    unpack_fingerprints,
)
from ..scoring import ScoringProcess, score_inline
from .bulk import bulk_writer
from .grouping import CandidateGrouper, Group
from .matching import CatalogueMatcher
from .values import EncodedJSON, chunks, clean, encode_json, json_text

log = logging.getLogger(__name__)


@dataclass
class PageResult:
    new: int = 0
    duplicates: int = 0  # stored already, or taken down (counted in taken_down too)
    taken_down: int = 0
    errors: int = 0
    new_candidates: int = 0
    new_candidate_ids: list[int] = field(default_factory=list)


def _prefixed(key: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """An UPDATE's parameters: ``b_id`` and each value as ``b_<column>``."""
    return {"b_id": key, **{f"b_{k}": v for k, v in values.items()}}


@dataclass
class PreparedPage(Page):
    """A page with the fingerprints of its posts (:func:`prepare_page`)."""

    prepared: tuple[Any, ...] | None = None


def prepare_page(page: Page) -> PreparedPage:
    """What storing a page needs that no database can change, computed ahead (in the scoring
    process), for its posts in :func:`flatten`'s order: their fingerprints, and
    their payloads as stored (``raw`` then leaves the posts: text pickles faster)."""
    items = flatten(page.posts)
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


def flatten(posts: Sequence[HarvestedPost]) -> list[HarvestedPost]:
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
        self.writer = bulk_writer(session)
        self.grouper = CandidateGrouper(session, index, self.matcher, self.writer)
        self._fresh: list[HarvestedPost] = []  # the page's new posts
        self._raws: list[str | None] = []  # and their payloads as stored
        self._scores: dict[int, dict[str, Any]] = {}

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
        items = flatten(posts)
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
        targets, groups = self.grouper.group(fresh, fps, self._payload)
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
        self.writer.keep_statistics(len(fresh))
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
                    "platform": clean(platform, 16),
                    "position": clean(e.position, 120),
                    "message": clean(e.message),
                    "payload": clean(e.payload),
                    "at": at,
                }
                for e in errors
            ],
        )

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
            for chunk in chunks(posts):
                ids = [p.external_id for p in chunk]
                originals = {str(p.repost_of_id) for p in chunk if p.repost_of_id}
                rows = self.session.execute(
                    union_all(
                        select(Post.external_id, literal(False)).where(
                            Post.platform == platform, self.writer.in_(Post.external_id, ids)
                        ),
                        select(HarvestTombstone.external_id, literal(True)).where(
                            HarvestTombstone.platform == platform,
                            self.writer.in_(HarvestTombstone.external_id, originals.union(ids)),
                        ),
                    )
                )
                for external_id, tombstoned in rows:
                    (gone if tombstoned else stored).add((platform, external_id))
        return stored, gone

    def _payload(self, i: int) -> Any:
        """The payload of the page's new post ``i`` (decoded again when prepared elsewhere)."""
        post, raw = self._fresh[i], self._raws[i]
        if post.raw is None and raw is not None:
            return json.loads(raw)
        return post.raw

    # --- scoring -----------------------------------------------------------------------
    def _request_scores(
        self, groups: Mapping[int, Group], fresh: Sequence[HarvestedPost]
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
    def _text_values(self, group: Group, fresh: Sequence[HarvestedPost]) -> dict[str, Any]:
        """The columns of a candidate whose text is new, scored or not (yet)."""
        if group.text is None:
            return {}
        scored = self._scores.get(group.key, {})
        rep = fresh[group.rep] if group.rep is not None else None
        return {
            "text": group.text,
            "search_terms": search_terms(group.text),
            "lang": clean(scored.get("lang") or (rep.lang if rep else None), 8) or None,
            "score": scored.get("score", 0.0),
            "predicted": json_text(scored.get("predicted", {})),
            "explain": json_text(scored.get("explain", [])),
            "model_version": scored.get("model_version", ""),
            "province_code": scored.get("province_code"),
        }

    def _write_candidates(
        self,
        groups: Mapping[int, Group],
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
                        "platform_mask": platform_mask(platforms),
                        "post_count": len(posts),
                        "first_seen": min(seen),
                        "last_seen": max(seen),
                        "seen_at": max(seen),
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
            every_platform = platforms | set(row.platforms or [])
            counts.append(
                {
                    "b_id": group.key,
                    "b_n": len(posts),
                    "b_platforms": encode_json(sorted(every_platform)),
                    "b_mask": platform_mask(every_platform),
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
            inserted = self.writer.insert_returning_ids(
                table, new_rows, ("platforms", "predicted", "explain")
            )
            for key, cid in zip(new_keys, inserted, strict=True):
                ids[key] = cid
                self.index.rekey(key, cid)
        for group in groups.values():
            if group.text is not None:
                self.grouper.remember_words(ids[group.key], group.text, group.words)
        if counts:
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    post_count=table.c.post_count + bindparam("b_n"),
                    platforms=bindparam("b_platforms", type_=EncodedJSON()),
                    platform_mask=bindparam("b_mask"),
                    first_seen=bindparam("b_first"),
                    last_seen=bindparam("b_last"),
                    seen_at=bindparam("b_last"),
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
        self, groups: Mapping[int, Group], fresh: Sequence[HarvestedPost], ids: Mapping[int, int]
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
        self.writer.update_candidate_texts(texts)

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
                    "platform": clean(p.platform, 16),
                    "external_id": clean(p.external_id, 200),
                    "url": clean(p.url, 1000),
                    "author_handle": clean(p.author_handle, 200),
                    "author_name": clean(p.author_name, 200),
                    "author_location": clean(p.author_location, 200),
                    "text": clean(p.text),
                    "lang": clean(p.lang, 8) or None,
                    "created_at": p.created_at,
                    "metrics": encode_json(p.metrics or {}),
                    "media": encode_json(p.media or []),
                    "reply_to_id": clean(p.reply_to_id, 200) or None,
                    "repost_of_id": clean(p.repost_of_id, 200) or None,
                    "quote_of_id": clean(p.quote_of_id, 200) or None,
                    "query": clean(self.query),
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
        self.writer.insert(Post.__table__, rows, ("metrics", "media", "raw"))
