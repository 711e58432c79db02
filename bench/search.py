"""Search benchmark: index rebuild rate, API latency, worker memory, index size.

A plain script (never run in CI):

    .venv/bin/python bench/search.py --sizes 10000,50000

For each size it generates that many records (bench/generate.py, seeded) and measures

1. the rebuild rate of ``SearchIndex.rebuild`` fed straight from the generator, and of the
   full ``registry index rebuild`` path (``indexing.rebuild()``) from a fresh SQLite
   database the records were bulk-inserted into;
2. p50/p95 latency of 200 queries of 1-3 words (about a third with filters) through
   ``GET /api/v1/innovations`` with its facets: in process (Flask test client) and over HTTP
   against ``registry serve`` (waitress) in a subprocess, with a keep-alive session; the
   index alone (``SearchIndex.search``) is timed too, to split the API time;
3. the same queries on SQLite FTS5 over the same text as a reference (MATCH, bm25 order,
   LIMIT 20, and a GROUP BY count for one facet; AND, then OR when AND finds nothing);
4. the resident memory of the web worker after the queries (/proc/<pid>/status);
5. the size of the index on disk.

It prints a table and writes bench/results/search-<size>.json. Every latency pass starts
with a fresh searcher and runs the same 20 warm-up queries first (not timed; the first
one, which loads the per-generation view, is reported as ``first_query_ms``).

``--backend whoosh,postgres`` measures the PostgreSQL search backend too (issue 14), side by
side: its database is the one ``--pg-url`` (or $REGISTRY_BENCH_DATABASE_URL) names, which is
WIPED; the "rebuild from the generator" row is then ``PostgresSearchIndex.rebuild``, the index
size is its tables', and the run compares each query's hit count with Whoosh's
(bench/results/search-<size>-postgres.json).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.append(str(ROOT))


def _snapshot_code() -> Path | None:
    """Copy registry/ aside and import it from there (and so do the subprocesses).

    Others may edit the code while a run takes its minutes: without the copy, this
    process, the `registry serve` worker and the `registry index rebuild` command could
    each measure a different version. ``--no-snapshot`` measures the live tree.
    """
    if "--no-snapshot" in sys.argv:
        return None
    snapshot = Path(tempfile.mkdtemp(prefix="bench-search-code-"))
    shutil.copytree(
        ROOT / "registry", snapshot / "registry", ignore=shutil.ignore_patterns("__pycache__")
    )
    sys.path.insert(0, str(snapshot))
    if "--keep" not in sys.argv:
        atexit.register(shutil.rmtree, snapshot, True)
    return snapshot


SNAPSHOT = _snapshot_code()

import generate  # noqa: E402

from registry.search import PostgresSearchIndex, SearchIndex, open_index  # noqa: E402

#: The record sections besides title and summary (DESIGN.md's field names).
BODY_SECTIONS = generate.SECTIONS

RESULTS_DIR = HERE / "results"
API = "/api/v1/innovations"
TARGETS = {
    "api_p95_ms": 50.0,  # at 50,000 documents, 1-3 word queries with facets
    "rebuild_docs_per_s": 1500.0,
    "worker_rss_mib": 250.0,
}
TARGET_SIZE = 50_000
#: issue 14's targets for the postgres backend (the same API and memory targets)
POSTGRES_TARGETS = {**TARGETS, "rebuild_docs_per_s": 2000.0}
#: the `registry` command of the Python running this script (a worktree has no .venv)
REGISTRY_BIN = (
    Path(sys.executable).parent / "registry"
    if (Path(sys.executable).parent / "registry").exists()
    else ROOT / ".venv" / "bin" / "registry"
)
PHASES = (
    "SearchIndex.rebuild from the generator",
    "indexing.rebuild() from the database",
    "registry index rebuild (the command)",
    "queries, SearchIndex.search only",
    "queries, API in process",
    "queries, API over HTTP",
    "queries, SQLite FTS5",
)


# --------------------------------------------------------------------------- helpers


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_total = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_total = f"{int(line.split()[1]) // 1024} MiB"
    from importlib.metadata import version

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "memory": mem_total,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "whoosh": version("whoosh-reloaded"),
        "sqlite": sqlite3.sqlite_version,
    }


def code_identity() -> dict[str, Any]:
    """Which registry code was measured: hashes of the imported package's files."""
    import hashlib

    import registry

    package = Path(registry.__file__).parent
    tree = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        tree.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    search = hashlib.sha256()  # the search package (registry/search.py before the split)
    search_files = sorted((package / "search").glob("*.py"))
    for path in search_files:
        search.update(path.name.encode() + b"\0" + path.read_bytes())
    newest = max(path.stat().st_mtime for path in search_files)
    return {
        "package": str(package),
        "snapshot": SNAPSHOT is not None,
        "search_sha256": search.hexdigest()[:16],
        # copytree keeps modification times, so this is the measured files' newest
        "search_mtime": dt.datetime.fromtimestamp(newest).isoformat(timespec="seconds"),
        "py_tree_sha256": tree.hexdigest()[:16],
    }


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def stats_ms(samples: Sequence[float]) -> dict[str, float]:
    """Nearest-rank percentiles of latencies given in seconds, in milliseconds."""
    ordered = sorted(samples)
    n = len(ordered)

    def rank(p: float) -> float:
        return ordered[max(0, min(n - 1, -(-int(p * n) // 100) - 1))] * 1000

    return {
        "n": n,
        "p50": round(rank(50), 2),
        "p95": round(rank(95), 2),
        "p99": round(rank(99), 2),
        "max": round(ordered[-1] * 1000, 2),
        "mean": round(sum(ordered) / n * 1000, 2),
    }


def api_path(query: dict[str, Any]) -> str:
    params = [("q", query["q"])]
    params += [(k, v) for k, values in query["filters"].items() for v in values]
    return f"{API}?{urlencode(params)}"


def proc_status(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)  # kB -> MiB
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (Whoosh's index workers)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@contextlib.contextmanager
def phase(result: dict[str, Any], name: str) -> Iterator[None]:
    """Record a phase's wall and CPU seconds and the load average around it.

    The machine may be shared: a load average above the number of cores means other
    processes competed for the CPU and the wall-clock figures of that phase are pessimistic.
    """
    log(f"{result['size']}: {name}")
    load_before = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), cpu_seconds()
    try:
        yield
    finally:
        result.setdefault("phases", {})[name] = {
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(cpu_seconds() - cpu, 2),
            "loadavg_1m_before": round(load_before, 2),
            "loadavg_1m_after": round(os.getloadavg()[0], 2),
        }


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def profiled(name: str, fn: Callable[[], Any], enabled: bool) -> Any:
    """Run ``fn``; with profiling on, write the top of its cProfile to bench/results/."""
    if not enabled:
        return fn()
    name = f"{name}-search-{code_identity()['search_sha256'][:8]}"
    profile = cProfile.Profile()
    result = profile.runcall(fn)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(str(RESULTS_DIR / f"{name}.prof"))
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    (RESULTS_DIR / f"{name}.txt").write_text(text.getvalue())
    log(f"profile written to {RESULTS_DIR / name}.txt")
    return result


# --------------------------------------------------------------------------- the app


def app_config(work: Path, pg_url: str = "") -> dict[str, Any]:
    """The app's settings; with ``pg_url``, PostgreSQL and the postgres search backend."""
    return {
        "INSTANCE_DIR": str(work / "instance"),
        "INDEX_DIR": str(work / "index"),
        "DATABASE_URL": pg_url or f"sqlite:///{work / 'instance' / 'registry.db'}",
        "SEARCH_BACKEND": "postgres" if pg_url else "whoosh",
        "SECRET_KEY": "bench-not-secret",
        "SEARCH_WRITER_TIMEOUT": 30.0,
        # The read API's rate limit stays on (its cost is part of a request), raised so
        # 200 queries a minute from one address are not refused.
        "API_READ_RATE_LIMIT": "1000000 per minute",
    }


def load_database(app: Any, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`registry init`, then a bulk insert of the records as published innovations."""
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import Campaign, Innovation, InnovationSector
    from registry.services.catalogue import slugify
    from registry.services.setup import initialize
    from registry.services.validation import FIELDS, clean

    def when(value: str) -> dt.datetime:
        return dt.datetime.fromisoformat(value.removesuffix("Z"))

    with app.app_context():
        initialize()
        # The generator's records pass the catalogue's own validation (a sample).
        for record in records[:300]:
            fields = {k: v for k, v in record.items() if k in FIELDS}
            clean(fields, require_complete=True)
        campaign_id = db.session.scalar(select(Campaign.id).where(Campaign.slug == "covid-19-2020"))
        started = time.perf_counter()
        batch = 5000
        for start in range(0, len(records), batch):
            rows, sectors = [], []
            for r in records[start : start + batch]:
                published = when(r["published_at"])
                rows.append(
                    {
                        "id": r["id"],
                        "slug": f"{slugify(r['title'], max_length=100)}-{r['id']}",
                        "title": r["title"],
                        **{k: r[k] for k in ("summary", *BODY_SECTIONS)},
                        "focus": r["focus"],
                        "stage": r["stage"],
                        "started_on": dt.date.fromisoformat(r["started_on"]),
                        "innovator_name": r["innovator_name"],
                        "innovator_type": r["innovator_type"],
                        "unit": r["unit"],
                        "province_code": r["province"],
                        "regency_code": r["regency"],
                        "links": r["links"],
                        "contact_email": r["contact_email"],
                        "status": "published",
                        "origin": "import",
                        "campaign_id": campaign_id if r["campaign"] else None,
                        "created_at": published - dt.timedelta(days=3),
                        "submitted_at": published - dt.timedelta(days=2),
                        "published_at": published,
                        "updated_at": when(r["updated_at"]),
                    }
                )
                sectors += [{"innovation_id": r["id"], "sector": s} for s in r["sectors"]]
            db.session.execute(Innovation.__table__.insert(), rows)
            db.session.execute(InnovationSector.__table__.insert(), sectors)
        db.session.commit()
        seconds = time.perf_counter() - started
    return {"rows": len(records), "seconds": round(seconds, 2)}


# --------------------------------------------------------------------------- measurements


def bench_direct_rebuild(records: Sequence[dict[str, Any]], work: Path) -> dict:
    index = SearchIndex(work / "index-direct")
    started, cpu = time.perf_counter(), cpu_seconds()
    count = index.rebuild(records)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    index.close()
    return {
        "docs": count,
        "seconds": round(seconds, 2),
        "docs_per_s": round(count / seconds),
        "cpu_s": round(cpu, 2),
        "docs_per_cpu_s": round(count / cpu),
        "size_mib": round(dir_size(work / "index-direct") / 2**20, 1),
        "segments": len(list((work / "index-direct").glob("*.seg"))),
    }


def rates(count: int, seconds: float, cpu: float) -> dict[str, Any]:
    return {
        "docs": count,
        "seconds": round(seconds, 2),
        "docs_per_s": round(count / seconds),
        "cpu_s": round(cpu, 2),
        "docs_per_cpu_s": round(count / cpu),
    }


def wipe_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def postgres_search_size_mib(app: Any) -> float:
    from sqlalchemy import text

    from registry.extensions import db

    with app.app_context():
        size = db.session.execute(
            text(
                "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY"
                "['search_document', 'search_text', 'search_head', 'search_vocabulary', "
                "'search_state']) AS c"
            )
        ).scalar()
    return round(int(size or 0) / 2**20, 1)


def bench_direct_rebuild_postgres(records: Sequence[dict[str, Any]], app: Any) -> dict:
    with app.app_context():
        index = open_index(app.config)
        assert isinstance(index, PostgresSearchIndex)
        started, cpu = time.perf_counter(), cpu_seconds()
        count = index.rebuild(records)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return rates(count, seconds, cpu) | {"size_mib": postgres_search_size_mib(app)}


def bench_db_rebuild(app: Any) -> dict:
    from registry.services import indexing

    with app.app_context():
        started, cpu = time.perf_counter(), cpu_seconds()
        count = indexing.rebuild()
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return rates(count, seconds, cpu) | {
        "size_mib": (
            postgres_search_size_mib(app)
            if app.config["SEARCH_BACKEND"] == "postgres"
            else round(dir_size(Path(app.config["INDEX_DIR"])) / 2**20, 1)
        ),
    }


def bench_cli_rebuild(work: Path, env: dict[str, str]) -> dict:
    """Wall time of the command itself (Python start-up and app creation included)."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(REGISTRY_BIN), "index", "rebuild"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    count = int(re.search(r"indexed (\d+)", done.stdout).group(1))  # type: ignore[union-attr]
    return {"docs": count, "seconds": round(seconds, 2), "docs_per_s": round(count / seconds)}


def _timed(
    queries: Sequence[dict[str, Any]],
    warmup: Sequence[dict[str, Any]],
    run: Callable,
    after_warmup: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Warm up, then time each query: wall and CPU (this thread) seconds."""
    started = time.perf_counter()
    run(warmup[0])
    first = time.perf_counter() - started
    for query in warmup[1:]:
        run(query)
    if after_warmup is not None:
        after_warmup()
    wall, cpu, outputs = [], [], []
    for query in queries:
        started, cpu_started = time.perf_counter(), time.thread_time()
        outputs.append(run(query))
        cpu.append(time.thread_time() - cpu_started)
        wall.append(time.perf_counter() - started)
    return {
        "latency_ms": stats_ms(wall),
        "cpu_ms": stats_ms(cpu),
        "first_query_ms": round(first * 1000, 1),
        "outputs": outputs,
        "wall": wall,
        "cpu": cpu,
        "per_query_ms": [round(w * 1000, 2) for w in wall],
    }


def bench_index_only(app: Any, queries: Sequence, warmup: Sequence) -> dict:
    with app.app_context():
        index = open_index(app.config)

        def run(query: dict[str, Any]) -> int:
            return index.search(query["q"], filters=query["filters"]).total

        timed = _timed(queries, warmup, run)
        index.close()
    timed["totals"] = timed.pop("outputs")
    timed.pop("wall")
    timed.pop("cpu")
    return timed


def bench_in_process(app: Any, queries: Sequence, warmup: Sequence, prof: bool, name: str) -> dict:
    """The API through the Flask test client, split into index, database and the rest.

    The split wraps (in this process only) the app's SearchIndex.search and
    discovery.load_result_items with timers; nothing else is changed.
    """
    from registry.services import discovery

    # a fresh searcher, like a new worker
    index = open_index(app.config)
    app.extensions["registry.search"] = index
    spent = {"search": 0.0, "db": 0.0, "search_cpu": 0.0, "db_cpu": 0.0}

    def timer(key: str, fn: Callable) -> Callable:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            started, cpu_started = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - started
                spent[key + "_cpu"] += time.thread_time() - cpu_started

        return wrapped

    index.search = timer("search", index.search)  # type: ignore[method-assign]
    original_load = discovery.load_result_items
    discovery.load_result_items = timer("db", original_load)  # type: ignore[assignment]
    client = app.test_client()
    parts: list[tuple[float, float, float, float]] = []

    def run(query: dict[str, Any]) -> tuple[int, int]:
        for key in spent:
            spent[key] = 0.0
        response = client.get(api_path(query))
        assert response.status_code == 200, (response.status_code, response.get_data())
        body = response.get_json()
        assert {"sector", "focus", "innovator_type", "province", "stage", "year"} <= set(
            body["facets"]
        )
        parts.append((spent["search"], spent["db"], spent["search_cpu"], spent["db_cpu"]))
        return body["total"], len(body["results"])

    try:
        timed = profiled(name, lambda: _timed(queries, warmup, run), prof)
    finally:
        discovery.load_result_items = original_load  # type: ignore[assignment]
        index.close()
        app.extensions.pop("registry.search", None)
    parts = parts[len(warmup) :]
    wall = timed.pop("wall")
    cpu = timed.pop("cpu")
    outputs = timed.pop("outputs")
    timed["breakdown_ms"] = {
        "search_index": stats_ms([p[0] for p in parts]),
        "database": stats_ms([p[1] for p in parts]),
        "rest": stats_ms([w - p[0] - p[1] for w, p in zip(wall, parts, strict=True)]),
    }
    timed["breakdown_cpu_ms"] = {
        "search_index": stats_ms([p[2] for p in parts]),
        "database": stats_ms([p[3] for p in parts]),
        "rest": stats_ms([c - p[2] - p[3] for c, p in zip(cpu, parts, strict=True)]),
    }
    timed["totals"] = [t for t, _ in outputs]
    timed["returned"] = [n for _, n in outputs]
    return timed


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_http(env: dict[str, str], queries: Sequence, warmup: Sequence) -> dict:
    import requests

    port = free_port()
    server = subprocess.Popen(
        [str(REGISTRY_BIN), "serve", "--host", "127.0.0.1"] + ["--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"registry serve exited: {server.stderr.read()}")  # type: ignore[union-attr]
            try:
                if session.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("registry serve did not become ready in 60 s")
            time.sleep(0.2)
        rss_idle = proc_status(server.pid)

        def run(query: dict[str, Any]) -> int:
            response = session.get(base + api_path(query), timeout=30)
            response.raise_for_status()
            return int(response.json()["total"])

        cpu_marks: list[float] = []
        timed = _timed(queries, warmup, run, lambda: cpu_marks.append(proc_cpu_seconds(server.pid)))
        worker_cpu = proc_cpu_seconds(server.pid) - cpu_marks[0]
        rss_after = proc_status(server.pid)
    finally:
        session.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    timed.pop("wall")
    timed.pop("cpu")
    timed["client_cpu_ms"] = timed.pop("cpu_ms")
    return timed | {
        "totals": timed.pop("outputs"),
        # the worker's CPU time over the timed queries (all its threads), per query
        "worker_cpu_ms_per_request": round(worker_cpu * 1000 / len(queries), 2),
        "worker_rss_idle_mib": rss_idle.get("VmRSS"),
        "worker_rss_mib": rss_after.get("VmRSS"),
        "worker_rss_peak_mib": rss_after.get("VmHWM"),
        "server": "registry serve (waitress, 8 threads), one keep-alive client",
    }


# --------------------------------------------------------------------------- SQLite FTS5


def _fts_match(q: str, op: str) -> str:
    words = re.findall(r"[^\W_]+", q)
    return f" {op} ".join(f'"{w}"' for w in words)


def build_fts(records: Iterable[dict[str, Any]], path: Path) -> dict:
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    conn.executescript(
        """
        PRAGMA journal_mode=WAL;
        CREATE TABLE doc(id INTEGER PRIMARY KEY, focus TEXT, stage TEXT,
                         innovator_type TEXT, province TEXT, year TEXT);
        CREATE TABLE doc_sector(id INTEGER, sector TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, summary, body,
                                            tokenize='unicode61 remove_diacritics 2');
        """
    )
    count = 0
    with conn:
        for r in records:
            body = "\n\n".join(r[k] for k in BODY_SECTIONS if r[k])
            conn.execute(
                "INSERT INTO fts(rowid, title, summary, body) VALUES (?,?,?,?)",
                (r["id"], r["title"], r["summary"], body),
            )
            conn.execute(
                "INSERT INTO doc VALUES (?,?,?,?,?,?)",
                (
                    r["id"],
                    r["focus"],
                    r["stage"],
                    r["innovator_type"],
                    r["province"],
                    r["started_on"][:4],
                ),
            )
            conn.executemany(
                "INSERT INTO doc_sector VALUES (?,?)", [(r["id"], s) for s in r["sectors"]]
            )
            count += 1
    conn.executescript(
        """
        CREATE INDEX doc_sector_id ON doc_sector(id, sector);
        INSERT INTO fts(fts) VALUES('optimize');
        PRAGMA wal_checkpoint(TRUNCATE);
        """
    )
    seconds = time.perf_counter() - started
    conn.close()
    return {
        "docs": count,
        "seconds": round(seconds, 2),
        "docs_per_s": round(count / seconds),
        "size_mib": round(path.stat().st_size / 2**20, 1),
    }


def bench_fts(path: Path, queries: Sequence, warmup: Sequence) -> dict:
    conn = sqlite3.connect(path)

    def run_match(match: str, filters: dict[str, list[str]]) -> tuple[int, list[int]]:
        where, args = ["fts MATCH ?"], [match]
        for name, values in filters.items():
            marks = ",".join("?" * len(values))
            if name == "sector":
                # EXISTS keeps MATCH as the driver; "rowid IN (SELECT ...)" made SQLite
                # test the FTS match per listed rowid: 50-300x slower on common sectors.
                where.append(
                    "EXISTS (SELECT 1 FROM doc_sector s WHERE s.id = fts.rowid"
                    f" AND s.sector IN ({marks}))"
                )
            else:
                where.append(f"doc.{name} IN ({marks})")
            args += values
        sql_where = " AND ".join(where)
        page = conn.execute(
            f"SELECT fts.rowid FROM fts JOIN doc ON doc.id = fts.rowid WHERE {sql_where} "
            "ORDER BY bm25(fts, 4.0, 2.0, 1.0) LIMIT 20",
            args,
        ).fetchall()
        facet = conn.execute(
            f"SELECT doc.focus, count(*) FROM fts JOIN doc ON doc.id = fts.rowid "
            f"WHERE {sql_where} GROUP BY doc.focus",
            args,
        ).fetchall()
        return sum(n for _, n in facet), [r for (r,) in page]

    def run(query: dict[str, Any]) -> int:
        total, _ = run_match(_fts_match(query["q"], "AND"), query["filters"])
        if total == 0 and len(re.findall(r"[^\W_]+", query["q"])) > 1:
            total, _ = run_match(_fts_match(query["q"], "OR"), query["filters"])
        return total

    timed = _timed(queries, warmup, run)
    conn.close()
    timed.pop("wall")
    timed.pop("cpu")
    timed["totals"] = timed.pop("outputs")
    return timed


# --------------------------------------------------------------------------- one size


def corpus_stats(records: Sequence[dict[str, Any]], seed: int) -> dict[str, Any]:
    words = [generate.document_words(r) for r in records]
    vocab: set[str] = set()
    for r in records:
        for k in ("title", "summary", *BODY_SECTIONS):
            vocab.update(w.lower() for w in re.findall(r"[^\W_]+", r[k]))
    english = sum(1 for r in records if generate.is_english(r["id"], seed))
    return {
        "words_min": min(words),
        "words_mean": round(sum(words) / len(words), 1),
        "words_max": max(words),
        "distinct_words": len(vocab),
        "distinct_non_numeric_words": sum(1 for w in vocab if not w.isdigit()),
        "english_records": english,
    }


def run_size(size: int, args: argparse.Namespace, backend: str = "whoosh") -> dict[str, Any]:
    from registry.app import create_app

    pg_url = args.pg_url if backend == "postgres" else ""
    if backend == "postgres":
        if not pg_url:
            raise SystemExit("--backend postgres needs --pg-url or REGISTRY_BENCH_DATABASE_URL")
        wipe_postgres(pg_url)

    queries = generate.make_queries(args.queries, seed=args.seed)
    warmup = generate.make_queries(20, seed=args.seed + 1)
    base = Path(args.workdir) if args.workdir else None
    work = Path(tempfile.mkdtemp(prefix=f"bench-search-{size}-", dir=base))
    result: dict[str, Any] = {
        "size": size,
        "backend": backend,
        "seed": args.seed,
        "queries": len(queries),
        "queries_with_filters": sum(1 for q in queries if q["filters"]),
        "query_words": {n: sum(1 for q in queries if len(q["q"].split()) == n) for n in (1, 2, 3)},
        "machine": machine(),
        "code": code_identity(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "workdir": str(work),
    }
    try:
        with phase(result, "generate records"):
            records = list(generate.records(size, seed=args.seed))
        result["corpus"] = corpus_stats(records, args.seed)

        if not args.skip_direct_rebuild and backend == "whoosh":
            with phase(result, "SearchIndex.rebuild from the generator"):
                result["rebuild_direct"] = bench_direct_rebuild(records, work)
            shutil.rmtree(work / "index-direct", ignore_errors=True)

        app = create_app(app_config(work, pg_url))
        with phase(result, "registry init and bulk insert into the database"):
            result["db_load"] = load_database(app, records)
        if not args.skip_direct_rebuild and backend == "postgres":
            with phase(result, "SearchIndex.rebuild from the generator"):
                result["rebuild_direct"] = bench_direct_rebuild_postgres(records, app)

        with phase(result, "indexing.rebuild() from the database"):
            result["rebuild_db"] = bench_db_rebuild(app)
        result["index_size_mib"] = result["rebuild_db"]["size_mib"]
        if backend == "whoosh":
            result["index_files"] = len(list((work / "index").iterdir()))

        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p
                for p in (str(SNAPSHOT) if SNAPSHOT else "", os.environ.get("PYTHONPATH", ""))
                if p
            ),
            "REGISTRY_INSTANCE_DIR": str(work / "instance"),
            "REGISTRY_INDEX_DIR": str(work / "index"),
            "REGISTRY_DATABASE_URL": app_config(work, pg_url)["DATABASE_URL"],
            "REGISTRY_SEARCH_BACKEND": backend,
            "REGISTRY_SECRET_KEY": "bench-not-secret",
            "REGISTRY_API_READ_RATE_LIMIT": app_config(work)["API_READ_RATE_LIMIT"],
        }
        if args.cli_rebuild:
            with phase(result, "registry index rebuild (the command)"):
                result["rebuild_cli"] = bench_cli_rebuild(work, env)

        with phase(result, "queries, SearchIndex.search only"):
            result["search_index_only"] = bench_index_only(app, queries, warmup)
        with phase(result, "queries, API in process"):
            result["api_in_process"] = bench_in_process(
                app, queries, warmup, False, f"profile-{size}-api"
            )
        # Extra passes, never the measured ones: cProfile slows what it watches.
        if "api" in args.profile:
            with phase(result, "profile: queries, API in process"):
                bench_in_process(app, queries, warmup, True, f"profile-{size}-api")
        if "rebuild" in args.profile:
            with phase(result, "profile: indexing.rebuild() (parent process)"):
                from registry.services import indexing

                with app.app_context():
                    profiled(f"profile-{size}-rebuild-db", indexing.rebuild, True)
            with phase(result, "profile: SearchIndex.rebuild in one process"):
                single = SearchIndex(work / "index-profile")
                single.parallel_threshold = len(records) + 1  # no worker processes
                profiled(f"profile-{size}-rebuild-1proc", lambda: single.rebuild(records), True)
                single.close()
                shutil.rmtree(work / "index-profile", ignore_errors=True)
        if not args.skip_http:
            with phase(result, "queries, API over HTTP"):
                result["api_http"] = bench_http(env, queries, warmup)

        with phase(result, "SQLite FTS5 build"):
            result["fts5_build"] = build_fts(records, work / "fts.db")
        with phase(result, "queries, SQLite FTS5"):
            result["fts5"] = bench_fts(work / "fts.db", queries, warmup)

        with app.app_context():
            from registry.extensions import db

            db.session.remove()
            db.engine.dispose()
        search = app.extensions.get("registry.search")
        if search is not None:
            search.close()
        result["checks"] = checks(result)
        result["per_query"] = per_query(queries, result)
        for key in ("search_index_only", "api_in_process", "api_http", "fts5"):
            if key in result:
                result[key].pop("per_query_ms", None)
        return result
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def per_query(queries: Sequence[dict[str, Any]], result: dict[str, Any]) -> list[dict]:
    """Each query with its hit counts and wall milliseconds on every path."""
    rows = []
    for i, query in enumerate(queries):
        row: dict[str, Any] = {"q": query["q"], "filters": query["filters"]}
        for key in ("search_index_only", "api_in_process", "api_http", "fts5"):
            if key in result and "per_query_ms" in result[key]:
                row[key + "_ms"] = result[key]["per_query_ms"][i]
        row["total"] = result["api_in_process"]["totals"][i]
        row["total_fts5"] = result["fts5"]["totals"][i]
        rows.append(row)
    return rows


def checks(result: dict[str, Any]) -> dict[str, Any]:
    """Every path must agree on the hit counts (the same index, the same queries)."""
    api = result["api_in_process"]["totals"]
    out = {
        "index_vs_api_totals_equal": api == result["search_index_only"]["totals"],
        "empty_results": sum(1 for t in api if t == 0),
        "mean_total_registry": round(sum(api) / len(api), 1),
        "mean_total_fts5": round(sum(result["fts5"]["totals"]) / len(api), 1),
    }
    if "api_http" in result:
        out["http_vs_api_totals_equal"] = api == result["api_http"]["totals"]
    return out


# --------------------------------------------------------------------------- report


def verdict(value: float | None, target: float, higher_is_better: bool) -> str:
    if value is None:
        return "-"
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "MISSED"


def table(results: Sequence[dict[str, Any]]) -> str:
    names = [f"{r['size']:,} docs, {r.get('backend', 'whoosh')}" for r in results]
    rows: list[tuple[str, list[str], str]] = []

    def add(label: str, get: Callable[[dict], Any], target: str = "") -> None:
        cells = []
        for r in results:
            try:
                value = get(r)
            except KeyError:
                value = None
            cells.append("-" if value is None else str(value))
        rows.append((label, cells, target))

    def pair(key: str, what: str = "latency_ms") -> Callable[[dict], str]:
        return lambda r: f"{r[key][what]['p50']} / {r[key][what]['p95']}"

    def rate(key: str) -> Callable[[dict], str]:
        return lambda r: f"{r[key]['docs_per_s']:,} [{r[key]['docs_per_cpu_s']:,}]"

    def load(*names: str) -> Callable[[dict], str]:
        def get(r: dict) -> str:
            values = [
                v
                for name in names
                for k in ("loadavg_1m_before", "loadavg_1m_after")
                if (v := r["phases"].get(name, {}).get(k)) is not None
            ]
            return f"{min(values)}-{max(values)}"

        return get

    add("rebuild from generator, docs/s [per CPU-s]", rate("rebuild_direct"), ">= 1,500 / 2,000")
    add("rebuild from database, docs/s [per CPU-s]", rate("rebuild_db"), ">= 1,500 / 2,000")
    add("`registry index rebuild` wall, docs/s", lambda r: r["rebuild_cli"]["docs_per_s"])
    add("  load average during rebuilds", load(*(n for n in PHASES if "rebuild" in n)))
    add("API in process p50 / p95 ms", pair("api_in_process"), "p95 <= 50")
    add("  CPU p50 / p95 ms", pair("api_in_process", "cpu_ms"))
    add(
        "  index / database / rest, CPU p50 ms",
        lambda r: " / ".join(
            str(r["api_in_process"]["breakdown_cpu_ms"][k]["p50"])
            for k in ("search_index", "database", "rest")
        ),
    )
    add("API over HTTP p50 / p95 ms", pair("api_http"), "p95 <= 50")
    add("  worker CPU ms per request (mean)", lambda r: r["api_http"]["worker_cpu_ms_per_request"])
    add("SearchIndex.search alone p50 / p95 ms", pair("search_index_only"))
    add("  CPU p50 / p95 ms", pair("search_index_only", "cpu_ms"))
    add("SQLite FTS5 reference p50 / p95 ms", pair("fts5"))
    add("  CPU p50 / p95 ms", pair("fts5", "cpu_ms"))
    add(
        "API p95 / FTS5 p95, wall [CPU]",
        lambda r: "{:.2f} [{:.2f}]".format(
            r["api_in_process"]["latency_ms"]["p95"] / r["fts5"]["latency_ms"]["p95"],
            r["api_in_process"]["cpu_ms"]["p95"] / r["fts5"]["cpu_ms"]["p95"],
        ),
    )
    add("  load average during queries", load(*(n for n in PHASES if n.startswith("queries"))))
    add("first query of a new worker (HTTP) ms", lambda r: r["api_http"]["first_query_ms"])
    add("web worker RSS after queries MiB", lambda r: r["api_http"]["worker_rss_mib"], "<= 250")
    add(
        "  RSS idle / peak MiB",
        lambda r: (
            f"{r['api_http']['worker_rss_idle_mib']} / {r['api_http']['worker_rss_peak_mib']}"
        ),
    )
    add("index size on disk MiB", lambda r: r["index_size_mib"])
    add(
        "FTS5 build docs/s / size MiB",
        lambda r: f"{r['fts5_build']['docs_per_s']:,} / {r['fts5_build']['size_mib']}",
    )
    add(
        "mean hits per query, registry / FTS5",
        lambda r: f"{r['checks']['mean_total_registry']} / {r['checks']['mean_total_fts5']}",
    )

    width = max(len(label) for label, _, _ in rows)
    cols = [max(len(n), *(len(c[i]) for _, c, _ in rows)) for i, n in enumerate(names)]
    head = " | ".join(
        [" " * width, *(n.rjust(w) for n, w in zip(names, cols, strict=True)), "target"]
    )
    lines = [head, "-" * len(head)]
    for label, cells, target in rows:
        lines.append(
            " | ".join(
                [
                    label.ljust(width),
                    *(c.rjust(w) for c, w in zip(cells, cols, strict=True)),
                    target,
                ]
            )
        )
    return "\n".join(lines)


def agreement(whoosh: dict[str, Any], postgres: dict[str, Any]) -> dict[str, Any]:
    """How the two backends' hit counts compare on the same queries (matching should agree;
    ranking may differ)."""
    a, b = whoosh["api_in_process"]["totals"], postgres["api_in_process"]["totals"]
    differing = [
        {"q": q["q"], "filters": q["filters"], "whoosh": x, "postgres": y}
        for q, x, y in zip(whoosh["per_query"], a, b, strict=True)
        if x != y
    ]
    worst = max((abs(x - y) / max(x, y, 1) for x, y in zip(a, b, strict=True)), default=0.0)
    return {
        "queries": len(a),
        "equal_totals": len(a) - len(differing),
        "max_relative_difference": round(worst, 4),
        "differing": differing,
    }


def verdicts(result: dict[str, Any]) -> dict[str, str]:
    targets = POSTGRES_TARGETS if result.get("backend") == "postgres" else TARGETS
    http = result.get("api_http", {})
    return {
        "api_p95_in_process": verdict(
            result["api_in_process"]["latency_ms"]["p95"], targets["api_p95_ms"], False
        ),
        "api_p95_http": verdict(
            http.get("latency_ms", {}).get("p95"), targets["api_p95_ms"], False
        ),
        "rebuild_db": verdict(
            result["rebuild_db"]["docs_per_s"], targets["rebuild_docs_per_s"], True
        ),
        "rebuild_direct": verdict(
            result.get("rebuild_direct", {}).get("docs_per_s"), targets["rebuild_docs_per_s"], True
        ),
        "worker_rss": verdict(http.get("worker_rss_mib"), targets["worker_rss_mib"], False),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,50000",
        help="comma-separated record counts (default: 10000,50000)",
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=generate.SEED)
    parser.add_argument(
        "--workdir",
        default=None,
        help="where the temporary database and indexes go (default: $TMPDIR)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--backend",
        default="whoosh",
        help="comma-separated search backends to measure side by side: whoosh, postgres",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("REGISTRY_BENCH_DATABASE_URL", ""),
        help="the PostgreSQL database of the postgres backend (WIPED; default: "
        "$REGISTRY_BENCH_DATABASE_URL)",
    )
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--no-cli-rebuild",
        dest="cli_rebuild",
        action="store_false",
        help="skip timing the `registry index rebuild` command itself",
    )
    parser.add_argument(
        "--no-snapshot",
        action="store_true",
        help="import registry/ where it is instead of from a copy taken at start",
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="api,rebuild",
        default="",
        help="also write cProfile reports to bench/results/profile-*: api, rebuild or both "
        "(the default; the rebuild passes are slow)",
    )
    parser.add_argument(
        "--skip-direct-rebuild",
        action="store_true",
        help="skip SearchIndex.rebuild fed from the generator",
    )
    args = parser.parse_args(argv)
    # SIGTERM (kill PID) runs the finally blocks too: temporary files go, the server stops.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    unknown = set(backends) - {"whoosh", "postgres"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    results = []
    for size in sizes:
        by_backend: dict[str, dict[str, Any]] = {}
        for backend in backends:
            result = run_size(size, args, backend)
            if size == TARGET_SIZE:
                result["targets"] = POSTGRES_TARGETS if backend == "postgres" else TARGETS
            result["verdicts"] = verdicts(result)
            by_backend[backend] = result
            results.append(result)
        if len(by_backend) == 2:
            by_backend["postgres"]["agreement_with_whoosh"] = agreement(
                by_backend["whoosh"], by_backend["postgres"]
            )
            found = by_backend["postgres"]["agreement_with_whoosh"]
            log(
                f"{size}: hit counts equal on {found['equal_totals']} of {found['queries']} "
                f"queries (largest relative difference {found['max_relative_difference']})"
            )
        for backend, result in by_backend.items():
            suffix = "" if backend == "whoosh" else f"-{backend}"
            path = RESULTS_DIR / f"search-{size}{suffix}.json"
            path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
            log(f"{size}: results written to {path}")
        print(table(list(by_backend.values())), flush=True)
    if len(results) > len(backends):
        print()
        print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
