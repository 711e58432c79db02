"""Configuration: defaults, then instance/config.py, then REGISTRY_* environment variables.

The environment wins over the file; a mapping passed to create_app (tests) wins over both.
This module is the one place the registry reads the environment: the rest gets its settings
from the app's config or as parameters.
"""

from __future__ import annotations

import datetime as dt
import os
import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_PREFIX = "REGISTRY_"
DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - refused outside development


# the harvest runner's settings (registry.harvest.runs.Settings); REGISTRY_HARVEST_* override them
HARVEST_DEFAULTS: dict[str, Any] = {
    "HARVEST_MAX_RETRIES": 5,  # transient faults in a row before a run stops (resumable)
    "HARVEST_BACKOFF_BASE": 2.0,  # seconds before the first retry, doubled each time
    "HARVEST_BACKOFF_CAP": 300.0,
    "HARVEST_MAX_WAIT": 900.0,  # a longer rate-limit wait stops the run until the next one
    # a run still "running" after this many seconds was left by a dead process: the
    # schedule and the runner (registry.harvest.runs) no longer wait for it
    "HARVEST_STALE_AFTER": 6 * 3600.0,
    "HARVEST_INDEX_MAX_CANDIDATES": 100_000,  # candidates the near-duplicate index holds
    "HARVEST_TIMEOUT": 30.0,  # seconds for one request to a platform
    # "auto" | "inline" | "process": where an archive's pages are scored (harvest/scoring.py)
    "HARVEST_SCORING": "auto",
    # posts of a source looked up again after each live run (harvest/recheck.py); 0: off
    "HARVEST_RECHECK_POSTS": 100,
}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def defaults(instance_dir: Path) -> dict[str, Any]:
    return {
        "ENV": "development",
        "SECRET_KEY": DEV_SECRET,
        "INSTANCE_DIR": str(instance_dir),
        "DATABASE_URL": "",
        "INDEX_DIR": str(Path.cwd() / "index"),
        # background jobs (issue 4): unset, they run inline in the calling process
        "BROKER_URL": "",
        "RESULT_BACKEND": "",  # unset: the broker URL
        "BROKER_VISIBILITY_TIMEOUT": 6 * 3600,  # longer than the longest harvest run
        "JOB_MAX_RETRIES": 5,  # transient database or index errors, with exponential backoff
        "BEAT_TICK_SECONDS": 60,  # how often `registry beat` looks for harvest sources due
        **HARVEST_DEFAULTS,
        # harvest sources may use plain http and private or loopback hosts (tests, local
        # mirrors); off, they fetch over https from public addresses only (harvest/policy.py)
        "HARVEST_ALLOW_PRIVATE_HOSTS": False,
        "SMTP_URL": "",
        "SLA_ACK_DAYS": 1,
        "SLA_DECISION_DAYS": 3,
        "PER_PAGE_DEFAULT": 20,
        "PER_PAGE_MAX": 100,
        # the inbox counts its candidates exactly up to this many, and estimates above it
        "INBOX_COUNT_BOUND": 10_000,
        "MAX_IMPORT_ROWS": 100_000,
        # the site's public address (scheme, host, optional path): every absolute URL in mails
        # and API answers is built on it, never on the request's Host header; required outside
        # development and tests
        "BASE_URL": "",
        # more host names the site answers to (comma- or space-separated; ".example.org" takes
        # its subdomains) besides BASE_URL's host and the loopback names; any other Host: 400
        "TRUSTED_HOSTS": "",
        "SITE_NAME": "Lumbung Inovasi",
        # who runs this instance and how to reach them, named on the About page: an email
        # address, a web address (http/https) or any text (a postal address, a phone number)
        "OPERATOR_NAME": "Tim Lumbung Inovasi",
        "OPERATOR_CONTACT": "pengelola@lumbung-inovasi.example",
        "SEARCH_WRITER_TIMEOUT": 10.0,
        # whoosh (the index on disk, one host) or postgres (inside the PostgreSQL database, any
        # number of web hosts; issue 14), and the postgres backend's limit on one statement
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_STATEMENT_TIMEOUT_MS": 5000,
        # a request that loses a lock conflict (SQLite busy, PostgreSQL deadlock) runs again
        "DB_RETRY_ATTEMPTS": 5,
        "DB_RETRY_SECONDS": 5.0,
        # `registry serve` (registry.serving): waitress threads, connections at once, and the
        # seconds an idle connection is kept
        "SERVE_THREADS": 8,
        "SERVE_CONNECTION_LIMIT": 500,
        "SERVE_CHANNEL_TIMEOUT": 20,
        # the home page's figures are kept this long at most (a change made in this process
        # drops them at once; one made by another process shows within this time); 0: off
        "CATALOGUE_CACHE_SECONDS": 60,
        # reverse proxies in front that set X-Forwarded-For/-Proto (0: trust no such header)
        "PROXY_COUNT": 0,
        # accounts and review (issue 3)
        "MAIL_FROM": "Lumbung Inovasi <noreply@lumbung-inovasi.example>",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URL": "",
        "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        "SIGNUP_RATE_LIMIT": "5 per hour",
        "API_READ_RATE_LIMIT": "300 per minute",
        "LOGIN_LOCKOUT_ATTEMPTS": 5,
        "LOGIN_LOCKOUT_MINUTES": 15,
        # a login (its session and remember-me cookie) ends after this many days at the latest
        "REMEMBER_DAYS": 14,
        "CONFIRM_TOKEN_HOURS": 72,
        "RESET_TOKEN_HOURS": 2,
        "API_TOKEN_DAYS": 365,
        "ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
        "ATTACHMENTS_PER_INNOVATION": 10,
        # the relay contact form on an innovation's page
        "CONTACT_RATE_LIMIT": "5 per hour;20 per day",
        # a curator may publish their own submission (or update) without a second curator
        "ALLOW_SELF_PUBLISH": False,
        # the classifier retrains in the background after this many new curator labels
        "RETRAIN_AFTER": 50,
        # lifecycle and notifications (issue 13)
        "STATUS_LINK_DAYS": 30,  # an owner's one-click operating-status link expires
        "STATUS_CHECK_DAYS": 365,  # ask again when not verified for this long
        "SUBSCRIPTION_CONFIRM_DAYS": 7,
        "SUBSCRIBE_RATE_LIMIT": "5 per hour;20 per day",  # per client and per address
        "DIGEST_MAX_ITEMS": 50,
        "NOTIFY_TICK_SECONDS": 3600,  # how often beat runs `notify send`
        # reports (issue 11): the clock in calendar days from receipt, the reporter's window
        # after a response, and how many reports one address may send
        "REPORT_DISPOSE_DAYS": 1,
        "REPORT_RESPOND_DAYS": 3,
        "REPORT_CLOSE_DAYS": 10,
        "REPORT_RATE_LIMIT": "5 per hour;20 per day",
        "REPORT_ATTACHMENTS": 5,
        # a curator may not publish an innovation they drafted (four eyes); off by default
        "PUBLISHER_NOT_DRAFTER": False,
    }


