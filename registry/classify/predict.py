"""Prediction lines for posts, from the active model or, without one, the keyword rules.

``predict_posts(posts)`` yields exactly DESIGN.md's prediction line for every input post, in
input order (posts are analysed and scored in batches)::

    {"id", "is_innovation": bool, "score": 0..1, "sectors": [...], "focus", "innovator_type",
     "province": {"code", "name"} | null, "regency": {"code", "name"} | null, "lang",
     "model_version", "explain": [[term, weight], ...]}

``score`` is the probability that the post describes an innovation; ``is_innovation`` is
``score >= threshold`` of the model; the other heads answer as if the post were one. ``explain``
lists the features that moved the score most, with their signed contribution to its log-odds.
A model that is missing, corrupt or refused never stops prediction: the rules answer
(``model_version`` ``"rules"``) and :attr:`Predictor.problem` says why.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..config import resolve_instance_dir
from ..taxonomy import FOCUSES, INNOVATOR_TYPES, SECTORS
from . import rules, store
from .rules import Analysis, RuleClassifier

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
EXPLAIN_TERMS = 6


def default_instance_dir() -> Path:
    """The instance dir of the current Flask app, else $REGISTRY_INSTANCE_DIR, else ./instance
    (the same default as registry.config)."""
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            return Path(current_app.config["INSTANCE_DIR"])
    except (ImportError, KeyError, RuntimeError):
        pass
    return resolve_instance_dir()


def feature_values(
    indices: list[int], indptr: list[int], column_values: np.ndarray, n_terms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (indices, indptr, data) of a batch: binary TF-IDF over the term columns,
    L2-normalized per row; lexicon columns keep their value."""
    ind = np.asarray(indices, dtype=np.int32)
    ptr = np.asarray(indptr, dtype=np.int64)
    n = len(ptr) - 1
    data = column_values[ind]
    is_term = ind < n_terms
    rows = np.repeat(np.arange(n), np.diff(ptr))
    norms = np.sqrt(np.bincount(rows, weights=np.where(is_term, data * data, 0.0), minlength=n))
    norms[norms == 0.0] = 1.0
    data = np.where(is_term, data / norms[rows], data)
    return ind, ptr, data


