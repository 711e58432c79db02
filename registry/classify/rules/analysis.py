"""The analysis of one post, which the rules and the learned features read.

:func:`analyze` turns a post (``text`` plus, when known, ``author``, ``user_location``,
``lang``) into an :class:`Analysis`: normalized tokens, their light stems, where each lexicon
group occurs, the raw-text flags, the actor cue of the author's handle (or of the retweeted
account's), the region the gazetteer finds and the structural detectors that fire. The
learned pipeline (``pipeline.py``) builds its features on it, so a post is analysed once for
every head.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ...text import STOPWORDS_EN, STOPWORDS_ID, retweeted_handle
from ..gazetteer import RegionMatch, find_region
from ..lexicon import (
    ACTION_ID,
    MINISTRY_IDS,
    PHRASE_GROUPS,
    STATS_ID,
    WEAK_ACTION_ID,
    WORD_GROUPS,
)
from ..normalize import detect_language, normalize_tokens
from ..stemmer import light_stem
from ..structure import TOKEN_BITS as STRUCTURE_BITS
from ..structure import detect as detect_structure

__all__ = ["MAX_CHARS", "Analysis", "analyze", "author_cue", "author_tokens"]

#: the most text one post contributes (a 100 KB post is cut here before any work)
MAX_CHARS: Final = 4000


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
_PHRASE_FIRST: Final = frozenset(p.split()[0] for p in PHRASE_GROUPS)
# token -> its stem, and token -> the lexicon groups it belongs to (only tokens in some group):
# plain dicts, filled on first sight, bounded
_TOKEN_STEM: dict[str, str] = {}
_TOKEN_GROUPS: dict[str, tuple[int, ...]] = {}
_TOKEN_CACHE_MAX: Final = 300_000


# words only one of the two languages uses: a post with two Indonesian ones (three English
# ones) and none of the other language needs no fuller detection; on 6,482 real and seed
# posts this shortcut answered about 70 % and always agreed with normalize.detect_language
# (which is the other engineer's, and costs several times more)
_ID_ONLY: Final = STOPWORDS_ID - STOPWORDS_EN
_EN_ONLY: Final = STOPWORDS_EN - STOPWORDS_ID

_DISEASE_NAMES: Final = frozenset({"covid", "corona", "sars", "cov", "ncov"})

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
        stemmed = light_stem(token)
        found = WORD_GROUPS.get(token) or WORD_GROUPS.get(stemmed) or ()
        if not found and token.startswith(("kemen", "kementerian")) and len(token) > 5:
            found = MINISTRY_IDS  # every "Kemen..." is a ministry ("Kemenkop", "Kemenpora")
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
    counts of Indonesian-only and English-only words; else ``normalize.detect_language``."""
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
    if raw[:1] in ("R", "r", " ") and (handle := retweeted_handle(raw)):
        flags.append("rt")
        retweeted = handle  # the account that wrote the text
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
    if STATS_ID in groups:  # case counts come with numbers: "tambah 879 kasus", "6 kasus baru"
        numbers = [
            i
            for i, tok in enumerate(tokens)
            if tok[0].isdigit() and not (i and tokens[i - 1] in _DISEASE_NAMES)
        ]  # "covid 19" is no count
        kept = [p for p in groups[STATS_ID] if any(abs(p - n) <= 3 for n in numbers)]
        if kept:
            groups[STATS_ID] = kept
        else:
            del groups[STATS_ID]
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
                groups.get(ACTION_ID),
                bits,
                groups.get(WEAK_ACTION_ID),
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
