"""Post normalization and language detection (registry.classify.normalize, which builds on the
shared text rules of registry.text)."""

from __future__ import annotations

import csv
import difflib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from importlib import resources
from pathlib import Path
from typing import TypeVar

import pytest

from registry.classify.normalize import (
    clean_post,
    detect_language,
    normalize_post,
    normalize_tokens,
    split_hashtag,
    squeeze_repeats,
)
from registry.text import stem_id

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TWEETS = SHARED / "data" / "tweets-id" / "vaccines_2021_norm_formal.csv"
T = TypeVar("T")


def finishes(work: Callable[[], T], within: float = 30.0) -> T:
    """work's result, waited for in a thread at most `within` seconds: a bound no load reaches,
    only a runaway (a regex backtracking over 100 KB takes minutes) that would otherwise hang."""
    done: Future[T] = Future()

    def run() -> None:
        try:
            done.set_result(work())
        except BaseException as exc:
            done.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return done.result(timeout=within)


# --------------------------------------------------------------------------- URLs, mentions


@pytest.mark.parametrize(
    "text",
    [
        "lihat https://t.co/2UPBhqHrWF sekarang",
        "lihat http://example.com/a?b=c sekarang",
        "lihat HTTPS://EXAMPLE.COM/X sekarang",
        "lihat www.kemkes.go.id/vaksin sekarang",
        "lihat bit.ly/3abcDEF sekarang",
        "lihat https://t… sekarang",
        "lihat https://t sekarang",
    ],
)
def test_urls_are_removed_without_a_trace(text: str) -> None:
    assert normalize_post(text) == "lihat sekarang"


def test_bare_domain_without_path_is_kept_as_words() -> None:
    assert normalize_post("cek di covid19.go.id") == "cek di covid 19 go id"


def test_mentions_and_emails_are_removed() -> None:
    text = "halo @budi_s dan @ani, kirim ke info@kemkes.go.id"
    assert normalize_post(text) == "halo dan kirim ke"


def test_retweet_prefix_is_stripped_entirely() -> None:
    assert normalize_post("RT @antaranews: Pemkot buka posko") == "pemkot buka posko"
    assert normalize_post("RT @a: RT @b: posko dibuka") == "posko dibuka"


def test_rt_as_neighbourhood_unit_is_kept() -> None:
    # RT/RW (rukun tetangga / rukun warga) are meaningful words here
    text = "RT 05 RW 03 bikin lumbung pangan"
    assert normalize_post(text) == "rt 05 rw 03 membuat lumbung pangan"


def test_html_entities_are_unescaped() -> None:
    assert clean_post("Tom &amp; Jerry &lt;3") == "Tom & Jerry <3"
    assert normalize_post("sabun &amp; masker") == "sabun masker"


def test_emoji_and_symbols_are_removed() -> None:
    assert normalize_post("keren 👏👏 banget!!! 🇮🇩 ★ → ©") == "keren banget"


def test_case_and_accents_are_folded() -> None:
    assert normalize_post("CAFÉ Naïve Jakarta") == "cafe naive jakarta"


# --------------------------------------------------------------------------- hashtags


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        ("LawanCovid19", "Lawan Covid 19"),
        ("DiRumahAja", "Di Rumah Aja"),
        ("PSBBJakarta", "PSBB Jakarta"),
        ("dirumahaja", "di rumah aja"),
        ("jagajarak", "jaga jarak"),
        ("stayathome", "stay at home"),
        ("indonesiaterserah", "indonesia terserah"),
        ("bersatulawancorona", "bersatu lawan corona"),
        ("di_rumah_aja", "di rumah aja"),
        ("COVID19", "covid 19"),
        ("psbb", "psbb"),
        ("xqzvbnm", "xqzvbnm"),  # no split into known words: kept whole
    ],
)
def test_split_hashtag(tag: str, words: str) -> None:
    assert split_hashtag(tag) == words


def test_hashtags_in_posts_become_words() -> None:
    assert normalize_post("#LawanCovid19 bersama") == "lawan covid 19 bersama"
    # "aja" is slang for "saja", mapped after the split
    assert normalize_post("#DiRumahAja") == "di rumah saja"
    assert normalize_post("#dirumahaja") == "di rumah saja"


def test_hashtag_in_another_script_is_kept() -> None:
    assert normalize_post("#حياة") == "حياة"


