"""A form's error summary in a real browser, in Indonesian and English (issue 15, item 5): after
a failed sign-up the summary at the top has the focus, names each problem in the reader's
language, and its links take the focus to the field, which is marked."""

from __future__ import annotations

import pytest

from tests.browser_helpers import ACTIVE, shot
from tests.web.test_browser_inbox import (  # noqa: F401 (fixtures)
    PHONE,
    browser,
    live_server,
)


@pytest.mark.parametrize(
    ("lang", "title", "required"),
    [
        ("id", "Ada masalah", "Wajib diisi."),
        ("en", "There is a problem", "This field is required."),
    ],
)
def test_the_error_summary_takes_the_focus_and_links_to_fields(
    live_server,  # noqa: F811
    browser,  # noqa: F811
    lang,
    title,
    required,
):
    base, _ = live_server
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{base}/signup?lang={lang}")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#error-summary")
    # the browser runs autofocus at its next rendering step, after the element exists
    page.wait_for_function("() => document.activeElement.id === 'error-summary'", timeout=5000)
    assert page.evaluate(ACTIVE) == "error-summary"
    summary = page.inner_text("#error-summary")
    assert title in summary and required in summary
    if lang == "id":
        assert "This field is required" not in page.inner_text("main")
    shot(page, f"forms-signup-{lang}")
    page.click("#error-summary a[href='#organization']")
    assert page.evaluate(ACTIVE) == "organization"
    assert page.get_attribute("#organization", "aria-invalid") == "true"
    marked = page.eval_on_selector(
        "#field-organization", "f => getComputedStyle(f).borderLeftStyle"
    )
    assert marked == "solid"
