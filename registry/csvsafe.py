"""CSV cells a spreadsheet will not run: every CSV the registry writes goes through here.

A cell that begins with =, +, -, @, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (OWASP "CSV injection"); a single quote in front makes it text
(spreadsheets show the value without the quote). So that our own import reads back exactly
what we exported, the quote is also put before a value that already begins with a quote
followed by one of those characters or by another quote; `unquote` takes one such quote away.
A third party's cell "'=1" therefore imports as "=1": the quote only said "this is text".
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    return text.startswith(TRIGGERS) or (text.startswith("'") and text[1:2] in (*TRIGGERS, "'"))


def neutralize(value: Any) -> Any:
    """The value as a safe cell: text that a spreadsheet would evaluate gets a leading quote;
    numbers and everything else are left alone."""
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def unquote(text: str) -> str:
    """The value `neutralize` was given, from a cell read back from one of our CSV files."""
    if text.startswith("'") and text[1:2] in (*TRIGGERS, "'"):
        return text[1:]
    return text


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg, unused-ignore]
    """csv.DictWriter whose every cell (and header) is neutralized."""

    def writeheader(self) -> Any:
        return self.writer.writerow([neutralize(str(name)) for name in self.fieldnames])

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: neutralize(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
