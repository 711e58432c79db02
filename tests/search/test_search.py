"""Tests of registry.search (the Whoosh index) and the text primitives it uses."""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from whoosh import fields
from whoosh import index as whoosh_index

from registry.search import (
    FACETS,
    SCHEMA,
    AnyIndex,
    SearchIndex,
    SearchUnavailable,
    building,
    document_for,
    whoosh_private,
)
from registry.text import (
    STOPWORDS,
    STOPWORDS_EN,
    STOPWORDS_ID,
    fold,
    stem,
    stem_id,
    tokenize,
)


def record(id: int, title: str, summary: str = "", **fields: Any) -> dict[str, Any]:
    """A published catalogue record as the callers pass it, with plausible defaults."""
    base: dict[str, Any] = {
        "id": id,
        "slug": f"inovasi-{id}",
        "title": title,
        "summary": summary,
        "background": "",
        "innovation": "",
        "implementation": "",
        "results": "",
        "adaptability": "",
        "resources": "",
        "sustainability": "",
        "sectors": ["kesehatan"],
        "focus": "cepat-tanggap",
        "stage": "implementasi",
        "innovator_type": "pemkot",
        "started_on": "2020-04-01",
        "innovator_name": "Dinas Kesehatan",
        "unit": "",
        "province": "32",
        "regency": "32.73",
        "province_name": "Jawa Barat",
        "regency_name": "Kota Bandung",
        "published_at": f"2020-05-{id:02d}T08:00:00+07:00",
        "updated_at": f"2020-06-{id:02d}T08:00:00+00:00",
    }
    base.update(fields)
    return base


CATALOGUE = [
    record(
        1,
        "Layanan antar obat untuk pasien isolasi mandiri",
        "Puskesmas mengantar obat ke rumah pasien COVID-19 yang menjalani isolasi mandiri.",
        published_at="2020-05-01T00:00:00+00:00",
    ),
    record(
        2,
        "Mobile vaccination for the elderly",
        "Mobile teams bring COVID-19 vaccination to elderly residents at home.",
        innovation="Teams visit villages with cold boxes and a registration app.",
        focus="ketangguhan-massal",
        innovator_type="swasta",
        innovator_name="Sehat Bersama Ltd",
        province="31",
        regency="31.71",
        province_name="DKI Jakarta",
        regency_name="Kota Jakarta Pusat",
        started_on="2021-03-15",
        published_at="2021-04-01T00:00:00+00:00",
    ),
    record(
        3,
        "Posko relawan vaksinasi lansia",
        "Relawan membantu pendaftaran vaksinasi bagi lansia di kelurahan.",
        sectors=["kesehatan", "informasi"],
        focus="ketangguhan-massal",
        innovator_type="masyarakat-sipil",
        innovator_name="Karang Taruna Sukamaju",
        province="35",
        regency="35.78",
        province_name="Jawa Timur",
        regency_name="Kota Surabaya",
        started_on="2021-02-01",
        published_at="2021-02-20T00:00:00+00:00",
    ),
    record(
        4,
        "Bantuan sosial tunai daring",
        "Pendaftaran bantuan sosial tunai secara daring untuk warga terdampak pandemi.",
        sectors=["bantuan-sosial", "pelayanan-publik"],
        innovator_type="pemprov",
        innovator_name="Dinas Sosial",
        regency=None,
        regency_name=None,
        started_on="2020-05-10",
        published_at="2020-06-15T00:00:00+00:00",
    ),
    record(
        5,
        "Sekolah daring lewat radio",
        "Siswa di desa tanpa internet belajar lewat siaran radio komunitas.",
        sectors=["pendidikan"],
        focus="pengetahuan-publik",
        innovator_type="pemkab",
        innovator_name="Dinas Pendidikan",
        province="33",
        regency="33.02",
        province_name="Jawa Tengah",
        regency_name="Kabupaten Banyumas",
        started_on="2020-04-20",
        published_at="2020-07-01T00:00:00+00:00",
    ),
    record(
        6,
        "Pasar online UMKM",
        "Marketplace for small businesses hurt by the pandemic lockdown.",
        sectors=["ekonomi"],
        focus="ketangguhan-massal",
        innovator_type="perguruan-tinggi",
        innovator_name="Universitas Gadjah Mada",
        province="34",
        regency=None,
        province_name="DI Yogyakarta",
        regency_name=None,
        started_on=None,
        published_at="2020-08-01T00:00:00+00:00",
    ),
]
NEWEST_FIRST = [2, 3, 6, 5, 4, 1]


