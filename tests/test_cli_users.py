from __future__ import annotations

from registry.extensions import db
from registry.models import Innovation
from registry.services import accounts, review
from registry.services.demo import DEMO_CURATOR, DEMO_INSTITUTION, load_demo_accounts
from tests.test_cli import run_cli


def test_users_add_and_token(tmp_path):
    assert run_cli(tmp_path, "init").returncode == 0
    added = run_cli(
        tmp_path,
        "users", "add", "kurator@example.org", "--role", "curator", "--password-stdin",
        "--org", "Kementerian PANRB",
        stdin="Kurasi-Rahasia-2020\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "created curator kurator@example.org" in added.stdout
    again = run_cli(tmp_path, "users", "add", "kurator@example.org", "--role", "curator")
    assert again.returncode == 1 and "already exists" in again.stderr
    weak = run_cli(
        tmp_path, "users", "add", "x@example.org", "--role", "admin", "--password-stdin",
        stdin="123\n",
    )  # fmt: skip
    assert weak.returncode == 1 and "password" in weak.stderr
    minted = run_cli(tmp_path, "users", "token", "kurator@example.org")
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip().splitlines()[-1]
    assert token.startswith("li_") and len(token) > 40
    assert run_cli(tmp_path, "users", "token", "nobody@example.org").returncode == 1


def test_demo_accounts_are_idempotent_and_fill_the_queue(ctx):
    lines = load_demo_accounts()
    assert any(DEMO_CURATOR[0] in line and DEMO_CURATOR[1] in line for line in lines)
    assert any(DEMO_INSTITUTION[0] in line and DEMO_INSTITUTION[1] in line for line in lines)
    assert load_demo_accounts()[0] == "demo submissions: 0 added"
    assert accounts.authenticate(*DEMO_CURATOR).role == "curator"
    assert accounts.authenticate(*DEMO_INSTITUTION).role == "institution"
    statuses = sorted(db.session.scalars(db.select(Innovation.status)))
    assert statuses == ["in_review", "in_review", "submitted", "submitted"]
    queue = review.queue()
    assert len(queue) == 4 and queue[0][1].ack_late  # the oldest unacknowledged comes first
