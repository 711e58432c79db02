"""Which token a harvest source may send and where (issue 17, item 10): refused when a source is
added (service, CLI, admin page) and again before a run fetches anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.harvest.policy import SourcePolicyError, check_token_env, check_url
from registry.harvest.runner import Runner, Settings
from registry.models import HarvestSource
from registry.services import harvesting
from tests.accounts_helpers import csrf_token, login, make_user
from tests.harvest.httpserver import Reply, ScriptedServer


@pytest.fixture
def strict(app):
    app.config["HARVEST_ALLOW_PRIVATE_HOSTS"] = False  # the default (tests/harvest allow it)
    return app


@pytest.mark.parametrize(
    ("platform", "name"),
    [
        ("twitter", "REGISTRY_SECRET_KEY"),
        ("twitter", "REGISTRY_SMTP_URL"),
        ("twitter", "PATH"),
        ("twitter", "MASTODON_TOKEN"),  # another platform's token to this one's host
        ("mastodon", "TWITTER_BEARER_TOKEN"),
        ("mastodon", "mastodon_token"),
        ("rss", "RSS_TOKEN"),
    ],
)
def test_token_variables_outside_the_pattern_are_refused(platform, name):
    with pytest.raises(SourcePolicyError) as refused:
        check_token_env(platform, name)
    assert refused.value.param == "token_env"


@pytest.mark.parametrize(
    ("platform", "name"),
    [("twitter", "TWITTER_BEARER_TOKEN"), ("twitter", "X_TOKEN"), ("mastodon", "MASTODON_TOKEN"),
     ("bluesky", "BLUESKY_APP_PASSWORD"), ("rss", "")],
)  # fmt: skip
def test_platform_token_names_are_accepted(platform, name):
    check_token_env(platform, name)


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("mastodon", "http://mastodon.example"),  # not https
        ("mastodon", "https://127.0.0.1:8443"),
        ("mastodon", "https://localhost"),
        ("rss", "https://10.1.2.3/feed.xml"),
        ("rss", "https://[::1]/feed.xml"),
        ("rss", "https://[::ffff:127.0.0.1]/feed.xml"),
        ("bluesky", "https://169.254.169.254/latest/meta-data"),
        ("rss", "https://user:secret@feeds.example/rss"),
        ("twitter", "https://evil.example"),  # X/Twitter's hosts are fixed
        ("twitter", "https://127.0.0.1"),
    ],
)
def test_private_hosts_plain_http_and_other_twitter_hosts_are_refused(platform, url):
    with pytest.raises(SourcePolicyError):
        check_url(platform, url, allow_private=False)


def test_the_setting_allows_local_doubles_but_never_another_twitter_host():
    check_url("mastodon", "http://127.0.0.1:8080", allow_private=True)
    check_url("twitter", "http://127.0.0.1:8080", allow_private=True)
    check_url("twitter", "https://api.twitter.com", allow_private=False)
    with pytest.raises(SourcePolicyError):
        check_url("twitter", "https://evil.example", allow_private=True)


def test_the_service_refuses_at_add_and_at_change(ctx, strict):
    with pytest.raises(harvesting.SourceInvalid) as refused:
        harvesting.add_source(name="x", platform="twitter", query="q",
                              token_env="REGISTRY_SECRET_KEY", actor="t")  # fmt: skip
    assert refused.value.param == "token_env"
    with pytest.raises(harvesting.SourceInvalid) as refused:
        harvesting.add_source(name="m", platform="mastodon", query="#covid",
                              base_url="http://127.0.0.1:9", actor="t")  # fmt: skip
    assert refused.value.param == "base_url"
    with pytest.raises(harvesting.SourceInvalid) as refused:
        harvesting.add_source(name="f", platform="rss", query="https://127.0.0.1/feed.xml",
                              actor="t")  # fmt: skip
    assert refused.value.param == "query"
    source = harvesting.add_source(name="ok", platform="mastodon", query="#covid",
                                   base_url="https://mastodon.example", actor="t")  # fmt: skip
    with pytest.raises(harvesting.SourceInvalid):
        harvesting.update_source(source, actor="t", token_env="REGISTRY_SECRET_KEY")
    with pytest.raises(harvesting.SourceInvalid):
        harvesting.update_source(source, actor="t", base_url="https://127.0.0.1")
    assert db.session.scalars(select(HarvestSource.name)).all() == ["ok"]


def test_the_cli_refuses(app, strict):
    runner = app.test_cli_runner()
    secret = runner.invoke(args=["harvest", "sources", "add", "x", "--platform", "twitter",
                                 "--query", "q", "--token-env", "REGISTRY_SECRET_KEY"])  # fmt: skip
    assert secret.exit_code == 2 and "TWITTER_" in secret.output
    local = runner.invoke(args=["harvest", "sources", "add", "m", "--platform", "mastodon",
                                "--query", "#covid", "--base-url", "https://[::1]"])  # fmt: skip
    assert local.exit_code == 2 and "private" in local.output


def test_the_admin_page_refuses(ctx, client, strict):
    make_user("admin@example.org", "admin", org=None)
    login(client, "admin@example.org")
    token = csrf_token(client, "/admin/sources")
    page = client.post(
        "/admin/sources",
        data={"csrf_token": token, "name": "m", "platform": "mastodon", "query": "#covid",
              "base_url": "https://mastodon.example", "token_env": "REGISTRY_SECRET_KEY",
              "every": "15m"},
        follow_redirects=True,
    )  # fmt: skip
    assert "MASTODON_" in page.get_data(as_text=True)
    assert db.session.scalars(select(HarvestSource)).all() == []


def test_a_stored_source_that_breaks_the_policy_fetches_nothing(ctx, strict, monkeypatch):
    monkeypatch.setenv("REGISTRY_SECRET_KEY", "the-secret")
    with ScriptedServer() as server:
        server.add("/2/tweets/search/recent", Reply(200, body={"meta": {"result_count": 0}}))
        # stored by an older version, or by hand: the run checks again
        db.session.add(HarvestSource(name="lama", platform="twitter", query="q",
                                     base_url=server.url, token_env="REGISTRY_SECRET_KEY",
                                     every_seconds=900, enabled=True, state={}))  # fmt: skip
        db.session.commit()
        source = db.session.scalar(select(HarvestSource))
        assert source is not None
        run = Runner(Settings(), sleep=lambda s: None, predictor=None).run_source(source)
        assert run.status == "failed" and run.stop_reason.startswith("refused:")
        assert server.requests == []  # the secret went nowhere


def test_an_rss_redirect_is_followed_only_to_an_allowed_address():
    from registry.harvest.base import SourceError
    from registry.harvest.sources.rss import RssSource

    feed = (Path(__file__).resolve().parent / "fixtures" / "rss").glob("*.xml")
    body = next(iter(sorted(feed))).read_bytes()
    with ScriptedServer() as server:
        server.add("/pindah", Reply(301, headers={"Location": "/feed.xml"}))
        server.add(
            "/feed.xml", Reply(200, body=body, headers={"Content-Type": "application/rss+xml"})
        )
        source = RssSource("*", base_url=server.url + "/pindah")
        source.check_url = lambda url: check_url("rss", url, allow_private=True)
        (page,) = source.pages({})
        assert page.posts and [r.path for r in server.requests] == ["/pindah", "/feed.xml"]
        source.check_url = lambda url: check_url("rss", url, allow_private=False)
        with pytest.raises(SourceError, match="redirects to"):
            list(source.pages({}))
        assert [r.path for r in server.requests][-1] == "/pindah"  # /feed.xml not asked again


def test_a_base_url_longer_than_its_column_is_refused(ctx):
    with pytest.raises(harvesting.SourceInvalid) as refused:
        harvesting.add_source(name="m", platform="mastodon", query="#covid",
                              base_url="https://m.example/" + "a" * 500, actor="t")  # fmt: skip
    assert refused.value.param == "base_url"
