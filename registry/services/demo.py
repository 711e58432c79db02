"""The demo `registry demo` loads (once per instance): the catalogue, demo curator and
institution logins with submissions awaiting review, replications and operating statuses, a
saved search with its digest, citizen reports (services.report_demo) and an inbox of
candidates from a bundled archive of posts.

Loaders say what they did through ``say`` (and problems through ``warn``), or return the
lines to print; they commit, as the demo is loaded in steps that each stand on their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import Innovation, Subscription, User, utcnow
from . import accounts, digests, replication, report_demo, review, subscriptions, transfer
from .harvesting import import_archive

log = logging.getLogger(__name__)

DEMO_CURATOR = ("kurator@demo.lumbung-inovasi.example", "Kurasi-Demo-2020!")
DEMO_INSTITUTION = ("instansi@demo.lumbung-inovasi.example", "Inovasi-Demo-2020!")
DEMO_ORG = ("Dinas Komunikasi dan Informatika Kota Demo", "pemkot", "32", "32.73")


def demo_files() -> list[Path]:
    folder = resources.files("registry") / "data" / "demo"
    # the catalogue's files; reports.json is the demo's citizen reports (services.report_demo)
    names = (p for p in folder.iterdir() if p.name.startswith("innovations_"))
    return sorted(Path(str(p)) for p in names if p.name.endswith(".json"))


DEMO_MARKER = "demo-loaded.json"


def _demo_marker() -> tuple[Path, str]:
    """The file that says the demo was loaded into this instance's database."""
    uri = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    key = hashlib.sha256(uri.encode("utf-8")).hexdigest()[:16]
    return Path(current_app.config["INSTANCE_DIR"]) / DEMO_MARKER, key


def demo_loaded_at() -> str | None:
    path, key = _demo_marker()
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(marker.get("at")) if isinstance(marker, dict) and marker.get("db") == key else None


