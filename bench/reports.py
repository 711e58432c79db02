"""Reports benchmark: the public form's answer time and paging /laporan and the curators' queue
with 100,000 reports stored (issue 11's targets: form p95 < 300 ms, lists p95 < 200 ms).

A plain script (never run in CI):

    .venv/bin/python bench/reports.py --reports 100000 [--database-url URL] [--requests 200]

It builds a fresh SQLite database (or wipes the PostgreSQL database named by --database-url)
with the schema, regions, a curator and institutions, bulk-inserts the reports (every state,
category and province, a fifth confidential, a response event for each answered one), then
times in process (Flask test client, no network):

1. POST /lapor (the public form, CSRF and rate limit off) and POST /api/v1/reports;
2. GET /laporan at random pages over the whole list, and with a category/province filter;
3. GET /curate/reports/ at random pages, logged in as a curator.

It prints p50/p95/max in milliseconds and writes bench/results/reports-<n>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import insert, text  # noqa: E402

from registry import taxonomy  # noqa: E402
from registry.app import create_app  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.models import Report, ReportEvent  # noqa: E402
from registry.services import accounts, reports  # noqa: E402
from registry.services.setup import initialize  # noqa: E402

PASSWORD = "Bench-Password-2020!"
STATES = ("received", "verified", "rejected", "disposed", "responded", "closed")
WEIGHTS = (0.05, 0.05, 0.05, 0.10, 0.15, 0.60)


def _wipe_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fill(n: int, institution_ids: list[int], seed: int = 11) -> None:
    """Bulk-insert ``n`` reports (and one response event per answered one)."""
    rng = random.Random(seed)
    provinces = [
        (p.code, [r.code for r in taxonomy.regencies(p.code)]) for p in taxonomy.provinces()
    ]
    categories = list(reports.CATEGORIES)
    kinds = list(reports.KINDS)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    batch: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    first_id = 1
    for i in range(n):
        state = rng.choices(STATES, WEIGHTS)[0]
        received = now - dt.timedelta(minutes=rng.randint(10, 365 * 24 * 60))
        province, regencies = rng.choice(provinces)
        dispose_due = received + dt.timedelta(days=1)
        respond_due = received + dt.timedelta(days=3)
        disposed = received + dt.timedelta(hours=rng.uniform(1, 40))
        responded = received + dt.timedelta(hours=rng.uniform(5, 120))
        answered = state in ("responded", "closed")
        due = {"received": dispose_due, "verified": dispose_due, "disposed": respond_due}
        row = {
            "id": first_id + i,
            "tracking_code": reports.new_code(),
            "secret_hash": reports.hash_secret(str(i)),
            "kind": rng.choice(kinds),
            "category": rng.choice(categories),
            "title": f"Laporan uji {i}",
            "body": "Bantuan belum diterima warga sejak bulan lalu. " * rng.randint(1, 6),
            "province_code": province,
            "regency_code": rng.choice(regencies) if regencies else None,
            "innovation_id": None,
            "occurred_on": None,
            "anonymous": rng.random() < 0.3,
            "confidential": rng.random() < 0.2,
            "reporter_name": "",
            "reporter_email": "",
            "reporter_phone": "",
            "addressee_id": rng.choice(institution_ids)
            if state in ("disposed", "responded", "closed")
            else None,
            "status": state,
            "reject_reason": "spam" if state == "rejected" else "",
            "rating": rng.randint(1, 5) if state == "closed" else None,
            "reopened": False,
            "received_at": received,
            "dispose_due": dispose_due,
            "respond_due": respond_due,
            "due_at": due.get(state),
            "verified_at": received if state != "received" else None,
            "disposed_at": disposed if state in ("disposed", "responded", "closed") else None,
            "responded_at": responded if answered else None,
            "closed_at": responded if state == "closed" else None,
            "updated_at": received,
            "source_hash": "bench",
        }
        batch.append(row)
        if answered:
            events.append(
                {
                    "report_id": row["id"],
                    "at": responded,
                    "actor_role": "institution",
                    "actor_id": None,
                    "action": "respond",
                    "from_status": "disposed",
                    "to_status": "responded",
                    "note": "Sudah ditindaklanjuti oleh dinas terkait.",
                    "details": None,
                }
            )
        if len(batch) >= 5000:
            db.session.execute(insert(Report), batch)
            if events:
                db.session.execute(insert(ReportEvent), events)
            db.session.commit()
            batch, events = [], []
    if batch:
        db.session.execute(insert(Report), batch)
    if events:
        db.session.execute(insert(ReportEvent), events)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('report_id_seq', (SELECT max(id) FROM report))"))
        db.session.commit()
        # what autovacuum does to a table that has settled: statistics and the visibility map
        # (so that the index-only scans of the counts do not visit the table)
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()


def _prepare(n: int) -> None:
    """The schema, regions, a curator, 20 institutions and ``n`` reports."""
    initialize(train_model=False)
    curator = accounts.create_user(
        "kurator@bench.example", PASSWORD, role="curator", confirmed=True
    )
    institutions = [
        accounts.create_user(f"dinas{i}@bench.example", PASSWORD, confirmed=True).id
        for i in range(20)
    ]
    assert curator.id
    db.session.commit()
    start = time.perf_counter()
    fill(n, institutions)
    print(
        f"inserted {n:,} reports in {time.perf_counter() - start:.1f} s ({db.engine.dialect.name})"
    )


ONLY: list[str] = []  # --only: the labels to time (all when empty)


def timed(label: str, count: int, call: Callable[[int], Any]) -> dict[str, Any] | None:
    if ONLY and not any(word in label for word in ONLY):
        return None
    for i in range(5):  # warm-up, not timed
        call(i)
    times = []
    for i in range(count):
        start = time.perf_counter()
        response = call(i)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 201), (label, response.status_code)
    times.sort()
    result = {
        "what": label,
        "n": count,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
    }
    print(
        f"{label:<48} p50 {result['p50_ms']:>7} ms  p95 {result['p95_ms']:>7} ms  "
        f"max {result['max_ms']:>7} ms"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--workdir",
        default="",
        help="keep the SQLite database here; a second run with the same folder reuses it "
        "(skips the 100 s insert)",
    )
    parser.add_argument(
        "--only", default="", help="time only the requests whose label holds one of these (a,b)"
    )
    args = parser.parse_args()
    ONLY.extend(w for w in args.only.split(",") if w)
    workdir = (
        Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-reports-"))
    )
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir / 'registry.db'}"
    reuse = not args.database_url and (workdir / "registry.db").exists()
    if args.database_url:
        _wipe_postgres(url)
    app = create_app(
        {
            "INSTANCE_DIR": str(workdir / "instance"),
            "INDEX_DIR": str(workdir / "index"),
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        if reuse:
            print(f"reusing {workdir / 'registry.db'}")
        else:
            _prepare(args.reports)
    client = app.test_client()
    rng = random.Random(5)
    form = {
        "kind": "pengaduan",
        "category": "bantuan-sosial",
        "title": "Bantuan sembako belum diterima",
        "body": "Sudah dua bulan keluarga kami belum menerima bantuan sembako dari kelurahan.",
        "province": "32",
        "regency": "32.73",
        "email": "warga@bench.example",
    }
    payload = {
        "kind": "pengaduan",
        "category": "kesehatan",
        "title": "Puskesmas tutup",
        "body": "Puskesmas tutup tiga hari tanpa pengumuman.",
        "province": "33",
    }
    results: list[dict[str, Any] | None] = [
        timed("POST /lapor (form)", args.requests, lambda i: client.post("/lapor", data=form)),
        timed(
            "POST /api/v1/reports",
            args.requests,
            lambda i: client.post("/api/v1/reports", json=payload),
        ),
    ]
    with app.app_context():
        public_pages = reports.public_page(reports.Filters()).pages
        queue_pages = reports.curator_queue(reports.Filters(per_page=50)).pages
    results.append(
        timed(
            f"GET /laporan?page=1..{public_pages}",
            args.requests,
            lambda i: client.get(f"/laporan?page={rng.randint(1, public_pages)}"),
        )
    )
    results.append(
        timed(
            "GET /laporan?category=&province=&page=1..5",
            args.requests,
            lambda i: client.get(
                f"/laporan?category={rng.choice(list(reports.CATEGORIES))}"
                f"&province={rng.choice(taxonomy.provinces()).code}&page={rng.randint(1, 5)}"
            ),
        )
    )
    results.append(
        timed(
            f"GET /api/v1/reports?page=1..{public_pages}",
            args.requests,
            lambda i: client.get(f"/api/v1/reports?page={rng.randint(1, public_pages)}"),
        )
    )
    curator_client = app.test_client()
    login = curator_client.post(
        "/login", data={"email": "kurator@bench.example", "password": PASSWORD}
    )
    assert login.status_code == 302, login.status_code
    results.append(
        timed(
            f"GET /curate/reports/?page=1..{queue_pages}",
            args.requests,
            lambda i: curator_client.get(f"/curate/reports/?page={rng.randint(1, queue_pages)}"),
        )
    )
    out = HERE / "results" / f"reports-{args.reports}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "reports": args.reports,
                "database": url.split(":")[0],
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "results": [r for r in results if r is not None],
            },
            indent=2,
        )
    )
    print(f"written {out}; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
