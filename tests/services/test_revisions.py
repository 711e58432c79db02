"""Owners' updates of published innovations: held for review, then published or rejected."""

from __future__ import annotations

import pytest

from registry.extensions import db
from registry.models import SlugRedirect
from registry.services import catalogue, review, revisions
from registry.services.validation import ValidationError
from tests.accounts_helpers import make_user


@pytest.fixture
def published(ctx, innovation_data):
    owner = make_user("instansi@example.org")
    curator = make_user("kurator@example.org", "curator", org=None)
    row = review.create_submission(innovation_data(), owner=owner)
    review.decide(row, "publish", actor=curator)
    db.session.commit()
    return owner, curator, row


def test_an_update_waits_and_the_published_version_stays(published):
    owner, curator, row = published
    old_title, old_slug = row.title, row.slug
    fields = revisions.propose(
        row, {"title": "Antar Obat Isoman Kota Bandung", "results": "2.000 paket"}, actor=owner
    )
    db.session.commit()
    assert fields == ["results", "title"]
    assert row.title == old_title and row.slug == old_slug and row.status == "published"
    assert row.pending_changes == {
        "title": "Antar Obat Isoman Kota Bandung",
        "results": "2.000 paket",
    }
    assert revisions.pending() == [row]
    assert row.events[-1].details == {"revision": "submitted", "fields": ["results", "title"]}

    event = revisions.publish(row, actor=curator, note="Terima kasih")
    db.session.commit()
    assert row.title == "Antar Obat Isoman Kota Bandung" and row.results == "2.000 paket"
    assert row.slug != old_slug
    assert db.session.get_one(SlugRedirect, old_slug).innovation_id == row.id
    assert catalogue.get_by_slug(old_slug) == (row, True)
    assert row.pending_changes is None and revisions.pending() == []
    assert event.details is not None
    assert event.details["revision"] == "published" and event.note == "Terima kasih"
    assert event.actor == curator.email
    assert [k for k, _ in revisions.public_history(row)] == ["published", "updated"]


def test_a_rejected_update_changes_nothing_and_needs_a_note(published):
    owner, curator, row = published
    revisions.propose(row, {"summary": "Ringkasan baru yang lebih pendek."}, actor=owner)
    db.session.commit()
    with pytest.raises(ValidationError):
        revisions.reject(row, actor=curator, note="")
    event = revisions.reject(row, actor=curator, note="Tidak sesuai bukti.")
    db.session.commit()
    assert row.summary.startswith("Puskesmas mengantar obat")
    assert row.pending_changes is None
    assert event.details == {"revision": "rejected", "fields": ["summary"]}
    with pytest.raises(review.Conflict):
        revisions.publish(row, actor=curator)


def test_only_the_owner_proposes_only_curators_decide_and_bad_data_is_refused(published):
    owner, curator, row = published
    other = make_user("lain@example.org", org="Lain")
    with pytest.raises(review.Forbidden):
        revisions.propose(row, {"title": "Bukan milikku"}, actor=other)
    with pytest.raises(ValidationError) as info:
        revisions.propose(row, {"sectors": ["tidak-ada"], "summary": ""}, actor=owner)
    assert set(info.value.errors) == {"sectors", "summary"}
    with pytest.raises(ValidationError):
        revisions.propose(row, {"title": row.title}, actor=owner)  # nothing changed
    revisions.propose(row, {"unit": "Puskesmas Garuda Baru"}, actor=owner)
    with pytest.raises(review.Forbidden):
        revisions.publish(row, actor=owner)
    revisions.withdraw(row, actor=owner)
    assert row.pending_changes is None and row.unit == "Puskesmas Garuda"


def test_review_sla_figures_ignore_updates(published):
    owner, curator, row = published
    before = review.compliance()
    revisions.propose(row, {"unit": "Unit baru"}, actor=owner)
    revisions.publish(row, actor=curator)
    db.session.commit()
    assert review.compliance() == before
    assert review.sla_for(row).decided_at is not None
