"""Active learning, simulated on real posts: how average precision rises with the number of
curator decisions when the inbox's "most useful to label next" order is followed.

    .venv/bin/python bench/classify_active.py [--start shipped|seed] [--order useful|random]
                                              [--step 50] [--max 1050]

Start: the shipped default model (``shipped``: seed set + the MIT rows, what `registry init`
trains) or a model of the seed set alone (``seed``). The pool: the real rows of
../shared/data/labeled/innovation_posts_train.jsonl that start model has not seen (for
``shipped`` the 1,050 evanmartua34 rows, 2020 PSBB tweets; for ``seed`` all 2,100). Each
round, the curator labels the ``step`` pool posts closest to the model's threshold
(``useful``, the inbox's uncertainty sort) or ``step`` random ones, and the model is
retrained through ``train.train_and_save(extra_rows=decisions)``, the path of `registry
classify train` and of the retraining job. After each round the dev file is scored (never
trained on). Writes bench/results/classify_active_<start>_<order>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.classify.evaluate import average_precision, read_labelled  # noqa: E402
from registry.classify.predict import Predictor  # noqa: E402
from registry.classify.train import load_real, load_seed, train_and_save  # noqa: E402
from registry.classify.validate import top_hits, useful_order  # noqa: E402

LABELLED = ROOT.parent / "shared" / "data" / "labeled"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", choices=("shipped", "seed"), default="shipped")
    parser.add_argument("--order", choices=("useful", "random"), default="useful")
    parser.add_argument("--step", type=int, default=50)
    parser.add_argument("--max", type=int, default=1050)
    args = parser.parse_args()
    train = read_labelled(LABELLED / "innovation_posts_train.jsonl")
    shipped_texts = {r["text"] for r in load_real()}
    pool = [r for r in train if args.start == "seed" or r["text"] not in shipped_texts]
    dev = read_labelled(LABELLED / "innovation_posts_dev.jsonl")
    dev_truth = np.array([int(r["is_innovation"]) for r in dev])
    psbb = np.array([str(r["id"]).startswith("ev") for r in dev])
    pool_truth = np.array([int(r["is_innovation"]) for r in pool])
    seed = load_seed()
    rng = np.random.default_rng(0)
    labelled: list[int] = []
    curve: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp) / "instance"
        decided = np.zeros(len(pool), dtype=bool)
        while True:
            started = time.perf_counter()
            rows = [pool[i] for i in labelled]
            if args.start == "shipped":  # what `registry classify train` and the job do
                train_and_save(instance, extra_rows=rows, folds=0)
            else:  # the same, with the seed set in place of the default data
                train_and_save(instance, extra_rows=[*seed, *rows], include_seed=False, folds=0)
            seconds = time.perf_counter() - started
            predictor = Predictor.load(instance)
            dev_scores = np.array([p["score"] for p in predictor.predict_batch(dev)])
            point = {
                "decisions": len(labelled),
                "positives_labelled": int(pool_truth[labelled].sum()) if labelled else 0,
                "dev_ap": round(average_precision(dev_truth.tolist(), dev_scores.tolist()) or 0, 3),
                "dev_top20": top_hits(dev_truth, dev_scores),
                "dev_ap_psbb": round(
                    average_precision(dev_truth[psbb].tolist(), dev_scores[psbb].tolist()) or 0, 3
                ),
                "dev_ap_vaccine": round(
                    average_precision(dev_truth[~psbb].tolist(), dev_scores[~psbb].tolist()) or 0,
                    3,
                ),
                "training_seconds": round(seconds, 1),
            }
            curve.append(point)
            print(json.dumps(point), file=sys.stderr)
            left = np.flatnonzero(~decided)
            if len(labelled) >= args.max or not len(left):
                break
            if args.order == "useful":
                scores = np.array(
                    [p["score"] for p in predictor.predict_batch([pool[i] for i in left])]
                )
                chosen = left[useful_order(scores, predictor.threshold)[: args.step]]
            else:
                chosen = rng.permutation(left)[: args.step]
            decided[chosen] = True
            labelled.extend(int(i) for i in chosen)
    out = ROOT / "bench" / "results" / f"classify_active_{args.start}_{args.order}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "pool": len(pool),
                               "pool_positives": int(pool_truth.sum()), "curve": curve},
                              indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
