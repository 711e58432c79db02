from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from registry.extensions import db
from registry.models import Innovation
from registry.services import catalogue, review
from registry.services.validation import ValidationError
from tests.accounts_helpers import make_user

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 08:00 in Jakarta


def at(**delta: float):
    return time_machine.travel(T0 + dt.timedelta(**delta), tick=False)


@pytest.fixture
def people(ctx):
    return make_user("instansi@example.org"), make_user("kurator@example.org", "curator", org=None)


def submit_at(owner, innovation_data, **delta):
    with at(**delta):
        row = review.create_submission(innovation_data(), owner=owner)
        db.session.commit()
    return row


def decide_at(row, decision, curator, note="", **delta):
    with at(**delta):
        review.decide(row, decision, actor=curator, note=note)
        db.session.commit()


def test_audit_trail_complete_from_draft_to_published(people, innovation_data):
    owner, curator = people
    with at(hours=0):
        row = review.create_submission(
            {"title": innovation_data()["title"], "summary": "draf"}, owner=owner, draft=True
        )
        review.edit_submission(row, innovation_data(), actor=owner)
        review.submit(row, actor=owner)
        db.session.commit()
    decide_at(row, "acknowledge", curator, hours=2)
    decide_at(row, "request_revision", curator, note="Tambahkan hasil.", hours=5)
    with at(hours=30):
        review.edit_submission(row, {"results": "2.000 paket"}, actor=owner)
        review.submit(row, actor=owner)
        db.session.commit()
    decide_at(row, "publish", curator, hours=33)
    steps = [(e.from_status, e.to_status, e.actor) for e in row.events]
    assert steps == [
        (None, "draft", owner.email),
        ("draft", "draft", owner.email),  # edited
        ("draft", "submitted", owner.email),
        ("submitted", "in_review", curator.email),
        ("in_review", "revision_requested", curator.email),
        ("revision_requested", "revision_requested", owner.email),  # edited
        ("revision_requested", "submitted", owner.email),
        ("submitted", "published", curator.email),
    ]
    assert all(e.actor_id in (owner.id, curator.id) for e in row.events)
    assert row.events[4].note == "Tambahkan hasil."
    assert row.owner_id == owner.id and row.status == "published"


def test_sla_on_time(people, innovation_data):
    owner, curator = people
    row = submit_at(owner, innovation_data)
    decide_at(row, "acknowledge", curator, hours=2)
    decide_at(row, "publish", curator, hours=26)
    with at(days=10):
        figures = review.compliance()
    assert figures["acknowledged"] == 1 and figures["acknowledged_on_time"] == 1
    assert figures["decided"] == 1 and figures["decided_on_time"] == 1
    assert figures["acknowledged_on_time_share"] == 1.0
    assert figures["median_ack_hours"] == 2.0 and figures["median_decision_hours"] == 26.0
    assert figures["open"] == 0


def test_sla_late(people, innovation_data):
    owner, curator = people
    row = submit_at(owner, innovation_data)
    decide_at(row, "acknowledge", curator, hours=30)  # due after 24 h
    decide_at(row, "reject", curator, note="Bukan inovasi.", days=4)  # due after 3 days
    with at(days=10):
        figures = review.compliance()
        sla = review.sla_for(row)
    assert figures["acknowledged"] == 1 and figures["acknowledged_on_time"] == 0
    assert figures["decided"] == 1 and figures["decided_on_time"] == 0
    assert figures["decided_on_time_share"] == 0.0
    assert sla.ack_late and sla.decision_late
    assert sla.ack_due == (T0 + dt.timedelta(days=1)).replace(tzinfo=None)
    assert sla.decision_due == (T0 + dt.timedelta(days=3)).replace(tzinfo=None)


