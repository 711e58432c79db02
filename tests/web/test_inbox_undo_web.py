"""The inbox asks a rejection's reason, offers an undo, and reopens decided candidates, without
JavaScript (issue 15, item 1)."""

from __future__ import annotations

import re

import pytest

from registry.extensions import db
from registry.models import Candidate
from tests.accounts_helpers import csrf_token, login, make_user
from tests.curation_helpers import make_candidate


@pytest.fixture
def curator_client(ctx, client):
    make_user("kurator@example.org", "curator", org=None)
    login(client, "kurator@example.org")
    return client


def _decide(client, **data):
    token = csrf_token(client, "/curate/inbox/")
    return client.post("/curate/inbox/decide", data={"csrf_token": token, **data})


def test_a_rejection_without_a_chosen_reason_is_refused(curator_client):
    candidate = make_candidate(score=1.0)
    html = curator_client.get("/curate/inbox/").get_data(as_text=True)
    # the bulk reason and the card's own have no preselected reason
    bulk = re.search(r'<select [^>]*id="reason" name="reason">\s*<option value="">', html)
    assert bulk, "the bulk reason starts empty"
    assert f'<select id="reason-{candidate.id}" name="reason-{candidate.id}"' in html
    refused = _decide(curator_client, quick=f"reject:{candidate.id}")
    assert refused.status_code == 302
    db.session.refresh(candidate)
    assert candidate.status == "new"
    assert "Pilih alasan penolakan." in curator_client.get("/curate/inbox/").get_data(as_text=True)
    # the card's own reason is used
    _decide(curator_client, quick=f"reject:{candidate.id}", **{f"reason-{candidate.id}": "spam"})
    db.session.refresh(candidate)
    assert (candidate.status, candidate.reason) == ("rejected", "spam")


def test_the_toast_offers_an_undo_that_reopens(curator_client):
    candidate = make_candidate(score=1.0)
    _decide(curator_client, quick=f"reject:{candidate.id}", **{f"reason-{candidate.id}": "spam"})
    html = curator_client.get("/curate/inbox/").get_data(as_text=True)
    toast = re.search(r'<div class="toast" id="undo-toast".*?</div>', html, re.S)
    assert toast and "1 kandidat diputuskan." in toast.group(0)
    assert "Batalkan" in toast.group(0) and f'name="ids" value="{candidate.id}"' in toast.group(0)
    token = re.findall(r'name="csrf_token" value="([^"]+)"', toast.group(0))[0]
    # once only: the next page has no toast
    assert 'id="undo-toast"' not in curator_client.get("/curate/inbox/").get_data(as_text=True)
    undone = curator_client.post(
        "/curate/inbox/reopen",
        data={"csrf_token": token, "ids": str(candidate.id), "next": "/curate/inbox/"},
    )
    assert undone.status_code == 302
    db.session.refresh(candidate)
    assert (candidate.status, candidate.reason) == ("new", "")
    page = curator_client.get(f"/curate/inbox/{candidate.id}").get_data(as_text=True)
    assert "dibuka kembali (label latihan ditarik)" in page


def test_a_decided_candidate_can_be_reopened_from_its_page(curator_client):
    candidate = make_candidate(status="new")
    _decide(curator_client, quick=f"approve:{candidate.id}")
    db.session.refresh(candidate)
    assert candidate.status == "approved"
    page = curator_client.get(f"/curate/inbox/{candidate.id}").get_data(as_text=True)
    assert 'id="reopen-form"' in page and "Buka kembali" in page
    listed = curator_client.get("/curate/inbox/?status=approved").get_data(as_text=True)
    assert f'value="reopen:{candidate.id}"' in listed
    token = csrf_token(curator_client, f"/curate/inbox/{candidate.id}")
    curator_client.post(
        "/curate/inbox/reopen", data={"csrf_token": token, "quick": f"reopen:{candidate.id}"}
    )
    db.session.expire_all()
    assert db.session.get_one(Candidate, candidate.id).status == "new"
    assert curator_client.post("/curate/inbox/reopen", data={"ids": "1"}).status_code == 400
