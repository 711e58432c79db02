"""Everyday abbreviations and English at query time (issue 15, item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.search import SearchIndex
from registry.search import synonyms as search_synonyms
from tests.search.test_search import record

CATALOGUE = [
    record(1, "Relawan tenaga kesehatan di puskesmas", "Bantuan bagi tenaga kesehatan."),
    record(2, "Bantuan sosial tunai untuk warga", "Penyaluran bantuan sosial lewat RT."),
    record(3, "Layanan kesehatan keliling", "Layanan kesehatan gratis bagi warga desa."),
    record(4, "Pasar daring UMKM", "Lapak daring bagi usaha kecil."),
    record(5, "Layanan antar obat", "Bersama dinas kesehatan kota."),
]


@pytest.fixture
def ix(tmp_path: Path):
    index = SearchIndex(tmp_path / "index")
    index.rebuild(CATALOGUE)
    yield index
    index.close()


def found(ix, q):
    return sorted(hit.id for hit in ix.search(q).hits)


def test_the_list_is_tagged_and_covers_the_everyday_words():
    terms = {e.term: e for e in search_synonyms.entries()}
    for word in ("nakes", "bansos", "isoman", "prokes", "umkm", "faskes"):
        assert terms[word].lang == "id" and terms[word].kind == "abbreviation"
    assert terms["health services"].lang == "en"
    assert {e.lang for e in search_synonyms.entries()} == {"id", "en"}


def test_expand_rewrites_listed_words_only():
    assert search_synonyms.expand("nakes bandung") == "(nakes OR (tenaga kesehatan)) bandung"
    assert search_synonyms.expand("Health Services") == (
        "((health services) OR (layanan kesehatan))"
    )
    assert search_synonyms.expand("dapur") == "dapur"
    assert search_synonyms.expand('"nakes" OR relawan') == '"nakes" OR relawan'  # syntax kept


def test_abbreviations_and_english_find_the_indonesian_words(ix):
    assert found(ix, "nakes") == [1]
    assert found(ix, "bansos") == [2]
    assert found(ix, "health services") == [3, 5]
    assert found(ix, "usaha mikro kecil dan menengah") == [4]  # the reverse: UMKM in the text
    assert found(ix, "tenaga kesehatan") == [1]
    # a listed phrase still matches its words anywhere, as before (not only side by side)
    assert found(ix, "layanan kesehatan") == [3, 5]
