"""Who the innovator is: the actors a post's text names (:func:`actor_mentions`,
:func:`actor_cue`) and the structural actor the guide asks for (:func:`structural_actor`):
the one who made or runs the initiative, not the one who posted it, not the beneficiary.
"""

from __future__ import annotations

import re
from typing import Final

from ...text import word_set
from .. import structure
from ..gazetteer import RegionMatch
from ..lexicon import ACTION_ID, ACTOR_IDS, ACTOR_OR_ROLE_IDS, ACTOR_TYPES, GOV_WORDS, ROLE_ID
from .analysis import Analysis

__all__ = [
    "actor_cue",
    "actor_mentions",
    "government_subject",
    "near",
    "structural_actor",
]

_ONE_PERSON: Final = frozenset({"seorang", "a", "an", "sang", "si", "one"})
_REGION_WORD: Final = re.compile(r"[a-z0-9]+")


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
    for rank, (gid, kind) in enumerate(zip(ACTOR_IDS, ACTOR_TYPES, strict=True)):
        positions = groups.get(gid)
        if not positions:
            continue
        if kind in _GOV_ACTORS:
            positions = [p for p in positions if tokens[p] in _GOV_HEADS or _gov_near(analysis, p)]
        for p in positions:
            local = _task_force_level(analysis, p) if tokens[p] in _TASK_FORCES else None
            found.append((p, rank, kind) if local is None else (p, -1, local))
    if ROLE_ID in groups:
        found.extend(
            (p, len(ACTOR_TYPES), "perorangan")
            for p in groups[ROLE_ID]
            if p > 0 and tokens[p - 1] in _ONE_PERSON
        )
    found.sort()
    analysis.mentions = found
    return found


def actor_cue(analysis: Analysis) -> str | None:
    """The innovator type the text names first (ties broken by the vocabulary's order)."""
    mentions = actor_mentions(analysis)
    return mentions[0][2] if mentions else None


# the rubric's "national task force" is a ministry's; a task force named with a city, a
# regency, a district or a province ("Satgas Covid-19 Kota Makassar", "Satgas Covid 19
# Kecamatan Kunduran", "Satgas Detektor Covid Makassar") is that local government's
_TASK_FORCES: Final = frozenset({"satgas", "gugus"})
_TASK_FORCE_SPAN: Final = 4
_LOCAL_LEVEL: Final = {
    "kota": "pemkot", "city": "pemkot", "kabupaten": "pemkab", "kab": "pemkab",
    "regency": "pemkab", "kecamatan": "pemkab", "desa": "pemkab", "provinsi": "pemprov",
    "prov": "pemprov", "province": "pemprov", "provincial": "pemprov",
}  # fmt: skip


# the words a task force's own name is made of, between "Satgas" and its place
_TASK_FORCE_NAME: Final = word_set(
    "tugas covid 19 covid-19 corona penanganan pencegahan percepatan pengendalian pemulihan"
)


def _task_force_level(analysis: Analysis, position: int) -> str | None:
    """The local government a task force at ``position`` belongs to: the level written
    after its name ("Satgas Covid-19 Kota ..."), or the place the text names there ("Satgas
    Covid Sleman"); None for the national one and for a unit placed somewhere ("Satgas TNI di
    Nabire")."""
    after: list[str] = []
    for token in analysis.tokens[position + 1 : position + 1 + _TASK_FORCE_SPAN]:
        after.append(token)
        if token not in _TASK_FORCE_NAME:
            break
    for token in after:
        if token in _LOCAL_LEVEL:
            level = _LOCAL_LEVEL[token]
            region = analysis.region
            if token == "kecamatan" and region is not None and region.regency is not None:
                return "pemkot" if region.regency.kind == "kota" else "pemkab"
            return level
    region = analysis.region
    if region is None or region.source != "text":
        return None
    words = _REGION_WORD.findall(region.matched.lower())
    if not words or words[-1] not in after:
        return None
    if region.regency is not None and region.regency.kind in ("kota", "kabupaten"):
        return "pemkot" if region.regency.kind == "kota" else "pemkab"
    return "pemprov"


def _gov_near(analysis: Analysis, position: int) -> bool:
    tokens = analysis.tokens
    lo, hi = max(0, position - 3), min(len(tokens), position + 4)
    if any(tokens[i] in GOV_WORDS for i in range(lo, hi)):
        return True
    # "Kota Kendari gelar ..." / "Kabupaten Badung luncurkan ...": a place that acts
    return near([position], analysis.groups.get(ACTION_ID), 3) and position <= 2


# ------------------------------------------------------------------ the structural actor
# The guide (section 4): the innovator is "the actor who made or runs the initiative, not the
# one who posted it, not the beneficiary"; "volunteers of a clinical trial or the people
# served ('nelayan', 'warga isoman') are not the actor".
_BENEFICIARY_MARKS: Final = word_set(
    "untuk bagi kepada ke pada buat terhadap sasar menyasar sasaran khusus for to"
)
_TRIAL_WORDS: Final = word_set("uji klinis klinik trial trials penelitian riset")
_SUBJECT_WORDS: Final = word_set("relawan volunteer volunteers warga residents")


# a regional office ("Dinkes", "Puskesmas", "RSUD", "BPBD") belongs to the government of the
# place named with it: a city's, a regency's, or a province's when only a province is named
_OFFICE_WORDS: Final = word_set(
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
_GOVERNMENT_WORDS: Final = word_set(
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
_COUNTRY_WORDS: Final = word_set("indonesia indonesian republic ri")
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
    has_actor = any(gid in groups for gid in ACTOR_OR_ROLE_IDS)
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
    # "bagi para mahasiswa", "untuk pelaku usaha": a beneficiary two words after the mark;
    # in "untuk warga, Pemprov DKI siapkan ..." (the comma is not a token) the word between is
    # itself the beneficiary, and the actor after it the subject
    named = {p for p, _, _ in found}
    trial: bool | None = None
    for position, _, kind in found:
        if position and (
            tokens[position - 1] in _BENEFICIARY_MARKS
            or (
                position > 1
                and tokens[position - 2] in _BENEFICIARY_MARKS
                and position - 1 not in named
            )
        ):
            continue  # who is served, not who serves
        if tokens[position] in _SUBJECT_WORDS:
            if trial is None:
                trial = not _TRIAL_WORDS.isdisjoint(tokens)
            if trial:
                continue  # "relawan uji klinis": the trial's subjects
        return kind
    return owner or found[0][2]