def ids(result: Any) -> list[int]:
    return [hit.id for hit in result.hits]


# -- text primitives ----------------------------------------------------------------------


def test_fold_lowercases_and_strips_accents() -> None:
    assert fold("Café ÉLAN Ñandú") == "cafe elan nandu"
    assert fold("COVID") == "covid"


def test_tokenize_keeps_words_and_numbers() -> None:
    assert tokenize("COVID-19, #DiRumahAja 2020! e_mail") == [
        "COVID",
        "19",
        "DiRumahAja",
        "2020",
        "e",
        "mail",
    ]


def test_indonesian_stemming_joins_affixed_forms() -> None:
    assert stem_id("pelayanan") == stem_id("layanan") == "layan"
    assert stem("pendaftaran") == "daftar"
    # Sastrawi reads "relawan" as re-lawan and returns "rawan"; we keep the word.
    assert stem("relawan") == "relawan"


def test_english_words_fall_back_to_porter() -> None:
    assert stem("vaccination") == stem("vaccinations") == "vaccin"
    assert stem("hospitals") == stem("hospital")


def test_stopwords_cover_both_languages_but_not_domain_words() -> None:
    assert {"yang", "dan", "untuk"} <= STOPWORDS_ID
    assert {"the", "and", "for"} <= STOPWORDS_EN
    assert 100 <= len(STOPWORDS_ID) <= 250 and 100 <= len(STOPWORDS_EN) <= 200
    for word in ("covid", "inovasi", "layanan", "aplikasi", "vaksin", "masyarakat"):
        assert word not in STOPWORDS


# -- documents --------------------------------------------------------------------------------


def test_document_for_is_pure_and_complete() -> None:
    rec = CATALOGUE[1]
    doc = document_for(rec)
    assert doc == document_for(dict(rec))
    assert set(doc) <= set(SCHEMA.names())
    assert doc["id"] == "2"
    assert "Jakarta" in doc["text"] and "Sehat Bersama" in doc["text"]
    assert doc["texts"][:2] == (rec["title"], rec["summary"])


# -- searching ---------------------------------------------------------------------------------


def test_indonesian_stemming_finds_other_forms(ix: AnyIndex) -> None:
    result = ix.search("pelayanan")
    assert ids(result) == [1]  # its title says "Layanan"
    assert ids(ix.search("pendaftaran vaksinasi")) == [3]


def test_english_query_finds_english_text(ix: AnyIndex) -> None:
    # (and, through the bilingual list, the Indonesian "vaksinasi" of record 3: issue 15)
    assert sorted(ids(ix.search("vaccination"))) == [2, 3]
    assert ids(ix.search("vaccinations elderly")) == [2]


def test_region_and_innovator_names_are_searchable(ix: AnyIndex) -> None:
    assert ids(ix.search("Surabaya")) == [3]
    assert ids(ix.search("gadjah mada")) == [6]
    assert sorted(ids(ix.search("jawa barat"))) == [1, 4]


def test_title_outweighs_summary_outweighs_other_sections(
    new_index: Callable[[], AnyIndex],
) -> None:
    index = new_index()
    filler = "Program ini berjalan di tingkat kelurahan bersama warga setempat."
    index.rebuild(
        [
            record(1, "Program warga kelurahan", f"{filler} Masker dibagikan."),
            record(2, "Masker kain untuk warga", filler),
            record(3, "Program warga kelurahan", filler, background="Masker dibagikan."),
            record(4, "Program warga kelurahan", filler),
        ]
    )
    assert ids(index.search("masker")) == [2, 1, 3]
    index.close()


