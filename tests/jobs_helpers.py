"""Redis for the job tests: the database REGISTRY_TEST_REDIS_URL names (the tests may wipe it)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from registry.worker import CELERY_KEY, discard_celery
from tests import parallel

REDIS_URL = parallel.redis_url(os.environ.get("REGISTRY_TEST_REDIS_URL", ""))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """An empty Redis database for a test; skips when none is configured or reachable."""
    if not REDIS_URL:
        pytest.skip("the Celery tests need REGISTRY_TEST_REDIS_URL (set by .ci/run)")
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        pytest.skip(f"Redis at REGISTRY_TEST_REDIS_URL is not reachable: {exc}")
    client.flushdb()  # stale messages from an earlier run would reach this test's worker
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()


def use_broker(app: Flask, url: str) -> None:
    """Point an app at the broker after it was created (jobs read the setting per call)."""
    app.config["BROKER_URL"] = url
    app.extensions.pop(CELERY_KEY, None)


def close_broker(app: Flask) -> None:
    discard_celery(app)


def queued(url: str, queue: str) -> list[dict[str, Any]]:
    """The messages waiting on a queue (kombu's Redis transport keeps a list per queue), oldest
    first, each as {"task", "args", "kwargs", "expires"}."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        raw = client.lrange(queue, 0, -1)
    finally:
        client.close()
    messages = []
    for item in reversed(raw):  # LPUSH on publish, so the newest is first
        message = json.loads(item)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        headers = message["headers"]
        messages.append(
            {
                "task": headers["task"],
                "args": args,
                "kwargs": kwargs,
                "expires": headers.get("expires"),
            }
        )
    return messages
