"""Deterministic generator of realistic innovation records and search queries.

Record ``i`` depends only on (seed, i), so the first 10,000 records of a 50,000 run are
the 10,000 records of a 10,000 run. Records carry DESIGN.md's field names (the export
shape) plus ``id``, ``published_at``, ``updated_at`` and the region names the index uses.

    .venv/bin/python bench/generate.py 1000 > /tmp/records.jsonl   # a look at the data
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parents[1]))  # after a snapshot (bench/search.py)

import wordbank as wb  # noqa: E402

from registry import taxonomy  # noqa: E402
from registry.text import STOPWORDS  # noqa: E402

SEED = 2020
MIN_WORDS, MAX_WORDS = 120, 200
ENGLISH_SHARE = 0.15

SECTOR_WEIGHTS = {
    "kesehatan": 24,
    "bantuan-sosial": 16,
    "ekonomi": 13,
    "pendidikan": 11,
    "pelayanan-publik": 12,
    "pangan": 8,
    "informasi": 8,
    "karantina": 8,
}
# The 2020 campaign: 45 % mass resilience, 39 % rapid response, 16 % public knowledge.
FOCUS_WEIGHTS = {"ketangguhan-massal": 45, "cepat-tanggap": 39, "pengetahuan-publik": 16}
# The 1,204 entries of June 2020 by innovator (individuals added at a guess).
TYPE_WEIGHTS = {
    "kementerian-lembaga": 141,
    "pemprov": 168,
    "pemkab": 403,
    "pemkot": 200,
    "perguruan-tinggi": 98,
    "swasta": 50,
    "masyarakat-sipil": 144,
    "perorangan": 40,
}
STAGE_WEIGHTS = {"ide": 5, "uji-coba": 20, "implementasi": 60, "replikasi": 15}
SECTIONS = (
    "innovation",
    "background",
    "results",
    "implementation",
    "adaptability",
    "resources",
    "sustainability",
)
_SLOT_RE = re.compile(r"\{([a-z_]+?)(\d?)(_cap)?\}")


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class _Regions:
    def __init__(self) -> None:
        regions = taxonomy.regions()
        self.provinces = [r for r in regions if r.level == 1]
        self.by_code = {r.code: r for r in regions}
        self.kabupaten = [r for r in regions if r.level == 2 and r.kind == "kabupaten"]
        self.kota = [r for r in regions if r.level == 2 and r.kind == "kota"]
        self.regencies = self.kabupaten + self.kota


_REGIONS: _Regions | None = None


def regions() -> _Regions:
    global _REGIONS
    if _REGIONS is None:
        _REGIONS = _Regions()
    return _REGIONS


class _Composer:
    """Fills the slots of one record's templates, in Indonesian or English."""

    def __init__(self, rng: random.Random, ctx: dict[str, Any], english: bool):
        self.rng = rng
        self.ctx = ctx
        self.english = english
        self.sectors: list[str] = ctx["sectors"]

    def _sector(self) -> str:
        # mostly the main sector, sometimes a secondary one
        if len(self.sectors) > 1 and self.rng.random() < 0.3:
            return self.rng.choice(self.sectors[1:])
        return self.sectors[0]

    def _verb(self, form: str) -> str:
        rng = self.rng
        pool = wb.SECTOR_VERBS_FORMS[self._sector()] if rng.random() < 0.5 else wb.GENERAL_VERBS
        if form == "result":
            pool = tuple(v for v in pool if "result" in v) or tuple(
                v for v in wb.GENERAL_VERBS if "result" in v
            )
        return rng.choice(pool)[form]

    def slot(self, name: str) -> str:
        rng, ctx = self.rng, self.ctx
        if name in ("region", "program", "unit", "innovator"):
            return str(ctx[name + ("_en" if self.english and name == "region" else "")])
        if name == "month":
            months = wb.MONTHS_EN if self.english else wb.MONTHS_ID
            started: dt.date = ctx["started_on"]
            return f"{months[started.month - 1]} {started.year}"
        if name == "num":
            return _thousands(int(rng.lognormvariate(6.5, 1.3)) % 20000 + 20)
        if name == "small":
            return str(rng.randint(2, 60))
        if name == "pct":
            return str(rng.randint(10, 95))
        if name == "money":
            return _thousands(rng.choice((15, 25, 40, 75, 120, 150, 200, 310, 450, 900, 2500)))
        if name == "weeks":
            return str(rng.randint(2, 16))
        if self.english:
            return self._slot_en(name)
        return self._slot_id(name)

    def _slot_id(self, name: str) -> str:
        rng = self.rng
        if name == "obj":
            return rng.choice(wb.SECTOR_OBJECTS[self._sector()])
        if name == "benef":
            if rng.random() < 0.7:
                return rng.choice(wb.SECTOR_BENEFICIARIES[self._sector()])
            return rng.choice(wb.GENERAL_BENEFICIARIES)
        if name == "verb":
            return self._verb("active")
        if name == "verb_di":
            return self._verb("passive")
        if name == "pe":
            return self._verb("noun")
        if name == "hasil":
            return self._verb("result")
        if name == "problem":
            return rng.choice(wb.SECTOR_PROBLEMS[self._sector()])
        if name == "result":
            return rng.choice(wb.SECTOR_RESULTS[self._sector()])
        if name == "change_down":
            return rng.choice(wb.CHANGES_DOWN)
        if name == "change_up":
            return rng.choice(wb.CHANGES_UP)
        bank = {
            "actor": wb.ACTORS,
            "place": wb.PLACES,
            "channel": wb.CHANNELS,
            "adj": wb.ADJECTIVES,
            "fund": wb.FUNDS,
            "partner": wb.PARTNERS,
            "equipment": wb.EQUIPMENT,
            "restriction": wb.RESTRICTIONS,
            "head": wb.HEADS,
        }[name]
        return rng.choice(bank)

    def _slot_en(self, name: str) -> str:
        rng = self.rng
        if name in ("obj",):
            return rng.choice(wb.SECTOR_ENGLISH[self._sector()])
        if name == "place_one":
            return rng.choice(wb.PLACES_EN).rstrip("s").replace("villag", "village")
        bank = {
            "benef": wb.BENEFICIARIES_EN,
            "actor": wb.ACTORS_EN,
            "place": wb.PLACES_EN,
            "channel": wb.CHANNELS_EN,
            "adj": wb.ADJECTIVES_EN,
            "verb": wb.VERBS_EN,
            "noun": wb.NOUN_VERBS_EN,
            "problem": wb.PROBLEMS_EN,
            "result": wb.RESULTS_EN,
            "fund": ("regional", "village", "national", "corporate social responsibility"),
            "partner": ("the local university", "private firms", "the Red Cross", "local media"),
            "equipment": ("laptops", "smartphones", "motorbikes", "tents", "printers", "boats"),
            "restriction": ("large-scale social restrictions", "emergency restrictions"),
        }[name]
        return rng.choice(bank)

    def fill(self, template: str) -> str:
        def sub(match: re.Match[str]) -> str:
            value = self.slot(match.group(1))
            return _cap(value) if match.group(3) else value

        return _cap(_SLOT_RE.sub(sub, template))


