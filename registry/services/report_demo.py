"""The demo's reports: a few hundred team-written reports (registry/data/demo/reports.json) in
every category, province group and state, some overdue, so that the queues, the clock and the
figures show real shapes on first start. Loaded once; a rerun adds nothing. No mail is sent."""

from __future__ import annotations

import datetime as dt
import json
import random
from importlib import resources
from typing import Any

from sqlalchemy import func, select

from .. import taxonomy
from ..extensions import db
from ..models import Report, ReportRoute, User, utcnow
from . import accounts, reports

DEMO_SOURCE = "demo"
COUNT = 320
# the seven island groups, by the first digit(s) of the province code
PROVINCE_GROUPS = {
    "sumatera": ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21"),
    "jawa": ("31", "32", "33", "34", "35", "36"),
    "bali-nusa-tenggara": ("51", "52", "53"),
    "kalimantan": ("61", "62", "63", "64", "65"),
    "sulawesi": ("71", "72", "73", "74", "75", "76"),
    "maluku": ("81", "82"),
    "papua": ("91", "92", "93", "94", "95", "96"),
}
# the state each report ends in, with its share
STATES = (
    ("received", 0.10),
    ("verified", 0.07),
    ("rejected", 0.06),
    ("disposed", 0.14),
    ("responded", 0.15),
    ("closed", 0.48),
)


def _templates() -> dict[str, Any]:
    path = resources.files("registry") / "data" / "demo" / "reports.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _institutions(spec: list[list[Any]], fallback: User | None) -> dict[str, User]:
    by_category: dict[str, User] = {}
    for email, org_name, kind, categories in spec:
        user = accounts.find_user(email)
        if user is None:
            org = accounts.find_or_create_organization(org_name, kind)
            user = accounts.create_user(
                email, None, role="institution", organization=org, confirmed=True
            )
        for category in categories:
            by_category[category] = user
            if db.session.scalar(
                select(func.count()).where(
                    ReportRoute.category == category, ReportRoute.to_id == user.id
                )
            ):
                continue
            reports.add_route(category, user.email)
    if fallback is not None:
        by_category["informasi"] = fallback
        if not any(r.category == "informasi" for r in reports.list_routes()):
            reports.add_route("informasi", fallback.email)
    return by_category


def load(curator: User, institution: User | None = None, *, now: dt.datetime | None = None) -> int:
    """Create the demo reports unless they are there already; returns how many were added."""
    if db.session.scalar(select(func.count(Report.id)).where(Report.source_hash == DEMO_SOURCE)):
        return 0
    now = now or utcnow()
    data = _templates()
    addressees = _institutions(data["institutions"], institution)
    rng = random.Random(2020)
    groups = list(PROVINCE_GROUPS.values())
    categories = list(data["reports"])
    as_curator = reports.Actor.of(curator)
    names = ("Siti", "Budi", "Agus", "Dewi", "Rina", "Yusuf", "Made", "Maria", "Andi", "Nur")
    weights = [w for _, w in STATES]
    for i in range(COUNT):
        # every category and every island group appear, then at random
        category = categories[i % len(categories)] if i < 60 else rng.choice(categories)
        title, body = rng.choice(data["reports"][category])
        group = groups[i % len(groups)] if i < 60 else rng.choice(groups)
        province = rng.choice(group)
        regencies = taxonomy.regencies(province)
        regency = rng.choice(regencies) if regencies and rng.random() < 0.85 else None
        place = regency or taxonomy.region_by_code(province)
        place_name = place.name if place is not None else "wilayah kami"
        if i < 12:
            state = STATES[i % len(STATES)][0]
        else:
            state = rng.choices([s for s, _ in STATES], weights)[0]
        received = now - dt.timedelta(hours=_age_hours(state, rng))
        named = rng.random() < 0.6
        report, _secret = reports.create(
            {
                "kind": _kind(title),
                "category": category,
                "title": title,
                "body": body.replace("{place}", place_name),
                "province": province,
                "regency": regency.code if regency else None,
                "anonymous": rng.random() < 0.3,
                "confidential": rng.random() < 0.1,
                "reporter": {
                    "name": f"{rng.choice(names)} (demo)" if named else "",
                    "email": f"pelapor{i}@demo.lumbung-inovasi.example" if named else "",
                },
            },
            now=received,
        )
        report.source_hash = DEMO_SOURCE
        _walk(report, state, received, now, rng, as_curator, addressees, data)
        if i % 50 == 49:
            db.session.flush()
    db.session.flush()
    return COUNT


def _age_hours(state: str, rng: random.Random) -> float:
    """Open reports are recent, about half of them past their due time; answered ones within
    the reporter's 10 days; finished ones spread over five months (the figures by month)."""
    if state in ("received", "verified"):
        return rng.uniform(2, 40)
    if state == "disposed":
        return rng.uniform(10, 110)
    if state == "responded":
        return rng.uniform(110, 24 * 9)
    return rng.uniform(24 * 4, 24 * 150)


def _kind(title: str) -> str:
    if title.startswith("Usul"):
        return "aspirasi"
    questions = ("Cara", "Di mana", "Kapan", "Jadwal", "Syarat", "Aturan")
    return "permintaan-informasi" if title.startswith(questions) else "pengaduan"


def _walk(
    report: Report,
    state: str,
    received: dt.datetime,
    now: dt.datetime,
    rng: random.Random,
    as_curator: reports.Actor,
    addressees: dict[str, User],
    data: dict[str, Any],
) -> None:
    """Take a report through the steps to ``state`` at plausible times before ``now``."""
    if state == "received":
        return
    verify_at = min(received + dt.timedelta(hours=rng.uniform(0.5, 20)), now)
    if state == "rejected":
        reports.act(
            report,
            "reject",
            actor=as_curator,
            reason=rng.choice(list(reports.REJECT_REASONS)),
            now=verify_at,
        )
        return
    reports.act(report, "verify", actor=as_curator, now=verify_at)
    if state == "verified":
        return
    # most are disposed within the day, some late
    dispose_at = min(verify_at + dt.timedelta(hours=rng.choice((1, 2, 4, 8, 30))), now)
    addressee = addressees[report.category]
    reports.act(report, "dispose", actor=as_curator, to=addressee, now=dispose_at)
    if state == "disposed":
        return
    respond_at = min(dispose_at + dt.timedelta(hours=rng.choice((6, 20, 40, 60, 100))), now)
    answers = data["responses"].get(report.category) or data["responses"]["lainnya"]
    institution = reports.Actor.of(addressee)
    reports.act(report, "respond", actor=institution, text=rng.choice(answers), now=respond_at)
    reporter = reports.Actor.reporter()
    if state == "responded":
        return
    close_at = min(respond_at + dt.timedelta(hours=rng.uniform(2, 200)), now)
    if rng.random() < 0.08:
        reports.act(report, "reopen", actor=reporter, text=rng.choice(data["reopen"]), now=close_at)
        again = min(close_at + dt.timedelta(hours=rng.uniform(5, 50)), now)
        reports.act(report, "respond", actor=institution, text=rng.choice(answers), now=again)
        close_at = min(again + dt.timedelta(hours=rng.uniform(2, 100)), now)
    if rng.random() < 0.15:
        # the reporter never came back: closed by the clock, without a rating
        responded = report.responded_at or respond_at
        close_at = min(responded + dt.timedelta(days=10, hours=1), now)
        reports.close_expired(now=close_at)
    else:
        rating = rng.choice((2, 3, 4, 4, 5, 5))
        reports.act(report, "close", actor=reporter, rating=rating, now=close_at)
