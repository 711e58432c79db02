"""Keyword lexicons, post analysis, and the rule-based classifier used when no model is active.

Three layers, each used by the next:

* the lexicons: Indonesian and English words (surface forms, crude stems, and two-word phrases)
  for the parts of an innovation post (an actor, an action such as "meluncurkan", a thing such
  as "aplikasi" or "posko", a COVID-19 context) and for the hard negatives that dominate real
  harvests (case counts, plain rule announcements, appeals, opinions, politics, ads);
* :func:`analyze`, which turns a post (``text`` plus, when known, ``author``, ``user_location``,
  ``lang``) into an :class:`Analysis`: normalized tokens, their stems, where each lexicon group
  occurs, the actor cues of the text and of the author's handle, and the region the gazetteer
  finds. The learned pipeline (``pipeline.py``) builds its features on it, so a post is
  analysed once for every head;
* :class:`RuleClassifier`, which answers every head from the lexicons alone
  (``model_version`` ``"rules"``), and :func:`keyword_count_score`, the keyword-count baseline.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, Final

from ..taxonomy import FOCUSES, INNOVATOR_TYPES, SECTORS
from . import structure
from .gazetteer import RegionMatch, find_region
from .structure import TOKEN_BITS as STRUCTURE_BITS
from .structure import detect as detect_structure
from .text import (
    STOPWORDS,
    STOPWORDS_EN,
    STOPWORDS_ID,
    detect_language,
    normalize_post,
    normalize_tokens,
)

__all__ = [
    "Analysis",
    "RuleClassifier",
    "analyze",
    "author_tokens",
    "detect_language",
    "find_region",
    "keyword_count_score",
    "normalize_post",
    "stem",
]

#: the most text one post contributes (a 100 KB post is cut here before any work)
MAX_CHARS: Final = 4000

TOKEN_RE: Final = re.compile(r"[^\W_]+")

# ------------------------------------------------------------------ a crude, fast stemmer
# Sastrawi is exact but costs ~270 us for each new word; the classifier needs a stem that is
# cheap and consistent (the same word always maps the same way), not a dictionary root.
_PARTICLES: Final = ("nya", "lah", "kah", "pun")
_SUFFIXES: Final = ("kan", "an")
_PREFIXES: Final = (
    "memper", "meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen",
    "di", "ter", "ber", "ke", "se", "pe",
)  # fmt: skip
_VOWELS: Final = frozenset("aeiou")
_STEM_CACHE: dict[str, str] = {}
_STEM_CACHE_MAX: Final = 200_000


def _stem(word: str) -> str:
    if len(word) > 2 and word[-1] == "2" and word[:-1].isalpha():  # "kampung2" -> "kampung"
        word = word[:-1]
    if len(word) < 6 or not word.isalpha() or not word.isascii():
        return word
    for suffix in _PARTICLES:
        if word.endswith(suffix) and len(word) - 3 >= 5:
            word = word[:-3]
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 5:
            word = word[: -len(suffix)]
            break
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            rest = word[len(prefix) :]
            if prefix in ("meny", "peny") and rest[0] in _VOWELS:
                rest = "s" + rest
            elif prefix in ("men", "pen") and rest[0] in _VOWELS:
                rest = "t" + rest
            elif prefix in ("mem", "pem") and rest[0] in _VOWELS:
                rest = "p" + rest
            elif prefix in ("me", "pe") and rest[0] not in "lrwy":
                continue
            elif rest[0] not in _VOWELS and rest[1] not in _VOWELS and rest[1] not in "hlry":
                continue  # "kembang" is no "ke-" word
            return rest
    return word


def stem(word: str) -> str:
    """A crude Indonesian stem of one lower-case word ("meluncurkan", "diluncurkan" and
    "peluncuran" -> "luncur"); English words mostly pass through. Cached."""
    found = _STEM_CACHE.get(word)
    if found is None:
        found = _stem(word)
        if len(_STEM_CACHE) < _STEM_CACHE_MAX:
            _STEM_CACHE[word] = found
    return found


# ------------------------------------------------------------------ lexicons
# Each group lists surface forms; their stems and two-word phrases are matched too. Groups
# named "actor:<type>" and "sector:<slug>" carry the vocabulary slug after the colon.
LEXICON: Final[dict[str, str]] = {
    # ---- what makes a post an innovation
    "action": """
        luncurkan meluncurkan diluncurkan peluncuran launch launched launches launching
        ciptakan menciptakan diciptakan gelar menggelar digelar sediakan menyediakan
        disediakan bagikan membagikan dibagikan salurkan menyalurkan disalurkan dirikan
        mendirikan didirikan rakit merakit dirakit kembangkan mengembangkan dikembangkan
        produksi memproduksi diproduksi inisiasi menginisiasi digagas menggagas hadirkan
        menghadirkan dihadirkan sulap menyulap disulap kerahkan mengerahkan adakan
        mengadakan diadakan rilis merilis dirilis perkenalkan memperkenalkan operasikan
        mengoperasikan dioperasikan donasikan mendonasikan sumbangkan menyumbangkan
        disumbangkan bentuk membentuk dibentuk rancang merancang dirancang garap menggarap
        created creates developed develops introduced introduces deployed deploys donated
        donates distributes distributed organised organized designed invented converted
        converts rolled
        """,
    "action_weak": """
        bikin membikin dibikin membuat dibuat buka membuka dibuka bangun membangun dibangun
        siapkan menyiapkan disiapkan terapkan menerapkan diterapkan manfaatkan memanfaatkan
        jadikan menjadikan dijadikan layani melayani dilayani antar mengantar diantar
        antarkan jemput menjemput dijemput kirim mengirim dikirim aktifkan mengaktifkan
        diaktifkan ubah mengubah diubah uji ujicoba bagi2 berbagi built builds build
        create develop set sets runs run running opened opens provides provided provide
        distribute donate turned started starts offers offered offering delivering delivers
        delivered hosts hosted making made temukan menemukan ditemukan
        """,
    "thing": """
        aplikasi app apps platform layanan service services program programme posko dapur
        lumbung wastafel bilik disinfektan sterilisasi robot ventilator apd dashboard hotline
        callcenter gerai sentra shelter ambulans ambulance telemedicine telemedisin konsultasi
        website situs sistem fitur alat device kit prototipe prototype purwarupa mesin
        gerobak drivethru kios kiosk chatbot bot kanal portal markas lapak marketplace
        delivery jasa kelas radio podcast modul poster booth klinik clinic sanitizer
        handsanitizer faceshield kapsul chamber inkubator konsentrator hidroponik kartu
        voucher kupon tracker tracing peta aplikasinya
        drive thru call center dapur umum rumah isolasi rumah singgah lumbung pangan
        jemput bola antar jemput kampung tangguh pasar online kelas online belajar online
        """,
    "novel": """
        inovasi inovatif innovation innovative innovations terobosan kreatif kreativitas
        creative unik unique percontohan pilot perdana riset penelitian research peneliti
        researchers pengembangan prototipe prototype purwarupa temuan karya ciptaan paten
        uji klinis uji klinik clinical trial
        """,
    "helping": """
        gratis free cuma-cuma mandiri swadaya gotong royong urunan patungan sukarela
        relawan volunteer volunteers donasi donation bantu membantu help helps helping
        """,
    "covid": """
        covid covid19 corona coronavirus pandemi pandemic psbb ppkm isoman isolasi karantina
        lockdown prokes odp pdp otg wabah virus sars cov nakes delta omicron new normal
        physical distancing social distancing jaga jarak
        """,
    # ---- hard negatives
    "neg:stats": """
        kasus positif meninggal sembuh bertambah rekor deaths death cases recorded bor
        klaster cluster zona terkonfirmasi confirmed kematian wafat infected
        """,
    "neg:rule": """
        diperpanjang perpanjang perpanjangan extended extends extend larangan dilarang
        melarang ban banned bans ditutup tutup closed reopen reopens reopened curfew
        penyekatan sanksi denda pelanggaran pelanggar razia
        """,
    "neg:appeal": """
        jangan tolong please stay dirumahaja patuhi ingatkan mengingatkan imbau imbauan
        himbau menghimbau mengimbau hati-hati waspada
        """,
    "neg:opinion": """
        kok sih deh dong kesel kesal capek cape gimana kenapa mending harusnya seharusnya
        katanya wkwk wkwkwk haha hahaha lol anjir anjay bosen bosan kangen males malas
        lucu aneh bingung gue gw gua lu lo emang ngapain sumpah nyesel kecewa marah pusing
        goblok bego tolol
        """,
    "neg:politics": """
        jokowi anies presiden dpr partai pilkada oposisi rezim demo politik politisi pemilu
        ganjar prabowo luhut puan megawati kadrun cebong kampret buzzer makar mundur
        korupsi koruptor
        """,
    "neg:ad": """
        promo diskon jual dijual order ready stok harga murah poker slot togel judi bandar
        casino dm endorse followers giveaway cod reseller dropship
        """,
    "neg:hoax": """
        hoax hoaks konspirasi rumor bohong fitnah experiment eksperimen microchip chip
        """,
    "first_person": """
        aku gue gw gua saya i my me
        """,
    # ---- who: actor cues by innovator type (the order of types settles ties)
    "actor:kementerian-lembaga": """
        kementerian kemenkes kemensos kemendikbud kemendikbudristek kemenag kemendagri
        kominfo kemkominfo kemenkominfo kemenpan kemenparekraf kemenkeu kemenhub kemnaker
        kemenaker kemenperin kemendag kementan kemenristek kemenkumham kemenpupr pupr
        bappenas bnpb bpom brin lipi bppt bmkg bpjs bkkbn bps bpbd satgas gugus tni polri
        polda polres polresta polsek kodam kodim korem koramil babinsa bhabinkamtibmas
        brimob lanud lantamal lanal kapolri panglima menteri minister ministry ministries
        agency police military army navy airforce balai kedutaan konsorsium eijkman
        pemerintah pusat national government central government indonesian government
        kpu bulog basarnas lapas rutan imigrasi
        kejaksaan kejari kejati kpk
        """,
    "actor:pemprov": """
        pemprov provinsi gubernur governor provincial dinkesprov disdik dki jabar jateng
        jatim sumut sumbar sulsel kalsel kaltim kalbar ntb ntt diy
        """,
    "actor:pemkab": """
        pemkab kabupaten bupati regent regency district kab desa kecamatan camat
        pemdes kades lurah kelurahan nagari gampong
        """,
    "actor:pemkot": """
        pemkot walikota wali mayor municipal kota city kotamadya
        """,
    "actor:perguruan-tinggi": """
        universitas university univ institut institute politeknik polytechnic poltek
        kampus campus mahasiswa students student dosen lecturer lecturers rektor fakultas
        faculty ugm ui itb ipb its unair undip unpad unhas unand unsri usu unsyiah unram
        undana uns unej unila ulm unmul untan unpatti unsrat uncen uny unnes upi uin uii
        umy ums umm binus telkom stikes stie stmik poltekkes akademi laboratorium lab
        peneliti periset researchers researcher
        """,
    "actor:swasta": """
        pt perusahaan company companies firm startup start-up bumn bank telkomsel telkom
        pertamina pln gojek grab tokopedia shopee bukalapak traveloka indofood unilever
        hotel restoran restaurant kafe cafe kedai toko warung brand pabrik factory
        group grup tbk corp enterprise pengusaha usaha umkm ojol kurir
        """,
    "actor:masyarakat-sipil": """
        komunitas community communities warga residents resident relawan volunteer
        volunteers rt rw karang taruna yayasan foundation lsm ngo ormas nu muhammadiyah
        masjid mosque gereja church pesantren santri paguyuban kelompok collective
        gerakan movement pemuda youth pkk dasawisma forum himpunan ikatan asosiasi
        association organisasi organization ibu-ibu emak-emak jamaah jemaah
        dmi pmi bazna baznas laznas dompet act nasdem golkar pdip pks gerindra pkb
        """,
    "actor:perorangan": """
        seorang seseorang pria wanita perempuan laki-laki pak bu bapak mbak kakek nenek
        sosok man woman
        """,
    # occupations name an individual actor only after "seorang" / "a" (see actor_cue);
    # otherwise they are usually the people an initiative serves ("nelayan", "petani")
    "role": """
        seniman penjahit guru dokter perawat bidan petani nelayan pedagang sopir tukang
        remaja pelajar siswa siswi mahasiswa mahasiswi youtuber influencer teacher farmer
        fisherman artist tailor nurse doctor teenager grandmother grandfather student
        """,
    # ---- what about: sector cues
    "sector:kesehatan": """
        vaksin vaksinasi rs rumah sakit puskesmas pasien oksigen ventilator apd masker
        disinfektan wastafel cuci tangan tes swab rapid pcr antigen ambulans ambulance
        nakes dokter obat health hospital vaccine vaccines vaccination vaccinate vaccinated
        patient patients oxygen clinic klinik sehat kesehatan telemedicine telemedisin
        sanitizer handsanitizer imun imunitas jamu suntik booster tracing testing medis
        medical dinkes nutrisi gizi faceshield hazmat isoman saturasi
        """,
    "sector:bantuan-sosial": """
        bansos bantuan sembako donasi santunan blt bst pkh dapur umum nasi bungkus aid
        donation donations relief handout handouts yatim dhuafa disabilitas difabel
        lansia jompo sedekah zakat infak berbagi sumbangan donated donates paket gratis
        free cash assistance welfare needy miskin kurang mampu
        """,
    "sector:ekonomi": """
        umkm ukm pedagang pasar usaha ekonomi ojol modal pinjaman kredit insentif jualan
        penjualan market marketplace msme msmes small business businesses economy economic
        sellers traders vendors lapak kerajinan pariwisata tourism wisata pengrajin
        pelaku toko online shop ecommerce penghasilan pendapatan income pekerja phk kerja
        lowongan padat karya koperasi
        """,
    "sector:pendidikan": """
        sekolah belajar siswa murid guru pjj daring kuliah kelas pendidikan school schools
        students pupils learning teacher teachers kuota beasiswa pesantren calistung
        mengajar ngajar ajar les bimbel tutor education educational class classes
        """,
    "sector:pelayanan-publik": """
        pelayanan administrasi ktp akta dukcapil izin perizinan surat sikm pajak samsat
        antrean antrian pendaftaran registration permit permits public service services
        mpp sidang kependudukan sim stnk paspor dokumen document documents layanan
        online drive thru drivethru loket
        """,
    "sector:pangan": """
        pangan beras sayur sayuran sembako makanan makan lumbung tani petani nelayan ikan
        panen kebun food rice vegetables vegetable farmers farmer fishermen fish hidroponik
        dapur nasi telur lauk sagu jagung singkong harvest meals meal groceries
        """,
    "sector:informasi": """
        informasi info aplikasi website dashboard peta map hotline call center callcenter
        edukasi sosialisasi hoaks podcast infografis infografik data platform radio tv
        video poster bahasa kampanye information app tracking chatbot bot portal situs
        literasi penyuluhan konten content campaign updates whatsapp sms mural
        """,
    "sector:karantina": """
        karantina isolasi shelter rumah singgah penyekatan checkpoint pos jaga lockdown
        physical distancing jaga jarak sikm pembatasan portal kampung tangguh pemantauan
        pendatang pemudik mudik quarantine isolation distancing travel travellers
        travelers arrivals screening skrining perbatasan border isoman
        """,
}

ACTOR_TYPES: Final = tuple(INNOVATOR_TYPES)
SECTOR_SLUGS: Final = tuple(SECTORS)
FOCUS_SLUGS: Final = tuple(FOCUSES)
GROUPS: Final = tuple(LEXICON)

# the focus a post's strongest sector suggests (the official categories of the 2020 campaign)
SECTOR_FOCUS: Final[dict[str, str]] = {
    "kesehatan": "cepat-tanggap",
    "pelayanan-publik": "cepat-tanggap",
    "karantina": "cepat-tanggap",
    "bantuan-sosial": "ketangguhan-massal",
    "pangan": "ketangguhan-massal",
    "ekonomi": "ketangguhan-massal",
    "pendidikan": "pengetahuan-publik",
    "informasi": "pengetahuan-publik",
}


# two-word phrases in the lexicons: matched as a pair, never word by word
_PHRASES: Final = (
    "rumah sakit", "cuci tangan", "dapur umum", "nasi bungkus", "call center",
    "drive thru", "rumah isolasi", "rumah singgah", "lumbung pangan", "jemput bola",
    "antar jemput", "kampung tangguh", "pasar online", "kelas online", "belajar online",
    "physical distancing", "social distancing", "jaga jarak", "new normal", "pos jaga",
    "karang taruna", "small business", "public service", "gotong royong",
    "pemerintah pusat", "national government", "central government", "indonesian government",
    "padat karya", "surat edaran",
    "online shop", "kurang mampu", "dompet dhuafa", "surat edaran", "cash assistance",
    "uji klinis", "uji klinik", "clinical trial",
)  # fmt: skip


# stems too common in chat to stand for their lexicon words ("buat" = "for" as often as "make")
_VAGUE_STEMS: Final = frozenset({"buat", "bagi", "jadi", "ada", "pakai"})


def _build_terms() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    words: dict[str, set[int]] = {}
    phrases: dict[str, set[int]] = {}
    for gid, group in enumerate(GROUPS):
        text = " " + " ".join(LEXICON[group].lower().split()) + " "
        for phrase in _PHRASES:
            if f" {phrase} " in text:
                phrases.setdefault(phrase, set()).add(gid)
                text = text.replace(f" {phrase} ", " ")
        for entry in text.split():
            words.setdefault(entry, set()).add(gid)
            stemmed = stem(entry)
            # a stem that is a function word ("bagikan" -> "bagi" = "for") would match
            # everywhere: only the listed forms count then
            if "-" not in entry and stemmed not in STOPWORDS and stemmed not in _VAGUE_STEMS:
                words.setdefault(stemmed, set()).add(gid)
    return (
        {k: tuple(sorted(v)) for k, v in words.items()},
        {k: tuple(sorted(v)) for k, v in phrases.items()},
    )


WORD_GROUPS, PHRASE_GROUPS = _build_terms()
GROUP_INDEX: Final = {g: i for i, g in enumerate(GROUPS)}
_ACTION, _THING, _NOVEL, _COVID = (GROUP_INDEX[g] for g in ("action", "thing", "novel", "covid"))
_WEAK = GROUP_INDEX["action_weak"]
_STATS = GROUP_INDEX["neg:stats"]
_ROLE = GROUP_INDEX["role"]
_DISEASE_NAMES: Final = frozenset({"covid", "corona", "sars", "cov", "ncov"})
_ONE_PERSON: Final = frozenset({"seorang", "a", "an", "sang", "si", "one"})
_ACTOR_IDS: Final = tuple(GROUP_INDEX[f"actor:{t}"] for t in ACTOR_TYPES)
_ACTOR_ANY: Final = (*_ACTOR_IDS, GROUP_INDEX["role"])
_SECTOR_IDS: Final = tuple(GROUP_INDEX[f"sector:{s}"] for s in SECTOR_SLUGS)
_MINISTRY_GROUPS: Final = (GROUP_INDEX["actor:kementerian-lembaga"],)
NEGATIVE_GROUPS: Final = tuple(g for g in GROUPS if g.startswith("neg:"))

# words that name an actor only as part of a longer name: "kota" alone is not the city
# government, but "Pemkot", "Dinkes Kota X", "Kota X gelar ..." (a place that acts) are.
_GOV_WORDS: Final = frozenset(
    [
        "pemerintah",
        "pemda",
        "dinas",
        "dinkes",
        "disdik",
        "dishub",
        "dinsos",
        "disnaker",
        "diskominfo",
        "puskesmas",
        "rsud",
        "satpol",
        "bpbd",
        "government",
        "administration",
        "office",
        "agency",
        "health",
        "humas",
    ]
)

# ------------------------------------------------------------------ author handle cues
_HANDLE_SPLIT: Final = re.compile(r"[^A-Za-z]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# substrings of a handle that name the actor's type (checked in this order)
_HANDLE_CUES: Final[tuple[tuple[str, str], ...]] = (
    ("pemkot", "pemkot"), ("pemkab", "pemkab"), ("pemprov", "pemprov"),
    ("kemen", "kementerian-lembaga"), ("kementerian", "kementerian-lembaga"),
    ("ministry", "kementerian-lembaga"), ("polri", "kementerian-lembaga"),
    ("polda", "kementerian-lembaga"), ("polres", "kementerian-lembaga"),
    ("polsek", "kementerian-lembaga"), ("bnpb", "kementerian-lembaga"),
    ("satgas", "kementerian-lembaga"), ("kominfo", "kementerian-lembaga"),
    ("bpom", "kementerian-lembaga"), ("tni", "kementerian-lembaga"),
    ("univ", "perguruan-tinggi"), ("kampus", "perguruan-tinggi"),
    ("campus", "perguruan-tinggi"), ("institut", "perguruan-tinggi"),
    ("politeknik", "perguruan-tinggi"), ("poltek", "perguruan-tinggi"),
    ("komunitas", "masyarakat-sipil"), ("community", "masyarakat-sipil"),
    ("yayasan", "masyarakat-sipil"), ("foundation", "masyarakat-sipil"),
    ("relawan", "masyarakat-sipil"), ("masjid", "masyarakat-sipil"),
    ("gereja", "masyarakat-sipil"), ("karangtaruna", "masyarakat-sipil"),
    ("dki", "pemprov"), ("jabarprov", "pemprov"), ("jatengprov", "pemprov"),
    ("jatimprov", "pemprov"), ("humasprov", "pemprov"), ("prov", "pemprov"),
    ("kota", "pemkot"), ("kab", "pemkab"),
)  # fmt: skip
_HANDLE_WORDS: Final[dict[str, str]] = {
    "pt": "swasta", "tbk": "swasta", "official": "", "id": "", "ui": "perguruan-tinggi",
    "ugm": "perguruan-tinggi", "itb": "perguruan-tinggi", "ipb": "perguruan-tinggi",
    "its": "perguruan-tinggi", "unair": "perguruan-tinggi", "dinkes": "",
    "humas": "", "pemda": "", "lsm": "masyarakat-sipil", "ngo": "masyarakat-sipil",
}  # fmt: skip
_PERSONAL_HANDLE: Final = re.compile(r"\d{2,}$")  # "dimas_dailyy482": a person, weak


def author_tokens(author: str) -> list[str]:
    """A handle split into lower-case words: "HumasPolsekTap6" -> ["humas", "polsek", "tap"]."""
    return [w.lower() for w in _HANDLE_SPLIT.split(author or "") if w]


def author_cue(author: str, region: Any = None) -> str | None:
    """The innovator type an author's handle or profile name points to, if any."""
    if not author:
        return None
    words = author_tokens(author)
    for word in words:
        cue = _HANDLE_WORDS.get(word)
        if cue:
            return cue
    joined = "".join(words)
    for needle, cue in _HANDLE_CUES:
        if needle in joined:
            if needle in ("kota", "kab") and len(words) < 2 and joined != needle:
                continue  # "kotaku24" is not a city's account
            if needle == "kab" and "kabar" in joined:
                continue  # "kabar_sulsel" is a news account, not a regency's
            return cue
    if "dinkes" in words or "humas" in words or "pemda" in words:
        regency = getattr(region, "regency", None) if region is not None else None
        if regency is not None:
            return "pemkot" if regency.kind == "kota" else "pemkab"
    return None


