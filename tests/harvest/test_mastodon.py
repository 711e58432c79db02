"""The Mastodon source: normalize_status on real API bodies, and the source against a local
server answering in Mastodon's shapes (tests/harvest/fixtures/mastodon), faults included."""

from __future__ import annotations

import datetime as dt
import json
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from registry.harvest.base import Page, RateLimited, SourceError, TransientError
from registry.harvest.sources.mastodon.client import MastodonSource
from registry.harvest.sources.mastodon.normalize import normalize_status
from tests.harvest.httpserver import Reply, ScriptedServer

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "mastodon"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/fixtures/mastodon is absent (a fresh clone has none)"
)
TAG = "/api/v1/timelines/tag/inovasicovid"
SEARCH = "/api/v2/search"
INSTANCE = "/api/v2/instance/"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shared(name: str) -> Any:
    return json.loads((SHARED / name).read_text(encoding="utf-8"))


@pytest.fixture
def server():
    with ScriptedServer() as srv:
        srv.add(INSTANCE, Reply(200, body=fixture("instance_v2.json")))
        yield srv


def collect(source: MastodonSource, state: dict[str, Any] | None = None, **kwargs) -> list[Page]:
    return list(source.pages(state or {}, **kwargs))


# --- normalize_status on the real bodies in ../shared ---------------------------------------


@needs_shared
def test_real_hashtag_timeline_status_normalizes():
    (status,) = shared("timeline_tag.json")
    post = normalize_status(status)
    assert post.platform == "mastodon"
    assert post.external_id == status["uri"]
    assert post.text == "#hoot (hashtag toot)"
    assert post.lang == "ja"
    assert post.author_handle == "mastodonpy_test_2"
    assert post.url == "http://localhost:3000/@mastodonpy_test_2/117020593741189701"
    assert post.created_at == dt.datetime(2026, 8, 1, 13, 55, 55, 867000)
    assert post.metrics == {"replies": 0, "reposts": 0, "likes": 0, "quotes": 0}
    assert post.repost_of_id is None and post.original is None
    assert post.raw == status


@needs_shared
def test_real_single_status_normalizes():
    status = shared("status.json")
    post = normalize_status(status)
    assert post.external_id.endswith("/statuses/117020583223442465")
    assert post.text == "Toot!"
    assert post.author_name == "John Lennon"
    assert post.author_handle == "mastodonpy_test"
    assert post.lang == "en"
    assert post.reply_to_id is None


@needs_shared
def test_real_empty_search_body_is_one_empty_page(server):
    server.add(SEARCH, Reply(200, body=shared("search_v2_statuses.json")))
    pages = collect(MastodonSource("toot", base_url=server.url, token="t"))
    assert pages == [Page(posts=[], state={})]


# --- normalize_status on our recorded-shape fixtures ---------------------------------------


def test_html_content_becomes_plain_text_with_whole_links_and_media():
    status = fixture("tag_page1.json")[0]
    post = normalize_status(status)
    assert post.text == (
        "Puskesmas Sukamaju membuka layanan antar obat untuk pasien isolasi mandiri & lansia.\n"
        "Daftar lewat WhatsApp #InovasiCovid\n\n"
        "https://dinkes.example.go.id/layanan/antar-obat"
    )
    assert "<" not in post.text
    assert post.author_handle == "dinkes_sukamaju"
    assert post.author_name == "Dinkes Sukamaju"
    assert post.lang == "id"
    assert post.created_at == dt.datetime(2021, 7, 14, 3, 21, 9)
    assert post.metrics == {"replies": 2, "reposts": 5, "likes": 11, "quotes": 1}
    assert post.media == [
        {
            "type": "image",
            "url": "https://files.mastodon.example/media/antar-obat.jpg",
            "preview_url": "https://files.mastodon.example/media/small/antar-obat.jpg",
            "alt_text": "Petugas mengantar obat dengan sepeda motor",
        }
    ]


def test_a_boost_links_to_its_original_and_takes_its_text():
    boost = fixture("tag_page1.json")[1]
    post = normalize_status(boost)
    assert post.original is not None
    assert post.repost_of_id == boost["reblog"]["uri"] == post.original.external_id
    assert post.text == "Desa Tangguh: relawan membagikan masker kain gratis di pasar."
    assert post.original.author_handle == "relawan@kota.example"
    assert post.original.metrics["reposts"] == 30
    assert post.author_handle == "warga"
    assert post.created_at == dt.datetime(2021, 7, 14, 2, 0)


