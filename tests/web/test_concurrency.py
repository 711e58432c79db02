"""Concurrent use (issue 17): requests racing for the same rows, and many API clients at once.

Each test starts its requests together in threads (each request gets its own app context and
so its own session and connection) and checks what was answered and what was stored: one
winner per decision and a 409 for the loser, never a 500 or a 503, nothing lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import (
    ApiToken,
    Candidate,
    CandidateDecision,
    Innovation,
    ReviewEvent,
    User,
)
from registry.services import accounts
from tests.accounts_helpers import bearer, make_user, token_for
from tests.curation_helpers import make_candidate

TRIALS = 3


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same instant; their results in call order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return results


def post_json(app: Any, path: str, token: str, body: Any) -> Callable[[], Any]:
    return lambda: app.test_client().post(path, json=body, headers=bearer(token))


def test_two_curators_deciding_one_submission_at_once_one_wins(app, innovation_data):
    with app.app_context():
        owner = token_for(make_user())
        first = token_for(make_user("kurator1@example.org", "curator", org=None))
        second = token_for(make_user("kurator2@example.org", "curator", org=None))
    for trial in range(TRIALS):
        client = app.test_client()
        data = innovation_data(title=f"Layanan Antar Obat Percobaan {trial}")
        sid = client.post("/api/v1/submissions", json=data, headers=bearer(owner)).json["id"]
        path = f"/api/v1/submissions/{sid}/decision"
        answers = together(
            post_json(app, path, first, {"decision": "publish"}),
            post_json(app, path, second, {"decision": "reject", "note": "Bukan inovasi."}),
        )
        assert sorted(a.status_code for a in answers) == [200, 409], [a.json for a in answers]
        with app.app_context():
            decided = db.session.scalar(
                select(func.count())
                .select_from(ReviewEvent)
                .where(
                    ReviewEvent.innovation_id == sid,
                    ReviewEvent.to_status.in_(("published", "rejected")),
                )
            )
            assert decided == 1
            winner = next(a for a in answers if a.status_code == 200).json["status"]
            assert db.session.get_one(Innovation, sid).status == winner


def test_bulk_inbox_decisions_in_opposite_orders_never_fail(app):
    with app.app_context():
        first = token_for(make_user("kurator1@example.org", "curator", org=None))
        second = token_for(make_user("kurator2@example.org", "curator", org=None))
    for _ in range(TRIALS):
        with app.app_context():
            ids = [make_candidate(text=f"Posko relawan desa nomor {i}").id for i in range(6)]
        forward = [{"id": i, "decision": "reject", "reason": "spam"} for i in ids]
        backward = [{"id": i, "decision": "approve"} for i in reversed(ids)]
        path = "/api/v1/candidates/decisions"
        answers = together(
            post_json(app, path, first, forward), post_json(app, path, second, backward)
        )
        assert [a.status_code for a in answers] == [200, 200], [a.get_data() for a in answers]
        per_item: dict[int, list[int]] = {}
        for answer in answers:
            for result in answer.json:
                per_item.setdefault(result["id"], []).append(result["status"])
        assert all(sorted(v) == [200, 409] for v in per_item.values()), per_item
        with app.app_context():
            rows = db.session.scalars(select(Candidate).where(Candidate.id.in_(ids))).all()
            assert all(c.status in ("rejected", "approved") for c in rows)
            decisions = db.session.scalar(
                select(func.count())
                .select_from(CandidateDecision)
                .where(CandidateDecision.candidate_id.in_(ids))
            )
            assert decisions == len(ids)


def test_reciprocal_merges_at_once_one_wins(app):
    with app.app_context():
        first = token_for(make_user("kurator1@example.org", "curator", org=None))
        second = token_for(make_user("kurator2@example.org", "curator", org=None))
    for _ in range(TRIALS):
        with app.app_context():
            a = make_candidate(text="Dapur umum warga untuk isoman").id
            b = make_candidate(text="Dapur umum untuk warga isoman").id
        path = "/api/v1/candidates/decisions"
        answers = together(
            post_json(app, path, first, [{"id": a, "decision": "merge", "into": {"candidate": b}}]),
            post_json(
                app, path, second, [{"id": b, "decision": "merge", "into": {"candidate": a}}]
            ),
        )
        assert [r.status_code for r in answers] == [200, 200], [r.get_data() for r in answers]
        statuses = sorted(r.json[0]["status"] for r in answers)
        assert statuses == [200, 409], [r.json for r in answers]
        with app.app_context():
            merged = db.session.scalars(
                select(Candidate.status).where(Candidate.id.in_((a, b)))
            ).all()
            assert sorted(merged) == ["merged", "new"]


def test_concurrent_api_clients_read_and_write_without_failing(app, innovation_data):
    """4 readers and 6 writers at once: every read answers 200, every write is stored."""
    readers, writers, rounds = 4, 6, 3
    with app.app_context():
        curator_tokens = [
            token_for(make_user(f"kurator{i}@example.org", "curator", org=None))
            for i in range(readers)
        ]
        owner_tokens = [
            token_for(make_user(f"instansi{i}@example.org", org=f"Dinas {i}"))
            for i in range(writers)
        ]
        candidate_id = make_candidate().id

    def read(token: str) -> Callable[[], list[int]]:
        def run() -> list[int]:
            client = app.test_client()
            codes = []
            for _ in range(rounds * 2):
                codes.append(client.get("/api/v1/candidates", headers=bearer(token)).status_code)
                path = f"/api/v1/submissions/{candidate_id}"
                codes.append(client.get(path, headers=bearer(token)).status_code)
            return codes

        return run

    def write(n: int, token: str) -> Callable[[], list[int]]:
        def run() -> list[int]:
            client = app.test_client()
            return [
                client.post(
                    "/api/v1/submissions",
                    json=innovation_data(title=f"Inovasi Penulis {n} Nomor {k}"),
                    headers=bearer(token),
                ).status_code
                for k in range(rounds)
            ]

        return run

    answers = together(
        *(read(t) for t in curator_tokens),
        *(write(n, t) for n, t in enumerate(owner_tokens)),
    )
    reads, writes = answers[:readers], answers[readers:]
    assert {code for codes in reads for code in codes} <= {200, 404}, reads
    assert all(code == 201 for codes in writes for code in codes), writes
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Innovation))
        assert stored == writers * rounds


def test_token_use_is_recorded_at_most_once_a_minute(app):
    import datetime as dt

    with app.app_context():
        user = make_user("kurator@example.org", "curator", org=None)
        raw = token_for(user)
        start = dt.datetime(2026, 1, 1, 8, 0)
        assert accounts.user_for_token(raw, now=start) is not None
        db.session.commit()
        for seconds in (1, 30, 59):
            accounts.user_for_token(raw, now=start + dt.timedelta(seconds=seconds))
            assert not db.session.dirty  # nothing to write: no write per request
        assert db.session.scalar(select(ApiToken.last_used_at)) == start
        accounts.user_for_token(raw, now=start + dt.timedelta(seconds=61))
        db.session.commit()
        assert db.session.scalar(select(ApiToken.last_used_at)) == start + dt.timedelta(seconds=61)


def test_two_curators_deciding_one_pending_update_at_once_one_wins(app, innovation_data):
    from registry.database import run_with_retry
    from registry.services import review, revisions

    with app.app_context():
        owner = make_user()
        curators = [make_user(f"kurator{i}@example.org", "curator", org=None) for i in (1, 2)]
        curator_ids = [c.id for c in curators]
    for trial in range(TRIALS):
        with app.app_context():
            owner = db.session.merge(owner)
            row = review.create_submission(
                innovation_data(title=f"Layanan Pembaruan {trial}"), owner=owner
            )
            review.decide(row, "publish", actor=db.session.get_one(User, curator_ids[0]))
            revisions.propose(row, {"unit": f"Puskesmas Baru {trial}"}, actor=owner)
            db.session.commit()
            row_id = row.id

        def decide(row_id: int, curator_id: int, how: str) -> Callable[[], str]:
            def unit() -> str:
                innovation = db.session.get_one(Innovation, row_id)
                curator = db.session.get_one(User, curator_id)
                try:
                    if how == "publish":
                        revisions.publish(innovation, actor=curator)
                    else:
                        revisions.reject(innovation, actor=curator, note="Tidak sesuai.")
                except review.Conflict:
                    db.session.rollback()
                    return "conflict"
                db.session.commit()
                return how

            def run() -> str:
                with app.app_context():
                    return run_with_retry(unit)

            return run

        outcomes = together(
            decide(row_id, curator_ids[0], "publish"), decide(row_id, curator_ids[1], "reject")
        )
        assert sorted(outcomes) in (["conflict", "publish"], ["conflict", "reject"]), outcomes
        with app.app_context():
            kinds = [
                (event.details or {}).get("revision")
                for event in db.session.get_one(Innovation, row_id).events
            ]
            assert sum(k in ("published", "rejected") for k in kinds) == 1, kinds