# ------------------------------------------------------------------ analysis of one post
_RT_RE: Final = re.compile(r"\s*RT\s+@(\w+)", re.IGNORECASE)
_PHRASE_FIRST: Final = frozenset(p.split()[0] for p in PHRASE_GROUPS)
# token -> its stem, and token -> the lexicon groups it belongs to (only tokens in some group):
# plain dicts, filled on first sight, bounded
_TOKEN_STEM: dict[str, str] = {}
_TOKEN_GROUPS: dict[str, tuple[int, ...]] = {}
_TOKEN_CACHE_MAX: Final = 300_000


# words only one of the two languages uses: a post with two Indonesian ones (three English
# ones) and none of the other language needs no fuller detection; on 6,482 real and seed
# posts this shortcut answered about 70 % and always agreed with text.detect_language
# (which is the other engineer's, and costs several times more)
_ID_ONLY: Final = STOPWORDS_ID - STOPWORDS_EN
_EN_ONLY: Final = STOPWORDS_EN - STOPWORDS_ID

# pseudo-groups, kept apart from the lexicon groups (negative ids): where the words only one
# language uses are, and where two-word lexicon phrases may start
_ID_WORD, _EN_WORD, _PHRASE_HEAD = -1, -2, -3
# ... and the word lists of the structural detectors a token is in, as bits: group id
# _BITS_BASE - bits (so the detectors need no pass of their own over the tokens)
_BITS_BASE: Final = -1000


