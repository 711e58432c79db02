"""Social-media posts as the classifier reads them.

``normalize_post`` / ``normalize_tokens`` (URLs, mentions, emoji, hashtags, stretched letters,
slang and COVID-era terms handled), ``clean_post``, ``split_hashtag``, ``squeeze_repeats`` and
``detect_language``; ``known_words``, ``region_words`` and ``root_like`` answer, for the
structural detectors, which words are no proper name. They build on the shared text rules of
:mod:`registry.text` (folding, stopwords, stemmers, the "RT @user:" prefix and the stripper of
links and mentions). See docs/normalization.md.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from itertools import chain

from ..text import (
    RT_PREFIX_RE,
    STOPWORDS,
    STOPWORDS_EN,
    STOPWORDS_ID,
    TOKEN_RE,
    fold,
    strip_links_and_mentions,
    word_set,
)

__all__ = [
    "clean_post",
    "detect_language",
    "known_words",
    "normalize_post",
    "normalize_tokens",
    "region_words",
    "root_like",
    "split_hashtag",
    "squeeze_repeats",
]


# --------------------------------------------------------------------------- social-media posts
#
# ``normalize_post`` turns a raw post into the space-separated token string the models read;
# ``clean_post`` is its first, case-keeping half (also used by the gazetteer); ``detect_language``
# tells Indonesian from English. Method, choices and measured figures: docs/normalization.md.
# Everything is cheap on purpose (the classifier predicts >= 10,000 posts/s on one core):
# precompiled regular expressions, guards that skip a step when its trigger character is
# absent, dict lookups, and per-token caches.

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w+)")
_CAMEL_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_LETTERS_DIGITS_RE = re.compile(r"[a-z]+|\d+")
_RUN3_RE = re.compile(r"([a-z])\1{2,}")
_FINAL2_RE = re.compile(r"([a-z])\1$")
_REPEAT_HINT_RE = re.compile(r"([a-z])\1")
_LAUGH_RE = re.compile(
    r"a?(?:h+[aei]+){2,}h*|w*(?:k+w+)+k*|(?:x+i+){2,}x*|(?:k+w+){2,}k*|(?:h+a+)+h+a*|wk+"
)
_REDUP_RE = re.compile(r"([a-z]{2,})2")
_LAUGHTER = "haha"


#: Frequent Indonesian words beyond the stopword list (language detection, hashtag splitting).
_FREQUENT_ID = word_set(
    """ayo bagus banget bantu bantuan bapak baik bayar beli belajar benar berapa berita bersama
    besar biar biasa bikin bilang buat buka bulan cara cepat cuci daerah datang depan desa
    dokter dua dukung gratis hari harga hidup hilang ibu ikut informasi ingin isi jalan jam
    jaga jarak jauh jelas kabar kali kampung kantor kasih kasus kabupaten kecamatan keluar
    keluarga kelurahan kerja kesehatan ketua kirim kondisi korban kota kurang langsung lama
    layanan lihat luar makan malam masa masker masyarakat mati mau meninggal minggu minta mohon
    mudah mulai naik nama negara orang pagi pakai paling pasar pasien pelayanan pemerintah
    penting perlu pergi pertama positif pulang rakyat ramai rasa relawan rumah sakit satu
    sedikit sehat sekolah selalu semoga sembuh sering siswa sosial sulit tahu tahun tangan
    tanggal tenaga terima tempat tinggal tolong tua turun uang umum utama vaksin warga wilayah
    yuk aja gak nggak udah kalo sih nih lho kan mas mbak kak pak bu terus gimana sekali semua
    besok kemarin beliau kalian bantuan dibagikan membuat membantu memberikan warganya
    indonesia gotong royong posko donasi inovasi aplikasi bekerja ada hal baru lewat sampai
    karena hati selamat jadi kerja tangani penanganan pencegahan penyebaran pandemi wabah
    dibuka ditutup tutup terpapar meninggal dunia ribu juta puluh ratus lima tiga empat enam
    tujuh delapan sembilan sepuluh anak guru murid mahasiswa kampus petani nelayan pedagang
    pekerja buruh ojek sopir online gratis lebih kurang sebagian berhasil bersih air sabun
    harus tetap"""
)
#: Frequent English words beyond the stopword list.
_FREQUENT_EN = word_set(
    """people government health city regency province village community hospital school
    students teachers free help support launch launched launches new program programme
    service services public local residents workers food aid cash masks mask hand washing
    stations app application platform cases case pandemic vaccine vaccination vaccines test
    testing tests quarantine home stay safe work working worked day days week weeks month
    months year years time today yesterday tomorrow good great bad best better many much first
    last next still even also like know think see get got make made use used using need needs
    want give given gives take help helps old young elderly children kids family families
    small business businesses market markets price prices money job jobs open opened close
    closed start started end ended report reported says said say tell told show shows shown
    please thanks thank love really well since without across around official officials
    minister ministry agency police army task force social distancing spread virus patients
    doctors nurses medical equipment supplies donation donations volunteers volunteer
    distributed distribution delivered delivery drive initiative innovation innovative
    system information check scan queue register registration digital virtual class classes
    learning teaching water soap sink sinks indonesia indonesian government's every way
    going come comes came let lets keep kept put run runs set sets around away back
    another again already always never ever here there everyone someone anyone nothing
    something everything thing things sure right wrong hope hopes wish feel life world
    country countries national regional district districts mayor governor regent head
    office offices staff team leader leaders citizens households neighbours neighbors
    online offline website link live video call calls message messages phone number
    numbers line lines while whose who's it's that's don't can't won't isn't amazing
    awesome cool nice sad happy lockdown"""
)


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(TOKEN_RE.findall(fold(text)))


def _read_data(name: str) -> str:
    try:
        return (resources.files("registry") / "data" / name).read_text(encoding="utf-8")
    except (OSError, TypeError, ValueError):  # a namespace-package install, see taxonomy
        from pathlib import Path

        return (Path(__file__).resolve().parents[1] / "data" / name).read_text(encoding="utf-8")


def _read_roots() -> frozenset[str]:
    """Sastrawi's dictionary of Indonesian root words (shipped with PySastrawi, MIT)."""
    try:
        path = resources.files("Sastrawi") / "Stemmer" / "data" / "kata-dasar.txt"
        return frozenset(w.strip() for w in path.read_text(encoding="utf-8").split())
    except (OSError, TypeError, ValueError, ModuleNotFoundError):
        return frozenset()


