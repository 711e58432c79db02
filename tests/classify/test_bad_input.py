"""Bad labelled input (rows without a usable label, unknown sector slugs, empty or blank
text, broken JSON lines, 100,000-character texts) is counted and reported with its line
number by train and evaluate, never a crash; predict answers every good line in order."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from registry.classify.batch import predict_stream
from registry.classify.evaluate import check_row, evaluate_file, read_labelled
from registry.classify.train import clean_rows, load_seed, train_and_save

LONG = "Pemkot Bandung luncurkan aplikasi antar sembako gratis. " * 1800  # ~100,000 chars


def bad_file(path: Path) -> Path:
    lines = [
        json.dumps({"id": "a", "text": "Relawan RW 05 bikin lumbung pangan", "is_innovation": 1,
                    "sectors": ["pangan", "bukan-sektor"]}),
        '{"id": "b", "text": "broken',
        json.dumps({"id": "c", "text": "capek psbb terus", "is_innovation": "maybe"}),
        json.dumps({"id": "d", "text": "   \n ", "is_innovation": 0}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "f", "text": LONG, "is_innovation": 1, "sectors": ["pangan"]}),
        json.dumps({"id": "g", "text": "kasus naik 120 orang hari ini", "is_innovation": 0}),
        json.dumps({"id": "h", "is_innovation": 0}),
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_labelled_reports_broken_lines_by_number(tmp_path: Path) -> None:
    problems: list[str] = []
    rows = read_labelled(bad_file(tmp_path / "bad.jsonl"), problems)
    assert [r["_line"] for r in rows] == [1, 3, 4, 6, 7, 8]
    assert problems[0].startswith("line 2: not JSON (")
    assert problems[1:] == ["line 5: not a JSON object"]
    with pytest.raises(ValueError, match="line 2"):
        read_labelled(tmp_path / "bad.jsonl")  # without a list to report in: an error


def test_check_row_names_each_problem() -> None:
    issues, usable = check_row({"text": "x", "is_innovation": 1, "sectors": ["nope"]}, True)
    assert usable and issues == ["unknown sector(s) nope: ignored"]
    assert check_row({"text": " ", "is_innovation": 1}, True) == (["empty text"], False)
    assert check_row({"is_innovation": 1}, True) == (["no text"], False)
    issues, usable = check_row({"text": "y", "is_innovation": None}, True)
    assert not usable and issues == ["is_innovation must be 0 or 1"]
    issues, usable = check_row({"text": LONG, "is_innovation": 0}, True)
    assert usable and "only the first 4,000 are read" in issues[0]


def test_clean_rows_drops_unknown_sectors_and_keeps_long_texts() -> None:
    kept, problems = clean_rows(
        [
            {"id": 1, "text": LONG, "is_innovation": 1, "sectors": ["pangan", "x"], "_line": 7},
            {"id": 2, "text": "", "is_innovation": 0, "_line": 9},
        ]
    )
    assert [r["id"] for r in kept] == [1] and kept[0]["sectors"] == ["pangan"]
    assert problems[0].startswith("line 7 (1): text of")
    assert "line 7 (1): unknown sector(s) x: ignored" in problems
    assert problems[-1] == "line 9 (2): empty text"


def test_train_reports_bad_lines_and_trains(tmp_path: Path) -> None:
    path = bad_file(tmp_path / "bad.jsonl")
    seed = load_seed()
    good = [r for r in seed if r["is_innovation"]][:25] + [
        r for r in seed if not r["is_innovation"]
    ][:25]
    rows = tmp_path / "good.jsonl"
    rows.write_text("".join(json.dumps(r) + "\n" for r in good), encoding="utf-8")
    _, report = train_and_save(
        tmp_path / "instance", data_paths=[rows, path], include_seed=False, folds=0
    )
    assert report["data"]["rows"] == 50 + 3  # a, f, g of the bad file
    text = "\n".join(report["problems"])
    for line in (2, 3, 4, 5, 8):
        assert f"{path}, line {line}" in text, line
    assert f"{path}, line 1 (a): unknown sector(s) bukan-sektor" in text
    assert f"{path}, line 6 (f): text of" in text
    assert report["problem_count"] == 7


def test_evaluate_reports_bad_lines_and_measures_the_rest(tmp_path: Path) -> None:
    path = bad_file(tmp_path / "bad.jsonl")
    metrics = evaluate_file(path, tmp_path / "no-model")  # the rules answer
    assert metrics["input"]["lines_not_read"] == 2
    assert metrics["input"]["rows_without_text"] == 2  # d (blank) and h (none)
    lines = metrics["input"]["problem_lines"]
    assert [int(m.split(":")[0].split()[1]) for m in lines] == [1, 2, 3, 4, 5, 6, 8]
    inn = metrics["is_innovation"]
    assert inn["rows"] == 3 and inn["unlabelled"] == 1 and inn["positives"] == 2
    assert metrics["sectors"]["rows"] == 2  # "bukan-sektor" ignored, "pangan" kept


def test_predict_answers_every_good_line_in_order(tmp_path: Path) -> None:
    lines: list[Any] = [
        {"id": 1, "text": LONG},
        {"id": 2, "text": ""},
        {"id": 3, "text": "   "},
        "{broken",
        {"id": 5, "text": "Puskesmas Sleman buka layanan vaksin drive thru"},
    ]
    data = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    out, err = io.StringIO(), io.StringIO()
    predicted, bad = predict_stream(io.BytesIO(data.encode()), out, err, tmp_path / "none")
    ids = [json.loads(line)["id"] for line in out.getvalue().splitlines()]
    assert ids == [1, 2, 3, 5] and predicted == 4 and bad == 1
    assert "line 4: not JSON" in err.getvalue()