# --------------------------------------------------------------------------- squeezing


@pytest.mark.parametrize(
    ("word", "squeezed"),
    [
        ("bangettt", "banget"),
        ("bangett", "banget"),
        ("maaaaf", "maaf"),
        ("goood", "good"),
        ("yaaa", "ya"),
        ("lagii", "lagi"),
        ("kerennnya", "kerennya"),
        ("semangattt", "semangat"),
    ],
)
def test_stretched_letters_are_squeezed(word: str, squeezed: str) -> None:
    assert squeeze_repeats(word) == squeezed


@pytest.mark.parametrize(
    "word", ["saat", "maaf", "taat", "sunnah", "coffee", "hall", "boss", "staff", "see", "too"]
)
def test_legitimate_doubles_are_kept(word: str) -> None:
    assert squeeze_repeats(word) == word
    assert normalize_post(word) == word


def test_squeezing_is_stable() -> None:
    for word in ["bangettt", "maaaaf", "hmmmm", "wooww", "zzzzz", "anjirrrr"]:
        once = squeeze_repeats(word)
        assert squeeze_repeats(once) == once


def test_laughter_and_reduplication() -> None:
    assert normalize_post("wkwkwk hahahaha hehehe") == "haha haha haha"
    assert normalize_post("anak2 hati2") == "anak anak hati hati"
    # a slang key with a digit wins over the reduplication rule
    assert normalize_post("ap2") == "apa apa"


# --------------------------------------------------------------------------- slang and terms


def test_indonesian_slang_becomes_formal() -> None:
    assert normalize_post("yg gak udh dtg, bgttt") == "yang tidak sudah datang banget"
    assert normalize_post("gak papa kok") == "tidak apa apa kok"
    assert normalize_post("makasih bnyk") == "terima kasih banyak"


def test_english_words_are_not_turned_into_indonesian() -> None:
    text = "I am still happy with this setting, afaik btw the item is low. Sorry, next time!"
    expected = "i am still happy with this setting afaik btw the item is low sorry next time"
    assert normalize_post(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("psbb ppkm otg odp pdp", "psbb ppkm otg odp pdp"),
        ("prokes nakes bansos wfh isoman", "prokes nakes bansos wfh isoman"),
        ("protokol kesehatan", "prokes"),
        ("tenaga kesehatan", "nakes"),
        ("isolasi mandiri", "isoman"),
        ("pembatasan sosial berskala besar", "psbb"),
        ("bantuan sosial tunai", "bst"),
        ("rumah sakit umum daerah", "rsud"),
        ("rumah skt", "rs"),  # slang first, then the term
        ("work from home", "wfh"),
        ("newnormal", "new normal"),
        ("rapidtest", "rapid test"),
        ("rapidtest swab test", "rapid test swab"),
        ("lock down", "lockdown"),
        ("vaksinisasi", "vaksinasi"),
        ("kk dan ktp", "kk dan ktp"),  # kartu keluarga, not the slang kk = kakak
        ("pulkam", "pulang kampung"),
        ("lansia dapat sembako", "lansia dapat sembako"),
    ],
)
def test_covid_terms(text: str, expected: str) -> None:
    assert normalize_post(text) == expected


