"""Build ``regions.csv`` (beside this file) from the Kemendagri province/regency lists.

Usage::

    python scripts/build_regions.py /work/shared/data/wilayah

The source directory holds ``prov_kabkota_2025.csv`` (the codes we store) and
``prov_kabkota_2020.csv`` (older codes and spellings, accepted as aliases). This is a
development tool: its output is committed and read at runtime by ``registry.taxonomy``.
The English and short names are ours, written by hand in the tables below.

Columns written: code, level, parent, kind, name, name_en, aliases, codes_2020
(``aliases`` and ``codes_2020`` are ``|``-joined). Codes are strings with their dot and are
quoted in the CSV so that spreadsheets keep "32.10" from becoming 32.1.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "registry" / "data" / "regions.csv"
COLUMNS = ("code", "level", "parent", "kind", "name", "name_en", "aliases", "codes_2020")

# code -> (English name, common short and alternative names). Every 2025 province must be here.
PROVINCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "11": ("Aceh", ("Nanggroe Aceh Darussalam", "NAD")),
    "12": ("North Sumatra", ("Sumatera Utara", "Sumatra Utara", "Sumut")),
    "13": ("West Sumatra", ("Sumatra Barat", "Sumbar")),
    "14": ("Riau", ()),
    "15": ("Jambi", ()),
    "16": ("South Sumatra", ("Sumatra Selatan", "Sumsel")),
    "17": ("Bengkulu", ()),
    "18": ("Lampung", ()),
    "19": (
        "Bangka Belitung Islands",
        ("Bangka Belitung", "Kep. Bangka Belitung", "Babel"),
    ),
    "21": ("Riau Islands", ("Kep. Riau", "Kepri")),
    "31": (
        "Jakarta",
        (
            "DKI Jakarta",
            "DKI",
            "Daerah Khusus Jakarta",
            "DK Jakarta",
            "Special Capital Region of Jakarta",
        ),
    ),
    "32": ("West Java", ("Jabar",)),
    "33": ("Central Java", ("Jateng",)),
    "34": (
        "Special Region of Yogyakarta",
        (
            "DI Yogyakarta",
            "D.I. Yogyakarta",
            "Yogyakarta",
            "Yogya",
            "Jogja",
            "Jogjakarta",
            "DIY",
            "Yogyakarta Special Region",
        ),
    ),
    "35": ("East Java", ("Jatim",)),
    "36": ("Banten", ()),
    "51": ("Bali", ()),
    "52": ("West Nusa Tenggara", ("NTB",)),
    "53": ("East Nusa Tenggara", ("NTT",)),
    "61": ("West Kalimantan", ("Kalbar",)),
    "62": ("Central Kalimantan", ("Kalteng",)),
    "63": ("South Kalimantan", ("Kalsel",)),
    "64": ("East Kalimantan", ("Kaltim",)),
    "65": ("North Kalimantan", ("Kaltara",)),
    "71": ("North Sulawesi", ("Sulut",)),
    "72": ("Central Sulawesi", ("Sulteng",)),
    "73": ("South Sulawesi", ("Sulsel",)),
    "74": ("Southeast Sulawesi", ("Sultra",)),
    "75": ("Gorontalo", ()),
    "76": ("West Sulawesi", ("Sulbar",)),
    "81": ("Maluku", ("Moluccas",)),
    "82": ("North Maluku", ("Malut",)),
    "91": ("Papua", ()),
    "92": ("West Papua", ("Pabar",)),
    "93": ("South Papua", ()),
    "94": ("Central Papua", ()),
    "95": ("Highland Papua", ("Papua Highlands",)),
    "96": ("Southwest Papua", ("PBD",)),
}

# Regencies/cities whose English name we write by hand (the rest are derived).
REGENCY_NAME_EN: dict[str, str] = {
    "31.01": "Thousand Islands Regency",
    "31.71": "Central Jakarta",
    "31.72": "North Jakarta",
    "31.73": "West Jakarta",
    "31.74": "South Jakarta",
    "31.75": "East Jakarta",
}

# Extra names people write for some regencies/cities (the systematic ones are derived).
REGENCY_ALIASES: dict[str, tuple[str, ...]] = {
    "31.01": ("Thousand Islands", "Pulau Seribu"),
    "31.71": ("Jakpus",),
    "31.72": ("Jakut",),
    "31.73": ("Jakbar",),
    "31.74": ("Jaksel",),
    "31.75": ("Jaktim",),
    "33.72": ("Solo", "Kota Solo", "Pemkot Solo"),
    "34.71": ("Kota Jogja", "Kota Yogya", "Pemkot Jogja"),
    "36.74": ("Tangsel",),
    "71.09": (
        "Kabupaten Kepulauan Siau Tagulandang Biaro",
        "Kepulauan Siau Tagulandang Biaro",
        "Siau Tagulandang Biaro",
        "Sitaro",
    ),
    "72.04": ("Tolitoli",),
    "73.01": ("Selayar",),
    "73.10": ("Pangkep",),
    "81.03": ("Maluku Tenggara Barat",),
    "82.07": ("Morotai",),
    "82.08": ("Taliabu",),
    "82.72": ("Tidore",),
    "92.03": ("Fakfak",),
}

PREFIXES = (
    ("Kabupaten Administrasi ", "kabupaten"),
    ("Kota Administrasi ", "kota"),
    ("Kabupaten ", "kabupaten"),
    ("Kota ", "kota"),
)
PREFIXES_2020 = (
    ("KAB. ADM. ", "kabupaten"),
    ("KOTA ADM. ", "kota"),
    ("KAB. ", "kabupaten"),
    ("KAB ", "kabupaten"),
    ("KOTA ", "kota"),
)

# Trailing Indonesian direction words and their English form (longest first).
DIRECTIONS = (
    ("Tengah Selatan", "South Central"),
    ("Tengah Utara", "North Central"),
    ("Bagian Barat", "West"),
    ("Bagian Timur", "East"),
    ("Barat Daya", "Southwest"),
    ("Barat Laut", "Northwest"),
    ("Timur Laut", "Northeast"),
    ("Tenggara", "Southeast"),
    ("Selatan", "South"),
    ("Utara", "North"),
    ("Barat", "West"),
    ("Timur", "East"),
    ("Tengah", "Central"),
)
UPPER_WORDS = {"DKI", "DIY", "NTB", "NTT"}


def normalize(text: str) -> str:
    """The lookup key: the same rule as ``registry.taxonomy.normalize_name``."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['\u2019`]", "", text.casefold())
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def compact(text: str) -> str:
    return normalize(text).replace(" ", "")


