"""Reference data that `registry init` loads: the regions table and the campaigns."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from .. import taxonomy
from ..extensions import db
from ..models import Campaign, Region

CAMPAIGNS = (
    {
        "slug": "covid-19-2020",
        "name": "COVID-19 2020",
        "opens_on": dt.date(2020, 3, 1),
        "closes_on": dt.date(2020, 6, 30),
        "description": "Inovasi pelayanan publik tanggap COVID-19 yang dihimpun Maret-Juni 2020.",
    },
)


def load_regions() -> int:
    """Insert or update every region from the shipped table; returns how many changed."""
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    changed = 0
    # provinces first so a regency's parent exists
    for info in sorted(taxonomy.regions(), key=lambda r: (r.level, r.code)):
        row = existing.get(info.code)
        values = {
            "level": info.level,
            "parent_code": info.parent,
            "kind": info.kind,
            "name": info.name,
            "name_en": info.name_en,
        }
        if row is None:
            db.session.add(Region(code=info.code, **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed += 1
        if info.level == 1:
            db.session.flush()
    db.session.flush()
    return changed


def load_campaigns() -> int:
    added = 0
    for spec in CAMPAIGNS:
        if db.session.scalar(select(Campaign).where(Campaign.slug == spec["slug"])) is None:
            db.session.add(Campaign(**spec))
            added += 1
    db.session.flush()
    return added
