"""Prediction over JSONL streams, without Flask: posts in with their line numbers, one
prediction line out per good input line, in input order, and the bad lines reported with their
numbers (``registry classify predict`` and the tests call the same functions).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .predict import get_predictor

#: the most bytes one input line may hold (longer lines are reported, not predicted)
MAX_LINE_BYTES = 1_000_000


def read_posts(
    lines: Iterable[bytes], errors: list[str] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, post) for every good line of JSONL given as bytes. A line that is not a
    JSON object with a string ``text`` is reported in ``errors`` ("line N: ...") and skipped;
    invalid UTF-8 is replaced (U+FFFD) and reported, and the line is still predicted; blank
    lines are skipped."""
    report = errors if errors is not None else []
    for number, data in enumerate(lines, start=1):
        if not data.strip():
            continue
        if len(data) > MAX_LINE_BYTES:
            report.append(f"line {number}: longer than {MAX_LINE_BYTES} bytes, not predicted")
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            report.append(f"line {number}: invalid UTF-8 replaced by U+FFFD (still predicted)")
        try:
            post = json.loads(text)
        except json.JSONDecodeError as exc:
            report.append(f"line {number}: not JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(post, dict):
            report.append(f"line {number}: not a JSON object")
            continue
        if not isinstance(post.get("text"), str):
            report.append(f'line {number}: no "text" string')
            continue
        yield number, post


def predict_stream(
    source: IO[bytes], out: IO[str], err: IO[str], instance_dir: str | Path
) -> tuple[int, int]:
    """Read JSONL posts from ``source``, write one prediction line per good input line to
    ``out`` in input order, report bad lines on ``err``; returns (predicted, bad)."""
    predictor = get_predictor(instance_dir)
    if predictor.problem:
        err.write(f"warning: {predictor.problem}\n")
    errors: list[str] = []
    reported = 0

    def flush_errors() -> None:
        nonlocal reported
        for message in errors[reported:]:
            err.write(message + "\n")
        reported = len(errors)

    def posts() -> Iterator[dict[str, Any]]:
        for _, post in read_posts(source, errors):
            flush_errors()
            yield post
        flush_errors()

    count = 0
    for line in predictor.predict_posts(posts()):
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        count += 1
    flush_errors()
    bad = sum(1 for message in errors if "still predicted" not in message)
    return count, bad
