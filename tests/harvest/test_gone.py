"""`gone` of each platform source against a local server answering in the platform's shapes:
which stored posts the platform no longer has, and the faults that stop a recheck."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry.harvest.base import RateLimited, SourceError, StoredRef, TransientError
from registry.harvest.sources.bluesky.client import BlueskySource
from registry.harvest.sources.mastodon.client import MastodonSource
from registry.harvest.sources.twitter.client import TwitterSource, tweets_gone
from tests.harvest.httpserver import Reply, ScriptedServer

FIXTURES = Path(__file__).parent / "fixtures"
LOOKUP = "/2/tweets"
GET_POSTS = "/xrpc/app.bsky.feed.getPosts"
THREAD = "/xrpc/app.bsky.feed.getPostThread"
PROBLEMS = "https://api.twitter.com/2/problems/"


def fixture(*parts: str) -> Any:
    return json.loads(FIXTURES.joinpath(*parts).read_text(encoding="utf-8"))


def lookup_error(tweet_id: str, kind: str = "resource-not-found") -> dict[str, Any]:
    """An entry of GET /2/tweets's `errors` as the API writes it."""
    if kind == "resource-not-found":
        title, detail = "Not Found Error", f"Could not find tweet with ids: [{tweet_id}]."
    else:
        title = "Authorization Error"
        detail = f"Sorry, you are not authorized to see the Tweet with ids: [{tweet_id}]."
    return {
        "value": tweet_id,
        "detail": detail,
        "title": title,
        "resource_type": "tweet",
        "parameter": "ids",
        "resource_id": tweet_id,
        "type": PROBLEMS + kind,
    }


@pytest.fixture
def server():
    with ScriptedServer() as srv:
        yield srv


# --- X/Twitter --------------------------------------------------------------------------------


def test_tweets_gone_reads_not_found_and_not_authorized_from_the_errors_array():
    body = {
        "data": [{"id": "1", "text": "masih ada", "edit_history_tweet_ids": ["1"]}],
        "errors": [
            lookup_error("2"),
            lookup_error("3", "not-authorized-for-resource"),
            # a referenced tweet missing from the includes says nothing about the asked ones
            {
                "value": "4",
                "detail": "Could not find tweet with referenced_tweets.id: [4].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "referenced_tweets.id",
                "resource_id": "4",
                "type": PROBLEMS + "resource-not-found",
            },
            {"title": "Something else", "value": "5", "type": PROBLEMS + "client-forbidden"},
        ],
    }
    assert tweets_gone(body, ["1", "2", "3", "4", "5", "6"]) == {"2", "3"}
    # every asked id missing: the body has no data at all
    assert tweets_gone({"errors": [lookup_error("7")]}, ["7"]) == {"7"}
    # an id neither returned nor explained is not judged
    assert tweets_gone({"data": []}, ["8"]) == set()


def test_twitter_gone_asks_one_lookup_with_the_ids(server):
    server.add(
        LOOKUP,
        Reply(200, body={"data": [{"id": "11", "text": "ada"}], "errors": [lookup_error("12")]}),
    )
    source = TwitterSource(query="q", base_url=server.url, token="AAAA-test")
    refs = [StoredRef("11"), StoredRef("12"), StoredRef("not-a-tweet-id")]
    assert source.gone(refs) == {"12"}
    (request,) = server.requests
    assert request.param("ids") == "11,12"
    assert request.headers["authorization"] == "Bearer AAAA-test"


def test_twitter_gone_rate_limited_and_refused(server):
    server.add(
        LOOKUP,
        Reply(429, body=fixture("twitter", "error_429.json"), headers={"retry-after": "60"}),
    )
    source = TwitterSource(query="q", base_url=server.url, token="t")
    with pytest.raises(RateLimited) as caught:
        source.gone([StoredRef("1")])
    assert caught.value.retry_after == 60.0
    with ScriptedServer() as other:
        other.add(LOOKUP, Reply(403, body={"title": "Forbidden", "detail": "not on this plan"}))
        refused = TwitterSource(query="q", base_url=other.url, token="t")
        with pytest.raises(SourceError) as error:
            refused.gone([StoredRef("1")])
        assert not isinstance(error.value, TransientError)


