"""Issue 17.1: absolute URLs come from BASE_URL, never from the Host header; untrusted hosts 400."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Any

import pytest
from flask import url_for

from registry import config
from registry.extensions import db
from registry.services import catalogue
from tests.accounts_helpers import CSRF_RE, csrf_token, make_user

BASE = "https://lumbung.example/registry"


def mails(app: Any) -> list[str]:
    folder = Path(app.instance_path) / "outbox"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default).get_content()
        for p in sorted(folder.glob("*.eml"))
    ]


def test_a_reset_asked_through_another_host_mails_a_link_to_the_base_url(app, ctx):
    # evil.example is trusted here (a lax TRUSTED_HOSTS) to show that even then the link
    # is built on BASE_URL: before the fix it pointed at http://evil.example/reset/...
    app.config.update(BASE_URL=BASE, TRUSTED_HOSTS=["evil.example", "localhost"])
    make_user("korban@example.org")
    client = app.test_client()
    page = client.get("/reset", headers={"Host": "evil.example"}).get_data(as_text=True)
    token = CSRF_RE.search(page)
    assert token
    response = client.post(
        "/reset",
        data={"csrf_token": token.group(1) or token.group(2), "email": "korban@example.org"},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 200
    body = mails(app)[-1]
    assert "evil.example" not in body
    assert re.search(rf"{re.escape(BASE)}/reset/\S+", body), body


def test_an_untrusted_host_gets_400_and_no_mail(app, ctx):
    make_user("korban@example.org")
    client = app.test_client()
    token = csrf_token(client, "/reset")
    response = client.post(
        "/reset",
        data={"csrf_token": token, "email": "korban@example.org"},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)
    assert mails(app) == []
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    api = client.get("/api/v1/innovations", headers={"Host": "evil.example:8080"})
    assert api.status_code == 400 and api.mimetype == "application/problem+json"
    assert client.get("/nowhere", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "10.0.0.5:8000"}).status_code == 200
    # the trusted names still answer
    assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1"}).status_code == 200


def test_the_base_urls_host_and_configured_hosts_are_trusted(app, ctx):
    app.config.update(
        BASE_URL=BASE,
        TRUSTED_HOSTS=config.trusted_hosts({"BASE_URL": BASE, "TRUSTED_HOSTS": ".intern.example"}),
    )
    client = app.test_client()
    assert client.get("/", headers={"Host": "lumbung.example"}).status_code == 200
    assert client.get("/", headers={"Host": "web1.intern.example"}).status_code == 200
    assert client.get("/", headers={"Host": "lumbung.example.evil"}).status_code == 400


def test_api_answers_and_pages_use_the_base_url(app, ctx, innovation_data):
    app.config.update(BASE_URL=BASE, TRUSTED_HOSTS=["localhost", "evil.example"])
    row = catalogue.create(innovation_data(), actor="t", status="published")
    db.session.commit()
    client = app.test_client()
    api = client.get(f"/api/v1/innovations/{row.id}", headers={"Host": "evil.example"})
    assert api.get_json()["url"] == f"{BASE}/innovations/{row.slug}"
    listing = client.get("/api/v1/innovations", headers={"Host": "evil.example"}).get_json()
    assert listing["results"][0]["url"] == f"{BASE}/innovations/{row.slug}"
    page = client.get(f"/innovations/{row.slug}", headers={"Host": "evil.example"})
    assert f'href="{BASE}/innovations/{row.slug}"' in page.get_data(as_text=True)
    assert "evil.example" not in page.get_data(as_text=True)


def test_url_for_outside_a_request_uses_the_base_url(app):
    app.config["BASE_URL"] = BASE
    with app.app_context():
        assert url_for("auth.login", _external=True) == f"{BASE}/login"


def test_base_url_is_required_outside_development(tmp_path):
    production = {"INSTANCE_DIR": str(tmp_path), "ENV": "production", "SECRET_KEY": "s"}
    with pytest.raises(config.ConfigError, match="REGISTRY_BASE_URL"):
        config.load(production)
    with pytest.raises(config.ConfigError, match="REGISTRY_BASE_URL"):
        config.load({**production, "BASE_URL": "lumbung.example"})
    settings = config.load({**production, "BASE_URL": "https://lumbung.example/"})
    assert settings["BASE_URL"] == "https://lumbung.example"
    assert config.trusted_hosts(settings)[0] == "lumbung.example"


def test_a_development_server_without_base_url_answers_any_host(tmp_path):
    """`make run HOST=0.0.0.0` opens from another machine: no BASE_URL, no TRUSTED_HOSTS."""
    from registry.app import create_app

    settings = {
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "INDEX_DIR": str(tmp_path / "index"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
        "ENV": "development",
    }
    open_app = create_app(settings)
    assert open_app.test_client().get("/", headers={"Host": "192.0.2.7:5000"}).status_code != 400
    # once a base URL is set, only its host (and loopback) is answered
    closed = create_app({**settings, "BASE_URL": BASE})
    assert closed.test_client().get("/", headers={"Host": "192.0.2.7:5000"}).status_code == 400
