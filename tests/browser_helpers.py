"""Shared by the browser tests of issue 15: screenshots under test-artifacts/browser/."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
ACTIVE = "() => document.activeElement.id"


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served on a free port of 127.0.0.1 in a thread for the test's browser; stopped
    cleanly at the end (the serving loop is told to stop and waited for before its socket
    closes, so no thread sees a closed socket)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