# --- Mastodon ---------------------------------------------------------------------------------


def test_mastodon_gone_asks_each_own_status_by_the_instances_own_id(server):
    page = fixture("mastodon", "tag_page1.json")
    server.add("/api/v1/statuses/104", Reply(200, body=page[0]))
    server.add("/api/v1/statuses/900", Reply(404, body={"error": "Record not found"}))
    # the instance purged its cached copy of a remote status: its 404 must not count
    server.add("/api/v1/statuses/555", Reply(404, body={"error": "Record not found"}))
    source = MastodonSource(query="#covid", base_url=server.url)
    own = server.url + "/users/x/statuses/"
    refs = [
        StoredRef(own + "104", "104"),
        StoredRef(own + "900", "900"),
        StoredRef("https://other.example/users/y/statuses/5", "555"),  # another server's
        StoredRef("https://other.example/users/y/statuses/6"),  # no local id
        StoredRef("901", "901"),  # no uri: its origin is unknown
        StoredRef(own.replace("127.0.0.1", "localhost") + "902", "902"),  # another host name
    ]
    assert source.gone(refs) == {own + "900"}
    assert [r.path for r in server.requests] == ["/api/v1/statuses/104", "/api/v1/statuses/900"]


def test_mastodon_is_local_compares_host_and_port():
    source = MastodonSource(query="#covid", base_url="https://Mastodon.Example/")
    assert source.is_local("https://mastodon.example/users/a/statuses/1")
    assert source.is_local("https://mastodon.example:443/users/a/statuses/1")
    assert not source.is_local("https://mastodon.example:8443/users/a/statuses/1")
    assert not source.is_local("https://kota.example/users/a/statuses/1")
    assert not source.is_local("https://mastodon.example.evil.example/users/a/statuses/1")
    assert not source.is_local("112000000000000104")
    assert not source.is_local("https://mastodon.example:notaport/x")


def test_mastodon_404_without_mastodons_body_is_not_a_deletion(server):
    """A proxy's or a wrong base URL's 404 must not delete every stored status."""
    server.add("/api/v1/statuses/7", Reply(404, body="<html>Not Found</html>"))
    source = MastodonSource(query="#covid", base_url=server.url)
    with pytest.raises(SourceError) as caught:
        source.gone([StoredRef(server.url + "/users/x/statuses/7", "7")])
    assert "404 without Mastodon's error body" in str(caught.value)


def test_mastodon_gone_rate_limit_and_server_error(server):
    slow = Reply(429, body={"error": "slow"}, headers={"Retry-After": "9"})
    server.add("/api/v1/statuses/1", slow)
    server.add("/api/v1/statuses/2", Reply(503, body={"error": "down"}))
    source = MastodonSource(query="#covid", base_url=server.url)
    with pytest.raises(RateLimited) as limited:
        source.gone([StoredRef(server.url + "/users/x/statuses/1", "1")])
    assert limited.value.retry_after == 9.0
    with pytest.raises(TransientError):
        source.gone([StoredRef(server.url + "/users/x/statuses/2", "2")])


# --- Bluesky ----------------------------------------------------------------------------------


def not_found(uri: str) -> Reply:
    """getPostThread's NotFound error, as the AppView answers for a post it does not have."""
    return Reply(400, body={"error": "NotFound", "message": f"Post not found: {uri}"})


def thread(kind: str, uri: str, **fields: Any) -> Reply:
    return Reply(
        200, body={"thread": {"$type": f"app.bsky.feed.defs#{kind}", "uri": uri, **fields}}
    )