def test_filters_or_within_and_across_with_exact_facets(ix: AnyIndex) -> None:
    health = ix.search("", {"sector": ["kesehatan"]})
    assert health.total == 3 and sorted(ids(health)) == [1, 2, 3]
    assert health.facets["sector"] == {"kesehatan": 3, "informasi": 1}
    assert health.facets["province"] == {"31": 1, "32": 1, "35": 1}
    assert health.facets["focus"] == {"ketangguhan-massal": 2, "cepat-tanggap": 1}

    either = ix.search("", {"sector": ["pendidikan", "ekonomi"]})
    assert either.total == 2 and sorted(ids(either)) == [5, 6]

    both = ix.search("", {"sector": ["kesehatan", "bantuan-sosial"], "province": ["32"]})
    assert both.total == 2 and sorted(ids(both)) == [1, 4]
    assert both.facets["sector"] == {"bantuan-sosial": 1, "kesehatan": 1, "pelayanan-publik": 1}
    assert both.facets["province"] == {"32": 2}
    assert both.facets["innovator_type"] == {"pemkot": 1, "pemprov": 1}
    assert set(both.facets) == set(FACETS)

    with_query = ix.search("daring", {"province": ["32", "33"], "stage": ["implementasi"]})
    assert sorted(ids(with_query)) == [4, 5]
    assert with_query.facets["province"] == {"32": 1, "33": 1}

    assert ix.search("", {"province": ["99"]}).total == 0
    assert ix.search("", {"province": []}).total == len(CATALOGUE)  # no values: no filter
    with pytest.raises(ValueError):
        ix.search("", {"colour": ["red"]})


def test_year_facet_and_filter(ix: AnyIndex) -> None:
    everything = ix.search("")
    assert everything.facets["year"] == {"2020": 3, "2021": 2}  # one has no start date
    result = ix.search("", {"year": ["2021"]})
    assert sorted(ids(result)) == [2, 3]
    assert result.facets["year"] == {"2021": 2}


def test_facets_count_all_matches_not_just_the_page(ix: AnyIndex) -> None:
    result = ix.search("", per_page=2)
    assert len(result.hits) == 2 and result.total == 6
    assert sum(result.facets["focus"].values()) == 6
    assert result.facets["sector"]["kesehatan"] == 3


def test_empty_query_lists_newest_first_and_sort_newest(ix: AnyIndex) -> None:
    assert ids(ix.search("", per_page=10)) == NEWEST_FIRST
    assert ids(ix.search("", sort="newest", per_page=10)) == NEWEST_FIRST
    assert ids(ix.search("daring", sort="newest")) == [5, 4]
    assert ids(ix.search("", page=2, per_page=4)) == [4, 1]
    assert ids(ix.search("", {"province": ["32", "35"]}, per_page=2, page=2)) == [1]


def test_page_past_the_end_keeps_the_total(ix: AnyIndex) -> None:
    result = ix.search("", page=3, per_page=5)
    assert result.hits == [] and result.total == 6
    result = ix.search("daring", page=2)
    assert result.hits == [] and result.total == 2


def test_bad_arguments_raise_value_error(ix: AnyIndex) -> None:
    with pytest.raises(ValueError):
        ix.search("x", page=0)
    with pytest.raises(ValueError):
        ix.search("x", per_page=0)
    with pytest.raises(ValueError):
        ix.search("x", sort="oldest")


ALL = len(CATALOGUE)  # a query without words lists everything


@pytest.mark.parametrize(
    ("q", "total"),
    [('"vaksin', 1), ("title:(", 0), ("AND OR", ALL), ("*", ALL), ("((", ALL), (")", ALL),
     ('"', ALL), ('vaksin"', 1), ("NOT", ALL), ("-", ALL), ("+", ALL), (":", ALL),
     ("a:b:c", 0), ("[", ALL), ("{}", ALL), ("\\", ALL), ("^2", 0), ("~", ALL), ("'", ALL),
     ("vaksin AND", 1), ("OR obat", 1), ("(obat", 1), ("obat)", 1)],
)  # fmt: skip
def test_malformed_queries_fall_back_to_plain_words(ix: AnyIndex, q: str, total: int) -> None:
    # the plain words: "vaksin" (of "vaksinasi") in record 3, "obat" in record 1; "title", "a b c"
    # and "2" nowhere; no words at all (operators, stopwords) lists everything
    result = ix.search(q)
    assert result.total == total
    assert set(result.facets) == set(FACETS)


