"""`registry reports routes add|list`."""

from __future__ import annotations

from tests.accounts_helpers import make_user


def test_routes_add_and_list(app, ctx):
    make_user("dinsos@example.org", "institution", org="Dinas Sosial")
    runner = app.test_cli_runner()
    added = runner.invoke(
        args=[
            "reports",
            "routes",
            "add",
            "--category",
            "bantuan-sosial",
            "--province",
            "32",
            "--words",
            "sembako beras",
            "--to",
            "dinsos@example.org",
        ]
    )
    assert added.exit_code == 0, added.output
    assert "bantuan-sosial 32 -> dinsos@example.org" in added.output
    anywhere = runner.invoke(
        args=["reports", "routes", "add", "--category", "kesehatan", "--to", "dinsos@example.org"]
    )
    assert anywhere.exit_code == 0
    listed = runner.invoke(args=["reports", "routes", "list"])
    lines = listed.output.strip().splitlines()
    assert lines[0].split("\t")[1:] == [
        "bantuan-sosial",
        "32",
        "sembako beras",
        "dinsos@example.org",
    ]
    assert lines[1].split("\t")[1:] == ["kesehatan", "*", "-", "dinsos@example.org"]
    unknown = runner.invoke(
        args=["reports", "routes", "add", "--category", "kesehatan", "--to", "x@example.org"]
    )
    assert unknown.exit_code == 2 and "--to" in unknown.output
    bad_region = runner.invoke(
        args=[
            "reports",
            "routes",
            "add",
            "--category",
            "kesehatan",
            "--province",
            "Mars",
            "--to",
            "dinsos@example.org",
        ]
    )
    assert bad_region.exit_code == 2 and "--province" in bad_region.output
    bad_category = runner.invoke(
        args=["reports", "routes", "add", "--category", "golf", "--to", "dinsos@example.org"]
    )
    assert bad_category.exit_code == 2
