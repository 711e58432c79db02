"""Classifier benchmark: batch and one-at-a-time prediction rate on one core, model load time,
model file size, and the keyword-count baseline for comparison.

A plain script (never run in CI):

    .venv/bin/python bench/classify.py [--instance DIR] [--repeat 12] [--cpu 1]

Input: the 4,183 real tweets of ../shared/data/tweets-id/vaccines_2021_norm_formal.csv
(column ``norm``), repeated ``--repeat`` times (12: 50,196 posts). The posts carry only
``id`` and ``text``, so language detection and the gazetteer run for every post.

1. the model: the active model of ``--instance``, or the default model trained on the seed set
   into a temporary instance (its training time is reported);
2. load time, in a fresh interpreter: importing ``registry.classify.predict`` and then
   ``Predictor.load`` (verify meta.json and the HMAC, then ``joblib.load``), apart;
3. batch prediction: ``Predictor.predict_posts`` over all posts in batches of 1,000, results
   consumed and dropped as the CLI does; best of ``--runs`` after a warm-up pass over 2,000
   posts (lazy tables loaded); wall-clock and CPU-time rates;
4. batch-1: the first 2,000 posts one call each;
5. the keyword-count baseline (``rules.keyword_count_score``) over all posts;
6. for scale, the reference pipeline of PERFORMANCE.md (TF-IDF word 1-2 + char_wb 2-5 grams,
   logistic regression; 3,300 posts/s there) trained on the seed set, ``predict_proba`` in
   batches of 10,000 (``--no-reference`` skips it): the ratio between the two is what
   survives a busy machine.

The process is pinned to one CPU (``--cpu``, default the last one) and BLAS/OpenMP threads are
set to 1 before numpy is imported. Writes bench/results/classify.json. Other processes on the
machine move these figures (PERFORMANCE.md: up to 30 % between runs); the load average at the
start and end is recorded with them.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import collections  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
TWEETS = ROOT.parent / "shared" / "data" / "tweets-id" / "vaccines_2021_norm_formal.csv"

LOAD_SNIPPET = """
import json, sys, time
t0 = time.perf_counter()
from registry.classify.predict import Predictor
t1 = time.perf_counter()
predictor = Predictor.load(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "version": predictor.version,
                  "problem": predictor.problem,
                  "sklearn_imported": "sklearn" in sys.modules}))
"""


def load_texts() -> list[str]:
    if not TWEETS.exists():
        sys.exit(f"{TWEETS} is absent: the benchmark needs ../shared")
    with open(TWEETS, encoding="utf-8", newline="") as handle:
        return [row["norm"] for row in csv.DictReader(handle)]


def pin(cpu: int | None) -> int | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    chosen = cpus[-1] if cpu is None else cpu
    os.sched_setaffinity(0, {chosen})
    return chosen


def measure_load(instance: Path, runs: int = 3) -> dict[str, Any]:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", LOAD_SNIPPET, str(instance)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = min(results, key=lambda r: r["load_s"])
    return {
        "load_s": round(best["load_s"], 4),
        "import_s": round(min(r["import_s"] for r in results), 4),
        "version": best["version"],
        "problem": best["problem"],
        "sklearn_imported": best["sklearn_imported"],
    }


def rate(fn: Any, n: int, runs: int) -> dict[str, float]:
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return {
        "posts_per_s_wall": round(n / best_wall),
        "posts_per_s_cpu": round(n / best_cpu),
        "seconds_wall": round(best_wall, 3),
    }


def reference(posts: list[dict[str, Any]], runs: int) -> dict[str, Any]:
    """PERFORMANCE.md's reference: TF-IDF word 1-2 + char_wb 2-5, logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    from registry.classify.train import load_seed

    seed = load_seed()
    pipe = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LogisticRegression(max_iter=1000),
    ).fit([r["text"] for r in seed], [r["is_innovation"] for r in seed])
    texts = [p["text"] for p in posts]

    def run() -> None:
        for start in range(0, len(texts), 10_000):
            pipe.predict_proba(texts[start : start + 10_000])

    return rate(run, len(texts), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instance", type=Path, help="use this instance's active model")
    parser.add_argument("--repeat", type=int, default=12, help="times the 4,183 texts repeat")
    parser.add_argument("--runs", type=int, default=3, help="timed passes (best kept)")
    parser.add_argument("--cpu", type=int, default=None, help="the CPU to pin to")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "classify.json")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference")
    args = parser.parse_args()

    cpu = pin(args.cpu)
    load_before = os.getloadavg()
    texts = load_texts()
    posts = [{"id": i, "text": t} for i, t in enumerate(texts * args.repeat)]
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_pinned": cpu,
        "posts": len(posts),
        "distinct_texts": len(texts),
        "mean_words": round(sum(len(t.split()) for t in texts) / len(texts), 1),
    }

    from registry.classify import rules, store
    from registry.classify.predict import BATCH_SIZE, Predictor

    tmp: tempfile.TemporaryDirectory[str] | None = None
    instance = args.instance
    if instance is None:
        from registry.classify.train import train_and_save

        tmp = tempfile.TemporaryDirectory(prefix="bench-classify-")
        instance = Path(tmp.name) / "instance"
        t0 = time.perf_counter()
        train_and_save(instance)
        report["training_s"] = round(time.perf_counter() - t0, 1)
    version = store.active_version(instance)
    if version is None:
        sys.exit(f"no active model in {instance}")
    model_file = store.models_dir(instance) / version / store.MODEL_FILE
    report["model_version"] = version
    report["model_file_bytes"] = model_file.stat().st_size
    report["model_file_mb"] = round(model_file.stat().st_size / 1e6, 2)
    report["load"] = measure_load(instance)

    predictor = Predictor.load(instance)
    if predictor.model is None:
        sys.exit(f"the model did not load: {predictor.problem}")

    def batch() -> None:
        collections.deque(predictor.predict_posts(posts, BATCH_SIZE), maxlen=0)

    warm = posts[:2000]
    collections.deque(predictor.predict_posts(warm), maxlen=0)  # lazy tables, caches
    report["batch"] = {"batch_size": BATCH_SIZE, **rate(batch, len(posts), args.runs)}

    def one_by_one() -> None:
        for post in warm:
            collections.deque(predictor.predict_posts([post]), maxlen=0)

    report["batch_1"] = rate(one_by_one, len(warm), args.runs)

    def baseline() -> None:
        rules.keyword_count_score(p["text"] for p in posts)

    report["keyword_count_baseline"] = rate(baseline, len(posts), args.runs)
    if not args.no_reference:
        report["reference_tfidf_char_lr"] = reference(posts, args.runs)
        report["speedup_over_reference"] = round(
            report["batch"]["posts_per_s_cpu"]
            / report["reference_tfidf_char_lr"]["posts_per_s_cpu"],
            2,
        )
    report["loadavg_before"] = [round(x, 2) for x in load_before]
    report["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
