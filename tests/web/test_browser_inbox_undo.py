"""The inbox's r key in a real browser: it asks the reason at the card (nothing is decided until
one is chosen), a toast offers "Batalkan" and u undoes the decision (the label is withdrawn),
and on a phone the bulk bar stays on screen with the number picked (issue 15, item 1)."""

from __future__ import annotations

from typing import Any

from registry.extensions import db
from registry.models import Candidate
from registry.services import curation
from tests.browser_helpers import ACTIVE, shot
from tests.web.test_browser_inbox import (  # noqa: F401 (fixtures)
    DESKTOP,
    PHONE,
    browser,
    candidate_ids,
    curator_page,
    live_server,
    press,
    selected,
)


def status(app: Any, candidate_id: int) -> tuple[str, str]:
    with app.app_context():
        candidate = db.session.get_one(Candidate, candidate_id)
        return candidate.status, candidate.reason


def test_r_asks_the_reason_at_the_card_and_u_undoes(live_server, browser):  # noqa: F811
    base, app = live_server
    page = curator_page(browser, base, DESKTOP)
    page.goto(f"{base}/curate/inbox/")
    press(page, "j")
    top = selected(page)

    # r asks at the card: its reason list takes the focus, nothing is decided
    press(page, "r")
    assert page.evaluate(ACTIVE) == f"reason-{top}"
    assert page.is_visible(f"#candidate-{top} [data-ask-hint]")
    shot(page, "inbox-undo-asking")
    assert status(app, top) == ("new", "")
    # Escape goes back to the card, still undecided
    press(page, "Escape")
    assert selected(page) == top and status(app, top) == ("new", "")

    # r then 3 rejects it as spam (the third reason); the toast offers the undo
    press(page, "r", "3")
    toast = page.wait_for_selector("#undo-toast")
    assert "1 kandidat diputuskan." in toast.inner_text() and "Batalkan" in toast.inner_text()
    assert status(app, top) == ("rejected", "spam")
    shot(page, "inbox-undo-toast")

    # u undoes it: back in the inbox, and the label it gave is withdrawn
    press(page, "u")
    page.wait_for_selector("text=1 kandidat dibuka kembali.")
    assert status(app, top) == ("new", "")
    with app.app_context():
        assert list(curation.training_rows()) == []
    assert page.dialogs == []


def test_the_bulk_bar_stays_on_a_phone_screen_with_the_count(live_server, browser):  # noqa: F811
    base, app = live_server
    ids = candidate_ids(app)
    page = curator_page(browser, base, PHONE)
    page.goto(f"{base}/curate/inbox/")
    # the filters are folded away: the first card starts within the first screen
    first = page.evaluate(
        "() => document.querySelector('[data-candidate]').getBoundingClientRect().top"
    )
    assert first < 900, first
    press(page, "j", "x", "j", "x")
    assert page.inner_text("#picked-count") == "2 dipilih"
    page.evaluate("() => window.scrollTo(0, 0)")
    page.keyboard.press("j")  # the selection (and the window) stay near the top of the list
    box = page.evaluate(
        "() => { const r = document.getElementById('bulk').getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, height: innerHeight}; }"
    )
    assert 0 <= box["top"] < box["height"] and box["bottom"] <= box["height"] + 1, box
    shot(page, "inbox-undo-phone-bulk")
    # r with picks asks for the reason in the bar; choosing one rejects both
    press(page, "r")
    assert page.evaluate(ACTIVE) == "reason"
    press(page, "2")
    page.wait_for_selector("text=2 kandidat diputuskan.")
    decided = [k for k, v in ids.items() if status(app, v) == ("rejected", "off-topic")]
    assert len(decided) == 2