def load_demo(
    say: Callable[[str], None] = log.info, warn: Callable[[str], None] = log.warning
) -> dict[str, int]:
    """Load the demo once per instance: a rerun leaves everything as curators left it (a
    rejected or withdrawn demo item stays so; edits stay). Without the marker (deleted, or an
    instance from before it) only what is missing is added, never updated or republished."""
    totals = {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
    loaded_at = demo_loaded_at()
    if loaded_at is not None:
        path, _ = _demo_marker()
        say(f"demo already loaded ({loaded_at}); nothing changed (delete {path} to add")
        say("what is missing; decisions and edits are kept either way)")
        for line in load_demo_accounts(logins_only=True):
            say(line)
        return totals
    for path in demo_files():
        rows = transfer.read_rows(path)
        new = [(n, row) for n, row in rows if not transfer.is_known(row)]
        totals["unchanged"] += len(rows) - len(new)
        report = transfer.import_rows(new, actor="demo", publish=True, checkpoint=db.session.commit)
        db.session.commit()
        for key, value in report.as_dict().items():
            if key in totals:
                totals[key] += value
        for error in report.errors:
            warn(f"{path.name}: {error}")
    for loader in (load_demo_accounts, load_demo_lifecycle, load_demo_reports, load_demo_inbox):
        for line in loader():
            say(line)
    marker, key = _demo_marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    marker.write_text(json.dumps({"db": key, "at": stamp}) + "\n", encoding="utf-8")
    return totals


def load_demo_reports() -> list[str]:
    """A few hundred team-written reports in every state (once; a rerun adds nothing)."""
    curator = accounts.find_user(DEMO_CURATOR[0])
    if curator is None:
        return []
    added = report_demo.load(curator, accounts.find_user(DEMO_INSTITUTION[0]))
    db.session.commit()
    return [f"demo reports: {added} added"]


def load_demo_inbox() -> list[str]:
    """The bundled archive of posts, imported once (a rerun adds nothing): the curator inbox."""
    path = Path(str(resources.files("registry") / "data" / "demo" / "posts.jsonl"))
    run = import_archive(path, "jsonl")
    return [f"demo inbox: {run.new} posts added, {run.duplicates} already there"]


# --------------------------------------------------------------------------- accounts

DEMO_SUBMISSIONS = (
    {
        "title": "Posko Relawan Digital Kelurahan",
        "summary": "Warga melaporkan kebutuhan keluarga isolasi mandiri lewat formulir daring; "
        "relawan kelurahan mengantar sembako dan obat dalam 24 jam.",
        "sectors": ["bantuan-sosial", "kesehatan"],
        "focus": "cepat-tanggap",
        "stage": "implementasi",
        "started_on": "2020-05-04",
        "_status": "in_review",
        "_age_hours": 30,
    },
    {
        "title": "Kelas Daring Gratis untuk UMKM Terdampak",
        "summary": "Pelatihan pemasaran daring dua kali seminggu bagi pelaku UMKM yang omzetnya "
        "turun selama pembatasan sosial, dengan pendampingan membuka toko daring.",
        "sectors": ["ekonomi"],
        "focus": "ketangguhan-massal",
        "stage": "uji-coba",
        "started_on": "2020-06-10",
        "_status": "submitted",
        "_age_hours": 40,  # past the 1-day acknowledgement: flagged in the queue
    },
    {
        "title": "Peta Ketersediaan Tempat Tidur Rumah Sakit",
        "summary": "Dasbor publik yang diperbarui tiap jam menunjukkan tempat tidur isolasi dan "
        "ICU yang kosong di rumah sakit rujukan se-kota.",
        "sectors": ["kesehatan", "informasi"],
        "focus": "pengetahuan-publik",
        "stage": "implementasi",
        "started_on": "2020-04-20",
        "_status": "submitted",
        "_age_hours": 3,
    },
    {
        "title": "Antar Jemput Dokumen Kependudukan",
        "summary": "Petugas mengantar KTP, KK dan akta yang sudah jadi ke rumah warga sehingga "
        "warga tidak perlu antre di kantor selama pandemi.",
        "sectors": ["pelayanan-publik"],
        "focus": "cepat-tanggap",
        "stage": "replikasi",
        "started_on": "2020-04-01",
        "_status": "in_review",
        "_age_hours": 50,
    },
)


def _demo_user(email: str, password: str, role: str, org_name: str | None = None) -> User:
    user = accounts.find_user(email)
    if user is None:
        org = None
        if org_name:
            org = accounts.find_or_create_organization(org_name, DEMO_ORG[1])
            org.province_code, org.regency_code = DEMO_ORG[2], DEMO_ORG[3]
        user = accounts.create_user(
            email,
            password,
            role=role,
            name=org_name or "Kurator Demo",
            organization=org,
            confirmed=True,
        )
    else:  # keep the printed password true
        accounts.set_password(user, password)
    return user


def _demo_logins() -> list[str]:
    return [
        "demo logins (change or delete them before going public):",
        f"  curator:     {DEMO_CURATOR[0]}  password: {DEMO_CURATOR[1]}",
        f"  institution: {DEMO_INSTITUTION[0]}  password: {DEMO_INSTITUTION[1]}",
    ]


def _submitted_before(owner: User, title: str) -> bool:
    """Any innovation of the owner's with this title, whatever a curator decided about it."""
    wanted = " ".join(title.lower().split())
    found = db.session.scalar(
        select(Innovation.id).where(
            Innovation.owner_id == owner.id, func.lower(Innovation.title) == wanted
        )
    )
    return found is not None


def load_demo_accounts(*, logins_only: bool = False) -> list[str]:
    """Demo curator and institution (known passwords) and a few submissions awaiting review;
    idempotent, and a submission once made is never made again (a rejected one stays
    rejected). Returns the lines to print."""
    if logins_only:
        return _demo_logins()
    curator = _demo_user(*DEMO_CURATOR, "curator")
    institution = _demo_user(*DEMO_INSTITUTION, "institution", DEMO_ORG[0])
    added = 0
    now = utcnow()
    for spec in DEMO_SUBMISSIONS:
        data = {k: v for k, v in spec.items() if not k.startswith("_")}
        if _submitted_before(institution, str(data["title"])):
            continue
        innovation: Innovation = review.create_submission(data, owner=institution, origin="form")
        age = dt.timedelta(hours=int(spec["_age_hours"]))  # type: ignore[call-overload]
        if spec["_status"] == "in_review":
            review.decide(innovation, "acknowledge", actor=curator)
        # date the trail back so the queue shows real deadlines (one already late)
        start = now - age
        for i, event in enumerate(innovation.events):
            event.at = start + dt.timedelta(hours=2 * i if event.to_status == "in_review" else 0)
        innovation.submitted_at = innovation.created_at = innovation.updated_at = start
        added += 1
    db.session.commit()
    return [f"demo submissions: {added} added", *_demo_logins()]


# --------------------------------------------------------------------------- lifecycle


def load_demo_lifecycle() -> list[str]:
    """Replications between demo innovations, varied operating statuses, and one confirmed
    saved search whose digest lands in the outbox (once: a rerun adds nothing)."""
    rows = list(
        db.session.scalars(
            select(Innovation).where(Innovation.status == "published").order_by(Innovation.id)
        )
    )
    if len(rows) < 4:
        return []
    now = utcnow()
    statuses = ("berjalan", "berjalan", "berhenti", "tidak-diketahui")
    for n, row in enumerate(rows):
        if row.verified_at is None and row.operating_status == "tidak-diketahui":
            row.operating_status = statuses[n % len(statuses)]
            if row.operating_status != "tidak-diketahui":
                # some checked recently, some more than a year ago (the curators' list)
                row.verified_at = now - dt.timedelta(days=30 if n % 3 else 500)
    added = 0
    for n, original in enumerate(rows[:6]):
        for adopter in rows[-1 - n : -3 - n : -1]:
            if adopter.id == original.id:
                continue
            made = replication.record_adopted(
                original,
                {
                    "adopter_name": adopter.innovator_name or adopter.title,
                    "innovator_type": adopter.innovator_type,
                    "province": adopter.province_code,
                    "regency": adopter.regency_code,
                    "replica": adopter.slug,
                    "stage": ("persiapan", "pelaksanaan", "evaluasi")[n % 3],
                    "started_on": "2021-01-15",
                    "status": "confirmed" if n % 2 == 0 else "claimed",
                },
            )
            added += made is not None
    lines = [f"demo replications: {added} added"]
    email = "pengikut@demo.lumbung-inovasi.example"
    if db.session.scalar(select(Subscription.id).where(Subscription.email == email)) is None:
        sub = subscriptions.subscribe(email, {"sector": ["kesehatan"]}, "weekly")
        sub.confirmed_at = now - dt.timedelta(days=8)
        # its last digest was "before" the demo catalogue was published: all of it is new
        oldest = min((r.published_at for r in rows if r.published_at), default=now)
        sub.digest_through = min(oldest - dt.timedelta(seconds=1), now - dt.timedelta(days=8))
        db.session.commit()
        report = digests.send_due("weekly")
        lines.append(f"demo saved search: {email}, digest sent: {report.digests}")
    db.session.commit()
    return lines
