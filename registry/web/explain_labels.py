"""Words for the classifier's structural features, so curators read "named actor" rather than
"[shape:named_actor]" among the terms that drove a score. Plain words pass through unchanged."""

from __future__ import annotations

from typing import Final

from .. import taxonomy

FEATURES: Final[dict[str, tuple[str, str]]] = {
    "action": ("kata peluncuran (meluncurkan, membuat…)", "launch word (launched, built…)"),
    "action_weak": ("kata kegiatan umum", "generic activity word"),
    "thing": ("nama layanan atau alat (aplikasi, posko…)", "service or tool (app, post…)"),
    "novel": ("kata kebaruan (inovasi, riset…)", "novelty word (innovation, research…)"),
    "helping": ("kata bantuan", "help word"),
    "covid": ("konteks COVID-19", "COVID-19 context"),
    "neg:stats": ("angka kasus", "case numbers"),
    "neg:rule": ("pengumuman aturan", "rule announcement"),
    "neg:appeal": ("imbauan", "appeal"),
    "neg:opinion": ("opini atau keluhan", "opinion or complaint"),
    "neg:politics": ("politik", "politics"),
    "neg:ad": ("iklan", "advertising"),
    "neg:hoax": ("hoaks", "hoax"),
    "first_person": ("orang pertama (saya, kami)", "first person (I, we)"),
    "role": ("jabatan", "official title"),
    "actor": ("menyebut pelaku", "names an actor"),
    "actor+action": ("pelaku + peluncuran", "actor + launch"),
    "actor+action_weak": ("pelaku + kegiatan", "actor + activity"),
    "action+thing": ("peluncuran + layanan/alat", "launch + service/tool"),
    "action_weak+thing": ("kegiatan + layanan/alat", "activity + service/tool"),
    "actor+action+thing": ("pelaku + peluncuran + layanan/alat", "actor + launch + service/tool"),
    "actor+novel": ("pelaku + kebaruan", "actor + novelty"),
    "actor_first": ("pelaku disebut di awal", "actor named first"),
    "no_negative": ("tanpa tanda bukan-inovasi", "no sign of a non-innovation"),
    "negatives>=2": ("dua tanda bukan-inovasi atau lebih", "two or more non-innovation signs"),
    "shape:A&L": ("pelaku + peluncuran", "actor + launch"),
    "shape:L&I": ("peluncuran + inisiatif", "launch + initiative"),
    "shape:A&I": ("pelaku + inisiatif", "actor + initiative"),
    "shape:A&N": ("pelaku + kebaruan", "actor + novelty"),
    "shape:A&L&I": ("pelaku + peluncuran + inisiatif", "actor + launch + initiative"),
    "shape:N&I": ("kebaruan + inisiatif", "novelty + initiative"),
    "shape:named_actor": ("pelaku bernama", "named actor"),
    "shape:named_initiative": ("inisiatif bernama", "named initiative"),
    "shape:delivery": ("cara layanan baru (drive-thru, keliling…)", "new delivery (drive-thru…)"),
    "shape:plan": ("baru rencana", "only a plan"),
    "shape:event_prize": ("acara, lomba atau penghargaan", "event, contest or award"),
    "shape:visit": ("kunjungan pejabat", "official visit"),
    "shape:rule": ("pengumuman aturan", "rule announcement"),
    "shape:stats": ("angka kasus", "case numbers"),
    "shape:opinion": ("opini", "opinion"),
    "shape:ad": ("iklan", "advertising"),
    "shape:known_initiative": ("inisiatif yang dikenal (PeduliLindungi…)", "known initiative"),
    "shape:routine": ("program rutin tanpa inisiatif khusus", "routine programme"),
    "shape:foreign": ("bahasa Melayu atau negara lain", "Malay or another country"),
    "flag:rt": ("repost", "repost"),
    "flag:reply": ("balasan", "reply"),
    "flag:many_tags": ("banyak tagar", "many hashtags"),
    "flag:many_mentions": ("banyak sebutan akun", "many mentions"),
    "flag:question": ("pertanyaan", "question"),
    "flag:short": ("teks pendek", "short text"),
    "place": ("menyebut tempat", "names a place"),
    "place:kota": ("menyebut kota", "names a city"),
    "place:kabupaten": ("menyebut kabupaten", "names a regency"),
    "lang:en": ("berbahasa Inggris", "in English"),
}
_PREFIXED: Final[dict[str, tuple[tuple[str, str], dict[str, tuple[str, str]]]]] = {
    "actor:": (("kata pelaku", "actor word"), taxonomy.INNOVATOR_TYPES),
    "names:": (("menyebut", "names"), taxonomy.INNOVATOR_TYPES),
    "sector:": (("kata sektor", "sector word"), taxonomy.SECTORS),
}


def describe(term: str, locale: str = "id") -> tuple[str, bool]:
    """``(text, is_feature)``: a bracketed feature name in words, or the word itself."""
    if not (term.startswith("[") and term.endswith("]")):
        return term, False
    name = term[1:-1]
    english = locale.lower().replace("_", "-").split("-")[0] == "en"
    labels = FEATURES.get(name)
    if labels is not None:
        return labels[1] if english else labels[0], True
    for prefix, (words, vocab) in _PREFIXED.items():
        if name.startswith(prefix):
            slug = name.removeprefix(prefix)
            what = taxonomy.label(vocab, slug, locale)
            return f"{words[1] if english else words[0]}: {what}", True
    return name, True
