"""Map benchmark: /peta latency at 50,000 published innovations, cold and warm.

A plain script (never run in CI):

    .venv/bin/python bench/map.py --size 50000

It generates the records with bench/generate.py (seeded), bulk-inserts them into a fresh SQLite
database the way bench/search.py does and builds the search index, then, in process (Flask test
client):

- ``first``: the very first /peta of a new process (boundary file read, views projected);
- ``cold``: /peta once for each of 51 filter combinations (nothing cached for that combination:
  the counts are the search index's facets for the filters, and the picture is drawn);
- ``warm``: the same 51 again, 5 rounds (counts and drawing come from the cache, keyed on the
  index's version; the page around them is rendered);
- the same for /peta/33 (Central Java's 35 regencies with the province's innovations listed),
  /peta.svg and GET /api/v1/regions/counts.

It prints p50/p95 per phase (wall clock, and the CPU time of the request's thread, which a
shared machine disturbs less) and writes bench/results/map-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent))

import search as search_bench  # noqa: E402  (copies registry/ aside first, as it does)

TARGETS_MS = {"warm_p95": 100.0, "cold_p95": 500.0}


def combinations() -> list[dict[str, str]]:
    """51 distinct filter sets: none, each vocabulary value, each year, each sector with a
    year."""
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
    return singles + pairs


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


CPU_MS: list[float] = []  # CPU time of each request in this thread (the machine may be shared)


def timed(client: Any, url: str, args: dict[str, str]) -> float:
    started, cpu = time.perf_counter(), time.thread_time()
    response = client.get(url, query_string=args)
    elapsed = (time.perf_counter() - started) * 1000
    CPU_MS.append((time.thread_time() - cpu) * 1000)
    if response.status_code != 200:
        raise SystemExit(f"{url} {args}: {response.status_code}")
    return elapsed


def phase(client: Any, url: str, combos: list[dict[str, str]], rounds: int) -> dict[str, Any]:
    """Wall-clock percentiles of the requests, and of their CPU time."""
    CPU_MS.clear()
    wall = [timed(client, url, args) for _ in range(rounds) for args in combos]
    cpu = percentiles(CPU_MS)
    return percentiles(wall) | {"cpu_p50_ms": cpu["p50_ms"], "cpu_p95_ms": cpu["p95_ms"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--no-snapshot", action="store_true", help="measure the live tree")
    parser.add_argument("--keep", action="store_true", help="keep the database and the code copy")
    options = parser.parse_args()

    from registry.app import create_app

    work = Path(tempfile.mkdtemp(prefix="bench-map-"))
    records = list(search_bench.generate.records(options.size))
    app = create_app(search_bench.app_config(work))
    loaded = search_bench.load_database(app, records)
    with app.app_context():
        from registry.services import indexing

        started = time.perf_counter()
        indexing.rebuild()
        loaded["index_seconds"] = round(time.perf_counter() - started, 1)
    print(f"loaded and indexed {loaded['rows']} innovations: {loaded}", file=sys.stderr)

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
        result["phases"][f"{url} cold (one per filter combination)"] = phase(client, url, combos, 1)
        result["phases"][f"{url} warm (cached counts)"] = phase(client, url, combos, 5)
    sizes = {
        "/peta.svg bytes": len(client.get("/peta.svg").data),
        "/peta bytes": len(client.get("/peta").data),
        "/peta/33 bytes": len(client.get("/peta/33").data),
    }
    result["sizes"] = sizes
    result["machine"] = search_bench.machine()
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(f"{'phase':58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p50':>8} {'cpu p95':>8}")
    for name, figures in result["phases"].items():
        if "ms" in figures:
            print(f"{name:58} {figures['ms']:>8}")
        else:
            print(
                f"{name:58} {figures['p50_ms']:>8} {figures['p95_ms']:>8} {figures['max_ms']:>8}"
                f" {figures['cpu_p50_ms']:>8} {figures['cpu_p95_ms']:>8}"
            )
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
    if not options.keep:
        with app.app_context():
            from registry.extensions import db

            db.engine.dispose()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
