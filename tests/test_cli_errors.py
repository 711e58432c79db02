"""registry.cli.errors: domain and set-up errors become messages and exit codes in one place."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from registry.cli.errors import Command, Group
from registry.database import NotInitialized
from registry.services.errors import Conflict, Forbidden, Invalid, NotFound


def _group(error: Exception) -> click.Group:
    @click.group(cls=Group)
    def top() -> None:
        """A group."""

    @top.group()
    def sub() -> None:
        """A subgroup: its commands are errors-mapping Commands too."""

    @sub.command()
    @click.option("--token-env", default="")
    def fails(token_env: str) -> None:
        raise error

    assert isinstance(sub, Group) and isinstance(fails, Command)
    return top


@pytest.mark.parametrize(
    ("error", "code", "shown"),
    [
        (
            Invalid("not a variable name", param="token_env"),
            2,
            "Invalid value for --token-env: not a variable name",
        ),
        (NotFound("no such source", param="name"), 2, "Invalid value for --name: no such source"),
        (NotFound("no such thing"), 2, "Error: no such thing"),
        (Conflict("source x is being harvested"), 1, "error: source x is being harvested"),
        (Forbidden("not yours"), 1, "error: not yours"),
        (NotInitialized(), 1, "error: the database is not initialized: run `registry init`"),
    ],
)
def test_errors_become_exit_codes(error: Exception, code: int, shown: str) -> None:
    result = CliRunner().invoke(_group(error), ["sub", "fails"])
    assert result.exit_code == code
    assert shown in result.output
    assert "Traceback" not in result.output


def test_other_errors_are_not_hidden() -> None:
    result = CliRunner().invoke(_group(KeyError("bug")), ["sub", "fails"])
    assert isinstance(result.exception, KeyError)
