"""Validation of innovation data in the shape of DESIGN.md's field names."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from .. import taxonomy
from ..models import Innovation
from .errors import Invalid

TEXT_FIELDS = (
    "summary",
    "background",
    "innovation",
    "implementation",
    "results",
    "adaptability",
    "resources",
    "sustainability",
)
FIELDS = (
    "title",
    *TEXT_FIELDS,
    "sectors",
    "focus",
    "stage",
    "started_on",
    "innovator_name",
    "innovator_type",
    "unit",
    "province",
    "regency",
    "links",
    "contact_email",
    "campaign",
)
READ_ONLY = ("id", "slug", "status", "origin", "published_at", "updated_at")
LIST_FIELDS = ("sectors", "links")
# the coded fields and the vocabulary whose slugs each takes
VOCABULARIES: dict[str, Mapping[str, Any]] = {
    "sectors": taxonomy.SECTORS,
    "focus": taxonomy.FOCUSES,
    "stage": taxonomy.STAGES,
    "innovator_type": taxonomy.INNOVATOR_TYPES,
}
DATE_FIELDS = ("started_on",)
# the fields that clean to None when left empty (the others to "" or [])
NULLABLE_FIELDS = (
    "focus",
    "stage",
    "innovator_type",
    "started_on",
    "province",
    "regency",
    "campaign",
)
LIST_SEPARATOR = " | "


def column_length(model: Any, name: str) -> int:
    """The declared length of a model's string column: the one place lengths come from."""
    return int(model.__table__.c[name].type.length)


