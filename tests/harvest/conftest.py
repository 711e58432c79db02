"""Harvest tests talk to local HTTP doubles on 127.0.0.1 over plain http: the setting that
allows private hosts is on here (registry.harvest.policy); tests/harvest/test_policy.py turns
it off to check the default."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _local_hosts_allowed(request: pytest.FixtureRequest) -> None:
    if "bare_app" in request.fixturenames:
        request.getfixturevalue("bare_app").config["HARVEST_ALLOW_PRIVATE_HOSTS"] = True
