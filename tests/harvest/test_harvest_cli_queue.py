"""With a broker configured, `registry harvest run|import` hand the job to the workers."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import HarvestSource, Post
from tests.jobs_helpers import close_broker, queued, redis_url, use_broker  # noqa: F401


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["harvest", *args])


def test_twitter_source_gets_the_usual_token_variable(app):
    result = cli(app, "sources", "add", "x", "--platform", "twitter", "--query", "inovasi covid")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.execute(select(HarvestSource)).scalar_one().token_env == (
            "TWITTER_BEARER_TOKEN"
        )


def test_run_and_import_are_queued_when_a_broker_is_configured(app, redis_url, tmp_path):  # noqa: F811
    archive = tmp_path / "posts.jsonl"
    archive.write_text(json.dumps({"id": "1", "text": "Relawan membuka dapur umum"}) + "\n")
    added = cli(app, "sources", "add", "feed", "--platform", "rss", "--query",
                "http://127.0.0.1:9/feed.xml")  # fmt: skip
    assert added.exit_code == 0, added.output
    use_broker(app, redis_url)
    try:
        ran = cli(app, "run", "feed", "--limit", "5")
        imported = cli(app, "import", str(archive), "--format", "jsonl")
    finally:
        close_broker(app)
    assert ran.exit_code == 0 and "feed: queued for the workers" in ran.output
    assert imported.exit_code == 0 and "posts.jsonl: queued for the workers" in imported.output
    messages = queued(redis_url, "default")
    assert [(m["task"], m["args"]) for m in messages] == [
        ("harvest.run_source", ["feed", 5]),
        ("harvest.import", [str(archive.resolve()), "jsonl", None]),
    ]
    with app.app_context():  # nothing ran here
        assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_inline_flag_runs_here_even_with_a_broker(app, redis_url, tmp_path):  # noqa: F811
    archive = tmp_path / "posts.jsonl"
    archive.write_text(json.dumps({"id": "1", "text": "Relawan membuka dapur umum"}) + "\n")
    use_broker(app, redis_url)
    try:
        result = cli(app, "import", str(archive), "--format", "jsonl", "--inline")
    finally:
        close_broker(app)
    assert result.exit_code == 0, result.output
    assert queued(redis_url, "default") == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post)) == 1


def test_run_due_takes_only_the_sources_whose_interval_has_passed(app, redis_url):  # noqa: F811
    import datetime as dt

    for name in ("fresh", "stale", "never"):
        added = cli(app, "sources", "add", name, "--platform", "rss", "--query",
                    f"http://127.0.0.1:9/{name}.xml", "--every", "1h")  # fmt: skip
        assert added.exit_code == 0, added.output
    with app.app_context():
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        sources = {s.name: s for s in db.session.scalars(select(HarvestSource))}
        sources["fresh"].last_run_at = now - dt.timedelta(minutes=10)
        sources["stale"].last_run_at = now - dt.timedelta(hours=2)
        db.session.commit()
    use_broker(app, redis_url)
    try:
        result = cli(app, "run", "--due")
        both = cli(app, "run", "--due", "fresh")
    finally:
        close_broker(app)
    assert result.exit_code == 0, result.output
    assert sorted(m["args"][0] for m in queued(redis_url, "default")) == ["never", "stale"]
    assert both.exit_code == 2 and "not both" in both.output
