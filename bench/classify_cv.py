"""Grouped cross-validation of the classifier on real labelled posts, with 90 % bootstrap
intervals, overall and per source; the configurations compared (ablation of the rules and the
structural features, weights of the written rows, the learned part) and the dev file figure.

    .venv/bin/python bench/classify_cv.py [--configs NAME,...|issue10] [--dev] [--folds 5]
        [--modes shippable,all] [--nested] [--fold-seed 0]

Real rows: ../shared/data/labeled/innovation_posts_train.jsonl (2,100 posts: "hy" 2021
vaccine tweets of Hyuto/skripsi, MIT; "ev" 2020 PSBB tweets of evanmartua34, no licence).
Each configuration is cross-validated twice: ``shippable`` trains each fold on the seed set
plus the other folds' Hyuto rows only (what the project may ship), ``all`` on every real
row of the other folds; ``seed_only`` on the seed set alone (the model before real rows).
The seed set is never scored. ``--dev`` trains the configuration
the way ``registry init`` does (seed + the shipped Hyuto rows) and scores the dev file.
``--nested`` (with the first mode) measures the choice among the configurations run on rows
it did not look at (``validate.nested_choice``). ``--configs issue10`` runs the grid the
second round of issue 10 searched (``ISSUE10_GRID``). The cross-validation itself is
``validate.cross_validate_rows``, the function ``registry classify cv`` calls.
Writes bench/results/classify_cv.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.classify import rules, validate  # noqa: E402
from registry.classify.estimators import STACK_FEATURES  # noqa: E402
from registry.classify.evaluate import read_labelled  # noqa: E402
from registry.classify.pipeline import PostFeaturizer, PostModel  # noqa: E402
from registry.classify.predict import Predictor  # noqa: E402
from registry.classify.train import load_real, load_seed  # noqa: E402

LABELLED = ROOT.parent / "shared" / "data" / "labeled"
NEGATIVE_SHAPES = tuple(name for name, sign in STACK_FEATURES if sign < 0)
POSITIVE_SHAPES = tuple(name for name, sign in STACK_FEATURES if sign > 0)

# "default" is PostModel's defaults (chosen by this script); the others override them, on top
# of the defaults of the commit they were run at (docs/classifier.md lists the results)
CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "old_default": {
        "rule_prior": True,
        "written_weight": 1.0,
        "head_written_weight": 1.0,
        "actor_weight": 4.0,
    },
    "no_rule_prior": {"rule_prior": False},
    "no_stack": {"stack": False},
    "no_rules_no_stack": {"rule_prior": False, "stack": False},
    "stack_positive_only": {"stack_features": POSITIVE_SHAPES},
    "stack_negative_only": {"stack_features": NEGATIVE_SHAPES},
    "plain_lr_real_only": {
        "rule_prior": False,
        "stack": False,
        "learned_weight": 1.0,
        "written_weight": 0.0,
    },
}
CONFIGS["learned_4.0"] = {"learned_weight": 4.0}
CONFIGS["learned_8.0"] = {"learned_weight": 8.0}
for lw in (2.0, 4.0):
    for w in (0.1, 0.3):
        CONFIGS[f"l{lw:g}_w{w:g}"] = {"learned_weight": lw, "written_weight": w}
    CONFIGS[f"l{lw:g}_no_stack"] = {"learned_weight": lw, "stack": False}
    CONFIGS[f"l{lw:g}_C1"] = {"learned_weight": lw, "C": 1.0}
    CONFIGS[f"l{lw:g}_C0.25"] = {"learned_weight": lw, "C": 0.25}
# without the rule prior ("nrp"): the learned part and the structural stack alone
NRP: dict[str, Any] = {"rule_prior": False}
CONFIGS["nrp_w0.3"] = {**NRP, "written_weight": 0.3}
CONFIGS["nrp_w0.1"] = {**NRP, "written_weight": 0.1}
CONFIGS["nrp_w0"] = {**NRP, "written_weight": 0.0}
CONFIGS["nrp_lw1"] = {**NRP, "learned_weight": 1.0}
CONFIGS["nrp_C1"] = {**NRP, "C": 1.0}
CONFIGS["nrp_C2"] = {**NRP, "C": 2.0}
CONFIGS["nrp_C0.25"] = {**NRP, "C": 0.25}
CONFIGS["nrp_Cstack0.1"] = {**NRP, "C_stack": 0.1}
CONFIGS["nrp_Cstack10"] = {**NRP, "C_stack": 10.0}
CONFIGS["nrp_stack_positive_only"] = {**NRP, "stack_features": POSITIVE_SHAPES}
CONFIGS["nrp_stack_negative_only"] = {**NRP, "stack_features": NEGATIVE_SHAPES}
W01: dict[str, Any] = {**NRP, "written_weight": 0.1}
for aw in (0.0, 1.0, 2.0):
    CONFIGS[f"nrp_w0.1_actor{aw:g}"] = {**W01, "actor_weight": aw}
CONFIGS["nrp_w0.1_Cactor1"] = {**W01, "C_actor": 1.0}
CONFIGS["nrp_w0.1_Cactor16"] = {**W01, "C_actor": 16.0}
CONFIGS["nrp_w0.1_C1"] = {**W01, "C": 1.0}
CONFIGS["nrp_w0.1_no_stack"] = {**W01, "stack": False}
CONFIGS["nrp_w0.1_stack_positive_only"] = {**W01, "stack_features": POSITIVE_SHAPES}
W0: dict[str, Any] = {**NRP, "written_weight": 0.0}
for aw in (0.0, 1.0, 2.0):
    CONFIGS[f"nrp_w0_actor{aw:g}"] = {**W0, "actor_weight": aw}
CONFIGS["nrp_w0_stack_positive_only"] = {**W0, "stack_features": POSITIVE_SHAPES}
CONFIGS["nrp_w0_no_stack"] = {**W0, "stack": False}
for hw in (0.3, 1.0):
    for aw in (1.0, 2.0):
        CONFIGS[f"nrp_w0.1_hw{hw:g}_actor{aw:g}"] = {
            **W01,
            "head_written_weight": hw,
            "actor_weight": aw,
        }
CONFIGS["sectors_written_0.1"] = {"sector_written_weight": 0.1}
CONFIGS["nrp_w0.1_prior"] = {"written_weight": 0.1}
CONFIGS["nrp_w0.1_prior_lw2"] = {"written_weight": 0.1, "learned_weight": 2.0}
for w in (0.1, 0.3, 1.0):
    CONFIGS[f"written_{w}"] = {"written_weight": w}
for lw in (0.25, 0.5, 1.0, 2.0):
    CONFIGS[f"learned_{lw}"] = {"learned_weight": lw}
for c in (0.25, 1.0, 2.0):
    CONFIGS[f"C_{c}"] = {"C": c}

# the second round of issue 10 (docs/classifier.md): the terms-only model in the stack ("t")
# or not ("nt"), C of the main model, the value of a lexicon feature (lw), C of the terms
# model (Ct); then one change at a time from t_C0.5_lw0.3_Ct1
ISSUE10_GRID: dict[str, dict[str, Any]] = {"previous_default": {"terms_model": False}}
for _terms in (False, True):
    for _c in (0.25, 0.5, 1.0, 2.0):
        for _lw in (0.1, 0.3):
            for _ct in (0.25, 1.0, 4.0) if _terms else (1.0,):
                _name = f"{'t' if _terms else 'nt'}_C{_c:g}_lw{_lw:g}" + (
                    f"_Ct{_ct:g}" if _terms else ""
                )
                ISSUE10_GRID[_name] = {
                    "terms_model": _terms,
                    "C": _c,
                    "featurizer": PostFeaturizer(lexicon_weight=_lw),
                    "C_terms": _ct,
                }
_T1: dict[str, Any] = {"terms_model": True, "C_terms": 1.0}
for _md in (1, 3):
    ISSUE10_GRID[f"t_Ct1_min_df{_md}"] = {**_T1, "featurizer": PostFeaturizer(min_df=_md)}
for _w in (0.1, 0.3):
    ISSUE10_GRID[f"t_Ct1_written{_w:g}"] = {**_T1, "written_weight": _w}
for _cs in (0.1, 0.3, 3.0):
    ISSUE10_GRID[f"t_Ct1_Cstack{_cs:g}"] = {**_T1, "C_stack": _cs}
for _sp in (0.5, 1.0):
    ISSUE10_GRID[f"t_Ct1_stack_prior{_sp:g}"] = {**_T1, "stack_prior": _sp}
ISSUE10_GRID["t_Ct1_unbalanced"] = {**_T1, "class_weight": None}
ISSUE10_GRID["t_Ct1_unigrams"] = {**_T1, "featurizer": PostFeaturizer(ngram_range=(1, 1))}
ISSUE10_GRID["t_Ct1_no_stack"] = {**_T1, "stack": False}
ISSUE10_GRID["t_C2_Ct1_Cstack0.3"] = {**_T1, "C": 2.0, "C_stack": 0.3}
ISSUE10_GRID["t_C1_Ct0.25_Cstack0.3"] = {"terms_model": True, "C": 1.0, "C_stack": 0.3}
CONFIGS.update(ISSUE10_GRID)


def is_shippable(row: dict[str, Any]) -> bool:
    return str(row.get("source", "")).startswith("Hyuto/skripsi")


def nothing(row: dict[str, Any]) -> bool:
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="default")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--modes", default="shippable,all")
    parser.add_argument("--dev", action="store_true")
    parser.add_argument("--nested", action="store_true")
    parser.add_argument("--fold-seed", type=int, default=0, help="how the folds are drawn")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "classify_cv.json"))
    args = parser.parse_args()
    real = read_labelled(LABELLED / "innovation_posts_train.jsonl")
    seed = load_seed()
    shipped = load_real()
    started = time.perf_counter()
    cache = {id(r): rules.analyze(r) for r in [*real, *seed, *shipped]}
    print(f"analysed {len(cache)} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    groups = validate.near_copy_groups([r["text"] for r in real])
    labels = [int(bool(r["is_innovation"])) for r in real]
    results: dict[str, Any] = {
        "rows": len(real),
        "near_copy_groups": int(groups.max() + 1),
        "rows_in_shared_groups": int(np.sum(np.bincount(groups)[groups] > 1)),
        "configs": {},
    }
    names = list(ISSUE10_GRID) if args.configs == "issue10" else args.configs.split(",")
    modes = args.modes.split(",")
    scores: dict[str, np.ndarray] = {}
    for name in names:
        params = CONFIGS[name]
        entry: dict[str, Any] = {"params": {k: repr(v) for k, v in params.items()}}
        for mode in modes:
            trainable = {"shippable": is_shippable, "all": None, "seed_only": nothing}[mode]
            entry[mode] = validate.cross_validate_rows(
                real,
                seed,
                params,
                trainable,
                args.folds,
                args.resamples,
                args.fold_seed,
                analyses=cache,
                with_scores=True,
            )
            scores.setdefault(name, np.array(entry[mode].pop("scores")))
            print(name, mode, json.dumps(entry[mode]["all"]), file=sys.stderr)
        if args.dev:
            dev = read_labelled(LABELLED / "innovation_posts_dev.jsonl")
            train = [*shipped, *seed]
            model = PostModel(**params).fit([cache[id(r)] for r in train], train)
            lines = Predictor(model, "dev").predict_analyses([rules.analyze(r) for r in dev])
            dev_parts = {
                "ev_psbb_2020": [i for i, r in enumerate(dev) if str(r["id"]).startswith("ev")],
                "hy_vaccine_2021": [i for i, r in enumerate(dev) if str(r["id"]).startswith("hy")],
            }
            entry["dev"] = validate.report(dev, lines, dev_parts, args.resamples)
            print(name, "dev", json.dumps(entry["dev"]["all"]), file=sys.stderr)
        results["configs"][name] = entry
    if args.nested:
        folds = validate.grouped_folds(labels, groups, args.folds, args.fold_seed)
        results["nested_choice"] = {
            "mode": modes[0],
            **validate.nested_choice(np.asarray(labels), scores, folds),
        }
        print(json.dumps(results["nested_choice"]), file=sys.stderr)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    previous_configs = previous.get("configs", {})
    results["configs"] = {**previous_configs, **results["configs"]}
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "configs"}))


if __name__ == "__main__":
    main()
