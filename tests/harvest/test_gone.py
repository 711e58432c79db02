"""`gone` of each platform source against a local server answering in the platform's shapes:
which stored posts the platform no longer has, and the faults that stop a recheck."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry.harvest.base import RateLimited, SourceError, StoredRef, TransientError
from registry.harvest.sources.bluesky import BlueskySource
from registry.harvest.sources.mastodon import MastodonSource
from registry.harvest.sources.twitter import TwitterSource, tweets_gone
from tests.harvest.httpserver import Reply, ScriptedServer

FIXTURES = Path(__file__).parent / "fixtures"
LOOKUP = "/2/tweets"
GET_POSTS = "/xrpc/app.bsky.feed.getPosts"
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


def test_mastodon_gone_asks_each_status_by_the_instances_own_id(server):
    page = fixture("mastodon", "tag_page1.json")
    server.add("/api/v1/statuses/112000000000000104", Reply(200, body=page[0]))
    server.add("/api/v1/statuses/900", Reply(404, body={"error": "Record not found"}))
    source = MastodonSource(query="#covid", base_url=server.url)
    refs = [
        StoredRef(page[0]["uri"], page[0]["id"]),
        StoredRef("https://mastodon.example/users/x/statuses/900", "900"),
        StoredRef("https://other.example/users/y/statuses/5"),  # no local id: not judged
    ]
    assert source.gone(refs) == {"https://mastodon.example/users/x/statuses/900"}
    assert [r.path for r in server.requests] == [
        "/api/v1/statuses/112000000000000104",
        "/api/v1/statuses/900",
    ]


def test_mastodon_404_without_mastodons_body_is_not_a_deletion(server):
    """A proxy's or a wrong base URL's 404 must not delete every stored status."""
    server.add("/api/v1/statuses/7", Reply(404, body="<html>Not Found</html>"))
    source = MastodonSource(query="#covid", base_url=server.url)
    with pytest.raises(SourceError) as caught:
        source.gone([StoredRef("https://m.example/s/7", "7")])
    assert "404 without Mastodon's error body" in str(caught.value)


def test_mastodon_gone_rate_limit_and_server_error(server):
    slow = Reply(429, body={"error": "slow"}, headers={"Retry-After": "9"})
    server.add("/api/v1/statuses/1", slow)
    server.add("/api/v1/statuses/2", Reply(503, body={"error": "down"}))
    source = MastodonSource(query="#covid", base_url=server.url)
    with pytest.raises(RateLimited) as limited:
        source.gone([StoredRef("u1", "1")])
    assert limited.value.retry_after == 9.0
    with pytest.raises(TransientError):
        source.gone([StoredRef("u2", "2")])


# --- Bluesky ----------------------------------------------------------------------------------


def test_bluesky_gone_is_what_get_posts_leaves_out(server):
    kept = fixture("bluesky", "search_page1.json")["posts"][0]
    deleted = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lbq3abcdee2k"
    server.add(GET_POSTS, Reply(200, body={"posts": [kept]}))
    source = BlueskySource(query="covid", base_url=server.url)
    try:
        assert source.gone([StoredRef(kept["uri"]), StoredRef(deleted)]) == {deleted}
    finally:
        source.close()
    (request,) = server.requests
    assert request.query["uris"] == [kept["uri"], deleted]


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
