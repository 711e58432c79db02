"""Time the request guard's JSON depth check (registry/web/guards.py) on the largest bodies the
app accepts (MAX_CONTENT_LENGTH, 16 MB): deep, wide and string-heavy.

    .venv/bin/python bench/json_guard.py [--repeat 3]

Prints the best time of each case in milliseconds, beside json.loads of the same body where it
parses at all (a deep body does not: Python's parser stops with RecursionError).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from registry.web.guards import json_too_deep

SIZE = 16 * 1024 * 1024


def bodies() -> dict[str, bytes]:
    half = SIZE // 2
    record = json.dumps({"title": 'x"y' * 50, "n": [1, 2, 3], "s": "a" * 1000})
    many = "[" + ",".join([record] * (SIZE // (len(record) + 1) - 1)) + "]"
    return {
        "deep: 8M [ then 8M ]": b"[" * half + b"]" * half,
        "wide: [[],[],...] 16 MB": b"[" + b"[]," * (SIZE // 3 - 1) + b"[]]",
        "strings: 16 MB of records": many.encode(),
    }


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name, body in bodies().items():
        guard = best(lambda body=body: json_too_deep(body), args.repeat)  # type: ignore[misc]
        try:
            loads = f"{best(lambda body=body: json.loads(body), args.repeat):.0f} ms"
        except RecursionError:
            loads = "RecursionError"
        print(f"{name:30} guard {guard:7.0f} ms   json.loads {loads}")


if __name__ == "__main__":
    main()
