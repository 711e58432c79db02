"""Structural detectors: does a post have the shape the rubric asks of an innovation?

The rubric (``../shared/data/labeled/RUBRIC.md``, docs/labeling-guide.md) defines a positive by
its structure, not its words: a CONCRETE initiative (programme, service, tool, app, facility,
practice), an IDENTIFIABLE actor that created, launched or runs it, and a COVID-19 context;
and it lists what is not one: case counts, plain rule announcements, plans and promises,
events and prizes about innovation, an official's visit, opinions, questions, politics, ads.
Each detector below answers one of those questions from the raw text (capitals matter: a
proper noun after "Puskesmas" makes the actor identifiable) and the tokens and lexicon groups
of :func:`registry.classify.rules.analyze`. They are few, binary and named, so the weights a
model gives them can be read and checked against the rubric.

Every pattern is justified by the rubric or by ordinary Indonesian/English usage, never by a
particular post; the comment beside each says which.
"""

from __future__ import annotations

import re
from typing import Final

from ..text import STOPWORDS, word_set
from .lexicon import WORD_GROUPS
from .normalize import known_words, region_words, root_like

__all__ = ["DETECTORS", "TOKEN_BITS", "detect", "known_initiative_owner"]


# --------------------------------------------------------------------------- (a) the actor
# Institution words that, followed by a name, identify an actor a curator can follow up
# ("Puskesmas Kedungmundu", "Polres Sleman", "Universitas Airlangga", "PT Pertamina",
# "Desa Panggungharjo", "RW 05"). "Kota"/"Kabupaten" alone are places, not actors (the rubric's
# actor is the government or its office), so they count only after a government word
# ("Pemerintah Kota Bandung", "Dinkes Kab. Sleman"). Two-word institutions ("rumah sakit",
# "pondok pesantren", "karang taruna", "gugus tugas", "sekolah tinggi") end in a word of
# their own. Matched on normalized tokens, so lower-case posts count too.
_INSTITUTION_HEADS: Final = word_set(
    """
    pemkot pemkab pemprov pemda pemdes pemerintah dinas dinkes disdik dinsos diskominfo
    dishub disnaker puskesmas rsud rsup rsu rs klinik polres polresta polrestabes polda
    polsek kodim korem kodam koramil lanud lantamal universitas univ institut politeknik
    poltekkes stikes fakultas sma sman smp smpn smk smkn sd sdn mts madrasah ponpes pesantren
    pt cv bank yayasan komunitas paguyuban desa kelurahan kecamatan kampung dusun nagari
    gampong masjid gereja pura vihara bpbd satgas lapas rutan kantor balai bumdes koperasi
    ikatan asosiasi forum himpunan persatuan kementerian sakit taruna tugas tinggi university
    ministry government rt rw
    """
)
# words between an institution and its name: a level of government, "of", "di"
_BETWEEN: Final = word_set("kota kab kabupaten provinsi prov daerah di of covid 19")
# bodies whose name alone identifies them: national agencies and task forces, the police and
# the military, state-owned and large firms, the big universities (their acronyms are names)
_NAMED_BODIES: Final = word_set(
    """
    kemenkes kemensos kemendikbud kemendikbudristek kemenag kemendagri kominfo kemkominfo
    kemenkominfo kemenpan kemenparekraf kemenkeu kemenhub kemnaker kemenaker kemenperin
    kemendag kementan kemenristek kemenkumham kemenpupr bappenas bnpb bpom brin lipi bppt
    bmkg bpjs bkkbn polri tni eijkman bulog basarnas pertamina pln telkomsel gojek grab
    tokopedia shopee bukalapak traveloka halodoc alodokter biofarma kimia farma ugm ui itb
    ipb its unair undip unpad unhas uns unnes uny upi binus baznas muhammadiyah nu pmi dompet
    """
)
# a retweet or a mention of an official-looking account: "RT @pemkotmalang:" names the actor
_HANDLE_INSTITUTION_RE: Final = re.compile(
    r"@\w*(?i:pemkot|pemkab|pemprov|kemen|polres|polda|polri|dinkes|puskesmas|rsud|satgas|"
    r"humas|univ|kampus|bpbd|bnpb|kominfo|tni|kodim|pt_)\w*"
)

