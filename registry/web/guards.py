"""Request guards that run before any view: input no view could store or parse safely.

A JSON body nested deeper than MAX_JSON_DEPTH is refused before it is parsed (Python's parser
recurses, and so does everything that walks the value afterwards), and a JSON string holding a
lone surrogate (an escape such as \\ud800 that is no character) is refused: it cannot be
encoded as UTF-8, so neither database nor index nor mail could take it.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from flask import request

# the registry's own bodies nest three or four levels; this leaves room for any client
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def json_depth(raw: bytes) -> int:
    """How deeply a JSON text nests arrays and objects (strings skipped; not validated)."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", raw))
    steps = (1 if b in b"[{" else -1 for b in brackets)
    return max(accumulate(steps, initial=0))


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def json_body_problem() -> str | None:
    """Why the request's JSON body is refused, or None (also when it is no JSON at all)."""
    if not request.is_json:
        return None
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        return f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
    if _has_surrogate(request.get_json(silent=True)):
        return (
            "the JSON body holds a lone surrogate (an escape such as \\ud800 that is no character)"
        )
    return None
