"""Shared by the browser tests of issue 15: screenshots under test-artifacts/browser/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
ACTIVE = "() => document.activeElement.id"


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
