from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import Innovation, ReviewEvent
from registry.services import catalogue, indexing
from registry.services.validation import ValidationError, clean


def test_create_published_records_full_audit_trail(ctx, innovation_data):
    row = catalogue.create(innovation_data(), actor="tester", status="published")
    db.session.commit()
    steps = [(e.from_status, e.to_status) for e in row.events]
    assert steps == [(None, "draft"), ("draft", "submitted"), ("submitted", "published")]
    assert row.published_at is not None and row.submitted_at is not None
    assert row.sectors == ["kesehatan"]
    assert row.province_code == "32" and row.regency_code == "32.73"


def test_index_follows_commit_not_flush(ctx, innovation_data):
    row = catalogue.create(innovation_data(), actor="t", status="published")
    assert row.id not in indexing.get_index().stamps()  # flushed, not committed
    db.session.commit()
    assert row.id in indexing.get_index().stamps()
    catalogue.transition(row, "withdrawn", actor="t")
    db.session.rollback()
    assert row.id in indexing.get_index().stamps()  # rolled back: still published
    row = db.session.get_one(Innovation, row.id)
    catalogue.transition(row, "withdrawn", actor="t")
    db.session.commit()
    assert row.id not in indexing.get_index().stamps()


def test_slugs_are_unique_and_old_slug_redirects(ctx, innovation_data):
    a = catalogue.create(innovation_data(), actor="t", status="published")
    b = catalogue.create(innovation_data(), actor="t", status="published")
    assert a.slug != b.slug and b.slug.startswith(a.slug)
    old = a.slug
    assert catalogue.update(a, {"title": "Antar Obat Isoman Kota Bandung"}, actor="t")
    db.session.commit()
    found, moved = catalogue.get_by_slug(old)
    assert found is not None and found.id == a.id and moved


def test_update_without_change_is_not_an_event(ctx, innovation_data):
    row = catalogue.create(innovation_data(), actor="t", status="published")
    before = len(row.events)
    assert catalogue.update(row, innovation_data(), actor="t") is False
    assert len(row.events) == before


def test_workflow_refuses_illegal_transition(ctx, innovation_data):
    row = catalogue.create(innovation_data(), actor="t")
    with pytest.raises(catalogue.WorkflowError):
        catalogue.transition(row, "published", actor="t")
    assert row.status == "draft"


def test_draft_may_be_incomplete_but_submission_may_not(ctx):
    row = catalogue.create({"title": "Ide awal"}, actor="t")
    assert row.status == "draft"
    with pytest.raises(ValidationError) as err:
        catalogue.transition(row, "submitted", actor="t")
    assert {"summary", "sectors", "focus", "province"} <= set(err.value.errors)


def test_closed_campaign_refuses_new_submission(ctx, innovation_data):
    with pytest.raises(catalogue.CampaignClosed) as err:
        catalogue.create(innovation_data(campaign="COVID-19 2020"), actor="t", status="submitted")
    assert "closed" in err.value.errors["campaign"]
    historical = catalogue.create(
        innovation_data(campaign="COVID-19 2020"),
        actor="import",
        status="published",
        allow_closed_campaign=True,
    )
    assert historical.campaign is not None and historical.campaign.name == "COVID-19 2020"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("summary", "kata " * 10_000, "at most 200 words"),
        ("started_on", (dt.date.today() + dt.timedelta(days=3)).isoformat(), "future"),
        ("started_on", "01/04/2020", "YYYY-MM-DD"),
        ("province", "99", "unknown province"),
        ("regency", "32.99", "unknown regency"),
        ("sectors", ["kesehatan", "astrologi"], "unknown sector"),
        ("focus", "cepat", "unknown focus"),
        ("links", ["javascript:alert(1)"], "not a web address"),
        ("contact_email", "nobody", "not an email"),
    ],
)
def test_validation_messages(ctx, innovation_data, field, value, message):
    with pytest.raises(ValidationError) as err:
        clean(innovation_data(**{field: value}), require_complete=True)
    assert message in err.value.errors[field]


def test_regions_accept_names_and_old_codes(ctx, innovation_data):
    values = clean(
        innovation_data(province="West Java", regency="Kota Bandung"), require_complete=True
    )
    assert values["province"] == "32" and values["regency"] == "32.73"
    with pytest.raises(ValidationError) as err:
        clean(innovation_data(province="33", regency="32.73"), require_complete=True)
    assert "not in province" in err.value.errors["regency"]


def test_events_are_stored(ctx, innovation_data):
    row = catalogue.create(innovation_data(), actor="alice", status="submitted")
    db.session.commit()
    actors = db.session.scalars(
        select(ReviewEvent.actor).where(ReviewEvent.innovation_id == row.id)
    ).all()
    assert actors == ["alice", "alice"]


def test_sync_of_more_ids_than_one_batch_keeps_them_all(ctx, innovation_data, monkeypatch):
    monkeypatch.setattr(indexing, "BATCH", 2)
    rows = [
        catalogue.create(innovation_data(title=f"Inovasi nomor {n}"), actor="t", status="published")
        for n in range(5)
    ]
    db.session.commit()
    indexing.sync_ids([r.id for r in rows])
    assert {r.id for r in rows} <= set(indexing.get_index().stamps())
