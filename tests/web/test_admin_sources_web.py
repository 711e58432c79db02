"""/admin/sources: full-archive search, the enable/disable toggle and deleting a source."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import HarvestRun, HarvestSource, Post, utcnow
from registry.services import harvesting
from tests.accounts_helpers import csrf_token, login, make_user
from tests.curation_helpers import make_candidate


@pytest.fixture
def admin_client(ctx, client):
    make_user("admin@example.org", "admin", org=None)
    login(client, "admin@example.org")
    return client


def add(client, token, **fields):
    data = {"csrf_token": token, "query": "inovasi", "every": "15m", **fields}
    return client.post("/admin/sources", data=data, follow_redirects=True)


def test_full_archive_on_add_and_edit_twitter_only(ctx, admin_client):
    token = csrf_token(admin_client, "/admin/sources")
    page = add(admin_client, token, name="arsip", platform="twitter", full_archive="y")
    assert page.status_code == 200
    source = db.session.scalar(select(HarvestSource))
    assert source is not None
    assert (source.platform, source.full_archive) == ("twitter", True)
    html = admin_client.get("/admin/sources").get_data(as_text=True)
    assert "(X/Twitter, seluruh arsip)" in html
    assert f'id="archive-{source.id}" name="full_archive" value="y" checked' in html
    refused = add(admin_client, token, name="m", platform="mastodon",
                  base_url="https://m.example", full_archive="y")  # fmt: skip
    assert refused.status_code == 400
    assert "Pencarian seluruh arsip hanya untuk sumber X/Twitter." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(HarvestSource.id))) == 1
    # the edit form without the box turns it off
    admin_client.post(
        f"/admin/sources/{source.id}",
        data={"csrf_token": token, "query": "inovasi", "every": "15m", "enabled": "y"},
    )
    db.session.refresh(source)
    assert source.full_archive is False and source.enabled is True


def test_toggle_and_delete_a_source(ctx, admin_client):
    source = harvesting.add_source(name="feed", platform="rss",
                                   query="https://a.example/feed.xml", actor="t")  # fmt: skip
    db.session.commit()
    candidate = make_candidate("Posko relawan dibuka di balai desa")
    db.session.execute(db.update(Post).values(source_id=source.id))
    db.session.add(HarvestRun(source_id=source.id, label="feed", status="done",
                              started_at=utcnow()))  # fmt: skip
    db.session.commit()
    token = csrf_token(admin_client, "/admin/sources")
    off = admin_client.post(
        f"/admin/sources/{source.id}/deactivate", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Sumber feed dinonaktifkan." in off.get_data(as_text=True)
    db.session.refresh(source)
    assert source.enabled is False
    assert "Aktifkan</button>" in off.get_data(as_text=True)
    admin_client.post(f"/admin/sources/{source.id}/activate", data={"csrf_token": token})
    db.session.refresh(source)
    assert source.enabled is True
    # without the token: refused, nothing changes
    assert admin_client.post(f"/admin/sources/{source.id}/deactivate").status_code == 400
    assert admin_client.post(f"/admin/sources/{source.id}/delete").status_code == 400
    deleted = admin_client.post(
        f"/admin/sources/{source.id}/delete",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=True,
    )
    assert "Sumber feed dihapus" in deleted.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HarvestSource, source.id) is None
    assert db.session.scalar(select(Post.source_id)) is None
    assert db.session.scalar(select(Post.candidate_id)) == candidate.id
    assert db.session.scalar(select(HarvestRun.source_id)) is None
    assert admin_client.post(
        f"/admin/sources/{source.id}/delete", data={"csrf_token": token}
    ).status_code == 404  # fmt: skip


def test_delete_is_refused_while_the_source_is_harvested(ctx, admin_client):
    source = harvesting.add_source(name="feed", platform="rss",
                                   query="https://a.example/feed.xml", actor="t")  # fmt: skip
    db.session.add(HarvestRun(source_id=source.id, label="feed", status="running",
                              started_at=utcnow()))  # fmt: skip
    db.session.commit()
    token = csrf_token(admin_client, "/admin/sources")
    busy = admin_client.post(
        f"/admin/sources/{source.id}/delete",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=True,
    )
    assert "sedang dipanen" in busy.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HarvestSource, source.id) is not None


def test_only_admins_toggle_or_delete(ctx, client):
    source = harvesting.add_source(name="feed", platform="rss",
                                   query="https://a.example/feed.xml", actor="t")  # fmt: skip
    db.session.commit()
    make_user("kurator@example.org", "curator", org=None)
    login(client, "kurator@example.org")
    token = csrf_token(client, "/curate/inbox/")
    for action in ("deactivate", "delete"):
        response = client.post(
            f"/admin/sources/{source.id}/{action}", data={"csrf_token": token, "confirm": "yes"}
        )
        assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get_one(HarvestSource, source.id).enabled is True