def test_reply_and_content_warning():
    status = dict(fixture("tag_page2.json")[0], spoiler_text="Pertanyaan")
    post = normalize_status(status)
    assert post.reply_to_id == "112000000000000050"
    assert post.text == "Pertanyaan\n\nAda yang tahu jadwal vaksin di kelurahan?"


@pytest.mark.parametrize(
    "broken",
    [
        {"content": "<p>no id</p>"},
        "not an object",
        {"id": "1", "content": "x", "favourites_count": "banyak"},
        {"id": "1", "content": "x", "created_at": "kemarin"},
        {"id": "1", "content": "x", "media_attachments": 5},
        {"id": "1", "content": "x", "reblog": "1"},
    ],
)
def test_malformed_status_raises_value_error(broken):
    with pytest.raises(ValueError):
        normalize_status(broken)


# --- the source against a local server ------------------------------------------------------


def test_hashtag_timeline_two_pages_then_empty(server):
    server.add(
        TAG,
        Reply(200, body=fixture("tag_page1.json")),
        Reply(200, body=fixture("tag_page2.json")),
        Reply(200, body=[]),
    )
    pages = collect(MastodonSource("#inovasicovid", base_url=server.url, timeout=5))

    assert [len(p.posts) for p in pages] == [2, 1, 0]
    # the malformed status is reported with its payload and the rest of its page kept
    assert pages[1].posts[0].reply_to_id == "112000000000000050"
    (error,) = pages[1].errors
    assert error.position == "page 2, item 1"
    assert "favourites_count" in error.message
    assert json.loads(error.payload)["id"] == "112000000000000101"
    requests = server.requests_to(TAG)
    assert [r.param("max_id") for r in requests] == [
        None,
        "112000000000000103",
        "112000000000000101",
    ]
    assert all(r.param("since_id") is None for r in requests)
    assert pages[0].resume == {"max_id": "112000000000000103", "newest_id": "112000000000000104"}
    assert pages[-1].resume is None
    assert all(p.state == {"since_id": "112000000000000104"} for p in pages)
    # Mastodon.py asks the instance once whether hashtag feeds are public, then remembers
    assert len(server.requests_to(INSTANCE)) == 1


def test_rerun_asks_only_for_newer_statuses(server):
    server.add(TAG, Reply(200, body=[]))
    pages = collect(
        MastodonSource("#inovasicovid", base_url=server.url),
        state={"since_id": "112000000000000104"},
    )
    (request,) = server.requests_to(TAG)
    assert request.param("since_id") == "112000000000000104"
    assert pages == [Page(posts=[], state={"since_id": "112000000000000104"})]


def test_resume_continues_below_max_id_and_keeps_the_runs_newest_id(server):
    server.add(TAG, Reply(200, body=fixture("tag_page2.json")), Reply(200, body=[]))
    pages = collect(
        MastodonSource("#inovasicovid", base_url=server.url),
        state={"since_id": "112000000000000001"},
        resume={"max_id": "112000000000000103", "newest_id": "112000000000000104"},
    )
    first = server.requests_to(TAG)[0]
    assert first.param("max_id") == "112000000000000103"
    assert first.param("since_id") == "112000000000000001"
    assert pages[-1].state == {"since_id": "112000000000000104"}


def test_status_search_sends_token_and_min_id(server):
    server.add(SEARCH, Reply(200, body=fixture("search_statuses.json")))
    server.add(SEARCH, Reply(200, body={"accounts": [], "statuses": [], "hashtags": []}))
    source = MastodonSource("antar obat", base_url=server.url, token="tok-123")
    pages = collect(source, state={"since_id": "112000000000000090"}, limit=5)

    assert [p.external_id for p in pages[0].posts][0].endswith("/112000000000000104")
    first, second = server.requests_to(SEARCH)
    assert first.param("q") == "antar obat"
    assert first.param("type") == "statuses"
    assert first.param("min_id") == "112000000000000090"
    assert first.param("limit") == "5"
    assert first.headers["authorization"] == "Bearer tok-123"
    assert second.param("max_id") == "112000000000000102"
    assert second.param("limit") == "3"
    assert server.requests_to(INSTANCE) == []  # search needs no feed check


def test_limit_stops_after_enough_statuses(server):
    server.add(TAG, Reply(200, body=fixture("tag_page1.json")))
    pages = collect(MastodonSource("#inovasicovid", base_url=server.url), limit=2)
    assert len(pages) == 1
    assert server.requests_to(TAG)[0].param("limit") == "2"
    assert pages[0].resume == {"max_id": "112000000000000103", "newest_id": "112000000000000104"}


