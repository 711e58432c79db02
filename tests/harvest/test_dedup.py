"""Dedup: exact copies, reposts, near copies and truncation grouped into one candidate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy
import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.harvest import dedup
from registry.harvest.runner import Runner, Settings
from registry.models import Candidate, Post

BASE = (
    "Dinas Kesehatan Kota Bandung meluncurkan layanan antar obat gratis untuk warga yang "
    "menjalani isolasi mandiri, cukup daftar lewat WhatsApp dan relawan mengantar ke rumah"
)
OTHER = (
    "Harga cabai rawit di pasar tradisional Surabaya naik tajam minggu ini karena pasokan dari "
    "petani berkurang akibat cuaca buruk yang melanda Jawa Timur"
)


# --- fingerprints ----------------------------------------------------------------------


def test_dedup_tokens_drop_links_mentions_tags_numbering_and_rt():
    assert dedup.dedup_tokens("RT @budi: Ayo #DiRumahAja ya https://t.co/x1 @ani 2/3 #covid19") == [
        "ayo",
        "dirumahaja",
        "ya",
    ]
    assert dedup.dedup_tokens("(1) Info vaksin hari ini bit.ly/abc #vaksin #2") == [
        "info",
        "vaksin",
        "hari",
        "ini",
    ]
    assert dedup.dedup_tokens("") == []


@pytest.mark.parametrize(
    "copy",
    [
        BASE + " https://t.co/AbC123",
        BASE + " https://bit.ly/3xYz #covid19 #bandung #isoman",
        "1/2 " + BASE,
        "RT @dinkes_bdg: " + BASE,
        BASE.upper(),
        BASE[:120] + "… https://t.co/more",
        BASE.replace("gratis", "gratis!!").replace("rumah", "rumah warga"),
    ],
)
def test_copies_are_similar(copy):
    a, b = dedup.fingerprints([BASE + " https://t.co/orig", copy])
    assert a.text_hash and b.text_hash
    assert a.text_hash == b.text_hash or dedup.similar(a, b)


def test_different_texts_are_not_similar():
    a, b = dedup.fingerprints([BASE, OTHER])
    assert a.text_hash != b.text_hash
    assert not dedup.similar(a, b)
    assert a.hashvalues is not None and b.hashvalues is not None
    assert dedup.jaccard(a.hashvalues, b.hashvalues) < 0.2


def test_signature_round_trip():
    fp = dedup.fingerprint(BASE)
    back = dedup.parse_signature(fp.signature())
    assert back is not None and back.shingles == fp.shingles and back.prefix == fp.prefix
    assert back.hashvalues is not None and fp.hashvalues is not None
    assert numpy.array_equal(back.hashvalues, fp.hashvalues)
    assert dedup.parse_signature(b"garbage") is None
    assert dedup.fingerprint("terlalu pendek").signature() is None  # short: exact copies only


def test_packed_fingerprints_cross_a_pickle_unchanged():
    import pickle

    import numpy as np

    texts = [BASE, "RT @x: " + BASE, "", "dua kata", OTHER + " #Surabaya", BASE[:90] + "…"]
    fps = dedup.fingerprints(texts)
    back = dedup.unpack_fingerprints(pickle.loads(pickle.dumps(dedup.pack_fingerprints(fps))))
    assert len(back) == len(fps)
    assert sum(fp.hashvalues is None for fp in back) == 2  # "" and "dua kata"
    for a, b in zip(fps, back, strict=True):
        assert (a.tokens, a.text_hash, a.shingles, a.prefix) == (
            b.tokens,
            b.text_hash,
            b.shingles,
            b.prefix,
        )
        assert (a.bands, a.regions, a.signature()) == (b.bands, b.regions, b.signature())
        if a.hashvalues is not None:
            assert b.hashvalues is not None
            assert np.array_equal(a.hashvalues, b.hashvalues)
    assert back[4].regions  # a place tag survives the trip


def test_bigram_hashes_are_the_crc_of_the_bigram_text():
    import zlib

    import numpy as np

    words = ["dinas", "kesehatan", "ñandú", "x" * 150, "é", "a"]
    got = dedup.bigram_hashes(np.array([dedup._word(w) for w in words], dtype=np.uint64))
    want = [zlib.crc32(f"{a} {b}".encode()) for a, b in zip(words, words[1:], strict=False)]
    assert got.tolist() == want  # so signatures stored before stay comparable


def test_index_rekey_is_undone_by_a_rollback():
    index = dedup.CandidateIndex(max_entries=10)
    index.add(-1, dedup.fingerprint(BASE))
    index.begin()
    index.rekey(-1, 7)
    assert index.find(dedup.fingerprint(BASE + " #covid")) == 7 and -1 not in index
    index.rollback()
    assert -1 in index and 7 not in index
    assert index.find(dedup.fingerprint(BASE + " #covid")) == -1


def test_index_rollback_forgets_the_page():
    index = dedup.CandidateIndex(max_entries=10)
    index.add(1, dedup.fingerprint(BASE))
    index.begin()
    index.add(-1, dedup.fingerprint(OTHER))
    index.remove(1)
    index.rollback()
    assert 1 in index and -1 not in index
    assert index.find(dedup.fingerprint(BASE + " #covid")) == 1


def test_index_keeps_at_most_max_entries():
    index = dedup.CandidateIndex(max_entries=2)
    for key, text in enumerate([BASE, OTHER, "Satu dua tiga empat lima enam tujuh delapan"], 1):
        index.add(key, dedup.fingerprint(text))
    assert len(index) == 2 and 1 not in index


# --- in the database ---------------------------------------------------------------------


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


NOW = dt.datetime(2020, 6, 1, 12, 0)


def runner() -> Runner:
    return Runner(
        Settings(), sleep=lambda s: None, jitter=lambda: 0.0, clock=lambda: NOW, predictor=None
    )


def candidates() -> list[Candidate]:
    db.session.expire_all()
    return list(db.session.execute(select(Candidate).order_by(Candidate.id)).scalars())


def candidate_of(platform: str, external_id: str) -> int:
    return db.session.execute(
        select(Post.candidate_id).where(Post.platform == platform, Post.external_id == external_id)
    ).scalar_one()


def test_copies_reposts_and_truncations_group_into_one_candidate(ctx, tmp_path):
    rows = [
        {"id": "1", "text": BASE + " https://t.co/a1", "author": "dinkes_bdg",
         "created_at": "2020-05-02T08:00:00Z"},
        {"id": "2", "text": "RT @dinkes_bdg: " + BASE[:100] + "…", "author": "warga1",
         "created_at": "2020-05-02T09:00:00Z"},
        {"id": "3", "text": BASE + " https://bit.ly/zz #isoman #bandung", "author": "warga2",
         "created_at": "2020-05-01T07:00:00Z"},
        {"id": "4", "text": "2) " + BASE + " https://t.co/b2", "author": "warga3",
         "created_at": "2020-05-03T07:00:00Z"},
        {"id": "5", "text": "retweet", "repost_of_id": "1", "author": "warga4"},
        {"id": "6", "text": OTHER, "author": "pasar"},
    ]  # fmt: skip
    run = runner().import_file(write_jsonl(tmp_path / "a.jsonl", rows), "jsonl")
    assert (run.status, run.new, run.errors) == ("done", 6, 0)
    found = candidates()
    assert len(found) == 2
    group = next(c for c in found if c.post_count == 5)
    assert {candidate_of("file", i) for i in "12345"} == {group.id}
    assert candidate_of("file", "6") != group.id
    assert group.platforms == ["file"]
    assert group.text.startswith("Dinas Kesehatan")  # the longest original, no RT prefix
    assert str(group.first_seen) == "2020-05-01 07:00:00"
    assert group.last_seen == NOW  # post 5 has no date: seen when harvested


def test_repost_and_original_from_a_twitter_archive(ctx, tmp_path):
    original = {
        "id_str": "100",
        "full_text": BASE,
        "created_at": "Sat May 02 08:00:00 +0000 2020",
        "user": {"screen_name": "dinkes_bdg", "name": "Dinkes", "location": "Bandung"},
        "lang": "in",
    }
    retweet = {
        "id_str": "101",
        "full_text": "RT @dinkes_bdg: " + BASE[:110],
        "created_at": "Sat May 02 09:00:00 +0000 2020",
        "user": {"screen_name": "warga", "name": "Warga", "location": ""},
        "retweeted_status": original,
        "lang": "in",
    }
    path = tmp_path / "v1.jsonl"
    path.write_text(json.dumps(retweet) + "\n", encoding="utf-8")
    run = runner().import_file(path, "twitter-v1")
    assert run.new == 2  # the retweet and the original it carries
    assert candidate_of("twitter", "100") == candidate_of("twitter", "101")
    rt = db.session.execute(select(Post).where(Post.external_id == "101")).scalar_one()
    assert rt.repost_of_id == "100"


def test_near_copies_group_across_platforms(ctx, tmp_path):
    runner().import_file(
        write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": BASE + " https://t.co/x"}]),
        "jsonl",
    )
    status: dict[str, Any] = {
        "id": "9001",
        "created_at": "2020-05-04T03:00:00.000Z",
        "content": f"<p>{BASE.replace('gratis', 'gratis sekali')} <a href='https://x.example'>"
        "x.example</a> #isoman</p>",
        "url": "https://mastodon.example/@dinkes/9001",
        "account": {"acct": "dinkes", "display_name": "Dinkes", "username": "dinkes"},
        "language": "id",
        "reblog": None,
        "media_attachments": [],
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
    }
    path = tmp_path / "m.json"
    path.write_text(json.dumps([status]), encoding="utf-8")
    run = runner().import_file(path, "mastodon")
    assert (run.new, run.errors) == (1, 0)
    assert candidate_of("mastodon", "9001") == candidate_of("file", "1")
    (group,) = candidates()
    assert group.platforms == ["file", "mastodon"] and group.post_count == 2


def test_lsh_survives_a_new_process(ctx, tmp_path):
    runner().import_file(
        write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": BASE}, {"id": "2", "text": OTHER}]),
        "jsonl",
    )
    dedup.forget_indexes()  # what a new process starts with
    edited = BASE.replace("Kota Bandung", "Kota Bandung Jawa Barat")
    truncated = BASE[:110] + "…"
    run = runner().import_file(
        write_jsonl(
            tmp_path / "b.jsonl", [{"id": "3", "text": edited}, {"id": "4", "text": truncated}]
        ),
        "jsonl",
    )
    assert run.new == 2
    assert candidate_of("file", "3") == candidate_of("file", "1")
    assert candidate_of("file", "4") == candidate_of("file", "1")
    assert len(candidates()) == 2


def test_posts_join_the_candidate_a_candidate_was_merged_into(ctx, tmp_path):
    runner().import_file(
        write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": BASE}, {"id": "2", "text": OTHER}]),
        "jsonl",
    )
    first, second = candidates()
    first.status, first.merged_into_id = "merged", second.id
    db.session.commit()
    runner().import_file(
        write_jsonl(tmp_path / "b.jsonl", [{"id": "3", "text": BASE + " #lagi"}]), "jsonl"
    )
    assert candidate_of("file", "3") == second.id
    assert next(c for c in candidates() if c.id == second.id).post_count == 2


def test_a_deleted_candidate_is_not_reused(ctx, tmp_path):
    from registry.services.harvesting import takedown_post

    runner().import_file(write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": BASE}]), "jsonl")
    takedown = takedown_post("file", "1", actor="test")
    assert takedown is not None and takedown.candidate_deleted
    db.session.commit()
    run = runner().import_file(
        write_jsonl(tmp_path / "b.jsonl", [{"id": "2", "text": BASE.replace("gratis", "")}]),
        "jsonl",
    )
    assert run.new == 1
    (only,) = candidates()
    assert only.post_count == 1 and candidate_of("file", "2") == only.id


def test_candidate_matching_a_catalogue_innovation_is_flagged(ctx, tmp_path, innovation_data):
    from registry.services import catalogue

    innovation = catalogue.create(
        innovation_data(links=["https://antarobat.example/daftar"]), actor="t", status="published"
    )
    db.session.commit()
    rows = [
        {"id": "1", "text": "Daftar di https://www.antarobat.example/daftar/ ya, gratis"},
        {"id": "2", "text": "Keren! " + innovation.title + " sudah jalan di kampung kami"},
        {"id": "3", "text": OTHER},
    ]
    runner().import_file(write_jsonl(tmp_path / "a.jsonl", rows), "jsonl")
    flagged = {candidate_of("file", i): i for i in "123"}
    by_id = {c.id: c for c in candidates()}
    assert {
        flagged[c] for c, row in by_id.items() if row.matches_innovation_id == innovation.id
    } == {"1", "2"}


def test_takedown_after_a_merge_leaves_no_copy_of_the_text(ctx, tmp_path):
    from registry.models import CandidateDecision, HarvestError
    from registry.services import curation
    from registry.services.harvesting import takedown_post

    rows = [
        {"id": "1", "text": BASE},
        {"id": "2", "text": OTHER},
        {"id": "3", "text": "RT @dinkes_bdg: " + BASE[:100] + "…"},
        {"id": "4"},  # malformed: a HarvestError row holding the payload
    ]
    path = write_jsonl(tmp_path / "a.jsonl", rows)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "1", "text": BASE, "oops": [1]})[:-1] + "\n")
    runner().import_file(path, "jsonl")
    db.session.add(HarvestError(platform="file", position="x", message="m", payload='{"id": "1"'))
    db.session.commit()
    first, second = sorted(candidates(), key=lambda c: c.id)
    assert first.text == BASE
    curation.decide([{"id": first.id, "decision": "merge", "into": {"candidate": second.id}}], "t")
    db.session.commit()
    takedown = takedown_post("file", "1", actor="test")
    assert takedown is not None and takedown.posts_deleted == 2  # with its RT copy
    db.session.commit()
    every = [c.text for c in db.session.execute(select(Candidate)).scalars()]
    every += [d.text for d in db.session.execute(select(CandidateDecision)).scalars()]
    every += [e.payload for e in db.session.execute(select(HarvestError)).scalars()]
    every += [p.text for p in db.session.execute(select(Post)).scalars()]
    assert every and not any(BASE[:60] in text or '"1"' in text for text in every)
    assert db.session.get_one(Candidate, second.id).text == OTHER


PRESS = (
    "Pemerintah Kota {city} membuka layanan konsultasi kesehatan gratis lewat telepon dan "
    "WhatsApp bagi warga yang menjalani isolasi mandiri di rumah selama pandemi. Warga cukup "
    "menghubungi nomor layanan, lalu dokter puskesmas terdekat akan menelepon balik, memantau "
    "gejala setiap hari dan mengirim obat bila diperlukan tanpa biaya apa pun"
)


def test_a_trailing_place_tag_stays_in_the_dedup_text():
    bandung, bogor = dedup.fingerprints(
        ["Posko relawan dibuka #Bandung", "Posko relawan dibuka #Bogor"]
    )
    assert bandung.text_hash != bogor.text_hash
    assert dedup.dedup_tokens("Posko relawan dibuka #Bandung #covid19") == [
        "posko",
        "relawan",
        "dibuka",
        "bandung",
    ]


def test_texts_naming_different_places_are_not_copies():
    surabaya, malang, copy = dedup.fingerprints(
        [PRESS.format(city="Surabaya"), PRESS.format(city="Malang"), PRESS.format(city="Surabaya")]
    )
    assert surabaya.hashvalues is not None and malang.hashvalues is not None
    assert dedup.jaccard(surabaya.hashvalues, malang.hashvalues) >= dedup.MIN_JACCARD
    assert not dedup.similar(surabaya, malang)
    assert dedup.similar(surabaya, copy)
    index = dedup.CandidateIndex()
    index.add(1, surabaya)
    assert index.find(malang) is None and index.find(copy) == 1
    back = dedup.parse_signature(surabaya.signature())
    assert back is not None and back.regions == surabaya.regions != frozenset()


def test_copies_for_another_place_get_their_own_candidate(ctx, tmp_path):
    rows = [
        {"id": "1", "text": PRESS.format(city="Surabaya")},
        {"id": "2", "text": PRESS.format(city="Malang")},
        {"id": "3", "text": "Posko relawan dibuka #Bandung"},
        {"id": "4", "text": "Posko relawan dibuka #Bogor"},
        {"id": "5", "text": PRESS.format(city="Surabaya") + " https://t.co/x #Surabaya"},
    ]
    runner().import_file(write_jsonl(tmp_path / "a.jsonl", rows), "jsonl")
    assert len(candidates()) == 4
    assert candidate_of("file", "5") == candidate_of("file", "1")


def test_an_email_address_stays_in_the_dedup_key_as_words() -> None:
    # keys stored before the text rules moved to registry.text must still match new posts
    assert dedup.dedup_tokens("Hubungi info@dinkes.go.id untuk vaksin @ani di bit.ly/x9") == [
        "hubungi",
        "info",
        "dinkes",
        "go",
        "id",
        "untuk",
        "vaksin",
        "di",
    ]