def _learn_token(token: str) -> str:
    found: tuple[int, ...]
    if token.isdigit():
        stemmed, found = "0", ()  # every number is one feature
    else:
        stemmed = stem(token)
        found = WORD_GROUPS.get(token) or WORD_GROUPS.get(stemmed) or ()
        if not found and token.startswith(("kemen", "kementerian")) and len(token) > 5:
            found = _MINISTRY_GROUPS  # every "Kemen..." is a ministry ("Kemenkop", "Kemenpora")
        if token in _ID_ONLY:
            found = (*found, _ID_WORD)
        elif token in _EN_ONLY:
            found = (*found, _EN_WORD)
        if token in _PHRASE_FIRST:
            found = (*found, _PHRASE_HEAD)
        bits = STRUCTURE_BITS.get(token)
        if bits:
            found = (*found, _BITS_BASE - bits)  # the detector word lists it is in
    if len(_TOKEN_STEM) >= _TOKEN_CACHE_MAX:
        _TOKEN_STEM.clear()
        _TOKEN_GROUPS.clear()
    _TOKEN_STEM[token] = stemmed
    if found:
        _TOKEN_GROUPS[token] = found
    return stemmed


@dataclass(slots=True)
class Analysis:
    """What the rules and the learned features need to know about one post."""

    tokens: list[str]
    stems: list[str]
    groups: dict[int, list[int]]  # lexicon group id -> token positions
    flags: list[str]  # raw-text flags: "rt", "reply", "many_tags", "question", ...
    lang: str
    author_cue: str | None
    region: RegionMatch | None
    shape: tuple[str, ...] = ()  # structural detectors that fired (structure.DETECTORS)
    mentions: list[tuple[int, int, str]] | None = None  # actor_mentions, once computed