class CompiledModel:
    """What prediction needs of a trained :class:`~registry.classify.pipeline.PostModel`, in
    plain numpy arrays and dicts (``PostModel.compile()``). It is what model.joblib holds:
    loading it imports neither scikit-learn nor SciPy, so a model loads in milliseconds, and
    every head of a batch costs one gather-and-sum over a C-contiguous weight matrix."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        column_values: np.ndarray,
        feature_names: list[str],
        ngram_range: tuple[int, int],
        flags: tuple[str, ...],
        weights: np.ndarray,
        biases: np.ndarray,
        platt: tuple[float, float, float],
        threshold: float,
        sector_threshold: float,
        author_weight: float,
        actor_weight: float = 0.0,
    ) -> None:
        self.vocabulary = vocabulary
        self.column_values = np.ascontiguousarray(column_values, dtype=np.float64)
        self.feature_names = feature_names
        self.ngram_range = ngram_range
        self.flags = flags
        self.weights = np.ascontiguousarray(weights, dtype=np.float64)  # features x outputs
        self.biases = np.asarray(biases, dtype=np.float64)
        self.platt = platt  # slope, intercept, prior shift (log-odds)
        self.threshold_ = float(threshold)
        self.sector_threshold = float(sector_threshold)
        self.author_weight = float(author_weight)
        self.actor_weight = float(actor_weight)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_names", None)  # a cache, rebuilt on first use
        return state

    def outputs(
        self, analyses: list[Analysis]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every head's raw output for a batch (rows: posts; columns: innovation, sectors,
        focus, innovator types), and the batch's CSR arrays (indices, indptr, data)."""
        indices, indptr = rules.featurize(analyses, self.vocabulary, self.ngram_range, self.flags)
        ind, ptr, data = feature_values(indices, indptr, self.column_values, len(self.vocabulary))
        import scipy.sparse as sp  # here, not at import: loading a model stays fast

        features = sp.csr_matrix((data, ind, ptr), shape=(len(ptr) - 1, self.weights.shape[0]))
        out = np.asarray(features @ self.weights) + self.biases
        return out, ind, ptr, data

    def heads(self, analyses: list[Analysis], explain: int = EXPLAIN_TERMS) -> Heads:
        """Every head for a batch, as parallel lists."""
        if not analyses:
            return Heads([], [], [], [], [], [])
        out, ind, ptr, data = self.outputs(analyses)
        n_s, n_f = len(_SECTORS), len(_FOCUSES)
        slope, intercept, shift = self.platt
        probability = 1.0 / (1.0 + np.exp(-(slope * out[:, 0] + intercept + shift)))
        sector_logits = out[:, 1 : 1 + n_s]
        cut = float(np.log(self.sector_threshold / (1.0 - self.sector_threshold)))
        sectors = sector_logits >= cut
        sectors[np.arange(len(out)), sector_logits.argmax(axis=1)] = True
        masks = (sectors @ (1 << np.arange(n_s))).tolist()
        focus = out[:, 1 + n_s : 1 + n_s + n_f].argmax(axis=1).tolist()
        actor_logits = out[:, 1 + n_s + n_f :]
        actor_weight = self.actor_weight
        for i, a in enumerate(analyses):
            named = rules.structural_actor(a)
            if named is not None and a.lang == "en" and rules.government_subject(a) == named:
                # an English text that opens with a government ("The city council of Solo
                # ...", "The Indonesian police ..."), as descriptions of measures are written:
                # decisive (written from such descriptions; in Indonesian posts it is only
                # the push below, like any other structural actor)
                actor_logits[i, _ACTORS.index(named)] += 100.0
            elif named is not None and actor_weight:
                # the actor the text's structure names (not a beneficiary): a push towards it
                actor_logits[i, _ACTORS.index(named)] += actor_weight
            if a.author_cue is not None:
                # the handle names the actor ("DinkesPemkotMalang"): decisive when the text
                # names none, otherwise a push towards it
                boost = self.author_weight if named is not None else 100.0
                actor_logits[i, _ACTORS.index(a.author_cue)] += boost
        actor = actor_logits.argmax(axis=1).tolist()
        scores = np.round(probability, 6)  # as printed; is_innovation agrees with it exactly
        return Heads(
            scores=scores.tolist(),
            is_innovation=(scores >= self.threshold_).tolist(),
            sectors=[list(_SECTOR_SETS[m]) for m in masks],
            focus=[_FOCUSES[f] for f in focus],
            innovator_type=[_ACTORS[a] for a in actor],
            explain=self._explain(ind, ptr, data, explain),
        )

    def predict_analyses(
        self, analyses: list[Analysis], explain: int = EXPLAIN_TERMS
    ) -> list[dict[str, Any]]:
        """The heads as one dict per post: score, is_innovation, sectors, focus,
        innovator_type, explain."""
        h = self.heads(analyses, explain)
        return [
            {
                "score": h.scores[i],
                "is_innovation": h.is_innovation[i],
                "sectors": h.sectors[i],
                "focus": h.focus[i],
                "innovator_type": h.innovator_type[i],
                "explain": h.explain[i],
            }
            for i in range(len(analyses))
        ]

    def _explain(
        self, ind: np.ndarray, ptr: np.ndarray, data: np.ndarray, top: int
    ) -> list[list[list[Any]]]:
        """For each row, the ``top`` features contributing most (in absolute value) to the
        calibrated log-odds of the innovation score: ``[[name, contribution], ...]``."""
        n = len(ptr) - 1
        if top <= 0 or not len(ind):
            return [[] for _ in range(n)]
        contrib = data * (self.weights[ind, 0] * self.platt[0])
        rows = np.repeat(np.arange(n), np.diff(ptr))
        strength = np.abs(contrib)
        # one float sort: by row, then strongest first (np.lexsort is several times slower)
        key = rows * 2.0 + (1.0 - strength / (strength.max() or 1.0))
        order = np.argsort(key)
        rank = np.arange(len(order)) - ptr[rows[order]]
        keep = order[(rank < top) & (contrib[order] != 0.0)]
        names = self.__dict__.get("_names")
        if names is None:  # feature names as an object array: gathered in C
            names = self.__dict__["_names"] = np.asarray(self.feature_names, dtype=object)
        labels = names[ind[keep]].tolist()
        values = np.round(contrib[keep], 3).tolist()
        bounds = np.searchsorted(rows[keep], np.arange(n + 1)).tolist()
        pairs = list(map(list, zip(labels, values, strict=True)))
        return [pairs[bounds[i] : bounds[i + 1]] for i in range(n)]


_SECTORS = tuple(SECTORS)
_FOCUSES = tuple(FOCUSES)
_ACTORS = tuple(INNOVATOR_TYPES)
# sector bitmask -> the sectors it holds, in vocabulary order
_SECTOR_SETS = [
    tuple(s for bit, s in enumerate(_SECTORS) if mask >> bit & 1)
    for mask in range(1 << len(_SECTORS))
]


class Heads(NamedTuple):
    """Every head for a batch of posts, as parallel lists."""

    scores: list[float]
    is_innovation: list[bool]
    sectors: list[list[str]]
    focus: list[str]
    innovator_type: list[str]
    explain: list[list[list[Any]]]

    @classmethod
    def from_dicts(cls, heads: list[dict[str, Any]]) -> Heads:
        return cls(
            [round(min(1.0, max(0.0, float(h["score"]))), 6) for h in heads],
            [bool(h["is_innovation"]) for h in heads],
            [h["sectors"] for h in heads],
            [h["focus"] for h in heads],
            [h["innovator_type"] for h in heads],
            [h["explain"] for h in heads],
        )


def _region(info: Any) -> dict[str, str] | None:
    if info is None:
        return None
    return {"code": info.code, "name": info.name}


