"""The search page on a phone, in a real browser (issue 15, item 8): the filters fold behind
"Saring (n)", the applied ones show as chips above the results, and the first result starts
within the first 900 px at 390x844; on a desktop the filters stand open and apply as they change.
"""

from __future__ import annotations

from typing import Any

from registry import taxonomy
from registry.extensions import db
from registry.services import catalogue
from tests.browser_helpers import shot
from tests.conftest import make_innovation_data
from tests.web.test_browser import live_server  # noqa: F401 (fixture)
from tests.web.test_browser_inbox import DESKTOP, PHONE, browser  # noqa: F401 (fixture)

FIRST_RESULT_TOP = "() => document.querySelector('.cards-list .card').getBoundingClientRect().top"


def catalogue_of_many(app: Any) -> None:
    """Enough innovations, in every sector and many provinces, for 40-odd filter boxes."""
    provinces = [p.code for p in taxonomy.provinces()][:12]
    with app.app_context():
        for n, sector in enumerate(list(taxonomy.SECTORS) * 2):
            catalogue.create(
                make_innovation_data(
                    title=f"Inovasi nomor {n + 1} bidang {sector}",
                    sectors=[sector],
                    province=provinces[n % len(provinces)],
                    regency=None,
                    started_on=f"{2020 + n % 3}-0{1 + n % 9}-01",
                ),
                actor="test",
                status="published",
            )
        db.session.commit()


def test_search_on_a_phone_shows_the_first_result_high(live_server, browser):  # noqa: F811
    base, app = live_server
    catalogue_of_many(app)
    page = browser.new_context(viewport=PHONE, locale="id-ID").new_page()
    page.goto(f"{base}/search")
    assert page.locator(".filters-toggle").is_visible()
    assert page.evaluate("() => document.getElementById('filters').open") is False
    boxes = page.locator(".facet input[type=checkbox]").count()
    assert boxes >= 30, boxes
    top = page.evaluate(FIRST_RESULT_TOP)
    assert top < 900, top
    shot(page, "search-phone")

    page.goto(f"{base}/search?sector=kesehatan&sector=pangan")
    assert page.inner_text(".filters-toggle").strip() == "Saring (2)"
    chips = page.locator(".chips .chip")
    assert chips.count() == 2 and "Sektor: Kesehatan" in chips.first.inner_text()
    assert page.evaluate(FIRST_RESULT_TOP) < 900
    chips.first.click()  # removing one filter keeps the other
    page.wait_for_url("**/search?sector=pangan")
    shot(page, "search-phone-chips")


def test_search_filters_on_a_desktop_apply_as_they_change(live_server, browser):  # noqa: F811
    base, app = live_server
    catalogue_of_many(app)
    page = browser.new_context(viewport=DESKTOP, locale="id-ID").new_page()
    page.goto(f"{base}/search")
    assert page.evaluate("() => document.getElementById('filters').open") is True
    apply_top = page.locator(".filter-actions-top button").bounding_box()
    assert apply_top is not None and apply_top["y"] < DESKTOP["height"]
    page.check("#filters input[name=sector][value=pendidikan]")
    page.wait_for_url("**/search?*sector=pendidikan")
    assert "Sektor: Pendidikan" in page.inner_text(".chips")