def _text_of(post: Mapping[str, Any] | str) -> tuple[str, str, str, str | None]:
    if isinstance(post, str):
        return post, "", "", None
    text = post.get("text")
    author = post.get("author")
    location = post.get("user_location")
    lang = post.get("lang")
    return (
        text if isinstance(text, str) else "",
        author if isinstance(author, str) else "",
        location if isinstance(location, str) else "",
        lang if isinstance(lang, str) else None,
    )


def _language(given: str | None, raw: str, tokens: list[str], id_words: int, en_words: int) -> str:
    """The post's language: its own ``lang`` when it is id/in/en; else the shortcut on the
    counts of Indonesian-only and English-only words; else ``text.detect_language``."""
    if given:
        code = given.strip().lower().replace("_", "-").split("-")[0]
        if code == "in":  # Twitter's code for Indonesian
            return "id"
        if code in ("id", "en"):
            return code
    if not raw:
        return "und"
    if id_words >= 2 and not en_words and len(tokens) >= 3:
        return "id"
    if en_words >= 3 and not id_words:
        return "en"
    return detect_language(raw)


def analyze(post: Mapping[str, Any] | str, with_region: bool = True) -> Analysis:
    """Analyse one post (a mapping with ``text`` and optionally ``author``, ``user_location``,
    ``lang``; or a bare string). Never raises on odd input: missing or non-string fields count
    as empty, and text beyond :data:`MAX_CHARS` is ignored."""
    raw, author, location, lang = _text_of(post)
    if len(raw) > MAX_CHARS:
        raw = raw[:MAX_CHARS]
    flags: list[str] = []
    retweeted = None
    if raw[:1] in ("R", "r", " ") and (rt := _RT_RE.match(raw)):
        flags.append("rt")
        retweeted = rt.group(1)  # the account that wrote the text
    elif raw[:1] == "@" or raw.lstrip()[:1] == "@":
        flags.append("reply")  # a reply in a conversation, not a report
    if "#" in raw and raw.count("#") >= 5:
        flags.append("many_tags")
    if "@" in raw and raw.count("@") >= 3:
        flags.append("many_mentions")
    if "?" in raw:
        flags.append("question")
    tokens = normalize_tokens(raw) if raw else []
    if len(tokens) < 6:
        flags.append("short")
    stems = list(map(_TOKEN_STEM.get, tokens))
    if None in stems:
        stems = [s or _learn_token(t) for t, s in zip(tokens, stems, strict=True)]
    token_groups = _TOKEN_GROUPS
    groups: dict[int, list[int]] = {}
    for i in [i for i, t in enumerate(tokens) if t in token_groups]:
        for gid in token_groups[tokens[i]]:
            if gid in groups:
                groups[gid].append(i)
            else:
                groups[gid] = [i]
    if _STATS in groups:  # case counts come with numbers: "tambah 879 kasus", "6 kasus baru"
        numbers = [
            i
            for i, tok in enumerate(tokens)
            if tok[0].isdigit() and not (i and tokens[i - 1] in _DISEASE_NAMES)
        ]  # "covid 19" is no count
        kept = [p for p in groups[_STATS] if any(abs(p - n) <= 3 for n in numbers)]
        if kept:
            groups[_STATS] = kept
        else:
            del groups[_STATS]
    heads = groups.pop(_PHRASE_HEAD, None)
    if heads:
        last = len(tokens) - 1
        for i in heads:
            if i < last:
                for gid in PHRASE_GROUPS.get(tokens[i] + " " + tokens[i + 1], ()):
                    positions = groups.setdefault(gid, [])
                    if i not in positions:
                        positions.append(i)
    bits = 0
    for gid in [gid for gid in groups if gid <= _BITS_BASE]:
        bits |= _BITS_BASE - gid
        del groups[gid]
    id_words = len(groups.pop(_ID_WORD, ()))
    en_words = len(groups.pop(_EN_WORD, ()))
    region = None
    if with_region:
        try:
            region = find_region(raw, location or None)
        except Exception:  # noqa: BLE001 - a gazetteer failure must not lose the post
            region = None
    return Analysis(
        tokens=tokens,
        stems=stems,  # type: ignore[arg-type]
        groups=groups,
        flags=flags,
        lang=_language(lang, raw, tokens, id_words, en_words),
        author_cue=_handle_cue(retweeted, author, region),
        region=region,
        shape=(
            detect_structure(
                raw,
                tokens,
                groups.get(_ACTION),
                bits,
                groups.get(_WEAK),
                region is not None and region.source == "text",
            )
            if raw
            else ()
        ),
    )


