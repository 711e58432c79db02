"""Versioned classifier models under ``<instance dir>/models/``.

Layout::

    models/
      .signing-key            32 random bytes (hex), mode 0600, created on the first save
      active                  the active version, one line
      <version>/model.joblib  the fitted PostModel
      <version>/meta.json     library versions, training data hash, CV metrics, created_at,
                              threshold, and the HMAC-SHA256 of model.joblib under the key

Only models this registry wrote are ever unpickled: :func:`load_model` checks, before
``joblib.load``, that meta.json parses, that the model was saved by the running scikit-learn
version (a pickle from another version may load wrongly or not at all), and that the file's
HMAC matches the one meta.json carries under this instance's key. Any failure raises
:class:`ModelError` whose message says what is wrong and what to do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import platform
import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODELS_DIR = "models"
ACTIVE_FILE = "active"
KEY_FILE = ".signing-key"
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
#: the layout of meta.json and of the object model.joblib holds (predict.CompiledModel); a
#: model saved with another format is refused (retrain it). 2: the structural shape features
#: (rules.SHAPE_FEATURES) come first among the lexicon columns, and actor_weight; 3: the
#: known_initiative, routine and foreign shapes
FORMAT = 3
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")


class ModelError(Exception):
    """A model is missing, corrupt, not ours, or from another scikit-learn version; the message
    says which and what to do."""


@dataclass(frozen=True)
class ModelInfo:
    version: str
    path: Path
    meta: dict[str, Any]
    active: bool = False

    @property
    def problem(self) -> str | None:
        """Why this model cannot be loaded here (None when it can, as far as meta.json tells)."""
        return compatibility_problem(self.meta)


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "scikit-learn": sklearn_version()}
    for name in ("numpy", "scipy", "joblib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def models_dir(instance_dir: str | Path) -> Path:
    return Path(instance_dir) / MODELS_DIR


# ------------------------------------------------------------------ signing


def signing_key(instance_dir: str | Path, create: bool = False) -> bytes:
    """This instance's model-signing key; created (mode 0600) when ``create`` and missing."""
    path = models_dir(instance_dir) / KEY_FILE
    if not path.exists():
        if not create:
            raise ModelError(
                f"the model signing key {path} is missing, so no model can be verified; "
                "train a new model with `registry classify train`"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if len(text) < 32:
        raise ModelError(f"the model signing key {path} is damaged; remove it and retrain")
    return text.encode("ascii", errors="replace")


def file_hmac(path: Path, key: bytes) -> str:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            mac.update(chunk)
    return mac.hexdigest()


# ------------------------------------------------------------------ reading


def read_meta(path: Path) -> dict[str, Any]:
    meta_path = path / META_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"model {path.name}: {META_FILE} is missing") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model {path.name}: {META_FILE} is unreadable ({exc})") from exc
    if not isinstance(meta, dict):
        raise ModelError(f"model {path.name}: {META_FILE} is not a JSON object")
    return meta