def test_malformed_queries_keep_their_words(ix: AnyIndex) -> None:
    assert ids(ix.search('"vaksinasi')) == [3]
    assert ids(ix.search("obat)")) == [1]
    assert ix.search("AND OR").total == len(CATALOGUE)  # nothing to search for: list all
    assert ix.search("*").total == len(CATALOGUE)
    assert ix.search("title:(").total == 0  # a plain word "title" that nothing contains


def test_query_syntax(ix: AnyIndex) -> None:
    assert ids(ix.search('"bantuan sosial"')) == [4]
    assert ids(ix.search('"sosial bantuan"')) == []
    assert ids(ix.search("covid-19 obat")) == [1]
    assert sorted(ids(ix.search("radio OR lansia"))) == [3, 5]
    assert sorted(ids(ix.search("daring -radio"))) == [4]
    assert sorted(ids(ix.search("daring NOT radio"))) == [4]
    excluded = ix.search("-daring")
    assert excluded.total == 4 and 4 not in ids(excluded) and 5 not in ids(excluded)


def test_many_words_fall_back_to_any_word(ix: AnyIndex) -> None:
    # No record has all of these words; the ones with more of them come first.
    result = ix.search("radio siaran pasien obat")
    assert result.total == 2
    assert set(ids(result)) == {1, 5}


def test_suggestion_for_misspelled_words(ix: AnyIndex) -> None:
    assert ix.search("vaksinsi").suggestion == "vaksinasi"
    assert ix.suggest("bantuan sosil") == "bantuan sosial"
    assert ix.search("vaksinasi").suggestion is None
    assert ix.search("pelayanan").suggestion is None  # unknown form, known stem
    assert ix.search("xqzvwk").suggestion is None  # nothing close
    assert ix.search("").suggestion is None
    # a rebuild keeps the words in a vocabulary document; an upsert indexes them per document
    ix.upsert([record(7, "Lumbung pangan desa", "Cadangan beras warga.")])
    assert ix.search("lumbun pangan").suggestion == "lumbung pangan"
    assert ix.search("").total == len(CATALOGUE) + 1  # the vocabulary is no result


def test_highlight_marks_matches_and_escapes_html(new_index: Callable[[], AnyIndex]) -> None:
    index = new_index()
    script = "Warga <script>alert('x')</script> dapat vaksinasi gratis."
    index.rebuild(
        [
            record(1, "Vaksinasi gratis", script),
            record(2, "Antar obat", "", innovation="Kurir <b>mengantar</b> obat & vitamin."),
        ]
    )
    hit = index.search("vaksinasi").hits[0]
    assert "<mark>vaksinasi</mark>" in hit.highlight
    assert "&lt;script&gt;" in hit.highlight
    assert "<script>" not in hit.highlight
    # The summary is empty, so the snippet comes from the innovation section.
    hit = index.search("antar obat").hits[0]
    assert "<mark>obat</mark>" in hit.highlight
    assert "&lt;b&gt;" in hit.highlight and "&amp;" in hit.highlight
    assert "<b>" not in hit.highlight
    # A word only in another section, or only in the title, is still marked.
    index.upsert([record(3, "Dapur umum", "Makan gratis.", results="Seribu porsi sehari.")])
    assert "<mark>porsi</mark>" in index.search("porsi").hits[0].highlight
    assert index.search("dapur").hits[0].highlight == "<mark>Dapur</mark> umum"
    # No query: a plain escaped snippet.
    plain = {h.id: h.highlight for h in index.search("").hits}
    assert "<mark>" not in plain[1] and "&lt;script&gt;" in plain[1]
    index.close()