def _handle_cue(retweeted: str | None, author: str, region: Any) -> str | None:
    """The actor type the handle of whoever wrote the text names: for a retweet the original
    account ("RT @KemenkesRI: ..."), else the author; the retweeter's handle is a fallback."""
    cue = author_cue(retweeted, region) if retweeted else None
    if cue is None and author:
        cue = author_cue(author, region)
    return cue


def near(a: list[int] | None, b: list[int] | None, window: int = 6) -> bool:
    """True when some position in ``a`` is within ``window`` tokens of one in ``b``."""
    if not a or not b:
        return False
    return any(abs(i - j) <= window for i in a for j in b)


_GOV_ACTORS: Final = frozenset({"pemkot", "pemkab", "pemprov"})
_GOV_HEADS: Final = frozenset(
    ["pemkot", "pemkab", "pemprov", "walikota", "bupati", "gubernur", "mayor", "regent", "governor"]
)


def actor_mentions(analysis: Analysis) -> list[tuple[int, int, str]]:
    """Where the text names an actor: (token position, rank of the type, type), in text order.
    A place name alone ("Kota Malang", "Jabar") names no actor; it does with a government word
    or an action beside it ("Dinkes Kota Malang", "Kota Kendari gelar ..."). An occupation
    names an individual only after "seorang" / "a" ("seorang guru")."""
    if analysis.mentions is not None:
        return analysis.mentions
    groups = analysis.groups
    tokens = analysis.tokens
    found: list[tuple[int, int, str]] = []
    for rank, (gid, kind) in enumerate(zip(_ACTOR_IDS, ACTOR_TYPES, strict=True)):
        positions = groups.get(gid)
        if not positions:
            continue
        if kind in _GOV_ACTORS:
            positions = [p for p in positions if tokens[p] in _GOV_HEADS or _gov_near(analysis, p)]
        found.extend((p, rank, kind) for p in positions)
    if _ROLE in groups:
        found.extend(
            (p, len(ACTOR_TYPES), "perorangan")
            for p in groups[_ROLE]
            if p > 0 and tokens[p - 1] in _ONE_PERSON
        )
    found.sort()
    analysis.mentions = found
    return found


def actor_cue(analysis: Analysis) -> str | None:
    """The innovator type the text names first (ties broken by the vocabulary's order)."""
    mentions = actor_mentions(analysis)
    return mentions[0][2] if mentions else None


def _gov_near(analysis: Analysis, position: int) -> bool:
    tokens = analysis.tokens
    lo, hi = max(0, position - 3), min(len(tokens), position + 4)
    if any(tokens[i] in _GOV_WORDS for i in range(lo, hi)):
        return True
    # "Kota Kendari gelar ..." / "Kabupaten Badung luncurkan ...": a place that acts
    return near([position], analysis.groups.get(_ACTION), 3) and position <= 2


