"""The map's replications and reports layers, and the reports section of the curators' digest."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from registry.extensions import db
from registry.services import catalogue, digests, replication, reports
from tests.accounts_helpers import make_user
from tests.reports_helpers import days_ago, people, report_data, walk_to


def _counts(client, layer, **args):
    query = "&".join(f"{k}={v}" for k, v in {"layer": layer, **args}.items())
    answer = client.get(f"/api/v1/regions/counts?{query}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["counts"]


def test_replications_layer_counts_confirmed_replications_by_the_adopters_region(
    app, client, innovation_data
):
    with app.app_context():
        owner = make_user("pemilik@example.org", org="Dinas Kesehatan Kota Bandung")
        adopter = make_user("adopsi@example.org", org="Dinas Kesehatan Kota Surabaya")
        assert adopter.organization is not None
        adopter.organization.province_code, adopter.organization.regency_code = "35", "35.78"
        other = make_user("lain@example.org", org="Dinas Sosial Kota Malang")
        assert other.organization is not None
        other.organization.province_code, other.organization.regency_code = "35", "35.73"
        curator = make_user("kurator@example.org", role="curator", org=None)
        original = catalogue.create(innovation_data(), actor="t", status="published")
        original.owner = owner
        original.organization_id = owner.organization_id
        db.session.flush()
        confirmed = replication.claim(original, {"stage": "pelaksanaan"}, actor=adopter)
        replication.claim(original, {"stage": "persiapan"}, actor=other)  # only claimed
        replication.decide(confirmed, "confirm", actor=curator)
        db.session.commit()
    provinces = _counts(client, "replications")
    assert provinces["35"] == 1 and provinces["32"] == 0
    regencies = _counts(client, "replications", level="regency", province="35")
    assert regencies["35.78"] == 1 and regencies["35.73"] == 0
    page = client.get("/peta?layer=replications").get_data(as_text=True)
    assert "1 replikasi" in page


def test_reports_layer_counts_public_reports_only(app, client):
    with app.app_context():
        curator, dinsos, _ = people()
        public, _ = reports.create(report_data(title="Terbuka"), now=days_ago(2))
        walk_to(public, "verified", curator, dinsos)
        reports.create(report_data(title="Belum diperiksa"), now=days_ago(1))
        hidden, _ = reports.create(report_data(title="Rahasia", confidential=True))
        walk_to(hidden, "verified", curator, dinsos)
        db.session.commit()
    provinces = _counts(client, "reports")
    assert provinces["32"] == 1 and provinces["11"] == 0
    assert _counts(client, "reports", level="regency", province="32")["32.73"] == 1
    assert client.get("/api/v1/regions/counts?layer=nothing").status_code == 400


def test_curators_daily_digest_lists_new_and_overdue_reports(app):
    with app.app_context():
        people()
        reports.create(report_data(title="Bansos belum cair di Cicendo"), now=days_ago(4))
        db.session.commit()
        assert digests.send_due(frequency="daily").curator_digests >= 1
        db.session.commit()
    outbox = Path(app.instance_path) / "outbox"
    bodies = []
    for p in sorted(outbox.glob("*.eml")):
        body = email.message_from_bytes(p.read_bytes(), policy=email.policy.default).get_body()
        assert body is not None
        bodies.append(body.get_content())
    digest = [b for b in bodies if "Laporan warga baru dan terlambat" in b]
    assert digest and "Bansos belum cair di Cicendo" in digest[0]
    assert "/curate/reports/" in digest[0]
