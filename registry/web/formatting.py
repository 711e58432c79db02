"""Numbers, sizes, durations and month series as a reader expects them, in their language:
"4 jam" not "4.0 jam", "322 kB" not "322.0 kB", "1 day" not "1 days" (issue 15, item 7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import format_decimal, ngettext

SIZE_UNITS = ("kB", "MB", "GB")


def number(value: float | int | None, digits: int = 1) -> str:
    """A number with at most ``digits`` decimals and none when whole, in the reader's locale
    (4.0 -> "4", 4.25 -> "4,3" in Indonesian, "4.3" in English)."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return str(format_decimal(round(float(value), digits), format=pattern))


def filesize(size: int | float | None) -> str:
    """Bytes in decimal units, as Jinja's filesizeformat but without a needless ".0" and with
    the reader's decimal sign."""
    amount = float(size or 0)
    if amount < 1000:
        return ngettext("%(num)s bita", "%(num)s bita", int(amount))
    index = 0
    amount /= 1000
    while amount >= 1000 and index < len(SIZE_UNITS) - 1:
        amount /= 1000
        index += 1
    return f"{number(amount, 1 if amount < 10 else 0)} {SIZE_UNITS[index]}"


def days(value: float | int) -> str:
    """ "1 hari" / "3 hari" ("1 day" / "3 days")."""
    count = float(value)
    whole = int(count) if count.is_integer() else 2  # a fraction reads as plural
    return ngettext("%(n)s hari", "%(n)s hari", whole, n=number(count))


def hours(value: float | int) -> str:
    count = float(value)
    whole = int(count) if count.is_integer() else 2
    return ngettext("%(n)s jam", "%(n)s jam", whole, n=number(count))


def month_series(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Monthly counts ("YYYY-MM" -> n) with every month between the first and the last, the
    empty ones as 0, so a chart's gaps show."""
    months = sorted(m for m in counts if _month(m) is not None)
    if not months:
        return list(counts.items())
    first, last = _month(months[0]), _month(months[-1])
    assert first is not None and last is not None
    out: list[tuple[str, int]] = []
    year, month = first
    while (year, month) <= last:
        key = f"{year:04d}-{month:02d}"
        out.append((key, int(counts.get(key, 0))))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _month(text: str) -> tuple[int, int] | None:
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError:
        return None
    return (year, month) if 1 <= month <= 12 else None


HELPERS: dict[str, Any] = {
    "number": number,
    "filesize": filesize,
    "days": days,
    "hours": hours,
}


def install(app: Flask) -> None:
    """Template globals and filters (``{{ size|filesize }}``, ``{{ days(n) }}``, and
    ``field_label``: an innovation field's label, never its name)."""
    from .forms import field_label

    for name, helper in {**HELPERS, "field_label": field_label}.items():
        app.add_template_global(helper, name)
        app.add_template_filter(helper, name)