def test_429_with_retry_after_raises_rate_limited(server):
    server.add(TAG, Reply(429, body={"error": "Too many requests"}, headers={"Retry-After": "7"}))
    with pytest.raises(RateLimited) as caught:
        collect(MastodonSource("#inovasicovid", base_url=server.url))
    assert caught.value.retry_after == 7


def test_429_with_ratelimit_reset_measures_from_the_servers_clock(server):
    server_now = dt.datetime(2021, 7, 14, 3, 0, tzinfo=dt.UTC)
    reset = server_now + dt.timedelta(seconds=90)
    headers = {
        "Date": format_datetime(server_now, usegmt=True),
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset.isoformat().replace("+00:00", ".000Z"),
    }
    server.add(TAG, Reply(429, body={"error": "Too many requests"}, headers=headers))
    with pytest.raises(RateLimited) as caught:
        collect(MastodonSource("#inovasicovid", base_url=server.url))
    assert caught.value.retry_after == pytest.approx(90)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(server, status):
    server.add(TAG, Reply(status, body={"error": "oops"}))
    with pytest.raises(TransientError) as caught:
        collect(MastodonSource("#inovasicovid", base_url=server.url))
    assert not isinstance(caught.value, RateLimited)


def test_a_timeout_is_transient(server):
    server.add(TAG, Reply(200, body=[], held=True))
    with pytest.raises(TransientError):
        collect(MastodonSource("#inovasicovid", base_url=server.url, timeout=0.2))


def test_truncated_json_is_transient(server):
    body = json.dumps(fixture("tag_page1.json"))[:500].encode()
    server.add(TAG, Reply(200, body=body, headers={"Content-Type": "application/json"}))
    with pytest.raises(TransientError, match="broken JSON"):
        collect(MastodonSource("#inovasicovid", base_url=server.url))


def test_a_connection_refused_is_transient():
    with ScriptedServer() as srv:
        url = srv.url
    with pytest.raises(TransientError):
        collect(MastodonSource("#inovasicovid", base_url=url, timeout=2))


def test_a_max_id_the_server_ignores_stops_the_harvest(server):
    server.add(TAG, Reply(200, body=fixture("tag_page1.json")))  # the same page, always
    pages = collect(MastodonSource("#inovasicovid", base_url=server.url))
    assert len(pages) == 2
    assert "repeats" in pages[-1].state["stopped"]
    assert pages[-1].resume is None
    assert pages[-1].state["since_id"] == "112000000000000104"


def test_max_pages_guard(server):
    server.add(
        TAG, Reply(200, body=fixture("tag_page1.json")), Reply(200, body=fixture("tag_page2.json"))
    )
    pages = collect(MastodonSource("#inovasicovid", base_url=server.url, max_pages=1))
    assert len(pages) == 1
    assert pages[0].state["stopped"] == "max_pages (1) reached"
    assert pages[0].resume is None
    assert len(server.requests_to(TAG)) == 1


def test_search_401_says_a_token_is_needed(server):
    server.add(SEARCH, Reply(401, body={"error": "The access token is invalid"}))
    with pytest.raises(SourceError, match="token") as caught:
        collect(MastodonSource("antar obat", base_url=server.url))
    assert not isinstance(caught.value, TransientError)


def test_unknown_endpoint_404_is_a_source_error(server):
    with pytest.raises(SourceError) as caught:
        collect(MastodonSource("antar obat", base_url=server.url + "/not-mastodon"))
    assert not isinstance(caught.value, TransientError)


def test_closed_hashtag_feeds_fail_early():
    with ScriptedServer() as srv:
        srv.add(INSTANCE, Reply(200, body=fixture("instance_v2_closed_hashtags.json")))
        srv.add(TAG, Reply(200, body=fixture("tag_page1.json")))
        with pytest.raises(SourceError, match="not available"):
            collect(MastodonSource("#inovasicovid", base_url=srv.url))
        assert srv.requests_to(TAG) == []


@pytest.mark.parametrize(
    ("query", "hashtag"),
    [
        ("#inovasicovid", "inovasicovid"),
        ("#Inovasi_2020", "Inovasi_2020"),
        ("#a/../b", None),
        ("#dua kata", None),
        ("antar obat", None),
        ("#", None),
    ],
)
def test_only_a_single_hashtag_goes_to_the_timeline(query, hashtag):
    assert MastodonSource(query, base_url="https://mastodon.example").hashtag == hashtag


def test_a_base_url_is_required():
    with pytest.raises(SourceError):
        MastodonSource("#inovasicovid")