class _Lexicon:
    """The normalization tables, built once on first use (about 0.3 s)."""

    def __init__(self) -> None:
        slang: dict[tuple[str, ...], tuple[str, ...]] = {}
        for line in _read_data("slang_id.tsv").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            slang_key, slang_value = line.split("\t")[:2]
            slang[_phrase(slang_key)] = _phrase(slang_value)
        covid: dict[tuple[str, ...], tuple[str, ...]] = {}
        terms: set[str] = set()
        for line in _read_data("covid_terms.tsv").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            cols = (line.split("\t") + ["", "", "", ""])[:5]
            term, mode, expansions, variants = (
                _phrase(cols[0]),
                cols[1].strip(),
                _split_list(cols[2]),
                _split_list(cols[3]),
            )
            terms.update(term)
            if mode == "expand" and expansions:
                target = _phrase(expansions[0])
                sources = [term, *map(_phrase, expansions[1:]), *map(_phrase, variants)]
            else:
                target = term
                sources = [*map(_phrase, expansions), *map(_phrase, variants)]
            for source in sources:
                if source and source != target:
                    covid[source] = target
            if len(target) > 1:  # matched as a whole, so that no variant overlaps it
                covid[target] = target
        #: one-token slang -> its replacement (applied to every token)
        self.unigram: dict[str, tuple[str, ...]] = {
            key[0]: value for key, value in slang.items() if len(key) == 1
        }
        for key in covid:
            if len(key) == 1:
                self.unigram.pop(key[0], None)
        # Multi-token phrases are matched after the one-token replacement, so their keys are
        # written in replaced form ("gak papa" -> "tidak papa"); COVID terms win over slang.
        phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for table in (slang, covid):
            for key, value in table.items():
                mapped = tuple(w for tok in key for w in self.unigram.get(tok, (tok,)))
                if len(mapped) > 1 and (mapped != value or table is covid):
                    phrases[mapped] = value
                elif len(key) == 1 and table is covid:
                    self.unigram[key[0]] = value
        self.phrases = phrases
        self.phrase_starts = frozenset(key[0] for key in phrases)
        self.max_phrase = max((len(key) for key in phrases), default=1)
        self.roots = _read_roots()
        outputs = {w for value in (*slang.values(), *covid.values()) for w in value}
        common = (
            STOPWORDS
            | _FREQUENT_ID
            | _FREQUENT_EN
            | {w for key in slang for w in key}
            | {w for key in covid for w in key}
            | outputs
            | terms
            | region_words()
        )
        #: words checked against when squeezing letters: Sastrawi's roots and the common words
        self.known: frozenset[str] = frozenset(self.roots | common)
        #: words a hashtag may be split into (no one-letter words); Sastrawi's long list of
        #: roots has rare and odd entries ("ter", "bersat"), so its words cost a little more
        self.segment_words = frozenset(w for w in self.known if len(w) > 1 and w.isalpha())
        self.common_words = frozenset(w for w in common if len(w) > 1 and w.isalpha())
        self.id_words = (STOPWORDS_ID | _FREQUENT_ID | set(self.unigram)) - (
            STOPWORDS_EN | _FREQUENT_EN
        )
        self.en_words = (STOPWORDS_EN | _FREQUENT_EN) - (
            STOPWORDS_ID | _FREQUENT_ID | set(self.unigram)
        )


