"""Concurrent use of `registry serve` (issue 17, Targets).

Three phases, each against a real `registry serve` (waitress) in a subprocess on 127.0.0.1:

- ``api``: 4 API readers (curator tokens: the candidates list, a submission) and 10 writers
  (institution tokens: POST /api/v1/submissions) at once. A ledger keeps every title sent and
  its answer; afterwards the database is asked which were stored. Targets: no 503 on reads, no
  failed write, nothing lost.
- ``publish``: N innovations submitted and published by 10 clients at once (a submission by an
  institution, then a curator's publish decision); then the published ids in the database are
  compared with the ids in the search index. Target: equal.
- ``home``: requests per second on ``GET /`` from an asyncio keep-alive client (one process,
  C connections), with the catalogue cache on and off. Target: >= 300 req/s.

    .venv/bin/python bench/concurrency.py                       # SQLite, all phases
    .venv/bin/python bench/concurrency.py --database-url postgresql+psycopg://... --phases publish

A PostgreSQL database given here is wiped (its public schema dropped). Results go to
bench/results/concurrency-<db>.json and a summary is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

READERS, WRITERS, CLIENTS = 4, 10, 10


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def settings(work: Path, database_url: str, **extra: Any) -> dict[str, str]:
    values = {
        "INSTANCE_DIR": str(work / "instance"),
        "INDEX_DIR": str(work / "index"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret",
        "ENV": "development",
        **{k: str(v) for k, v in extra.items()},
    }
    return {f"REGISTRY_{k}": v for k, v in values.items()}


def make_app(env: dict[str, str]) -> Any:
    from registry.app import create_app

    return create_app({k.removeprefix("REGISTRY_"): v for k, v in env.items()})


def prepare(app: Any, catalogue_size: int) -> dict[str, list[str]]:
    """Schema, users and tokens, and a published catalogue for the home page's figures."""
    from registry.extensions import db
    from registry.services import accounts, catalogue
    from registry.services.setup import initialize

    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import make_innovation_data  # the tests' complete innovation

    with app.app_context():
        initialize(train_model=False)
        tokens: dict[str, list[str]] = {"curator": [], "institution": []}
        for i in range(max(READERS, CLIENTS)):
            user = accounts.create_user(f"kurator{i}@example.org", None, role="curator")
            tokens["curator"].append(accounts.mint_api_token(user))
        for i in range(max(WRITERS, CLIENTS)):
            org = accounts.find_or_create_organization(f"Dinas Uji {i}", "pemkot")
            user = accounts.create_user(
                f"instansi{i}@example.org", None, role="institution", organization=org
            )
            tokens["institution"].append(accounts.mint_api_token(user))
        for n in range(catalogue_size):
            catalogue.create(
                make_innovation_data(title=f"Inovasi Katalog Nomor {n}"),
                actor="bench",
                status="published",
            )
        db.session.commit()
    return tokens


def innovation(title: str) -> dict[str, Any]:
    from conftest import make_innovation_data

    return make_innovation_data(title=title)


class Server:
    def __init__(self, env: dict[str, str], port: int):
        self.port = port
        full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        # the server's log goes to a file: an unread pipe would fill and stop the server
        self.log = Path(env["REGISTRY_INSTANCE_DIR"]) / "serve.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "registry", "serve", "--host", "127.0.0.1"]
            + ["--port", str(port)],
            env=full,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"registry serve exited: {self.log.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("registry serve did not answer in 60 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Client:
    """One keep-alive connection; answers as (status, parsed JSON or None)."""

    def __init__(self, port: int, token: str = ""):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            return 0, str(exc)
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def phase_api(app: Any, port: int, tokens: dict[str, list[str]], writes_each: int) -> dict:
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import Innovation

    stop = threading.Event()

    def reader(token: str) -> Callable[[], Counter[int]]:
        def run() -> Counter[int]:
            client, codes = Client(port, token), Counter[int]()
            while not stop.is_set():
                codes[client.call("GET", "/api/v1/candidates?per_page=20")[0]] += 1
                codes[client.call("GET", "/api/v1/submissions/1")[0]] += 1
            return codes

        return run

    def writer(n: int, token: str) -> Callable[[], list[tuple[str, int]]]:
        def run() -> list[tuple[str, int]]:
            client, ledger = Client(port, token), []
            for k in range(writes_each):
                title = f"Inovasi Bench Penulis {n} Nomor {k}"
                code = client.call("POST", "/api/v1/submissions", innovation(title))[0]
                ledger.append((title, code))
            return ledger

        return run

    def writers_then_stop() -> list[list[tuple[str, int]]]:
        ledgers = together([writer(n, t) for n, t in enumerate(tokens["institution"][:WRITERS])])
        stop.set()
        return ledgers

    started = time.monotonic()
    results = together([reader(t) for t in tokens["curator"][:READERS]] + [writers_then_stop])
    elapsed = time.monotonic() - started
    reads: Counter[int] = Counter()
    for codes in results[:READERS]:
        reads.update(codes)
    ledger = [entry for ledgers in results[READERS] for entry in ledgers]
    sent_ok = {title for title, code in ledger if code == 201}
    with app.app_context():
        stored = set(db.session.scalars(select(Innovation.title).where(Innovation.origin == "api")))
        db.session.remove()
    return {
        "seconds": round(elapsed, 1),
        "reads": dict(sorted(reads.items())),
        "reads_503": reads.get(503, 0),
        "writes_sent": len(ledger),
        "writes_by_status": dict(Counter(code for _, code in ledger)),
        "writes_failed": sum(1 for _, code in ledger if code != 201),
        "stored": len(stored & {t for t, _ in ledger}),
        "lost": len(sent_ok - stored),
        "stored_without_201": len((stored & {t for t, _ in ledger}) - sent_ok),
    }


