"""`registry users ...` and the demo accounts and submissions (used by `registry demo`)."""

from __future__ import annotations

import datetime as dt
import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .database import NotInitialized, require_initialized
from .extensions import db
from .models import ROLES, Innovation, User, utcnow
from .services import accounts, review
from .services.validation import ValidationError

DEMO_CURATOR = ("kurator@demo.lumbung-inovasi.example", "Kurasi-Demo-2020!")
DEMO_INSTITUTION = ("instansi@demo.lumbung-inovasi.example", "Inovasi-Demo-2020!")
DEMO_ORG = ("Dinas Komunikasi dan Informatika Kota Demo", "pemkot", "32", "32.73")


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


@click.group()
def users() -> None:
    """Accounts: admins, curators and institutions; API tokens."""


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--org", "org_name", default=None, help="The user's organization.")
@click.option("--name", default="", help="A display name.")
@with_appcontext
def add(email: str, role: str, password_stdin: bool, org_name: str | None, name: str) -> None:
    """Create a user (confirmed). Without --password-stdin the user sets one by password reset."""
    try:
        require_initialized()
    except NotInitialized as exc:
        _fail(str(exc))
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    org = accounts.find_or_create_organization(org_name, None) if org_name else None
    try:
        user = accounts.create_user(
            email, password, role=role, name=name, organization=org, confirmed=True
        )
    except ValidationError as exc:
        db.session.rollback()
        _fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    db.session.commit()
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@users.command("token")
@click.argument("email")
@click.option("--days", type=int, default=None, help="Lifetime in days (default API_TOKEN_DAYS).")
@click.option(
    "--revoke",
    is_flag=False,
    flag_value="all",
    default=None,
    metavar="[ID|PREFIX]",
    help="Revoke instead of minting: all of EMAIL's tokens, or the one with this id or prefix.",
)
@click.option("--list", "list_them", is_flag=True, help="List EMAIL's tokens instead of minting.")
@with_appcontext
def token(email: str, days: int | None, revoke: str | None, list_them: bool) -> None:
    """Mint an API token for EMAIL; the token is printed as the last line, once."""
    try:
        require_initialized()
    except NotInitialized as exc:
        _fail(str(exc))
    user = accounts.find_user(email)
    if user is None:
        _fail(f"no user with email {email!r} (create one with `registry users add`)")
        return
    if list_them:
        for row in accounts.list_tokens(user):
            expires = f"{row.expires_at:%Y-%m-%d}" if row.expires_at else "never"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            state = accounts.token_state(row)
            click.echo(f"{row.id}\t{row.prefix}…\t{state}\texpires {expires}\tlast used {used}")
        return
    if revoke is not None:
        if revoke == "all":
            count = accounts.revoke_tokens(user)
        else:
            try:
                accounts.revoke_token(user, revoke)
            except LookupError as exc:
                _fail(f"{exc} (see `registry users token {user.email} --list`)")
            count = 1
        db.session.commit()
        click.echo(f"revoked {count} token(s) of {user.email}")
        return
    if days is not None and days < 1:
        _fail("--days must be at least 1: every token expires (revoke one early with --revoke)")
    raw = accounts.mint_api_token(user, days=days)
    db.session.commit()
    click.echo(f"API token for {user.email} ({user.role}); use: Authorization: Bearer <token>")
    click.echo(raw)


@users.command("list")
@with_appcontext
def list_users() -> None:
    """Every account with its role."""
    for user in db.session.scalars(select(User).order_by(User.id)):
        confirmed = "confirmed" if user.email_confirmed_at else "unconfirmed"
        click.echo(f"{user.id}\t{user.role}\t{user.email}\t{confirmed}")


# --------------------------------------------------------------------------- the demo

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
