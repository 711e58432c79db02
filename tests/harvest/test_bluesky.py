"""The Bluesky source: normalize_post_view on real postViews, and searchPosts against a local
server answering in the lexicon's shapes (tests/harvest/fixtures/bluesky), faults included."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest

from registry.harvest.base import Page, RateLimited, SourceError, TransientError
from registry.harvest.sources.bluesky.client import BlueskySource
from registry.harvest.sources.bluesky.normalize import normalize_post_view, post_link
from tests.harvest.httpserver import Reply, ScriptedServer

FIXTURES = Path(__file__).parent / "fixtures" / "bluesky"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "bluesky"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/fixtures/bluesky is absent (a fresh clone has none)"
)
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
LOGIN = "/xrpc/com.atproto.server.createSession"
NEWEST = "2024-11-20T09:15:00.000Z"  # the createdAt of the newest post in search_page1.json


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shared(name: str) -> Any:
    return json.loads((SHARED / name).read_text(encoding="utf-8"))


@pytest.fixture
def server():
    with ScriptedServer() as srv:
        yield srv


def collect(source: BlueskySource, state: dict[str, Any] | None = None, **kwargs) -> list[Page]:
    return list(source.pages(state or {}, **kwargs))


# --- normalize_post_view on the real payloads in ../shared ----------------------------------


@needs_shared
def test_real_post_view_with_media_and_quote():
    view = shared("thread_view_post_with_embed_media.json")["thread"]["post"]
    post = normalize_post_view(view)
    assert post.platform == "bluesky"
    assert post.external_id == (
        "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kaheyt6vpc22"
    )
    assert post.url == "https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22"
    assert post.text == ""
    assert post.lang == "en"
    assert post.author_handle == "test.marshal.dev"
    assert post.author_name == "Python SDK"
    assert post.created_at == dt.datetime(2023, 9, 28, 12, 49, 36, 735000)
    assert post.metrics == {"replies": 0, "reposts": 0, "likes": 0, "quotes": 0}
    # a record-with-media embed: its image is media, its record is the quoted post
    assert len(post.media) == 1
    assert post.media[0]["type"] == "image"
    assert post.media[0]["url"].startswith("https://cdn.bsky.app/img/feed_fullsize/")
    assert post.media[0]["preview_url"].startswith("https://cdn.bsky.app/img/feed_thumbnail/")
    assert post.quote_of_id == (
        "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kahesw26il2z"
    )
    assert post.reply_to_id is None and post.repost_of_id is None
    assert post.raw == view


@needs_shared
def test_a_record_listing_is_not_a_post_view():
    with pytest.raises(ValueError, match="record"):
        normalize_post_view(shared("post_record.json"))


@needs_shared
def test_the_params_we_send_are_in_the_searchposts_lexicon(server):
    lexicon = shared("lexicon_app.bsky.feed.searchPosts.json")["defs"]["main"]
    declared = set(lexicon["parameters"]["properties"])
    server.add(
        SEARCH, Reply(200, body=fixture("search_page1.json")), Reply(200, body={"posts": []})
    )
    collect(BlueskySource("banjir", base_url=server.url), state={"since": "2024-11-01"})
    sent = set().union(*(r.query for r in server.requests_to(SEARCH)))
    assert sent <= declared
    assert {"q", "sort", "since", "cursor", "limit"} <= sent
    assert lexicon["output"]["schema"]["required"] == ["posts"]


# --- normalize_post_view on our recorded-shape fixtures -------------------------------------


def test_post_with_images_and_counts():
    post = normalize_post_view(fixture("search_page1.json")["posts"][0])
    assert post.text.startswith("Aplikasi Lapor Banjir")
    assert post.url == "https://bsky.app/profile/pemkot-lestari.bsky.social/post/3lbq2xkdps22a"
    assert post.lang == "id"
    assert post.author_name == "Pemkot Lestari"
    assert post.metrics == {"replies": 3, "reposts": 8, "likes": 21, "quotes": 2}
    assert post.media == [
        {
            "type": "image",
            "url": "https://cdn.bsky.app/img/feed_fullsize/plain/"
            "did:plc:7iza6de2dwap2sbkpav7c6c6/bafkreiimg1@jpeg",
            "preview_url": "https://cdn.bsky.app/img/feed_thumbnail/plain/"
            "did:plc:7iza6de2dwap2sbkpav7c6c6/bafkreiimg1@jpeg",
            "alt_text": "Tangkapan layar aplikasi",
        }
    ]


def test_reply_and_quote_relations():
    view = fixture("search_page1.json")["posts"][1]
    post = normalize_post_view(view)
    assert post.reply_to_id == view["record"]["reply"]["parent"]["uri"]
    assert (
        post.quote_of_id == "at://did:plc:7iza6de2dwap2sbkpav7c6c6/app.bsky.feed.post/3lbpzzzzzzz2a"
    )
    assert post.author_name == ""
    assert post.media == []


URI = "at://did:plc:abc/app.bsky.feed.post/3k"


@pytest.mark.parametrize(
    "broken",
    [
        {"record": {"text": "no uri"}},
        {"uri": URI},  # no record
        {"uri": URI, "record": {"text": 5}},
        {"uri": URI, "record": {"text": "x", "createdAt": "kemarin"}},
        {"uri": URI, "record": {"text": "x"}, "likeCount": "many"},
        {
            "uri": URI,
            "record": {"text": "x"},
            "embed": {"$type": "app.bsky.embed.images", "images": 5},
        },
        [URI],
    ],
)
def test_malformed_post_views_raise_value_error(broken):
    with pytest.raises(ValueError):
        normalize_post_view(broken)


def test_post_link_falls_back_to_the_did_for_an_invalid_handle():
    uri = "at://did:plc:abc/app.bsky.feed.post/3k"
    assert post_link(uri, "handle.invalid") == "https://bsky.app/profile/did:plc:abc/post/3k"
    assert post_link("at://did:plc:abc/app.bsky.feed.like/3k", "x") == ""


# --- the source against a local server ------------------------------------------------------


def test_two_pages_with_a_malformed_post_then_the_end(server):
    server.add(
        SEARCH,
        Reply(200, body=fixture("search_page1.json")),
        Reply(200, body=fixture("search_page2.json")),
        Reply(200, body={"posts": []}),
    )
    pages = collect(BlueskySource("banjir", base_url=server.url))

    assert [len(p.posts) for p in pages] == [2, 1, 0]
    (error,) = pages[1].errors
    assert error.position == "page 2, item 1"
    assert "record" in error.message
    assert json.loads(error.payload)["uri"].endswith("/3lbp5bad")
    requests = server.requests_to(SEARCH)
    assert [r.param("cursor") for r in requests] == [None, "2", "4"]
    assert requests[0].param("sort") == "latest"
    assert requests[0].param("q") == "banjir"
    assert requests[0].param("since") is None
    assert pages[0].resume == {"cursor": "2", "newest": NEWEST}
    assert pages[-1].resume is None
    assert all(p.state == {"since": NEWEST} for p in pages)


def test_rerun_sends_since_and_stops_at_older_posts(server):
    # a server that ignores `since` still cannot push older posts into the harvest
    page = fixture("search_page1.json")
    server.add(SEARCH, Reply(200, body=page))
    pages = collect(BlueskySource("banjir", base_url=server.url), state={"since": NEWEST})

    (request,) = server.requests_to(SEARCH)
    assert request.param("since") == NEWEST
    assert len(pages) == 1
    assert [p.external_id for p in pages[0].posts] == [page["posts"][0]["uri"]]
    assert pages[0].resume is None
    assert pages[0].state == {"since": NEWEST}


def test_resume_continues_from_the_cursor(server):
    server.add(SEARCH, Reply(200, body={"posts": []}))
    pages = collect(
        BlueskySource("banjir", base_url=server.url),
        resume={"cursor": "4", "newest": NEWEST},
    )
    assert server.requests_to(SEARCH)[0].param("cursor") == "4"
    assert pages == [Page(posts=[], state={"since": NEWEST})]


def test_limit_caps_the_request_and_the_harvest(server):
    server.add(SEARCH, Reply(200, body=fixture("search_page1.json")))
    pages = collect(BlueskySource("banjir", base_url=server.url), limit=2)
    assert len(pages) == 1
    assert server.requests_to(SEARCH)[0].param("limit") == "2"
    assert pages[0].resume == {"cursor": "2", "newest": NEWEST}


def test_429_with_ratelimit_reset(server):
    reset = int(time.time()) + 120
    headers = {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)}
    body = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    server.add(SEARCH, Reply(429, body=body, headers=headers))
    with pytest.raises(RateLimited) as caught:
        collect(BlueskySource("banjir", base_url=server.url))
    assert caught.value.retry_after is not None
    assert 110 <= caught.value.retry_after <= 121


def test_429_with_retry_after(server):
    server.add(
        SEARCH, Reply(429, body={"error": "RateLimitExceeded"}, headers={"Retry-After": "5"})
    )
    with pytest.raises(RateLimited) as caught:
        collect(BlueskySource("banjir", base_url=server.url))
    assert caught.value.retry_after == 5


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(server, status):
    server.add(SEARCH, Reply(status, body={"error": "InternalServerError"}))
    with pytest.raises(TransientError) as caught:
        collect(BlueskySource("banjir", base_url=server.url))
    assert not isinstance(caught.value, RateLimited)


def test_a_timeout_is_transient(server):
    server.add(SEARCH, Reply(200, body={"posts": []}, held=True))
    with pytest.raises(TransientError):
        collect(BlueskySource("banjir", base_url=server.url, timeout=0.2))


def test_truncated_json_is_transient(server):
    body = json.dumps(fixture("search_page1.json"))[:700].encode()
    server.add(SEARCH, Reply(200, body=body, headers={"Content-Type": "application/json"}))
    with pytest.raises(TransientError, match="broken JSON"):
        collect(BlueskySource("banjir", base_url=server.url))


def test_a_connection_refused_is_transient():
    with ScriptedServer() as srv:
        url = srv.url
    with pytest.raises(TransientError):
        collect(BlueskySource("banjir", base_url=url, timeout=2))


def test_an_empty_first_page(server):
    server.add(SEARCH, Reply(200, body={"posts": [], "hitsTotal": 0}))
    assert collect(BlueskySource("banjir", base_url=server.url)) == [Page(posts=[])]


def test_a_cursor_that_never_changes_stops_the_harvest(server):
    server.add(SEARCH, Reply(200, body=dict(fixture("search_page2.json"), cursor="same")))
    pages = collect(BlueskySource("banjir", base_url=server.url))
    assert len(pages) == 2
    assert pages[-1].state["stopped"] == "cursor 'same' repeats"
    assert pages[-1].resume is None
    assert len(server.requests_to(SEARCH)) == 2


def test_max_pages_guard(server):
    server.add(SEARCH, Reply(200, body=fixture("search_page1.json")))
    pages = collect(BlueskySource("banjir", base_url=server.url, max_pages=1))
    assert len(pages) == 1
    assert pages[0].state["stopped"] == "max_pages (1) reached"
    assert pages[0].resume is None


@pytest.mark.parametrize("status", [400, 401, 403])
def test_refusals_are_source_errors(server, status):
    server.add(SEARCH, Reply(status, body={"error": "AuthMissing", "message": "no"}))
    with pytest.raises(SourceError) as caught:
        collect(BlueskySource("banjir", base_url=server.url))
    assert not isinstance(caught.value, TransientError)


def _jwt(payload: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part(payload)}.c2ln"


def test_login_with_handle_and_app_password(server):
    did = "did:plc:7iza6de2dwap2sbkpav7c6c6"
    now = int(time.time())
    session = {
        "did": did,
        "handle": "kurator.bsky.social",
        "accessJwt": _jwt(
            {"scope": "com.atproto.appPass", "sub": did, "iat": now, "exp": now + 7200}
        ),
        "refreshJwt": _jwt({"scope": "com.atproto.refresh", "sub": did, "exp": now + 86400}),
        "active": True,
    }
    server.add(LOGIN, Reply(200, body=session))
    server.add(SEARCH, Reply(200, body={"posts": []}))
    source = BlueskySource(
        "banjir", base_url=server.url, token="kurator.bsky.social:abcd-efgh-ijkl-mnop"
    )
    collect(source)

    (login,) = server.requests_to(LOGIN)
    assert json.loads(login.body) == {
        "identifier": "kurator.bsky.social",
        "password": "abcd-efgh-ijkl-mnop",
    }
    (search,) = server.requests_to(SEARCH)
    assert search.headers["authorization"] == f"Bearer {session['accessJwt']}"


def test_a_failed_login_is_a_source_error(server):
    server.add(LOGIN, Reply(401, body={"error": "AuthenticationRequired", "message": "Invalid"}))
    with pytest.raises(SourceError):
        collect(BlueskySource("banjir", base_url=server.url, token="kurator.bsky.social:wrong"))
    assert server.requests_to(SEARCH) == []


def test_a_token_without_a_password_is_refused():
    with pytest.raises(SourceError, match="handle:app-password"):
        collect(BlueskySource("banjir", base_url="http://127.0.0.1:9", token="only-a-handle"))