def _words(text: str) -> int:
    return len(text.split())


def _innovator(rng: random.Random, kind: str, sector: str) -> tuple[str, str, Any, Any]:
    """(innovator_name, unit, province, regency) for an innovator type."""
    reg = regions()
    if kind == "pemkab":
        regency = rng.choice(reg.kabupaten)
        return (
            "Pemerintah " + regency.name,
            rng.choice(wb.UNIT_BY_SECTOR[sector]),
            reg.by_code[regency.parent or ""],
            regency,
        )
    if kind == "pemkot":
        regency = rng.choice(reg.kota)
        return (
            "Pemerintah " + regency.name,
            rng.choice(wb.UNIT_BY_SECTOR[sector]),
            reg.by_code[regency.parent or ""],
            regency,
        )
    regency = rng.choice(reg.regencies)
    province = reg.by_code[regency.parent or ""]
    located = rng.random() < 0.7
    if kind == "pemprov":
        return (
            "Pemerintah Provinsi " + province.name,
            rng.choice(wb.UNIT_BY_SECTOR[sector]),
            province,
            regency if rng.random() < 0.4 else None,
        )
    if kind == "kementerian-lembaga":
        return (
            rng.choice(wb.MINISTRIES),
            rng.choice(wb.MINISTRY_UNITS),
            province,
            regency if rng.random() < 0.3 else None,
        )
    if kind == "perguruan-tinggi":
        name, unit = rng.choice(wb.UNIVERSITIES), rng.choice(wb.UNIVERSITY_UNITS)
    elif kind == "swasta":
        name = "PT " + " ".join(rng.choice(part) for part in wb.COMPANY_PARTS)
        unit = rng.choice(wb.COMPANY_UNITS)
    elif kind == "masyarakat-sipil":
        name = f"{rng.choice(wb.CIVIL_KINDS)} {rng.choice(wb.CIVIL_NAMES)}"
        unit = rng.choice(wb.CIVIL_UNITS)
    else:
        name = f"{rng.choice(wb.FIRST_NAMES)} {rng.choice(wb.LAST_NAMES)}"
        unit = ""
    return name, unit, province, regency if located else None


