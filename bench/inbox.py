"""Curator inbox benchmark (issue 18): import a year of harvesting through the real command line,
then time every listing of the inbox, through the API and the HTML page.

    nice -n 10 .venv/bin/python bench/inbox.py --posts 600000,3000000 --backends sqlite,postgres
    REGISTRY_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_x  # PG: WIPED
    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/inbox.py ...  # measure that code
    .venv/bin/python bench/inbox.py --posts 600000 --skip-import   # reuse the instance of a run
    .venv/bin/python bench/inbox.py --posts 3000000 --skip-import --upgrade  # time `db upgrade`

For each size and backend: the archive (bench/harvest.py's generator: half the posts reposts or
copies; cached in --workdir) is imported into a fresh instance with `registry init` and then
`registry harvest import PATH --format jsonl` in a subprocess running the code under test
(the `registry` package this script imports: $PYTHONPATH's when set). The import rate is the
archive's posts over that command's wall time. Then, untimed: a curator, an API token and a
harvest source (`registry users add/token`, `registry harvest sources add`; the archive's posts
carry no source, so ``source=`` matches nothing), VACUUM ANALYZE on PostgreSQL (what autovacuum
does to a settled table; SQLite is left as the import leaves it), the database's size and each
table's and index's (PostgreSQL pg_relation_size, SQLite dbstat). Then, in process (Flask test
client, CSRF and rate limits off), each listing is asked --repeat times after --warmup (2)
untimed ones, with its parameters varied (pages, words, windows, provinces): p50/p95/max in ms.

Probed, not required: an ``after`` cursor in the API's answer (any string field named like a
cursor) is then followed from around page 500; extra count fields (``total_estimated`` and the
like) are recorded as the answer gave them. Results: bench/results/inbox-<backend>-<posts>-*.json
and a table on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT))

import registry  # noqa: E402  (the code under test: first on the path)

CODE = Path(registry.__file__).resolve().parents[1]
RESULTS = HERE / "results"
CURATOR = "kurator@bench.example"
PASSWORD = "Bench-Password-2020!"
SOURCE = "bench-mastodon"
ARCHIVE_START = dt.datetime(2020, 3, 15)  # bench/harvest.py: post i is created i * 37 s later
ARCHIVE_STEP_SECONDS = 37
WORDS = (
    "relawan", "posko", "aplikasi", "wastafel", "sembako", "lansia", "disinfeksi", "masker",
    "dapur", "daring", "isolasi", "pangan", "dashboard", "konsultasi", "radio",
)  # fmt: skip
SORTS = ("score", "newest", "uncertainty")
CURSOR_NAMES = ("after", "cursor", "next")
COUNT_FIELDS = ("total", "total_estimated", "count_bound", "estimated", "total_is_estimate")
API_TARGET_MS = {"sqlite": 150, "postgres": 100}
HTML_TARGET_MS = 200


# --------------------------------------------------------------------------- the instance


ONLY: list[str] = []  # --only: time only the listings whose label holds one of these
LABEL: list[str] = []  # --label: the name of the code under test in results


def code_version() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(CODE), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    return {
        "path": str(CODE),
        "branch": LABEL[0] if LABEL else git("rev-parse", "--abbrev-ref", "HEAD"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_registry_changes": bool(git("status", "--porcelain", "--", "registry")),
    }


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Instance:
    """One backend's instance directory and database, driven through the `registry` command."""

    def __init__(self, workdir: Path, backend: str, posts: int, postgres_url: str):
        self.backend = backend
        self.dir = workdir / f"inbox-{backend}-{posts}"
        self.url = (
            postgres_url if backend == "postgres" else f"sqlite:///{self.dir / 'registry.db'}"
        )
        self.marker = self.dir / "bench-inbox.json"
        self.log = self.dir / "commands.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(CODE),
            REGISTRY_INSTANCE_DIR=str(self.dir),
            REGISTRY_INDEX_DIR=str(self.dir / "index"),
            REGISTRY_DATABASE_URL=self.url,
            REGISTRY_SECRET_KEY="bench",
        )
        return env

    def run(self, *args: str, stdin: str | None = None) -> tuple[float, str]:
        """`registry ARGS` with the code under test; its wall time and stdout."""
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "registry", *args],
            env=self.env(), input=stdin, capture_output=True, text=True, check=False, cwd=self.dir,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"$ registry {' '.join(args)}  # {seconds:.1f} s, exit {done.returncode}\n")
            log.write(done.stdout[-4000:] + done.stderr[-4000:] + "\n")
        if done.returncode != 0:
            raise RuntimeError(f"registry {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
        return seconds, done.stdout

    def wipe(self) -> None:
        from sqlalchemy import create_engine, text

        if self.dir.exists():
            subprocess.run(["rm", "-rf", str(self.dir)], check=True)
        self.dir.mkdir(parents=True)
        if self.backend == "postgres":
            engine = create_engine(self.url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()

    def load(self, archive: Path, posts: int) -> dict[str, Any]:
        """A fresh instance with the archive imported; the import's rate."""
        self.wipe()
        init_seconds, _ = self.run("init")
        load_before = os.getloadavg()
        cpu_before = children_cpu()
        seconds, out = self.run("harvest", "import", str(archive), "--format", "jsonl")
        cpu = children_cpu() - cpu_before
        result = {
            "posts": posts,
            "seconds": round(seconds, 1),
            "posts_per_s": round(posts / seconds),
            # the command's processes (importer and scorer; not PostgreSQL's): on a shared
            # machine, posts per CPU-second tell more than the wall time
            "cpu_seconds": round(cpu, 1),
            "posts_per_cpu_s": round(posts / cpu),
            "init_seconds": round(init_seconds, 1),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "command_output": out.strip().splitlines()[-3:],
            "code": code_version(),
        }
        self.marker.write_text(json.dumps(result, indent=2))
        return result

    def prepare_actors(self) -> str:
        """A curator with a password, a fresh API token, and a harvest source; the token."""
        try:
            self.run("users", "add", CURATOR, "--role", "curator", "--password-stdin",
                     stdin=PASSWORD + "\n")  # fmt: skip
        except RuntimeError as exc:
            if "exists" not in str(exc):
                raise
        _, out = self.run("users", "token", CURATOR)
        try:
            self.run("harvest", "sources", "add", SOURCE, "--platform", "mastodon",
                     "--query", "inovasi", "--base-url", "https://mastodon.example")  # fmt: skip
        except RuntimeError as exc:
            if "exists" not in str(exc) and "already" not in str(exc):
                raise
        return out.strip().splitlines()[-1]


# --------------------------------------------------------------------------- the database


def settle(app: Any) -> float:
    """PostgreSQL: VACUUM ANALYZE (statistics and the visibility map of a settled table)."""
    from sqlalchemy import text

    from registry.extensions import db

    started = time.perf_counter()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return round(time.perf_counter() - started, 1)


def sizes(app: Any, instance: Instance) -> dict[str, Any]:
    """The database's size and each table's and index's, in MB (largest first)."""
    from sqlalchemy import text

    from registry.extensions import db

    mb = 1024 * 1024
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            total = db.session.scalar(text("SELECT pg_database_size(current_database())"))
            rows = db.session.execute(
                text(
                    "SELECT c.relname, c.relkind, pg_relation_size(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't', 'm')"
                )
            ).all()
            # TOAST tables belong to their table: pg_total_relation_size less the indexes
            toast = db.session.execute(
                text(
                    "SELECT c.relname, pg_total_relation_size(c.oid) - pg_relation_size(c.oid) "
                    "- pg_indexes_size(c.oid) FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            ).all()
            objects = {
                name: {"kind": "index" if kind == "i" else "table", "mb": round(size / mb, 1)}
                for name, kind, size in rows
                if size
            }
            for name, extra in toast:
                if extra and name in objects:
                    objects[name]["toast_mb"] = round(extra / mb, 1)
        else:
            total = (instance.dir / "registry.db").stat().st_size
            kinds = {
                name: kind
                for name, kind in db.session.execute(text("SELECT name, type FROM sqlite_master"))
            }
            try:
                rows = db.session.execute(
                    text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
                ).all()
            except Exception as exc:  # dbstat is a compile-time option of SQLite
                db.session.rollback()
                return {"database_mb": round(total / mb, 1), "objects": f"no dbstat: {exc}"}
            objects = {
                name: {"kind": kinds.get(name, "table"), "mb": round(size / mb, 1)}
                for name, size in rows
                if size
            }
        db.session.rollback()
    ordered = dict(sorted(objects.items(), key=lambda item: -item[1]["mb"]))
    return {"database_mb": round(total / mb, 1), "objects": ordered}


def facts(app: Any) -> dict[str, Any]:
    """What the listings' parameters are drawn from: counts and the commonest provinces."""
    from sqlalchemy import text

    from registry.extensions import db

    with app.app_context():
        posts = db.session.scalar(text("SELECT count(*) FROM post"))
        by_status = {
            status: count
            for status, count in db.session.execute(
                text("SELECT status, count(*) FROM candidate GROUP BY status")
            )
        }
        provinces = (
            db.session.execute(
                text(
                    "SELECT province_code, count(*) FROM candidate WHERE status = 'new' "
                    "AND province_code IS NOT NULL GROUP BY province_code ORDER BY 2 DESC"
                )
            )
        ).all()
        db.session.rollback()
    return {
        "posts": posts,
        "candidates": by_status,
        "provinces": {code: count for code, count in provinces},
    }


# --------------------------------------------------------------------------- the listings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


class Timer:
    def __init__(self, repeat: int, warmup: int):
        self.repeat = repeat
        self.warmup = warmup
        self.results: list[dict[str, Any]] = []

    def time(
        self, label: str, kind: str, request: Callable[[int], Any], *, expect: int = 200
    ) -> dict[str, Any]:
        """Ask ``request(i)`` ``warmup`` times untimed, then ``repeat`` times timed."""
        if ONLY and not any(word in label for word in ONLY):
            return {}
        for i in range(self.warmup):
            request(-1 - i)
        times, statuses, counts, extras = [], set(), [], {}
        for i in range(self.repeat):
            started = time.perf_counter()
            response = request(i)
            times.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
            if response.is_json:
                body = response.get_json()
                counts.append(len(body.get("results", [])))
                extras = {k: body[k] for k in COUNT_FIELDS if k in body}
        result = {
            "what": label,
            "kind": kind,
            "n": len(times),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1),
            "statuses": sorted(statuses),
            "results_per_answer": sorted(set(counts)),
            "last_answer": extras,
        }
        if statuses != {expect}:
            result["unexpected_status"] = True
        self.results.append(result)
        print(
            f"  {label:<58} p50 {result['p50_ms']:>8} p95 {result['p95_ms']:>8} "
            f"max {result['max_ms']:>8}  {sorted(statuses)} {sorted(set(counts))[:4]}",
            flush=True,
        )
        return result


def find_cursor(body: dict[str, Any]) -> tuple[str, str] | None:
    """The answer's cursor for the next page, when the code under test gives one:
    (its field name, its value)."""
    for key, value in body.items():
        if isinstance(value, str) and value and any(n in key.lower() for n in CURSOR_NAMES):
            return key, value
    return None


def time_listings(
    app: Any, token: str, fact: dict[str, Any], posts: int, repeat: int, warmup: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rng = random.Random(18)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def api(query: str) -> Any:
        return client.get(f"/api/v1/candidates?{query}", headers=headers)

    first = api("")
    assert first.status_code == 200, (first.status_code, first.get_data(as_text=True)[:500])
    body = first.get_json()
    probe: dict[str, Any] = {
        "answer_fields": sorted(body),
        "count_fields": {k: body[k] for k in COUNT_FIELDS if k in body},
        "cursor": None,
    }
    per_page = int(body["per_page"])
    total = int(body["total"])
    past_end = int(total * 1.25 / per_page) + 2  # past the end even if the total is estimated
    cursor = find_cursor(body)
    if cursor:
        probe["cursor"] = cursor[0]
    provinces = list(fact["provinces"])[:10] or ["32"]
    days = max(8, posts * ARCHIVE_STEP_SECONDS // 86400)

    def window() -> str:
        start = (ARCHIVE_START + dt.timedelta(days=rng.randint(0, days - 7))).date()
        return f"date_from={start}&date_to={start + dt.timedelta(days=6)}"

    timer = Timer(repeat, warmup)
    t = timer.time
    t("API status=new, default order, page 1-5", "api",
      lambda i: api(f"page={rng.randint(1, 5)}"))  # fmt: skip
    for sort in SORTS:

        def sorted_pages(i: int, sort: str = sort) -> Any:
            return api(f"sort={sort}&page={rng.randint(1, 5)}")

        t(f"API sort={sort}, page 1-5", "api", sorted_pages)
    t("API q=<word> (15 words)", "api", lambda i: api(f"q={rng.choice(WORDS)}"))
    t("API q=<word>&sort=newest", "api", lambda i: api(f"q={rng.choice(WORDS)}&sort=newest"))
    t("API platform=file&min_score=0.5 (every candidate)", "api",
      lambda i: api(f"platform=file&min_score=0.5&page={rng.randint(1, 3)}"))  # fmt: skip
    t("API platform=mastodon&min_score=0.5 (none)", "api",
      lambda i: api("platform=mastodon&min_score=0.5"))  # fmt: skip
    t("API min_score=0.5..0.9", "api", lambda i: api(f"min_score={rng.uniform(0.5, 0.9):.2f}"))
    t(f"API source={SOURCE} (a source with no posts)", "api", lambda i: api(f"source={SOURCE}"))
    t("API province=<one of the 10 commonest>", "api",
      lambda i: api(f"province={rng.choice(provinces)}"))  # fmt: skip
    t("API province=<commonest>&sort=newest", "api",
      lambda i: api(f"province={provinces[0]}&sort=newest"))  # fmt: skip
    t("API date_from/date_to (a 7-day window)", "api", lambda i: api(window()))
    t("API date window&sort=newest", "api", lambda i: api(f"{window()}&sort=newest"))
    t("API page=500-510, sorts in turn", "api",
      lambda i: api(f"sort={SORTS[i % 3]}&page={rng.randint(500, 510)}"))  # fmt: skip
    t(f"API page past the end (>{past_end - 1})", "api",
      lambda i: api(f"page={past_end + rng.randint(0, 50)}&sort={SORTS[i % 3]}"))  # fmt: skip
    if cursor:
        # the answer's next_<x> field goes back as the query parameter <x> (next_after: after)
        name = cursor[0].removeprefix("next_")
        cursors: list[tuple[str, str]] = []
        for page in range(495, 505):
            sort = SORTS[page % 3]
            found = find_cursor(api(f"sort={sort}&page={page}").get_json())
            if found:
                cursors.append((sort, found[1]))
        if cursors:

            def follow(i: int) -> Any:
                sort, value = cursors[i % len(cursors)]
                return api(f"sort={sort}&{name}={quote(value)}")

            t(f"API {name}=<cursor of a page near 500>, sorts in turn", "api", follow)

    curator = app.test_client()
    login = curator.post("/login", data={"email": CURATOR, "password": PASSWORD})
    assert login.status_code == 302, login.status_code

    def html(query: str) -> Any:
        return curator.get(f"/curate/inbox/?{query}")

    varied = (
        lambda: "sort=newest",
        lambda: "sort=uncertainty",
        lambda: f"q={rng.choice(WORDS)}",
        lambda: f"province={rng.choice(provinces)}",
        lambda: window(),
        lambda: "platform=file&min_score=0.5",
    )
    t("HTML inbox, default, page 1-5", "html", lambda i: html(f"page={rng.randint(1, 5)}"))
    t("HTML inbox, a filter or sort in turn", "html", lambda i: html(varied[i % len(varied)]()))
    t("HTML inbox, page=500-510", "html", lambda i: html(f"page={rng.randint(500, 510)}"))
    return timer.results, probe


# --------------------------------------------------------------------------- one run


def make_app(instance: Instance) -> Any:
    from registry.app import create_app

    return create_app(
        {
            "INSTANCE_DIR": str(instance.dir),
            "INDEX_DIR": str(instance.dir / "index"),
            "DATABASE_URL": instance.url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def archive_for(workdir: Path, posts: int) -> Path:
    # bench/harvest.py's generator (imported here: it puts this checkout first on the path,
    # which must not decide which `registry` is measured)
    from harvest import generate

    path = workdir / f"posts-{posts}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        kinds = generate(posts, partial)
        partial.rename(path)
        print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.0f} s: {kinds}", flush=True)  # fmt: skip
    return path


def one_run(args: argparse.Namespace, backend: str, posts: int, workdir: Path) -> dict[str, Any]:
    url = os.environ.get("REGISTRY_BENCH_DATABASE_URL", "")
    if backend == "postgres" and not url:
        raise SystemExit("--backends postgres needs REGISTRY_BENCH_DATABASE_URL (it is wiped)")
    instance = Instance(workdir, backend, posts, url)
    report: dict[str, Any] = {
        "backend": backend,
        "posts": posts,
        "code": code_version(),
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "repeat": args.repeat,
        "warmup": args.warmup,
    }
    print(f"\n== {backend}, {posts:,} posts, code {report['code']}", flush=True)
    if args.skip_import:
        if not instance.marker.exists():
            raise SystemExit(f"--skip-import: no earlier import in {instance.dir}")
        report["import"] = {**json.loads(instance.marker.read_text()), "reused": True}
        if args.upgrade:
            seconds, out = instance.run("db", "upgrade")
            report["upgrade"] = {
                "seconds": round(seconds, 1),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "output": out.strip().splitlines()[-5:],
            }
            print(f"db upgrade: {seconds:.1f} s", flush=True)
    else:
        archive = archive_for(workdir, posts)
        report["import"] = instance.load(archive, posts)
        print(f"import: {report['import']['seconds']} s, "
              f"{report['import']['posts_per_s']} posts/s", flush=True)  # fmt: skip
    token = instance.prepare_actors()
    app = make_app(instance)
    report["settle_seconds"] = settle(app)
    report["facts"] = fact = facts(app)
    report["sizes"] = sizes(app, instance)
    print(f"facts: {fact['posts']:,} posts, candidates {fact['candidates']}; "
          f"database {report['sizes']['database_mb']} MB", flush=True)  # fmt: skip
    report["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    report["listings"], report["probe"] = time_listings(
        app, token, fact, posts, args.repeat, args.warmup
    )
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    target = API_TARGET_MS[backend]
    for row in report["listings"]:
        row["target_p95_ms"] = HTML_TARGET_MS if row["kind"] == "html" else target
        row["met"] = row["p95_ms"] <= row["target_p95_ms"]
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"inbox-{backend}-{posts}-{report['code']['branch']}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written {path}", flush=True)
    return report


def print_table(reports: list[dict[str, Any]]) -> None:
    for r in reports:
        imp = r["import"]
        print(f"\n{r['backend']}, {r['posts']:,} posts ({r['facts']['posts']:,} stored, "
              f"{sum(r['facts']['candidates'].values()):,} candidates), code "
              f"{r['code']['branch']}@{r['code']['commit']}; import {imp['posts_per_s']} posts/s"
              f"{' (reused)' if imp.get('reused') else ''}; database "
              f"{r['sizes']['database_mb']} MB; load {r['load_average_before'][0]}-"
              f"{r['load_average_after'][0]}")  # fmt: skip
        print(f"{'listing':<60}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'target':>8}  met")
        for row in r["listings"]:
            print(f"{row['what']:<60}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['max_ms']:>9}"
                  f"{row['target_p95_ms']:>8}  {'yes' if row['met'] else 'NO'}")  # fmt: skip


def markdown(paths: list[str]) -> None:
    """A Markdown table of earlier results side by side: p50 / p95 ms of each listing."""
    reports = [json.loads(Path(p).read_text()) for p in paths]
    heads = [
        f"{r['backend']} {r['posts'] // 1000}k {r['code']['branch']}@{r['code']['commit']}"
        for r in reports
    ]
    print("| listing | " + " | ".join(heads) + " |")
    print("|---|" + "---:|" * len(reports))
    labels = list(dict.fromkeys(row["what"] for r in reports for row in r["listings"]))
    for label in labels:
        cells = []
        for r in reports:
            row = next((x for x in r["listings"] if x["what"] == label), None)
            cells.append(f"{row['p50_ms']:,} / {row['p95_ms']:,}" if row else "–")
        print(f"| {label} | " + " | ".join(cells) + " |")
    facts = [
        ("import, posts/s", lambda r: f"{r['import']['posts_per_s']:,}"),
        ("candidates", lambda r: f"{sum(r['facts']['candidates'].values()):,}"),
        ("database MB", lambda r: f"{r['sizes']['database_mb']:,}"),
        ("load average (1 min) during the listings",
         lambda r: f"{r['load_average_before'][0]}–{r['load_average_after'][0]}"),
    ]  # fmt: skip
    for label, cell in facts:
        print(f"| {label} | " + " | ".join(cell(r) for r in reports) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", default="600000,3000000", help="sizes, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per listing")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests before those")
    parser.add_argument("--skip-import", action="store_true", help="reuse the last import")
    parser.add_argument(
        "--upgrade", action="store_true", help="with --skip-import: time `registry db upgrade`"
    )
    parser.add_argument("--workdir", default="/tmp/bench-inbox", help="archives and instances")
    parser.add_argument(
        "--markdown", nargs="+", metavar="JSON", help="only print these results as a table"
    )
    parser.add_argument(
        "--only", default="", help="time only the listings whose label holds one of these (a;b)"
    )
    parser.add_argument("--label", default="", help="the code's name in results (its branch)")
    args = parser.parse_args()
    LABEL.extend([args.label] if args.label else [])
    ONLY.extend(w for w in args.only.split(";") if w)
    if args.markdown:
        markdown(args.markdown)
        return
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    reports = []
    for posts in (int(p.replace("_", "")) for p in args.posts.split(",") if p):
        for backend in (b.strip() for b in args.backends.split(",") if b.strip()):
            reports.append(one_run(args, backend, posts, workdir))
    print_table(reports)


if __name__ == "__main__":
    main()
