"""The demo loads once per instance and never undoes a curator's decision (issue 15, item 4)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Candidate, Innovation, User
from registry.services import catalogue, curation, review
from registry.services import demo as cli
from registry.services.demo import DEMO_CURATOR, DEMO_INSTITUTION


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _count() -> int:
    return db.session.scalar(select(func.count(Innovation.id))) or 0


def test_a_second_demo_keeps_every_decision(ctx):
    cli.load_demo()
    curator = _user(DEMO_CURATOR[0])
    institution = _user(DEMO_INSTITUTION[0])
    submission = db.session.scalars(
        select(Innovation).where(Innovation.owner_id == institution.id).order_by(Innovation.id)
    ).first()
    assert submission is not None
    review.decide(submission, "reject", actor=curator, note="bukan inovasi")
    published = db.session.scalars(
        select(Innovation).where(Innovation.status == "published").order_by(Innovation.id)
    ).first()
    assert published is not None
    catalogue.transition(published, "withdrawn", actor=curator)
    candidate = db.session.scalars(select(Candidate).order_by(Candidate.id)).first()
    assert candidate is not None
    curation.decide([{"id": candidate.id, "decision": "reject", "reason": "spam"}], curator)
    db.session.commit()
    innovations, candidates = _count(), db.session.scalar(select(func.count(Candidate.id)))

    def unchanged() -> None:
        db.session.expire_all()
        assert db.session.get_one(Innovation, submission.id).status == "rejected"
        assert db.session.get_one(Innovation, published.id).status == "withdrawn"
        assert db.session.get_one(Candidate, candidate.id).status == "rejected"
        assert _count() == innovations
        assert db.session.scalar(select(func.count(Candidate.id))) == candidates

    assert cli.load_demo() == {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
    unchanged()
    # without the marker (an older instance) only what is missing is added: nothing here
    marker = Path(current_app.config["INSTANCE_DIR"]) / cli.DEMO_MARKER
    marker.unlink()
    totals = cli.load_demo()
    assert totals["created"] == 0 and totals["updated"] == 0 and totals["unchanged"] > 0
    unchanged()
    assert marker.is_file()
