"""`registry notify send` at scale: saved-search digests for many subscriptions.

A plain script (never run in CI):

    .venv/bin/python bench/notify.py --innovations 50000 --subscriptions 100000 --new 500

It builds a fresh SQLite database (or uses --database-url, which it WIPES: give it a
database of its own) with ``--innovations`` published innovations from bench/generate.py,
the last ``--new`` of them published 12 hours ago, and ``--subscriptions`` confirmed saved
searches whose last digest was a day (daily) or a week (weekly) ago, so every one is due:

    40 % one sector, 20 % a sector and a province, 15 % a province, 10 % a focus,
    10 % a keyword, 5 % everything; 30 % daily, 70 % weekly.

Then it times ``digests.send_due()`` (mail to the outbox folder, as without SMTP), reports
the digests written, the process's peak RSS (and with --trace-memory the Python heap's
peak, which shows the subscriptions are never all in memory at once), and runs
it a second time (which must send nothing). Results go to bench/results/notify.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent))

import generate  # noqa: E402

from registry import taxonomy  # noqa: E402

KEYWORDS = ("vaksin", "relawan", "masker", "sembako", "sekolah", "pasar", "isolasi", "posko")


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(app: Any, innovations: int, subscriptions: int, new: int, now: dt.datetime) -> dict:
    from sqlalchemy import update

    from registry.extensions import db
    from registry.models import Innovation, InnovationSector, Subscription
    from registry.services import indexing
    from registry.services.setup import initialize

    started = time.perf_counter()
    with app.app_context():
        initialize(train_model=False)
        rows, sectors = [], []
        for r in generate.records(innovations):
            rows.append(
                {
                    "id": r["id"],
                    "slug": f"inovasi-{r['id']}",
                    "title": r["title"],
                    **{k: r[k] for k in ("summary", *generate.SECTIONS)},
                    "focus": r["focus"],
                    "stage": r["stage"],
                    "started_on": dt.date.fromisoformat(r["started_on"]),
                    "innovator_name": r["innovator_name"],
                    "innovator_type": r["innovator_type"],
                    "unit": r["unit"],
                    "province_code": r["province"],
                    "regency_code": r["regency"],
                    "links": r["links"],
                    "contact_email": "",
                    "status": "published",
                    "origin": "import",
                    "published_at": dt.datetime.fromisoformat(r["published_at"][:-1]),
                    "updated_at": dt.datetime.fromisoformat(r["updated_at"][:-1]),
                    "operating_status": "tidak-diketahui",
                }
            )
            sectors += [{"innovation_id": r["id"], "sector": s} for s in r["sectors"]]
            if len(rows) == 5000:
                db.session.execute(Innovation.__table__.insert(), rows)
                db.session.execute(InnovationSector.__table__.insert(), sectors)
                rows, sectors = [], []
        if rows:
            db.session.execute(Innovation.__table__.insert(), rows)
            db.session.execute(InnovationSector.__table__.insert(), sectors)
        db.session.execute(
            update(Innovation)
            .where(Innovation.id > innovations - new)
            .values(published_at=now - dt.timedelta(hours=12))
        )
        rng = random.Random(13)
        provinces = [p.code for p in taxonomy.provinces()]
        batch = []
        for i in range(1, subscriptions + 1):
            roll = rng.random()
            sector = rng.choice(list(generate.SECTOR_WEIGHTS))
            if roll < 0.40:
                search: dict[str, Any] = {"sector": [sector]}
            elif roll < 0.60:
                search = {"sector": [sector], "province": [rng.choice(provinces)]}
            elif roll < 0.75:
                search = {"province": [rng.choice(provinces)]}
            elif roll < 0.85:
                search = {"focus": [rng.choice(["ketangguhan-massal", "cepat-tanggap"])]}
            elif roll < 0.95:
                search = {"q": rng.choice(KEYWORDS)}
            else:
                search = {}
            daily = rng.random() < 0.3
            batch.append(
                {
                    "id": i,
                    "email": f"warga{i}@example.org",
                    "search": search,
                    "frequency": "daily" if daily else "weekly",
                    "created_at": now - dt.timedelta(days=40),
                    "confirmed_at": now - dt.timedelta(days=40),
                    "digest_through": now - dt.timedelta(days=1 if daily else 7),
                }
            )
            if len(batch) == 10_000:
                db.session.execute(Subscription.__table__.insert(), batch)
                batch = []
        if batch:
            db.session.execute(Subscription.__table__.insert(), batch)
        db.session.commit()
        loaded = time.perf_counter() - started
        indexed = indexing.rebuild()
    return {"load_seconds": round(loaded, 1), "indexed": indexed}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--innovations", type=int, default=50_000)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=500, help="published in the last 12 hours")
    parser.add_argument("--database-url", default="", help="a database the run may WIPE")
    parser.add_argument("--work", default="", help="folder for the instance (default: temp)")
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="also measure the Python heap's peak (tracemalloc: slows the run 2-3x)",
    )
    args = parser.parse_args(argv)

    from registry.app import create_app
    from registry.extensions import db
    from registry.services import digests

    work = Path(args.work or tempfile.mkdtemp(prefix="bench-notify-"))
    config = {
        "INSTANCE_DIR": str(work / "instance"),
        "INDEX_DIR": str(work / "index"),
        "DATABASE_URL": args.database_url or f"sqlite:///{work / 'instance' / 'registry.db'}",
        "SECRET_KEY": "bench-not-secret",
    }
    if args.database_url:
        from sqlalchemy import create_engine, text

        engine = create_engine(args.database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(config)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    result: dict[str, Any] = {"args": vars(args), "database": config["DATABASE_URL"].split(":")[0]}
    result.update(load(app, args.innovations, args.subscriptions, args.new, now))
    print(json.dumps(result), flush=True)

    with app.app_context():
        rss_before = rss_mib()
        if args.trace_memory:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        report = digests.send_due()
        db.session.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        heap_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.trace_memory else None
        tracemalloc.stop()
        again_started = time.perf_counter()
        again = digests.send_due()
        db.session.commit()
        again_seconds = time.perf_counter() - again_started
    outbox = work / "instance" / "outbox"
    result.update(
        {
            "send_seconds": round(seconds, 1),
            "send_cpu_seconds": round(cpu, 1),
            "subscriptions_checked": report.subscriptions_checked,
            "digests": report.digests,
            "outbox_files": sum(1 for _ in outbox.glob("*.eml")) if outbox.exists() else 0,
            "errors": len(report.errors),
            "rss_mib_before": round(rss_before, 1),
            "rss_mib_peak": round(rss_mib(), 1),
            "python_heap_peak_mib": round(heap_peak, 1) if heap_peak is not None else None,
            "second_run_seconds": round(again_seconds, 1),
            "second_run_digests": again.digests,
            "target_met": seconds < 120 and again.digests == 0,
        }
    )
    print(json.dumps(result, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "notify.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