class Predictor:
    """A loaded model (or the rules) that turns posts into prediction lines."""

    def __init__(
        self,
        model: Any = None,
        version: str = "rules",
        meta: Mapping[str, Any] | None = None,
        problem: str | None = None,
    ) -> None:
        self.model = model
        self.version = version if model is not None else "rules"
        self.meta = dict(meta or {})
        self.problem = problem
        self._rules = RuleClassifier()

    @classmethod
    def load(cls, instance_dir: str | Path | None = None) -> Predictor:
        """The active model of ``instance_dir``; the rules when there is none or it cannot be
        used (never raises; ``problem`` holds the reason, which is also logged)."""
        directory = Path(instance_dir) if instance_dir is not None else default_instance_dir()
        try:
            loaded = store.load_active(directory)
        except store.ModelError as exc:
            message = f"{exc}; keyword rules answer instead"
            log.warning("classifier: %s", message)
            return cls(problem=message)
        except Exception as exc:  # noqa: BLE001 - whatever the file holds, keep working
            message = f"the active model could not be loaded ({exc}); keyword rules answer"
            log.warning("classifier: %s", message)
            return cls(problem=message)
        if loaded is None:
            return cls(problem="no classifier model is active; keyword rules answer")
        version, model, meta = loaded
        return cls(model=model, version=version, meta=meta)

    @property
    def threshold(self) -> float:
        if self.model is None:
            return self._rules.threshold
        return float(self.model.threshold_)

    def predict_analyses(self, analyses: list[Analysis]) -> list[dict[str, Any]]:
        if self.model is None:
            return self._rules.predict_analyses(analyses)
        result: list[dict[str, Any]] = self.model.predict_analyses(analyses, EXPLAIN_TERMS)
        return result

    def _heads(self, analyses: list[Analysis]) -> Heads:
        heads = getattr(self.model, "heads", None)
        if heads is not None:
            found: Heads = heads(analyses, EXPLAIN_TERMS)
            return found
        return Heads.from_dicts(self.predict_analyses(analyses))

    def predict_batch(self, posts: list[Any]) -> list[dict[str, Any]]:
        """Prediction lines for one batch of posts (mappings; anything else counts as a post
        without text)."""
        analyze = rules.analyze
        analyses = [
            analyze(p if type(p) is dict or isinstance(p, Mapping | str) else "") for p in posts
        ]
        h = self._heads(analyses)
        version = self.version
        out = []
        for i, (post, analysis) in enumerate(zip(posts, analyses, strict=True)):
            region = analysis.region
            if region is None:
                province = regency = None
            else:
                province, regency = _region(region.province), _region(region.regency)
            out.append(
                {
                    "id": post.get("id") if isinstance(post, Mapping) else None,
                    "is_innovation": h.is_innovation[i],
                    "score": h.scores[i],
                    "sectors": h.sectors[i],
                    "focus": h.focus[i],
                    "innovator_type": h.innovator_type[i],
                    "province": province,
                    "regency": regency,
                    "lang": analysis.lang,
                    "model_version": version,
                    "explain": h.explain[i],
                }
            )
        return out

    def predict_posts(
        self, posts: Iterable[Any], batch_size: int = BATCH_SIZE
    ) -> Iterator[dict[str, Any]]:
        iterator = iter(posts)
        while batch := list(islice(iterator, batch_size)):
            yield from self.predict_batch(batch)


_cache_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[Any, ...], Predictor]] = {}


def _state(directory: Path) -> tuple[Any, ...]:
    """What decides which model is active and whether it changed on disk."""
    version = store.active_version(directory)
    if version is None:
        return (None,)
    try:
        stat = (directory / store.MODELS_DIR / version / store.META_FILE).stat()
        model_stat = (directory / store.MODELS_DIR / version / store.MODEL_FILE).stat()
    except OSError:
        return (version, None)
    return (version, stat.st_mtime_ns, model_stat.st_mtime_ns, model_stat.st_size)


def get_predictor(instance_dir: str | Path | None = None) -> Predictor:
    """The predictor for ``instance_dir``, loaded once and reloaded when the active model
    changes (another version activated, a new one trained)."""
    directory = Path(instance_dir) if instance_dir is not None else default_instance_dir()
    state = _state(directory)
    with _cache_lock:
        cached = _cache.get(directory)
        if cached is not None and cached[0] == state:
            return cached[1]
    predictor = Predictor.load(directory)
    with _cache_lock:
        _cache[directory] = (state, predictor)
    return predictor


def predict_posts(
    posts: Iterable[Mapping[str, Any]],
    instance_dir: str | Path | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[dict[str, Any]]:
    """Prediction lines (DESIGN.md) for ``posts`` in input order, from the active model of
    ``instance_dir`` (default: the current app's, else $REGISTRY_INSTANCE_DIR, else ./instance)
    or the keyword rules."""
    return get_predictor(instance_dir).predict_posts(posts, batch_size)
