"""Recheck: after a live run, posts the platform no longer has are taken down (tombstoned
"deleted at source"), in bounded batches from a cursor; faults never fail the harvest."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.harvest.runner import Runner, Settings
from registry.models import Candidate, HarvestRun, HarvestSource, HarvestTombstone, Post
from registry.services import harvesting
from tests.harvest.httpserver import Reply, ScriptedServer

FIXTURES = Path(__file__).parent / "fixtures"
NOW = dt.datetime(2020, 6, 1, 12, 0)
TAG = "/api/v1/timelines/tag/covid"
STATUS = "/api/v1/statuses/"
NOT_FOUND = Reply(404, body={"error": "Record not found"})
THREAD = "/xrpc/app.bsky.feed.getPostThread"


def fixture(*parts: str) -> Any:
    return json.loads(FIXTURES.joinpath(*parts).read_text(encoding="utf-8"))


FIXTURE_HOST = "https://mastodon.example"
REMOTE_ORIGINAL = "https://kota.example/users/relawan/statuses/111999999999999001"


def tag_page(base_url: str, remote_original: bool = False) -> list[dict[str, Any]]:
    """The recorded hashtag page as the instance at base_url writes it: 104 is a status of
    its own; 103 is a boost of 001 (stored as well, one candidate for both). With
    remote_original, 001 comes from another server (its uri is there)."""
    page = json.loads(
        json.dumps(fixture("mastodon", "tag_page1.json")).replace(FIXTURE_HOST, base_url)
    )
    if remote_original:
        page[1]["reblog"]["uri"] = REMOTE_ORIGINAL
    return page


@dataclass
class Statuses:
    own: dict[str, Any]
    boost: dict[str, Any]
    original: dict[str, Any]

    @classmethod
    def of(cls, page: list[dict[str, Any]]) -> Statuses:
        return cls(page[0], page[1], page[1]["reblog"])


def runner() -> Runner:
    return Runner(Settings(), sleep=lambda s: None, clock=lambda: NOW, jitter=lambda: 0.0,
                  predictor=None)  # fmt: skip


def count(model: Any, *where: Any) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def post(external_id: str) -> Post | None:
    return db.session.scalar(select(Post).where(Post.external_id == external_id))


@pytest.fixture
def server():
    with ScriptedServer() as srv:
        srv.add(TAG, Reply(200, body=tag_page(srv.url)), Reply(200, body=[]))
        yield srv


@pytest.fixture
def st(server) -> Statuses:
    return Statuses.of(tag_page(server.url))


@pytest.fixture
def source(ctx, server) -> HarvestSource:
    row = harvesting.add_source(
        name="tagar", platform="mastodon", query="#covid", base_url=server.url, actor="t"
    )
    db.session.commit()
    return row


def status_paths(server: ScriptedServer) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith(STATUS)]


def test_a_status_deleted_at_the_source_is_taken_down_after_the_run(ctx, server, source, st):
    server.add(STATUS + st.own["id"], NOT_FOUND)
    server.add(STATUS + st.boost["id"], Reply(200, body=st.boost))
    server.add(STATUS + st.original["id"], Reply(200, body=st.original))
    run = runner().run_source(source)
    assert (run.status, run.new, run.removed) == ("done", 3, 1), run.stop_reason
    assert sorted(status_paths(server)) == sorted(
        STATUS + s["id"] for s in (st.own, st.boost, st.original)
    )
    assert post(st.own["uri"]) is None
    assert post(st.boost["uri"]) is not None and post(st.original["uri"]) is not None
    (stone,) = db.session.scalars(select(HarvestTombstone))
    assert (stone.platform, stone.external_id) == ("mastodon", st.own["uri"])
    assert (stone.reason, stone.actor) == ("deleted at source", "recheck of tagar")
    # the deleted post's candidate was new and is now empty: it left the inbox
    assert count(Candidate) == 1
    assert db.session.scalar(select(Candidate.post_count)) == 2


def test_a_status_from_another_server_is_never_removed(ctx):
    """The instance's 404 for a remote status only says it purged its cached copy."""
    with ScriptedServer() as server:
        page = tag_page(server.url, remote_original=True)
        statuses = Statuses.of(page)
        own, boost = statuses.own, statuses.boost
        server.add(TAG, Reply(200, body=page), Reply(200, body=[]))
        for status in (own, boost, statuses.original):
            server.add(STATUS + status["id"], NOT_FOUND)
        row = harvesting.add_source(name="tagar", platform="mastodon", query="#covid",
                                    base_url=server.url, actor="t")  # fmt: skip
        db.session.commit()
        run = runner().run_source(row)
        asked = status_paths(server)
    assert (run.status, run.new, run.removed) == ("done", 3, 2), run.stop_reason
    assert sorted(asked) == sorted(STATUS + s["id"] for s in (own, boost))
    assert post(own["uri"]) is None and post(boost["uri"]) is None
    assert post(REMOTE_ORIGINAL) is not None
    assert count(HarvestTombstone, HarvestTombstone.external_id == REMOTE_ORIGINAL) == 0


