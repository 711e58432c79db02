"""A draft approved from a harvested post, in a real browser: its curator sees the posts and
what still blocks publication; publishing is refused with the fields named until the curator
rewrites them, and the public page then shows no post text or handle (issue 15, item 2).

Screenshots go to test-artifacts/browser/drafts-*.png (git-ignored).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from registry.extensions import db
from registry.models import Candidate, Innovation, User
from registry.services import catalogue, curation, review
from tests.browser_helpers import shot
from tests.web.test_browser_inbox import (  # noqa: F401 (fixtures)
    CURATOR,
    DESKTOP,
    POSTS,
    browser,
    candidate_ids,
    curator_page,
    live_server,
)


def approved_and_submitted(app: Any, candidate_id: int) -> tuple[int, str]:
    with app.app_context():
        curator = db.session.scalars(select(User).where(User.email == CURATOR)).one()
        [result] = curation.decide([{"id": candidate_id, "decision": "approve"}], curator)
        innovation = db.session.get_one(Innovation, result["innovation_id"])
        catalogue.update(innovation, {"innovator_name": "Pemkot Bandung"}, actor=curator)
        review.submit(innovation, actor=curator)
        handle = db.session.get_one(Candidate, candidate_id).posts[0].author_handle
        db.session.commit()
        return innovation.id, handle


def test_a_harvested_draft_is_published_only_after_rewriting(live_server, browser):  # noqa: F811
    base, app = live_server
    ids = candidate_ids(app)
    innovation_id, handle = approved_and_submitted(app, ids["antar-obat"])
    page = curator_page(browser, base, DESKTOP)

    # the curator's view: the posts (theirs only) and what blocks publication
    page.goto(f"{base}/curate/{innovation_id}")
    posts = page.inner_text("#source-posts")
    assert "hanya kurator" in posts and f"@{handle}" in posts
    assert POSTS["antar-obat"][:40] in posts
    assert "Judul:" in page.inner_text("#publish-blockers")

    page.select_option("#decision", "publish")
    page.click("form.form button[type=submit]")
    errors = page.inner_text(".error-box")
    assert "Judul: Masih berisi teks isian otomatis" in errors
    assert "Ringkasan: Masih berisi teks isian otomatis" in errors
    shot(page, "drafts-refused", full_page=True)
    with app.app_context():
        assert db.session.get_one(Innovation, innovation_id).status == "submitted"

    # the curator rewrites the title and summary in the form, then publishes
    page.goto(f"{base}/my/{innovation_id}/edit")
    page.fill("#title", "Layanan antar obat untuk warga isoman di Kota Bandung")
    page.fill("#summary", "Warga yang isolasi mandiri memesan obat, relawan mengantarnya.")
    page.click("button[name=action][value=submit]")
    page.goto(f"{base}/curate/{innovation_id}")
    assert page.locator("#publish-blockers").count() == 0
    page.select_option("#decision", "publish")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/curate/")
    with app.app_context():
        innovation = db.session.get_one(Innovation, innovation_id)
        assert innovation.status == "published"
        slug = innovation.slug
    page.goto(f"{base}/innovations/{slug}")
    public = page.inner_text("main")
    assert handle not in public and "WhatsApp" not in public and "social.example" not in public
    shot(page, "drafts-published", full_page=True)
    assert page.dialogs == []
