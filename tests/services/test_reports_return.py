"""An institution returns a report as not theirs: back to the curators with the reason."""

from __future__ import annotations

import pytest

from registry.extensions import db
from registry.services import reports
from tests.reports_helpers import days_ago, people, report_data, walk_to


def test_the_institution_returns_a_report_to_the_curators(ctx):
    curator, dinsos, other = people()
    reports.add_route("bantuan-sosial", dinsos.email, region="32.73")
    reports.add_route("bantuan-sosial", other.email, region="32")
    report, _ = reports.create(report_data(), now=days_ago(2))
    walk_to(report, "disposed", curator, dinsos)
    # only the institution it was disposed to, only with a reason
    with pytest.raises(reports.Forbidden):
        reports.act(report, "return", actor=reports.Actor.of(other), reason="Bukan kami")
    with pytest.raises(reports.Forbidden):
        reports.act(report, "return", actor=reports.Actor.of(curator), reason="Bukan kami")
    with pytest.raises(reports.Invalid) as missing:
        reports.act(report, "return", actor=reports.Actor.of(dinsos), reason="  ")
    assert missing.value.param == "reason" and report.status == "disposed"
    event = reports.act(
        report,
        "return",
        actor=reports.Actor.of(dinsos),
        reason="Bansos provinsi, bukan kota: Dinas Sosial Provinsi Jawa Barat.",
    )
    db.session.commit()
    assert (event.action, event.from_status, event.to_status) == ("return", "disposed", "verified")
    assert event.actor_role == "institution" and event.details == {"from": dinsos.id}
    assert report.status == "verified" and report.addressee_id is None
    # late for its disposition now: it heads the curators' queue
    assert report.due_at == report.dispose_due and reports.overdue(report)
    assert reports.curator_queue(reports.Filters()).items[0] is report
    # the institution no longer has it; the suggestion skips it for the next rule
    assert report not in reports.institution_queue(dinsos).items
    with pytest.raises(reports.NotFound):
        reports.viewer_role(report, user=dinsos, secret=None)
    assert reports.returned_by(report) == {dinsos.id}
    assert reports.suggest(report) is other
    # its reason is for the curators: the reporter sees the step, not the note
    [seen] = [e for e in reports.record(report, "reporter")["events"] if e["action"] == "return"]
    assert seen["note"] == ""
    [seen] = [e for e in reports.record(report, "curator")["events"] if e["action"] == "return"]
    assert seen["note"].startswith("Bansos provinsi")
    assert "return" not in [e["action"] for e in reports.record(report, "public")["events"]]
    # re-disposed to the right one, it runs on its response clock again
    reports.act(report, "dispose", actor=reports.Actor.of(curator), to=other)
    assert report.status == "disposed" and report.addressee_id == other.id
    assert report.due_at == report.respond_due


@pytest.mark.parametrize("status", ["verified", "responded", "closed", "rejected"])
def test_only_a_disposed_report_can_be_returned(ctx, status):
    curator, dinsos, _ = people()
    report, _ = reports.create(report_data())
    walk_to(report, status, curator, dinsos)
    actor = reports.Actor.of(dinsos)
    if status in ("verified", "rejected"):
        with pytest.raises(reports.Forbidden):  # never disposed to it
            reports.act(report, "return", actor=actor, reason="Bukan kami")
    else:
        with pytest.raises(reports.Conflict):
            reports.act(report, "return", actor=actor, reason="Bukan kami")
