"""Scoring a page's candidates: inline, or in a forked process while the importer works on.

The classifier takes about a third of an import's CPU. :class:`ScoringProcess` forks once per
run (the child inherits the loaded predictor, nothing is pickled but the page's inputs and
scores) so that the importer groups and writes while the child scores; the page still waits
for its scores before it is committed, so every page is stored scored, in one transaction,
exactly as inline scoring stores it.

An import also hands the child its pages to read (``pages`` and ``prepare``): the child
parses each page of the file and computes its fingerprints ahead of the importer, between two
scoring requests, so that both cores of a two-core machine are busy.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import logging
import multiprocessing
import pickle
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

log = logging.getLogger(__name__)

# pages the child reads ahead of the one the importer stores
READ_AHEAD = 2


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


def score_inline(
    predictor: Any,
    inputs: Sequence[Mapping[str, Any]],
    encode: Callable[[Any], Any] | None = None,
) -> list[dict[str, Any]]:
    """The candidate columns of every input, in order (raises what the predictor raises);
    ``encode``, when given, turns the JSON columns (predicted, explain) into their text."""
    scores = [score_values(p) for p in predictor.predict_posts(inputs)]
    if encode is not None:
        for values in scores:
            values["predicted"] = encode(values["predicted"])
            values["explain"] = encode(values["explain"])
    return scores


def _dump(message: Any) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _loads(data: bytes) -> Any:
    """Unpickled without the cyclic collector, which a page's thousands of new objects would
    start several times over (and find nothing to free)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if enabled:
            gc.enable()


def _next_page(pages: Iterator[Any], prepare: Callable[[Any], Any] | None) -> tuple[str, Any]:
    try:
        page = next(pages)
        return "ok", page if prepare is None else prepare(page)
    except StopIteration:
        return "end", None
    except Exception as exc:  # noqa: BLE001 - raised in the parent when the page is due
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an exception that cannot cross the pipe
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        return "error", exc