def _program(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return rng.choice(wb.ACRONYMS)
    if roll < 0.8:
        return "Si" + _cap(rng.choice(wb.GENERAL_VERBS)["root"])
    return f"{rng.choice(wb.PROGRAM_WORDS)} {rng.choice(wb.PROGRAM_WORDS)}"


def _started_on(rng: random.Random) -> dt.date:
    year = rng.choices((2020, 2021, 2022), weights=(60, 28, 12))[0]
    if year == 2020:
        month = rng.choices(range(3, 13), weights=(14, 18, 14, 12, 8, 7, 7, 7, 7, 6))[0]
    else:
        month = rng.randint(1, 12)
    return dt.date(year, month, rng.randint(1, 28))


def is_english(index: int, seed: int = SEED) -> bool:
    """Whether record ``index`` is written in English (the first draw of its generator)."""
    return random.Random(f"{seed}:{index}").random() < ENGLISH_SHARE


def make_record(index: int, seed: int = SEED) -> dict[str, Any]:
    """Record number ``index`` (its id; 1-based) of the seeded stream."""
    rng = random.Random(f"{seed}:{index}")
    english = rng.random() < ENGLISH_SHARE
    main = _weighted(rng, SECTOR_WEIGHTS)
    sectors = [main]
    for _ in range(rng.choices((0, 1, 2), weights=(50, 40, 10))[0]):
        extra = _weighted(rng, SECTOR_WEIGHTS)
        if extra not in sectors:
            sectors.append(extra)
    kind = _weighted(rng, TYPE_WEIGHTS)
    innovator, unit, province, regency = _innovator(rng, kind, main)
    place = regency or province
    started = _started_on(rng)
    published = dt.datetime.combine(
        started + dt.timedelta(days=rng.randint(20, 420)), dt.time(rng.randint(1, 10))
    ) + dt.timedelta(minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
    published = min(published, dt.datetime(2023, 6, 30, 9, 0, 0))
    updated = published + dt.timedelta(days=rng.choice((0, 0, 0, 3, 40, 200)))
    ctx = {
        "sectors": sectors,
        "region": place.name,
        "region_en": place.name_en,
        "program": _program(rng),
        "unit": unit or "tim inti",
        "innovator": innovator,
        "started_on": started,
    }
    composer = _Composer(rng, ctx, english)
    templates = wb.TEMPLATES_EN if english else wb.TEMPLATES_ID
    target = rng.randint(MIN_WORDS, MAX_WORDS)
    title = composer.fill(rng.choice(templates["title"]))
    summary = [composer.fill(t) for t in rng.sample(templates["summary"], 2)]
    sections: dict[str, list[str]] = {name: [] for name in SECTIONS}
    total = _words(title) + sum(_words(s) for s in summary)
    # One sentence per section while the target allows (the innovation always), then more
    # sentences round the sections; a sentence that would pass MAX_WORDS is drawn again.
    for rounds in range(4):
        for name in SECTIONS:
            if total >= target and not (rounds == 0 and name == "innovation"):
                break
            for _ in range(4):
                sentence = composer.fill(rng.choice(templates[name]))
                if total + _words(sentence) <= MAX_WORDS or not sections[name]:
                    sections[name].append(sentence)
                    total += _words(sentence)
                    break
        if total >= target:
            break
    slug_word = re.sub(r"[^a-z0-9]+", "-", ctx["program"].lower()).strip("-")
    domain = re.sub(r"[^a-z0-9]+", "", innovator.lower())[:24] + ".example.org"
    links = [f"https://{domain}/inovasi/{slug_word}"] if rng.random() < 0.6 else []
    return {
        "id": index,
        "title": title,
        "summary": " ".join(summary),
        **{name: " ".join(parts) for name, parts in sections.items()},
        "sectors": sectors,
        "focus": _weighted(rng, FOCUS_WEIGHTS),
        "stage": _weighted(rng, STAGE_WEIGHTS),
        "started_on": started.isoformat(),
        "innovator_name": innovator,
        "innovator_type": kind,
        "unit": unit,
        "province": province.code,
        "regency": regency.code if regency else None,
        "links": links,
        "contact_email": f"inovasi{index}@{domain}",
        "campaign": "COVID-19 2020"
        if dt.date(2020, 3, 1) <= started <= dt.date(2020, 6, 30)
        else None,
        "published_at": published.isoformat() + "Z",
        "updated_at": updated.isoformat() + "Z",
        "province_name": province.name,
        "regency_name": regency.name if regency else "",
    }


def records(count: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    for index in range(1, count + 1):
        yield make_record(index, seed)


def document_words(record: dict[str, Any]) -> int:
    """Words of title + summary + sections (the 120-200 of the brief)."""
    return sum(_words(record[k]) for k in ("title", "summary", *SECTIONS))


# --------------------------------------------------------------------------- queries


def _query_words(text: str) -> list[str]:
    return [
        w
        for w in re.findall(r"[^\W_]+", text)
        if len(w) >= 3 and w.lower() not in STOPWORDS and not w.isdigit()
    ]


def _term_pools() -> tuple[dict[str, list[str]], list[str], list[str]]:
    by_sector: dict[str, list[str]] = {}
    for sector in SECTOR_WEIGHTS:
        words: dict[str, None] = {}
        for phrase in wb.SECTOR_OBJECTS[sector] + wb.SECTOR_PROBLEMS[sector]:
            words.update(
                dict.fromkeys(w.lower() if not w.isupper() else w for w in _query_words(phrase))
            )
        for verb in wb.SECTOR_VERBS_FORMS[sector]:
            words.update(dict.fromkeys((verb["noun"], verb["active"], verb["root"])))
        by_sector[sector] = list(words)
    english: dict[str, None] = {}
    for phrase_list in wb.SECTOR_ENGLISH.values():
        for phrase in phrase_list:
            english.update(dict.fromkeys(w.lower() for w in _query_words(phrase)))
    places = sorted(
        {
            r.name.split(" ", 1)[1]
            for r in regions().regencies
            if r.name.count(" ") == 1 and len(r.name.split(" ", 1)[1]) >= 4
        }
    )
    return by_sector, list(english), places


def make_queries(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` queries of 1-3 words (some with filters): {"q", "filters": {name: [v]}}."""
    rng = random.Random(f"queries:{seed}")
    by_sector, english, places = _term_pools()
    phrase_pool = {
        sector: [_query_words(p) for p in wb.SECTOR_OBJECTS[sector] + wb.SECTOR_PROBLEMS[sector]]
        for sector in SECTOR_WEIGHTS
    }
    province_codes = [p.code for p in regions().provinces]
    out = []
    for _ in range(count):
        sector = _weighted(rng, SECTOR_WEIGHTS)
        n = rng.choices((1, 2, 3), weights=(40, 40, 20))[0]
        pool = english if rng.random() < 0.1 else by_sector[sector]
        if n > 1 and pool is not english and rng.random() < 0.5:
            # words that go together: a run of one phrase ("bantuan langsung tunai")
            phrase = rng.choice([p for p in phrase_pool[sector] if len(p) >= n])
            start = rng.randint(0, len(phrase) - n)
            terms = phrase[start : start + n]
        else:
            terms = rng.sample(pool, n)
        if n > 1 and rng.random() < 0.12:
            terms[-1] = rng.choice(places)
        filters: dict[str, list[str]] = {}
        if rng.random() < 0.35:
            names = rng.sample(
                ["sector", "sector", "province", "province", "year", "focus", "innovator_type"],
                rng.choices((1, 2), weights=(80, 20))[0],
            )
            for name in names:
                if name == "sector":
                    filters[name] = [
                        sector if rng.random() < 0.7 else _weighted(rng, SECTOR_WEIGHTS)
                    ]
                elif name == "province":
                    filters[name] = [rng.choice(province_codes)]
                elif name == "year":
                    filters[name] = [str(rng.choice((2020, 2020, 2021, 2022)))]
                elif name == "focus":
                    filters[name] = [_weighted(rng, FOCUS_WEIGHTS)]
                else:
                    filters[name] = [_weighted(rng, TYPE_WEIGHTS)]
        out.append({"q": " ".join(terms), "filters": filters})
    return out


def main(argv: list[str]) -> int:
    import json

    count = int(argv[1]) if len(argv) > 1 else 100
    for record in records(count):
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
