"""`registry classify train` learns from every curator decision in the database."""

from __future__ import annotations

import json

from registry.extensions import db
from registry.services import curation
from tests.accounts_helpers import make_user
from tests.curation_helpers import make_candidate


def test_train_includes_curator_decisions(app):
    with app.app_context():
        curator = make_user("kurator@example.org", role="curator", org=None)
        approved = make_candidate()
        rejected = make_candidate("Kasus positif hari ini naik 120 orang, tetap pakai masker ya")
        duplicate = make_candidate("Kasus positif hari ini naik 120 orang!!")
        results = curation.decide(
            [
                {"id": approved.id, "decision": "approve"},
                {"id": rejected.id, "decision": "reject", "reason": "not-innovation"},
                {"id": duplicate.id, "decision": "reject", "reason": "duplicate"},
            ],
            curator,
        )
        assert [r["status"] for r in results] == [200, 200, 200]
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["classify", "train"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[: result.output.rindex("}") + 1])
    # a duplicate gives no label: two rows from the curators
    assert report["data"]["sources"]["extra"] == 2
    assert report["data"]["sources"]["seed"] >= 1500
    # the same default data as `registry init`: the shipped real posts too
    assert report["data"]["sources"]["real"] == 1050
