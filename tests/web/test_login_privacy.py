"""Issue 17.14: the lockout locks an account only for the address that failed, answers the same
for unknown emails, and sign-up never tells which emails have an account."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path
from typing import Any

from registry.extensions import db
from registry.models import User
from tests.accounts_helpers import PASSWORD, csrf_token, login, make_user

WRONG = "salah-salah-salah"


def client_at(app: Any, address: str) -> Any:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def flashes(response: Any) -> str:
    return response.get_data(as_text=True)


def mails(app: Any) -> list[Any]:
    folder = Path(app.instance_path) / "outbox"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def test_a_lockout_holds_for_the_failing_address_only(app):
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = 3
    with app.app_context():
        make_user("korban@example.org")
    attacker = client_at(app, "203.0.113.9")
    for _ in range(2):
        assert login(attacker, "korban@example.org", WRONG).status_code == 401
    locked = login(attacker, "korban@example.org", WRONG)
    assert locked.status_code == 401 and "dikunci" in flashes(locked)
    assert "dikunci" in flashes(login(attacker, "korban@example.org", PASSWORD))
    # the owner, elsewhere, still gets in (before the fix the account was locked for everyone)
    owner = client_at(app, "198.51.100.7")
    assert login(owner, "korban@example.org", PASSWORD).status_code == 302


def test_unknown_and_known_emails_get_the_same_answers(app):
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = 3
    with app.app_context():
        make_user("ada@example.org")
    pages = {}
    for address in ("ada@example.org", "tidak-ada@example.org"):
        client = client_at(app, "203.0.113.9")
        answers = [login(client, address, WRONG) for _ in range(3)]
        pages[address] = [(a.status_code, "dikunci" in flashes(a)) for a in answers]
    assert pages["ada@example.org"] == pages["tidak-ada@example.org"]
    assert pages["tidak-ada@example.org"][-1] == (401, True)


def sign_up(client: Any, address: str, organization: str) -> Any:
    token = csrf_token(client, "/signup")
    return client.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": address,
            "password": "Kata-Sandi-Daftar-2020",
            "password_again": "Kata-Sandi-Daftar-2020",
            "organization": organization,
            "innovator_type": "masyarakat-sipil",
            "province": "32",
            "regency": "32.73",
            "agree": "y",
        },
    )


def test_sign_up_with_a_registered_email_mails_its_owner_and_answers_as_usual(app):
    with app.app_context():
        make_user("ada@example.org")
    client = app.test_client()
    fresh = sign_up(client, "baru@example.org", "Desa Baru")
    taken = sign_up(client, "ADA@example.org", "Desa Lain")
    assert fresh.status_code == taken.status_code == 200

    def normalize(response: Any) -> str:
        return flashes(response).replace("baru@example.org", "X").replace("ada@example.org", "X")

    assert normalize(fresh) == normalize(taken)
    assert "sudah" not in flashes(taken)
    last = mails(app)[-1]
    assert last["To"] == "ada@example.org"
    body = last.get_content()
    assert "sudah punya akun" in body and "http://localhost/reset" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 2  # no second account
        owner = db.session.scalars(db.select(User).where(User.email == "ada@example.org")).one()
        assert owner.organization.name == "Dinas Kesehatan Kota Bandung"
