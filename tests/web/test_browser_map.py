"""The map pages in a real browser: axe-core finds no accessibility violation at desktop and
phone widths, and the keyboard reaches the regions (Playwright driving Debian's Chromium;
axe-core from the axe-playwright-python package). Skips without them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from registry.extensions import db
from tests.conftest import make_innovation_data
from tests.map_helpers import make_catalogue
from tests.web.test_browser import ARTIFACTS, CHROMIUM, live_server  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("axe_playwright_python", reason="axe-core comes with axe-playwright-python")

AXE = Path(str(resources.files("axe_playwright_python") / "axe.min.js"))
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PAGES = ("/peta", "/peta/32", "/peta/32?sector=bantuan-sosial&lang=en", "/stats")


def violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, "
        "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def test_map_pages_pass_axe_and_work_by_keyboard(live_server):  # noqa: F811
    base, app = live_server
    with app.app_context():
        make_catalogue(make_innovation_data)
        db.session.commit()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            for name, (width, height) in WIDTHS.items():
                # the page's CSP forbids inline scripts: let the test inject axe
                context = browser.new_context(
                    viewport={"width": width, "height": height}, bypass_csp=True
                )
                page = context.new_page()
                for path in PAGES:
                    page.goto(base + path)
                    found = violations(page)
                    assert found == [], (name, path, found)
                page.goto(base + "/peta")
                page.screenshot(path=str(ARTIFACTS / f"map-{name}.png"), full_page=True)
                # Tab through the page until a region of the map has the focus
                code = None
                for _ in range(80):
                    page.keyboard.press("Tab")
                    code = page.evaluate(
                        "() => document.activeElement && document.activeElement.closest('svg')"
                        " ? document.activeElement.getAttribute('data-code') : null"
                    )
                    if code:
                        break
                assert code is not None, "the keyboard never reached a region of the map"
                page.keyboard.press("Enter")
                page.wait_for_url(f"**/search?province={code}")
                context.close()
        finally:
            browser.close()
