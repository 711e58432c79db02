"""The reports service: receiving, every transition, privacy, routing, lists and figures."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from registry.extensions import db
from registry.models import Report
from registry.services import attachments, catalogue, reports
from registry.web import params as query_params
from tests.accounts_helpers import make_user
from tests.reports_helpers import REPORTER, days_ago, exif_jpeg, people, report_data, walk_to

CURATOR = "curator"


def test_a_report_is_received_with_an_unguessable_code_and_a_hashed_secret(ctx):
    report, secret = reports.create(report_data(), source="203.0.113.9")
    db.session.commit()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", report.tracking_code)
    assert report.status == "received" and report.due_at == report.dispose_due
    assert report.respond_due - report.received_at == dt.timedelta(days=3)
    assert report.dispose_due - report.received_at == dt.timedelta(days=1)
    assert len(secret) >= 20 and secret not in report.secret_hash
    assert report.secret_hash == reports.hash_secret(secret)
    assert "203.0.113.9" not in report.source_hash
    [event] = report.events
    assert event.action == "submit" and event.actor_role == "reporter" and event.actor_id is None
    codes = {reports.new_code() for _ in range(500)}
    assert len(codes) == 500
    # the code is found however it is typed; a wrong secret opens nothing
    assert reports.find(report.tracking_code.lower().replace("-", " ")) is report
    with pytest.raises(reports.NotFound):
        reports.open_report(report.tracking_code, user=None, secret="tebakan")
    with pytest.raises(reports.NotFound):
        reports.open_report("AAAA-BBBB-CCCC", user=None, secret=secret)
    assert reports.open_report(report.tracking_code, user=None, secret=secret) == (
        report,
        "reporter",
    )


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"kind": "keluhan"}, "kind"),
        ({"category": "olahraga"}, "category"),
        ({"title": "  "}, "title"),
        ({"body": "x" * 10_001}, "body"),
        ({"province": "Atlantis"}, "province"),
        ({"regency": "33.01"}, "regency"),  # a Central Java regency under West Java
        ({"innovation": 999_999}, "innovation"),
        ({"occurred_on": "2099-01-01"}, "occurred_on"),
        ({"occurred_on": "kemarin"}, "occurred_on"),
        ({"anonymous": "mungkin"}, "anonymous"),
        ({"reporter": {"email": "bukan-email"}}, "reporter.email"),
        ({"reporter": "Siti"}, "reporter"),
    ],
)
def test_bad_input_names_its_param(ctx, change, param):
    with pytest.raises(reports.Invalid) as caught:
        reports.create(report_data(**change))
    assert caught.value.param == param and caught.value.status == 400
    assert db.session.query(Report).count() == 0


def test_names_are_accepted_for_regions(ctx):
    report, _ = reports.create(report_data(province="Jawa Barat", regency="Kota Bandung"))
    assert (report.province_code, report.regency_code) == ("32", "32.73")


def test_the_whole_path_and_every_step_out_of_order(ctx):
    curator, dinsos, other = people()
    report, _ = reports.create(report_data())
    as_curator, as_dinsos = reports.Actor.of(curator), reports.Actor.of(dinsos)
    reporter = reports.Actor.reporter()
    with pytest.raises(reports.Conflict):
        reports.act(report, "dispose", actor=as_curator, to=dinsos)  # not verified yet
    with pytest.raises(reports.Forbidden):
        reports.act(report, "verify", actor=reporter)
    with pytest.raises(reports.Forbidden):
        reports.act(report, "verify", actor=as_dinsos)
    reports.act(report, "verify", actor=as_curator)
    with pytest.raises(reports.Conflict):
        reports.act(report, "verify", actor=as_curator)
    with pytest.raises(reports.Invalid) as bad_to:
        reports.act(report, "dispose", actor=as_curator, to="kurator@example.org")
    assert bad_to.value.param == "to"
    reports.act(report, "dispose", actor=as_curator, to="dinsos@example.org")
    assert report.status == "disposed" and report.addressee_id == dinsos.id
    assert report.due_at == report.respond_due
    with pytest.raises(reports.Forbidden):
        reports.act(report, "respond", actor=reports.Actor.of(other), text="bukan kami")
    with pytest.raises(reports.Conflict):
        reports.act(report, "close", actor=reporter, rating=5)
    # re-dispose: the institution said it is not theirs
    reports.act(report, "dispose", actor=as_curator, to=other, reason="bukan wewenang dinsos")
    assert report.addressee_id == other.id
    with pytest.raises(reports.Conflict):
        reports.act(report, "dispose", actor=as_curator, to=other)
    with pytest.raises(reports.Invalid) as no_text:
        reports.act(report, "respond", actor=reports.Actor.of(other), text=" ")
    assert no_text.value.param == "text"
    reports.act(report, "respond", actor=reports.Actor.of(other), text="Sudah disalurkan.")
    assert report.status == "responded" and report.due_at is None
    reports.act(report, "reopen", actor=reporter, text="Belum sampai.")
    assert report.status == "disposed" and report.reopened
    reports.act(report, "respond", actor=reports.Actor.of(other), text="Sudah diantar.")
    with pytest.raises(reports.Conflict):
        reports.act(report, "reopen", actor=reporter)  # only once
    for bad in (0, 6, "lima", True):
        with pytest.raises(reports.Invalid) as bad_rating:
            reports.act(report, "close", actor=reporter, rating=bad)
        assert bad_rating.value.param == "rating"
    reports.act(report, "close", actor=reporter, rating=5)
    assert report.status == "closed" and report.rating == 5
    actions = [e.action for e in report.events]
    assert actions == [
        "submit",
        "verify",
        "dispose",
        "dispose",
        "respond",
        "reopen",
        "respond",
        "close",
    ]
    with pytest.raises(reports.Invalid):
        reports.act(report, "explode", actor=as_curator)


def test_reject_needs_a_known_reason(ctx):
    curator, _, _ = people()
    report, _ = reports.create(report_data())
    with pytest.raises(reports.Invalid) as caught:
        reports.act(report, "reject", actor=reports.Actor.of(curator), reason="malas")
    assert caught.value.param == "reason"
    reports.act(report, "reject", actor=reports.Actor.of(curator), reason="spam")
    assert report.status == "rejected" and report.due_at is None


def test_reopen_window_and_automatic_close(ctx):
    curator, dinsos, _ = people()
    late, _ = reports.create(report_data(), now=days_ago(20))
    walk_to(late, "responded", curator, dinsos, now=days_ago(15))
    with pytest.raises(reports.Conflict):
        reports.act(late, "reopen", actor=reports.Actor.reporter())
    fresh, _ = reports.create(report_data())
    walk_to(fresh, "responded", curator, dinsos)
    assert reports.close_expired() == 1
    assert late.status == "closed" and late.events[-1].actor_role == "system"
    assert fresh.status == "responded"


def test_a_curator_makes_a_report_more_private_never_less(ctx):
    curator, _, _ = people()
    report, _ = reports.create(report_data(anonymous=True))
    as_curator = reports.Actor.of(curator)
    reports.act(report, "restrict", actor=as_curator, confidential=True)
    assert report.anonymous and report.confidential
    with pytest.raises(reports.Invalid):
        reports.act(report, "restrict", actor=as_curator)  # nothing left to tighten
    with pytest.raises(reports.Forbidden):
        reports.act(report, "restrict", actor=reports.Actor.reporter(), anonymous=True)
    assert report.anonymous and report.confidential


def test_identity_is_shown_only_to_whom_it_belongs(ctx):
    curator, dinsos, _ = people()
    named, _ = reports.create(report_data())
    hidden, _ = reports.create(report_data(anonymous=True))
    for report in (named, hidden):
        walk_to(report, "disposed", curator, dinsos)
    assert reports.record(named, "institution")["reporter"]["name"] == REPORTER["name"]
    for view, report in (("institution", hidden), ("public", named), ("public", hidden)):
        text = repr(reports.record(report, view))
        assert REPORTER["name"] not in text and REPORTER["email"] not in text, view
        assert REPORTER["phone"] not in text
    assert reports.record(hidden, "curator")["reporter"]["email"] == REPORTER["email"]
    assert reports.record(hidden, "reporter")["reporter"]["email"] == REPORTER["email"]


def test_public_lists_hold_only_verified_non_confidential_reports(ctx):
    curator, dinsos, _ = people()
    received, _ = reports.create(report_data(title="Baru masuk"))
    secret_one, _ = reports.create(report_data(title="Rahasia", confidential=True))
    open_one, _ = reports.create(report_data(title="Terbuka", category="kesehatan"))
    rejected, _ = reports.create(report_data(title="Sampah"))
    walk_to(secret_one, "responded", curator, dinsos)
    walk_to(open_one, "responded", curator, dinsos)
    walk_to(rejected, "rejected", curator, dinsos)
    page = reports.public_page(reports.Filters())
    assert [r.title for r in page.items] == ["Terbuka"] and page.total == 1
    assert reports.public_page(reports.Filters(category=("bantuan-sosial",))).total == 0
    assert reports.public_page(reports.Filters(status=("received",))).total == 0
    assert reports.public_page(reports.Filters(province=("32",), status=("responded",))).total == 1
    assert reports.region_counts() == {"32": 1}
    assert reports.region_counts("32") == {"32.73": 1}
    assert reports.region_counts("33") == {}
    assert received.status == "received"


def test_parse_filters_names_the_bad_param(ctx):
    from werkzeug.datastructures import MultiDict

    ok = query_params.report_filters(MultiDict({"status": "verified,closed", "province": "Jabar"}))
    assert ok.status == ("verified", "closed") and ok.province == ("32",)
    for args, param in (
        ({"status": "lost"}, "status"),
        ({"category": "x"}, "category"),
        ({"province": "Mars"}, "province"),
        ({"page": "0"}, "page"),
        ({"per_page": "1000"}, "per_page"),
    ):
        with pytest.raises(reports.Invalid) as caught:
            query_params.report_filters(MultiDict(args))
        assert caught.value.param == param


def test_queues_put_the_overdue_first(ctx):
    curator, dinsos, other = people()
    old, _ = reports.create(report_data(title="Lama"), now=days_ago(5))
    new, _ = reports.create(report_data(title="Baru"))
    mid, _ = reports.create(report_data(title="Tengah"), now=days_ago(4))
    walk_to(mid, "disposed", curator, dinsos)
    queue = reports.curator_queue(reports.Filters())
    assert [r.title for r in queue.items] == ["Lama", "Tengah", "Baru"]
    assert reports.overdue(old) and not reports.overdue(new)
    assert reports.overdue_count() == 2
    assert [r.title for r in reports.institution_queue(dinsos).items] == ["Tengah"]
    assert reports.institution_queue(other).total == 0
    assert reports.overdue_count(user=dinsos) == 1


def test_digest_items_lists_new_and_overdue(ctx):
    curator, dinsos, _ = people()
    overdue, _ = reports.create(report_data(title="Terlambat"), now=days_ago(4))
    fresh, _ = reports.create(report_data(title="Segar"), now=days_ago(0.2))
    done, _ = reports.create(report_data(title="Selesai"), now=days_ago(6))
    walk_to(done, "responded", curator, dinsos)
    items = reports.digest_items()
    assert [r.title for r in items["new"]] == ["Segar"]
    assert [r.title for r in items["overdue"]] == ["Terlambat"]
    assert overdue.status == fresh.status == "received"


def test_routing_suggests_the_most_specific_rule_and_the_innovation_owner(ctx, innovation_data):
    curator, dinsos, other = people()
    provincial = make_user("dinsos-jabar@example.org", "institution", org="Dinsos Jabar")
    reports.add_route("bantuan-sosial", "lain@example.org")
    reports.add_route("bantuan-sosial", provincial.email, region="32")
    reports.add_route("bantuan-sosial", dinsos.email, region="32.73", words="sembako beras")
    with pytest.raises(reports.Invalid) as bad:
        reports.add_route("bantuan-sosial", "nobody@example.org")
    assert bad.value.param == "to"
    with pytest.raises(reports.Invalid):
        reports.add_route("olahraga", dinsos.email)
    assert len(reports.list_routes()) == 3
    city, _ = reports.create(report_data())
    assert reports.suggest(city) == dinsos
    no_word, _ = reports.create(
        report_data(title="Dana tunai belum cair", body="Sejak April belum ada kabar.")
    )
    assert reports.suggest(no_word) == provincial
    elsewhere, _ = reports.create(report_data(province="33", regency=None))
    assert reports.suggest(elsewhere) == other
    health, _ = reports.create(report_data(category="kesehatan"))
    assert reports.suggest(health) is None
    # a report about an innovation goes to the innovation's institution
    owner = make_user("pemilik@example.org", "institution", org="Puskesmas Garuda")
    row = catalogue.create(innovation_data(), actor="t", status="published")
    row.owner_id = owner.id
    db.session.flush()
    about, _ = reports.create(report_data(innovation=row.id, category="kesehatan"))
    db.session.refresh(about)
    assert reports.suggest(about) == owner
    walk_to(about, "verified", curator, dinsos)
    summary = reports.about_innovation(row.id)
    assert summary["count"] == 1 and summary["categories"] == [("kesehatan", 1)]
    assert curator.role == CURATOR


def test_stats_by_category_kind_and_month(ctx):
    curator, dinsos, _ = people()
    on_time, _ = reports.create(report_data(), now=days_ago(10))
    walk_to(on_time, "closed", curator, dinsos, now=days_ago(9.5))
    late, _ = reports.create(report_data(kind="aspirasi", category="kesehatan"), now=days_ago(8))
    walk_to(late, "disposed", curator, dinsos, now=days_ago(6))
    waiting, _ = reports.create(report_data(), now=days_ago(0.1))
    figures = reports.stats()
    assert figures["total"] == 3 and figures["followed_up"] == 1
    assert figures["followed_up_share"] == round(1 / 3, 3)
    assert figures["by_category"] == {"bantuan-sosial": 2, "kesehatan": 1}
    assert figures["by_kind"] == {"pengaduan": 2, "aspirasi": 1}
    assert figures["disposed_on_time_share"] == 0.5  # one on time, one late
    assert figures["responded_on_time_share"] == 0.5  # one on time, one still open and late
    assert figures["median_dispose_hours"] is not None
    assert figures["median_response_hours"] == 12.0
    assert sum(m["total"] for m in figures["by_month"]) == 3
    assert waiting.status == "received"


def test_photos_lose_their_exif_and_wrong_files_are_refused(ctx):
    data = exif_jpeg()
    report, _ = reports.create(report_data(), files=[reports.FileIn(io.BytesIO(data), "foto.jpg")])
    [photo] = report.attachments
    stored = attachments.path_of(photo).read_bytes()  # type: ignore[arg-type]
    assert b"GPSLatitude" not in stored and b"Kamera Budi" not in stored
    assert stored.startswith(b"\xff\xd8") and stored.endswith(b"\x12\x34\x56\xff\xd9")
    with pytest.raises(reports.Invalid) as wrong:
        reports.create(report_data(), files=[reports.FileIn(io.BytesIO(b"MZ\x90"), "a.jpg")])
    assert wrong.value.param == "attachment" and wrong.value.status == 400
    big = b"%PDF-" + b"0" * (6 * 1024 * 1024)
    with pytest.raises(reports.Invalid) as too_big:
        reports.create(report_data(), files=[reports.FileIn(io.BytesIO(big), "a.pdf")])
    assert too_big.value.status == 413