MAX_TITLE = column_length(Innovation, "title")
MAX_NAME = column_length(Innovation, "innovator_name")
MAX_UNIT = column_length(Innovation, "unit")
MAX_EMAIL = column_length(Innovation, "contact_email")
MAX_SUMMARY_WORDS = 200
MAX_SECTION_CHARS = 20_000
MAX_LINKS = 20
REQUIRED_FOR_REVIEW = ("title", "summary", "sectors", "focus", "innovator_name", "innovator_type")
# no space, control character, comma, angle bracket or quote either: an address we accept is
# put in a mail header as it is, and must stay exactly one address there (the part before
# the @ is ASCII: Python's mail headers refuse anything else there)
ADDRESS_PART = r'[^@\s\x00-\x1f\x7f,;:<>()\[\]\\"]+'
_LOCAL_PART = r'[^@\s\x00-\x1f\x7f-\U0010ffff,;:<>()\[\]\\"]+'
EMAIL = re.compile(rf"^{_LOCAL_PART}@{ADDRESS_PART}\.{ADDRESS_PART}\Z")
# a one-line field (title, names, codes) holds no line break or other control character
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class ValidationError(Invalid):
    """Field name -> message for every problem found; param names the first."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(
            "; ".join(f"{k}: {v}" for k, v in self.errors.items()),
            param=next(iter(self.errors), None),
        )


def split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"\s*\|\s*|\n", value)
    elif isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        raise TypeError("expected a list or a ' | '-separated string")
    return [p.strip() for p in parts if p and p.strip()]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise TypeError("expected text")
    text = str(value).strip()
    if _SURROGATE.search(text):
        raise ValueError("holds a lone surrogate (an invalid \\ud800-\\udfff escape)")
    return text


def one_line(value: Any, max_length: int | None = None) -> str:
    """Text for a one-line field: no line break or control character, at most max_length."""
    text = _text(value)
    if _CONTROL.search(text):
        raise ValueError("must be one line, without line breaks or control characters")
    if max_length is not None and len(text) > max_length:
        raise ValueError(f"at most {max_length} characters (got {len(text)})")
    return text


def is_email(value: str) -> bool:
    """An address we accept: one plain address, no longer than the column that stores it."""
    return len(value) <= MAX_EMAIL and bool(EMAIL.match(value))


def _slug_in(value: str, vocab: Mapping[str, Any], what: str) -> str:
    slug = value.strip().lower()
    if slug not in vocab:
        raise ValueError(f"unknown {what} {value!r}; expected one of: {', '.join(vocab)}")
    return slug


def clean(
    data: Mapping[str, Any], *, require_complete: bool, today: dt.date | None = None
) -> dict[str, Any]:
    """Return cleaned values for the fields present in data, or raise ValidationError.

    require_complete: the innovation is leaving draft, so the fields a reviewer needs must be set.
    """
    today = today or dt.date.today()
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def check(field: str, fn: Any) -> None:
        if field not in data:
            return
        try:
            out[field] = fn(data[field])
        except (ValueError, TypeError) as exc:
            errors[field] = str(exc)

    def title(v: Any) -> str:
        t = one_line(v, MAX_TITLE)
        if not t:
            raise ValueError("title is required")
        return t

    def summary(v: Any) -> str:
        t = _text(v)
        words = len(t.split())
        if words > MAX_SUMMARY_WORDS:
            raise ValueError(f"at most {MAX_SUMMARY_WORDS} words (got {words})")
        return t

    def section(v: Any) -> str:
        t = _text(v)
        if len(t) > MAX_SECTION_CHARS:
            raise ValueError(f"at most {MAX_SECTION_CHARS} characters (got {len(t)})")
        return t

    def sectors(v: Any) -> list[str]:
        vocab = VOCABULARIES["sectors"]
        return list(dict.fromkeys(_slug_in(s, vocab, "sector") for s in split_list(v)))

    def optional_slug(vocab: Mapping[str, Any], what: str) -> Any:
        def fn(v: Any) -> str | None:
            t = _text(v)
            return _slug_in(t, vocab, what) if t else None

        return fn

    def started_on(v: Any) -> dt.date | None:
        if isinstance(v, dt.date):
            day = v
        else:
            t = _text(v)
            if not t:
                return None
            try:
                day = dt.date.fromisoformat(t)
            except ValueError:
                raise ValueError(f"expected a date as YYYY-MM-DD, got {t!r}") from None
        if day > today:
            raise ValueError("the start date is in the future")
        if day.year < 1945:
            raise ValueError("the start date is too far in the past")
        return day

    def links(v: Any) -> list[str]:
        urls = split_list(v)
        if len(urls) > MAX_LINKS:
            raise ValueError(f"at most {MAX_LINKS} links")
        for url in urls:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError(f"not a web address: {url!r}")
        return list(dict.fromkeys(urls))

    def email(v: Any) -> str:
        t = one_line(v)
        if t and len(t) > MAX_EMAIL:
            raise ValueError(f"at most {MAX_EMAIL} characters (got {len(t)})")
        if t and not is_email(t):
            raise ValueError(f"not an email address: {t!r}")
        return t

    check("title", title)
    check("summary", summary)
    for name in TEXT_FIELDS[1:]:
        check(name, section)
    check("innovator_name", lambda v: one_line(v, MAX_NAME))
    check("unit", lambda v: one_line(v, MAX_UNIT))
    check("sectors", sectors)
    for name in ("focus", "stage", "innovator_type"):
        check(name, optional_slug(VOCABULARIES[name], name))
    check("started_on", started_on)
    check("links", links)
    check("contact_email", email)
    check("campaign", lambda v: one_line(v) or None)
    _clean_regions(data, out, errors)

    if require_complete:
        for field in REQUIRED_FOR_REVIEW:
            if field not in errors and not out.get(field, data.get(field)):
                errors[field] = f"{field} is required"
        if "province" not in errors and not out.get("province"):
            errors["province"] = "province is required"
    if errors:
        raise ValidationError(errors)
    return out


def _clean_regions(data: Mapping[str, Any], out: dict[str, Any], errors: dict[str, str]) -> None:
    province_code: str | None = None
    values: dict[str, str] = {}
    for field in ("province", "regency"):
        if field in data:
            try:
                values[field] = one_line(data[field])
            except (TypeError, ValueError) as exc:  # e.g. a list or an object
                errors[field] = f"expected a region code or name: {exc}"
                return
    if "province" in data:
        value = values["province"]
        if value:
            region = taxonomy.resolve_region(value, level=1)
            if region is None:
                errors["province"] = f"unknown province {value!r}"
            else:
                province_code = region.code
        out["province"] = province_code
    if "regency" in data:
        value = values["regency"]
        regency_code = None
        if value:
            region = taxonomy.resolve_region(value, level=2, province=province_code)
            if region is None and province_code:
                region = taxonomy.resolve_region(value, level=2)
            if region is None:
                errors["regency"] = f"unknown regency/city {value!r}"
            elif province_code and region.parent != province_code:
                errors["regency"] = f"{region.name} is not in province {province_code}"
            else:
                regency_code = region.code
                if "province" not in out or out["province"] is None:
                    out["province"] = region.parent
        out["regency"] = regency_code
