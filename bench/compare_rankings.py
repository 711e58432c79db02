"""Two rankings of the same labelled posts, compared: average precision of each, by the part
of the file each post comes from (its id prefix: "ev" PSBB 2020 tweets, "hy" 2021 vaccine
tweets in ../shared/data/labeled), and a paired bootstrap of the gain.

    .venv/bin/registry classify predict LABELLED > after.jsonl   # with each model active
    .venv/bin/python bench/compare_rankings.py LABELLED before.jsonl after.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.classify.evaluate import average_precision, read_labelled  # noqa: E402


def _scores(path: str) -> dict[str, float]:
    with open(path, encoding="utf-8") as handle:
        return {str(p["id"]): float(p["score"]) for p in map(json.loads, handle) if p}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labelled")
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--resamples", type=int, default=2000)
    args = parser.parse_args()
    rows = read_labelled(args.labelled)
    ids = [str(r["id"]) for r in rows]
    truth = np.array([1 if r.get("is_innovation") else 0 for r in rows])
    before, after = _scores(args.before), _scores(args.after)
    a = np.array([before[i] for i in ids])
    b = np.array([after[i] for i in ids])

    def ap(idx: np.ndarray, scores: np.ndarray) -> float | None:
        return average_precision(list(truth[idx]), list(scores[idx]))

    everything = np.arange(len(ids))
    out: dict[str, object] = {"ap_before": ap(everything, a), "ap_after": ap(everything, b)}
    for prefix in sorted({i[:2] for i in ids}):
        idx = np.array([k for k, i in enumerate(ids) if i.startswith(prefix)])
        out[f"part_{prefix}"] = {
            "rows": len(idx),
            "positives": int(truth[idx].sum()),
            "ap_before": ap(idx, a),
            "ap_after": ap(idx, b),
        }
    rng = np.random.default_rng(0)
    gains = []
    for _ in range(args.resamples):
        idx = rng.integers(0, len(ids), len(ids))
        if truth[idx].sum():
            gains.append(ap(idx, b) - ap(idx, a))  # type: ignore[operator]
    out["gain"] = out["ap_after"] - out["ap_before"]  # type: ignore[operator]
    out["gain_90pct_interval"] = [float(x) for x in np.percentile(gains, [5, 95])]
    out["after_ahead_share"] = float(np.mean(np.array(gains) > 0))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