def test_clock_stops_while_revision_requested(people, innovation_data):
    owner, curator = people
    row = submit_at(owner, innovation_data)
    decide_at(row, "request_revision", curator, note="Lengkapi.", hours=48)  # 2 days used
    with at(days=20):  # the submitter takes 18 days: not counted
        assert review.sla_for(row).decision_due is None
        review.submit(row, actor=owner)
        db.session.commit()
        sla = review.sla_for(row)
    # the second cycle: acknowledgement due a day after resubmission, decision when 1 day is left
    assert sla.ack_due == (T0 + dt.timedelta(days=21)).replace(tzinfo=None)
    assert sla.decision_due == (T0 + dt.timedelta(days=21)).replace(tzinfo=None)
    decide_at(row, "publish", curator, days=20, hours=12)
    with at(days=30):
        figures = review.compliance()
    assert figures["decided_on_time"] == 1 and figures["median_decision_hours"] == 60.0
    assert figures["acknowledged"] == 2 and figures["acknowledged_on_time"] == 1  # 48 h was late


def test_open_items_overdue_and_queue_order(people, innovation_data):
    owner, curator = people
    old = submit_at(owner, innovation_data, hours=0)
    new = submit_at(owner, lambda: innovation_data(title="Inovasi Lain Sekali"), hours=20)
    reviewing = submit_at(owner, lambda: innovation_data(title="Yang Ketiga"), hours=1)
    decide_at(reviewing, "acknowledge", curator, hours=2)
    with at(hours=30):
        figures = review.compliance()
        order = [row.id for row, _ in review.queue()]
    assert figures["open"] == 3 and figures["overdue_ack"] == 1
    assert figures["overdue_decision"] == 0
    # old: ack due at 24 h (late); new: ack due at 44 h; reviewing: decision due at 73 h
    assert order == [old.id, new.id, reviewing.id]


def test_imports_published_directly_are_not_counted(people, innovation_data):
    catalogue.create(innovation_data(), actor="cli", status="published")
    db.session.commit()
    figures = review.compliance()
    assert figures["acknowledged"] == 0 and figures["decided"] == 0


def test_decision_on_decided_submission_conflicts(people, innovation_data):
    owner, curator = people
    row = submit_at(owner, innovation_data)
    decide_at(row, "publish", curator, hours=1)
    before = len(row.events)
    with pytest.raises(review.Conflict):
        review.decide(row, "reject", actor=curator, note="x")
    with pytest.raises(review.Conflict):
        review.decide(row, "acknowledge", actor=curator)
    assert row.status == "published" and len(row.events) == before


def test_only_curators_decide_and_notes_required(people, innovation_data):
    owner, curator = people
    row = submit_at(owner, innovation_data)
    with pytest.raises(review.Forbidden):
        review.decide(row, "publish", actor=owner)
    with pytest.raises(ValidationError) as info:
        review.decide(row, "reject", actor=curator)
    assert "note" in info.value.errors
    with pytest.raises(ValidationError):
        review.decide(row, "approve", actor=curator)
    assert row.status == "submitted"


def test_duplicate_submission_twice_in_a_row(people, innovation_data):
    owner, _ = people
    first = submit_at(owner, innovation_data)
    with pytest.raises(review.Conflict) as info:
        review.create_submission(innovation_data(), owner=owner)
    assert info.value.existing_id == first.id
    assert db.session.query(Innovation).count() == 1


def test_closed_campaign_refuses(people, innovation_data):
    owner, _ = people
    with pytest.raises(catalogue.CampaignClosed) as info:
        review.create_submission(innovation_data(campaign="COVID-19 2020"), owner=owner)
    assert "closed" in info.value.errors["campaign"]


def test_bulk_decisions_report_each(people, innovation_data):
    owner, curator = people
    a = submit_at(owner, innovation_data)
    b = submit_at(owner, lambda: innovation_data(title="Kedua"))
    decide_at(b, "publish", curator, hours=1)
    results = review.decide_many([a.id, b.id, 999], "acknowledge", actor=curator)
    db.session.commit()
    assert [r["status"] for r in results] == [200, 409, 404]
    assert a.status == "in_review" and b.status == "published"