def test_an_undone_boost_leaves_its_candidate_with_the_original(ctx, server, source, st):
    server.add(STATUS + st.own["id"], Reply(200, body=st.own))
    server.add(STATUS + st.boost["id"], NOT_FOUND)
    server.add(STATUS + st.original["id"], Reply(200, body=st.original))
    run = runner().run_source(source)
    assert run.removed == 1
    assert post(st.boost["uri"]) is None
    kept = post(st.original["uri"])
    assert kept is not None
    candidate = db.session.get_one(Candidate, kept.candidate_id)
    assert candidate.post_count == 1 and candidate.status == "new"
    assert count(Candidate) == 2


def test_a_later_import_of_the_deleted_status_is_skipped(ctx, server, source, tmp_path, st):
    server.add(STATUS + st.own["id"], NOT_FOUND)
    server.add(STATUS + st.boost["id"], Reply(200, body=st.boost))
    server.add(STATUS + st.original["id"], Reply(200, body=st.original))
    runner().run_source(source)
    archive = tmp_path / "statuses.json"
    archive.write_text(json.dumps([st.own]), encoding="utf-8")
    imported = runner().import_file(archive, "mastodon")
    assert (imported.status, imported.new, imported.duplicates) == ("done", 0, 1)
    assert post(st.own["uri"]) is None


def test_a_429_during_the_recheck_keeps_the_posts_and_the_runs_result(ctx, server, source, st):
    slow = Reply(429, body={"error": "slow"}, headers={"Retry-After": "60"})
    server.add(STATUS + st.own["id"], slow, NOT_FOUND)  # the second answer goes to the next run
    server.add(STATUS + st.boost["id"], Reply(200, body=st.boost))
    server.add(STATUS + st.original["id"], Reply(200, body=st.original))
    run = runner().run_source(source)
    assert (run.status, run.new, run.removed) == ("done", 3, 0)
    assert run.stop_reason.startswith("recheck paused: Mastodon rate limit")
    assert count(Post) == 3 and count(HarvestTombstone) == 0
    db.session.refresh(source)
    assert "recheck" not in source.state  # the next run starts at the same posts
    # the next run: the platform answers again, and the status is gone
    again = runner().run_source(source)
    assert (again.status, again.new, again.removed, again.stop_reason) == ("done", 0, 1, "")
    assert post(st.own["uri"]) is None


def test_a_server_error_or_a_broken_recheck_never_fails_the_harvest(ctx, server, source, st):
    server.add(STATUS + st.own["id"], Reply(500, body={"error": "oops"}))
    run = runner().run_source(source)
    assert run.status == "done" and "recheck paused: Mastodon unavailable" in run.stop_reason
    assert count(Post) == 3


def test_batches_move_on_from_a_cursor_and_start_over(ctx, app, server, source, st):
    app.config["HARVEST_RECHECK_POSTS"] = 2
    for status in (st.own, st.boost, st.original):
        server.add(STATUS + status["id"], Reply(200, body=status))
    runner().run_source(source)
    ids = db.session.scalars(select(Post.id).order_by(Post.id)).all()
    first = status_paths(server)
    assert len(first) == 2
    db.session.refresh(source)
    assert source.state["recheck"] == {"after": ids[1]}
    runner().run_source(source)
    second = status_paths(server)[2:]
    assert len(second) == 1 and second[0] not in first  # the third post, then start over
    db.session.refresh(source)
    assert source.state["recheck"] == {"after": 0}
    runner().run_source(source)
    assert sorted(status_paths(server)[3:]) == sorted(first)
    app.config["HARVEST_RECHECK_POSTS"] = 0  # off
    runner().run_source(source)
    assert len(status_paths(server)) == 5


