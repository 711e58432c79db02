"""What the runner and the harvest services share about runs: the statuses, the runner's
settings, the lock a claim takes on its source, and whether a "running" run is still alive.

Run status: ``running`` → ``done`` (the source is exhausted, or the limit was reached) |
``stopped`` (rate limit or repeated faults: resumable) | ``failed``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from ..config import HARVEST_DEFAULTS
from ..extensions import db
from ..models import HarvestRun, HarvestSource

RUNNING, DONE, STOPPED, FAILED = "running", "done", "stopped", "failed"


@dataclass
class Settings:
    """The runner's settings: REGISTRY_HARVEST_* (registry.config) or what a test passes."""

    max_retries: int = HARVEST_DEFAULTS["HARVEST_MAX_RETRIES"]
    backoff_base: float = HARVEST_DEFAULTS["HARVEST_BACKOFF_BASE"]  # seconds before a retry
    backoff_cap: float = HARVEST_DEFAULTS["HARVEST_BACKOFF_CAP"]
    # a longer rate-limit wait stops the run until the next one
    max_wait: float = HARVEST_DEFAULTS["HARVEST_MAX_WAIT"]
    # a "running" run older than this is taken as dead
    stale_after: float = HARVEST_DEFAULTS["HARVEST_STALE_AFTER"]
    index_max_entries: int = HARVEST_DEFAULTS["HARVEST_INDEX_MAX_CANDIDATES"]
    timeout: float = HARVEST_DEFAULTS["HARVEST_TIMEOUT"]
    # "inline": score in this process; "process": imports score in a forked process while
    # the next page is read; "auto": "process" for large archives on a machine of 2+ cores
    scoring: str = HARVEST_DEFAULTS["HARVEST_SCORING"]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        def value(name: str, default: Any) -> Any:
            return type(default)(config.get(name, default))

        return cls(
            max_retries=value("HARVEST_MAX_RETRIES", cls.max_retries),
            backoff_base=value("HARVEST_BACKOFF_BASE", cls.backoff_base),
            backoff_cap=value("HARVEST_BACKOFF_CAP", cls.backoff_cap),
            max_wait=value("HARVEST_MAX_WAIT", cls.max_wait),
            stale_after=value("HARVEST_STALE_AFTER", cls.stale_after),
            index_max_entries=value("HARVEST_INDEX_MAX_CANDIDATES", cls.index_max_entries),
            timeout=value("HARVEST_TIMEOUT", cls.timeout),
            scoring=value("HARVEST_SCORING", cls.scoring),
        )


def lock_source_row(source_id: int) -> None:
    """Lock a source's row until the transaction ends: FOR UPDATE on PostgreSQL; on SQLite a
    no-op UPDATE, which takes the database's write lock. Whoever claims or deletes a source
    takes it first, so the two never both see "nothing running"."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(
            update(HarvestSource)
            .where(HarvestSource.id == source_id)
            .values(last_run_at=HarvestSource.last_run_at),
            execution_options={"synchronize_session": False},
        )
    else:
        db.session.execute(
            select(HarvestSource.id).where(HarvestSource.id == source_id).with_for_update()
        )


class AlreadyRunning(RuntimeError):
    """Another run of this source has not finished."""


# while a run is going on, its stop_reason names the process running it, so that a run whose
# process died (killed, out of memory, the machine restarted) is seen as dead at once on the
# same host; a run of another host is taken as dead HARVEST_STALE_AFTER after it started
_OWNER = re.compile(r"^running in process (\d+) on (\S+) \(start (\d*)\)$")


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), "" where /proc is absent,
    or None when no such process exists."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()
    except FileNotFoundError:
        pass
    except (OSError, IndexError):
        return ""
    if os.path.isdir("/proc/self"):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except OSError:
        pass  # it exists, but is not ours to signal
    return ""


def run_owner() -> str:
    """This process, as a running run's stop_reason names it."""
    pid = os.getpid()
    return f"running in process {pid} on {socket.gethostname()} (start {_process_start(pid) or ''})"


def run_is_live(run: HarvestRun, now: dt.datetime, stale_after: float) -> bool:
    """Whether a "running" run is still going on: its process is alive when it ran on this
    host; otherwise it started less than stale_after seconds ago."""
    match = _OWNER.match(run.stop_reason or "")
    if match and match[2] == socket.gethostname():
        started = _process_start(int(match[1]))
        return started is not None and (not match[3] or not started or started == match[3])
    return (now - run.started_at).total_seconds() < stale_after