def test_similar_returns_other_documents(ix: AnyIndex) -> None:
    ix.upsert(
        [
            record(7, "Vaksinasi lansia keliling", "Tim vaksinasi mendatangi lansia di rumah."),
        ]
    )
    similar = ix.similar(3)
    assert similar and similar[0] == 7
    assert 3 not in similar
    assert len(ix.similar(3, limit=1)) == 1
    assert ix.similar(999) == []


# -- writing ------------------------------------------------------------------------------------


def test_upsert_replaces_without_duplicates(ix: AnyIndex) -> None:
    changed = record(1, "Layanan antar obat gratis", "Obat diantar kurir.", updated_at="2024-01-01")
    assert ix.upsert([changed, changed]) == 1
    assert ix.search("").total == len(CATALOGUE)
    assert ids(ix.search("gratis")) == [1]
    assert ix.search("isolasi").total == 0  # words of the old version are gone
    assert ix.stamps()[1] == "2024-01-01"
    assert ix.upsert([]) == 0


def test_remove_removes(ix: AnyIndex) -> None:
    assert ix.remove([1, 999]) == 1
    assert ix.search("obat").total == 0
    assert ix.search("").total == len(CATALOGUE) - 1
    assert 1 not in ix.stamps()
    assert ix.remove([1]) == 0
    assert ix.search("", {"province": ["32"]}).facets["province"] == {"32": 1}


def _odd_words(count: int, length: int, seed: int) -> list[str]:
    """Distinct made-up words of ``length`` letters (each its own term)."""
    rng = random.Random(seed)
    return [
        "".join(rng.choice("bcdfghjklmnpqrstvwxyz") for _ in range(length)) for _ in range(count)
    ]


def test_an_odd_summary_and_a_huge_body_are_indexed(ix: AnyIndex) -> None:
    summary = ",".join(_odd_words(150, 170, 1))  # 150 comma-joined "words", ~26,000 characters
    body = " ".join(_odd_words(9000, 10, 2))  # ~100,000 characters of distinct words
    odd = record(9, "Xilofon kata", summary, background=body)
    assert ix.upsert([odd]) == 1
    assert ids(ix.search(summary.split(",")[3])) == [9]
    assert ids(ix.search(body.split()[7])) == [9]
    assert ix.rebuild([*CATALOGUE, odd]) == len(CATALOGUE) + 1
    assert ids(ix.search(summary.split(",")[0])) == [9]
    assert ids(ix.search("xilofon")) == [9]


def test_stamps_map_ids_to_updated_at(ix: AnyIndex) -> None:
    assert ix.stamps() == {r["id"]: r["updated_at"] for r in CATALOGUE}


def test_changes_by_another_instance_are_seen(
    ix: AnyIndex, new_index: Callable[[], AnyIndex]
) -> None:
    assert ix.search("").total == 6
    other = new_index()
    other.upsert([record(8, "Dapur umum", "Makanan untuk warga isolasi.")])
    assert ids(ix.search("dapur")) == [8]
    other.rebuild(CATALOGUE[:2])
    assert ix.search("").total == 2
    other.rebuild(CATALOGUE[:3])
    other.rebuild(CATALOGUE[:4])  # twice before `ix` looks again
    assert ix.search("").total == 4
    other.close()


def test_rebuild_swaps_and_leaves_no_temp_dir(whoosh_ix: SearchIndex, tmp_path: Path) -> None:
    before = os.stat(tmp_path / "index").st_ino
    assert whoosh_ix.rebuild(CATALOGUE[:2] + [CATALOGUE[0]]) == 2  # a repeated id counts once
    assert os.stat(tmp_path / "index").st_ino != before
    assert whoosh_ix.search("").total == 2
    assert sorted(os.listdir(tmp_path)) == ["index"]


