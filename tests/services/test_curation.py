"""The curator inbox service: ranking, filters, decisions, labels and retraining."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from registry.classify import store
from registry.classify.predict import get_predictor
from registry.extensions import db
from registry.models import CandidateDecision, Innovation, Post
from registry.services import catalogue, curation
from registry.services.errors import Invalid
from registry.web import params as query_params
from tests.accounts_helpers import make_user
from tests.curation_helpers import make_candidate


@pytest.fixture
def curator(ctx):
    return make_user("kurator@example.org", "curator", org=None)


def ids(page):
    return [c.id for c in page.items]


def test_ranked_by_score_and_paged(ctx):
    low = make_candidate("Kasus baru hari ini 12 orang", score=0.1)
    high = make_candidate("Relawan bikin posko dapur umum", score=0.9)
    mid = make_candidate("Aplikasi cek bansos dari pemprov", score=0.5)
    make_candidate("sudah ditolak", score=0.99, status="rejected")
    page = curation.list_candidates()
    assert ids(page) == [high.id, mid.id, low.id] and page.total == 3
    second = curation.list_candidates(page=2, per_page=2)
    assert ids(second) == [low.id] and second.total == 3
    assert curation.list_candidates(status="all").total == 4


def test_uncertainty_sort_puts_scores_near_the_threshold_first(ctx):
    threshold = get_predictor().threshold
    far_low = make_candidate("a", score=max(0.0, threshold - 0.4))
    near = make_candidate("b", score=threshold + 0.01)
    nearish = make_candidate("c", score=max(0.0, threshold - 0.1))
    far_high = make_candidate("d", score=min(1.0, threshold + 0.45))
    page = curation.list_candidates(sort="uncertainty")
    assert page.threshold == pytest.approx(threshold)
    assert ids(page) == [near.id, nearish.id, far_low.id, far_high.id]


def test_filters(ctx):
    base = dt.datetime(2020, 5, 1, 9)
    a = make_candidate("Posko 100% gratis di Bandung", score=0.7, platforms=["twitter", "rss"])
    b = make_candidate(
        "Dapur umum_relawan Sleman",
        score=0.4,
        platforms=["mastodon"],
        seen=base + dt.timedelta(days=30),
        province_code="34",
        predicted={"province": {"code": "34", "name": "DI Yogyakarta"}},
    )
    assert ids(curation.list_candidates(q="100%")) == [a.id]  # a literal %, not a wildcard
    assert ids(curation.list_candidates(q="UMUM_RELAWAN")) == [b.id]  # case-insensitive
    assert curation.list_candidates(q="um%re").total == 0
    assert ids(curation.list_candidates(min_score=0.5)) == [a.id]
    assert ids(curation.list_candidates(platform="mastodon")) == [b.id]
    assert ids(curation.list_candidates(platform=["rss", "mastodon"])) == [a.id, b.id]
    assert ids(curation.list_candidates(province="34")) == [b.id]
    assert ids(curation.list_candidates(date_from=dt.date(2020, 5, 20))) == [b.id]
    assert ids(curation.list_candidates(date_to=dt.date(2020, 5, 20))) == [a.id]
    newest = curation.list_candidates(sort="newest")
    assert ids(newest) == [b.id, a.id]


def _harvested_by(candidate, name: str) -> None:
    from registry.services import harvesting

    found = harvesting.get_source(name) or harvesting.add_source(
        name=name, platform="rss", query=f"https://{name}.example/feed", actor="t"
    )
    db.session.execute(
        Post.__table__.update().where(Post.candidate_id == candidate.id).values(source_id=found.id)
    )
    db.session.commit()


def test_filter_by_harvest_source(ctx):
    a = make_candidate("Posko relawan Bandung", score=0.7)
    b = make_candidate("Dapur umum Sleman", score=0.4)
    make_candidate("Lumbung pangan desa", score=0.2)
    _harvested_by(a, "berita-jabar")
    _harvested_by(b, "berita-diy")
    assert ids(curation.list_candidates(source="berita-diy")) == [b.id]
    assert ids(curation.list_candidates(source="berita-jabar")) == [a.id]
    params = query_params.inbox({"source": "berita-jabar"})
    assert params.source == "berita-jabar" and params.as_args() == {"source": "berita-jabar"}
    assert ids(curation.list_page(params)) == [a.id]
    with pytest.raises(Invalid) as bad:
        query_params.inbox({"source": "tidak-ada"})
    assert bad.value.param == "source"


def test_parse_params_names_the_bad_parameter(ctx):
    for args, param in [
        ({"status": "maybe"}, "status"),
        ({"min_score": "high"}, "min_score"),
        ({"min_score": "1.5"}, "min_score"),
        ({"platform": "myspace"}, "platform"),
        ({"province": "Atlantis"}, "province"),
        ({"date_from": "kemarin"}, "date_from"),
        ({"date_from": "2020-06-01", "date_to": "2020-05-01"}, "date_to"),
        ({"sort": "random"}, "sort"),
        ({"page": "0"}, "page"),
        ({"per_page": "1000"}, "per_page"),
    ]:
        with pytest.raises(Invalid) as info:
            query_params.inbox(args)
        assert info.value.param == param, args
    params = query_params.inbox({"province": "Jabar", "platform": "twitter,rss"})
    assert params.province == "32" and params.platform == ["twitter", "rss"]


def test_approve_creates_a_linked_prefilled_draft(ctx, curator):
    candidate = make_candidate(
        "RT @dinkes: Pemkot Bandung luncurkan layanan antar obat gratis untuk warga isoman. "
        "Pesan lewat WhatsApp, diantar relawan. https://t.co/abc #LawanCovid19",
        platforms=["twitter", "mastodon"],
        extra_texts=["Layanan antar obat Bandung, versi Mastodon"],
    )
    [result] = curation.decide([{"id": candidate.id, "decision": "approve"}], curator)
    db.session.commit()
    assert result["status"] == 200 and result["innovation_id"]
    innovation = db.session.get_one(Innovation, result["innovation_id"])
    assert innovation.status == "draft" and innovation.origin == "harvest"
    assert innovation.owner_id == curator.id
    # the facts, never the posts: no text, handle or post link in a public field
    record = catalogue.to_record(innovation, include_private=True)
    public = " ".join(str(v) for k, v in record.items() if k != "contact_email")
    for post in candidate.posts:
        assert post.author_handle not in public and post.url not in public
    for words in ("antar obat", "WhatsApp", "versi Mastodon", "t.co", "LawanCovid19"):
        assert words not in public
    assert innovation.title == "[draf otomatis] Inovasi kesehatan di Kota Bandung"
    assert "kandidat #" in innovation.summary and "Pemerintah Kota" in innovation.summary
    assert not innovation.innovation and innovation.links == []
    assert innovation.contact_email in (None, "")  # not the curator's own address
    assert candidate.status == "approved" and candidate.innovation_id == innovation.id
    assert candidate.decided_by_id == curator.id
    # it then follows the review workflow: the curator completes and submits it
    catalogue.update(innovation, {"innovator_name": "Pemkot Bandung"}, actor=curator)
    catalogue.transition(innovation, "submitted", actor=curator)
    assert innovation.status == "submitted"


def test_a_harvested_draft_is_published_only_once_rewritten(ctx, curator):
    from registry.services import provenance, review
    from registry.services.validation import ValidationError

    candidate = make_candidate(
        "Pemkot Bandung luncurkan layanan antar obat gratis untuk warga isoman. "
        "Pesan lewat WhatsApp, diantar relawan. https://t.co/abc"
    )
    handle = candidate.posts[0].author_handle
    [result] = curation.decide([{"id": candidate.id, "decision": "approve"}], curator)
    innovation = db.session.get_one(Innovation, result["innovation_id"])
    assert provenance.source_posts(innovation) == list(candidate.posts)
    catalogue.update(
        innovation,
        {
            "innovator_name": "Pemkot Bandung",
            # pasted back from the post, with punctuation and case changed
            "innovation": "Kata warga: PEMKOT Bandung luncurkan layanan antar obat, gratis untuk "
            "warga! Sangat membantu.",
        },
        actor=curator,
    )
    catalogue.transition(innovation, "submitted", actor=curator)
    review.decide(innovation, "acknowledge", actor=curator)
    with pytest.raises(ValidationError) as blocked:
        review.decide(innovation, "publish", actor=curator)
    assert set(blocked.value.errors) == {"title", "summary", "innovation"}
    assert "verbatim" in blocked.value.errors["innovation"]
    assert innovation.status == "in_review"
    catalogue.update(
        innovation,
        {
            "title": "Layanan antar obat bagi warga isoman Kota Bandung",
            "summary": "Warga yang isolasi mandiri memesan obat; relawan mengantarnya.",
            "innovation": f"Dilaporkan oleh @{handle}.",
        },
        actor=curator,
    )
    with pytest.raises(ValidationError) as named:
        review.decide(innovation, "publish", actor=curator)
    assert set(named.value.errors) == {"innovation"}
    assert "author" in named.value.errors["innovation"]
    catalogue.update(innovation, {"innovation": "Pesanan lewat pesan singkat."}, actor=curator)
    review.decide(innovation, "publish", actor=curator)
    assert innovation.status == "published"


def test_approve_drops_predictions_that_do_not_validate(ctx, curator):
    candidate = make_candidate(
        "http://t.co/x", predicted={"sectors": ["astrologi"], "focus": "x", "province": "99"}
    )
    candidate.province_code = None
    [result] = curation.decide([{"id": candidate.id, "decision": "approve"}], curator)
    innovation = db.session.get_one(Innovation, result["innovation_id"])
    assert innovation.title == "[draf otomatis] Inovasi pelayanan publik"
    assert innovation.sectors == [] and innovation.focus is None and innovation.province is None


def test_reject_needs_a_known_reason_and_gives_labels(ctx, curator):
    cands = [make_candidate(f"teks {i}") for i in range(5)]
    results = curation.decide(
        [
            {"id": cands[0].id, "decision": "reject", "reason": "spam", "note": "iklan"},
            {"id": cands[1].id, "decision": "reject", "reason": "duplicate"},
            {"id": cands[2].id, "decision": "reject"},
            {"id": cands[3].id, "decision": "reject", "reason": "boring"},
            {"id": cands[4].id, "decision": "reject", "reason": "off-topic"},
        ],
        curator,
    )
    db.session.commit()
    assert [r["status"] for r in results] == [200, 200, 400, 400, 200]
    assert "reason" in results[2]["detail"]
    assert [c.status for c in cands] == ["rejected", "rejected", "new", "new", "rejected"]
    decisions = db.session.scalars(select(CandidateDecision).order_by(CandidateDecision.id)).all()
    assert [(d.candidate_id, d.reason, d.label) for d in decisions] == [
        (cands[0].id, "spam", False),
        (cands[1].id, "duplicate", None),
        (cands[4].id, "off-topic", False),
    ]
    assert decisions[0].actor == "kurator@example.org" and decisions[0].actor_id == curator.id
    assert decisions[0].note == "iklan" and decisions[0].text == "teks 0" and decisions[0].at


def test_merge_into_candidate_moves_posts_and_recounts(ctx, curator):
    target = make_candidate("Posko relawan", platforms=["twitter"], seen=dt.datetime(2020, 5, 2))
    source = make_candidate(
        "Posko relawan (salinan)", platforms=["mastodon", "rss"], seen=dt.datetime(2020, 4, 1)
    )
    [result] = curation.decide(
        [{"id": source.id, "decision": "merge", "into": {"candidate": target.id}}], curator
    )
    db.session.commit()
    assert result["status"] == 200
    assert source.status == "merged" and source.merged_into_id == target.id
    assert target.post_count == 3 and target.platforms == ["mastodon", "rss", "twitter"]
    assert target.first_seen == dt.datetime(2020, 4, 1)
    assert target.last_seen == dt.datetime(2020, 5, 2)
    assert db.session.scalar(select(func.count()).where(Post.candidate_id == target.id)) == 3
    assert source.post_count == 0 and target.status == "new"
    decision = db.session.scalar(select(CandidateDecision))
    assert decision is not None
    assert decision.label is None and decision.into_candidate_id == target.id


def test_merge_into_innovation(ctx, curator, innovation_data):
    existing = catalogue.create(innovation_data(), actor="test", status="published")
    candidate = make_candidate()
    [result] = curation.decide(
        [{"id": candidate.id, "decision": "merge", "into": {"innovation": existing.id}}],
        curator,
    )
    db.session.commit()
    assert result["status"] == 200 and result["innovation_id"] == existing.id
    assert candidate.status == "merged" and candidate.innovation_id == existing.id
    decision = db.session.scalar(select(CandidateDecision))
    assert decision is not None
    assert decision.label is True and decision.into_innovation_id == existing.id


def test_bad_merges(ctx, curator):
    a, b = make_candidate("a"), make_candidate("b")
    rejected = make_candidate("c", status="rejected")
    results = curation.decide(
        [
            {"id": a.id, "decision": "merge"},
            {"id": a.id, "decision": "merge", "into": {"candidate": a.id}},
            {"id": a.id, "decision": "merge", "into": {"candidate": 999_999}},
            {"id": a.id, "decision": "merge", "into": {"innovation": 999_999}},
            {"id": a.id, "decision": "merge", "into": {"candidate": rejected.id}},
            {"id": b.id, "decision": "merge", "into": {"candidate": a.id, "innovation": 1}},
        ],
        curator,
    )
    assert [r["status"] for r in results] == [400, 400, 404, 404, 409, 400]
    assert a.status == "new" and b.status == "new"
    assert db.session.scalar(select(func.count(CandidateDecision.id))) == 0


def test_decided_item_gets_409_while_the_others_succeed(ctx, curator):
    done = make_candidate("sudah", status="rejected")
    fresh = make_candidate("baru")
    other = make_candidate("lain")
    results = curation.decide(
        [
            {"id": fresh.id, "decision": "approve"},
            {"id": done.id, "decision": "approve"},
            {"id": 424242, "decision": "approve"},
            {"id": "x", "decision": "approve"},
            {"id": other.id, "decision": "reject", "reason": "not-innovation"},
            {"id": fresh.id, "decision": "reject", "reason": "spam"},
        ],
        curator,
    )
    db.session.commit()
    assert [r["status"] for r in results] == [200, 409, 404, 400, 200, 409]
    assert "already rejected" in results[1]["detail"]
    assert fresh.status == "approved" and other.status == "rejected" and done.status == "rejected"
    assert db.session.scalar(select(func.count(Innovation.id))) == 1


def test_only_curators_decide(ctx):
    institution = make_user()
    candidate = make_candidate()
    with pytest.raises(curation.Forbidden):
        curation.decide([{"id": candidate.id, "decision": "approve"}], institution)


def test_training_rows_follow_the_decisions(ctx, curator):
    yes = make_candidate("Relawan desa antar sembako ke warga isoman")
    no = make_candidate("Kasus hari ini naik lagi")
    dup = make_candidate("Kasus hari ini naik lagi!")
    into = make_candidate("salinan")
    curation.decide(
        [
            {"id": yes.id, "decision": "approve"},
            {"id": no.id, "decision": "reject", "reason": "not-innovation"},
            {"id": dup.id, "decision": "reject", "reason": "duplicate"},
            {"id": into.id, "decision": "merge", "into": {"candidate": yes.id}},
        ],
        curator,
    )
    innovation = db.session.get_one(Innovation, yes.innovation_id)
    catalogue.update(innovation, {"sectors": ["bantuan-sosial"], "focus": None}, actor=curator)
    db.session.commit()
    rows = list(curation.training_rows())
    assert [(r["id"], r["is_innovation"]) for r in rows] == [
        (f"candidate-{yes.id}", 1),
        (f"candidate-{no.id}", 0),
    ]
    # the curator's corrections are the labels of the other heads
    assert rows[0]["sectors"] == ["bantuan-sosial"] and rows[0]["focus"] is None
    assert rows[0]["province"] == "32" and rows[0]["author"].startswith("warga")
    assert rows[0]["text"] == "Relawan desa antar sembako ke warga isoman"
    assert rows[1]["sectors"] == [] and rows[1]["innovator_type"] is None
    from registry.classify.train import clean_rows

    kept, problems = clean_rows(rows)
    assert len(kept) == 2 and not problems


def test_retrain_after_n_decisions_activates_a_new_model(app, ctx, curator):
    app.config["RETRAIN_AFTER"] = 3
    instance = app.config["INSTANCE_DIR"]
    assert store.active_version(instance) is None
    cands = [make_candidate(f"Relawan posko dapur umum nomor {i}") for i in range(4)]
    curation.decide([{"id": cands[0].id, "decision": "approve"}], curator)
    curation.decide(
        [{"id": cands[1].id, "decision": "reject", "reason": "duplicate"}], curator
    )  # no label: does not count
    db.session.commit()
    assert curation.new_labels_since_training() == 1
    assert curation.maybe_retrain() is False
    curation.decide(
        [
            {"id": cands[2].id, "decision": "reject", "reason": "spam"},
            {"id": cands[3].id, "decision": "approve"},
        ],
        curator,
    )
    db.session.commit()
    assert curation.maybe_retrain() is True  # trains in the background, without a broker
    curation.wait_for_retrain(timeout=120)
    version = store.active_version(instance)
    assert version is not None
    meta = store.list_models(instance)[-1].meta
    assert meta["data"]["sources"]["extra"] == 3
    assert get_predictor().version == version
    assert curation.new_labels_since_training() == 0
    assert curation.maybe_retrain() is False  # nothing new since
    assert curation.read_state()["version"] == version


@pytest.mark.parametrize("status", ["draft", "rejected", "withdrawn"])
def test_merge_into_a_draft_rejected_or_withdrawn_innovation_is_refused(
    ctx, curator, innovation_data, status
):
    existing = catalogue.create(innovation_data(), actor="test", status="draft")
    existing.status = status  # how it got there does not matter here
    db.session.flush()
    candidate = make_candidate()
    [result] = curation.decide(
        [{"id": candidate.id, "decision": "merge", "into": {"innovation": existing.id}}],
        curator,
    )
    assert result["status"] == 409 and status in result["detail"]
    assert candidate.status == "new"
    assert db.session.scalar(select(func.count(CandidateDecision.id))) == 0


def test_date_filters_count_days_in_jakarta_time(ctx):
    # 2020-05-19 18:30 UTC is already 20 May in Jakarta (UTC+7)
    late = make_candidate("Relawan buka posko", seen=dt.datetime(2020, 5, 19, 18, 30))
    assert ids(curation.list_candidates(date_from=dt.date(2020, 5, 20))) == [late.id]
    assert curation.list_candidates(date_to=dt.date(2020, 5, 19)).total == 0


def test_reopening_puts_a_candidate_back_and_withdraws_its_label(ctx, curator):
    spam, good, merged, target = (make_candidate(f"teks nomor {i}") for i in range(4))
    curation.decide(
        [
            {"id": spam.id, "decision": "reject", "reason": "spam"},
            {"id": good.id, "decision": "approve"},
            {"id": merged.id, "decision": "merge", "into": {"candidate": target.id}},
        ],
        curator,
    )
    draft_id = good.innovation_id
    assert {r["id"] for r in curation.training_rows()} == {
        f"candidate-{spam.id}",
        f"candidate-{good.id}",
    }
    results = curation.reopen([spam.id, good.id, merged.id, target.id, 999999], curator)
    db.session.commit()
    assert [r["status"] for r in results] == [200, 200, 409, 409, 404]
    assert "merged into candidate" in results[2]["detail"]
    for candidate in (spam, good):
        assert (candidate.status, candidate.reason, candidate.innovation_id) == ("new", "", None)
    assert db.session.get(Innovation, draft_id) is None  # the untouched draft went with it
    assert list(curation.training_rows()) == []  # both labels withdrawn
    latest = db.session.scalars(
        select(CandidateDecision).order_by(CandidateDecision.id.desc()).limit(1)
    ).one()
    assert (latest.decision, latest.label, latest.actor) == ("reopen", None, curator.email)

    # decided again the other way round: the new label counts
    curation.decide([{"id": spam.id, "decision": "approve"}], curator)
    [row] = curation.training_rows()
    assert row["id"] == f"candidate-{spam.id}" and row["is_innovation"] == 1


def test_a_submitted_draft_keeps_its_candidate_decided(ctx, curator):
    candidate = make_candidate()
    [result] = curation.decide([{"id": candidate.id, "decision": "approve"}], curator)
    innovation = db.session.get_one(Innovation, result["innovation_id"])
    catalogue.update(innovation, {"innovator_name": "Pemkot Bandung"}, actor=curator)
    catalogue.transition(innovation, "submitted", actor=curator)
    [refused] = curation.reopen([candidate.id], curator)
    assert refused["status"] == 409 and "already submitted" in refused["detail"]
    assert candidate.status == "approved" and db.session.get_one(Innovation, innovation.id)