def region_words() -> set[str]:
    """The words (three letters or more) of the region names the taxonomy knows."""
    try:
        from registry.taxonomy import region_name_index
    except ImportError:  # pragma: no cover - the taxonomy ships with the package
        return set()
    return {w for key in region_name_index() for w in key.split() if len(w) > 2}


_lexicon: _Lexicon | None = None


def _lex() -> _Lexicon:
    global _lexicon
    if _lexicon is None:
        _lexicon = _Lexicon()
    return _lexicon


def known_words() -> frozenset[str]:
    """Every word the normalizer knows: Sastrawi's roots, stopwords, frequent words, slang and
    COVID-era terms and the words of region names."""
    return _lex().known


_PREFIXES = (
    *("meng", "meny", "mem", "men", "me", "ber", "be", "di", "ter", "ke", "se", "per"),
    *("peng", "pem", "pen", "pe"),
)
_SUFFIXES = ("nya", "kan", "lah", "kah", "an", "i", "ku", "mu")


def _derived(word: str, roots: frozenset[str]) -> bool:
    """A cheap check that ``word`` is an affixed form of a known root ("terserah", "kerennya")."""
    stems = [word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stems.append(word[: -len(suffix)])
    for stem_ in list(stems):
        for prefix in _PREFIXES:
            if stem_.startswith(prefix) and len(stem_) - len(prefix) >= 3:
                stems.append(stem_[len(prefix) :])
    return any(s in roots for s in stems[1:])


def _is_known(word: str, lex: _Lexicon) -> bool:
    # an affixed form counts too ("kerennya"), but never one ending in a double letter
    # ("lagii" is not lagi + -i)
    return word in lex.known or (not _FINAL2_RE.search(word) and _derived(word, lex.roots))


# English words end in doubled letters far more often than Indonesian ones: a final "ll",
# "ss", "ff" or "zz" is never undone ("hall", "boss", "staff"), nor are these.
_KEEP_FINAL_DOUBLE = frozenset(("ll", "ss", "ff", "zz"))
_ENGLISH_FINAL_DOUBLES = word_set(
    """see free tree fee agree three knee bee committee employee guarantee coffee degree flee
    glee spree toffee referee trainee too zoo boo tattoo shampoo igloo woo goo bamboo add odd
    egg inn err app watt butt mitt putt mutt"""
)


@lru_cache(maxsize=200_000)
def squeeze_repeats(word: str) -> str:
    """Undo letter stretching in one folded word, checked against a word list.

    Runs of three or more letters ("bangettt", "maaaf", "goood") become two or one letter,
    whichever gives a known word (two first: "maaaf" -> "maaf", "goood" -> "good"), else one.
    A doubled last letter ("bangett", "yaa") is undone only when that gives a known word.
    Doubles inside a word are always kept: "saat", "maaf", "taat", "coffee".
    """
    if not _REPEAT_HINT_RE.search(word):
        return word
    if len(word) > 60:
        return _RUN3_RE.sub(r"\1", word)
    lex = _lex()
    if word in lex.known:
        return word
    two = _RUN3_RE.sub(r"\1\1", word)
    one = _RUN3_RE.sub(r"\1", word)
    candidates = [two, one]
    for base in (two, one):
        if (
            _FINAL2_RE.search(base)
            and base[-2:] not in _KEEP_FINAL_DOUBLE
            and base not in _ENGLISH_FINAL_DOUBLES
        ):
            candidates.append(base[:-1])
    for candidate in candidates:
        if candidate != word and _is_known(candidate, lex):
            return candidate
    return one


@lru_cache(maxsize=50_000)
def _segment(word: str) -> tuple[str, ...]:
    """Split an all-lowercase run of letters into known words, fewest words first
    ("dirumahaja" -> di rumah aja); a word that cannot be split whole is kept as it is."""
    lex = _lex()
    n = len(word)
    if n < 4 or n > 40 or word in lex.known:
        return (word,)
    inf = float("inf")
    best: list[float] = [0.0] + [inf] * n
    back = [0] * (n + 1)
    for end in range(2, n + 1):
        for start in range(max(0, end - 20), end - 1):
            if best[start] == inf:
                continue
            piece = word[start:end]
            if piece in lex.common_words:
                cost = 1.0
            elif piece in lex.segment_words:
                cost = 1.0 if len(piece) > 3 else 1.6  # short dictionary roots: often junk
            elif len(piece) >= 5 and _derived(piece, lex.roots):
                # an affixed word ("terserah", "bersatu"); but "di"/"ke" + a word is more
                # often a preposition written together ("dirumah"): splitting it wins
                split_better = piece.startswith(("di", "ke")) and piece[2:] in lex.segment_words
                cost = 2.1 if split_better else 1.1
            else:
                continue
            if best[start] + cost < best[end]:
                best[end] = best[start] + cost
                back[end] = start
    if best[n] == inf:
        return (word,)
    out: list[str] = []
    end = n
    while end > 0:
        out.append(word[back[end] : end])
        end = back[end]
    return tuple(reversed(out))


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=50_000)
def split_hashtag(tag: str) -> str:
    """The words of a hashtag (without its "#"), space-separated, case kept where it marks the
    split: "LawanCovid19" -> "Lawan Covid 19", "PSBBJakarta" -> "PSBB Jakarta",
    "dirumahaja" -> "di rumah aja" (split with a dictionary), "di_rumah_aja" -> "di rumah aja".
    A tag in a non-Latin script is returned as it is."""
    if not tag.isascii():
        tag = _strip_accents(tag)
        if not tag.isascii():
            return tag.replace("_", " ")
    words: list[str] = []
    for part in tag.split("_"):
        if not part:
            continue
        if part.islower() or part.isupper() or part.isdigit():
            pieces = _LETTERS_DIGITS_RE.findall(part.lower())
            for piece in pieces:
                words.extend(_segment(piece) if piece.isalpha() else (piece,))
            continue
        for piece in _CAMEL_RE.findall(part):
            low = piece.lower()
            if piece.isalpha() and len(piece) > 5 and low not in _lex().known:
                segmented = _segment(low)
                if len(segmented) > 1:
                    words.extend(segmented)
                    continue
            words.append(piece)
    return " ".join(words)


