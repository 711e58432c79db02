"""Input that answered 500 (issue 17, item 8): deep JSON, lone surrogates, regions sent as lists,
values longer than their column, control characters in one-line fields, mail headers from user
text. Each now gets a clear 4xx, or a mail that goes out."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest
from sqlalchemy import update

from registry.extensions import db
from registry.models import Innovation
from registry.services import catalogue, mail
from registry.web.guards import MAX_JSON_DEPTH, json_too_deep
from tests.accounts_helpers import bearer, csrf_token, make_user, token_for


@pytest.fixture
def tokens(ctx):
    owner = make_user("instansi@example.org")
    curator = make_user("kurator@example.org", "curator", org=None)
    return {"owner": token_for(owner), "curator": token_for(curator)}


def submit(client, token, body):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        "/api/v1/submissions", data=raw, content_type="application/json", headers=bearer(token)
    )


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "outbox"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def test_json_depth_counts_brackets_outside_strings():
    assert not json_too_deep(b'{"a": [1, {"b": "[[[{{{"}]}', limit=3)
    assert json_too_deep(b'{"a": [1, {"b": [[]]}]}', limit=3)
    assert not json_too_deep(b'["\\"[[[[", "]]]]"]', limit=1)
    assert not json_too_deep(b"[]" * 100, limit=1) and not json_too_deep(b"", limit=0)


def test_deeply_nested_json_is_a_400_everywhere(client, tokens):
    deep = "[" * 5000 + "]" * 5000
    home = client.get("/", data=deep, content_type="application/json")
    assert home.status_code == 400  # even an anonymous page that reads no body
    api = submit(client, tokens["owner"], deep)
    assert api.status_code == 400 and "nested deeper" in api.get_json()["detail"]
    ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    parsed = submit(client, tokens["owner"], ok)  # parsed, then refused as no object
    assert parsed.status_code == 400 and "nested" not in parsed.get_json()["detail"]


def test_a_lone_surrogate_is_a_400(client, tokens, innovation_data):
    body = json.dumps(innovation_data(title="Layanan \ud800 Antar"))  # ASCII text: "\\ud800"
    response = submit(client, tokens["owner"], body)
    assert response.status_code == 400 and "surrogate" in response.get_json()["detail"]
    key = json.dumps({"\udfff": 1})
    assert submit(client, tokens["owner"], key).status_code == 400


@pytest.mark.parametrize(
    ("override", "param"),
    [
        ({"province": ["32"]}, "province"),
        ({"province": {"code": "32"}}, "province"),
        ({"regency": ["32.73"]}, "regency"),
        ({"contact_email": "a" * 250 + "@example.org"}, "contact_email"),  # 262 > 254 (column)
        ({"contact_email": "a,b@example.org"}, "contact_email"),  # two addresses in a header
        ({"innovator_name": "x" * 201}, "innovator_name"),
        ({"unit": "x" * 201}, "unit"),
        ({"title": "Judul\nBaris dua"}, "title"),
        ({"title": "Judul\x07"}, "title"),
        ({"innovator_name": "Dinas\r\nBcc: x@example.org"}, "innovator_name"),
        ({"campaign": ["covid"]}, "campaign"),
    ],
)
def test_bad_values_are_422_naming_the_field(client, tokens, innovation_data, override, param):
    response = submit(client, tokens["owner"], innovation_data(**override))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert param in response.get_json()["errors"]
    assert db.session.query(Innovation).count() == 0


def test_form_shows_the_one_line_rule_in_words(client, ctx):
    from tests.accounts_helpers import login

    make_user("instansi@example.org")
    login(client, "instansi@example.org")
    token = csrf_token(client, "/my/new")
    page = client.post(
        "/my/new", data={"csrf_token": token, "title": "Judul\x0bdua", "action": "draft"}
    )
    text = page.get_data(as_text=True)
    assert "Tulis dalam satu baris" in text
    assert db.session.query(Innovation).count() == 0


def test_mail_headers_from_user_text_never_fail(app, ctx):
    built = mail.build("a@example.org", "Terbit: Judul\r\nBcc: x@example.org\ud800", "isi \ud800")
    assert built["Subject"] == "Terbit: Judul Bcc: x@example.org?"
    assert built.get("Bcc") is None and bytes(built)  # one header; it serializes
    long = mail.build("a@example.org", "x " * 400, "isi")
    assert len(str(long["Subject"])) <= 250
    for bad in ("a,b@example.org", "x@example.org\nBcc: y@example.org", "A <a@example.org>"):
        with pytest.raises(mail.BadAddress):
            mail.build(bad, "s", "b")
        with pytest.raises(mail.BadAddress):
            mail.build("a@example.org", "s", "b", reply_to=bad)


def test_publishing_a_title_with_a_line_break_mails_and_answers_200(app, client, tokens):
    # a title stored before the one-line rule (or by an import of old data)
    owner_token = tokens["owner"]
    created = submit(client, owner_token, _data())
    sid = created.get_json()["id"]
    db.session.execute(
        update(Innovation).where(Innovation.id == sid).values(title="Antar Obat\nBaris dua")
    )
    db.session.commit()
    path = f"/api/v1/submissions/{sid}/decision"
    decided = client.post(path, json={"decision": "publish"}, headers=bearer(tokens["curator"]))
    assert decided.status_code == 200, decided.get_data(as_text=True)
    [sent] = [m for m in outbox(app) if m["Subject"].startswith("Terbit")]
    assert sent["Subject"] == "Terbit: Antar Obat Baris dua"


def _published_with(innovation_data, **stored):
    """A published innovation whose row then holds values stored before today's checks."""
    row = catalogue.create(innovation_data(), actor="t", status="published")
    db.session.commit()
    db.session.execute(update(Innovation).where(Innovation.id == row.id).values(**stored))
    db.session.commit()
    return row


