"""`registry harvest sources add --full-archive` and `registry harvest sources remove`."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import HarvestRun, HarvestSource, Post, utcnow
from tests.harvest.httpserver import Reply, ScriptedServer

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["harvest", *args])


def test_full_archive_is_stored_listed_and_searched(app, monkeypatch):
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", "AAAA-test")
    page = json.loads((FIXTURES / "twitter" / "search_page_2.json").read_text(encoding="utf-8"))
    with ScriptedServer() as server:
        server.add("/2/tweets/search/all", Reply(200, body=page))
        server.add("/2/tweets", Reply(200, body={"data": page["data"]}))
        added = cli(app, "sources", "add", "arsip", "--platform", "twitter", "--query", "inovasi",
                    "--base-url", server.url, "--full-archive")  # fmt: skip
        assert added.exit_code == 0, added.output
        assert "added source arsip (twitter, full archive, every 15m)" in added.output
        listed = cli(app, "sources", "list")
        assert "arsip\ttwitter, full archive\t15m\tyes\tinovasi @ " in listed.output
        ran = cli(app, "run", "arsip")
        assert ran.exit_code == 0, ran.output
        paths = [r.path for r in server.requests]
    assert paths == ["/2/tweets/search/all", "/2/tweets"]  # the search, then the recheck
    with app.app_context():
        assert db.session.scalar(select(HarvestSource.full_archive)) is True


def test_full_archive_is_refused_for_other_platforms(app):
    refused = cli(app, "sources", "add", "m", "--platform", "mastodon", "--query", "#covid",
                  "--base-url", "https://m.example", "--full-archive")  # fmt: skip
    assert refused.exit_code == 2
    assert "--full-archive" in refused.output and "X/Twitter sources only" in refused.output
    plain = cli(app, "sources", "add", "t", "--platform", "twitter", "--query", "q")
    assert plain.exit_code == 0 and "(twitter, every 15m)" in plain.output
    with app.app_context():
        assert db.session.scalars(select(HarvestSource.name)).all() == ["t"]


def test_remove_keeps_the_posts_and_runs(app, tmp_path):
    page = json.loads((FIXTURES / "mastodon" / "tag_page1.json").read_text(encoding="utf-8"))
    with ScriptedServer() as server:
        server.add("/api/v1/timelines/tag/covid", Reply(200, body=page), Reply(200, body=[]))
        for status in (page[0], page[1], page[1]["reblog"]):
            server.add(f"/api/v1/statuses/{status['id']}", Reply(200, body=status))
        cli(app, "sources", "add", "m", "--platform", "mastodon", "--query", "#covid",
            "--base-url", server.url)  # fmt: skip
        assert cli(app, "run", "m").exit_code == 0
    removed = cli(app, "sources", "remove", "m")
    assert removed.exit_code == 0 and "removed source m" in removed.output
    with app.app_context():
        assert db.session.scalar(select(func.count(HarvestSource.id))) == 0
        assert db.session.scalars(select(Post.source_id)).all() == [None, None, None]
        (run,) = db.session.scalars(select(HarvestRun))
        assert (run.source_id, run.label, run.new) == (None, "m", 3)
    again = cli(app, "sources", "remove", "m")
    assert again.exit_code == 2 and "no source named 'm'" in again.output


def test_remove_is_refused_while_a_run_is_going_on(app):
    cli(app, "sources", "add", "b", "--platform", "bluesky", "--query", "covid")
    with app.app_context():
        source = db.session.scalar(select(HarvestSource))
        assert source is not None
        db.session.add(HarvestRun(source_id=source.id, label="b", status="running",
                                  started_at=utcnow()))  # fmt: skip
        db.session.commit()
    busy = cli(app, "sources", "remove", "b")
    assert busy.exit_code == 1 and "is being harvested" in busy.output
    with app.app_context():
        assert db.session.scalar(select(func.count(HarvestSource.id))) == 1
        # a run that started long ago is taken as abandoned, as the runner does
        run = db.session.scalar(select(HarvestRun))
        assert run is not None
        run.started_at = utcnow().replace(year=2020)
        db.session.commit()
    assert cli(app, "sources", "remove", "b").exit_code == 0