# --------------------------------------------------------------------------- (b) the initiative
# a new thing with a name: "aplikasi PeduliLindungi", "program Jogo Tonggo", "gerakan
# Jakarta Berbagi" (a named initiative is what a curator can register)
_INITIATIVE_NOUNS: Final = word_set(
    """
    aplikasi app program programme gerakan layanan inovasi platform situs website portal
    posko lumbung dapur sistem fitur hotline gerai sentra kampung gerobak pasar kelas bilik
    robot kanal dashboard dasbor service initiative campaign kampanye operasi festival
    """
)
# as written: a quoted name, a CamelCase coinage, an acronym or two capitalized words after an
# initiative noun ('program "Jogo Tonggo"', "aplikasi PeduliLindungi", "Gerakan Jakarta
# Berbagi"); run only when the tokens hold such a noun
_WRITTEN_NAME_RE: Final = re.compile(
    r"[\"'“‘«][^\"'”’»\n]{2,40}[\"'”’»]|[A-Z](?:[a-z]+[A-Z]\w*|[A-Z]{2,}\w*|[a-z]+\s+[A-Z][a-z]+)"
)  # starts with a quote or a capital, so the search is cheap (a case-insensitive
# alternation of the nouns in front cost 80 us a post)


def _written_name_after_noun(raw: str) -> bool:
    for match in _WRITTEN_NAME_RE.finditer(raw):
        before = raw[max(0, match.start() - 20) : match.start()].split()
        if before and before[-1].lower() in _INITIATIVE_NOUNS and _names_something(match[0]):
            return True
    return False


_NAME_WORD_RE: Final = re.compile(r"[^\W\d_]+")


def _names_something(written: str) -> bool:
    """Whether a written name holds a word that is a name: capitals on ordinary words
    ("Program Vaksinasi Covid", '"Lindungi Diri"') describe a thing, they do not name it."""
    if any(c.islower() for c in written[1:]) and re.search(r"[a-z][A-Z]", written):
        return True  # a CamelCase coinage ("PeduliLindungi") is a name whatever its parts
    return any(_is_name(w.lower()) for w in _NAME_WORD_RE.findall(written))


# ways of delivering a service that the rubric and the guide name as adapted for COVID-19
# (normalized tokens: "drive-thru" -> "drive thru", "door-to-door" -> "door to door")
_DELIVERY_WORDS: Final = word_set(
    "drivethru keliling diantar delivery daring online virtual contactless nontunai gratis"
)
_DELIVERY_PAIRS: Final = frozenset(
    ["drive thru", "drive through", "jemput bola", "door to", "antar jemput", "pesan antar",
     "tanpa tatap", "rumah ke"]
)  # fmt: skip
_DELIVERY_FIRST: Final = frozenset(p.split()[0] for p in _DELIVERY_PAIRS)

# initiatives a curator of Indonesia's COVID-19 response knows by name (national and regional
# programmes, products and services of 2020-2021, as the normalizer writes them): a post
# about one of them points to a concrete initiative however it is worded ("relawan uji
# klinis vaksin Merah Putih", "cara daftar SIKM online"). Brands of imported vaccines are
# not here: approving or shipping them is news, not an innovation (the guide, section 2).
_KNOWN_BY_OWNER: Final = {
    # owner (innovator type, "" where it varies) -> initiatives
    "kementerian-lembaga": """vaksin merah putih|vaksin nusantara|ri gha|pedulilindungi|
        peduli lindungi|silacak|inacovid|prakerja|banpres produktif|bpum|
        wisma atlet|bdr tvri|guru berbagi|serbuan vaksinasi|vaksinasi merdeka|
        bangga buatan indonesia""",
    "perguruan-tinggi": "inavac|genose|vent i|covent|rt lamp",
    "swasta": "indovac",
    "pemprov": "jaki|pikobar|jogo tonggo|sikm|ksbb|kolaborasi sosial berskala besar",
    "masyarakat-sipil": "laporcovid|kawalcovid19|kawalcovid|jogo santri",
    "": """kampung tangguh|desa tangguh|rs darurat|rumah sakit darurat|sentra vaksin|
        sentra vaksinasi|gerai vaksin|gerai vaksinasi|lumbung pangan|dapur umum|
        obat isoman gratis|paket obat isoman|vaksinasi keliling|vaksinasi drive thru|
        vaksin drive thru|vaksinasi door to door|isoman terpusat|isoter""",
}
_KNOWN_INITIATIVES: Final[dict[tuple[str, ...], str]] = {
    tuple(phrase.split()): owner
    for owner, phrases in _KNOWN_BY_OWNER.items()
    for phrase in phrases.split("|")
}
_KNOWN_FIRST: Final = frozenset(p[0] for p in _KNOWN_INITIATIVES)
_KNOWN_LONGEST: Final = max(len(p) for p in _KNOWN_INITIATIVES)

