"""`registry harvest ...` through Flask's CLI runner: outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import Candidate, HarvestSource, Post

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEXT = (
    "Relawan Desa Sukamaju membuka dapur umum dan mengantar makanan ke warga isolasi mandiri "
    "setiap hari selama pandemi"
)


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["harvest", *args])


def test_sources_add_and_list(app):
    result = cli(app, "sources", "add", "kemkes", "--platform", "mastodon", "--query", "#vaksin",
                 "--base-url", "https://mastodon.example", "--every", "2h")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "added source kemkes (mastodon, every 2h)" in result.output
    listed = cli(app, "sources", "list")
    assert listed.exit_code == 0
    assert "kemkes\tmastodon\t2h\tyes\t#vaksin @ https://mastodon.example\tnever" in listed.output
    with app.app_context():
        row = db.session.execute(select(HarvestSource)).scalar_one()
        assert row.every_seconds == 7200


def test_sources_add_refuses_bad_input_with_usage_errors(app):
    bad_every = cli(app, "sources", "add", "x", "--platform", "rss", "--query",
                    "https://a.example/feed", "--every", "soon")  # fmt: skip
    assert bad_every.exit_code == 2 and "not a duration" in bad_every.output
    no_feed = cli(app, "sources", "add", "x", "--platform", "rss", "--query", "berita")
    assert no_feed.exit_code == 2 and "feed's URL" in no_feed.output
    no_instance = cli(app, "sources", "add", "x", "--platform", "mastodon", "--query", "#vaksin")
    assert no_instance.exit_code == 2 and "instance's --base-url" in no_instance.output
    bad_platform = cli(app, "sources", "add", "x", "--platform", "myspace", "--query", "q")
    assert bad_platform.exit_code == 2
    assert cli(app, "sources", "add", "ok", "--platform", "bluesky", "--query", "q").exit_code == 0
    again = cli(app, "sources", "add", "ok", "--platform", "bluesky", "--query", "q")
    assert again.exit_code == 2 and "exists already" in again.output


def test_run_a_source_against_a_local_server(app):
    from tests.harvest.httpserver import Reply, ScriptedServer

    page = json.loads((FIXTURES / "mastodon" / "tag_page1.json").read_text(encoding="utf-8"))
    with ScriptedServer() as server:
        server.add("/api/v1/timelines/tag/covid", Reply(200, body=page))
        server.add("/api/v1/timelines/tag/covid", Reply(200, body=[]))
        added = cli(app, "sources", "add", "m", "--platform", "mastodon", "--query", "#covid",
                    "--base-url", server.url)  # fmt: skip
        assert added.exit_code == 0
        result = cli(app, "run", "m")
    assert result.exit_code == 0, result.output
    assert "(m): done: " in result.output and " 0 errors" in result.output
    unknown = cli(app, "run", "nope")
    assert unknown.exit_code == 2 and "no source named 'nope'" in unknown.output


def test_run_that_fails_exits_1(app):
    cli(app, "sources", "add", "down", "--platform", "rss", "--query", "*",
        "--base-url", "http://127.0.0.1:9/feed.xml")  # fmt: skip
    app.config["HARVEST_MAX_RETRIES"] = 0
    result = cli(app, "run", "--limit", "5")
    assert result.exit_code == 1
    assert "(down): stopped" in result.output or "(down): failed" in result.output


def test_import_reports_broken_lines_and_exits_1(app, tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_bytes(
        (json.dumps({"id": "a", "text": TEXT}) + "\n").encode()
        + b"{broken\n"
        + (json.dumps({"id": "b", "text": "RT @desa: " + TEXT}) + "\n").encode()
    )
    result = cli(app, "import", str(path), "--format", "jsonl")
    assert result.exit_code == 1
    assert "done: 1 pages, 2 fetched, 2 new, 0 duplicates, 1 errors" in result.output
    assert "line 2: broken JSON" in result.stderr
    again = cli(app, "import", str(path), "--format", "jsonl")
    assert "2 fetched, 0 new, 2 duplicates" in again.output
    with app.app_context():
        (candidate,) = db.session.execute(select(Candidate)).scalars()
        assert candidate.post_count == 2


def test_import_clean_file_exits_0_and_usage_errors_exit_2(app, tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"id": "a", "text": TEXT}) + "\n", encoding="utf-8")
    assert cli(app, "import", str(path), "--format", "jsonl").exit_code == 0
    assert cli(app, "import", str(path)).exit_code == 2  # no --format
    assert cli(app, "import", str(path), "--format", "csv").exit_code == 2
    assert cli(app, "import", str(tmp_path / "missing.jsonl"), "--format", "jsonl").exit_code == 2


def test_takedown_deletes_the_post_and_fixes_its_candidate(app, tmp_path):
    path = tmp_path / "posts.jsonl"
    rows = [
        {"id": "a", "text": TEXT + " https://t.co/1", "created_at": "2020-05-01T00:00:00Z"},
        {"id": "b", "text": TEXT + " #dapurumum", "created_at": "2020-05-03T00:00:00Z"},
        {"id": "c", "text": "Harga beras naik lagi di pasar induk, pedagang mengeluh sepi"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert cli(app, "import", str(path), "--format", "jsonl").exit_code == 0
    result = cli(app, "takedown", "file", "b")
    assert result.exit_code == 0 and "deleted 1 post(s)" in result.output
    with app.app_context():
        assert db.session.execute(select(Post.external_id).order_by(Post.id)).scalars().all() == [
            "a",
            "c",
        ]
        group = db.session.execute(
            select(Candidate).join(Post).where(Post.external_id == "a")
        ).scalar_one()
        assert group.post_count == 1 and str(group.last_seen) == "2020-05-01 00:00:00"
    alone = cli(app, "takedown", "file", "c")
    assert "its candidate was deleted" in alone.output
    with app.app_context():
        assert db.session.execute(select(Candidate.id)).scalars().all() == [group.id]
    missing = cli(app, "takedown", "file", "zzz")
    assert missing.exit_code == 1 and "no file post zzz is stored" in missing.output


def test_a_candidate_whose_text_changes_is_scored_again(app, tmp_path):
    from registry.classify.predict import get_predictor

    cut = TEXT[:72] + "…"  # a truncated copy: the same candidate, a shorter text
    path = tmp_path / "posts.jsonl"
    rows = [{"id": "full", "text": TEXT}, {"id": "cut", "text": cut}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert cli(app, "import", str(path), "--format", "jsonl").exit_code == 0
    with app.app_context():
        before = db.session.execute(select(Candidate)).scalar_one()
        assert before.post_count == 2 and before.text == TEXT
        old_score = before.score
    assert cli(app, "takedown", "file", "full").exit_code == 0
    with app.app_context():
        after = db.session.execute(select(Candidate)).scalar_one()
        (expected,) = get_predictor(app.config["INSTANCE_DIR"]).predict_posts(
            [{"id": 1, "text": cut}]
        )
        assert after.text == cut and after.post_count == 1
        assert after.score == pytest.approx(expected["score"]) != pytest.approx(old_score)
        assert after.explain == expected["explain"]


def test_a_takedown_sticks_through_reimports(app, tmp_path):
    from registry.models import HarvestRun, HarvestTombstone

    path = tmp_path / "posts.jsonl"
    rows = [
        {"id": "a", "text": TEXT + " https://t.co/1"},
        {"id": "b", "text": "Harga beras naik lagi di pasar induk, pedagang mengeluh sepi"},
        {"id": "c", "text": "RT @desa: " + TEXT, "repost_of_id": "a"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert cli(app, "import", str(path), "--format", "jsonl").exit_code == 0
    result = cli(app, "takedown", "file", "a")
    assert result.exit_code == 0 and "deleted 2 post(s)" in result.output  # a and its repost
    # the same file again, and a new file holding the post and a new repost of it
    again = cli(app, "import", str(path), "--format", "jsonl")
    assert again.exit_code == 0 and "3 fetched, 0 new, 3 duplicates" in again.output
    other = tmp_path / "more.jsonl"
    other.write_text(
        json.dumps({"id": "a", "text": TEXT})
        + "\n"
        + json.dumps({"id": "d", "text": "RT @desa: " + TEXT, "repost_of_id": "a"})
        + "\n"
        + json.dumps({"id": "e", "text": "Posko vaksin keliling dibuka di balai desa tiap Sabtu"})
        + "\n",
        encoding="utf-8",
    )
    assert cli(app, "import", str(other), "--format", "jsonl").exit_code == 0
    with app.app_context():
        ids = db.session.execute(select(Post.external_id).order_by(Post.id)).scalars().all()
        assert ids == ["b", "e"]
        (stone,) = db.session.execute(select(HarvestTombstone)).scalars()
        assert (stone.platform, stone.external_id, stone.actor) == ("file", "a", "cli")
        last = db.session.execute(select(HarvestRun).order_by(HarvestRun.id.desc())).scalars()
        run = next(iter(last))
        assert (run.fetched, run.new, run.duplicates) == (3, 1, 2)
    # taking it down again keeps one tombstone
    assert cli(app, "takedown", "file", "a").exit_code == 1
