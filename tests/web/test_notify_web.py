"""Saved searches, digests, the one-click operating-status link and the curators' digest."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from pathlib import Path

from registry.extensions import db
from registry.models import Innovation, Subscription, utcnow
from registry.services import catalogue, digests, lifecycle
from tests.accounts_helpers import csrf_token, login, make_user


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "outbox"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def _link(text: str, part: str) -> str:
    match = re.search(rf"http://[^\s]*{part}[^\s]*", text)
    assert match, text
    return re.sub(r"^http://[^/]+", "", match.group(0))


def test_subscribe_confirm_digest_once_and_unsubscribe(app, client, innovation_data):
    bad = client.post("/api/v1/subscriptions", json={"email": "bukan-email", "search": {}})
    assert bad.status_code == 400 and bad.get_json()["param"] == "email"
    unknown = client.post(
        "/api/v1/subscriptions", json={"email": "a@example.org", "search": {"warna": "biru"}}
    )
    assert unknown.status_code == 400 and unknown.get_json()["param"] == "warna"
    bad_value = client.post(
        "/api/v1/subscriptions", json={"email": "a@example.org", "search": {"sector": "x"}}
    )
    assert bad_value.status_code == 400 and bad_value.get_json()["param"] == "sector"
    ok = client.post(
        "/api/v1/subscriptions",
        json={
            "email": "Warga@Example.org",
            "search": {"sector": ["kesehatan"]},
            "frequency": "daily",
        },
    )
    assert ok.status_code == 202
    [confirmation] = outbox(app)
    assert confirmation["To"] == "Warga@Example.org".lower()
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    confirm = _link(body(confirmation), "/subscriptions/confirm/")
    assert "Kesehatan" in body(confirmation) and "kesehatan" not in body(confirmation)

    with app.app_context():
        # nothing is sent to an unconfirmed address
        catalogue.create(innovation_data(title="Sebelum konfirmasi"), actor="t", status="published")
        db.session.commit()
        assert digests.send_due(now=utcnow() + dt.timedelta(days=2)).digests == 0
    assert client.get(confirm).status_code == 200  # a page with a button; nothing changed
    with app.app_context():
        assert db.session.query(Subscription).one().confirmed_at is None
    token = csrf_token(client, confirm)
    assert client.post(confirm, data={"csrf_token": token}).status_code == 200
    with app.app_context():
        sub = db.session.query(Subscription).one()
        assert sub.confirmed_at is not None
        sub.digest_through = utcnow() - dt.timedelta(days=2)
        new = catalogue.create(
            innovation_data(title="Cocok dan baru"), actor="t", status="published"
        )
        catalogue.create(
            innovation_data(title="Sektor lain", sectors=["ekonomi"]), actor="t", status="published"
        )
        gone = catalogue.create(
            innovation_data(title="Ditarik lagi"), actor="t", status="published"
        )
        catalogue.transition(gone, "withdrawn", actor="t")
        catalogue.create(innovation_data(title="Belum terbit"), actor="t", status="submitted")
        db.session.commit()
        first = digests.send_due()
        db.session.commit()
        assert first.digests == 1, first
        assert digests.send_due().digests == 0  # safe to run twice
        db.session.commit()
        new_slug = new.slug
    digest = [m for m in outbox(app) if "Cocok dan baru" in body(m)]
    assert len(digest) == 1
    text = body(digest[0])
    assert "Sektor lain" not in text and "Ditarik lagi" not in text and "Belum terbit" not in text
    assert new_slug in text and "Cepat Tanggap" in text
    unsubscribe = re.sub(r"^http://[^/]+", "", digest[0]["List-Unsubscribe"].strip("<>"))
    assert digest[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # one click: a POST without any form token
    assert client.post(unsubscribe).status_code == 200
    with app.app_context():
        assert db.session.query(Subscription).one().unsubscribed_at is not None
    assert client.post("/subscriptions/unsubscribe/forged").status_code == 400


def test_search_page_follow_form_and_feed(app, client, innovation_data):
    with app.app_context():
        catalogue.create(innovation_data(), actor="t", status="published")
        catalogue.create(
            innovation_data(title="Izin UMKM", sectors=["ekonomi"]), actor="t", status="published"
        )
        db.session.commit()
    page = client.get("/search?sector=ekonomi").get_data(as_text=True)
    assert "Ikuti pencarian ini" in page and "/feed.atom?sector=ekonomi" in page
    feed = client.get("/feed.atom?sector=ekonomi").get_data(as_text=True)
    assert "Izin UMKM" in feed and "Layanan Antar Obat" not in feed
    everything = client.get("/feed.atom").get_data(as_text=True)
    assert "Izin UMKM" in everything and "Layanan Antar Obat" in everything
    assert client.get("/feed.atom?sector=bukan").status_code == 400
    token = csrf_token(client, "/search?sector=ekonomi")
    sent = client.post(
        "/subscriptions",
        data={"email": "x@example.org", "sector": "ekonomi", "csrf_token": token},
    )
    assert sent.status_code == 202
    with app.app_context():
        assert db.session.query(Subscription).one().search == {"sector": ["ekonomi"]}


def test_subscribe_rate_limited_per_address(app, client):
    app.config["SUBSCRIBE_RATE_LIMIT"] = "2 per hour"
    codes = [
        client.post(
            "/api/v1/subscriptions",
            json={"email": "korban@example.org"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        ).status_code
        for n in range(4)
    ]
    assert codes[:2] == [202, 202] and codes[2:] == [429, 429]
    assert len(outbox(app)) == 2


def test_status_link_once_and_errors(app, client, innovation_data):
    with app.app_context():
        owner = make_user("pemilik@example.org")
        row = catalogue.create(innovation_data(), actor="t", status="published")
        row.owner = owner
        db.session.commit()
        report = digests.send_due()
        db.session.commit()
        assert report.status_checks == 1
        assert digests.send_due().status_checks == 0  # once a year
        row_id = row.id
    [question] = [m for m in outbox(app) if "masih berjalan" in str(m["Subject"])]
    stopped = _link(body(question), "answer=berhenti")
    page = client.get(stopped)
    assert page.status_code == 200 and "Sudah berhenti" in page.get_data(as_text=True)
    path = stopped.split("?")[0]
    token = csrf_token(client, stopped)
    done = client.post(path, data={"answer": "berhenti", "csrf_token": token})
    assert done.status_code == 200 and "Berhenti" in done.get_data(as_text=True)
    with app.app_context():
        row = db.session.get_one(Innovation, row_id)
        assert row.operating_status == "berhenti" and row.verified_at is not None
        verified = row.verified_at
    reused = client.post(path, data={"answer": "berjalan", "csrf_token": token})
    assert reused.status_code == 410 and "sudah pernah dipakai" in reused.get_data(as_text=True)
    forged = client.get(path + "x?answer=berjalan")
    assert forged.status_code == 400 and "tidak sah" in forged.get_data(as_text=True)
    with app.app_context():
        row = db.session.get_one(Innovation, row_id)
        assert row.operating_status == "berhenti" and row.verified_at == verified
        fresh = lifecycle.make_token(row)
    app.config["STATUS_LINK_DAYS"] = -1
    expired = client.get(f"/status/{fresh}?answer=berjalan")
    assert expired.status_code == 410 and "kedaluwarsa" in expired.get_data(as_text=True)
    assert client.get("/api/v1/innovations?operating_status=berhenti").get_json()["total"] == 1


def test_curator_digest_and_stale_list(app, client, innovation_data):
    with app.app_context():
        make_user("kurator@example.org", role="curator", org=None)
        owner = make_user("pemilik@example.org")
        row = catalogue.create(innovation_data(title="Lama"), actor="t", status="published")
        row.owner = owner
        from registry.services import review

        review.create_submission(innovation_data(title="Baru diajukan"), owner=owner)
        db.session.commit()
        row_id = row.id
        assert digests.send_due().curator_digests == 1
        db.session.commit()
        assert digests.send_due().curator_digests == 0
    [digest] = [m for m in outbox(app) if "kurator" in str(m["Subject"])]
    assert "Baru diajukan" in body(digest) and "Pengajuan baru" in body(digest)
    login(client, "kurator@example.org")
    page = client.get("/curate/lifecycle").get_data(as_text=True)
    assert "Lama" in page and "belum pernah" in page
    token = csrf_token(client, "/curate/lifecycle")
    before = len(outbox(app))
    client.post(f"/curate/lifecycle/{row_id}/ask", data={"csrf_token": token})
    assert len(outbox(app)) == before + 1


def test_cli_notify_send_is_safe_twice(app):
    import json

    runner = app.test_cli_runner()
    first = runner.invoke(args=["notify", "send", "--frequency", "daily"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output.strip().splitlines()[-1])["digests"] == 0
    bad = runner.invoke(args=["notify", "send", "--frequency", "hourly"])
    assert bad.exit_code != 0


def test_beat_runs_notify_send(app):
    from registry import jobs
    from registry.worker import celery_settings

    schedule = celery_settings(app.config)["beat_schedule"]
    entry = schedule["notify-send-due"]
    assert entry["task"] == "notify.send_due" and entry["schedule"] == 3600.0
    with app.app_context():
        assert jobs.lookup("notify.send_due") is digests.send_due_job
        assert jobs.run("notify.send_due")["digests"] == 0  # inline without a broker


def test_demo_lifecycle_once(app, innovation_data):
    from registry.models import Replication
    from registry.services.demo import load_demo_lifecycle

    with app.app_context():
        for n in range(8):
            catalogue.create(
                innovation_data(title=f"Inovasi demo {n}", innovator_name=f"Dinas {n}"),
                actor="demo",
                status="published",
            )
        db.session.commit()
        lines = load_demo_lifecycle()
        assert any("digest sent: 1" in line for line in lines), lines
        replications = db.session.query(Replication).all()
        assert replications and {r.status for r in replications} == {"confirmed", "claimed"}
        statuses = {row.operating_status for row in db.session.query(Innovation)}
        assert statuses == {"berjalan", "berhenti", "tidak-diketahui"}
        assert load_demo_lifecycle() == ["demo replications: 0 added"]
        assert db.session.query(Replication).count() == len(replications)
    digest = [m for m in outbox(app) if "pengikut@demo" in str(m["To"])]
    assert len(digest) == 1 and "Inovasi demo 7" in body(digest[0])