# a routine programme mentioned generically (the rubric: "the vaccination programme
# continues" is 0): the national programme by its generic name, or people receiving the
# vaccine ("ratusan personel disuntik vaksin"), with no named initiative or adapted delivery
_ROUTINE_PAIRS: Final = frozenset(
    ["program vaksinasi", "program vaksin", "program imunisasi", "program pemerintah",
     "vaksinasi massal", "disuntik vaksin", "menerima vaksin", "mendapatkan vaksin",
     "mendapat vaksin", "divaksin covid", "vaccination programme", "vaccination program",
     "percepatan vaksinasi", "sukseskan vaksinasi", "menyukseskan program", "mendukung program",
     "dukung program"]
)  # fmt: skip
_ROUTINE_FIRST: Final = frozenset(p.split()[0] for p in _ROUTINE_PAIRS)

# the registry is Indonesia's: a post in Malay or about Malaysia's programmes (MySejahtera,
# "Program Imunisasi COVID-19 Kebangsaan", "klik butang", "kempen") is not one of its
# innovations however well it describes one. Malay words Indonesian does not use; and
# neighbouring countries and Malaysia's states, which count only when the text names no
# Indonesian place ("Pemkab Nunukan siapkan karantina bagi pekerja migran dari Malaysia" is
# Indonesian)
_MALAY: Final = word_set(
    "mysejahtera kkm kesihatan layari butang kempen hebahan kaunter tarikh percuma dun pkp"
)
_ABROAD_PLACES: Final = word_set(
    """
    malaysia selangor sabah sarawak johor kelantan terengganu pahang kedah melaka putrajaya
    perlis labuan singapore singapura philippines filipina thailand
    """
)

# --------------------------------------------------------------------------- (d) negative shapes
# the guide's "plans and promises" (0): nothing launched yet. Only when the plan word sits
# right before the action ("akan meluncurkan", "berencana membuka", "will launch")
_PLAN_WORDS: Final = word_set(
    "akan bakal rencana berencana merencanakan direncanakan wacana mewacanakan usul usulkan "
    "bersiap siap-siap mempersiapkan "
    "mengusulkan diusulkan segera will plans plan planning proposed proposes"
)
# the guide's "events about innovation" and "prizes" (0): webinars, contests and awards talk
# about innovations without describing one
_EVENT_PRIZE: Final = word_set(
    "webinar seminar lomba kompetisi penghargaan award awards juara raih meraih diraih "
    "nominasi finalis sayembara talkshow workshop"
)
# the guide's "an official's visit" (0): an inspection is not the initiative
_VISIT: Final = word_set(
    "tinjau meninjau ditinjau peninjauan sidak kunjungi mengunjungi dikunjungi kunjungan "
    "kunker visited visits inspects inspected"
)
# the rubric's "plain announcements of rules or restrictions": a measure people were told
# about with a rule word ("PSBB diperpanjang", "PPKM level 4", "wajib masker", "jam malam")
_MEASURES: Final = word_set("psbb ppkm pkm lockdown")
_MEASURE_RULE_WORDS: Final = word_set(
    "diperpanjang perpanjang perpanjangan berlaku diberlakukan pemberlakuan dilanjutkan "
    "jilid level extended"
)
_RULE_WORDS: Final = word_set("dilarang larangan sanksi denda curfew")
_RULE_PAIRS: Final = frozenset(
    ["jam malam", "wajib masker", "wajib swab", "wajib pcr", "wajib antigen", "wajib vaksin",
     "wajib karantina", "tidak boleh", "ditutup sementara"]
)  # fmt: skip
_RULE_FIRST: Final = frozenset(p.split()[0] for p in _RULE_PAIRS)
# case statistics: a number beside a count word ("tambah 512 kasus", "3 orang meninggal")
_COUNT_WORDS: Final = word_set(
    "kasus orang pasien positif meninggal sembuh cases deaths jiwa persen"
)
# an opinion or a complaint: the first person singular with a verb of feeling or thinking
# within a few words, or chat particles. Not "kami"/"kita" (the exclusive and inclusive "we"
# are how an office or a community tells what it does: "kami membuka layanan ..."), nor
# "anda" (official address). The normalizer maps "gue", "gw", "aku" to "saya".
_FIRST_SINGULAR: Final = word_set("saya aku gue gw gua i")
_FEELING: Final = word_set(
    "rasa merasa pikir kira pengen kecewa kesel kesal bingung takut heran setuju yakin males "
    "malas capek think feel"
)
_CHAT: Final = word_set("kok sih dong deh loh lho haha wkwk anjir mending")


