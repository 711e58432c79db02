"""How a command's failures reach the terminal: one place turns errors into messages and exit
codes, so that commands call services and let them raise.

Exit codes:

- 0: done.
- 1: refused, or a partial result: a domain ``Conflict`` (already decided, busy, exists) or
  ``Forbidden``; the database not initialized (``NotInitialized``: "run `registry init`"); the
  search index unavailable (``SearchUnavailable``); and what a command reports itself (rows or
  items refused, a run stopped). Printed as ``error: <message>`` in red on stderr.
- 2: a usage error: click's own (an unknown option, a bad value), and a domain ``Invalid`` or
  ``NotFound``, shown as click shows a bad value of the option or argument the error's
  ``param`` names (``--token-env`` for ``token_env``).

Every command and group of the package is a :class:`Command` / :class:`Group`; a failing
command's session is rolled back before the message is shown.
"""

from __future__ import annotations

from typing import IO, Any, NoReturn

import click
from flask import has_app_context

from ..database import NotInitialized
from ..extensions import db
from ..search import SearchUnavailable
from ..services.errors import DomainError, Invalid, NotFound

CLI_ACTOR = "cli"  # the actor the services record for what a command did


class CommandFailed(click.ClickException):
    """A command that could not do its work: ``error: <message>`` in red, exit status 1."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.secho(f"error: {self.format_message()}", fg="red", err=True, file=file)


def fail(message: str) -> NoReturn:
    raise CommandFailed(message)


def option_hint(param: str) -> str:
    """The command-line spelling of a service parameter: token_env -> --token-env."""
    return f"--{param.replace('_', '-')}"


def translate(exc: Exception, ctx: click.Context) -> click.ClickException | None:
    """The click error a failure is shown as, or None when it is not one of ours."""
    if isinstance(exc, Invalid | NotFound):
        message = exc.message or str(exc)
        if exc.param:
            return click.BadParameter(message, ctx=ctx, param_hint=option_hint(exc.param))
        return click.UsageError(message, ctx=ctx)
    if isinstance(exc, DomainError | NotInitialized | SearchUnavailable):
        return CommandFailed(str(exc))
    return None


class Command(click.Command):
    """A command whose domain and set-up errors become messages and exit codes (see above)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException:
            _rollback()
            raise
        except Exception as exc:
            error = translate(exc, ctx)
            if error is None:
                raise
            _rollback()
            raise error from None


def _rollback() -> None:
    """Nothing a failed command flushed is kept."""
    if has_app_context():
        db.session.rollback()


class Group(click.Group):
    """A group whose commands (and subgroups) are :class:`Command` / :class:`Group`."""

    command_class = Command
    group_class = type
