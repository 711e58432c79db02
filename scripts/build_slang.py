"""Build ``slang_id.tsv`` (beside this file) from the louisowen6 Indonesian slang dictionary.

Usage::

    python scripts/build_slang.py [build] [../shared/data/lexicons/combined_slang_words.txt]
    TWEETS=../shared/data/tweets-id/vaccines_2021_norm_formal.csv
    python scripts/build_slang.py measure $TWEETS
    python scripts/build_slang.py bench $TWEETS
    python scripts/build_slang.py lang registry/data/seed/posts_*.jsonl

``measure`` compares ``normalize_post`` (plus Sastrawi stemming) of the ``norm`` column with
the ``formal`` column token by token; ``bench`` times ``normalize_post``; ``lang`` scores
``detect_language`` against a ``lang`` field. The tweets file has no stated licence: read it
from ../shared for internal testing only, never copy it into the project.

The source is one JSON object on one line (slang -> formal), MIT licensed, (c) 2020 Louis Owen,
from github.com/louisowen6/NLP_bahasa_resources. It is filtered here, by hand-reviewed tables,
before the project uses it:

* keys that are ordinary English words (``happy``, ``still``, ``setting``, ``item``, ``low``) or
  English abbreviations (``afaik``, ``btw``, ``asap``) are dropped, so that English and mixed
  posts are not turned into Indonesian;
* keys that are standard Indonesian words the list maps to something else (``malah``, ``buaya``,
  ``aspal``, ``teh``) are dropped;
* official acronyms that are better kept as one token for classification (``lansia``,
  ``sembako``, ``pemda``, ``pemkot``, ``satpam``) are dropped, so they stay as written;
* keys that are not plain words (``@``, ``w/``, ``bu_bu``) are dropped;
* laughter (``haha``, ``wkwk``) is left to ``normalize_post``'s own rule;
* a few wrong values are corrected, and chains (``ahaha`` -> ``haha``) are resolved.

Then the project's own entries (``EXTRA``, common slang missing from the source: ``gak``,
``udh``, ``gitu``, ...) are added. COVID-era terms live in ``covid_terms.tsv``, written by hand;
this script checks that the two files agree (no term is also a slang key).

This is a development tool: its output is committed and read at runtime by
``registry.classify.normalize``.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "registry" / "data"
OUTPUT = DATA / "slang_id.tsv"
COVID_TERMS = DATA / "covid_terms.tsv"
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "lexicons" / "combined_slang_words.txt"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Ordinary English words used as keys: mapping them would damage English and mixed posts.
ENGLISH_WORDS = _words(
    """ad aha ape apes bales bet bro cabal can cape caper cow cups d duh ed envy ex fax gag guys
    ha hallow happy hardcore hey hi hoax huff hum info item km lamp less light lol low mam
    most next paranoid pi pro problem re red ref reg rights setting solve sorry spa spy still
    tar thanks trending trims u yap yo yup"""
)
# English abbreviations (expanded to English, or translated): keep them as written.
ENGLISH_ABBREVIATIONS = _words(
    """acc afaik aka asap b4 bcoz brb btw cmiiw coz fifo fyi gws idk imho milis mw np oot otw
    thankz thx tq wtf"""
)
# Official acronyms and established short words: one token is a better feature than the
# expansion (and it is what people search for).
KEEP_AS_TERM = _words(
    """bandes bangdes banpol banpres banpur bansarkas bazis bimbuluh bintal bumil curanmor
    golput hankam hansip hubad hubdar hubla humas jubir kabag kadit kadiv kamtib kamtibmas
    kanwil kapt kasat kasubbag kasubbid kedubes kejurnas kesbang kesra kloter kodya komdis
    konjen lansia lanud lapas latgab linmas litbang mabes migas mikol miras mubes muker munas
    munaslub musda napi napol napza narkoba nekolim nekolin otda pansus parpol pelatnas pemda
    pemkot pemred penjas perda pilkada polantas ponpes rakor ranmor raskin rehab renstra
    reskrim restik ruko rusunawa satpam sembako sendratari sinetron sosbud sosek sospol subbag
    tabanas telkom tilang togel toserba wadir wamil warkop warteg"""
)
# Standard Indonesian words (or ambiguous abbreviations) the source maps to another meaning.
REAL_WORDS = _words(
    """aspal awak buaya cabut cumi ikon kompi mahatma malah mt ok pala penertiban pk pp seting
    teh tengok tirani tren usah waspadalah ya"""
)
# Laughter: normalize_post maps every laughing token to "haha" by a pattern.
LAUGHTER = frozenset(["ahaha", "haghaghag", "haha", "hakhak", "hehe", "wkwkkw", "xixixi", "ckck"])

# Corrections of values in the source.
OVERRIDES: dict[str, str] = {
    "dah": "sudah",  # "udah"/"dah" means sudah, not deh
    "gaada": "tidak ada",  # not "tidak ada uang"
    "kepengen": "ingin",
    "kepingin": "ingin",
    "tipi": "tv",
    "tipiwan": "tvone",
    "enggak": "tidak",
}

# The project's own entries: frequent social-media forms missing from the source (found by
# reading real Indonesian COVID-19 posts), written by the team.
EXTRA: dict[str, str] = {
    "ga": "tidak",
    "gak": "tidak",
    "gk": "tidak",
    "engga": "tidak",
    "nggk": "tidak",
    "kagak": "tidak",
    "gamau": "tidak mau",
    "gabisa": "tidak bisa",
    "gatau": "tidak tahu",
    "gada": "tidak ada",
    "gaboleh": "tidak boleh",
    "gausah": "tidak usah",
    "gapapa": "tidak apa apa",
    "udh": "sudah",
    "sdh": "sudah",
    "uda": "sudah",
    "dg": "dengan",
    "gitu": "begitu",
    "gini": "begini",
    "emang": "memang",
    "emg": "memang",
    "mmg": "memang",
    "trus": "terus",
    "sm": "sama",
    "tetep": "tetap",
    "ttp": "tetap",
    "org": "orang",
    "dlm": "dalam",
    "skrg": "sekarang",
    "skrng": "sekarang",
    "pdhl": "padahal",
    "lbh": "lebih",
    "bbrp": "beberapa",
    "tsb": "tersebut",
    "sbg": "sebagai",
    "sblm": "sebelum",
    "dn": "dan",
    "pgn": "ingin",
    "pengen": "ingin",
    "pingin": "ingin",
    "nunggu": "menunggu",
    "ampe": "sampai",
    "smpe": "sampai",
    "nyampe": "sampai",
    "beneran": "benar",
    "bnr": "benar",
    "deket": "dekat",
    "dateng": "datang",
    "denger": "dengar",
    "males": "malas",
    "masi": "masih",
    "mksh": "terima kasih",
    "makasi": "terima kasih",
    "mksi": "terima kasih",
    "terimakasih": "terima kasih",
    "kmu": "kamu",
    "hrg": "harga",
    "krna": "karena",
    "knapa": "kenapa",
    "gmn": "bagaimana",
    "gmna": "bagaimana",
    "blom": "belum",
    "ajah": "saja",
    "doang": "saja",
    "bngt": "banget",
    "cuman": "cuma",
    "cm": "cuma",
    "bikin": "membuat",
    "dibikin": "dibuat",
    "ngebantu": "membantu",
    "bantuin": "bantu",
    "nyoba": "mencoba",
    "cobain": "coba",
    "nyuruh": "menyuruh",
    "klu": "kalau",
    "sebenernya": "sebenarnya",
    "sbnrnya": "sebenarnya",
    "tuh": "itu",
    "sodara": "saudara",
    "mrk": "mereka",
    "dy": "dia",
    "untk": "untuk",
    "yuk": "ayo",
    "yok": "ayo",
    "kuy": "ayo",
    "dl": "dulu",
    "sdg": "sedang",
    "krg": "kurang",
    "mgg": "minggu",
    "skolah": "sekolah",
    "mimin": "admin",
    "watsap": "whatsapp",
    "whatsap": "whatsapp",
    "ig": "instagram",
    "fb": "facebook",
    "yt": "youtube",
    "indo": "indonesia",
}

_KEY_RE = re.compile(r"[a-z0-9]+(?:[ -][a-z0-9]+)*")
_TOKEN_RE = re.compile(r"[^\W_]+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _tokens(text: str) -> str:
    return " ".join(_TOKEN_RE.findall(_fold(text)))


def read_covid_terms(path: Path = COVID_TERMS) -> set[str]:
    """Every phrase ``covid_terms.tsv`` maps (terms, expansions, variants), folded."""
    phrases: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        for col in (cols[0], *cols[2:4]):
            for part in col.split("|"):
                if part.strip():
                    phrases.add(_tokens(part))
    return phrases


def build(
    source: dict[str, str], covid: set[str]
) -> tuple[dict[str, tuple[str, str]], dict[str, list[str]]]:
    """slang -> (formal, origin), and the count of dropped entries by reason."""
    dropped: dict[str, list[str]] = {}

    def drop(reason: str, key: str) -> None:
        dropped.setdefault(reason, []).append(key)

    out: dict[str, tuple[str, str]] = {}
    for raw_key, raw_value in source.items():
        key = raw_key.strip().casefold()
        if not _KEY_RE.fullmatch(key):
            drop("not a plain word", raw_key)
            continue
        if key in ENGLISH_WORDS:
            drop("English word", key)
        elif key in ENGLISH_ABBREVIATIONS:
            drop("English abbreviation", key)
        elif key in KEEP_AS_TERM:
            drop("acronym kept as a term", key)
        elif key in REAL_WORDS:
            drop("standard word, other meaning", key)
        elif key in LAUGHTER:
            drop("laughter (a rule handles it)", key)
        else:
            value = _tokens(OVERRIDES.get(key, raw_value))
            norm_key = _tokens(key)
            if value and value != norm_key:
                out[norm_key] = (value, "lexicon")
            else:
                drop("identity", key)
    for key, value in EXTRA.items():
        norm_key = _tokens(key)
        if norm_key in out and out[norm_key][0] != _tokens(value):
            raise SystemExit(f"EXTRA {key!r} contradicts the lexicon ({out[norm_key][0]!r})")
        out[norm_key] = (_tokens(value), "project")
    for key in sorted(covid & set(out)):
        drop("a COVID term (covid_terms.tsv wins)", key)
        del out[key]
    # resolve chains: a value word that is itself a one-word key is replaced by its value
    for _ in range(3):
        changed = False
        for key, (value, origin) in out.items():
            words = value.split()
            new = " ".join(out[w][0] if w in out and w != key else w for w in words)
            if new != value:
                out[key] = (new, origin)
                changed = True
        if not changed:
            break
    for key, (value, _) in out.items():
        for word in value.split():
            if word in out:
                raise SystemExit(f"chain left unresolved: {key} -> {value}")
    return dict(sorted(out.items())), dropped


HEADER = """\
# Indonesian slang -> formal words, read by registry.classify.normalize.normalize_post.
# Generated by scripts/build_slang.py: edit that script, not this file.
#
# Source: "combined_slang_words.txt" from github.com/louisowen6/NLP_bahasa_resources,
# MIT License, Copyright (c) 2020 Louis Owen. Filtered (English words and abbreviations,
# standard words with another meaning and official acronyms dropped; some values corrected)
# and extended with the project's own entries (origin "project").
#
# Columns (tab-separated): slang, formal, origin. Words are lower-case and space-separated;
# a multi-word slang key matches that sequence of tokens.
"""


def _token_agreement(pairs: list[tuple[list[str], list[str]]]) -> tuple[float, float]:
    """(share of reference tokens matched in order, difflib similarity) over all pairs: the
    token lists are aligned with difflib and the matched blocks counted."""
    import difflib

    matched = ref_total = both_total = 0
    for ours, ref in pairs:
        blocks = difflib.SequenceMatcher(a=ours, b=ref, autojunk=False).get_matching_blocks()
        m = sum(block.size for block in blocks)
        matched += m
        ref_total += len(ref)
        both_total += len(ours) + len(ref)
    return matched / max(ref_total, 1), 2 * matched / max(both_total, 1)


def measure(path: Path) -> int:
    import csv

    sys.path.insert(0, str(ROOT))
    from registry.classify.normalize import normalize_post
    from registry.text import stem_id

    with path.open(encoding="utf-8", newline="") as f:
        rows = [(r["norm"] or "", r["formal"] or "") for r in csv.DictReader(f)]

    def stemmed(words: list[str]) -> list[str]:
        return [stem_id(w) for w in words]

    variants = {
        "norm as is": lambda t: t.split(),
        "norm, stemmed": lambda t: stemmed(t.split()),
        "normalize_post": lambda t: normalize_post(t).split(),
        "normalize_post, stemmed": lambda t: stemmed(normalize_post(t).split()),
    }
    print(f"{len(rows)} rows of {path.name}; reference: the formal column")
    for name, fn in variants.items():
        share, ratio = _token_agreement([(fn(norm), formal.split()) for norm, formal in rows])
        print(f"  {name:26s} tokens matched {share:.3f}   difflib ratio {ratio:.3f}")
    return 0


def bench(path: Path, repeat: int = 5) -> int:
    import csv
    import time

    sys.path.insert(0, str(ROOT))
    from registry.classify import normalize as text_mod

    with path.open(encoding="utf-8", newline="") as f:
        posts = [r["norm"] or "" for r in csv.DictReader(f)]
    text_mod.normalize_post("warm up the tables")
    start = time.process_time()
    for post in posts:
        text_mod.normalize_post(post)
    cold = time.process_time() - start
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for post in posts:
            text_mod.normalize_post(post)
        best = min(best, time.process_time() - start)
    print(
        f"normalize_post on {len(posts)} posts: first pass {len(posts) / cold:,.0f} posts/s "
        f"(token caches cold), best of {repeat} later passes {len(posts) / best:,.0f} posts/s"
    )
    for post in posts:
        text_mod.detect_language(post)
    start = time.process_time()
    for post in posts:
        text_mod.detect_language(post)
    took = time.process_time() - start
    print(f"detect_language (second pass): {len(posts) / took:,.0f} posts/s")
    print("(CPU time of this process, so that other load on the machine does not count)")
    return 0


def lang(paths: list[Path]) -> int:
    import json
    from collections import Counter

    sys.path.insert(0, str(ROOT))
    from registry.classify.normalize import detect_language

    counts: Counter[tuple[str, str]] = Counter()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                counts[(rec["lang"], detect_language(rec["text"]))] += 1
    total = sum(counts.values())
    right = sum(n for (want, got), n in counts.items() if want == got)
    print(f"detect_language: {right}/{total} right ({right / max(total, 1):.3f})")
    for (want, got), n in sorted(counts.items()):
        print(f"  labelled {want} -> {got}: {n}")
    return 0


def main(argv: list[str]) -> int:
    args = argv[1:]
    command = args.pop(0) if args and args[0] in {"build", "measure", "bench", "lang"} else "build"
    if command == "measure":
        return measure(Path(args[0]))
    if command == "bench":
        return bench(Path(args[0]))
    if command == "lang":
        return lang([Path(a) for a in args])
    source_path = Path(args[0]) if args else DEFAULT_SOURCE
    if source_path.is_dir():
        source_path = source_path / "combined_slang_words.txt"
    source = json.loads(source_path.read_text(encoding="utf-8"))
    table, dropped = build(source, read_covid_terms())
    lines = [HEADER]
    lines.extend(f"{key}\t{value}\t{origin}\n" for key, (value, origin) in table.items())
    OUTPUT.write_text("".join(lines), encoding="utf-8")
    kept = sum(1 for _, origin in table.values() if origin == "lexicon")
    print(f"{len(source)} source entries: {kept} kept, {len(table) - kept} project entries")
    for reason, keys in sorted(dropped.items()):
        print(f"  dropped {len(keys):4d} {reason}: {' '.join(sorted(keys))}")
    print(f"wrote {OUTPUT} ({len(table)} entries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
