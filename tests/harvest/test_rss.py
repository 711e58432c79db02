"""The RSS/Atom source: parse_feed on recorded feeds (tests/harvest/fixtures/rss) and the
conditional GET against a local server, faults included."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from registry.harvest.base import Page, RateLimited, SourceError, TransientError
from registry.harvest.sources.rss import RssSource, parse_feed
from tests.harvest.httpserver import Reply, ScriptedServer

FIXTURES = Path(__file__).parent / "fixtures" / "rss"
FEED = "/feed.xml"
ETAG = '"5f1c-1588647600"'
MODIFIED = "Tue, 05 May 2020 03:00:00 GMT"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def server():
    with ScriptedServer() as srv:
        yield srv


def rss_reply(**headers: str) -> Reply:
    return Reply(
        200, body=fixture("rss20.xml"), headers={"Content-Type": "application/rss+xml"} | headers
    )


# --- parse_feed -----------------------------------------------------------------------------


def test_rss20_entries_become_posts_and_a_malformed_entry_an_error():
    posts, errors = parse_feed(fixture("rss20.xml"), "https://lestari.example.go.id/rss")

    assert [p.external_id for p in posts] == [
        # a bare guid is unique only within its feed
        "https://lestari.example.go.id/rss#lestari-berita-1201",
        "https://lestari.example.go.id/rss#lestari-berita-1200",
        "https://lestari.example.go.id/berita/masker",  # no guid: the link
    ]
    first = posts[0]
    assert first.platform == "rss"
    assert first.url == "https://lestari.example.go.id/berita/pasar-daring"
    assert first.text == (
        "Pemkot Luncurkan Pasar Daring untuk UMKM selama PSBB\n\n"
        "Warga dapat memesan sayur & bahan pokok dari pedagang pasar lewat aplikasi.\n"
        "Pengantaran oleh ojek lokal."
    )
    assert first.created_at == dt.datetime(2020, 5, 5, 3, 0)  # +0700 as naive UTC
    assert first.lang == "id"  # from the channel's id-ID
    assert first.media == [
        {"type": "image", "url": "https://lestari.example.go.id/img/pasar-daring.jpg"}
    ]
    assert first.raw is not None and first.raw["id"] == "lestari-berita-1201"
    (without_feed_url, *_), _ = parse_feed(fixture("rss20.xml"))
    assert without_feed_url.external_id == "lestari-berita-1201"
    json.dumps(first.raw)  # raw is plain JSON (feedparser's struct_times dropped)

    (error,) = errors
    assert error.position == "entry 2"
    assert "neither an id nor a link" in error.message
    assert "Entri tanpa judul" in json.loads(error.payload)["summary"]


def test_atom_entries_with_summary_or_content_and_updated_time():
    posts, errors = parse_feed(fixture("atom.xml"))
    assert errors == []
    first, second = posts
    assert first.external_id == "tag:inovasi.example.go.id,2020:entry-77"
    assert first.url == "https://inovasi.example.go.id/kabar/drive-thru"
    assert first.text == (
        "Drive-thru Tes Cepat & Layanan Adminduk\n\nWarga mengurus KTP tanpa turun dari kendaraan."
    )
    assert first.author_name == "Bagian Humas"
    assert first.created_at == dt.datetime(2020, 6, 1, 23, 30)  # published wins over updated
    assert first.lang == "id"
    assert second.text == "Updated only\n\nIsi lengkap dari konten."
    assert second.created_at == dt.datetime(2020, 5, 30, 12, 0)
    assert second.url == ""


def test_an_html_page_is_not_a_feed():
    with pytest.raises(SourceError, match="not a feed"):
        parse_feed(fixture("page.html"), "https://lestari.example.go.id/")


def test_a_very_long_id_is_hashed_to_fit():
    long_link = "https://lestari.example.go.id/berita/" + "x" * 300
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>Panjang</title><link>{long_link}</link></item></channel></rss>"
    ).encode()
    (post,), _ = parse_feed(feed)
    assert post.external_id.startswith("sha1:") and len(post.external_id) == 45
    assert post.url == long_link


# --- the source against a local server ------------------------------------------------------


def test_fetch_keeps_etag_and_last_modified(server):
    server.add(FEED, rss_reply(ETag=ETAG, **{"Last-Modified": MODIFIED}))
    (page,) = RssSource(server.url + FEED).pages({})
    assert len(page.posts) == 3
    assert len(page.errors) == 1
    assert page.resume is None
    assert page.state == {"etag": ETAG, "modified": MODIFIED}
    (request,) = server.requests_to(FEED)
    assert "if-none-match" not in request.headers


def test_an_unchanged_feed_answers_304_and_keeps_the_state(server):
    server.add(FEED, Reply(304, headers={"ETag": ETAG}))
    state = {"etag": ETAG, "modified": MODIFIED}
    pages = list(RssSource(server.url + FEED).pages(state))
    assert pages == [Page(posts=[], state=state)]
    (request,) = server.requests_to(FEED)
    assert request.headers["if-none-match"] == ETAG
    assert request.headers["if-modified-since"] == MODIFIED


def test_keyword_filter_when_the_url_is_the_base_url(server):
    server.add(FEED, rss_reply())
    (page,) = RssSource("masker PSBB", base_url=server.url + FEED).pages({})
    assert [p.url.rsplit("/", 1)[-1] for p in page.posts] == [
        "pasar-daring",  # "PSBB" in the title, matched case-insensitively
        "masker",
    ]
    (everything,) = RssSource("*", base_url=server.url + FEED).pages({})
    assert len(everything.posts) == 3


def test_limit(server):
    server.add(FEED, rss_reply())
    (page,) = RssSource(server.url + FEED).pages({}, limit=1)
    assert [p.external_id for p in page.posts] == [server.url + FEED + "#lestari-berita-1201"]


def test_an_html_page_at_the_feed_url_is_a_source_error(server):
    server.add(FEED, Reply(200, body=fixture("page.html"), headers={"Content-Type": "text/html"}))
    with pytest.raises(SourceError, match="not a feed") as caught:
        list(RssSource(server.url + FEED).pages({}))
    assert not isinstance(caught.value, TransientError)


def test_429_with_retry_after(server):
    server.add(FEED, Reply(429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimited) as caught:
        list(RssSource(server.url + FEED).pages({}))
    assert caught.value.retry_after == 120


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(server, status):
    server.add(FEED, Reply(status, body="down"))
    with pytest.raises(TransientError):
        list(RssSource(server.url + FEED).pages({}))


def test_a_timeout_is_transient(server):
    server.add(FEED, Reply(200, body=fixture("rss20.xml"), held=True))
    with pytest.raises(TransientError):
        list(RssSource(server.url + FEED, timeout=0.2).pages({}))


@pytest.mark.parametrize("status", [403, 404, 410])
def test_client_errors_are_source_errors(server, status):
    server.add(FEED, Reply(status, body="no"))
    with pytest.raises(SourceError) as caught:
        list(RssSource(server.url + FEED).pages({}))
    assert not isinstance(caught.value, TransientError)


def test_a_query_that_is_no_url_is_refused():
    with pytest.raises(SourceError, match="feed URL"):
        RssSource("berita inovasi")
