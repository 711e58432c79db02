"""Replication: claim by API and page, confirm/reject, search facets, stats, export/import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry.extensions import db
from registry.models import Replication
from registry.services import catalogue, replication, transfer
from tests.accounts_helpers import bearer, csrf_token, login, make_user, token_for


@pytest.fixture
def world(app, innovation_data) -> dict[str, Any]:
    with app.app_context():
        owner = make_user("pemilik@example.org", org="Dinas Kesehatan Kota Bandung")
        adopter = make_user("adopsi@example.org", org="Dinas Kesehatan Kota Surabaya")
        assert adopter.organization is not None
        adopter.organization.province_code, adopter.organization.regency_code = "35", "35.78"
        curator = make_user("kurator@example.org", role="curator", org=None)
        original = catalogue.create(innovation_data(), actor="t", status="published")
        original.owner = owner
        original.organization_id = owner.organization_id
        draft = catalogue.create(
            innovation_data(title="Masih diajukan"), actor="t", status="submitted"
        )
        db.session.commit()
        return {
            "original": original.id,
            "slug": original.slug,
            "draft": draft.id,
            "owner_token": token_for(owner),
            "adopter_token": token_for(adopter),
            "curator_token": token_for(curator),
        }


def _claim(client, world, innovation_id=None, **body):
    payload = {"stage": "pelaksanaan", "started_on": "2021-03-01", "links": []} | body
    return client.post(
        f"/api/v1/innovations/{innovation_id or world['original']}/replications",
        json=payload,
        headers=bearer(world["adopter_token"]),
    )


def test_claim_confirm_and_show_both_ways(app, client, world):
    response = _claim(client, world, facilitator="KemenPAN-RB", links=["https://a.example/x"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "claimed" and body["stage"] == "pelaksanaan"
    assert body["adopter"]["name"] == "Dinas Kesehatan Kota Surabaya"
    assert body["adopter"]["province"]["code"] == "35"

    detail = client.get(f"/api/v1/innovations/{world['original']}").get_json()
    assert [r["id"] for r in detail["replications"]] == [body["id"]]
    assert detail["operating_status"] == "tidak-diketahui" and detail["verified_at"] is None

    # not replicated until confirmed
    search = client.get("/api/v1/innovations?replicated=true").get_json()
    assert search["total"] == 0
    # someone else's token cannot confirm: not found (the claim is not theirs to see)
    denied = client.post(
        f"/api/v1/replications/{body['id']}/confirm",
        json={"decision": "confirm"},
        headers=bearer(world["adopter_token"]),
    )
    assert denied.status_code == 404
    bad = client.post(
        f"/api/v1/replications/{body['id']}/confirm",
        json={"decision": "maybe"},
        headers=bearer(world["owner_token"]),
    )
    assert bad.status_code == 400 and bad.get_json()["param"] == "decision"
    ok = client.post(
        f"/api/v1/replications/{body['id']}/confirm",
        json={"decision": "confirm", "note": "benar"},
        headers=bearer(world["owner_token"]),
    )
    assert ok.status_code == 200 and ok.get_json()["status"] == "confirmed"
    again = client.post(
        f"/api/v1/replications/{body['id']}/confirm",
        json={"decision": "reject"},
        headers=bearer(world["curator_token"]),
    )
    assert again.status_code == 409

    search = client.get("/api/v1/innovations?replicated=true").get_json()
    assert search["total"] == 1 and search["facets"]["replicated"] == {"true": 1}
    assert client.get("/api/v1/innovations?replicated=false").get_json()["total"] == 0
    stats = client.get("/api/v1/stats").get_json()["replications"]
    assert stats["most_replicated"][0]["id"] == world["original"]
    assert stats["by_province"] == [{"code": "35", "count": 1}]
    page = client.get(f"/innovations/{world['slug']}").get_data(as_text=True)
    assert "Dinas Kesehatan Kota Surabaya" in page and "Dikonfirmasi" in page
    assert "Pelaksanaan" in page and "pelaksanaan<" not in page
    stats_page = client.get("/stats").get_data(as_text=True)
    assert "Paling banyak direplikasi" in stats_page


def test_claim_errors(client, world):
    assert _claim(client, world, innovation_id=world["draft"]).status_code == 404
    assert _claim(client, world, innovation_id=999999).status_code == 404
    bad = _claim(client, world, stage="selesai")
    assert bad.status_code == 400 and bad.get_json()["param"] == "stage"
    bad_date = _claim(client, world, started_on="kemarin")
    assert bad_date.status_code == 400 and bad_date.get_json()["param"] == "started_on"
    assert _claim(client, world).status_code == 201
    twice = _claim(client, world, stage="evaluasi")
    assert twice.status_code == 409
    own = client.post(
        f"/api/v1/innovations/{world['original']}/replications",
        json={"stage": "persiapan"},
        headers=bearer(world["owner_token"]),
    )
    assert own.status_code == 400 and own.get_json()["param"] == "innovation"
    anonymous = client.post(
        f"/api/v1/innovations/{world['original']}/replications", json={"stage": "persiapan"}
    )
    assert anonymous.status_code == 401


def test_page_claim_and_owner_rejects(app, client, world):
    login(client, "adopsi@example.org")
    page = f"/innovations/{world['slug']}"
    token = csrf_token(client, page)
    assert "Kami mereplikasi ini" in client.get(page).get_data(as_text=True)
    no_csrf = client.post(page + "/replications", data={"stage": "persiapan"})
    assert no_csrf.status_code == 400
    done = client.post(
        page + "/replications",
        data={"stage": "persiapan", "csrf_token": token, "links": "https://b.example/bukti"},
    )
    assert done.status_code == 302
    with app.app_context():
        row = db.session.query(Replication).one()
        assert row.status == "claimed" and row.links == ["https://b.example/bukti"]
        rid = row.id
    # the owner is mailed about the claim, once
    outbox = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len([p for p in outbox if "Replikasi diklaim" in p.read_text()]) == 1
    client.get("/logout")
    login(client, "pemilik@example.org")
    token = csrf_token(client, page)
    assert "Tolak klaim" in client.get(page).get_data(as_text=True)
    client.post(f"/replications/{rid}/decision", data={"decision": "reject", "csrf_token": token})
    with app.app_context():
        assert db.session.get_one(Replication, rid).status == "rejected"
    assert "Surabaya" not in client.get(page).get_data(as_text=True)


def test_replicates_field_links_on_publish(app, world, innovation_data):
    from registry.models import User
    from registry.services import review

    with app.app_context():
        adopter = db.session.query(User).filter_by(email="adopsi@example.org").one()
        curator = db.session.query(User).filter_by(email="kurator@example.org").one()
        copy = review.create_submission(
            innovation_data(title="Antar Obat Surabaya", province="35", regency="35.78"),
            owner=adopter,
        )
        copy.replicates_id = world["original"]
        db.session.commit()
        assert db.session.query(Replication).count() == 0  # not before it is published
        review.decide(copy, "publish", actor=curator)
        db.session.commit()
        row = db.session.query(Replication).one()
        assert (row.original_id, row.replica_id, row.status) == (
            world["original"],
            copy.id,
            "claimed",
        )
        original = catalogue.get_by_slug(world["slug"])[0]
        assert original is not None
        assert [r.original_id for r in replication.originals_of(copy)] == [original.id]


def test_export_import_carry_replications(app, client, world, tmp_path):
    assert _claim(client, world).status_code == 201
    with app.app_context():
        row = db.session.query(Replication).one()
        row.status = "confirmed"
        original = catalogue.get_by_slug(world["slug"])[0]
        assert original is not None
        original.operating_status = "berhenti"
        db.session.commit()
        records = list(transfer.export_records())
        assert records[0]["operating_status"] == "berhenti"
        assert records[0]["replications"][0]["adopter_name"] == "Dinas Kesehatan Kota Surabaya"
        out = tmp_path / "x.csv"
        with out.open("w", newline="", encoding="utf-8") as fh:
            transfer.write_csv(records, fh, include_private=False)
        # a fresh row for the same slug, with one more adopter: only that one is added
        records[0]["replications"].append(
            {"adopter_name": "Kota Malang", "stage": "persiapan", "province": "35"}
        )
        path = tmp_path / "in.json"
        path.write_text(json.dumps(records), encoding="utf-8")
        report = transfer.import_rows(transfer.read_rows(path), actor="t", publish=True)
        assert report.errors == [] and report.updated == 1
        names = sorted(r.adopter_name for r in db.session.query(Replication))
        assert names == ["Dinas Kesehatan Kota Surabaya", "Kota Malang"]
        again = transfer.import_rows(transfer.read_rows(path), actor="t", publish=True)
        assert again.unchanged == 1 and db.session.query(Replication).count() == 2
        csv_rows = transfer.read_rows(out)
        assert json.loads(csv_rows[0][1]["replications"])[0]["status"] == "confirmed"


def test_submission_form_replicates_field(app, client, world, innovation_data):
    from tests.accounts_helpers import form_data

    login(client, "adopsi@example.org")
    form = client.get("/my/new").get_data(as_text=True)
    assert 'name="replicates"' in form and 'list="replicates-options"' in form
    assert "js/replicates-picker.js" in form
    token = csrf_token(client, "/my/new")
    data = form_data(innovation_data(title="Antar Obat Versi Surabaya"))
    unknown = client.post(
        "/my/new", data=data | {"csrf_token": token, "action": "submit", "replicates": "tak-ada"}
    )
    assert unknown.status_code == 400
    ok = client.post(
        "/my/new",
        data=data
        | {
            "csrf_token": token,
            "action": "submit",
            "replicates": f"http://localhost/innovations/{world['slug']}",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        from registry.models import Innovation

        row = db.session.query(Innovation).filter_by(title="Antar Obat Versi Surabaya").one()
        assert row.replicates_id == world["original"]
