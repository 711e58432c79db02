"""Region by gazetteer (registry.classify.gazetteer)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from registry.classify.gazetteer import RegionMatch, find_region, find_regions


def _codes(match: RegionMatch | None) -> tuple[str | None, str | None] | None:
    if match is None:
        return None
    province = match.province.code if match.province else None
    regency = match.regency.code if match.regency else None
    return province, regency


# --------------------------------------------------------------------------- forms people write


@pytest.mark.parametrize(
    ("text", "province", "regency", "matched"),
    [
        ("Pemkot Bandung bagikan masker gratis", "32", "32.73", "Pemkot Bandung"),
        ("Pemerintah Kota Bandung buka posko", "32", "32.73", "Pemerintah Kota Bandung"),
        ("Kab. Sleman buka dapur umum", "34", "34.04", "Kab. Sleman"),
        ("relawan kab sleman bikin posko", "34", "34.04", "kab sleman"),
        ("Kabupaten Bandung tambah 5 kasus", "32", "32.04", "Kabupaten Bandung"),
        ("Bandung regency opens a hotline", "32", "32.04", "Bandung regency"),
        ("Kota Mataram luncurkan aplikasi", "52", "52.71", "Kota Mataram"),
        ("the city of Surabaya delivers food", "35", "35.78", "city of Surabaya"),
        ("Jabar siaga satu", "32", None, "Jabar"),
        ("West Java extends restrictions", "32", None, "West Java"),
        ("DKI perpanjang PSBB", "31", None, "DKI"),
        ("Pemprov DKI Jakarta buka posko", "31", None, "Pemprov DKI Jakarta"),
        ("warga Jogja gotong royong", "34", None, "Jogja"),
        ("Bdg macet lagi", "32", None, "Bdg"),
        ("Jakarta Selatan zona merah", "31", "31.74", "Jakarta Selatan"),
        ("Jakarta's positivity rate climbs", "31", None, "Jakarta"),
        ("Palangka Raya buka vaksin malam", "62", "62.71", "Palangka Raya"),
        ("Pedagang pasar di Solo mengeluh", "33", "33.72", "Solo"),
        ("#PSBBJakarta hari ketiga", "31", None, "Jakarta"),
    ],
)
def test_forms(text: str, province: str, regency: str | None, matched: str) -> None:
    match = find_region(text)
    assert match is not None
    assert _codes(match) == (province, regency)
    assert match.source == "text"
    assert match.matched == matched


def test_bare_name_of_a_regency_and_a_city_still_gives_the_province() -> None:
    match = find_region("KUA Kecamatan Coblong Bandung layani nikah online")
    assert _codes(match) == ("32", None)
    # a name that is also the province's: the province, no regency
    assert _codes(find_region("Jambi tambah 3 kasus")) == ("15", None)
    assert _codes(find_region("Kota Jambi tambah 3 kasus")) == ("15", "15.71")


def test_longest_name_wins() -> None:
    assert _codes(find_region("Bandung Barat buka posko")) == ("32", "32.17")
    assert _codes(find_region("Provinsi Jawa Barat")) == ("32", None)


# --------------------------------------------------------------------------- ordinary words


@pytest.mark.parametrize(
    "text",
    [
        "batu akik mahal sekarang",
        "harga batu bata naik",
        "Batu Akik Kembali Diminati Warga Saat Pandemi",  # title case: capitals say nothing
        "tulang bone patah",
        "kota baru di luar negeri",
        "tepung pati singkong",
        "ada lima puluh kota yang PSBB",
        "serang balik buzzer",
        "konser solo online",
        "nasib malang pedagang kecil",
        "tanah datar cocok buat lapangan",
        "dari Sabang sampai Merauke kita lawan covid",
        "makan nasi padang dulu",
        "Polda Metro Jaya tutup jalan",
        "PPKM darurat Jawa-Bali diperpanjang",
        "rapat di balai banjar",
        "Banjar siaga",  # a regency in Kalsel and a city in Jabar: which one?
    ],
)
def test_ordinary_words_and_idioms_are_not_places(text: str) -> None:
    assert find_region(text) is None


@pytest.mark.parametrize(
    ("text", "province", "regency"),
    [
        ("Pemkot Batu bagikan sembako", "35", "35.79"),
        ("Kota Batu zona merah", "35", "35.79"),
        ("Bone tambah 3 kasus baru", "73", "73.08"),
        ("Polres Pati bagikan masker", "33", "33.18"),
        ("Kabupaten Lima Puluh Kota", "13", "13.07"),
        ("mudik ke malang batal", "35", None),
        ("Kota Banjar buka posko", "32", "32.79"),
        ("Banjar dan Kalsel siaga", "63", "63.03"),
    ],
)
def test_ordinary_word_names_with_a_qualifier_cue_or_capital(
    text: str, province: str, regency: str | None
) -> None:
    assert _codes(find_region(text)) == (province, regency)


# --------------------------------------------------------------------------- several places


def test_most_specific_place_wins_then_first() -> None:
    assert _codes(find_region("Warga Jakarta belajar dari Kota Malang")) == ("35", "35.73")
    assert _codes(find_region("Jawa Timur dan Jakarta sama-sama PPKM")) == ("35", None)
    found = find_regions("Jawa Timur dan Kota Malang")
    assert [_codes(m) for m in found] == [("35", "35.73"), ("35", None)]


# --------------------------------------------------------------------------- profile


def test_profile_location_is_used_only_when_the_text_names_no_place() -> None:
    match = find_region("posko covid di RW kami kosong", "Sleman, DIY")
    assert match is not None
    assert match.source == "profile"
    assert _codes(match) == ("34", "34.04")
    match = find_region("Kota Mataram buka posko", "Jakarta Capital Region")
    assert match is not None and match.source == "text"
    assert _codes(match) == ("52", "52.71")


@pytest.mark.parametrize(
    "location", [None, "", "di hatimu", "Bumi", "🏠", "Melbourne", "#DiRumahAja"]
)
def test_profile_that_names_no_place(location: str | None) -> None:
    assert find_region("stay home stay safe semuanya", location) is None


def test_profile_matches_are_independent_copies() -> None:
    first = find_region("halo", "Surabaya")
    assert first is not None
    first.matched = "changed"
    second = find_region("halo", "Surabaya")
    assert second is not None and second.matched == "Surabaya"


# --------------------------------------------------------------------------- no place


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😂😂😂",
        "https://t.co/abc",
        "vaksin gratis untuk lansia, daftar lewat aplikasi",
        "The pandemic exposed how fragile informal workers' livelihoods are.",
        "tolong jgn mudik dulu tahun ini, sayangi orang tua di kampung",
    ],
)
def test_no_match_on_plain_text(text: str) -> None:
    assert find_region(text) is None
    assert find_regions(text) == []


def test_bad_input_does_not_raise() -> None:
    assert find_region("Kota \ud800 Bandung") is not None
    assert find_region("x" * 100_000) is None
    assert find_region("مرحبا 你好 Jakarta") is not None


# --------------------------------------------------------------------------- the seed posts


def test_seed_posts_accuracy() -> None:
    seed = resources.files("registry") / "data" / "seed"
    named = right = unnamed = false_pos = 0
    for name in ("posts_a.jsonl", "posts_b.jsonl"):
        path = seed / name
        if not path.is_file():
            pytest.skip(f"seed file {name} is absent")
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            match = find_region(rec["text"])
            if rec.get("province"):
                named += 1
                right += bool(match and match.province and match.province.code == rec["province"])
            else:
                unnamed += 1
                false_pos += match is not None
    assert named > 300 and unnamed > 100
    assert right / named >= 0.9
    assert false_pos / unnamed <= 0.03