def test_slang_table_is_filtered_and_credited() -> None:
    text = (resources.files("registry") / "data" / "slang_id.tsv").read_text(encoding="utf-8")
    assert "Louis Owen" in text and "MIT" in text
    keys = {line.split("\t")[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert {"yg", "gak", "bgt", "udh"} <= keys
    assert not keys & {"happy", "still", "setting", "afaik", "btw", "item", "low", "sorry", "kk"}


def test_tokens_match_the_string() -> None:
    text = "RT @x: Warga #DiRumahAja, yg sakit ke puskesmas https://t.co/x 😷"
    assert " ".join(normalize_tokens(text)) == normalize_post(text)


# --------------------------------------------------------------------------- robustness

POSTS = [
    "RT @budi: Pemkot Bandung luncurkan aplikasi #LawanCovid19 https://t.co/abc @pemkot",
    "bangettt keren!! yg gak maaaf saat taat 😂😂 protokol kesehatan rumah skt anak2 wkwkwk",
    "gak papa kok, nakes di puskesmas udh divaksin. rapidtest, swab test, lock down",
    "Tabanan regency now has a live dashboard showing COVID cases per desa adat",
    "#indonesiaterserah #bersatulawancorona #stayathome #PSBBJakarta",
    "مرحبا 你好 Jakarta café",
]


@pytest.mark.parametrize("text", POSTS)
def test_idempotent(text: str) -> None:
    once = normalize_post(text)
    assert once
    assert normalize_post(once) == once


@pytest.mark.parametrize(
    "text", ["", "   ", "😂😂😂🙏", "!!! ??? ...", "https://t.co/abc", "@budi"]
)
def test_nothing_left(text: str) -> None:
    assert normalize_post(text) == ""
    assert normalize_tokens(text) == []
    assert detect_language(text) == "und"


def test_mixed_scripts_keep_their_words() -> None:
    assert normalize_post("Vaksin مرحبا 你好 ГОРОД") == "vaksin مرحبا 你好 город"


def test_invalid_surrogates_are_dropped() -> None:
    out = normalize_post("vaksin \ud800 gratis \udfff")
    assert out == "vaksin gratis"
    out.encode("utf-8")  # no lone surrogate left
    assert "\ud800" not in clean_post("a\ud800b")


def test_100_kb_of_text_is_fast() -> None:
    words = ["warga", "yg", "gak", "pake", "masker", "#DiRumahAja", "bangettt"]
    words += ["https://t.co/x", "@budi", "😷"]
    text = " ".join(words[i % len(words)] for i in range(15_000))
    assert len(text) >= 100_000
    out = finishes(lambda: normalize_post(text))
    assert out.startswith("warga yang tidak pakai masker di rumah saja banget warga")
    # one 100 KB "word" too, and 100 KB of one Indonesian word
    assert finishes(lambda: normalize_post("a" * 100_000)) == "a"
    assert finishes(lambda: detect_language("kata " * 20_000)) == "id"


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    "text",
    [
        "Pemkot Bandung bagikan masker gratis buat warga yang kurang mampu",
        "yg gak pake masker tolong jangan keluar rumah dulu ya",
        "Relawan di desa kami membuat dapur umum untuk warga isoman",
    ],
)
def test_indonesian(text: str) -> None:
    assert detect_language(text) == "id"


@pytest.mark.parametrize(
    "text",
    [
        "The city government launched a free food delivery service for residents in isolation",
        "Please stay at home and wear a mask when you go out",
        "Volunteers are distributing masks and hand sanitizer to street vendors",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", ["ok", "PSBB!", "haha 😂", "12 34 56 78", "你好 世界 朋友 们"])
def test_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


# --------------------------------------------------------------------------- real tweets


def _agreement(pairs: list[tuple[list[str], list[str]]]) -> float:
    matched = total = 0
    for ours, ref in pairs:
        blocks = difflib.SequenceMatcher(a=ours, b=ref, autojunk=False).get_matching_blocks()
        matched += sum(b.size for b in blocks)
        total += len(ref)
    return matched / total


def test_closer_to_formal_text_on_real_tweets() -> None:
    if not TWEETS.exists():
        pytest.skip(f"{TWEETS} is absent (../shared is only beside a developer's checkout or CI)")
    with TWEETS.open(encoding="utf-8", newline="") as f:
        rows = [(r["norm"] or "", r["formal"] or "") for r in csv.DictReader(f)][:800]

    def stemmed(words: list[str]) -> list[str]:
        return [stem_id(w) for w in words]

    before = _agreement([(stemmed(n.split()), f.split()) for n, f in rows])
    after = _agreement([(stemmed(normalize_post(n).split()), f.split()) for n, f in rows])
    assert after > before + 0.03
    assert after >= 0.88


def test_words_with_digits_skip_sastrawi_and_stem_as_it_would() -> None:
    from registry.text.stemmers import _sastrawi_stemmer, stem_id

    sastrawi = _sastrawi_stemmer()
    affixed = [
        f"{p}{core}{s}"
        for p in ("", "di", "me", "ber", "pe", "ke")
        for core in ("covid19", "3dde", "g20", "h1n1", "p3k", "5ccd", "a1b2c3")
        for s in ("", "kan", "an", "nya", "i")
    ]
    for word in affixed:
        assert stem_id(word) == (str(sastrawi.stem(word)) or word), word