def test_parallel_rebuild(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    index.parallel_threshold = 3
    assert index.rebuild(CATALOGUE) == len(CATALOGUE)
    assert index.search("").total == len(CATALOGUE)
    assert ids(index.search("pelayanan")) == [1]
    assert index.search("vaksinsi").suggestion == "vaksinasi"
    assert sorted(os.listdir(tmp_path)) == ["index"]
    index.close()


def test_failed_rebuild_keeps_the_old_index(whoosh_ix: SearchIndex, tmp_path: Path) -> None:
    def failing() -> Any:
        # More than Whoosh's batch of 100 documents, so worker processes get work.
        for i in range(250):
            yield record(100 + i, f"Inovasi nomor {i}", "Layanan warga di kelurahan.")
        raise RuntimeError("database went away")

    for threshold in (2000, 2):  # one process, then worker processes
        whoosh_ix.parallel_threshold = threshold
        with pytest.raises(RuntimeError, match="went away"):
            whoosh_ix.rebuild(failing())
        assert not multiprocessing.active_children()  # no worker left behind
        assert whoosh_ix.search("").total == len(CATALOGUE)
        assert sorted(os.listdir(tmp_path)) == ["index"]


def test_create_makes_an_empty_index(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "deep" / "index")
    assert not index.exists()
    index.create()
    assert index.exists() and not index.needs_rebuild()
    result = index.search("")
    assert result.total == 0 and result.hits == []
    assert result.facets == {name: {} for name in FACETS}


def test_rebuild_refuses_to_replace_a_directory_that_is_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "notes.txt").write_text("keep me")
    with pytest.raises(SearchUnavailable, match="not a search index"):
        SearchIndex(tmp_path / "index").rebuild(CATALOGUE)
    assert (tmp_path / "index" / "notes.txt").read_text() == "keep me"


def test_locked_index_raises_search_unavailable(whoosh_ix: SearchIndex, tmp_path: Path) -> None:
    holder = whoosh_index.open_dir(str(tmp_path / "index"), schema=SCHEMA).writer()
    try:
        impatient = SearchIndex(tmp_path / "index", writer_timeout=0.1)
        with pytest.raises(SearchUnavailable, match="locked"):
            impatient.upsert([record(9, "Baru", "Inovasi baru.")])
        with pytest.raises(SearchUnavailable, match="locked"):
            impatient.remove([1])
        with pytest.raises(SearchUnavailable, match="locked"):
            impatient.rebuild(CATALOGUE)
        assert impatient.search("").total == len(CATALOGUE)  # reading still works
    finally:
        holder.cancel()
    assert impatient.upsert([record(9, "Baru", "Inovasi baru.")]) == 1


def test_missing_index_raises_search_unavailable(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "missing")
    assert not index.exists() and index.needs_rebuild()
    with pytest.raises(SearchUnavailable, match="registry index rebuild"):
        index.search("vaksin")
    with pytest.raises(SearchUnavailable):
        index.upsert([CATALOGUE[0]])
    with pytest.raises(SearchUnavailable):
        index.stamps()


def test_index_deleted_after_opening_raises(whoosh_ix: SearchIndex, tmp_path: Path) -> None:
    assert whoosh_ix.search("").total == 6
    import shutil

    shutil.rmtree(tmp_path / "index")
    with pytest.raises(SearchUnavailable):
        whoosh_ix.search("")


def test_index_from_another_version_needs_rebuild(whoosh_ix: SearchIndex, tmp_path: Path) -> None:
    (tmp_path / "index" / "registry-index.txt").write_text("schema 0\n")
    fresh = SearchIndex(tmp_path / "index")
    assert fresh.exists() and fresh.needs_rebuild()
    with pytest.raises(SearchUnavailable, match="another version"):
        fresh.search("")


def test_writes_are_seen_by_an_already_open_searcher(ix: AnyIndex) -> None:
    # Whoosh's searcher.refresh() reuses segment readers with stale deletion sets
    assert 1 in ix.stamps() and ix.search("obat").total >= 1  # the searcher is open now
    ix.upsert([record(1, "Dapur umum relawan", "Makanan untuk warga.", updated_at="2024-02-02")])
    assert ix.search("").total == len(CATALOGUE)
    assert ix.stamps()[1] == "2024-02-02"
    assert ix.remove([1]) == 1
    assert 1 not in ix.stamps()
    assert ix.search("").total == len(CATALOGUE) - 1


