"""Harvest benchmark: replay a 100,000-post JSONL archive through `harvest import` (parse, dedup,
score, store) on SQLite and PostgreSQL, and measure dedup quality on real Indonesian tweets.

    .venv/bin/python bench/harvest.py          # 100,000 posts: SQLite, and PostgreSQL
                                               # when REGISTRY_BENCH_DATABASE_URL is set
    .venv/bin/python bench/harvest.py --posts 20000 --skip-quality
    REGISTRY_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_h3 \\
        .venv/bin/python bench/harvest.py

Each backend runs once per scoring mode (``--scoring inline,process`` by default: the
classifier in the importing process, then in a forked scoring process that also reads and
fingerprints the pages ahead of the importer; HARVEST_SCORING), in
its own process (a fresh instance directory, the default classifier trained
before the clock starts), so peak RSS is that import's. Results: bench/results/harvest-*.json
and a table on stdout. The PostgreSQL database named by REGISTRY_BENCH_DATABASE_URL is wiped.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
SHARED = ROOT.parent / "shared" / "data" / "tweets-id"
SEED = 2020

ACTORS = (
    "Pemkot Bandung", "Pemkab Sleman", "Pemprov Jawa Tengah", "Dinkes Kota Surabaya",
    "Puskesmas Gambir", "Desa Panggungharjo", "Kampus UGM", "Karang Taruna RW 05",
    "Relawan Kecamatan Cicendo", "Pemkab Banyuwangi", "BPBD Kota Makassar", "Kemensos",
    "Polres Malang", "PKK Kelurahan Sukajadi", "Dinas Pendidikan DKI", "IDI Cabang Medan",
)  # fmt: skip
VERBS = (
    "meluncurkan", "membuka", "membagikan", "menyiapkan", "membangun", "mengantar",
    "menyalurkan", "merilis", "menggelar", "memasang", "mengembangkan", "menyediakan",
)  # fmt: skip
THINGS = (
    "aplikasi antar obat", "posko relawan covid", "dapur umum", "wastafel portabel",
    "layanan konsultasi dokter lewat WhatsApp", "lumbung pangan desa", "kelas daring gratis",
    "bilik disinfeksi", "peta zona merah", "bantuan sembako", "masker kain gratis",
    "pasar daring UMKM", "rumah singgah isolasi", "dashboard kasus harian", "radio pembelajaran",
)  # fmt: skip
FOR_WHOM = (
    "untuk warga isolasi mandiri", "bagi lansia", "untuk ojol dan pedagang kaki lima",
    "bagi siswa tanpa internet", "untuk tenaga kesehatan", "bagi warga terdampak PSBB",
    "untuk pemudik yang pulang kampung", "bagi keluarga pasien positif",
)  # fmt: skip
NOISE = (
    "ya ampun psbb lagi psbb lagi kapan selesainya", "hari ini di rumah aja nonton drakor",
    "kasus positif hari ini naik lagi, tetap jaga jarak", "kangen nongkrong sama temen2",
    "harga masker di apotek makin mahal aja", "wfh bikin punggung pegal banget",
    "semoga pandemi cepat berlalu aamiin", "jalanan sepi banget pas psbb gini",
    "ojol sepi orderan dari pagi", "update data covid provinsi hari ini",
)  # fmt: skip
EXTRA = (
    "mulai hari ini", "sudah berjalan seminggu", "pendaftaran lewat kelurahan",
    "gratis tanpa syarat", "dibiayai dana desa", "info lengkap di akun resmi",
    "terima kasih para relawan", "semoga bisa ditiru daerah lain", "keren sekali",
    "mari dukung bersama", "warga sangat terbantu", "kuota terbatas",
)  # fmt: skip
TAGS = ("#LawanCorona", "#DiRumahAja", "#COVID19", "#PSBB", "#InovasiDaerah", "#JagaJarak")


def _link(rng: random.Random) -> str:
    return "https://t.co/" + "".join(
        rng.choice("abcdefghjkmnpqrstuvwxyzABCDEFGH23456789") for _ in range(10)
    )


def _original(rng: random.Random, i: int) -> str:
    if rng.random() < 0.5:
        words = rng.choice(NOISE) + " " + " ".join(rng.sample(EXTRA, rng.randint(0, 3)))
    else:
        words = (
            f"{rng.choice(ACTORS)} {rng.choice(VERBS)} {rng.choice(THINGS)} "
            f"{rng.choice(FOR_WHOM)}, " + ", ".join(rng.sample(EXTRA, rng.randint(1, 5)))
        )
    # a serial word makes every original its own story, as real posts are
    return f"{words} (laporan {i} kode {i * 7919 % 100003:x}) {_link(rng)}"


def _copy(rng: random.Random, text: str, author: str) -> tuple[str, str]:
    kind = rng.choice(("rt", "link", "tags", "number", "truncate", "rt"))
    plain = text.rsplit(" https://", 1)[0]
    if kind == "rt":
        return f"RT @{author}: {text}", kind
    if kind == "link":
        return f"{plain} {_link(rng)}", kind
    if kind == "tags":
        return f"{plain} {' '.join(rng.sample(TAGS, 2))} {_link(rng)}", kind
    if kind == "number":
        return f"{rng.randint(1, 4)}/4 {plain} {_link(rng)}", kind
    cut = max(40, int(len(plain) * rng.uniform(0.75, 0.95)))
    return f"{plain[:cut]}… {_link(rng)}", kind


def generate(n: int, path: Path, seed: int = SEED) -> dict[str, int]:
    """n posts, about half of them reposts or copies of an earlier post."""
    rng = random.Random(seed)
    start = dt.datetime(2020, 3, 15)
    originals: list[tuple[str, str]] = []
    kinds: dict[str, int] = {"original": 0}
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            when = start + dt.timedelta(seconds=i * 37)
            if originals and rng.random() < 0.5:
                text0, author0 = originals[
                    -1 - min(len(originals) - 1, int(rng.expovariate(1 / 300)))
                ]
                text, kind = _copy(rng, text0, author0)
            else:
                text, kind = _original(rng, i), "original"
                originals.append((text, f"user{i % 5000}"))
            kinds[kind] = kinds.get(kind, 0) + 1
            row = {
                "id": f"b{i}",
                "text": text,
                "author": f"user{i % 5000}",
                "url": f"https://social.example/user{i % 5000}/status/{i}",
                "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "lang": "id",
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return kinds


def _children_usage() -> tuple[float, float]:
    """CPU seconds and peak RSS (MB) of this process's finished children (the scorer)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def replay(
    archive: Path, database_url: str | None, label: str, scoring: str = "inline"
) -> dict[str, Any]:
    """Import the archive into a fresh instance (run in a child process)."""
    from sqlalchemy import func, select

    from registry.app import create_app
    from registry.extensions import db
    from registry.harvest.runner import Runner
    from registry.models import Candidate
    from registry.services.setup import initialize

    instance = Path(tempfile.mkdtemp(prefix=f"bench-harvest-{label}-"))
    config: dict[str, Any] = {
        "INSTANCE_DIR": str(instance),
        "INDEX_DIR": str(instance / "index"),
        "SECRET_KEY": "bench",
        "HARVEST_SCORING": scoring,
    }
    if database_url:
        from sqlalchemy import create_engine, text

        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    with app.app_context():
        initialize(train_model=True)
        from registry.classify.predict import get_predictor

        model = get_predictor(instance).version
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        load_before = os.getloadavg()[0]
        children_cpu_started = _children_usage()[0]
        started, cpu_started = time.perf_counter(), time.process_time()
        run = Runner().import_file(archive, "jsonl")
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        scorer_cpu, scorer_rss = _children_usage()
        candidates, score_sum, scored = db.session.execute(
            select(
                func.count(Candidate.id),
                func.sum(Candidate.score),
                func.count(Candidate.id).filter(Candidate.model_version != ""),
            )
        ).one()
        result = {
            "backend": label,
            "scoring": scoring,
            "posts": run.fetched,
            "new": run.new,
            "errors": run.errors,
            "candidates": candidates,
            "seconds": round(seconds, 2),
            "posts_per_s": round(run.fetched / seconds),
            # this process only (PostgreSQL's own work is not in it); the machine is shared
            "cpu_seconds": round(cpu_seconds, 2),
            # the scoring process (forked, so its RSS counts the pages it shares with this one)
            "scorer_cpu_seconds": round(scorer_cpu - children_cpu_started, 2),
            "scorer_peak_rss_mb": round(scorer_rss),
            "scored_candidates": scored,
            "score_sum": round(float(score_sum or 0.0), 6),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_before_import_mb": round(rss_before),
            "model": model,
            "status": run.status,
        }
        # the same archive again: every post is a known duplicate
        started = time.perf_counter()
        again = Runner().import_file(archive, "jsonl")
        result["rerun_seconds"] = round(time.perf_counter() - started, 2)
        result["rerun_new"] = again.new
    return result


