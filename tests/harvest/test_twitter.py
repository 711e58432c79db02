"""The X/Twitter source: normalizers on real v2/v1.1 payloads, the search client against a local
server answering in the API's shapes (tests/harvest/fixtures/twitter) with its faults."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import time_machine

from registry.harvest.base import Page, RateLimited, SourceError, TransientError
from registry.harvest.sources.normalize_util import iso_lang as normalize_lang
from registry.harvest.sources.twitter.client import TwitterSource
from registry.harvest.sources.twitter.normalize import normalize_v1_status, normalize_v2_page
from tests.harvest.httpserver import Reply, ScriptedServer

FIXTURES = Path(__file__).parent / "fixtures" / "twitter"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/fixtures is absent (a fresh clone has none)"
)
RECENT = "/2/tweets/search/recent"
ARCHIVE = "/2/tweets/search/all"
TOKEN = "AAAA-test-bearer"
# just after the newest post of the local fixtures, so their ids are inside the 7-day window
FIXTURE_NOW = dt.datetime(2020, 4, 14, 4, 0, tzinfo=dt.UTC)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shared_pages(name: str) -> list[dict[str, Any]]:
    lines = (SHARED / "twitter-v2" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def source(server: ScriptedServer, **kwargs: Any) -> TwitterSource:
    kwargs.setdefault("token", TOKEN)
    return TwitterSource(query="covid inovasi", base_url=server.url, **kwargs)


def by_id(posts: list[Any]) -> dict[str, Any]:
    return {post.external_id: post for post in posts}


# --- normalizers on the real payloads in ../shared -------------------------------------------


@needs_shared
@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (SHARED / "twitter-v2").glob("*.jsonl")) if SHARED.is_dir() else [],
)
def test_every_shared_v2_page_normalizes_with_authors_and_originals(name: str) -> None:
    for page in shared_pages(name):
        posts, errors = normalize_v2_page(page)
        assert errors == []
        assert [p.external_id for p in posts] == [t["id"] for t in page["data"]]
        users = {u["id"]: u for u in page["includes"].get("users", [])}
        tweets = {t["id"]: t for t in page["includes"].get("tweets", [])}
        for post, tweet in zip(posts, page["data"], strict=True):
            assert post.platform == "twitter"
            assert post.created_at is not None and post.created_at.tzinfo is None
            assert post.raw == tweet
            author = users.get(tweet["author_id"])
            if author:
                assert post.author_handle == author["username"]
                assert post.url == f"https://x.com/{author['username']}/status/{tweet['id']}"
            retweeted = [
                r["id"] for r in tweet.get("referenced_tweets", []) if r["type"] == "retweeted"
            ]
            if retweeted:
                assert post.repost_of_id == retweeted[0]
                if retweeted[0] in tweets:
                    assert post.original is not None
                    assert post.original.external_id == retweeted[0]
                    assert post.text == post.original.text
                    assert not post.text.startswith("RT @")
            else:
                assert post.repost_of_id is None and post.original is None


@needs_shared
def test_shared_retweet_is_linked_to_its_original_with_the_full_text() -> None:
    (page,) = shared_pages("mentions_tweet.jsonl")
    (post,), _ = normalize_v2_page(page)
    assert post.external_id == "1589681856941002753"
    assert post.author_handle == "BaldManGamer"
    assert post.author_location == "North West, England"
    assert post.repost_of_id == "1589671906718134272"
    assert post.original is not None
    assert post.original.author_handle == "S3NT1N3L17"
    assert post.original.url == "https://x.com/S3NT1N3L17/status/1589671906718134272"
    # the retweet's own text is cut at 140 characters with "…"; the original is whole
    assert page["data"][0]["text"].endswith("\u2026")
    assert post.text.startswith("Looking for gaming mutuals")
    assert not post.text.endswith("\u2026")
    assert post.created_at == dt.datetime(2022, 11, 7, 18, 11, 4)


@needs_shared
def test_shared_pages_give_indonesian_as_id_places_and_media() -> None:
    kpop, brexit = shared_pages("2sets.jsonl")
    posts = by_id(normalize_v2_page(kpop)[0])
    assert posts["1440716960233181186"].lang == "id"  # Twitter said "in"
    assert sum(p.lang == "id" for p in posts.values()) == 5
    assert posts["1440716277845139456"].metrics["place"] == "Soledad, Colombia"
    assert posts["1440716277845139456"].metrics["country_code"] == "CO"
    assert posts["1440717170493689866"].lang == "es"
    assert posts["1440717170493689866"].metrics["retweets"] == 20

    brexit_posts = by_id(normalize_v2_page(brexit)[0])
    photos = brexit_posts["1440713966649417731"].media
    assert [m["type"] for m in photos] == ["photo", "photo", "photo"]
    assert photos[0]["alt_text"].startswith("A long email from Green Energy")

    ((video_post,), _) = normalize_v2_page(shared_pages("media_tweet.jsonl")[0])
    (video,) = video_post.media
    assert video["type"] == "video"
    assert "1280x720" in video["url"]  # the mp4 with the highest bit rate
    assert video["preview_url"].endswith("7VaQu-AvReI8RHkv.jpg")
    assert video_post.metrics == {"retweets": 13, "replies": 3, "likes": 93, "quotes": 7}

    _, berlin_page = shared_pages("geo_tweets.jsonl")
    ((berlin,), _) = normalize_v2_page(berlin_page)
    assert berlin.metrics["place"] == "Berlin, Germany"
    assert berlin.author_location == "Ireland"  # the profile's, not the geotag's
    assert berlin.reply_to_id == "1501958949863661574"


@needs_shared
def test_shared_two_tweets_archive_line_with_undetermined_language() -> None:
    (page,) = shared_pages("two_tweets.jsonl")
    assert "__twarc" in page
    ((post,), errors) = normalize_v2_page(page)
    assert errors == []
    assert post.external_id == "1394735776701816833"
    assert post.author_name == "Veronica Lachi"
    assert post.lang is None  # "und"
    assert post.original is not None and post.original.author_handle == "bibaigna96"
    assert post.text == "#POIUYTREWQ"


@needs_shared
def test_shared_page_without_expansions_has_ids_text_and_web_links() -> None:
    page = json.loads((SHARED / "twitter-v2" / "search_recent_no_expansions.json").read_text())
    posts, errors = normalize_v2_page(page)
    assert errors == []
    assert len(posts) == 10
    assert posts[0].external_id == "1578516068309794817"
    assert posts[0].text == "2022-10-07 22:42:12.637103 tweepy"
    assert posts[0].url == "https://twitter.com/i/web/status/1578516068309794817"
    assert all(p.author_handle == "" and p.created_at is None for p in posts)


@needs_shared
def test_shared_v1_search_statuses() -> None:
    body = json.loads((SHARED / "twitter-v1" / "search_tweets.json").read_text())
    posts = by_id([normalize_v1_status(s) for s in body["statuses"]])
    assert len(posts) == 15
    retweet = posts["1149825924029980674"]
    assert retweet.author_handle == "tweepy_pie"
    assert retweet.author_location == "Leeds UK"
    assert retweet.repost_of_id == "1149803446704443392"
    assert retweet.original is not None and retweet.original.author_handle == "KassidyCook1"
    assert retweet.text == retweet.original.text
    assert retweet.text.startswith("Me, during the season 3 Stranger Things finale")
    assert retweet.created_at == dt.datetime(2019, 7, 12, 23, 40, 37)
    assert retweet.media[0]["type"] == "animated_gif"
    assert retweet.media[0]["url"].endswith("D_TsIzCXUAQjTVq.mp4")
    reply = posts["1149678185375600641"]
    assert reply.reply_to_id is not None
    assert reply.metrics["place"] == "Badalona, Spain"
    assert posts["1149788838430224391"].lang == "nl"
    assert posts["1149788838430224391"].url == "https://x.com/ErikDePay/status/1149788838430224391"


def test_v1_extended_tweet_and_full_text_win_over_the_short_text() -> None:
    short = {"id_str": "5", "text": "short…", "user": {"screen_name": "a"}, "lang": "in"}
    assert normalize_v1_status({**short, "full_text": "the whole &amp; more"}).text == (
        "the whole & more"
    )
    streamed = {**short, "extended_tweet": {"full_text": "streamed in full"}}
    post = normalize_v1_status(streamed)
    assert post.text == "streamed in full"
    assert post.lang == "id"


@pytest.mark.parametrize(
    "status",
    [
        {"text": "no id"},
        {"id_str": "12"},
        {"id_str": "not-a-number", "text": "x"},
        {"id_str": "12", "text": "x", "created_at": "yesterday"},
        ["not", "a", "status"],
    ],
)
def test_v1_malformed_status_raises_value_error(status: Any) -> None:
    with pytest.raises(ValueError):
        normalize_v1_status(status)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("in", "id"),
        ("id", "id"),
        ("en", "en"),
        ("und", None),
        ("qme", None),
        ("zh-cn", "zh"),
        ("iw", "he"),
        (None, None),
        ("", None),
    ],
)
def test_language_codes(code: str | None, expected: str | None) -> None:
    assert normalize_lang(code) == expected


# --- normalizer on our own recorded-shape page -----------------------------------------------


def test_own_page_resolves_retweet_place_media_reply_and_quote() -> None:
    posts, errors = normalize_v2_page(fixture("search_page_1.json"))
    assert errors == []
    retweet, reply, quote = posts
    assert retweet.repost_of_id == "1248505995064247506"
    assert retweet.original is not None
    assert retweet.original.author_handle == "dinkes_bdg"
    assert retweet.original.created_at == dt.datetime(2020, 4, 10, 7, 0)
    assert retweet.text.endswith("#BandungLawanCovid")  # the original's whole text
    assert "WhatsApp 0811-000-000 & dijemput" in retweet.text  # &amp; unescaped
    assert retweet.lang == "id"
    assert retweet.author_location == "Bandung, Jawa Barat"

    assert reply.reply_to_id == "1249245870289847506"
    assert reply.metrics["place"] == "Surabaya, Indonesia"
    assert reply.metrics["country_code"] == "ID"
    assert reply.author_location == ""
    assert reply.media == [
        {
            "type": "photo",
            "url": "https://pbs.twimg.com/media/EVm1xYzUcAAbCdE.jpg",
            "alt_text": "Wastafel portabel di depan pintu pasar",
        }
    ]
    assert quote.quote_of_id == "1248505995064247506"
    assert quote.original is None and quote.repost_of_id is None


def test_own_second_page_author_not_in_includes_gets_a_web_link() -> None:
    posts, _ = normalize_v2_page(fixture("search_page_2.json"))
    unknown = posts[0]
    assert unknown.author_handle == ""
    assert unknown.url == "https://twitter.com/i/web/status/1249804551582647506"
    assert posts[1].lang is None


# --- the search client against a local server ------------------------------------------------


def test_two_pages_by_next_token_then_the_next_run_sends_since_id() -> None:
    with ScriptedServer() as server, time_machine.travel(FIXTURE_NOW, tick=True):
        server.add(RECENT, Reply(body=fixture("search_page_1.json")))
        server.add(RECENT, Reply(body=fixture("search_page_2.json")))
        first, second = list(source(server).pages({}))

        assert [p.external_id for p in first.posts] == [
            "1249898923422647506",
            "1249890157327287506",
            "1249836185023415506",
        ]
        assert first.resume is not None
        assert first.resume["next_token"] == "b26v89c19zqg8o3fpds60ss9iyn7z8cdk0x6dkxkwj6kd"
        assert len(second.posts) == 2 and second.resume is None
        assert second.state == {"since_id": "1249898923422647506"}
        assert "stopped" not in second.state

        one, two = server.requests_to(RECENT)
        assert one.headers["authorization"] == f"Bearer {TOKEN}"
        assert one.param("query") == "covid inovasi"
        assert one.param("max_results") == "100"
        assert "referenced_tweets.id" in (one.param("expansions") or "").split(",")
        assert "geo.place_id" in (one.param("expansions") or "").split(",")
        assert "created_at" in (one.param("tweet.fields") or "").split(",")
        assert "location" in (one.param("user.fields") or "").split(",")
        assert "full_name" in (one.param("place.fields") or "").split(",")
        assert "preview_image_url" in (one.param("media.fields") or "").split(",")
        assert one.param("next_token") is None and one.param("since_id") is None
        assert two.param("next_token") == first.resume["next_token"]

        server.add(RECENT, Reply(body=fixture("search_empty.json")))
        list(source(server).pages(second.state))
        assert server.requests_to(RECENT)[-1].param("since_id") == "1249898923422647506"


def test_resume_repeats_the_original_since_id_with_the_next_token() -> None:
    with ScriptedServer() as server, time_machine.travel(FIXTURE_NOW, tick=True):
        server.add(RECENT, Reply(body=fixture("search_page_1.json")))
        state = {"since_id": "1249245870289847506"}
        first = next(iter(source(server).pages(state)))
        assert first.resume is not None
        server.add(RECENT, Reply(body=fixture("search_page_2.json")))
        # the runner may have merged newer state meanwhile: the token belongs to the old query
        (last,) = source(server).pages({"since_id": "1249898923422647506"}, resume=first.resume)
        resumed = server.requests_to(RECENT)[-1]
        assert resumed.param("next_token") == first.resume["next_token"]
        assert resumed.param("since_id") == "1249245870289847506"
        # the newest id seen before the interruption is not lost
        assert last.state["since_id"] == "1249898923422647506"


def test_recent_search_drops_a_since_id_older_than_its_window() -> None:
    with ScriptedServer() as server:  # now, years after the fixture ids
        server.add(RECENT, Reply(body=fixture("search_empty.json")))
        list(source(server).pages({"since_id": "1249898923422647506"}))
        assert server.requests_to(RECENT)[0].param("since_id") is None


def test_full_archive_keeps_since_id_and_otherwise_starts_at_the_beginning() -> None:
    with ScriptedServer() as server:
        server.add(ARCHIVE, Reply(body=fixture("search_empty.json")))
        list(source(server, full_archive=True).pages({"since_id": "1249898923422647506"}))
        list(source(server, full_archive=True).pages({}))
        with_since, fresh = server.requests_to(ARCHIVE)
        assert server.requests_to(RECENT) == []
        assert with_since.param("since_id") == "1249898923422647506"
        assert with_since.param("start_time") is None  # the API refuses both together
        assert fresh.param("since_id") is None
        assert fresh.param("start_time") == "2006-03-21T00:00:00Z"


def test_rate_limit_reset_header_gives_the_wait() -> None:
    reset = str(int(time.time()) + 120)
    with ScriptedServer() as server:
        server.add(RECENT, Reply(429, fixture("error_429.json"), {"x-rate-limit-reset": reset}))
        with pytest.raises(RateLimited) as caught:
            list(source(server).pages({}))
    assert caught.value.retry_after is not None
    assert 110 <= caught.value.retry_after <= 121


def test_rate_limit_retry_after_header_gives_the_wait() -> None:
    with ScriptedServer() as server:
        server.add(RECENT, Reply(429, fixture("error_429.json"), {"Retry-After": "7"}))
        with pytest.raises(RateLimited) as caught:
            list(source(server).pages({}))
    assert caught.value.retry_after == 7.0


def test_rate_limit_after_a_page_keeps_the_page_and_its_resume() -> None:
    with ScriptedServer() as server:
        server.add(RECENT, Reply(body=fixture("search_page_1.json")))
        server.add(RECENT, Reply(429, fixture("error_429.json"), {"Retry-After": "3"}))
        pages: list[Page] = []
        with pytest.raises(RateLimited):
            for page in source(server).pages({}):
                pages.append(page)
    assert len(pages) == 1
    assert pages[0].resume is not None and pages[0].resume["next_token"]


def test_server_error_is_transient() -> None:
    with ScriptedServer() as server:
        server.add(RECENT, Reply(500, {"title": "Internal Server Error"}))
        with pytest.raises(TransientError) as caught:
            list(source(server).pages({}))
    assert not isinstance(caught.value, RateLimited)
    assert "500" in str(caught.value)


def test_a_server_slower_than_the_timeout_is_transient() -> None:
    with ScriptedServer() as server:
        # held: only the client's own timeout can end the call before the server stops
        server.add(RECENT, Reply(body=fixture("search_page_1.json"), held=True))
        with pytest.raises(TransientError):
            list(source(server, timeout=0.3).pages({}))


def test_truncated_json_is_transient() -> None:
    body = (FIXTURES / "search_page_1.json").read_text(encoding="utf-8")[:300]
    with ScriptedServer() as server:
        server.add(RECENT, Reply(body=body, headers={"Content-Type": "application/json"}))
        with pytest.raises(TransientError) as caught:
            list(source(server).pages({}))
    assert "unreadable" in str(caught.value)


def test_a_refused_connection_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = TwitterSource(query="q", base_url=f"http://127.0.0.1:{port}", token=TOKEN)
    with pytest.raises(TransientError):
        list(closed.pages({}))


def test_an_empty_page_ends_the_run() -> None:
    with ScriptedServer() as server:
        server.add(RECENT, Reply(body=fixture("search_empty.json")))
        (page,) = source(server).pages({"since_id": "1"})
        assert page.posts == [] and page.errors == []
        assert page.resume is None
        assert page.state == {}  # nothing newer: the stored since_id stays
        assert len(server.requests_to(RECENT)) == 1


def test_a_next_token_that_never_changes_is_stopped_by_the_guard() -> None:
    stuck = fixture("search_page_2.json")
    stuck["meta"]["next_token"] = "same-token-forever"
    with ScriptedServer() as server:
        server.add(RECENT, Reply(body=stuck))
        pages = list(source(server).pages({}))
        assert len(pages) == 2
        assert pages[0].resume == {
            "next_token": "same-token-forever",
            "pages": 1,
            "newest_id": "1249804551582647506",
        }
        assert pages[-1].resume is None
        assert "repeated" in pages[-1].state["stopped"]
        assert pages[-1].state["since_id"] == "1249804551582647506"
        assert len(server.requests_to(RECENT)) == 2


def test_more_pages_than_max_pages_are_stopped_by_the_guard() -> None:
    replies = []
    for n in range(5):
        body = fixture("search_page_2.json")
        body["meta"]["next_token"] = f"token-{n}"
        replies.append(Reply(body=body))
    with ScriptedServer() as server:
        server.add(RECENT, *replies)
        pages = list(source(server, max_pages=3).pages({}))
        assert len(pages) == 3
        assert pages[-1].resume is None
        assert pages[-1].state["stopped"] == "max_pages (3) reached"
        assert len(server.requests_to(RECENT)) == 3


@pytest.mark.parametrize("status", [401, 403, 400])
def test_refusals_are_source_errors_not_transient(status: int) -> None:
    with ScriptedServer() as server:
        server.add(RECENT, Reply(status, fixture("error_401.json")))
        with pytest.raises(SourceError) as caught:
            list(source(server).pages({}))
    assert not isinstance(caught.value, TransientError)
    assert str(status) in str(caught.value)


def test_a_missing_token_is_a_source_error_before_any_request() -> None:
    with ScriptedServer() as server:
        server.add(RECENT, Reply(body=fixture("search_page_1.json")))
        with pytest.raises(SourceError, match="TWITTER_BEARER_TOKEN"):
            list(source(server, token=None).pages({}))
        assert server.requests == []


def test_a_malformed_post_becomes_an_item_error_and_the_rest_is_kept() -> None:
    with ScriptedServer() as server:
        server.add(RECENT, Reply(body=fixture("search_malformed.json")))
        (page,) = source(server).pages({})
    assert [p.external_id for p in page.posts] == ["1249898923422647506", "1249836185023415506"]
    (error,) = page.errors
    assert error.position == "data[1]"
    assert "id" in error.message
    assert json.loads(error.payload)["text"] == "a post whose id was lost"


def test_limit_stops_after_that_many_posts() -> None:
    with ScriptedServer() as server:
        server.add(RECENT, Reply(body=fixture("search_page_1.json")))
        (page,) = source(server).pages({}, limit=2)
        assert len(page.posts) == 2
        assert page.resume is None
        assert page.state["stopped"] == "limit of 2 posts reached"
        assert page.state["since_id"] == "1249898923422647506"
        assert server.requests_to(RECENT)[0].param("max_results") == "10"  # the API's minimum


def test_the_bearer_token_stays_out_of_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with ScriptedServer() as server:
        server.add(RECENT, Reply(body=fixture("search_empty.json")))
        list(source(server).pages({}))
    assert server.requests_to(RECENT)[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in caplog.text