DETECTORS: Final[tuple[str, ...]] = (
    "named_actor",  # (a) an institution word with a name, an RT/RW number, a named body
    "handle_actor",  # (a) the text retweets or mentions an official-looking account
    "named_initiative",  # (b) an initiative noun with a name, or a CamelCase coinage
    "delivery",  # (b) a delivery mode adapted for COVID-19 (drive-thru, door to door, ...)
    "known_initiative",  # (b) an initiative known by name (Vaksin Merah Putih, SIKM, ...)
    "routine",  # (d) a routine programme mentioned generically
    "foreign",  # (d) Malay, or another country's programme
    "plan",  # (d) a plan or promise right before the action
    "event_prize",  # (d) a webinar, contest or award
    "visit",  # (d) an official's visit or inspection
    "rule",  # (d) a plain rule announcement
    "stats",  # (d) case statistics
    "opinion",  # (d) a personal opinion or chat particles
)


def _pairs(tokens: list[str], first: frozenset[str], pairs: frozenset[str]) -> bool:
    last = len(tokens) - 1
    for i in [i for i, t in enumerate(tokens) if t in first]:
        if i < last and tokens[i] + " " + tokens[i + 1] in pairs:
            return True
    return False


_BODY, _HEAD, _NOUN, _DELIVERY, _DELIVERY_PAIR, _EVENT, _VISITING = (1 << i for i in range(7))
_RULE, _MEASURE, _MEASURE_RULE, _RULE_PAIR, _COUNT, _CHATTING, _SINGULAR = (
    1 << i for i in range(7, 14)
)
_KNOWN, _ROUTINE_PAIR, _MALAY_WORD, _ABROAD = (1 << i for i in range(14, 18))
# token -> the word lists it is in, as bits: one dict lookup per token instead of a set
# operation per list (the detectors run on every harvested post)
_BITS: Final[dict[str, int]] = {}
for _list, _bit in (
    (_NAMED_BODIES, _BODY),
    (_INSTITUTION_HEADS, _HEAD),
    (_INITIATIVE_NOUNS, _NOUN),
    (_DELIVERY_WORDS, _DELIVERY),
    (_DELIVERY_FIRST, _DELIVERY_PAIR),
    (_EVENT_PRIZE, _EVENT),
    (_VISIT, _VISITING),
    (_RULE_WORDS, _RULE),
    (_MEASURES, _MEASURE),
    (_MEASURE_RULE_WORDS, _MEASURE_RULE),
    (_RULE_FIRST, _RULE_PAIR),
    (_COUNT_WORDS, _COUNT),
    (_CHAT, _CHATTING),
    (_FIRST_SINGULAR, _SINGULAR),
    (_KNOWN_FIRST, _KNOWN),
    (_ROUTINE_FIRST, _ROUTINE_PAIR),
    (_MALAY, _MALAY_WORD),
    (_ABROAD_PLACES, _ABROAD),
):
    for _word in _list:
        _BITS[_word] = _BITS.get(_word, 0) | _bit


TOKEN_BITS: Final = _BITS