def _serve(
    connection: Any,
    parent_end: Any,
    predictor: Any,
    pages: Iterator[Any] | None,
    prepare: Callable[[Any], Any],
    encode: Callable[[Any], Any] | None,
) -> None:
    """The child: answer each request until the parent closes its end; a scoring request goes
    before the pages asked for ahead."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    parent_end.close()  # the fork copied it: the child would never see the parent close it
    waiting: collections.deque[tuple[Any, ...]] = collections.deque()
    idle = 0.0  # seconds spent with nothing to do, told the parent with each page
    while True:
        try:
            while not waiting or connection.poll(0):
                started = time.perf_counter()
                waiting.append(connection.recv())
                if len(waiting) == 1:
                    idle += time.perf_counter() - started
        except (EOFError, OSError):
            return
        request = next((r for r in waiting if r[0] != "page"), waiting[0])
        waiting.remove(request)
        if request[0] == "stop":
            return
        if request[0] == "score":
            _, seq, inputs = request
            try:
                scores = score_inline(predictor, inputs, encode)
                reply: tuple[Any, ...] = ("score", seq, "ok", scores)
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it
                reply = ("score", seq, "error", f"{type(exc).__name__}: {exc}")
        else:
            _, seq, prepared = request
            if pages is None:
                status, value = "end", None
            else:
                status, value = _next_page(pages, prepare if prepared else None)
            reply = ("page", seq, status, value, idle)
            idle = 0.0
        try:
            connection.send_bytes(_dump(reply))
        except OSError:
            return


def _receive(connection: Any, inbox: queue.SimpleQueue[bytes | None]) -> None:
    """The parent's reader: takes the child's replies off the pipe as they come, so that the
    child never waits for the importer to read a page before it scores."""
    try:
        while True:
            inbox.put(connection.recv_bytes())
    except (EOFError, OSError):
        pass  # the child is gone
    finally:
        inbox.put(None)  # whatever stopped the reader: whoever waits learns it


class ScoringProcess:
    """A forked child holding ``predictor``: :meth:`submit` a page's inputs, do other work,
    then :meth:`result`. One request at a time; a reply to an abandoned request (the page
    failed between the two) is discarded by its sequence number.

    With ``pages`` (an iterator of pages not started yet, which the child inherits) the child
    also reads them, ``prepare`` applied to each, :data:`READ_AHEAD` pages ahead: take them
    with :meth:`next_page`. ``encode``: as for :func:`score_inline` (text pickles faster than
    the nested values)."""

    def __init__(
        self,
        predictor: Any,
        pages: Iterator[Any] | None = None,
        prepare: Callable[[Any], Any] = lambda page: page,
        encode: Callable[[Any], Any] | None = None,
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(child, self._connection, predictor, pages, prepare, encode),
            name="harvest-scoring",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._reader = threading.Thread(
            target=_receive, args=(self._connection, self._inbox), daemon=True
        )
        self._reader.start()
        self._seq = 0
        self._outstanding: set[int] = set()
        self._replies: dict[str, collections.deque[tuple[Any, ...]]] = {
            "score": collections.deque(),
            "page": collections.deque(),
        }
        self._pages_asked = 0
        self._reads_pages = pages is not None
        self._waited = 0.0  # seconds this process waited for the child since the last page
        # whether the pages asked for from now on are prepared (a page of posts stored
        # already, as when a file is imported again, is better read without)
        self.prepare_pages = True
        self._pages_done = pages is None
        self.alive = True
        self._closed = False
        if pages is not None:
            try:
                for _ in range(READ_AHEAD):
                    self._ask_page()
            except OSError:
                self.close()  # the child died at once: reap it and its reader, then say so
                raise

    def _ask_page(self, behind: bool = False) -> None:
        """Ask for one more page; prepared unless that is not wanted, or the child is
        ``behind`` (since the last page, the importer waited for it longer than it waited
        for the importer: then the importer prepares this one itself, which evens out the
        work of the two processes)."""
        self._pages_asked += 1
        self._connection.send(("page", self._pages_asked, self.prepare_pages and not behind))

    def _take(self, kind: str) -> tuple[Any, ...]:
        """The child's next reply of ``kind`` ("score" or "page"), keeping the others for
        their turn; raises RuntimeError when the child is gone."""
        kept = self._replies[kind]
        try:
            while not kept:
                started = time.perf_counter()
                data = self._inbox.get()
                self._waited += time.perf_counter() - started
                if data is None:
                    self._inbox.put(None)  # for whoever asks next
                    raise EOFError("the scoring process exited")
                reply: tuple[Any, ...] = _loads(data)
                self._replies[reply[0]].append(reply)
        except (EOFError, OSError) as exc:
            self.alive = False
            self._outstanding.clear()
            reason = str(exc) or type(exc).__name__
            raise RuntimeError(f"the scoring process stopped ({reason})") from exc
        return kept.popleft()

    def submit(self, inputs: Sequence[Mapping[str, Any]]) -> None:
        self._seq += 1
        self._connection.send(("score", self._seq, list(inputs)))
        self._outstanding.add(self._seq)

    def result(self) -> list[dict[str, Any]]:
        """The scores of the last request; raises RuntimeError when scoring failed (the child
        reported an error, or died: then ``alive`` is False)."""
        wanted = self._seq
        if wanted not in self._outstanding:
            raise RuntimeError("no scoring request outstanding")
        while True:
            _, seq, status, value = self._take("score")
            self._outstanding.discard(seq)
            if seq == wanted:
                break
        if status != "ok":
            raise RuntimeError(str(value))
        return list(value)

    def next_page(self) -> Any:
        """The next page the child read (``prepare`` applied when asked); raises
        StopIteration after the last, what reading raised in its turn, and RuntimeError when
        the child died (then ``alive`` is False: the pages not taken yet are to be read
        again)."""
        if self._pages_done:
            raise StopIteration
        _, _, status, value, idle = self._take("page")
        # the child is behind when this process waited for it longer than it waited
        behind, self._waited = self._waited > idle, 0.0
        if status != "ok":
            self._pages_done = True
            if status == "error":
                raise value
            raise StopIteration
        try:
            self._ask_page(behind)
        except OSError:
            self.alive = False  # the next call says so, after this page is stored
        return value

    @property
    def reads_pages(self) -> bool:
        return self._reads_pages

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.alive = False
        with contextlib.suppress(OSError):  # gone already
            self._connection.send(("stop",))
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._process.close()
        # the child's end is closed now: the reader sees the end of the pipe and returns
        self._reader.join(timeout=5)
        self._connection.close()
