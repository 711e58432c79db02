"""Request guards that run before any view: input no view could store or parse safely.

A JSON body nested deeper than MAX_JSON_DEPTH is refused before it is parsed (Python's parser
recurses, and so does everything that walks the value afterwards), and a JSON string holding a
lone surrogate (an escape such as \\ud800 that is no character) is refused: it cannot be
encoded as UTF-8, so neither database nor index nor mail could take it.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from flask import request

# the registry's own bodies nest three or four levels; this leaves room for any client
MAX_JSON_DEPTH = 64
_CHUNK = 1 << 20
# a JSON string, written as an "unrolled loop" so that long strings are matched in C
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects deeper than limit (brackets inside strings
    do not count; the text is not validated). Linear, in C and numpy; a deep body is refused
    after its first megabyte."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    outside = _JSON_STRING.sub(b"", raw)
    depth = 0
    for start in range(0, len(outside), _CHUNK):  # a deep body stops at its first chunk
        codes = np.frombuffer(outside[start : start + _CHUNK], dtype=np.uint8)
        steps = ((codes == ord("[")) | (codes == ord("{"))).astype(np.int32)
        steps -= ((codes == ord("]")) | (codes == ord("}"))).astype(np.int32)
        running = np.cumsum(steps)
        if depth + int(running.max()) > limit:
            return True
        depth += int(running[-1])
    return False


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
    if json_too_deep(request.get_data(cache=True)):
        return f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
    if _has_surrogate(request.get_json(silent=True)):
        return (
            "the JSON body holds a lone surrogate (an escape such as \\ud800 that is no character)"
        )
    return None
