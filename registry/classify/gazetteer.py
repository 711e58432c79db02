"""Find the Indonesian province and regency/city a post is about, by gazetteer matching.

Names come from :func:`registry.taxonomy.region_name_index` (official Indonesian and English
names, short names such as "Jabar", "DKI", "Jogja", "Tangsel") plus a few island and
common-usage names below ("Lombok", "Madura", "Jkt", "Bdg"). They are matched on the token stream
of the post in the forms people write them: "Pemkot Bandung", "Kab. Sleman", "kab sleman",
"Kota Mataram", "Provinsi Jawa Barat", "West Java", "Sleman regency", "city of Surabaya".

How it works (built once, then a dict lookup per token):

* every name is reduced to its core tokens ("pemkab sleman" -> ``("sleman",)``) and the
  qualifiers (kab, kabupaten, pemkab, kota, pemkot, provinsi, prov, pemprov, "pemerintah kota",
  "city of", "... regency", ...) are recognised around a core in the text, where they narrow a
  name to a level and kind ("Kota Bandung" vs "Kabupaten Bandung");
* the post's tokens are scanned left to right and the longest core starting at each token wins
  ("Bandung Barat" over "Bandung", "Jawa Barat" over "Jawa");
* names that are also ordinary words ("batu", "bone", "malang", "serang", "padang", "solo",
  "tanah datar", "lima puluh kota", ...) count only with a qualifier or when written with a
  capital letter in a text that is not all capitals or title case; a few fixed phrases veto a
  name ("nasi padang", "Polda Metro Jaya", "dari Sabang sampai Merauke");
* a bare name shared by a regency and a city ("bandung", "bogor") still gives the province; a
  name shared by places in different provinces ("banjar") counts only when another place in
  the post settles the province;
* when a post names several places, the most specific wins (a definite regency or city, then
  an ambiguous one, then a province), then the first mentioned;
* the author's profile location is read the same way, but only when the text names no place.

``python -m registry.classify.gazetteer PATH.jsonl ...`` scores it on labelled posts (a
``province`` field: the code of the province the text names, or null).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from registry.classify.normalize import clean_post
from registry.taxonomy import RegionInfo, region_by_code, region_name_index, resolve_region
from registry.text import fold, word_set

__all__ = ["RegionMatch", "find_region", "find_regions"]


@dataclass
class RegionMatch:
    """A place named in a post: its province (always set when found in the text) and its
    regency/city when the name says which one; ``source`` is "text" or "profile"; ``matched``
    is the text as written ("Pemkot Bandung")."""

    province: RegionInfo | None
    regency: RegionInfo | None
    source: str
    matched: str


# Qualifiers before a name: token sequence -> (level, kind). Longest first when matching.
_PREFIX_QUALIFIERS: dict[tuple[str, ...], tuple[int, str | None]] = {
    ("pemerintah", "provinsi"): (1, None),
    ("pemerintah", "kabupaten"): (2, "kabupaten"),
    ("pemerintah", "kota"): (2, "kota"),
    ("kabupaten", "administrasi"): (2, "kabupaten"),
    ("kota", "administrasi"): (2, "kota"),
    ("kab", "adm"): (2, "kabupaten"),
    ("kota", "adm"): (2, "kota"),
    ("province", "of"): (1, None),
    ("regency", "of"): (2, "kabupaten"),
    ("city", "of"): (2, "kota"),
    ("provinsi",): (1, None),
    ("propinsi",): (1, None),
    ("prov",): (1, None),
    ("pemprov",): (1, None),
    ("kabupaten",): (2, "kabupaten"),
    ("kab",): (2, "kabupaten"),
    ("pemkab",): (2, "kabupaten"),
    ("kota",): (2, "kota"),
    ("pemkot",): (2, "kota"),
    ("kotamadya",): (2, "kota"),
    ("kodya",): (2, "kota"),
}
_SUFFIX_QUALIFIERS: dict[str, tuple[int, str | None]] = {
    "province": (1, None),
    "regency": (2, "kabupaten"),
    "city": (2, "kota"),
}
_QUALIFIER_WORDS = frozenset(w for key in _PREFIX_QUALIFIERS for w in key)
_MAX_QUALIFIER = max(len(key) for key in _PREFIX_QUALIFIERS)

# Names that are also ordinary Indonesian or English words (or idioms): they need a qualifier
# or a capital letter. Core tokens, space-separated.
AMBIGUOUS_NAMES: frozenset[str] = frozenset(
    " ".join(name.split())
    for name in (
        "agam",
        "bangka",
        "banjar",
        "batang",
        "batu",
        "batu bara",
        "bau bau",
        "binjai",
        "bone",
        "buru",
        "deli serdang",
        "empat lawang",
        "gunung mas",
        "ketapang",
        "kotabaru",
        "kudus",
        "karo",  # also Javanese for "with"
        "kuningan",
        "landak",
        "lebak",
        "lima puluh kota",
        "lingga",
        "malaka",
        "malang",
        "metro",
        "muna",
        "padang",
        "pagar alam",
        "palu",
        "pare pare",
        "pati",
        "pesisir barat",
        "pesisir selatan",
        "puncak",
        "sabang",
        "sampang",
        "serang",
        "sigi",
        "solo",
        "solok",
        "sorong",
        "subang",
        "tanah bumbu",
        "tanah datar",
        "tanah laut",
        "tebing tinggi",
        "tegal",
        "tulang bawang",
        "way kanan",
    )
)

# Context that vetoes a name: core -> (words just before, words just after).
_VETO: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "padang": (
        word_set("nasi masakan makan rm warung sate rendang lapangan"),
        word_set("rumput pasir golf ilalang gurun"),
    ),
    "metro": (word_set("polda polres kapolda polrestro"), frozenset({"jaya", "tv"})),
    "sabang": (frozenset(), word_set("sampai hingga sampe to")),
    "merauke": (word_set("sampai hingga sampe to"), frozenset()),
    "bima": (frozenset(), frozenset({"arya"})),  # Bima Arya, mayor of Bogor
    "banjar": (frozenset({"balai"}), frozenset()),
    "jakarta": (frozenset(), frozenset({"post", "globe"})),  # newspapers, not a place claim
    "bali": (frozenset({"jawa", "java"}), frozenset()),  # "PPKM Jawa-Bali": two islands
}

# Common names the regions table leaves out: name -> the regions it may mean (a region name,
# or a province code when only the province is certain). Islands, well-known towns and
# landmarks that are not regencies, common short names, and universities (which name the
# province they are in).
_EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    # islands and areas
    "lombok": ("52",),
    "sumba": ("53",),
    "flores": ("53",),
    "madura": ("35",),
    "jabodetabek": (),  # several provinces: recognised so that "jakarta" inside it is not
    "jabotabek": (),
    # short names
    "jkt": ("31",),
    "bdg": ("Kabupaten Bandung", "Kota Bandung"),
    "sby": ("Kota Surabaya",),
    "kukar": ("Kabupaten Kutai Kartanegara",),
    "kutim": ("Kabupaten Kutai Timur",),
    "kotim": ("Kabupaten Kotawaringin Timur",),
    "kobar": ("Kabupaten Kotawaringin Barat",),
    "oku": ("Kabupaten Ogan Komering Ulu",),
    "oki": ("Kabupaten Ogan Komering Ilir",),
    "muba": ("Kabupaten Musi Banyuasin",),
    "tapsel": ("Kabupaten Tapanuli Selatan",),
    "taput": ("Kabupaten Tapanuli Utara",),
    "madina": ("Kabupaten Mandailing Natal",),
    "tts": ("Kabupaten Timor Tengah Selatan",),
    "ttu": ("Kabupaten Timor Tengah Utara",),
    "toraja": ("Kabupaten Tana Toraja", "Kabupaten Toraja Utara"),
    # towns that are not regencies or cities, and landmarks
    "purwokerto": ("Kabupaten Banyumas",),
    "cibinong": ("Kabupaten Bogor",),
    "soreang": ("Kabupaten Bandung",),
    "cikarang": ("Kabupaten Bekasi",),
    "lembang": ("Kabupaten Bandung Barat",),
    "jatinangor": ("Kabupaten Sumedang",),
    "dago": ("Kota Bandung",),
    "serpong": ("Kota Tangerang Selatan",),
    "ciputat": ("Kota Tangerang Selatan",),
    "pamulang": ("Kota Tangerang Selatan",),
    "bsd": ("Kota Tangerang Selatan",),
    "kemayoran": ("Kota Administrasi Jakarta Pusat",),
    "senen": ("Kota Administrasi Jakarta Pusat",),
    "tanah abang": ("Kota Administrasi Jakarta Pusat",),
    "monas": ("Kota Administrasi Jakarta Pusat",),
    "tanjung priok": ("Kota Administrasi Jakarta Utara",),
    "wisma atlet": ("31",),
    "malioboro": ("Kota Yogyakarta",),
    "beringharjo": ("Kota Yogyakarta",),
    "kaliurang": ("Kabupaten Sleman",),
    "parangtritis": ("Kabupaten Bantul",),
    "kuta": ("Kabupaten Badung",),
    "ubud": ("Kabupaten Gianyar",),
    "nusa penida": ("Kabupaten Klungkung",),
    "gilimanuk": ("Kabupaten Jembrana",),
    "senggigi": ("Kabupaten Lombok Barat",),
    "ampenan": ("Kota Mataram",),
    "maumere": ("Kabupaten Sikka",),
    "labuan bajo": ("Kabupaten Manggarai Barat",),
    "ruteng": ("Kabupaten Manggarai",),
    "waingapu": ("Kabupaten Sumba Timur",),
    "atambua": ("Kabupaten Belu",),
    "tenau": ("Kota Kupang",),
    "plaju": ("Kota Palembang",),
    "limboto": ("Kabupaten Gorontalo",),
    "pantoloan": ("Kota Palu",),
    "sampit": ("Kabupaten Kotawaringin Timur",),
    "pangkalan bun": ("Kabupaten Kotawaringin Barat",),
    "sangatta": ("Kabupaten Kutai Timur",),
    "tenggarong": ("Kabupaten Kutai Kartanegara",),
    "kei kecil": ("Kabupaten Maluku Tenggara",),
    "sentani": ("Kabupaten Jayapura",),
    "skouw": ("Kota Jayapura",),
    "timika": ("Kabupaten Mimika",),
    "wamena": ("Kabupaten Jayawijaya",),
    "biak": ("Kabupaten Biak Numfor",),
    "lebak bulus": ("Kota Administrasi Jakarta Selatan",),
    # universities
    "ugm": ("34",),
    "uny": ("34",),
    "uii": ("34",),
    "itb": ("32",),
    "unpad": ("32",),
    "upi": ("32",),
    "ipb": ("32",),
    "unair": ("35",),
    "unej": ("35",),
    "undip": ("33",),
    "unnes": ("33",),
    "uns": ("33",),
    "unsoed": ("33",),
    "unhas": ("73",),
    "hasanuddin": ("73",),
    "unsri": ("16",),
    "unand": ("13",),
    "usu": ("12",),
    "unsyiah": ("11",),
    "udayana": ("51",),
    "unud": ("51",),
    "unram": ("52",),
    "undana": ("53",),
    "unmul": ("64",),
    "ulm": ("63",),
    "untan": ("61",),
    "unsrat": ("71",),
    "untad": ("72",),
    "unpatti": ("81",),
    "uncen": ("91",),
    "unila": ("18",),
    "unri": ("14",),
    "unja": ("15",),
    "unib": ("17",),
    "untirta": ("36",),
    "uho": ("74",),
}

# Words just before a name that make it a place ("di Malang", "ke padang", "RSUD Padang"):
# enough for an ordinary-word name, except the STRICT ones, which need a capital too.
_PLACE_CUES = word_set(
    """di ke dari in at from warga rsud polres polresta kodim dprd bupati walikota wali
    gubernur dinkes bpbd kapolres"""
)
_STRICT_NAMES = frozenset(
    (
        "batu",
        "batu bara",
        "buru",
        "palu",
        "puncak",
        "landak",
        "tanah datar",
        "tanah laut",
        "tanah bumbu",
        "lima puluh kota",
        "bau bau",
        "pare pare",
        "gunung mas",
        "metro",
        "muna",
        "malaka",
        "empat lawang",
        "pagar alam",
        "tebing tinggi",
        "way kanan",
        "tulang bawang",
        "bone",
    )
)

_WORD_RE = re.compile(r"[^\W_]+")
_APOSTROPHE_RE = re.compile(r"['\u2019`]")
_POSSESSIVE_RE = re.compile(r"(?<=\w)['\u2019]s\b")

# specificity of a mention: a definite regency/city, a regency-level name shared by a regency
# and a city of one province ("bandung"), a province
_DEFINITE, _AMBIGUOUS_REGENCY, _PROVINCE = 2, 1, 0


def _ascii_table(lower: bool) -> bytes:
    table = bytearray(b" " * 256)
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
        table[ord(ch)] = ord(ch)
        table[ord(ch.upper())] = ord(ch if lower else ch.upper())
    return bytes(table)


# ASCII text split into [A-Za-z0-9]+ words (what _WORD_RE finds) by bytes.translate + split
_ASCII_KEEP_CASE = _ascii_table(lower=False)
_ASCII_LOWER = _ascii_table(lower=True)


def _capitals_informative(raw: list[str]) -> bool:
    """False for text in ALL CAPS or Title Case, where a capital letter says little about a
    name."""
    long_words = [w for w in raw if len(w) > 3 and w.isalpha()]
    if len(long_words) < 4:
        return True
    return sum(w[0].isupper() for w in long_words) < 0.7 * len(long_words)


def _province_of(region: RegionInfo) -> RegionInfo | None:
    if region.level == 1:
        return region
    return region_by_code(region.parent) if region.parent else None


@dataclass(frozen=True)
class _Mention:
    start: int  # token index of the first token (qualifier included)
    end: int  # token index after the last token
    regions: tuple[RegionInfo, ...]


class _Matcher:
    def __init__(self) -> None:
        cores: dict[tuple[str, ...], list[RegionInfo]] = {}
        #: a core written in another form -> the core it stands for (for the blacklist, vetoes)
        self.aliases: dict[tuple[str, ...], tuple[str, ...]] = {}

        def add(core: tuple[str, ...], regions: Iterable[RegionInfo]) -> None:
            listed = cores.setdefault(core, [])
            listed.extend(r for r in regions if r not in listed)

        for key, regions in region_name_index().items():
            tokens = tuple(key.split())
            for size in range(min(_MAX_QUALIFIER, len(tokens) - 1), 0, -1):
                if tokens[:size] in _PREFIX_QUALIFIERS:
                    tokens = tokens[size:]
                    break
            if len(tokens) > 1 and tokens[-1] in _SUFFIX_QUALIFIERS:
                tokens = tokens[:-1]
            if tokens and not (len(tokens) == 1 and tokens[0] in _QUALIFIER_WORDS):
                add(tokens, regions)
        for name, refs in _EXTRA_NAMES.items():
            found = [
                region_by_code(ref) if ref[:1].isdigit() else resolve_region(ref) for ref in refs
            ]
            add(tuple(name.split()), [r for r in found if r is not None])
        # the same names written together or apart: "Baubau" for "Bau Bau", "Palangka Raya"
        # for "Palangkaraya" (a two-word form is accepted only when it splits a one-word name)
        self.split_forms: dict[tuple[str, str], tuple[str, ...]] = {}
        for core in list(cores):
            joined = "".join(core)
            if len(core) > 1 and (joined,) not in cores:
                cores[(joined,)] = cores[core]
                self.aliases[(joined,)] = core
            if len(core) == 1 and len(joined) >= 7:
                for cut in range(3, len(joined) - 2):
                    head, tail = joined[:cut], joined[cut:]
                    if head not in _QUALIFIER_WORDS:
                        self.split_forms.setdefault((head, tail), core)
        self.cores = {core: tuple(regions) for core, regions in cores.items()}
        self.starts = frozenset(core[0] for core in self.cores)
        self.split_heads = frozenset(head for head, _ in self.split_forms)
        self.triggers = self.starts | self.split_heads | {key[0] for key in _PREFIX_QUALIFIERS}
        self.max_core = max(len(core) for core in self.cores)

    # -- scanning

    def mentions(self, text: str) -> tuple[list[_Mention], str]:
        """The places named in ``text`` in order, and the cleaned text they were read from."""
        cleaned = clean_post(text)
        if "'" in cleaned or "\u2019" in cleaned or "`" in cleaned:
            cleaned = _APOSTROPHE_RE.sub("", _POSSESSIVE_RE.sub("", cleaned))
        if cleaned.isascii():  # the common case: one C-level pass each
            data = cleaned.encode("ascii")
            raw = data.translate(_ASCII_KEEP_CASE).decode("ascii").split()
            words = data.translate(_ASCII_LOWER).decode("ascii").split()
        else:
            raw = _WORD_RE.findall(cleaned)
            words = [fold(w) for w in raw]
        if self.starts.isdisjoint(words) and self.split_heads.isdisjoint(words):
            return [], cleaned
        triggers = self.triggers
        out: list[_Mention] = []
        done = 0
        for i in [i for i, w in enumerate(words) if w in triggers]:
            if i < done:
                continue
            mention = self._match_at(i, words, raw)
            if mention is not None:
                if mention.regions:
                    out.append(mention)
                done = mention.end
        return out, cleaned

    def _match_at(self, i: int, words: list[str], raw: list[str]) -> _Mention | None:
        n = len(words)
        # a qualifier, then a name: "Kab. Sleman", "Pemerintah Kota Bandung", "city of Solo"
        for size in range(min(_MAX_QUALIFIER, n - i - 1), 0, -1):
            qualifier = _PREFIX_QUALIFIERS.get(tuple(words[i : i + size]))
            if qualifier is not None:
                found = self._longest_core(i + size, words)
                if found is not None:
                    core, length = found
                    end = i + size + length
                    if not self._vetoed(core, i + size, end, words):
                        return _Mention(i, end, self._filter(self.cores[core], qualifier))
                break
        found = self._longest_core(i, words)
        if found is None:
            return None
        core, length = found
        end = i + length
        name = " ".join(self.aliases.get(core, core))
        if self._vetoed(core, i, end, words):
            return _Mention(i, end, ())  # skip the words, match nothing
        regions = self.cores[core]
        if end < n and words[end] in _SUFFIX_QUALIFIERS:  # "Sleman regency", "Bandung city"
            return _Mention(i, end + 1, self._filter(regions, _SUFFIX_QUALIFIERS[words[end]]))
        if name in AMBIGUOUS_NAMES:
            capital = raw[i][:1].isupper()
            cue = i > 0 and words[i - 1] in _PLACE_CUES
            capitals = capital and _capitals_informative(raw)
            if not (capitals or (cue and (capital or name not in _STRICT_NAMES))):
                return _Mention(i, end, ())
        return _Mention(i, end, regions)

    def _longest_core(self, i: int, words: list[str]) -> tuple[tuple[str, ...], int] | None:
        """The longest name starting at token ``i``: (its key in ``cores``, tokens used)."""
        if i >= len(words):
            return None
        if words[i] in self.starts:
            for size in range(min(self.max_core, len(words) - i), 0, -1):
                candidate = tuple(words[i : i + size])
                if candidate in self.cores:
                    return candidate, size
        if words[i] in self.split_heads and i + 1 < len(words):
            core = self.split_forms.get((words[i], words[i + 1]))
            if core is not None:
                return core, 2
        return None

    @staticmethod
    def _filter(
        regions: tuple[RegionInfo, ...], qualifier: tuple[int, str | None]
    ) -> tuple[RegionInfo, ...]:
        level, kind = qualifier
        narrowed = tuple(
            r for r in regions if r.level == level and (kind is None or r.kind == kind)
        )
        # "Kota Jakarta", "Provinsi Bandung": the qualifier does not fit; keep the name
        return narrowed or regions

    def _vetoed(self, core: tuple[str, ...], start: int, end: int, words: list[str]) -> bool:
        veto = _VETO.get(" ".join(self.aliases.get(core, core)))
        if veto is None:
            return False
        before, after = veto
        return (start > 0 and words[start - 1] in before) or (
            end < len(words) and words[end] in after
        )

    # -- deciding

    def find_all(self, text: str, source: str) -> list[RegionMatch]:
        mentions, cleaned = self.mentions(text)
        if not mentions:
            return []
        spans = [m.span() for m in _WORD_RE.finditer(cleaned)]
        settled: set[str] = set()
        for mention in mentions:
            provinces = {p.code for r in mention.regions if (p := _province_of(r)) is not None}
            if len(provinces) == 1:
                settled |= provinces
        out: list[tuple[int, int, RegionMatch]] = []
        for order, mention in enumerate(mentions):
            regions = mention.regions
            provinces = {p.code for r in regions if (p := _province_of(r)) is not None}
            if len(provinces) > 1:  # "banjar": which province? another mention may tell
                provinces &= settled
                if len(provinces) != 1:
                    continue
                regions = tuple(
                    r for r in regions if (p := _province_of(r)) and p.code in provinces
                )
            province = region_by_code(next(iter(provinces))) if provinces else None
            if province is None:
                continue
            regencies = [r for r in regions if r.level == 2]
            named_province = any(r.level == 1 for r in regions)
            if len(regencies) == 1 and not named_province:
                regency, rank = regencies[0], _DEFINITE
            elif regencies and not named_province:
                regency, rank = None, _AMBIGUOUS_REGENCY
            else:
                regency, rank = None, _PROVINCE
            matched = cleaned[spans[mention.start][0] : spans[mention.end - 1][1]]
            out.append((-rank, order, RegionMatch(province, regency, source, matched)))
        out.sort(key=lambda item: (item[0], item[1]))
        return [match for _, _, match in out]


@functools.cache
def _matcher() -> _Matcher:
    return _Matcher()


def find_regions(text: str, source: str = "text") -> list[RegionMatch]:
    """Every place ``text`` names, best first (most specific, then first mentioned)."""
    if not text:
        return []
    return _matcher().find_all(text, source)


def find_region(text: str, user_location: str | None = None) -> RegionMatch | None:
    """The place a post is about: the best place its text names, else the place its author's
    profile location names (``source`` "profile"), else None."""
    found = find_regions(text or "", "text")
    if found:
        return found[0]
    if user_location:
        match = _profile_region(user_location)
        if match is not None:
            return dataclasses.replace(match)  # a copy: callers may change theirs
    return None


@functools.lru_cache(maxsize=20_000)
def _profile_region(user_location: str) -> RegionMatch | None:
    """Profile locations repeat across an author's posts and among authors: cached."""
    found = find_regions(user_location, "profile")
    return found[0] if found else None


def _evaluate(paths: list[str]) -> int:
    """Province accuracy where the label names a province, false positives where it is null."""
    import json

    named = right = unnamed = false_pos = profile_fill = 0
    misses: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                rec = json.loads(line)
                match = find_region(rec.get("text") or "")
                want = rec.get("province")
                if want:
                    named += 1
                    got = match.province.code if match and match.province else None
                    right += got == want
                    if got != want:
                        misses.append(f"  want {want} got {got}: {rec['text'][:120]}")
                else:
                    unnamed += 1
                    if match is not None:
                        false_pos += 1
                        misses.append(f"  want none got {match.matched!r}: {rec['text'][:120]}")
                    elif find_region("", rec.get("user_location")) is not None:
                        profile_fill += 1
    print(f"place named in the text: {right}/{named} provinces right ({right / max(named, 1):.3f})")
    print(
        f"no place named: {false_pos}/{unnamed} matched anyway "
        f"(false-positive rate {false_pos / max(unnamed, 1):.3f}); "
        f"the profile location fills {profile_fill} of the rest"
    )
    for miss in misses:
        print(miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(_evaluate(sys.argv[1:]))
