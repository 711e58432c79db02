"""registry.database.run_with_retry: a unit of work that lost a lock conflict runs again, unless
it already did something that cannot be undone (a commit, a mail)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from registry import database


class Deadlock(Exception):
    sqlstate = "40P01"


def conflict(orig: Exception | None = None) -> OperationalError:
    return OperationalError(
        "UPDATE ...", {}, orig or sqlite3.OperationalError("database is locked")
    )


def flaky(failures: int, *, before: object = None):
    calls: list[bool] = []

    def fn() -> str:
        calls.append(database._write_first.get())
        if callable(before):
            before()
        if len(calls) <= failures:
            raise conflict()
        return "done"

    return fn, calls


def test_a_conflict_runs_the_work_again_taking_the_write_lock_first(bare_app):
    fn, calls = flaky(2)
    with bare_app.app_context():
        assert database.run_with_retry(fn) == "done"
    assert calls == [False, True, True]  # retries begin with BEGIN IMMEDIATE on SQLite


def test_work_that_sent_mail_or_committed_is_not_run_again(bare_app):
    fn, calls = flaky(1, before=database.done_once)
    with bare_app.app_context(), pytest.raises(OperationalError):
        database.run_with_retry(fn)
    assert len(calls) == 1


def test_attempts_are_bounded(bare_app):
    bare_app.config["DB_RETRY_ATTEMPTS"] = 3
    fn, calls = flaky(10)
    with bare_app.app_context(), pytest.raises(OperationalError):
        database.run_with_retry(fn)
    assert len(calls) == 3


def test_what_counts_as_a_conflict():
    assert database.is_conflict(conflict())
    assert database.is_conflict(conflict(Deadlock("deadlock detected")))
    assert not database.is_conflict(conflict(sqlite3.OperationalError("no such table: x")))
    assert not database.is_conflict(ValueError("database is locked"))
