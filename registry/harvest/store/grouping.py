"""Grouping a page's new posts into candidates: a repost joins its original's candidate, the
same dedup text joins the stored post's, a near-duplicate joins the candidate index's match,
anything else starts a new candidate; merged candidates are followed to the survivor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ...models import Candidate, Post
from ...text import is_rt_text, strip_repost_prefix
from ..base import HarvestedPost
from ..dedup import CandidateIndex, Fingerprint
from ..dedup_keys import dedup_tokens
from .bulk_core import BulkWriter
from .matching import CatalogueMatcher, post_urls
from .values import chunks, clean

MAX_MERGE_HOPS = 20


@dataclass
class Group:
    """A candidate touched by this page: its stored values (None for a new one) and news."""

    key: int
    row: Any = None
    posts: list[int] = field(default_factory=list)
    text: str | None = None  # the new representative text, when it changes
    rep: int | None = None  # index of the representative post among the page's new posts
    words: int = 0  # dedup words of the new text
    matches: int | None = None


def is_original(post: HarvestedPost) -> bool:
    return not post.repost_of_id and not is_rt_text(post.text)


class CandidateGrouper:
    """Groups the pages of one run: holds the process's candidate index, the run's catalogue
    matcher and the dedup word counts of the candidates' texts."""

    def __init__(
        self,
        session: Any,
        index: CandidateIndex,
        matcher: CatalogueMatcher,
        writer: BulkWriter,
    ) -> None:
        self.session = session
        self.index = index
        self.matcher = matcher
        self.writer = writer
        self._rows: dict[int, Any] = {}
        self._added: dict[int, int] = {}  # key -> the page's post whose fingerprint it holds
        self._rep_words: dict[int, tuple[str, int]] = {}  # candidate -> (text, dedup words)

    def group(
        self,
        fresh: Sequence[HarvestedPost],
        fps: Sequence[Fingerprint],
        payload: Callable[[int], Any],
    ) -> tuple[list[int], dict[int, Group]]:
        """Each new post's candidate key (a stored candidate's id, or a negative key for a new
        one), and the candidates touched by the page by key. ``payload(i)``: the payload of
        the new post ``i``."""
        targets = self._assign(fresh, fps)
        return targets, self._groups(fresh, fps, targets, payload)

    def remember_words(self, candidate_id: int, text: str, words: int) -> None:
        """A candidate's new representative text and its dedup word count."""
        self._rep_words[candidate_id] = (text, words)

    def _new_key(self) -> int:
        return self.index.new_key()

    def _assign(self, fresh: Sequence[HarvestedPost], fps: Sequence[Fingerprint]) -> list[int]:
        """Each new post's candidate key: a stored candidate's id, or a negative key for a new
        one."""
        in_ = self.writer.in_
        hashes = sorted({fp.text_hash for fp in fps if fp.text_hash})
        by_hash: dict[str, int] = {}
        for chunk in chunks(hashes):
            for h, cid in self.session.execute(
                select(Post.text_hash, Post.candidate_id).where(in_(Post.text_hash, chunk))
            ):
                by_hash.setdefault(h, cid)
        originals_wanted: dict[str, list[str]] = {}
        for p in fresh:
            if p.repost_of_id:
                originals_wanted.setdefault(p.platform, []).append(str(p.repost_of_id))
        by_id: dict[tuple[str, str], int] = {}
        for platform, ids in originals_wanted.items():
            for chunk in chunks(sorted(set(ids))):
                for ext, cid in self.session.execute(
                    select(Post.external_id, Post.candidate_id).where(
                        Post.platform == platform, in_(Post.external_id, chunk)
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
            for chunk in chunks(missing):
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
                    ).where(self.writer.in_(Candidate.id, chunk))
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
        payload: Callable[[int], Any],
    ) -> dict[int, Group]:
        groups: dict[int, Group] = {}
        for i, target in enumerate(targets):
            group = groups.get(target)
            if group is None:
                group = groups[target] = Group(
                    target, self._rows.get(target) if target > 0 else None
                )
            group.posts.append(i)
        for group in groups.values():
            current = self._words_of(group.row) if group.row is not None else -1
            best = None
            for i in group.posts:
                if fps[i].tokens > current and is_original(fresh[i]):
                    best, current = i, fps[i].tokens
            if best is None and group.row is None:
                best = group.posts[0]
            if best is not None:
                group.rep, group.words = best, fps[best].tokens
                post = fresh[best]
                group.text = clean(
                    post.text if is_original(post) else strip_repost_prefix(post.text)
                )
                if fps[best].hashvalues is not None and self._added.get(group.key) != best:
                    self.index.add(group.key, fps[best])
                    self._added[group.key] = best
            if group.row is None or group.row.matches_innovation_id is None:
                if self.matcher.links:
                    urls: set[str] = set()
                    for i in group.posts:
                        urls |= post_urls(fresh[i], payload(i))
                    group.matches = self.matcher.by_urls(urls)
                if group.matches is None and group.text is not None:
                    group.matches = self.matcher.by_title(group.text)
        return groups

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