def title_2020(name: str) -> str:
    """'KAB. TOBA SAMOSIR' -> 'Kab. Toba Samosir' (acronyms and spaced letters kept)."""
    words = []
    for word in name.split():
        bare = word.rstrip(".")
        words.append(word if bare in UPPER_WORDS or len(bare) == 1 else word.capitalize())
    return " ".join(words)


def split_kind(name: str, prefixes: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    for prefix, kind in prefixes:
        if name.startswith(prefix):
            return kind, name[len(prefix) :].strip()
    raise ValueError(f"no kabupaten/kota prefix in {name!r}")


def english_bare(bare: str) -> str:
    """'Bandung Barat' -> 'West Bandung', 'Kepulauan Aru' -> 'Aru Islands'."""
    if bare.startswith("Kep. "):
        bare = "Kepulauan " + bare[len("Kep. ") :]
    if bare.endswith(" dan Kepulauan"):
        return bare[: -len(" dan Kepulauan")] + " and Islands"
    if bare.startswith("Kepulauan "):
        return bare[len("Kepulauan ") :] + " Islands"
    if bare.endswith(" Kepulauan"):
        return bare[: -len(" Kepulauan")] + " Islands"
    if bare.startswith("Pulau "):
        return bare[len("Pulau ") :] + " Island"
    for indonesian, english in DIRECTIONS:
        if bare.endswith(" " + indonesian):
            return f"{english} {bare[: -len(indonesian) - 1]}"
    return bare


@dataclass
class Row:
    code: str
    level: int
    parent: str
    kind: str
    name: str
    name_en: str
    bare: str = ""
    bare_en: str = ""
    aliases: list[str] = field(default_factory=list)
    codes_2020: list[str] = field(default_factory=list)
    names_2020: list[str] = field(default_factory=list)

    def add_alias(self, alias: str) -> None:
        # Spellings that differ only in punctuation are kept ("Kab. X" and "Kab X"): they share
        # a lookup key, but people write both.
        alias = " ".join(alias.split())
        taken = {t.casefold() for t in (self.name, self.name_en, *self.aliases)}
        if normalize(alias) and alias.casefold() not in taken:
            self.aliases.append(alias)


def read_source(path: Path) -> list[tuple[str, str, int]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        rows = []
        for rec in reader:
            code = rec["kode"].strip()
            name = " ".join(rec["nama"].split())  # the 2025 file has a trailing space
            rows.append((code, name, int(rec["level"])))
    codes = [c for c, _, _ in rows]
    dupes = {c for c in codes if codes.count(c) > 1}
    if dupes:
        raise SystemExit(f"{path}: duplicate codes {sorted(dupes)}")
    return rows


def build(source_dir: Path) -> list[Row]:
    new = read_source(source_dir / "prov_kabkota_2025.csv")
    old = read_source(source_dir / "prov_kabkota_2020.csv")

    rows: dict[str, Row] = {}
    for code, name, level in new:
        if level == 1:
            if not re.fullmatch(r"\d{2}", code):
                raise SystemExit(f"bad province code {code!r}")
            if code not in PROVINCES:
                raise SystemExit(f"no English/short names written for province {code} {name}")
            name_en, short = PROVINCES[code]
            row = Row(code, 1, "", "provinsi", name, name_en)
            for alias in short:
                row.add_alias(alias)
        else:
            if not re.fullmatch(r"\d{2}\.\d{2}", code):
                raise SystemExit(f"bad regency code {code!r}")
            kind, bare = split_kind(name, PREFIXES)
            if (code[3] == "7") != (kind == "kota"):
                print(f"warning: {code} {name}: kind does not follow the code", file=sys.stderr)
            suffix = "Regency" if kind == "kabupaten" else "City"
            bare_en = english_bare(bare)
            name_en = REGENCY_NAME_EN.get(code, f"{bare_en} {suffix}")
            row = Row(code, 2, code[:2], kind, name, name_en, bare=bare, bare_en=bare_en)
        rows[code] = row
    for row in rows.values():
        if row.level == 2 and row.parent not in rows:
            raise SystemExit(f"{row.code}: parent province {row.parent} is missing")

    # 2020 codes: the same code when the region is unchanged; otherwise (Papua's 2022 split)
    # a 2025 row that has no 2020 counterpart, of the same kind and with the same bare name.
    unclaimed = {code: row for code, row in rows.items() if code not in {c for c, _, _ in old}}
    for code, name, level in old:
        if level == 1:
            target = rows.get(code)
            if target is None or target.level != 1:
                raise SystemExit(f"2020 province {code} {name} has no 2025 counterpart")
        else:
            kind, bare = split_kind(name, PREFIXES_2020)
            target = rows.get(code)
            if target is not None:
                if target.kind != kind:
                    raise SystemExit(f"2020 {code} {name} is a {kind}, 2025 is {target.name}")
                if compact(bare) != compact(target.bare):
                    print(f"renamed: {code} {name} -> {target.name}", file=sys.stderr)
            else:
                matches = [
                    r
                    for r in unclaimed.values()
                    if r.level == 2 and r.kind == kind and compact(r.bare) == compact(bare)
                ]
                if len(matches) != 1:
                    raise SystemExit(f"2020 {code} {name}: {len(matches)} matches in 2025")
                target = matches[0]
                print(f"moved: {code} {name} -> {target.code} {target.name}", file=sys.stderr)
        target.codes_2020.append(code)
        target.names_2020.append(name)

    # Candidate aliases per row, then drop the bare names that would point at two regions.
    candidates: dict[str, list[tuple[str, bool]]] = defaultdict(list)  # code -> (alias, is_bare)
    for row in rows.values():
        if row.level == 1:
            continue
        bares = [row.bare, row.bare_en]
        if row.kind == "kabupaten":
            prefixed = [f"Kab. {row.bare}", f"Kab {row.bare}", f"Pemkab {row.bare}"]
            if row.name.startswith("Kabupaten Administrasi "):
                prefixed.insert(0, f"Kabupaten {row.bare}")
        else:
            prefixed = [f"Pemkot {row.bare}"]
            if row.name.startswith("Kota Administrasi "):
                prefixed.insert(0, f"Kota {row.bare}")
        for old_name in row.names_2020:
            _, old_bare = split_kind(old_name, PREFIXES_2020)
            bares.append(title_2020(old_bare))
        candidates[row.code] += [(a, False) for a in prefixed]
        candidates[row.code] += [(a, True) for a in bares]
        candidates[row.code] += [(a, False) for a in REGENCY_ALIASES.get(row.code, ())]
    for row in rows.values():
        candidates[row.code] += [(title_2020(n), False) for n in row.names_2020]

    # A bare name is kept only when no other region claims it in any way; the other names
    # (official, English, short, prefixed, hand-written, 2020) must not collide at all.
    primary: dict[str, set[str]] = defaultdict(set)
    claimed: dict[str, set[str]] = defaultdict(set)
    for row in rows.values():
        for text in (row.name, row.name_en, *row.aliases):
            primary[normalize(text)].add(row.code)
        for alias, is_bare in candidates[row.code]:
            (claimed if is_bare else primary)[normalize(alias)].add(row.code)
    for row in rows.values():
        for alias, is_bare in candidates[row.code]:
            key = normalize(alias)
            if not is_bare and len(primary[key]) > 1:
                raise SystemExit(f"alias {alias!r} names {sorted(primary[key])}")
            if is_bare and len(primary[key] | claimed[key]) > 1:
                continue
            row.add_alias(alias)

    check_unique(rows.values())
    for code in REGENCY_NAME_EN.keys() | REGENCY_ALIASES.keys():
        if code not in rows:
            raise SystemExit(f"hand-written table names unknown region {code}")
    return sorted(rows.values(), key=lambda r: (r.parent or r.code, r.level, r.code))


def check_unique(rows: Iterable[Row]) -> None:
    """Every name, English name and alias must point at exactly one region."""
    seen: dict[str, str] = {}
    for row in rows:
        for text in {normalize(t) for t in (row.name, row.name_en, *row.aliases)}:
            if text in seen and seen[text] != row.code:
                raise SystemExit(f"{text!r} names both {seen[text]} and {row.code}")
            seen[text] = row.code


def write(rows: list[Row], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(
                [
                    r.code,
                    r.level,
                    r.parent,
                    r.kind,
                    r.name,
                    r.name_en,
                    "|".join(r.aliases),
                    "|".join(r.codes_2020),
                ]
            )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    rows = build(Path(argv[0]))
    write(rows, OUTPUT)
    provinces = sum(1 for r in rows if r.level == 1)
    print(f"wrote {OUTPUT}: {provinces} provinces, {len(rows) - provinces} regencies/cities")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