# ------------------------------------------------------------------ features for the model
FLAGS: Final = ("rt", "reply", "many_tags", "many_mentions", "question", "short")
_INTERACTIONS: Final = (
    "actor+action",
    "actor+action_weak",
    "action+thing",
    "action_weak+thing",
    "actor+action+thing",
    "actor+novel",
    "actor_first",
    "no_negative",
    "negatives>=2",
)
_GROUP_FEATURES: Final = tuple(f"[{g}]" for g in GROUPS)
# the rubric's structure (see structure.py): conjunctions of an actor (A: a lexicon actor, a
# named institution or an official handle), a strong action (L), an initiative (I: a thing, a
# named initiative or an adapted delivery mode) and novelty or research words (N); then the
# detectors themselves, and the negative shapes (each a detector or its lexicon group)
SHAPE_POSITIVE: Final = (
    "A&L", "L&I", "A&I", "A&N", "A&L&I", "N&I", "named_actor", "named_initiative", "delivery",
    "known_initiative",
)  # fmt: skip
SHAPE_NEGATIVE: Final = (
    "plan", "event_prize", "visit", "rule", "stats", "opinion", "ad", "routine", "foreign",
)  # fmt: skip
SHAPE_FEATURES: Final = tuple(f"[shape:{f}]" for f in (*SHAPE_POSITIVE, *SHAPE_NEGATIVE))
LEXICON_FEATURES: Final[tuple[str, ...]] = (
    *SHAPE_FEATURES,
    *_GROUP_FEATURES,
    "[actor]",
    *(f"[{f}]" for f in _INTERACTIONS),
    *(f"[flag:{f}]" for f in FLAGS),
    *(f"[names:{t}]" for t in ACTOR_TYPES),
    "[place]",
    "[place:kota]",
    "[place:kabupaten]",
    "[lang:en]",
)
LEX_INDEX: Final = {name: i for i, name in enumerate(LEXICON_FEATURES)}
_NEG_GIDS: Final = tuple(GROUP_INDEX[g] for g in NEGATIVE_GROUPS)
DEFAULT_FLAGS: Final = ("many_tags", "many_mentions", "question", "reply")


def lexicon_features(a: Analysis, flags: tuple[str, ...] = DEFAULT_FLAGS) -> list[int]:
    """Indices (into :data:`LEXICON_FEATURES`) of the lexicon features that fire for a post;
    of the raw-text flags only those in ``flags`` count."""
    idx = LEX_INDEX
    g = a.groups
    out = [gid + _N_SHAPE for gid in g]  # group features come after the shape features
    mentions = actor_mentions(a) if any(gid in g for gid in _ACTOR_ANY) else []
    actor_pos = [m[0] for m in mentions]
    action = g.get(_ACTION)
    weak = g.get(_WEAK)
    thing = g.get(_THING)
    action_thing = near(action, thing)
    weak_thing = near(weak, thing)
    if action_thing:
        out.append(idx["[action+thing]"])
    if weak_thing:
        out.append(idx["[action_weak+thing]"])
    if actor_pos:
        out.append(idx["[actor]"])
        actor_action = near(actor_pos, action)
        if actor_action:
            out.append(idx["[actor+action]"])
        actor_weak = near(actor_pos, weak)
        if actor_weak:
            out.append(idx["[actor+action_weak]"])
        if (actor_action or actor_weak) and (action_thing or weak_thing):
            out.append(idx["[actor+action+thing]"])
        if _NOVEL in g:
            out.append(idx["[actor+novel]"])
        if min(actor_pos) <= 2:
            out.append(idx["[actor_first]"])
        out.append(idx["[names:" + mentions[0][2] + "]"])
    negatives = sum(1 for gid in _NEG_GIDS if gid in g)
    if negatives == 0:
        out.append(idx["[no_negative]"])
    elif negatives >= 2:
        out.append(idx["[negatives>=2]"])
    for flag in a.flags:
        if flag in flags:
            out.append(idx["[flag:" + flag + "]"])
    region = a.region
    if region is not None:
        out.append(idx["[place]"])
        regency = region.regency
        if regency is not None and regency.kind in ("kota", "kabupaten"):
            out.append(idx["[place:" + regency.kind + "]"])
    if a.lang == "en":
        out.append(idx["[lang:en]"])
    out.extend(_shape_features(a, bool(actor_pos), action, thing))
    return out


_N_SHAPE: Final = len(SHAPE_FEATURES)
_SHAPE_INDEX: Final = {f[7:-1]: i for i, f in enumerate(SHAPE_FEATURES)}
_SHAPE_OR_GROUP: Final = (
    ("rule", GROUP_INDEX["neg:rule"]),
    ("stats", GROUP_INDEX["neg:stats"]),
    ("opinion", GROUP_INDEX["neg:opinion"]),
    ("ad", GROUP_INDEX["neg:ad"]),
    ("ad", GROUP_INDEX["neg:hoax"]),
)


def _shape_features(
    a: Analysis, lexicon_actor: bool, action: list[int] | None, thing: list[int] | None
) -> list[int]:
    """Indices (into :data:`LEXICON_FEATURES`) of the shape features of a post."""
    shape = a.shape
    g = a.groups
    index = _SHAPE_INDEX
    fired = {name for name in shape if name in index}
    for name, gid in _SHAPE_OR_GROUP:
        if gid in g:
            fired.add(name)
    actor = lexicon_actor or "named_actor" in fired or "handle_actor" in shape
    initiative = (
        bool(thing)
        or "named_initiative" in fired
        or "delivery" in fired
        or "known_initiative" in fired
    )
    launch = bool(action)
    novel = _NOVEL in g
    if actor and launch:
        fired.add("A&L")
        if initiative:
            fired.add("A&L&I")
    if launch and initiative:
        fired.add("L&I")
    if actor and initiative:
        fired.add("A&I")
    if actor and novel:
        fired.add("A&N")
    if novel and initiative:
        fired.add("N&I")
    return [index[name] for name in fired]


def terms(a: Analysis, ngram_range: tuple[int, int]) -> Iterable[str]:
    """The stem n-grams of a post (unigrams and/or bigrams, "a b")."""
    stems = a.stems
    lo, hi = ngram_range
    if hi >= 2 and len(stems) > 1:
        bigrams = map(" ".join, zip(stems, stems[1:], strict=False))
        return chain(stems, bigrams) if lo <= 1 else bigrams
    return stems if lo <= 1 else ()