def _hashtag_sub(match: re.Match[str]) -> str:
    return f" {split_hashtag(match.group(1))} "


def clean_post(text: str) -> str:
    """The case-keeping first half of :func:`normalize_post`: HTML entities unescaped, lone
    surrogates dropped, a leading "RT @user:" removed, URLs, e-mail addresses and @mentions
    removed, hashtags split into words. Punctuation, emoji and case are left alone (the
    gazetteer reads capitals)."""
    if not text:
        return ""
    if not text.isascii():
        text = _SURROGATE_RE.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    text = RT_PREFIX_RE.sub(" ", text, count=1)  # anchored at the start: fails at once if absent
    text = strip_links_and_mentions(text)
    if "#" in text:
        text = _HASHTAG_RE.sub(_hashtag_sub, text)
    return text


def _token_words(token: str) -> tuple[str, ...]:
    """One folded token -> the words it stands for: stretching undone, laughter turned into
    "haha", "anak2" into "anak anak", then one-token slang and COVID terms replaced."""
    if token.isdigit():
        return (token,)
    lex = _lex()
    if token in lex.unigram:
        return lex.unigram[token]
    word = squeeze_repeats(token) if token.isascii() else token
    if len(word) >= 4 and _LAUGH_RE.fullmatch(word):
        return (_LAUGHTER,)
    redup = _REDUP_RE.fullmatch(word)
    if redup is not None:
        base = lex.unigram.get(redup.group(1), (redup.group(1),))
        return base + base
    return lex.unigram.get(word, (word,))


def _ascii_table() -> bytes:
    table = bytearray(b" " * 256)
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
        table[ord(ch)] = ord(ch)
        table[ord(ch.upper())] = ord(ch)
    return bytes(table)