def phase_publish(app: Any, port: int, tokens: dict[str, list[str]], total: int) -> dict:
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import Innovation
    from registry.services import indexing

    each = total // CLIENTS

    def publisher(n: int) -> Callable[[], Counter[str]]:
        def run() -> Counter[str]:
            owner = Client(port, tokens["institution"][n])
            curator = Client(port, tokens["curator"][n])
            outcome: Counter[str] = Counter()
            for k in range(each):
                code, body = owner.call(
                    "POST", "/api/v1/submissions", innovation(f"Terbit Serentak {n} Nomor {k}")
                )
                outcome[f"submit {code}"] += 1
                if code != 201:
                    continue
                path = f"/api/v1/submissions/{body['id']}/decision"
                outcome[f"publish {curator.call('POST', path, {'decision': 'publish'})[0]}"] += 1
            return outcome

        return run

    started = time.monotonic()
    outcomes = together([publisher(n) for n in range(CLIENTS)])
    elapsed = time.monotonic() - started
    answers: Counter[str] = Counter()
    for outcome in outcomes:
        answers.update(outcome)
    with app.app_context():
        published = set(
            db.session.scalars(select(Innovation.id).where(Innovation.status == "published"))
        )
        indexed = set(indexing.get_index().stamps())
        waiting = sorted(indexing.take_unsynced())
        db.session.remove()
    return {
        "publishes": CLIENTS * each,
        "seconds": round(elapsed, 1),
        "answers": dict(sorted(answers.items())),
        "published_in_db": len(published),
        "in_index": len(indexed),
        "missing_from_index": len(published - indexed),
        "in_index_not_published": len(indexed - published),
        "index_equals_db": published == indexed,
        "ledger_waiting": waiting,
    }


async def _hammer(port: int, path: str, connections: int, seconds: float) -> dict:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    codes: Counter[int] = Counter()
    deadline = time.monotonic() + seconds

    async def one() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                status = int(lines[0].split()[1])
                length = next(
                    int(v)
                    for k, _, v in (x.partition(":") for x in lines[1:])
                    if k.lower() == "content-length"
                )
                await reader.readexactly(length)
                codes[status] += 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(connections)))
    elapsed = time.monotonic() - started
    total = sum(codes.values())
    return {
        "connections": connections,
        "seconds": round(elapsed, 2),
        "requests": total,
        "per_second": round(total / elapsed, 1),
        "status": dict(codes),
    }


def phase_home(env: dict[str, str], port: int, seconds: float, levels: list[int]) -> dict:
    result: dict[str, Any] = {}
    for label, cache_seconds in (("cached", 60), ("uncached", 0)):
        server = Server({**env, "REGISTRY_CATALOGUE_CACHE_SECONDS": str(cache_seconds)}, port)
        try:
            asyncio.run(_hammer(port, "/", 4, 2))  # warm up
            result[label] = [asyncio.run(_hammer(port, "/", c, seconds)) for c in levels]
        finally:
            server.stop()
        rates = ", ".join(f"{r['connections']}: {r['per_second']}/s" for r in result[label])
        log(f"home {label}: {rates}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: SQLite in the work dir")
    parser.add_argument("--phases", default="api,publish,home")
    parser.add_argument("--publishes", type=int, default=500)
    parser.add_argument("--writes-each", type=int, default=30, help="submissions per writer")
    parser.add_argument("--catalogue", type=int, default=300, help="published rows to start with")
    parser.add_argument("--seconds", type=float, default=10.0, help="per home load level")
    parser.add_argument("--levels", default="10,50,100", help="home: connections per level")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workdir", default="")
    args = parser.parse_args()
    phases = args.phases.split(",")

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-concurrency-"))
    work.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{work / 'instance' / 'registry.db'}"
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    if kind == "postgresql":
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import _wipe_postgres  # as the tests do

        _wipe_postgres(database_url)
    env = settings(work, database_url, RATELIMIT_ENABLED="false")
    app = make_app(env)
    log(f"preparing {kind} in {work}")
    tokens = prepare(app, args.catalogue)
    report: dict[str, Any] = {"database": kind, "cpus": os.cpu_count(), "phases": {}}
    report["load_before"] = os.getloadavg()
    try:
        if "api" in phases or "publish" in phases:
            server = Server(env, args.port)
            try:
                if "api" in phases:
                    report["phases"]["api"] = phase_api(app, args.port, tokens, args.writes_each)
                    log(f"api: {report['phases']['api']}")
                if "publish" in phases:
                    report["phases"]["publish"] = phase_publish(
                        app, args.port, tokens, args.publishes
                    )
                    log(f"publish: {report['phases']['publish']}")
            finally:
                server.stop()
        if "home" in phases:
            levels = [int(x) for x in args.levels.split(",")]
            report["phases"]["home"] = phase_home(env, args.port, args.seconds, levels)
    finally:
        report["load_after"] = os.getloadavg()
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"concurrency-{kind}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