def featurize(
    analyses: Iterable[Analysis],
    vocabulary: Mapping[str, int],
    ngram_range: tuple[int, int],
    flags: tuple[str, ...],
) -> tuple[list[int], list[int]]:
    """Column indices of every post's features, CSR style (``indices``, ``indptr``): the
    vocabulary's stem n-grams (columns ``0 .. len(vocabulary) - 1``), then the lexicon
    features (columns ``len(vocabulary) + LEX_INDEX[name]``)."""
    vocab_get = vocabulary.get
    offset = len(vocabulary)
    indptr = [0]
    indices: list[int] = []
    join = " ".join
    both = tuple(ngram_range) == (1, 2)
    for a in analyses:
        if both:  # the common case, spelled out: a third faster than going through terms()
            stems = a.stems
            pairs = zip(stems, stems[1:], strict=False)
            cols = {*map(vocab_get, stems), *map(vocab_get, map(join, pairs))}
        else:
            cols = set(map(vocab_get, terms(a, ngram_range)))
        cols.discard(None)
        indices.extend(cols)  # type: ignore[arg-type]
        indices.extend([offset + i for i in lexicon_features(a, flags)])
        indptr.append(len(indices))
    return indices, indptr


# ------------------------------------------------------------------ the rule classifier
RULE_WEIGHTS: Final[dict[str, float]] = {
    "bias": -3.2,
    "actor": 0.9,
    "action": 1.0,
    "action_weak": 0.4,
    "thing": 0.6,
    "novel": 0.8,
    "helping": 0.3,
    "covid": 0.4,
    "actor+action": 1.4,
    "action+thing": 0.8,
    "neg:stats": -0.9,
    "neg:rule": -0.7,
    "neg:appeal": -0.7,
    "neg:opinion": -0.8,
    "neg:politics": -0.9,
    "neg:ad": -1.5,
    "neg:hoax": -1.5,
    "first_person": -0.4,
    "question": -0.8,
    "reply": -1.2,
    "many_tags": -0.8,
}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def rule_evidence(analysis: Analysis) -> dict[str, float]:
    """The weighted rule features that fire for a post (name -> contribution to the logit)."""
    g = analysis.groups
    actor_positions = [p for p, _, _ in actor_mentions(analysis)]
    fired: dict[str, float] = {}
    w = RULE_WEIGHTS
    if actor_positions:
        fired["actor"] = w["actor"]
    for name, gid in (
        ("action", _ACTION),
        ("action_weak", _WEAK),
        ("thing", _THING),
        ("novel", _NOVEL),
        ("helping", GROUP_INDEX["helping"]),
    ):
        if gid in g:
            fired[name] = w[name]
    if _COVID in g:
        fired["covid"] = w["covid"]
    if near(actor_positions, g.get(_ACTION)):
        fired["actor+action"] = w["actor+action"]
    if near(g.get(_ACTION), g.get(_THING)):
        fired["action+thing"] = w["action+thing"]
    for name in (*NEGATIVE_GROUPS, "first_person"):
        if GROUP_INDEX[name] in g:
            fired[name] = w[name]
    for flag in ("question", "many_tags", "reply"):
        if flag in analysis.flags:
            fired[flag] = w[flag]
    return fired


def sector_scores(analysis: Analysis) -> list[int]:
    """How many sector cue words of each sector (in SECTORS order) the post has."""
    return [len(analysis.groups.get(gid, ())) for gid in _SECTOR_IDS]


def _feature_name(rule: str) -> str:
    """A rule's name as the learned model's explanations write it: "[actor+action]"."""
    return f"[flag:{rule}]" if rule in FLAGS else f"[{rule}]"


class RuleClassifier:
    """Keyword rules answering every head; ``model_version`` is ``"rules"``."""

    version = "rules"
    threshold = 0.5

    def predict_analyses(self, analyses: Sequence[Analysis]) -> list[dict[str, Any]]:
        out = []
        for analysis in analyses:
            fired = rule_evidence(analysis)
            score = round(_sigmoid(RULE_WEIGHTS["bias"] + sum(fired.values())), 6)
            counts = sector_scores(analysis)
            top = max(counts)
            sectors = [s for s, c in zip(SECTOR_SLUGS, counts, strict=True) if top and c == top]
            if not sectors:
                sectors = ["kesehatan"]
            focus = SECTOR_FOCUS[sectors[0]]
            kind = structural_actor(analysis) or analysis.author_cue or "masyarakat-sipil"
            explain = sorted(fired.items(), key=lambda kv: -abs(kv[1]))[:8]
            out.append(
                {
                    "score": score,
                    "is_innovation": score >= self.threshold,
                    "sectors": sectors,
                    "focus": focus,
                    "innovator_type": kind,
                    "explain": [[_feature_name(name), round(w, 3)] for name, w in explain],
                }
            )
        return out


# the words of DESIGN.md's keyword filter ("inovasi, aplikasi, relawan, donasi or posko")
BASELINE_KEYWORDS: Final = frozenset(
    [
        "inovasi",
        "inovatif",
        "aplikasi",
        "relawan",
        "donasi",
        "posko",
        "luncurkan",
        "meluncurkan",
        "diluncurkan",
    ]
)


def keyword_count_score(texts: Iterable[str]) -> list[float]:
    """The keyword-count baseline: how many baseline keywords each text holds."""
    out = []
    for text in texts:
        words = TOKEN_RE.findall((text or "").lower())
        out.append(float(sum(w in BASELINE_KEYWORDS for w in words)))
    return out


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())


# ------------------------------------------------------------------ the structural actor
# The guide (section 4): the innovator is "the actor who made or runs the initiative, not the
# one who posted it, not the beneficiary"; "volunteers of a clinical trial or the people
# served ('nelayan', 'warga isoman') are not the actor".
_BENEFICIARY_MARKS: Final = _words(
    "untuk bagi kepada ke pada buat terhadap sasar menyasar sasaran khusus for to"
)
_TRIAL_WORDS: Final = _words("uji klinis klinik trial trials penelitian riset")
_SUBJECT_WORDS: Final = _words("relawan volunteer volunteers warga residents")


# a regional office ("Dinkes", "Puskesmas", "RSUD", "BPBD") belongs to the government of the
# place named with it: a city's, a regency's, or a province's when only a province is named
_OFFICE_WORDS: Final = _words(
    "pemda dinas dinkes disdik dishub dinsos disnaker diskominfo disperindag disnakertrans "
    "puskesmas rsud satpol bpbd government administration govt"
)  # "The Aceh government ...", "Maluku Province government ...": English names the level
# by the place


_OFFICE_LEVEL: Final = {
    "provinsi": "pemprov", "prov": "pemprov", "province": "pemprov", "provincial": "pemprov",
    "kota": "pemkot", "city": "pemkot", "kab": "pemkab", "kabupaten": "pemkab",
    "regency": "pemkab",
}  # fmt: skip
# an office is the actor when it opens the text (a headline's subject) or is the agent
_OFFICE_FIRST: Final = 3


