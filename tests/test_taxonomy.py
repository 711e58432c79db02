"""The vocabularies and the regions table (the committed registry/data/regions.csv)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from registry import taxonomy
from registry.taxonomy import (
    CANDIDATE_STATUSES,
    FOCUSES,
    INNOVATION_STATUSES,
    INNOVATOR_TYPES,
    PLATFORMS,
    REJECT_REASONS,
    SECTORS,
    STAGES,
    RegionInfo,
    label,
    normalize_name,
    provinces,
    regencies,
    region_by_code,
    region_name_index,
    regions,
    resolve_region,
)

# ------------------------------------------------------------------ vocabularies


def test_vocabulary_slugs_are_the_designed_ones() -> None:
    assert list(FOCUSES) == ["ketangguhan-massal", "cepat-tanggap", "pengetahuan-publik"]
    assert list(SECTORS) == [
        "kesehatan",
        "bantuan-sosial",
        "ekonomi",
        "pendidikan",
        "pelayanan-publik",
        "pangan",
        "informasi",
        "karantina",
    ]
    assert list(INNOVATOR_TYPES) == [
        "kementerian-lembaga",
        "pemprov",
        "pemkab",
        "pemkot",
        "perguruan-tinggi",
        "swasta",
        "masyarakat-sipil",
        "perorangan",
    ]
    assert list(STAGES) == ["ide", "uji-coba", "implementasi", "replikasi"]
    assert list(PLATFORMS) == ["twitter", "mastodon", "bluesky", "rss", "file"]
    assert set(INNOVATION_STATUSES) == {
        "draft",
        "submitted",
        "in_review",
        "published",
        "revision_requested",
        "rejected",
        "withdrawn",
    }
    assert list(INNOVATION_STATUSES)[0] == "draft"
    assert list(CANDIDATE_STATUSES) == ["new", "approved", "rejected", "merged"]
    assert list(REJECT_REASONS) == ["not-innovation", "off-topic", "spam", "duplicate"]


@pytest.mark.parametrize(
    "vocab",
    [
        SECTORS,
        FOCUSES,
        INNOVATOR_TYPES,
        STAGES,
        PLATFORMS,
        INNOVATION_STATUSES,
        CANDIDATE_STATUSES,
        REJECT_REASONS,
    ],
)
def test_every_slug_has_both_labels(vocab: dict[str, tuple[str, str]]) -> None:
    for slug, (label_id, label_en) in vocab.items():
        assert re.fullmatch(r"[a-z]+(?:[-_][a-z]+)*", slug)
        assert label_id.strip() and label_en.strip()


def test_label() -> None:
    assert label(FOCUSES, "cepat-tanggap") == "Cepat Tanggap"
    assert label(FOCUSES, "cepat-tanggap", "en") == "Rapid response"
    assert label(SECTORS, "kesehatan", "en_US") == "Health"
    assert label(SECTORS, "kesehatan", "id") == "Kesehatan"
    assert label(SECTORS, "no-such-sector", "en") == "no-such-sector"
    assert taxonomy.choices(STAGES, "en")[0] == ("ide", "Idea")


# ------------------------------------------------------------------ the regions table


def test_counts() -> None:
    assert len(provinces()) == 38
    level2 = [r for r in regions() if r.level == 2]
    assert len(level2) == 514
    assert len(regions()) == 552
    assert sum(1 for r in level2 if r.kind == "kota") == 98
    assert sum(1 for r in level2 if r.kind == "kabupaten") == 416


def test_codes_are_unique_strings_and_parents_are_provinces() -> None:
    codes = [r.code for r in regions()]
    assert len(set(codes)) == len(codes)
    by_code = {r.code: r for r in regions()}
    for r in regions():
        assert isinstance(r.code, str)
        if r.level == 1:
            assert re.fullmatch(r"\d{2}", r.code)
            assert r.parent is None and r.kind == "provinsi"
        else:
            assert re.fullmatch(r"\d{2}\.\d{2}", r.code)
            assert r.parent == r.code[:2]
            assert by_code[r.parent].level == 1
            assert r.kind in ("kabupaten", "kota")
            assert r.name.startswith("Kabupaten " if r.kind == "kabupaten" else "Kota ")
            assert r.name_en
        assert r.name == r.name.strip() and "  " not in r.name


def test_regions_are_loaded_once() -> None:
    assert regions() is regions()


def test_csv_quotes_codes() -> None:
    text = (Path(taxonomy.__file__).parent / "data" / "regions.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].split(",")[0] == '"code"'
    assert '"32.10",2,"32",' in text  # quoted, so "32.10" never becomes 32.1
    assert len(list(csv.DictReader(lines))) == 552


def test_names() -> None:
    jabar = region_by_code("32")
    assert jabar is not None
    assert (jabar.name, jabar.name_en) == ("Jawa Barat", "West Java")
    assert jabar.label() == "Jawa Barat" and jabar.label("en") == "West Java"
    bandung = region_by_code("32.73")
    assert bandung is not None
    assert (bandung.name, bandung.name_en, bandung.kind) == ("Kota Bandung", "Bandung City", "kota")
    sleman = region_by_code("34.04")
    assert sleman is not None
    assert sleman.name_en == "Sleman Regency"
    for alias in ("Sleman", "Kab. Sleman", "Kab Sleman", "Pemkab Sleman"):
        assert alias in sleman.aliases
    # a bare name shared by a regency and a city is nobody's alias
    assert "Bandung" not in bandung.aliases
    assert "Pemkot Bandung" in bandung.aliases
    kab_bandung = region_by_code("32.04")
    assert kab_bandung is not None and "Bandung" not in kab_bandung.aliases
    assert "Kab. Bandung" in kab_bandung.aliases
    # the 2025 source has a trailing space here
    jakut = region_by_code("31.72")
    assert jakut is not None and jakut.name == "Kota Administrasi Jakarta Utara"


def test_regencies_of_a_province() -> None:
    diy = regencies("34")
    assert [r.code for r in diy] == ["34.01", "34.02", "34.03", "34.04", "34.71"]
    assert all(r.parent == "34" for r in diy)
    assert len(regencies("32")) == 27
    assert regencies("32.73") == ()
    assert regencies("99") == ()
    assert sum(len(regencies(p.code)) for p in provinces()) == 514


# ------------------------------------------------------------------ codes


def test_region_by_code() -> None:
    found = region_by_code("32.73")
    assert found is not None and found.name == "Kota Bandung"
    assert region_by_code(" 32.73\n") == found
    assert region_by_code("32") is not None
    assert region_by_code("32.7") is None
    assert region_by_code("99.99") is None
    assert region_by_code("") is None
    assert region_by_code(32.73) is None  # type: ignore[arg-type]
    assert region_by_code(32) is None  # type: ignore[arg-type]


def test_papua_split_2020_codes() -> None:
    merauke = region_by_code("91.01")  # Papua's code in 2020, Papua Selatan's since 2022
    assert merauke is not None
    assert (merauke.code, merauke.parent, merauke.name) == ("93.01", "93", "Kabupaten Merauke")
    assert merauke.codes_2020 == ("91.01",)
    mimika = resolve_region("91.09")
    assert mimika is not None and (mimika.code, mimika.parent) == ("94.04", "94")
    sorong_city = region_by_code("92.71")
    assert sorong_city is not None and sorong_city.code == "96.71"
    assert sorong_city.name == "Kota Sorong"
    sorong_regency = region_by_code("92.01")
    assert sorong_regency is not None and sorong_regency.code == "96.01"
    # unchanged regions keep their code
    jayapura = region_by_code("91.71")
    assert jayapura is not None and jayapura.codes_2020 == ("91.71",)
    # the new provinces had no 2020 code
    for code in ("93", "94", "95", "96"):
        province = region_by_code(code)
        assert province is not None and province.codes_2020 == ()


def test_every_2020_code_maps_somewhere() -> None:
    old = [c for r in regions() for c in r.codes_2020]
    assert len(old) == len(set(old)) == 34 + 514
    moved = [r for r in regions() if r.codes_2020 and r.codes_2020 != (r.code,)]
    assert len(moved) == 26
    assert all(r.parent in ("93", "94", "95", "96") for r in moved)


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    "value",
    [
        "32",
        "Jawa Barat",
        "jawa barat",
        "WEST JAVA",
        "West Java",
        "Jabar",
        "JAWA BARAT",
        "jawa-barat",
    ],
)
def test_resolve_west_java(value: str) -> None:
    found = resolve_region(value)
    assert found is not None and found.code == "32"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Kota Bandung", "32.73"),
        ("kota bandung", "32.73"),
        ("Bandung City", "32.73"),
        ("Pemkot Bandung", "32.73"),
        ("Kabupaten Bandung", "32.04"),
        ("Kab. Bandung", "32.04"),
        ("bandung regency", "32.04"),
        ("Kab. Sleman", "34.04"),
        ("Sleman", "34.04"),
        ("sleman regency", "34.04"),
        ("DKI Jakarta", "31"),
        ("Jakarta", "31"),
        ("DKI", "31"),
        ("Daerah Istimewa Yogyakarta", "34"),
        ("DI Yogyakarta", "34"),
        ("Yogyakarta", "34"),
        ("Jogja", "34"),
        ("DIY", "34"),
        ("Kalimantan Timur", "64"),
        ("East Kalimantan", "64"),
        ("Kaltim", "64"),
        ("Sulsel", "73"),
        ("NTT", "53"),
        ("ntb", "52"),
        ("Sumut", "12"),
        ("Kepri", "21"),
        ("Babel", "19"),
        ("Malut", "82"),
        ("Sultra", "74"),
        ("P A P U A", "91"),  # the 2020 spelling
        ("PAPUA", "91"),
        ("Papua Selatan", "93"),
        ("South Papua", "93"),
        ("Highland Papua", "95"),
        ("Provinsi Jawa Barat", "32"),
        ("Pemprov Jabar", "32"),
        ("West Java Province", "32"),
        ("Jakarta Selatan", "31.74"),
        ("South Jakarta", "31.74"),
        ("Jaksel", "31.74"),
        ("KOTA ADM. JAKARTA SELATAN", "31.74"),  # the 2020 spelling
        ("Kepulauan Seribu", "31.01"),
        ("Tangerang Selatan", "36.74"),
        ("South Tangerang", "36.74"),
        ("Tangsel", "36.74"),
        ("Solo", "33.72"),
        ("Toba Samosir", "12.12"),  # renamed Toba
        ("KOTA TANJUNG BALAI", "12.74"),  # 2020 spelling of Kota Tanjungbalai
        ("Pare-Pare", "73.72"),
        ("Toli Toli", "72.04"),
        ("tolitoli", "72.04"),
        ("KAB. PAHUWATO", "75.04"),  # 2020 spelling of Kabupaten Pohuwato
        ("Merauke", "93.01"),
        ("KAB. MERAUKE", "93.01"),
        ("  Kab.   Merauke  ", "93.01"),
    ],
)
def test_resolve(value: str, code: str) -> None:
    found = resolve_region(value)
    assert found is not None, value
    assert found.code == code


@pytest.mark.parametrize(
    "value",
    ["", "   ", "Atlantis", "Kota Atlantis", "99", "99.01", "32.99", "Kabupaten Jambi", "Jawa"],
)
def test_unknown_values_resolve_to_none(value: str) -> None:
    assert resolve_region(value) is None


def test_ambiguous_names_need_narrowing() -> None:
    assert resolve_region("Bandung") is None  # Kabupaten Bandung or Kota Bandung
    assert resolve_region("Bandung", province="32") is None
    found = resolve_region("Kota Bandung", level=2, province="Jawa Barat")
    assert found is not None and found.code == "32.73"
    # a province and a city share a name: the province wins, level 2 picks the city
    jambi = resolve_region("Jambi")
    assert jambi is not None and jambi.code == "15"
    jambi_city = resolve_region("Jambi", level=2)
    assert jambi_city is not None and jambi_city.code == "15.71"
    yogya_city = resolve_region("Yogyakarta", level=2)
    assert yogya_city is not None and yogya_city.code == "34.71"


def test_level_and_province_filters() -> None:
    assert resolve_region("Jawa Barat", level=2) is None
    assert resolve_region("Kota Bandung", level=1) is None
    assert resolve_region("32.73", level=1) is None
    assert resolve_region("Sleman", province="Jawa Tengah") is None
    assert resolve_region("34.04", province="Jabar") is None
    found = resolve_region("sleman", province="DIY")
    assert found is not None and found.code == "34.04"
    assert resolve_region("Sleman", province="Atlantis") is None
    # data written before 2022 names the old province
    merauke = resolve_region("Merauke", province="Papua")
    assert merauke is not None and merauke.code == "93.01"
    merauke = resolve_region("Merauke", province="Papua Selatan")
    assert merauke is not None and merauke.code == "93.01"
    assert resolve_region("Merauke", province="Papua Barat") is None


def test_names_and_aliases_are_unambiguous() -> None:
    seen: dict[str, str] = {}
    for r in regions():
        for text in (r.name, r.name_en, *r.aliases):
            key = normalize_name(text)
            assert seen.setdefault(key, r.code) == r.code, (text, seen[key], r.code)
            found = resolve_region(text)
            assert found is not None and found.code == r.code, text


def test_every_region_resolves_from_each_of_its_codes() -> None:
    for r in regions():
        assert resolve_region(r.code) == r
        for old in r.codes_2020:
            assert resolve_region(old) == r


def test_normalize_name() -> None:
    assert normalize_name("  Kab.  Toli-Toli ") == "kab toli toli"
    assert normalize_name("P A P U A") == "p a p u a"
    assert normalize_name("Jawa_Barat!") == "jawa barat"


def test_region_name_index() -> None:
    index = region_name_index()
    assert [r.code for r in index["jabar"]] == ["32"]
    assert [r.code for r in index["west java"]] == ["32"]
    assert {r.code for r in index["bandung"]} == {"32.04", "32.73"}
    assert [r.code for r in index["jambi"]] == ["15", "15.71"]  # the outright meaning first
    assert [r.code for r in index["kab sleman"]] == ["34.04"]
    assert all(key == normalize_name(key) for key in index)
    assert all(isinstance(r, RegionInfo) for found in index.values() for r in found)
    index["jabar"].clear()  # a copy: the next call is unharmed
    assert [r.code for r in region_name_index()["jabar"]] == ["32"]
