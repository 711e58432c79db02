"""Saved searches followed by email: double opt-in, no account, one-click unsubscribe.

Confirm and unsubscribe links are itsdangerous signatures of the subscription's id (the confirm
link expires after SUBSCRIPTION_CONFIRM_DAYS; the unsubscribe link never does). Subscribing
an address sends only the confirmation mail: nothing else goes there until it is confirmed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import Subscription, utcnow
from . import discovery
from .errors import Invalid
from .validation import EMAIL

FREQUENCIES = ("daily", "weekly")
SEARCH_KEYS = ("q", *discovery.FILTER_PARAMS, "sort")
CONFIRM_SALT = "subscription-confirm"
UNSUBSCRIBE_SALT = "subscription-unsubscribe"


class SubscriptionError(Invalid):
    """A subscription's email, search or frequency that cannot be taken; param names it."""

    def __init__(self, detail: str, param: str | None = None):
        super().__init__(detail, param=param)
        self.detail = detail


class LinkError(Invalid):
    """expired | invalid"""

    def __init__(self, reason: str):
        super().__init__(reason, param="token")
        self.reason = reason


def normalize_search(search: Any) -> dict[str, Any]:
    """A search's parameters checked as the search checks them, in a canonical shape:
    {"q": "...", "sector": [...], ...} with only what is set. Unknown keys are refused."""
    if search is None:
        search = {}
    if not isinstance(search, Mapping):
        raise SubscriptionError("search must be an object of search parameters", "search")
    unknown = sorted(str(k) for k in search if k not in SEARCH_KEYS)
    if unknown:
        raise SubscriptionError(
            f"unknown filter(s): {', '.join(unknown)}; known: {', '.join(SEARCH_KEYS)}",
            unknown[0],
        )
    args: MultiDict[str, str] = MultiDict()
    for key, value in search.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if not isinstance(item, str | int):
                raise SubscriptionError(f"{key}: expected text", str(key))
            args.add(str(key), str(item))
    try:
        params = discovery.checked_search(
            args.get("q"),
            {param: args.getlist(param) for param in discovery.FILTER_PARAMS},
            args.get("sort"),
        )
    except Invalid as exc:
        raise SubscriptionError(exc.message, exc.param) from None
    out: dict[str, Any] = {}
    if params.q:
        out["q"] = params.q
    for name in discovery.FILTER_PARAMS:
        if params.filters.get(name):
            out[name] = sorted(params.filters[name])
    return out


def search_key(search: Mapping[str, Any]) -> str:
    return json.dumps(search, sort_keys=True, ensure_ascii=False)


def clean_email(email: Any) -> str:
    text = str(email or "").strip()
    if not text or len(text) > 254 or not EMAIL.match(text):
        raise SubscriptionError("not an email address", "email")
    return text.lower()


def subscribe(email: Any, search: Any, frequency: Any = "weekly") -> Subscription:
    """A new, unconfirmed subscription (the edge mails the confirmation link)."""
    address = clean_email(email)
    if frequency not in FREQUENCIES:
        raise SubscriptionError(f"frequency must be one of: {', '.join(FREQUENCIES)}", "frequency")
    row = Subscription(
        email=address,
        search=normalize_search(search),
        frequency=str(frequency),
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=salt)


def confirm_token(row: Subscription) -> str:
    return str(_serializer(CONFIRM_SALT).dumps(row.id))


def unsubscribe_token(row: Subscription) -> str:
    return str(_serializer(UNSUBSCRIBE_SALT).dumps(row.id))


def _load(token: str, salt: str, max_age: int | None) -> Subscription:
    try:
        subscription_id = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError("expired") from None
    except BadSignature:
        raise LinkError("invalid") from None
    row = (
        db.session.get(Subscription, subscription_id) if isinstance(subscription_id, int) else None
    )
    if row is None:
        raise LinkError("invalid")
    return row


def for_confirm_token(token: str) -> Subscription:
    days = float(current_app.config["SUBSCRIPTION_CONFIRM_DAYS"])
    return _load(token, CONFIRM_SALT, int(days * 86400))


def confirm(token: str) -> Subscription:
    """Confirm once; digests then cover what is published from now on."""
    row = for_confirm_token(token)
    if row.unsubscribed_at is not None:
        raise LinkError("invalid")
    if row.confirmed_at is None:
        now = utcnow()
        row.confirmed_at = now
        row.digest_through = now
        db.session.flush()
    return row


def for_unsubscribe_token(token: str) -> Subscription:
    return _load(token, UNSUBSCRIBE_SALT, None)


def unsubscribe(token: str) -> Subscription:
    row = for_unsubscribe_token(token)
    if row.unsubscribed_at is None:
        row.unsubscribed_at = utcnow()
        db.session.flush()
    return row
