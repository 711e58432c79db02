"""Candidates for inbox tests, built as the harvest runner stores them (Post + Candidate rows)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

from registry.extensions import db
from registry.models import Candidate, Post

_ids = itertools.count(1)

PREDICTED = {
    "sectors": ["kesehatan"],
    "focus": "cepat-tanggap",
    "innovator_type": "pemkot",
    "province": {"code": "32", "name": "Jawa Barat"},
    "regency": {"code": "32.73", "name": "Kota Bandung"},
}


def make_candidate(
    text: str = "Pemkot Bandung luncurkan layanan antar obat gratis untuk warga isoman. "
    "Pesan lewat WhatsApp, diantar relawan. https://t.co/abc",
    *,
    score: float = 0.8,
    status: str = "new",
    platforms: Sequence[str] = ("twitter",),
    seen: dt.datetime | None = None,
    predicted: dict[str, Any] | None = None,
    province_code: str | None = "32",
    explain: list[list[Any]] | None = None,
    matches_innovation_id: int | None = None,
    extra_texts: Sequence[str] = (),
) -> Candidate:
    """A candidate with one post per platform (the first carries ``text``), committed."""
    seen = seen or dt.datetime(2020, 5, 4, 8, 0)
    candidate = Candidate(
        status=status,
        score=score,
        text=text,
        lang="id",
        platforms=sorted(set(platforms)),
        post_count=len(platforms),
        first_seen=seen,
        last_seen=seen + dt.timedelta(hours=len(platforms) - 1),
        predicted=dict(PREDICTED if predicted is None else predicted),
        explain=explain if explain is not None else [["antar obat", 0.9], ["kasus", -0.4]],
        model_version="rules",
        province_code=province_code,
        matches_innovation_id=matches_innovation_id,
    )
    db.session.add(candidate)
    db.session.flush()
    texts = [text, *extra_texts]
    for i, platform in enumerate(platforms):
        n = next(_ids)
        db.session.add(
            Post(
                platform=platform,
                external_id=f"{platform}-{n}",
                url=f"https://{platform}.example/status/{n}",
                author_handle=f"warga{n}",
                author_name=f"Warga {n}",
                author_location="Bandung",
                text=texts[i] if i < len(texts) else text,
                lang="id",
                created_at=seen + dt.timedelta(hours=i),
                candidate_id=candidate.id,
                raw={"id": n},
            )
        )
    db.session.commit()
    return candidate
