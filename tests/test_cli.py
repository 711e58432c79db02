from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_innovation_data

REPO = Path(__file__).resolve().parents[1]


def run_cli(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "REGISTRY_INSTANCE_DIR": str(tmp_path / "instance"),
        "REGISTRY_INDEX_DIR": str(tmp_path / "index"),
    }
    env.pop("REGISTRY_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        input=stdin,
        timeout=300,
    )


def test_commands_before_init_say_run_init(tmp_path):
    result = run_cli(tmp_path, "export", "--format", "json")
    assert result.returncode == 1
    assert "registry init" in result.stderr


def test_init_import_export_index(tmp_path):
    assert run_cli(tmp_path, "init").returncode == 0
    assert run_cli(tmp_path, "init").returncode == 0  # idempotent
    rows = [make_innovation_data(), make_innovation_data(title="Kedua", province="Atlantis")]
    source = tmp_path / "rows.json"
    source.write_text(json.dumps(rows), encoding="utf-8")
    result = run_cli(tmp_path, "import", str(source), "--publish")
    assert result.returncode == 1  # one row refused
    assert "row 2, province: unknown province 'Atlantis'" in result.stderr
    assert "1 created" in result.stdout

    out = tmp_path / "out.csv"
    assert run_cli(tmp_path, "export", "--format", "csv", "-o", str(out)).returncode == 0
    assert "Layanan Antar Obat" in out.read_text(encoding="utf-8")

    rebuilt = run_cli(tmp_path, "index", "rebuild")
    assert rebuilt.returncode == 0 and "indexed 1 published" in rebuilt.stdout
    assert run_cli(tmp_path, "index", "sync").stdout.strip() == "0 updated, 0 removed"
    assert not [p for p in (tmp_path).iterdir() if p.name.startswith("index") and p.name != "index"]


def test_import_missing_file_is_clear(tmp_path):
    run_cli(tmp_path, "init")
    result = run_cli(tmp_path, "import", str(tmp_path / "nope.csv"))
    assert result.returncode == 1 and "no such file" in result.stderr


def test_demo_loads_once(tmp_path):
    first = run_cli(tmp_path, "demo", "--port", "5123")
    assert first.returncode == 0, first.stderr
    created = int(first.stdout.split("demo catalogue: ")[1].split(" added")[0])
    assert created >= 150
    # the demo's mails link to the port it was asked to serve on
    mails = "".join(p.read_text() for p in (tmp_path / "instance" / "outbox").iterdir())
    assert "http://localhost:5123/" in mails and "localhost:5000" not in mails
    second = run_cli(tmp_path, "demo")
    assert "demo catalogue: 0 added" in second.stdout