def sklearn_version() -> str:
    """The installed scikit-learn version, read without importing it (an import costs
    seconds; prediction does not need scikit-learn)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scikit-learn")
    except PackageNotFoundError:
        return "not installed"


def compatibility_problem(meta: Mapping[str, Any]) -> str | None:
    if meta.get("format") != FORMAT:
        return (
            f"it has model format {meta.get('format')!r} and this registry reads format "
            f"{FORMAT}; retrain it with `registry classify train`"
        )
    running = sklearn_version()
    saved = (meta.get("libraries") or {}).get("scikit-learn")
    if saved != running:
        return (
            f"it was saved by scikit-learn {saved or 'of unknown version'} and this registry "
            f"runs scikit-learn {running}; retrain it with "
            "`registry classify train` (or install the scikit-learn version it was saved with)"
        )
    return None


def list_models(instance_dir: str | Path) -> list[ModelInfo]:
    """Every saved version, oldest first; a version whose meta.json is unreadable is listed with
    ``meta == {"error": ...}``."""
    root = models_dir(instance_dir)
    if not root.is_dir():
        return []
    current = active_version(instance_dir)
    out = []
    for path in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            meta = read_meta(path)
        except ModelError as exc:
            meta = {"error": str(exc)}
        out.append(ModelInfo(path.name, path, meta, active=path.name == current))
    out.sort(key=lambda info: (str(info.meta.get("created_at", "")), info.version))
    return out


def active_version(instance_dir: str | Path) -> str | None:
    path = models_dir(instance_dir) / ACTIVE_FILE
    try:
        version = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return version or None


def _model_path(instance_dir: str | Path, version: str) -> Path:
    if not _VERSION_RE.match(version):
        raise ModelError(f"{version!r} is not a model version")
    return models_dir(instance_dir) / version


def verify(instance_dir: str | Path, version: str) -> tuple[Path, dict[str, Any]]:
    """Check that ``version`` exists, is compatible and carries a valid signature, without
    unpickling it; returns its directory and meta."""
    path = _model_path(instance_dir, version)
    if not path.is_dir():
        raise ModelError(f"model {version} does not exist in {models_dir(instance_dir)}")
    meta = read_meta(path)
    problem = compatibility_problem(meta)
    if problem:
        raise ModelError(f"model {version} refused: {problem}")
    model_file = path / MODEL_FILE
    if not model_file.is_file():
        raise ModelError(f"model {version}: {MODEL_FILE} is missing; retrain or activate another")
    expected = meta.get("hmac_sha256")
    if not isinstance(expected, str):
        raise ModelError(f"model {version} refused: it carries no signature (not written here)")
    actual = file_hmac(model_file, signing_key(instance_dir))
    if not hmac.compare_digest(actual, expected):
        raise ModelError(
            f"model {version} refused: {MODEL_FILE} does not match its signature (changed "
            "after it was saved, or written by another registry); retrain or activate another"
        )
    return path, meta


def load_model(instance_dir: str | Path, version: str) -> tuple[Any, dict[str, Any]]:
    """The verified model ``version`` and its meta; raises :class:`ModelError`."""
    import joblib

    path, meta = verify(instance_dir, version)
    try:
        model = joblib.load(path / MODEL_FILE)
    except Exception as exc:  # noqa: BLE001 - a signed file that will not load is corrupt
        raise ModelError(f"model {version}: {MODEL_FILE} could not be loaded ({exc})") from exc
    return model, meta


def load_active(instance_dir: str | Path) -> tuple[str, Any, dict[str, Any]] | None:
    """(version, model, meta) of the active model; None when no model is active. Raises
    :class:`ModelError` when the active model cannot be used (callers fall back to rules)."""
    version = active_version(instance_dir)
    if version is None:
        return None
    model, meta = load_model(instance_dir, version)
    return version, model, meta


# ------------------------------------------------------------------ writing


def _new_version(root: Path) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    version, n = stamp, 1
    while (root / version).exists():
        n += 1
        version = f"{stamp}-{n}"
    return version


def save_model(
    instance_dir: str | Path,
    model: Any,
    meta: Mapping[str, Any],
    activate: bool = True,
) -> ModelInfo:
    """Write a new version (model.joblib and meta.json, signed) and, when ``activate``, make it
    the active one. The version appears complete or not at all (written aside, then renamed)."""
    import joblib

    root = models_dir(instance_dir)
    root.mkdir(parents=True, exist_ok=True)
    key = signing_key(instance_dir, create=True)
    version = _new_version(root)
    staging = root / f".staging-{version}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        model_file = staging / MODEL_FILE
        joblib.dump(model, model_file, compress=3)
        full_meta: dict[str, Any] = {
            "format": FORMAT,
            "version": version,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "libraries": library_versions(),
            **dict(meta),
            "size_bytes": model_file.stat().st_size,
            "hmac_sha256": file_hmac(model_file, key),
        }
        (staging / META_FILE).write_text(
            json.dumps(full_meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        staging.rename(root / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if activate:
        set_active(instance_dir, version)
    return ModelInfo(version, root / version, full_meta, active=activate)


def set_active(instance_dir: str | Path, version: str) -> None:
    root = models_dir(instance_dir)
    tmp = root / f".{ACTIVE_FILE}-{secrets.token_hex(4)}"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, root / ACTIVE_FILE)


def activate(instance_dir: str | Path, version: str) -> ModelInfo:
    """Make ``version`` the active model (switch or roll back); it is verified first (exists,
    compatible, signature valid), so a broken version never becomes active."""
    path, meta = verify(instance_dir, version)
    set_active(instance_dir, version)
    return ModelInfo(version, path, meta, active=True)