def resolve_instance_dir(chosen: str | os.PathLike[str] | None = None) -> Path:
    """The instance directory: ``chosen``, else $REGISTRY_INSTANCE_DIR, else ./instance."""
    return Path(
        chosen or os.environ.get(ENV_PREFIX + "INSTANCE_DIR") or Path.cwd() / "instance"
    ).resolve()


def token(variable: str) -> str | None:
    """The secret in the environment variable a harvest source names (``--token-env``): read
    when a run starts, never stored."""
    return os.environ.get(variable) if variable else None


def load(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the registry settings (names without the REGISTRY_ prefix)."""
    overrides = dict(overrides or {})
    instance_dir = resolve_instance_dir(overrides.get("INSTANCE_DIR"))
    settings = defaults(instance_dir)

    config_file = instance_dir / "config.py"
    if config_file.is_file():
        values = runpy.run_path(str(config_file))
        settings.update({k: v for k, v in values.items() if k.isupper()})

    for key, default in list(settings.items()):
        raw = os.environ.get(ENV_PREFIX + key)
        if raw is not None:
            settings[key] = _coerce(raw, default)

    settings.update(overrides)
    settings["INSTANCE_DIR"] = str(instance_dir)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance_dir / 'registry.db'}"
    if settings["ENV"] != "development" and settings["SECRET_KEY"] == DEV_SECRET:
        raise ConfigError(
            "REGISTRY_SECRET_KEY must be set outside development "
            "(for example: export REGISTRY_SECRET_KEY=$(python -c "
            "'import secrets; print(secrets.token_hex(32))'))"
        )
    settings["BASE_URL"] = _base_url(settings)
    _check_search_backend(settings)
    return settings


SEARCH_BACKENDS = ("whoosh", "postgres")


def _check_search_backend(settings: Mapping[str, Any]) -> None:
    backend = settings["SEARCH_BACKEND"]
    if backend not in SEARCH_BACKENDS:
        raise ConfigError(
            f"REGISTRY_SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}, not {backend!r}"
        )
    if backend == "postgres" and not str(settings["DATABASE_URL"]).startswith("postgresql"):
        raise ConfigError(
            "REGISTRY_SEARCH_BACKEND=postgres searches inside a PostgreSQL database, and "
            "REGISTRY_DATABASE_URL is not one (set it to postgresql+psycopg://..., or use "
            "REGISTRY_SEARCH_BACKEND=whoosh, the default)"
        )


LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def _base_url(settings: Mapping[str, Any]) -> str:
    base = str(settings.get("BASE_URL") or "").strip().rstrip("/")
    if not base:
        if settings["ENV"] != "development" and not settings.get("TESTING"):
            raise ConfigError(
                "REGISTRY_BASE_URL must be set outside development: the public address of "
                "the site, e.g. export REGISTRY_BASE_URL=https://lumbung-inovasi.example "
                "(links in mails and API answers are built on it)"
            )
        return ""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"REGISTRY_BASE_URL must be an http(s) address without query or fragment, "
            f"e.g. https://lumbung-inovasi.example; got {base!r}"
        )
    return base


def trusted_hosts(settings: Mapping[str, Any]) -> list[str]:
    """The host names requests may carry: BASE_URL's host, TRUSTED_HOSTS and the loopback names."""
    configured = settings.get("TRUSTED_HOSTS") or ""
    if isinstance(configured, str):
        configured = configured.replace(",", " ").split()
    hosts = [str(h).strip().lower() for h in configured if str(h).strip()]
    base = str(settings.get("BASE_URL") or "")
    if base:
        hosts.insert(0, str(urlsplit(base).hostname))
    return list(dict.fromkeys([*hosts, *LOOPBACK_HOSTS]))


def _open_development(settings: Mapping[str, Any]) -> bool:
    """A development server with neither BASE_URL nor TRUSTED_HOSTS set answers any host, so
    that `make run HOST=0.0.0.0` opens from another machine (its mail only reaches the outbox)."""
    return (
        str(settings.get("ENV")) == "development"
        and not settings.get("TESTING")
        and not settings.get("BASE_URL")
        and not settings.get("TRUSTED_HOSTS")
    )


def flask_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Translate registry settings into the keys Flask and its extensions read."""
    database_url = str(settings["DATABASE_URL"])
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        **settings,
        "SECRET_KEY": settings["SECRET_KEY"],
        # Flask checks the Host header against this list too (registry.web.hosts refuses first)
        "TRUSTED_HOSTS": None if _open_development(settings) else trusted_hosts(settings),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_ENABLED": bool(settings.get("RATELIMIT_ENABLED", True)),
        "RATELIMIT_STORAGE_URI": str(settings.get("RATELIMIT_STORAGE_URL") or "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # a shared store (Redis) that cannot be reached lets requests through, logged, not 500
        "RATELIMIT_SWALLOW_ERRORS": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.get("ENV") == "production",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=float(settings.get("REMEMBER_DAYS", 14))),
        "REMEMBER_COOKIE_SECURE": settings.get("ENV") == "production",
    }
