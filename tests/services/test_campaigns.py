"""services.campaigns.create_campaign and services.accounts.invite_user (issue 15 item 10)."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.services import accounts, campaigns
from registry.services.errors import Conflict, Forbidden
from registry.services.validation import ValidationError
from tests.accounts_helpers import make_user


def test_create_campaign(ctx):
    admin = make_user("admin@example.org", "admin", org=None)
    made = campaigns.create_campaign(
        "  Inovasi   Banjir 2021 ",
        opens_on=dt.date(2021, 1, 1),
        closes_on=dt.date(2021, 6, 30),
        description=" Tanggap banjir ",
        actor=admin,
    )
    assert (made.name, made.slug, made.description) == (
        "Inovasi Banjir 2021",
        "inovasi-banjir-2021",
        "Tanggap banjir",
    )
    assert made.is_open(dt.date(2021, 3, 1)) and not made.is_open(dt.date(2021, 7, 1))
    assert made in campaigns.list_campaigns()
    # the same name, or one making the same slug, is a conflict that names the field
    with pytest.raises(Conflict) as clash:
        campaigns.create_campaign("inovasi banjir 2021", actor=admin)
    assert clash.value.param == "name"
    with pytest.raises(ValidationError) as backwards:
        campaigns.create_campaign(
            "Mundur", opens_on=dt.date(2021, 6, 1), closes_on=dt.date(2021, 1, 1), actor=admin
        )
    assert set(backwards.value.errors) == {"closes_on"}
    with pytest.raises(ValidationError) as nameless:
        campaigns.create_campaign("   ", actor=admin)
    assert set(nameless.value.errors) == {"name"}
    # open-ended, from the command line (no user: the instance's operator)
    assert campaigns.create_campaign("Sepanjang Tahun", actor=None).is_open(dt.date(2030, 1, 1))


def test_only_admins_create_campaigns_or_invite(ctx):
    curator = make_user("kurator@example.org", "curator", org=None)
    with pytest.raises(Forbidden):
        campaigns.create_campaign("Kampanye Kurator", actor=curator)
    with pytest.raises(Forbidden):
        accounts.invite_user("baru@example.org", role="admin", actor=curator)
    assert accounts.find_user("baru@example.org") is None


def test_invite_user_makes_a_confirmed_account_without_a_password(ctx):
    admin = make_user("admin@example.org", "admin", org=None)
    user = accounts.invite_user(
        "Baru@Example.org", role="institution", org_name=" Dinas  Sosial ", actor=admin
    )
    assert (user.email, user.role, user.password_hash) == ("baru@example.org", "institution", "")
    assert user.email_confirmed_at is not None
    assert user.organization is not None and user.organization.name == "Dinas Sosial"
    with pytest.raises(ValidationError) as taken:
        accounts.invite_user("baru@example.org", role="curator", actor=admin)
    assert set(taken.value.errors) == {"email"}
    with pytest.raises(ValidationError) as bad_role:
        accounts.invite_user("lain@example.org", role="owner", actor=admin)
    assert set(bad_role.value.errors) == {"role"}