# ASCII text is lower-cased and split into [a-z0-9]+ tokens by one bytes.translate (the same
# tokens as fold + TOKEN_RE, several times faster than the regular expression).
_ASCII_TABLE = _ascii_table()


# token -> _token_words(token); a plain dict is several times faster than lru_cache here
_WORDS_CACHE: dict[str, tuple[str, ...]] = {}
_WORDS_CACHE_MAX = 500_000


def _fold_tokens(text: str) -> list[str]:
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TABLE).decode("ascii").split()
    return TOKEN_RE.findall(fold(text))


def normalize_tokens(text: str) -> list[str]:
    """The tokens of :func:`normalize_post`, as a list."""
    if not text:
        return []
    tokens = _fold_tokens(clean_post(text))
    cache = _WORDS_CACHE
    try:  # the common case, every token seen before: one C-level pass
        words = list(chain.from_iterable(map(cache.__getitem__, tokens)))
    except KeyError:
        if len(cache) > _WORDS_CACHE_MAX:
            cache.clear()
        for token in tokens:
            if token not in cache:
                cache[token] = _token_words(token)
        words = list(chain.from_iterable(map(cache.__getitem__, tokens)))
    lex = _lex()
    present = lex.phrase_starts.intersection(words)
    if not present:
        return words
    phrases, max_len = lex.phrases, lex.max_phrase
    out: list[str] = []
    done = 0  # words[:done] are handled
    n = len(words)
    for i in [i for i, w in enumerate(words) if w in present]:
        if i < done:
            continue
        for size in range(min(max_len, n - i), 1, -1):
            replacement = phrases.get(tuple(words[i : i + size]))
            if replacement is not None:
                out.extend(words[done:i])
                out.extend(replacement)
                done = i + size
                break
    out.extend(words[done:])
    return out


def normalize_post(text: str) -> str:
    """A social-media post as the models read it: lower-cased, accent-folded words and numbers
    separated by single spaces.

    URLs, e-mail addresses, @mentions and a leading "RT @user:" are removed (nothing is left in
    their place); emoji, symbols and punctuation are dropped; HTML entities are unescaped;
    hashtags are split into words ("#LawanCovid19" -> "lawan covid 19"); stretched letters are
    squeezed ("bangettt" -> "banget", "maaf" kept); laughter becomes "haha"; Indonesian slang
    becomes formal words ("gak" -> "tidak", "yg" -> "yang") while English words are left alone;
    COVID-era terms are unified, acronyms kept as one token ("protokol kesehatan" -> "prokes",
    "psbb" stays "psbb"). Applying it twice gives the same text (up to rare phrase chains).
    """
    return " ".join(normalize_tokens(text))


@lru_cache(maxsize=100_000)
def root_like(word: str) -> bool:
    """An Indonesian root or an affixed form of one ("pemberian", "menggencarkan", "dibantu")."""
    lex = _lex()
    return word in lex.roots or _derived(word, lex.roots)


def detect_language(text: str) -> str:
    """``"id"`` (Indonesian), ``"en"`` (English) or ``"und"`` (short, symbols only, another
    script, or no clear evidence), by counting frequent words of each language (stopwords,
    frequent words and, for Indonesian, slang) after URLs, mentions and hashtags are handled."""
    if not text:
        return "und"
    words = [w for w in _fold_tokens(clean_post(text)) if w.isalpha()]
    if len(words) < 3:
        return "und"
    latin = [w for w in words if w.isascii()]
    if len(latin) * 2 < len(words):
        return "und"
    lex = _lex()
    id_words, en_words = lex.id_words, lex.en_words  # disjoint sets
    id_hits = float(sum(map(id_words.__contains__, latin)))
    en_hits = float(sum(map(en_words.__contains__, latin)))
    for word in latin:
        if len(word) <= 3 or word in id_words or word in en_words:
            continue
        if len(word) > 5 and word.endswith(("nya", "kan", "lah")):
            id_hits += 0.5
        elif len(word) > 5 and word.endswith(("tion", "tions", "ness", "ment", "ly")):
            en_hits += 0.5
        elif root_like(word):
            id_hits += 0.5  # an Indonesian root or affixed word (some loanwords too)
    if id_hits + en_hits < 1.5:
        return "und"
    if id_hits > en_hits:
        return "id"
    if en_hits > id_hits:
        return "en"
    return "und"
