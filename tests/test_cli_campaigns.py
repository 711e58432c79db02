"""`registry campaigns add|list` (issue 15 item 10)."""

from __future__ import annotations

from sqlalchemy import select

from registry.extensions import db
from registry.models import Campaign


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["campaigns", *args])


def test_campaigns_add_and_list(app):
    added = cli(app, "add", "Inovasi Banjir 2021", "--opens-on", "2021-01-01",
                "--closes-on", "2021-06-30", "--description", "Tanggap banjir")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added campaign Inovasi Banjir 2021 (slug inovasi-banjir-2021, " in added.output
    assert "2021-01-01 to 2021-06-30" in added.output
    listed = cli(app, "list")
    assert listed.exit_code == 0, listed.output
    assert "inovasi-banjir-2021\tInovasi Banjir 2021\t2021-01-01 to 2021-06-30\tclosed" in (
        listed.output
    )
    assert "covid-19-2020\t" in listed.output or "COVID-19 2020" in listed.output
    again = cli(app, "add", "inovasi banjir 2021")
    assert again.exit_code == 1 and "exists already" in again.output
    backwards = cli(app, "add", "Mundur", "--opens-on", "2021-06-30", "--closes-on", "2021-01-01")
    assert backwards.exit_code == 2 and "--closes-on" in backwards.output
    bad_date = cli(app, "add", "Salah", "--opens-on", "30/06/2021")
    assert bad_date.exit_code == 2
    with app.app_context():
        names = set(db.session.scalars(select(Campaign.name)))
    assert "Inovasi Banjir 2021" in names and not {"Mundur", "Salah"} & names
