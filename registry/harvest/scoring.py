"""Scoring a page's candidates: inline, or in a forked process while the importer works on.

The classifier takes about a third of an import's CPU. :class:`ScoringProcess` forks once per
run (the child inherits the loaded predictor, nothing is pickled but the page's inputs and
scores) so that the importer builds the page's rows and reads the next page while the child
scores; the page still waits for its scores before it is written and committed, so every page
is stored scored, in one transaction, exactly as inline scoring stores it.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from collections.abc import Mapping, Sequence
from typing import Any

log = logging.getLogger(__name__)


def score_values(prediction: Mapping[str, Any]) -> dict[str, Any]:
    """The candidate columns one prediction fills."""
    province = prediction.get("province")
    return {
        "score": float(prediction.get("score") or 0.0),
        "predicted": {
            "sectors": prediction.get("sectors") or [],
            "focus": prediction.get("focus"),
            "innovator_type": prediction.get("innovator_type"),
            "province": province,
            "regency": prediction.get("regency"),
        },
        "explain": prediction.get("explain") or [],
        "model_version": str(prediction.get("model_version") or "")[:64],
        "province_code": province.get("code") if isinstance(province, dict) else None,
        "lang": prediction.get("lang"),
    }


def score_inline(predictor: Any, inputs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The candidate columns of every input, in order (raises what the predictor raises)."""
    return [score_values(p) for p in predictor.predict_posts(inputs)]


def _serve(connection: Any, parent_end: Any, predictor: Any) -> None:
    """The child: score each request until the parent closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    parent_end.close()  # the fork copied it: the child would never see the parent close it
    while True:
        try:
            seq, inputs = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[int, str, Any] = (seq, "ok", score_inline(predictor, inputs))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it
            reply = (seq, "error", f"{type(exc).__name__}: {exc}")
        try:
            connection.send(reply)
        except OSError:
            return


class ScoringProcess:
    """A forked child holding ``predictor``: :meth:`submit` a page's inputs, do other work,
    then :meth:`result`. One request at a time; a reply to an abandoned request (the page
    failed between the two) is discarded by its sequence number."""

    def __init__(self, predictor: Any) -> None:
        context = multiprocessing.get_context("fork")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(child, self._connection, predictor),
            name="harvest-scoring",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._seq = 0
        self._outstanding: set[int] = set()
        self.alive = True
        self._closed = False

    def submit(self, inputs: Sequence[Mapping[str, Any]]) -> None:
        self._seq += 1
        self._connection.send((self._seq, list(inputs)))
        self._outstanding.add(self._seq)

    def result(self) -> list[dict[str, Any]]:
        """The scores of the last request; raises RuntimeError when scoring failed (the child
        reported an error, or died: then ``alive`` is False)."""
        wanted = self._seq
        if wanted not in self._outstanding:
            raise RuntimeError("no scoring request outstanding")
        try:
            while True:
                seq, status, value = self._connection.recv()
                self._outstanding.discard(seq)
                if seq == wanted:
                    break
        except (EOFError, OSError) as exc:
            self.alive = False
            self._outstanding.clear()
            reason = str(exc) or type(exc).__name__
            raise RuntimeError(f"the scoring process stopped ({reason})") from exc
        if status != "ok":
            raise RuntimeError(str(value))
        return list(value)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.alive = False
        self._connection.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._process.close()