def test_contact_form_with_a_multiline_title_still_relays(app, client, ctx, innovation_data):
    row = _published_with(innovation_data, title="Dua\r\nbaris")
    token = csrf_token(client, f"/innovations/{row.slug}/contact")
    data = {"csrf_token": token, "name": "Budi\x07", "email": "budi@example.net",
            "message": "Bagaimana cara meniru layanan ini?", "website": ""}  # fmt: skip
    assert client.post(f"/innovations/{row.slug}/contact", data=data).status_code == 302
    [sent] = outbox(app)
    assert sent["Subject"].endswith("Dua baris") and sent["Reply-To"] == "budi@example.net"


def test_no_contact_form_for_an_address_a_header_cannot_hold(app, client, ctx, innovation_data):
    row = _published_with(innovation_data, contact_email="a,b@example.org")
    assert client.get(f"/innovations/{row.slug}/contact").status_code == 404


def _data():
    from tests.conftest import make_innovation_data

    return make_innovation_data()


@pytest.mark.parametrize("query", ["focus=", "focus=%20", "sector=,", "province="])
def test_an_empty_filter_is_a_400_naming_it_in_the_api(client, ctx, query):
    response = client.get(f"/api/v1/innovations?{query}")
    assert response.status_code == 400
    assert response.get_json()["param"] == query.split("=")[0]


def test_the_search_page_takes_an_empty_filter_as_all(client, ctx):
    # the page's form sends `focus=` for "all": no filter there
    assert client.get("/search?q=&focus=&sector=").status_code == 200


def test_a_decision_for_an_owner_whose_address_no_header_holds_still_answers_200(
    app, client, tokens
):
    from registry.models import User

    sid = submit(client, tokens["owner"], _data()).get_json()["id"]
    db.session.execute(
        update(User).where(User.email == "instansi@example.org").values(email="a;b@example.org")
    )  # an address accepted before the stricter check: two addresses in a header
    db.session.commit()
    before = outbox(app)  # the submission's receipts went out while the address was good
    path = f"/api/v1/submissions/{sid}/decision"
    decided = client.post(path, json={"decision": "publish"}, headers=bearer(tokens["curator"]))
    assert decided.status_code == 200 and decided.get_json()["status"] == "published"
    assert len(outbox(app)) == len(before)  # logged and skipped
