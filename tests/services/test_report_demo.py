"""The demo's reports: every category, island group and state, some overdue, loaded once."""

from __future__ import annotations

from registry.extensions import db
from registry.models import Report
from registry.services import report_demo, reports
from tests.accounts_helpers import make_user


def test_demo_reports_cover_every_category_group_and_state(ctx):
    curator = make_user("kurator@example.org", "curator", org=None)
    institution = make_user("instansi@example.org", "institution")
    assert report_demo.load(curator, institution) == report_demo.COUNT
    db.session.commit()
    rows = db.session.query(Report).all()
    assert len(rows) == report_demo.COUNT
    assert {r.category for r in rows} == set(reports.CATEGORIES)
    assert {r.kind for r in rows} == set(reports.KINDS)
    assert {r.status for r in rows} == set(reports.STATUSES)
    groups = {
        name
        for name, codes in report_demo.PROVINCE_GROUPS.items()
        if any(r.province_code in codes for r in rows)
    }
    assert groups == set(report_demo.PROVINCE_GROUPS)
    assert reports.overdue_count() > 0
    assert any(r.anonymous for r in rows) and any(r.confidential for r in rows)
    # the demo institution login has reports waiting in its queue
    assert reports.institution_queue(institution).total > 0
    assert reports.stats()["followed_up"] > 0
    assert report_demo.load(curator, institution) == 0  # a rerun adds nothing
