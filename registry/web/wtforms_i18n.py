"""WTForms' own messages ("This field is required.") in the reader's language.

WTForms ships no Indonesian catalogue, so its English messages are mapped here to Indonesian
source text, which the app's catalogue translates like any other string (issue 15, item 5).
Forms derive from :class:`TranslatedForm` (a FlaskForm) instead of FlaskForm.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_translations
from flask_wtf import FlaskForm

# WTForms' English message -> our Indonesian text (placeholders kept for WTForms to fill in)
MESSAGES: dict[str, str] = {
    "This field is required.": "Wajib diisi.",
    "Invalid input.": "Isian tidak sah.",
    "Invalid email address.": "Alamat email tidak sah.",
    "Invalid URL.": "Alamat web tidak sah.",
    "Field must be equal to %(other_name)s.": "Harus sama dengan isian %(other_name)s.",
    "Field must be between %(min)d and %(max)d characters long.": (
        "Harus antara %(min)d dan %(max)d karakter."
    ),
    "Number must be at least %(min)s.": "Angka paling kecil %(min)s.",
    "Number must be at most %(max)s.": "Angka paling besar %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Not a valid choice.": "Pilihan tidak sah.",
    "Not a valid integer value.": "Bukan bilangan bulat.",
    "Not a valid decimal value.": "Bukan angka yang sah.",
    "Not a valid float value.": "Bukan angka yang sah.",
    "Not a valid date value.": "Bukan tanggal yang sah (TTTT-BB-HH).",
    "Invalid value, must be one of: %(values)s.": "Harus salah satu dari: %(values)s.",
    "Invalid CSRF Token.": "Formulir tidak sah; muat ulang halaman lalu coba lagi.",
    "CSRF token missing.": "Formulir tidak sah; muat ulang halaman lalu coba lagi.",
}
# singular and plural English -> Indonesian (one form; the catalogue gives English both)
PLURALS: dict[str, str] = {
    "Field must be at least %(min)d character long.": "Paling sedikit %(min)d karakter.",
    "Field cannot be longer than %(max)d character.": "Paling banyak %(max)d karakter.",
    "Field must be exactly %(max)d character long.": "Harus tepat %(max)d karakter.",
}


class Translations:
    """The gettext interface WTForms calls, answered from the app's catalogue."""

    def gettext(self, string: str) -> str:
        source = MESSAGES.get(string)
        return string if source is None else str(get_translations().ugettext(source))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        source = PLURALS.get(singular)
        if source is None:
            return singular if n == 1 else plural
        return str(get_translations().ungettext(source, source, n))


TRANSLATIONS = Translations()


class TranslatedForm(FlaskForm):
    """A FlaskForm (CSRF and all) whose built-in messages are translated."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> Translations:
            return TRANSLATIONS