def detect(
    raw: str,
    tokens: list[str],
    actions: list[int] | None,
    bits: int | None = None,
    weak_actions: list[int] | None = None,
    place_found: bool = False,
) -> tuple[str, ...]:
    """The detectors (names from :data:`DETECTORS`) that fire for a post: ``raw`` is its text
    as written, ``tokens`` its normalized tokens and ``actions`` the positions of strong
    actions among them (``rules.analyze``), ``weak_actions`` those of weak ones ("akan membuka"
    is a plan too); ``bits``, when given, the union of ``TOKEN_BITS`` over the tokens;
    ``place_found`` whether the text names an Indonesian place.
    Everything but the handle check and written names works on the tokens, so lower-case
    posts count like edited ones."""
    found: list[str] = []
    if bits is None:  # the word lists each token is in (rules.analyze passes them)
        get = _BITS.get
        bits = 0
        for token in tokens:
            bits |= get(token, 0)
    if bits & _BODY or (bits & _HEAD and _named_after(tokens, _INSTITUTION_HEADS)):
        found.append("named_actor")
    if "@" in raw and _HANDLE_INSTITUTION_RE.search(raw):
        found.append("handle_actor")
    if bits & _NOUN and (
        _named_after(tokens, _INITIATIVE_NOUNS, False) or _written_name_after_noun(raw)
    ):
        found.append("named_initiative")
    if bits & _DELIVERY or (
        bits & _DELIVERY_PAIR and _pairs(tokens, _DELIVERY_FIRST, _DELIVERY_PAIRS)
    ):
        found.append("delivery")
    known = bool(bits & _KNOWN) and _known_initiative(tokens)
    if known:
        found.append("known_initiative")
    if (
        bits & _ROUTINE_PAIR
        and not known
        and "delivery" not in found
        and "named_initiative" not in found
        and _pairs(tokens, _ROUTINE_FIRST, _ROUTINE_PAIRS)
    ):
        found.append("routine")
    if bits & _MALAY_WORD or (bits & _ABROAD and not place_found):
        found.append("foreign")
    for i in (*(actions or ()), *(weak_actions or ())):
        if (i > 0 and tokens[i - 1] in _PLAN_WORDS) or (i > 1 and tokens[i - 2] in _PLAN_WORDS):
            found.append("plan")
            break
    if bits & _EVENT:
        found.append("event_prize")
    if bits & _VISITING:
        found.append("visit")
    if (
        bits & _RULE
        or (bits & _MEASURE and bits & _MEASURE_RULE)
        or (bits & _RULE_PAIR and _pairs(tokens, _RULE_FIRST, _RULE_PAIRS))
    ):
        found.append("rule")
    if bits & _COUNT and _stats(tokens):
        found.append("stats")
    if bits & _CHATTING or (bits & _SINGULAR and _opinion(tokens)):
        found.append("opinion")
    return tuple(found)


# the detectors' own words are never the name that follows them ("Pemerintah Kabupaten
# (Pemkab) Lebak": the name is Lebak)
_NOT_NAMES: Final = _INSTITUTION_HEADS | _INITIATIVE_NOUNS | _BETWEEN | _NAMED_BODIES


def _known_initiative(tokens: list[str]) -> bool:
    return known_initiative_owner(tokens) is not None


def known_initiative_owner(tokens: list[str]) -> str | None:
    """The innovator type that runs the first initiative known by name in ``tokens`` ("" when
    it varies), or None when the tokens name none."""
    for i, token in enumerate(tokens):
        if token in _KNOWN_FIRST:
            for n in range(1, _KNOWN_LONGEST + 1):
                owner = _KNOWN_INITIATIVES.get(tuple(tokens[i : i + n]))
                if owner is not None:
                    return owner
    return None


def _is_name(token: str) -> bool:
    """A proper name or a coinage: a word no dictionary of ours knows ("kedungmundu",
    "pedulilindungi"), or a place the gazetteer knows ("sleman")."""
    if token in _place_words():
        return True
    if len(token) < 3 or token in _common_words() or token in _NOT_NAMES:
        return False
    return token.isalpha() and not root_like(token)


def _named_after(tokens: list[str], heads: frozenset[str], numbers: bool = True) -> bool:
    """Whether some head word is followed (past a level of government or "di") by a name,
    or, when ``numbers``, by a number ("RT 05", "SMPN 2")."""
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        if token in heads and i < last:
            j = i + 1
            while j < last and tokens[j] in _BETWEEN:
                j += 1
            following = tokens[j]
            if numbers and following.isdigit() and len(following) <= 3:
                return True
            if _is_name(following):
                return True
    return False


_COMMON: set[frozenset[str]] = set()


def _common_words() -> frozenset[str]:
    """Words that are no name: the normalizer's dictionary, stopwords, every lexicon word."""
    if not _COMMON:
        known = known_words() | STOPWORDS | frozenset(WORD_GROUPS)
        _COMMON.add(frozenset(known - _place_words()))
    return next(iter(_COMMON))


_PLACES: set[frozenset[str]] = set()


def _place_words() -> frozenset[str]:
    if not _PLACES:
        _PLACES.add(frozenset(region_words()))
    return next(iter(_PLACES))


def _stats(tokens: list[str]) -> bool:
    for i, token in enumerate(tokens):
        if token in _COUNT_WORDS:
            near = tokens[max(0, i - 2) : i + 3]
            if any(t[0].isdigit() and t != "19" for t in near):
                return True
    return False


def _opinion(tokens: list[str]) -> bool:
    for i, token in enumerate(tokens):
        if token in _FIRST_SINGULAR and not _FEELING.isdisjoint(tokens[i + 1 : i + 6]):
            return True
    return False