def test_bluesky_gone_confirms_what_get_posts_leaves_out_with_get_post_thread(server):
    kept = fixture("bluesky", "search_page1.json")["posts"][0]
    base = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/"
    deleted, blocked, not_found_post, shown = (
        base + k for k in ("3lbq1", "3lbq2", "3lbq3", "3lbq4")
    )
    server.add(GET_POSTS, Reply(200, body={"posts": [kept]}))
    blocked_author = {"did": "did:plc:blocked", "viewer": {"blocking": "at://did:plc:me/x/1"}}
    server.add(
        THREAD,
        not_found(deleted),
        thread("blockedPost", blocked, blocked=True, author=blocked_author),
        thread("notFoundPost", not_found_post, notFound=True),
        # a thread view of a post getPosts left out (an AppView lagging): kept
        thread("threadViewPost", shown, post={**kept, "uri": shown}),
    )
    source = BlueskySource(query="covid", base_url=server.url)
    refs = [StoredRef(uri) for uri in (kept["uri"], deleted, blocked, not_found_post, shown)]
    try:
        assert source.gone(refs) == {deleted, not_found_post}
    finally:
        source.close()
    (lookup,) = server.requests_to(GET_POSTS)
    assert lookup.query["uris"] == [r.external_id for r in refs]
    asked = server.requests_to(THREAD)
    assert [r.param("uri") for r in asked] == [deleted, blocked, not_found_post, shown]
    assert all((r.param("depth"), r.param("parentHeight")) == ("0", "0") for r in asked)


def test_bluesky_gone_asks_no_thread_when_get_posts_has_them_all(server):
    kept = fixture("bluesky", "search_page1.json")["posts"][0]
    server.add(GET_POSTS, Reply(200, body={"posts": [kept]}))
    source = BlueskySource(query="covid", base_url=server.url)
    try:
        assert source.gone([StoredRef(kept["uri"])]) == set()
    finally:
        source.close()
    assert [r.path for r in server.requests] == [GET_POSTS]


@pytest.mark.parametrize(
    ("reply", "raised"),
    [
        (Reply(400, body={"error": "InvalidRequest", "message": "bad uri"}), SourceError),
        (Reply(400, body=b"<html>Bad Request</html>"), SourceError),
        (Reply(429, body={"error": "RateLimitExceeded", "message": "slow"}), RateLimited),
        (Reply(500, body={"error": "InternalServerError"}), TransientError),
    ],
)
def test_bluesky_thread_faults_stop_the_recheck_and_delete_nothing(server, reply, raised):
    uri = "at://did:plc:x/app.bsky.feed.post/1"
    server.add(GET_POSTS, Reply(200, body={"posts": []}))
    server.add(THREAD, reply)
    source = BlueskySource(query="covid", base_url=server.url)
    try:
        with pytest.raises(raised):
            source.gone([StoredRef(uri)])
    finally:
        source.close()


def test_bluesky_thread_body_of_another_shape_keeps_the_post(server):
    uri = "at://did:plc:x/app.bsky.feed.post/1"
    server.add(GET_POSTS, Reply(200, body={"posts": []}))
    server.add(THREAD, Reply(200, body={"thread": "gone?"}), Reply(200, body=[uri]))
    source = BlueskySource(query="covid", base_url=server.url)
    try:
        assert source.gone([StoredRef(uri)]) == set()
        assert source.gone([StoredRef(uri)]) == set()
    finally:
        source.close()
    assert len(server.requests_to(THREAD)) == 2


def test_bluesky_gone_faults(server):
    server.add(GET_POSTS, Reply(429, body={"error": "RateLimitExceeded", "message": "slow"}))
    source = BlueskySource(query="covid", base_url=server.url)
    uri = "at://did:plc:x/app.bsky.feed.post/1"
    with pytest.raises(RateLimited):
        source.gone([StoredRef(uri)])
    with ScriptedServer() as other:
        other.add(GET_POSTS, Reply(200, body={"error": "no posts here"}))
        broken = BlueskySource(query="covid", base_url=other.url)
        with pytest.raises(TransientError):
            broken.gone([StoredRef(uri)])
        broken.close()
    source.close()