# -- phrases on stored text -----------------------------------------------------------------------


def test_phrases_are_checked_on_the_stored_text(ix: AnyIndex) -> None:
    # record 1's title: "Layanan antar obat untuk pasien isolasi mandiri"
    assert ids(ix.search('"antar obat"')) == [1]
    assert ids(ix.search('"obat antar"')) == []
    assert ids(ix.search('"obat pasien"')) == [1]  # across a stopword ("untuk")
    assert ids(ix.search('"pelayanan antar"')) == [1]  # stemmed like the index
    assert ids(ix.search('"antar pasien"')) == []
    assert ids(ix.search('"antar pasien"~2')) == [1]  # slop: one word between
    # title ends "mandiri", summary starts "Puskesmas": a phrase never spans sections
    assert ix.search("mandiri puskesmas").total == 1
    assert ids(ix.search('"mandiri puskesmas"')) == []
    assert ids(ix.search('"dinas sosial"')) == [4]  # the innovator's name is a section too
    assert ids(ix.search('"antar obat" -isolasi')) == []


# -- the fast paths against Whoosh's own ----------------------------------------------------------


def _index_items(field: Any, value: str, generic: bool) -> list[tuple[bytes, int, float, bytes]]:
    items = fields.FieldType.index(field, value) if generic else field.index(value)
    return sorted((t, n, round(w, 6), v) for t, n, w, v in items)


def test_field_indexing_equals_the_analyzer_chain() -> None:
    extra = record(
        9,
        "Ÿoga & COVID-19: relawan pelayanan di RT/RW 05",
        "The volunteers' vaccinations — di rumah, di rumah!",
        background="Pelayanan pelayanan layanan.",
    )
    for rec in [*CATALOGUE, extra]:
        doc = document_for(rec)
        for name in ("text", "spell"):
            fast = _index_items(SCHEMA[name], doc[name], generic=False)
            assert fast and fast == _index_items(SCHEMA[name], doc[name], generic=True)


def _dump(path: Path) -> dict[str, Any]:
    """Every term's postings and every stored document of an index, by document id.

    The spelling words as word -> documents with it: a rebuild keeps them in a
    vocabulary document per segment, weighted by that count.
    """
    ix = whoosh_index.open_dir(str(path), indexname="MAIN")
    vocabulary = building.VOCABULARY_ID
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids_by_docnum = {d: fields_["id"] for d, fields_ in reader.iter_docs()}
        postings: dict[tuple[str, bytes], list[tuple[str, float]]] = {}
        spelling: dict[bytes, float] = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            found = []
            while matcher.is_active():
                found.append((ids_by_docnum[matcher.id()], round(matcher.weight(), 6)))
                matcher.next()
            if fieldname == "spell":
                by_vocabulary = sum(w for i, w in found if i == vocabulary)
                spelling[text] = by_vocabulary + len([i for i, _ in found if i != vocabulary])
            elif text != vocabulary.encode():
                postings[(fieldname, text)] = sorted(found)
        stored = {f["id"]: f for _, f in reader.iter_docs() if f["id"] != vocabulary}
    return {"postings": postings, "spelling": spelling, "stored": stored}


def test_rebuild_writes_what_whoosh_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small posting blocks, so that terms span several blocks.
    monkeypatch.setattr(whoosh_private, "BLOCK_LIMIT", 2)
    ours = SearchIndex(tmp_path / "ours")
    ours.rebuild(CATALOGUE)
    (tmp_path / "plain").mkdir()
    plain = whoosh_index.create_in(str(tmp_path / "plain"), SCHEMA, indexname="MAIN")
    writer = plain.writer()  # Whoosh's own pool, codec and postings loop
    for rec in CATALOGUE:
        writer.add_document(**document_for(rec))
    writer.commit()
    assert _dump(tmp_path / "ours") == _dump(tmp_path / "plain")
    monkeypatch.setattr(whoosh_private, "LEAN_POSTINGS", False)
    ours.parallel_threshold = 3  # worker processes, one segment each
    ours.rebuild(CATALOGUE)
    assert _dump(tmp_path / "ours") == _dump(tmp_path / "plain")
    ours.close()


