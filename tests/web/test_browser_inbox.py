"""The curator inbox in a real browser (Playwright driving Debian's Chromium), by keyboard only:
j/k move the selection, x picks, a bulk reject with a chosen reason and an approve by key; the
decided candidates leave the list and the approved one becomes a draft innovation. Harvested
text with markup is shown as text, and the pages fit a phone (390 px) without sideways scroll.

Screenshots go to test-artifacts/browser/inbox-*.png (git-ignored; CI keeps them as artifacts).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from registry.app import create_app
from registry.extensions import db
from registry.models import Candidate, CandidateDecision, Innovation, User
from registry.services.harvesting import import_archive
from registry.services.setup import initialize
from tests.accounts_helpers import PASSWORD, make_user
from tests.browser_helpers import serving

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CURATOR = "kurator@example.org"
SCRIPT = "<script>alert(1)</script>"

# one post per candidate, different enough that dedup keeps them apart
POSTS = {
    "antar-obat": "Pemkot Bandung luncurkan layanan antar obat gratis untuk warga isoman. Pesan "
    "lewat WhatsApp, obat diantar relawan ke rumah dalam sehari.",
    "dapur-umum": f"Relawan kampung Sukamaju buka dapur umum untuk warga yang isolasi mandiri, "
    f"makanan diantar dua kali sehari {SCRIPT} #relawan",
    "konsultasi": "Puskesmas Coblong membuka layanan konsultasi daring dan pendaftaran vaksinasi "
    "lewat aplikasi, warga tidak perlu antre di lokasi.",
    "promo": "PROMO masker kain 3 lapis diskon 50% hari ini saja!!! order sekarang via DM, "
    "stok terbatas https://t.co/promo",
    "kabar": "Hari ini kasus positif bertambah 120 orang. Tetap jaga jarak dan pakai masker ya "
    "teman-teman, semoga cepat berlalu.",
}

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser tests need the `playwright` package (pip)"
)
if not CHROMIUM.exists():
    pytest.skip(
        "the browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )


def write_archive(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n, (key, text) in enumerate(POSTS.items(), start=1):
            row = {
                "id": f"inbox-{key}",
                "text": text,
                "author": f"warga{n}",
                "url": f"https://social.example/warga{n}/status/{n}",
                "created_at": f"2020-05-0{n}T08:00:00Z",
                "lang": "id",
                "user_location": "Bandung",
            }
            out.write(json.dumps(row) + "\n")
    return path


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[tuple[str, Any]]:
    """A real server on the test database (SQLite, and PostgreSQL when configured), with a
    curator and an inbox imported from a small archive."""

    app = create_app(
        {
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "INDEX_DIR": str(tmp_path / "index"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "browser-test",
            "SEARCH_WRITER_TIMEOUT": 5.0,
        }
    )
    with app.app_context():
        initialize(train_model=False)
        make_user(CURATOR, "curator", org=None)
        run = import_archive(write_archive(tmp_path / "posts.jsonl"), "jsonl")
        assert run.new == len(POSTS), (run.new, run.stop_reason)
    try:
        with serving(app) as base:
            yield base, app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        search = app.extensions.get("registry.search")
        if search is not None:
            search.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def shot(page: Any, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"inbox-{name}.png"), full_page=full_page)


def curator_page(browser: Any, base: str, viewport: dict[str, int]) -> Any:
    """A logged-in curator's tab that records every JavaScript dialog (none may open)."""
    page = browser.new_context(locale="id-ID", viewport=viewport).new_page()
    page.dialogs = []

    def dismiss(dialog: Any) -> None:
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(f"{base}/login")
    page.fill("#email", CURATOR)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/curate/")
    return page


def candidate_ids(app: Any) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Candidate.id, Candidate.text)).all()
    ids = {key: next(i for i, text in rows if text.startswith(POSTS[key][:30])) for key in POSTS}
    assert len(set(ids.values())) == len(POSTS)
    return ids


def listed(page: Any) -> list[int]:
    """The candidate ids on the page, in order."""
    return [int(v) for v in page.eval_on_selector_all("[data-candidate]", CARD_IDS)]


CARD_IDS = "cards => cards.map(c => c.dataset.candidate)"
SELECTED = """() => {
  const marked = [...document.querySelectorAll('[data-candidate][aria-current="true"]')];
  const active = document.activeElement;
  return {
    marked: marked.map(c => Number(c.dataset.candidate)),
    focused: active && active.dataset ? Number(active.dataset.candidate || 0) : 0,
  };
}"""
LOOK = """card => {
  const style = getComputedStyle(card);
  return {outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
          background: style.backgroundColor};
}"""
SCROLL_WIDTH = "() => document.scrollingElement.scrollWidth"


def selected(page: Any) -> int:
    """The keyboard-selected card: exactly one marked, and it has the focus."""
    state = page.evaluate(SELECTED)
    assert len(state["marked"]) == 1 and state["focused"] == state["marked"][0], state
    return int(state["marked"][0])


