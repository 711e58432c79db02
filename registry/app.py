"""create_app: the composition root of the site, the workers and (with registry.__main__) the
command line, which registers its commands on the app this builds."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request

from . import config as config_module
from . import (
    database,  # noqa: F401  (registers the engine listeners)
    jobs,
    worker,
)
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .web.hosts import RegistryFlask

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
LOCALES = ("id", "en")


def select_locale() -> str:
    # Indonesian first: English only when asked for (the switch sets a cookie)
    chosen = request.args.get("lang") or request.cookies.get("lang")
    return chosen if chosen in LOCALES else "id"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = config_module.load(config)
    app = RegistryFlask(
        __name__,
        instance_path=settings["INSTANCE_DIR"],
        static_folder="web/static",
        template_folder="web/templates",
    )
    app.config.from_mapping(config_module.flask_settings(settings))
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep DESIGN.md's field order
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    limiter.init_app(app)

    from .services import indexing
    from .web import register_web

    indexing.install()
    jobs.init_app(app, dispatcher=worker.dispatch)  # Celery, when REGISTRY_BROKER_URL is set
    register_web(app)
    return app