def test_block_reads_equal_stepping_through_postings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whoosh_private, "BLOCK_LIMIT", 2)
    index = SearchIndex(tmp_path / "index")
    index.rebuild(CATALOGUE)
    index.upsert([record(7, "Vaksinasi lansia keliling", "Tim vaksinasi di rumah.")])
    index.remove([2])  # a deletion: the postings still list it, callers mask it
    searcher, _ = index._state()
    reader = searcher.reader()
    terms = [text for fieldname, text in reader.all_terms() if fieldname == "text"]
    assert len(terms) > 50
    found = 0
    for term in terms:
        monkeypatch.setattr(whoosh_private, "BLOCK_READS", True)
        fast = whoosh_private.postings(reader, "text", term)
        monkeypatch.setattr(whoosh_private, "BLOCK_READS", False)
        stepped = whoosh_private.postings(reader, "text", term)
        assert fast[0].tolist() == stepped[0].tolist()
        assert fast[1].tolist() == pytest.approx(stepped[1].tolist())
        found += len(fast[0]) > 2  # several blocks
    assert found >= 3
    index.close()


def test_index_files_are_read_in_place(whoosh_ix: SearchIndex) -> None:
    # CompoundStorage opens the parts of a segment with our subset(), not a copy:
    # if a Whoosh upgrade changes that, searching still works but memory grows.
    searcher, _ = whoosh_ix._state()
    leaf = searcher.reader().leaf_readers()[0][0]
    parts = leaf._storage
    parts = getattr(parts, "a", parts)  # an OverlayStorage puts the compound file first
    assert type(parts).__name__ == "CompoundStorage"
    opened = parts.open_file(parts.list()[0])
    assert isinstance(opened, whoosh_private.MappedFile)
    assert isinstance(opened.subset(0, 4), whoosh_private.MappedFile)


def test_mapped_file_reads_like_a_file(tmp_path: Path) -> None:
    import pickle

    (tmp_path / "f").write_bytes(b"line one\nline two\n" + pickle.dumps({"a": [1, 2]}))
    mapped = whoosh_private.MappedStorage(tmp_path).open_file("f")
    assert mapped.readline() == b"line one\n"
    assert mapped.read(4) == b"line" and mapped.tell() == 13
    assert mapped.readline() == b" two\n"
    assert mapped.read_pickle() == {"a": [1, 2]}
    assert mapped.read() == b""
    mapped.seek(-3, os.SEEK_END)
    assert mapped.tell() == len((tmp_path / "f").read_bytes()) - 3
    assert mapped.get(5, 3) == b"one" and mapped.tell() == len((tmp_path / "f").read_bytes()) - 3
    assert mapped.subset(5, 8).read() == b"one\nline"
    (tmp_path / "empty").write_bytes(b"")  # cannot be mapped: a plain file instead
    with whoosh_private.MappedStorage(tmp_path).open_file("empty") as plain:
        assert plain.read() == b""


def test_warm_builds_the_view_before_the_first_search(whoosh_ix: SearchIndex) -> None:
    whoosh_ix.close()
    assert whoosh_ix._view is None
    whoosh_ix.warm()
    assert whoosh_ix._view is not None and whoosh_ix._view.count == len(CATALOGUE)
    assert ids(whoosh_ix.search("pelayanan")) == [1]


def test_a_failed_worker_keeps_the_old_index(
    whoosh_ix: SearchIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(rec: Any) -> Any:
        if rec["id"] == 4:
            raise ValueError("cannot index this one")
        return document_for(rec)

    monkeypatch.setattr(building, "document_for", broken)
    whoosh_ix.parallel_threshold = 2
    with pytest.raises(SearchUnavailable, match="worker"):
        whoosh_ix.rebuild(CATALOGUE[:3] + [record(10, "Baru", "Inovasi baru."), CATALOGUE[3]])
    assert not multiprocessing.active_children()
    assert whoosh_ix.search("").total == len(CATALOGUE)
    assert sorted(os.listdir(tmp_path)) == ["index"]
