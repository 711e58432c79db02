"""The header and the desks' tables on a phone, in a real browser (issue 15, item 8): at 390 px
the header is one row (the brand and a "Menu" button) whose menu opens and closes from the
keyboard without JavaScript; on a desktop the menu stands open with no button; the curators'
and admins' tables become stacked cards with no sideways scroll.

Screenshots go to test-artifacts/browser/header-*.png (git-ignored).
"""

from __future__ import annotations

from typing import Any

from registry.extensions import db
from registry.services import catalogue
from tests.accounts_helpers import PASSWORD, make_user
from tests.browser_helpers import ACTIVE, shot
from tests.conftest import make_innovation_data
from tests.web.test_browser_inbox import (  # noqa: F401 (fixtures)
    CURATOR,
    DESKTOP,
    PHONE,
    SCROLL_WIDTH,
    browser,
    live_server,
)

HEADER_HEIGHT = "() => document.querySelector('.site-header').getBoundingClientRect().height"
ADMIN = "admin@example.org"


def tab_to(page: Any, element_id: str, limit: int = 10) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(ACTIVE) == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_phone_header_is_one_row_with_a_keyboard_menu(live_server, browser):  # noqa: F811
    base, _app = live_server
    # no JavaScript at all: the menu is the browser's own checkbox and CSS
    context = browser.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/")
    height = page.evaluate(HEADER_HEIGHT)
    assert height < 80, height  # one row: the brand and the button (it was 3-4 rows)
    toggle = page.get_by_role("checkbox", name="Menu")
    assert toggle.count() == 1
    assert page.locator(".menu-button").is_visible()
    nav = page.get_by_role("navigation", name="Navigasi utama")
    assert not nav.is_visible() and not page.locator(".lang").is_visible()
    shot(page, "header-phone-closed")

    tab_to(page, "menu-toggle")  # after the skip link and the brand
    page.keyboard.press("Space")
    assert nav.is_visible() and page.locator(".lang").is_visible()
    assert nav.get_by_role("link", name="Cari").is_visible()
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    shot(page, "header-phone-open")
    page.keyboard.press("Tab")  # on into the menu's links
    assert page.evaluate("() => document.activeElement.closest('.site-header') !== null")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    assert not nav.is_visible()
    context.close()


def test_desktop_header_shows_the_menu_without_a_button(live_server, browser):  # noqa: F811
    base, _app = live_server
    page = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
    page.goto(f"{base}/?lang=en")
    assert not page.locator(".menu-button").is_visible()
    assert page.get_by_role("navigation", name="Main navigation").is_visible()
    assert page.locator(".lang").is_visible()
    reached = []  # the checkbox is out of the tab order here: brand, languages, then the menu
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(ACTIVE))
    assert "menu-toggle" not in reached, reached
    shot(page, "header-desktop")


def _fill_desks(app: Any) -> None:
    with app.app_context():
        make_user(ADMIN, "admin", org=None)
        for n in range(3):
            catalogue.create(
                make_innovation_data(
                    title=f"Posko relawan tanggap darurat kelurahan nomor {n + 1}",
                    innovator_name="Dinas Komunikasi dan Informatika Kabupaten Contoh",
                ),
                actor="test",
                status="submitted",
            )
        db.session.commit()


def _login(chromium: Any, base: str, email: str) -> Any:
    page = chromium.new_context(viewport=PHONE, locale="id-ID").new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    return page


def test_desk_tables_fit_a_phone_as_cards(live_server, browser):  # noqa: F811
    base, app = live_server
    _fill_desks(app)
    page = _login(browser, base, CURATOR)
    page.goto(f"{base}/curate/")
    rows = page.locator("table.list tbody tr")
    assert rows.count() >= 3
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    # a card: its cells stack, each under its column's name
    first = rows.first
    assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
    label = first.locator("td[data-label]").first.evaluate(
        "td => getComputedStyle(td, '::before').content"
    )
    assert "Judul" in label, label
    shot(page, "header-curator-queue-phone", full_page=True)

    admin = _login(browser, base, ADMIN)
    for path in ("/admin/users", "/admin/campaigns", "/admin/sources"):
        admin.goto(f"{base}{path}")
        assert admin.evaluate(SCROLL_WIDTH) <= PHONE["width"], path
    shot(admin, "header-admin-phone", full_page=True)
