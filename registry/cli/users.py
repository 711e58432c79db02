"""`registry users ...`: accounts and API tokens (the demo's accounts: services.demo)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..database import require_initialized
from ..extensions import db
from ..models import ROLES, User
from ..services import accounts
from ..services.validation import ValidationError
from .errors import Group, fail


@click.group(cls=Group)
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
    require_initialized()
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    org = accounts.find_or_create_organization(org_name, None) if org_name else None
    try:
        user = accounts.create_user(
            email, password, role=role, name=name, organization=org, confirmed=True
        )
    except ValidationError as exc:
        fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
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
    require_initialized()
    user = accounts.find_user(email)
    if user is None:
        fail(f"no user with email {email!r} (create one with `registry users add`)")
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
                fail(f"{exc} (see `registry users token {user.email} --list`)")
            count = 1
        db.session.commit()
        click.echo(f"revoked {count} token(s) of {user.email}")
        return
    if days is not None and days < 1:
        fail("--days must be at least 1: every token expires (revoke one early with --revoke)")
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
