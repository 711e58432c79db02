"""Helpers for tests of accounts, submissions and review: users, tokens, CSRF-aware posting."""

from __future__ import annotations

import re
from typing import Any

from registry.extensions import db
from registry.models import User
from registry.services import accounts

PASSWORD = "Rahasia-Sekali-2020"
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def make_user(
    email: str = "instansi@example.org",
    role: str = "institution",
    *,
    org: str | None = "Dinas Kesehatan Kota Bandung",
    password: str = PASSWORD,
    confirmed: bool = True,
) -> User:
    organization = accounts.find_or_create_organization(org, "pemkot") if org else None
    if organization is not None:
        organization.province_code, organization.regency_code = "32", "32.73"
    user = accounts.create_user(
        email, password, role=role, organization=organization, confirmed=confirmed
    )
    db.session.commit()
    return user


def token_for(user: User, days: int | None = None) -> str:
    raw = accounts.mint_api_token(user, days=days)
    db.session.commit()
    return raw


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_token(client: Any, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no csrf token on {path}"
    return match.group(1) or match.group(2)


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def form_data(data: dict[str, Any]) -> dict[str, Any]:
    """An innovation dict as the submission form posts it."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            out[key] = ""
        elif key == "links":
            out[key] = "\n".join(value)
        else:
            out[key] = value
    return out