def _office_kind(tokens: list[str], position: int, region: RegionMatch | None) -> str | None:
    """The government a regional office at ``position`` belongs to: the level written after
    it ("Dinkes Provinsi ...", "Disdik Kota ..."), else that of the place the text names."""
    for token in tokens[position + 1 : position + 3]:
        if token in _OFFICE_LEVEL:
            return _OFFICE_LEVEL[token]
    if region is None or region.source != "text":
        return None
    if region.regency is not None and region.regency.kind in ("kota", "kabupaten"):
        return "pemkot" if region.regency.kind == "kota" else "pemkab"
    return "pemprov" if region.province is not None else None


# a text that opens with a place and its level ("Pekanbaru City implemented ...", "Kudus
# Regency built ...", "Gorontalo Province applied ...", "The district head of Bantul ...") is
# about that government: how descriptions of measures are written
_PLACE_LEVEL: Final = {
    **_OFFICE_LEVEL,
    "district": "pemkab",
    "special": "pemprov",  # "Yogyakarta Special Region"
}
_SUBJECT_SPAN: Final = 5


def _place_as_subject(analysis: Analysis) -> str | None:
    region = analysis.region
    if region is None or region.source != "text":
        return None
    for token in analysis.tokens[:_SUBJECT_SPAN]:
        level = _PLACE_LEVEL.get(token)
        if level is not None:
            return level
    return None


# the subject of a sentence that opens with a government, as descriptions of measures and
# news write it: "The city council of Solo ...", "The provincial government of Central Java",
# "Bandung city government", "The Indonesian police", "The Governor of Bali", "The Ministry
# of Health", "Pemerintah Kota Surabaya": the level word beside the government word, else the
# head of that government, else the place named after "of"
_GOVERNMENT_WORDS: Final = _words(
    "council government administration authorities authority govt officials pemerintah "
    "immigration embassy taskforce force department board"
)
_GOVERNMENT_LEVEL: Final = {
    "city": "pemkot", "municipal": "pemkot", "kota": "pemkot", "regency": "pemkab",
    "kabupaten": "pemkab", "district": "pemkab", "provincial": "pemprov", "province": "pemprov",
    "provinsi": "pemprov", "national": "kementerian-lembaga", "central": "kementerian-lembaga",
    "indonesian": "kementerian-lembaga", "pusat": "kementerian-lembaga",
}  # fmt: skip
_GOVERNMENT_HEADS: Final = {
    "governor": "pemprov", "gubernur": "pemprov", "mayor": "pemkot", "walikota": "pemkot",
    "regent": "pemkab", "bupati": "pemkab", "president": "kementerian-lembaga",
    "presiden": "kementerian-lembaga", "minister": "kementerian-lembaga",
    "ministry": "kementerian-lembaga", "menteri": "kementerian-lembaga",
    "police": "kementerian-lembaga", "polri": "kementerian-lembaga",
    "military": "kementerian-lembaga", "army": "kementerian-lembaga",
}  # fmt: skip
_COUNTRY_WORDS: Final = _words("indonesia indonesian republic ri")
# the heads are looked for in the first words; a government word ("the city council of ...")
# a little further, past an opening phrase ("On April 2, ...", "As part of its policy, ...")
_HEAD_SPAN: Final = 6
_GOVERNMENT_SPAN: Final = 12


def government_subject(analysis: Analysis) -> str | None:
    """The level of the government a text opens with (within its first few words), or None.
    A text that names the country and neither an actor nor a place ("Indonesia is banning
    entry ...") is about the national government."""
    tokens = analysis.tokens[:_GOVERNMENT_SPAN]
    for p, token in enumerate(tokens):
        if p < _HEAD_SPAN and token in _GOVERNMENT_HEADS:
            return _GOVERNMENT_HEADS[token]
        if token == "bank" and tokens[p + 1 : p + 2] == ["indonesia"]:
            return "kementerian-lembaga"  # the central bank
        if token not in _GOVERNMENT_WORDS:
            continue
        for near_token in (*tokens[max(p - 2, 0) : p][::-1], *analysis.tokens[p + 1 : p + 3]):
            if near_token in _GOVERNMENT_LEVEL:
                return _GOVERNMENT_LEVEL[near_token]
        after = analysis.tokens[p + 1 : p + 4]
        if not _COUNTRY_WORDS.isdisjoint(after) or not _COUNTRY_WORDS.isdisjoint(tokens[:p]):
            return "kementerian-lembaga"
        return _office_kind(analysis.tokens, p, analysis.region)
    return None


def _country_subject(analysis: Analysis) -> str | None:
    if analysis.region is None and not _COUNTRY_WORDS.isdisjoint(analysis.tokens[:_HEAD_SPAN]):
        return "kementerian-lembaga"
    return None


def structural_actor(analysis: Analysis) -> str | None:
    """The innovator type of the first actor the text names that is neither a beneficiary
    ("untuk warga", "bagi para mahasiswa", "for residents") nor, in a text about a clinical
    trial, its volunteers or the residents taking part; a regional office counts as the
    government of the place the text names ("Dinkes Papua Barat" -> pemprov), any
    "Kemen..." as a ministry. When every actor named is a beneficiary, the first one; None
    when the text names no actor."""
    tokens = analysis.tokens
    groups = analysis.groups
    subject = government_subject(analysis)
    if subject is not None:
        return subject
    # who runs an initiative known by name, when the text names no one else
    owner = (
        structure.known_initiative_owner(tokens) or None
        if "known_initiative" in analysis.shape
        else None
    )
    has_actor = any(gid in groups for gid in _ACTOR_ANY)
    offices = [p for p, t in enumerate(tokens[:_OFFICE_FIRST]) if t in _OFFICE_WORDS]
    if not has_actor and not offices and _OFFICE_WORDS.isdisjoint(tokens):
        # most posts: nothing names an actor
        return owner or _place_as_subject(analysis) or _country_subject(analysis)
    found = [(p, 0, k) for p, _, k in actor_mentions(analysis)] if has_actor else []
    if "oleh" in tokens or "by" in tokens:
        offices += [
            p
            for p in range(_OFFICE_FIRST, len(tokens))
            if tokens[p] in _OFFICE_WORDS and tokens[p - 1] in ("oleh", "by")
        ]
    for position in offices:
        office = _office_kind(tokens, position, analysis.region)
        if office is not None:
            found.append((position, -1, office))
    if not found:
        return owner or _place_as_subject(analysis)
    found.sort()
    trial: bool | None = None
    for position, _, kind in found:
        if position and (
            tokens[position - 1] in _BENEFICIARY_MARKS
            or (position > 1 and tokens[position - 2] in _BENEFICIARY_MARKS)
        ):
            continue  # who is served, not who serves
        if tokens[position] in _SUBJECT_WORDS:
            if trial is None:
                trial = not _TRIAL_WORDS.isdisjoint(tokens)
            if trial:
                continue  # "relawan uji klinis": the trial's subjects
        return kind
    return owner or found[0][2]