def press(page: Any, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def go_to(page: Any, candidate_id: int) -> None:
    """Move the selection with j/k to a candidate (the selection starts before the first)."""
    order = listed(page)
    for _ in range(len(order) + 1):
        state = page.evaluate(SELECTED)
        here = order.index(state["marked"][0]) if state["marked"] else -1
        target = order.index(candidate_id)
        if here == target:
            break
        page.keyboard.press("j" if here < target else "k")
    assert selected(page) == candidate_id


def tab_to(page: Any, element_id: str) -> None:
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_inbox_by_keyboard(live_server, browser):
    base, app = live_server
    ids = candidate_ids(app)
    page = curator_page(browser, base, DESKTOP)
    page.goto(f"{base}/curate/inbox/")
    order = listed(page)
    assert sorted(order) == sorted(ids.values())

    # harvested markup is text: visible as typed, never run
    page.get_by_text(SCRIPT).first.wait_for()
    assert page.evaluate(
        "() => [...document.scripts].every(s => !s.textContent.includes('alert(1)'))"
    )

    # terms that raise and lower the score differ by more than colour: arrow, sign, border
    news = f"#candidate-{ids['kabar']}"
    assert "▲" in page.inner_text(f"{news} .explain-up .explain-label")
    assert "▼" in page.inner_text(f"{news} .explain-down .explain-label")
    assert page.inner_text(f"{news} .term-down .weight").startswith("-")
    borders = [
        page.eval_on_selector(f"{news} .term-{way}", "t => getComputedStyle(t).borderTopStyle")
        for way in ("up", "down")
    ]
    assert borders == ["solid", "dashed"], borders

    # j/k move the selection, which is focused and clearly marked
    press(page, "j")
    assert selected(page) == order[0]
    press(page, "j", "j")
    assert selected(page) == order[2]
    press(page, "k")
    assert selected(page) == order[1]
    look = page.eval_on_selector(f"#candidate-{order[1]}", LOOK)
    plain = page.eval_on_selector(f"#candidate-{order[0]}", LOOK)
    assert look["outline"] != "none" and look["width"] >= 2, look
    assert look["background"] != plain["background"], (look, plain)
    shot(page, "desktop-selected")

    # x picks the spam and the news post; the reason is chosen in the bulk form by keyboard,
    # Escape goes back to the list and r rejects the picked ones
    for key in ("promo", "kabar"):
        go_to(page, ids[key])
        press(page, "x")
        assert page.is_checked(f"#pick-{ids[key]}")
    assert not page.is_checked(f"#pick-{ids['antar-obat']}")
    shot(page, "desktop-picked")
    tab_to(page, "reason")
    while page.input_value("#reason") != "spam":
        press(page, "ArrowDown")
    # (the selection followed the focus through the later cards to the form)
    press(page, "Escape")
    assert selected(page) == order[-1]
    position = len(order) - 1
    press(page, "r")
    page.wait_for_selector("text=2 kandidat diputuskan")
    remaining = listed(page)
    assert ids["promo"] not in remaining and ids["kabar"] not in remaining
    assert len(remaining) == len(POSTS) - 2
    # the selection comes back at the same place, ready for the next decision
    assert selected(page) == remaining[min(position, len(remaining) - 1)]
    with app.app_context():
        for key in ("promo", "kabar"):
            candidate = db.session.get_one(Candidate, ids[key])
            assert (candidate.status, candidate.reason) == ("rejected", "spam")
        decisions = db.session.scalars(select(CandidateDecision)).all()
        assert sorted(d.candidate_id for d in decisions) == sorted([ids["promo"], ids["kabar"]])
        assert {d.actor for d in decisions} == {CURATOR}

    # a approves the selected candidate (none picked): it becomes the curator's draft
    go_to(page, ids["antar-obat"])
    press(page, "a")
    page.wait_for_selector("text=1 kandidat diputuskan")
    assert ids["antar-obat"] not in listed(page)
    with app.app_context():
        candidate = db.session.get_one(Candidate, ids["antar-obat"])
        assert candidate.status == "approved" and candidate.innovation_id
        draft = db.session.get_one(Innovation, candidate.innovation_id)
        curator = db.session.scalars(select(User).where(User.email == CURATOR)).one()
        assert (draft.status, draft.origin, draft.owner_id) == ("draft", "harvest", curator.id)
        assert "antar obat" not in draft.summary and draft.title.startswith("[draf otomatis]")
    assert page.evaluate(SCROLL_WIDTH) <= DESKTOP["width"]
    shot(page, "desktop-after")

    # o opens the selected candidate; its page shows the markup as text too
    go_to(page, ids["dapur-umum"])
    press(page, "o")
    page.wait_for_url(f"{base}/curate/inbox/{ids['dapur-umum']}")
    page.get_by_text(SCRIPT).first.wait_for()
    shot(page, "desktop-candidate")
    assert page.dialogs == []


def test_inbox_on_a_phone(live_server, browser):
    base, app = live_server
    ids = candidate_ids(app)
    page = curator_page(browser, base, PHONE)
    page.goto(f"{base}/curate/inbox/")
    page.get_by_text(SCRIPT).first.wait_for()
    press(page, "j")
    first = selected(page)
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    # the explanation says which words raise and which lower the score in words, not colour
    explain = page.inner_text(f"#candidate-{first} .explain")
    assert "Menaikkan skor" in explain or "Menurunkan skor" in explain, explain
    shot(page, "phone")
    page.goto(f"{base}/curate/inbox/{ids['dapur-umum']}")
    page.get_by_text(SCRIPT).first.wait_for()
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    shot(page, "phone-candidate")
    assert page.dialogs == []
