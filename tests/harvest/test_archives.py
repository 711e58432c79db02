"""Archive files as a source: every format, broken lines and bytes, resume positions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from registry.harvest.archives import FileSource, normalize_generic, parse_datetime
from registry.harvest.base import SourceError

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
OWN = Path(__file__).resolve().parent / "fixtures"


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"../shared/fixtures/{name} is absent (a fresh clone has no shared folder)")
    return path


def read_all(source: FileSource, resume: dict[str, Any] | None = None, limit: int | None = None):
    posts, errors, resumes = [], [], []
    for page in source.pages({}, resume=resume, limit=limit):
        posts += page.posts
        errors += page.errors
        resumes.append(page.resume)
    return posts, errors, resumes


def test_generic_jsonl_fields(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": 42,
                "text": "Relawan desa membuka dapur umum",
                "author": "@relawan",
                "url": "https://example.org/p/42",
                "created_at": "2020-04-01T10:00:00+07:00",
                "lang": "in",
                "user_location": "Sleman",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    (post,), errors, resumes = read_all(FileSource(path, "jsonl"))
    assert errors == [] and resumes == [None]
    assert (post.platform, post.external_id, post.author_handle, post.lang) == (
        "file",
        "42",
        "relawan",
        "id",
    )
    assert post.created_at == dt.datetime(2020, 4, 1, 3, 0)  # naive UTC
    assert post.author_location == "Sleman" and post.url == "https://example.org/p/42"
    assert post.raw is not None and post.raw["id"] == 42


def test_broken_lines_invalid_utf8_and_missing_fields_are_errors_with_line_numbers(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"id": "1", "text": "baik"}\n'
        b"\n"
        b'{"id": "2", "text": "patah\n'
        b'{"id": "3", "text": "bad \xff\xfe bytes"}\n'
        b'{"text": "tanpa id"}\n'
        b'{"id": "5", "text": ""}\n'
        b'{"id": "6", "text": "tanggal", "created_at": "kemarin"}\n'
        b'{"id": "7", "text": "juga baik"}'  # no newline at the end
    )
    posts, errors, _ = read_all(FileSource(path, "jsonl"))
    assert [p.external_id for p in posts] == ["1", "7"]
    by_line = {e.position: e for e in errors}
    assert sorted(by_line) == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert by_line["line 3"].message.startswith("broken JSON")
    assert by_line["line 3"].payload == '{"id": "2", "text": "patah'
    assert "invalid UTF-8" in by_line["line 4"].message and "0xff" in by_line["line 4"].message
    assert "\ufffd" in by_line["line 4"].payload
    assert by_line["line 5"].message == "missing id"
    assert by_line["line 6"].message == "missing text"
    assert "created_at" in by_line["line 7"].message


def test_line_pages_resume_at_a_byte_offset(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text(
        "".join(json.dumps({"id": str(i), "text": f"post {i}"}) + "\n" for i in range(25)),
        encoding="utf-8",
    )
    source = FileSource(path, "jsonl", page_posts=10)
    posts, _, resumes = read_all(source)
    assert len(posts) == 25 and resumes[-1] is None
    assert resumes[0]["line"] == 10
    rest, _, _ = read_all(source, resume=resumes[1])
    assert [p.external_id for p in rest] == [str(i) for i in range(20, 25)]
    first, _, stops = read_all(source, limit=12)
    assert len(first) == 12 and stops[-1] == {"offset": stops[-1]["offset"], "line": 12}


def test_parse_datetime_formats():
    assert parse_datetime("2020-05-01T10:00:00Z") == dt.datetime(2020, 5, 1, 10, 0)
    assert parse_datetime("Wed Oct 10 20:19:24 +0000 2018") == dt.datetime(2018, 10, 10, 20, 19, 24)
    assert parse_datetime(0) == dt.datetime(1970, 1, 1)
    assert parse_datetime(None) is None
    with pytest.raises(ValueError):
        parse_datetime("soon")
    with pytest.raises(ValueError):
        normalize_generic(["not", "an", "object"])


def test_twitter_v2_twarc_pages():
    posts, errors, _ = read_all(FileSource(shared("twitter-v2/2sets.jsonl"), "twitter-v2"))
    assert len(posts) == 200 and errors == []
    assert all(p.platform == "twitter" and p.external_id.isdigit() for p in posts)
    assert any(p.repost_of_id and p.original is not None for p in posts)


def test_twitter_v2_single_body_without_expansions():
    posts, errors, _ = read_all(
        FileSource(shared("twitter-v2/search_recent_no_expansions.json"), "twitter-v2")
    )
    assert len(posts) == 10 and errors == []


def test_twitter_v1_search_body_array_and_jsonl(tmp_path):
    body = json.loads(shared("twitter-v1/search_tweets.json").read_text(encoding="utf-8"))
    posts, errors, _ = read_all(FileSource(shared("twitter-v1/search_tweets.json"), "twitter-v1"))
    assert len(posts) == len(body["statuses"]) == 15 and errors == []
    array = tmp_path / "statuses.json"
    array.write_text(json.dumps(body["statuses"], indent=2), encoding="utf-8")
    lines = tmp_path / "statuses.jsonl"
    lines.write_text(
        "".join(json.dumps(s) + "\n" for s in body["statuses"]) + '{"id_str": "x"}\n',
        encoding="utf-8",
    )
    from_array, _, _ = read_all(FileSource(array, "twitter-v1"))
    from_lines, line_errors, _ = read_all(FileSource(lines, "twitter-v1"))
    ids = [p.external_id for p in posts]
    assert [p.external_id for p in from_array] == ids == [p.external_id for p in from_lines]
    assert [e.position for e in line_errors] == ["line 16"]


def test_mastodon_status_lists(tmp_path):
    page = json.loads((OWN / "mastodon" / "tag_page1.json").read_text(encoding="utf-8"))
    posts, errors, _ = read_all(FileSource(OWN / "mastodon" / "tag_page1.json", "mastodon"))
    assert [p.external_id for p in posts] == [s["uri"] for s in page] and errors == []
    assert all(p.platform == "mastodon" and "<p>" not in p.text for p in posts)
    lines = tmp_path / "statuses.jsonl"
    lines.write_text("".join(json.dumps(s) + "\n" for s in page) + "[1, 2]\n", encoding="utf-8")
    again, line_errors, _ = read_all(FileSource(lines, "mastodon"))
    assert len(again) == len(page)
    assert [e.position for e in line_errors] == [
        f"line {len(page) + 1} item 1",
        f"line {len(page) + 1} item 2",
    ]
    single, _, _ = read_all(FileSource(shared("mastodon/status.json"), "mastodon"))
    assert len(single) == 1


def test_bluesky_post_views(tmp_path):
    body = json.loads((OWN / "bluesky" / "search_page1.json").read_text(encoding="utf-8"))
    posts, errors, _ = read_all(FileSource(OWN / "bluesky" / "search_page1.json", "bluesky"))
    assert [p.external_id for p in posts] == [v["uri"] for v in body["posts"]] and errors == []
    assert all(p.url.startswith("https://bsky.app/profile/") for p in posts)
    array = tmp_path / "views.json"
    array.write_text(json.dumps(body["posts"]), encoding="utf-8")
    assert len(read_all(FileSource(array, "bluesky"))[0]) == len(body["posts"])
    thread, _, _ = read_all(
        FileSource(shared("bluesky/thread_view_post_with_embed_media.json"), "bluesky")
    )
    assert len(thread) == 1 and thread[0].external_id.startswith("at://")


def test_rss_and_atom_files(tmp_path):
    rss, errors, _ = read_all(FileSource(OWN / "rss" / "rss20.xml", "rss"))
    assert len(rss) == 3 and all(p.platform == "rss" for p in rss)
    assert [e.position for e in errors] == ["entry 2"]  # the fixture's entry without id or link
    atom, _, _ = read_all(FileSource(OWN / "rss" / "atom.xml", "rss"))
    assert len(atom) == 2
    source = FileSource(OWN / "rss" / "rss20.xml", "rss", page_posts=2)
    first, _, resumes = read_all(source, limit=2)
    assert len(first) == 2 and resumes[-1] == {"item": 2}
    rest, _, _ = read_all(source, resume=resumes[-1])
    assert [p.external_id for p in first + rest] == [p.external_id for p in rss]
    with pytest.raises(SourceError):
        read_all(FileSource(OWN / "rss" / "page.html", "rss"))


def test_a_file_that_is_not_json_stops_with_a_clear_reason(tmp_path):
    path = tmp_path / "array.json"
    path.write_text('[\n  {"id": "1", "text": "a"},\n  {"id": "2", "text": \n', encoding="utf-8")
    posts, errors, _ = read_all(FileSource(path, "jsonl"))
    # not one JSON document: read as JSONL, every line reported
    assert posts == [] and [e.position for e in errors] == ["line 1", "line 2", "line 3"]
    with pytest.raises(ValueError):
        FileSource(path, "csv")


@pytest.mark.parametrize(
    "created_at",
    ["1e300", "-1e300", "99999999999999999", "Infinity", "NaN", '"Infinity"',
     '"9999-12-31T23:59:59-01:00"', '"0001-01-01T00:00:00+01:00"'],
)  # fmt: skip
def test_an_out_of_range_created_at_is_one_item_error(created_at):
    with pytest.raises(ValueError):
        parse_datetime(json.loads(created_at))


def test_an_import_with_out_of_range_dates_keeps_the_good_lines(ctx, tmp_path):
    from sqlalchemy import func, select

    from registry.extensions import db
    from registry.harvest.runner import Runner, Settings
    from registry.models import HarvestError, Post

    path = tmp_path / "arsip.jsonl"
    bad = ["1e300", "99999999999999999", "Infinity", '"Infinity"', '"9999-12-31T23:59:59-01:00"']
    lines = [f'{{"id": "b{i}", "text": "Posko relawan {i}", "created_at": {v}}}'
             for i, v in enumerate(bad)]  # fmt: skip
    lines.append('{"id": "ok1", "text": "Dapur umum desa dibuka", "created_at": 1590000000}')
    # Infinity elsewhere in an item: kept as the post's raw JSON, which PostgreSQL refuses
    lines.append('{"id": "ok2", "text": "Lumbung pangan warga", "score": Infinity}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = Runner(Settings(), sleep=lambda s: None, predictor=None).import_file(path, "jsonl")
    assert (run.status, run.new, run.errors) == ("done", 2, len(bad)), run.stop_reason
    assert db.session.scalar(select(func.count()).select_from(HarvestError)) == len(bad)
    raw = db.session.scalar(select(Post.raw).where(Post.external_id == "ok2"))
    assert raw is not None
    assert raw["score"] is None