def _csv_texts(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        return [row[column] for row in csv.DictReader(f) if row.get(column, "").strip()]


def dedup_quality(sample: int = 12) -> dict[str, Any]:
    """Group real tweets with the runner's dedup (exact hash, then LSH) and count the groups."""
    from registry.harvest import dedup

    out: dict[str, Any] = {}
    for name, column in (
        ("psbb_2020_2021.csv", "tweetPsbb"),
        ("vaccines_2021_norm_formal.csv", "norm"),
    ):
        path = SHARED / name
        if not path.exists():
            out[name] = "absent"
            continue
        texts = _csv_texts(path, column)
        index = dedup.CandidateIndex(max_entries=1_000_000)
        by_hash: dict[str, int] = {}
        groups: dict[int, list[int]] = {}
        exact = near = 0
        started = time.perf_counter()
        for i, fp in enumerate(dedup.fingerprints(texts)):
            key = by_hash.get(fp.text_hash) if fp.text_hash else None
            if key is not None:
                exact += 1
            else:
                key = index.find(fp)
                if key is not None:
                    near += 1
                else:
                    key = i
                    index.add(key, fp)
                if fp.text_hash:
                    by_hash.setdefault(fp.text_hash, key)
            groups.setdefault(key, []).append(i)
        seconds = time.perf_counter() - started
        multi = sorted((g for g in groups.values() if len(g) > 1), key=len, reverse=True)
        rng = random.Random(SEED)
        shown = rng.sample(multi, min(sample, len(multi)))
        out[name] = {
            "posts": len(texts),
            "groups": len(groups),
            "near_duplicate_groups": len(multi),
            "posts_in_them": sum(len(g) for g in multi),
            "joined_by_exact_hash": exact,
            "joined_by_lsh": near,
            "largest": [len(g) for g in multi[:5]],
            "posts_per_s": round(len(texts) / seconds),
            "sample": [[texts[i][:140] for i in g[:3]] for g in shown],
        }
    return out


def _child(args: argparse.Namespace) -> None:
    result = replay(Path(args.archive), args.database_url or None, args.label, args.scoring)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--label", default="sqlite", help=argparse.SUPPRESS)
    parser.add_argument(
        "--scoring",
        default="inline,process",
        help="scoring modes to compare, in this order (HARVEST_SCORING: inline, process, auto)",
    )
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    archive = RESULTS / f"harvest-{args.posts}.jsonl"
    started = time.perf_counter()
    kinds = generate(args.posts, archive)
    print(f"generated {archive} ({archive.stat().st_size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - started:.1f}s: {kinds}")  # fmt: skip
    backends = [("sqlite", "")]
    if os.environ.get("REGISTRY_BENCH_DATABASE_URL"):
        backends.append(("postgresql", os.environ["REGISTRY_BENCH_DATABASE_URL"]))
    results = []
    modes = [m.strip() for m in args.scoring.split(",") if m.strip()]
    if args.child:
        modes = modes[:1]
    for label, url in backends:
        for mode in modes:
            child = subprocess.run(
                [sys.executable, __file__, "--child", "--archive", str(archive), "--label", label,
                 "--database-url", url, "--scoring", mode],
                capture_output=True, text=True, check=False, cwd=ROOT,
            )  # fmt: skip
            if child.returncode != 0:
                print(f"{label} ({mode}): failed\n{child.stderr[-3000:]}")
                continue
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    report: dict[str, Any] = {"posts": args.posts, "kinds": kinds, "import": results}
    if not args.skip_quality:
        report["dedup_quality"] = dedup_quality()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"harvest-{stamp}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print()
    print(f"{'backend':<11}{'scoring':<8}{'posts':>8}{'candidates':>11}{'seconds':>9}"
          f"{'posts/s':>9}{'peak RSS MB':>12}{'rerun s':>9}{'cpu s':>7}{'scorer':>7}"
          f"  load    score sum")  # fmt: skip
    print("target: >= 5000 posts/s, <= 500 MB (each process); cpu s: the importing process, "
          "scorer: the scoring process (cpu s, RSS MB)")  # fmt: skip
    for r in results:
        rss_ok = max(r["peak_rss_mb"], r["scorer_peak_rss_mb"]) <= 500
        ok = "ok" if r["posts_per_s"] >= 5000 and rss_ok else "MISSED"
        print(
            f"{r['backend']:<11}{r['scoring']:<8}{r['posts']:>8}{r['candidates']:>11}"
            f"{r['seconds']:>9}{r['posts_per_s']:>9}{r['peak_rss_mb']:>12}"
            f"{r['rerun_seconds']:>9}{r['cpu_seconds']:>7}{r['scorer_cpu_seconds']:>7}"
            f" {r['load_average'][0]:>5} {r['score_sum']:>12} {ok}"
            f" (scorer RSS {r['scorer_peak_rss_mb']} MB)"
        )
    for name, q in report.get("dedup_quality", {}).items():
        if not isinstance(q, dict):
            print(f"\n{name}: {q}")
            continue
        print(
            f"\n{name}: {q['posts']} posts -> {q['groups']} groups; "
            f"{q['near_duplicate_groups']} groups of 2+ holding {q['posts_in_them']} posts "
            f"(exact {q['joined_by_exact_hash']}, LSH {q['joined_by_lsh']}); "
            f"largest {q['largest']}"
        )
        for group in q["sample"]:
            print("  ---")
            for text in group:
                print(f"    {text}")


if __name__ == "__main__":
    main()
