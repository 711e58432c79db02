"""Map benchmark: /peta latency at 50,000 published innovations, cold and warm.

A plain script (never run in CI):

    .venv/bin/python bench/map.py --size 50000

It generates the records with bench/generate.py (seeded), bulk-inserts them into a fresh SQLite
database the way bench/search.py does, then, in process (Flask test client):

- ``first``: the very first /peta of a new process (boundary file read, views projected);
- ``cold``: /peta once for each of 60 filter combinations (nothing cached for that combination:
  the counts are a SQL query over the catalogue);
- ``warm``: the same 60 again, 5 rounds (the counts come from the cache; the catalogue's
  fingerprint query and the SVG drawing still run);
- the same for /peta/33 (Central Java's 35 regencies with the province's innovations listed),
  /peta.svg and GET /api/v1/regions/counts.

It prints p50/p95 per phase and writes bench/results/map-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent))

import generate  # noqa: E402
import search as search_bench  # noqa: E402  (copies registry/ aside first, as it does)

TARGETS_MS = {"warm_p95": 100.0, "cold_p95": 500.0}
COMBINATIONS = 60


def combinations() -> list[dict[str, str]]:
    """60 distinct filter sets: none, each vocabulary value, then pairs with a year."""
    from registry import taxonomy

    singles: list[dict[str, str]] = [{}]
    for name, vocab in (
        ("sector", taxonomy.SECTORS),
        ("focus", taxonomy.FOCUSES),
        ("innovator_type", taxonomy.INNOVATOR_TYPES),
        ("stage", taxonomy.STAGES),
    ):
        singles += [{name: slug} for slug in vocab]
    years = [str(y) for y in (2020, 2021, 2022)]
    singles += [{"year": y} for y in years]
    pairs = [{"sector": s, "year": y} for s in taxonomy.SECTORS for y in years]
    return (singles + pairs)[:COMBINATIONS]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(rank(0.95), 1),
        "max_ms": round(ordered[-1], 1),
    }


def timed(client: Any, url: str, args: dict[str, str]) -> float:
    started = time.perf_counter()
    response = client.get(url, query_string=args)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} {args}: {response.status_code}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--no-snapshot", action="store_true", help="measure the live tree")
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()

    from registry.app import create_app

    work = Path(tempfile.mkdtemp(prefix="bench-map-"))
    records = list(generate.records(options.size))
    app = create_app(search_bench.app_config(work))
    loaded = search_bench.load_database(app, records)
    print(f"loaded {loaded['rows']} innovations in {loaded['seconds']} s", file=sys.stderr)

    # a new app (as a new worker process would be): nothing cached, boundary file unread
    from registry.maps import shapes

    shapes.load.cache_clear()
    shapes.view.cache_clear()
    app = create_app(search_bench.app_config(work))
    client = app.test_client()
    result: dict[str, Any] = {"size": options.size, "load": loaded, "phases": {}}
    result["phases"]["/peta first request of a new app"] = {
        "ms": round(timed(client, "/peta", {}), 1)
    }
    combos = combinations()
    for url in ("/peta", "/peta/33", "/peta.svg", "/api/v1/regions/counts"):
        cold = [timed(client, url, args) for args in combos]
        warm = [timed(client, url, args) for _ in range(5) for args in combos]
        result["phases"][f"{url} cold (one per filter combination)"] = percentiles(cold)
        result["phases"][f"{url} warm (cached counts)"] = percentiles(warm)
    sizes = {
        "/peta.svg bytes": len(client.get("/peta.svg").data),
        "/peta bytes": len(client.get("/peta").data),
        "/peta/33 bytes": len(client.get("/peta/33").data),
    }
    result["sizes"] = sizes
    result["machine"] = search_bench.machine()
    print(f"{'phase':58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, figures in result["phases"].items():
        if "ms" in figures:
            print(f"{name:58} {figures['ms']:>8}")
        else:
            print(f"{name:58} {figures['p50_ms']:>8} {figures['p95_ms']:>8} {figures['max_ms']:>8}")
    for name, value in sizes.items():
        print(f"{name:58} {value:>8}")
    peta_warm = result["phases"]["/peta warm (cached counts)"]["p95_ms"]
    peta_cold = result["phases"]["/peta cold (one per filter combination)"]["p95_ms"]
    print(
        f"targets: /peta warm p95 {peta_warm} ms (< {TARGETS_MS['warm_p95']:.0f}), "
        f"cold p95 {peta_cold} ms (< {TARGETS_MS['cold_p95']:.0f})"
    )
    out = HERE / "results" / f"map-{options.size}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
