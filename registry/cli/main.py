"""The `registry` group: every command of the package, on the app the composition root builds.

This package never imports registry.app: registry.__main__ (the console script) passes
create_app in, and `register_commands` adds the commands to that app's `app.cli`, where the
tests' `app.test_cli_runner()` finds them too.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask
from flask.cli import FlaskGroup

from ..config import ConfigError
from .campaigns import campaigns
from .catalogue import export, import_command, index
from .classify import classify
from .harvest import harvest
from .instance import demo, init, serve
from .maps import map_group
from .notify import notify
from .reports import reports_group
from .users import users
from .workers import beat, worker

COMMANDS: tuple[click.Command, ...] = (
    init,
    demo,
    serve,
    import_command,
    export,
    index,
    users,
    classify,
    worker,
    beat,
    harvest,
    map_group,
    notify,
    reports_group,
    campaigns,
)


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def make_main(create_app: Callable[[], Flask]) -> click.Group:
    """The `registry` command on the app `create_app` builds (with the commands registered)."""

    def create_app_with_commands() -> Flask:
        try:
            app = create_app()
        except ConfigError as exc:  # a setting to fix: its message, without a traceback
            raise click.ClickException(str(exc)) from None
        register_commands(app)
        return app

    return FlaskGroup(
        name="main",
        help="Lumbung Inovasi: the registry of public-service innovations.",
        create_app=create_app_with_commands,
        add_default_commands=False,
        load_dotenv=False,
        set_debug_flag=False,
    )
