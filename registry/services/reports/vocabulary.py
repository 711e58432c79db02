"""The reports' vocabularies (slugs are API values; labels in Indonesian and English), limits,
and who takes a step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ... import taxonomy
from ...models import User

KINDS: dict[str, tuple[str, str]] = {
    "pengaduan": ("Pengaduan", "Complaint"),
    "aspirasi": ("Aspirasi", "Suggestion"),
    "permintaan-informasi": ("Permintaan Informasi", "Information request"),
}
CATEGORIES: dict[str, tuple[str, str]] = {
    **taxonomy.SECTORS,
    "lainnya": ("Lainnya", "Other"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "received": ("Diterima", "Received"),
    "verified": ("Terverifikasi", "Verified"),
    "rejected": ("Ditolak", "Rejected"),
    "disposed": ("Didisposisikan", "Disposed"),
    "responded": ("Ditindaklanjuti", "Responded"),
    "closed": ("Selesai", "Closed"),
}
REJECT_REASONS: dict[str, tuple[str, str]] = {
    "spam": ("Spam", "Spam"),
    "incomplete": ("Tidak lengkap", "Incomplete"),
    "not-public-service": ("Bukan pelayanan publik", "Not a public service"),
}
ACTIONS: dict[str, tuple[str, str]] = {
    "submit": ("Laporan diterima", "Report received"),
    "verify": ("Diverifikasi", "Verified"),
    "reject": ("Ditolak", "Rejected"),
    "dispose": ("Didisposisikan ke instansi", "Disposed to an institution"),
    "respond": ("Ditanggapi instansi", "Answered by the institution"),
    "reopen": ("Dibuka kembali oleh pelapor", "Reopened by the reporter"),
    "close": ("Ditutup", "Closed"),
    "restrict": ("Privasi diperketat", "Made more private"),
    "return": (
        "Dikembalikan instansi: bukan wewenangnya",
        "Returned by the institution: not theirs",
    ),
}
ROLES: dict[str, tuple[str, str]] = {
    "reporter": ("pelapor", "reporter"),
    "curator": ("kurator", "curator"),
    "institution": ("instansi", "institution"),
    "system": ("sistem", "system"),
}
# the steps the HTTP contract names, and who may take each
STEPS = ("verify", "reject", "dispose", "respond", "return", "reopen", "close", "restrict")
CURATOR_STEPS = ("verify", "reject", "dispose", "restrict")
# the disposed institution's steps: answer it, or say it is not theirs (back to the curators)
INSTITUTION_STEPS = ("respond", "return")
OPEN = ("received", "verified", "disposed")
PUBLIC = ("verified", "disposed", "responded", "closed")
FOLLOWED_UP = ("responded", "closed")

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_TEXT = 10_000
MAX_NAME = 200
MAX_PHONE = 40


@dataclass(frozen=True)
class Actor:
    """Who takes a step: the reporter (proved by the secret), a curator, an institution, the
    system (automatic closing)."""

    role: str
    user: User | None = None

    @classmethod
    def reporter(cls) -> Actor:
        return cls("reporter")

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls("curator" if user.is_curator else "institution", user)


SYSTEM = Actor("system")


def label(vocab: Mapping[str, tuple[str, str]], slug: str, locale: str = "id") -> str:
    return taxonomy.label(vocab, slug, locale)