def test_a_failed_run_is_not_rechecked(ctx, server, source, st):
    server.add(TAG, Reply(401, body={"error": "The access token is invalid"}))
    server.add(STATUS + st.own["id"], NOT_FOUND)
    server.add(STATUS + st.boost["id"], Reply(200, body=st.boost), NOT_FOUND)
    server.add(STATUS + st.original["id"], Reply(200, body=st.original))
    runner().run_source(source)  # the page, then the empty page: the 401 is for the next run
    assert post(st.own["uri"]) is None
    before = len(status_paths(server))
    failed = runner().run_source(source)
    assert failed.status == "failed" and len(status_paths(server)) == before
    assert post(st.boost["uri"]) is not None


def test_a_mastodon_source_moved_to_another_instance_rechecks_only_new_posts(ctx, source):
    runner().run_source(source)  # every status answers 404 without Mastodon's body: paused
    assert count(Post) == 3
    top = db.session.scalar(select(func.max(Post.id)))
    with ScriptedServer() as other:
        other.add(TAG, Reply(200, body=[]))
        harvesting.update_source(source, actor="t", base_url=other.url)
        db.session.commit()
        assert source.state == {"recheck": {"after": 0, "floor": top}}
        run = runner().run_source(source)
        assert run.removed == 0 and not [r for r in other.requests if r.path.startswith(STATUS)]
    assert count(Post) == 3


# --- X/Twitter and Bluesky through the runner -------------------------------------------------


def test_twitter_source_recheck_with_the_apis_errors_array(ctx, monkeypatch):
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", "AAAA-test")
    page = fixture("twitter", "search_page_2.json")
    kept, deleted = (t["id"] for t in page["data"])
    lookup = {
        "data": [{"id": kept, "text": "ada", "edit_history_tweet_ids": [kept]}],
        "errors": [
            {
                "value": deleted,
                "detail": f"Could not find tweet with ids: [{deleted}].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "ids",
                "resource_id": deleted,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ],
    }
    with ScriptedServer() as server:
        server.add("/2/tweets/search/recent", Reply(200, body=page))
        server.add("/2/tweets", Reply(200, body=lookup))
        row = harvesting.add_source(
            name="x", platform="twitter", query="inovasi", base_url=server.url, actor="t"
        )
        db.session.commit()
        run = runner().run_source(row)
    assert (run.status, run.new, run.removed) == ("done", 2, 1), run.stop_reason
    assert post(deleted) is None and post(kept) is not None
    stone = db.session.scalar(select(HarvestTombstone))
    assert stone is not None
    assert (stone.platform, stone.external_id, stone.reason) == (
        "twitter",
        deleted,
        "deleted at source",
    )


def test_bluesky_source_recheck_removes_only_what_get_post_thread_finds_gone(ctx):
    """getPosts leaves out both posts; getPostThread says one is not found and the other's
    author blocks (or is blocked by) the viewer: only the first is removed."""
    page = fixture("bluesky", "search_page1.json")
    blocked, deleted = page["posts"]
    blocked_thread = {
        "$type": "app.bsky.feed.defs#blockedPost",
        "uri": blocked["uri"],
        "blocked": True,
        "author": {"did": blocked["author"]["did"], "viewer": {"blockedBy": True}},
    }
    with ScriptedServer() as server:
        server.add(
            "/xrpc/app.bsky.feed.searchPosts",
            Reply(200, body=page),
            Reply(200, body={"posts": []}),
        )
        server.add("/xrpc/app.bsky.feed.getPosts", Reply(200, body={"posts": []}))
        server.add(
            THREAD,
            Reply(200, body={"thread": blocked_thread}),
            Reply(400, body={"error": "NotFound", "message": f"Post not found: {deleted['uri']}"}),
        )
        row = harvesting.add_source(name="bsky", platform="bluesky", query="covid",
                                    base_url=server.url, actor="t")  # fmt: skip
        db.session.commit()
        run = runner().run_source(row)
        asked = [r.param("uri") for r in server.requests_to(THREAD)]
    assert asked == [blocked["uri"], deleted["uri"]]  # stored order: the replies match
    assert (run.status, run.new, run.removed) == ("done", 2, 1), run.stop_reason
    assert post(deleted["uri"]) is None and post(blocked["uri"]) is not None
    stone = db.session.scalar(select(HarvestTombstone))
    assert stone is not None
    assert (stone.external_id, stone.reason) == (deleted["uri"], "deleted at source")


def test_the_run_record_keeps_the_count(ctx, server, source, st):
    server.add(STATUS + st.own["id"], NOT_FOUND)
    server.add(STATUS + st.boost["id"], NOT_FOUND)
    server.add(STATUS + st.original["id"], Reply(200, body=st.original))
    run = runner().run_source(source)
    stored = db.session.get_one(HarvestRun, run.id)
    assert stored.removed == 2 and harvesting.last_runs(source)[0].removed == 2
