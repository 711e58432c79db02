"""Flask-WTF forms (CSRF on every one). Innovation field names are DESIGN.md's field names.

The forms check shape (lengths, choices); the services check meaning (validation.clean) and their
errors are mapped back onto the fields here, in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import taxonomy
from ..services.attachments import ACCEPT
from ..services.validation import FIELDS, MAX_TITLE
from .formatting import number
from .wtforms_i18n import TranslatedForm as FlaskForm


def _choices(vocab: Mapping[str, tuple[str, str]], locale: str, blank: bool = True):
    out = [("", gettext("— pilih —"))] if blank else []
    return out + taxonomy.choices(vocab, locale)


def province_choices(locale: str) -> list[tuple[str, str]]:
    return [("", gettext("— pilih provinsi —"))] + [
        (p.code, p.label(locale)) for p in taxonomy.provinces()
    ]


def regency_choices(locale: str) -> dict[str, list[tuple[str, str]]]:
    """Regencies grouped by province (optgroups); the page's script shows one province's."""
    groups: dict[str, list[tuple[str, str]]] = {"": [("", gettext("— pilih kabupaten/kota —"))]}
    for province in taxonomy.provinces():
        groups[f"{province.code} {province.label(locale)}"] = [
            (r.code, r.label(locale)) for r in taxonomy.regencies(province.code)
        ]
    return groups


# the form fields that hold one string each (sectors, links and campaign are handled apart)
TEXT_INPUTS = tuple(f for f in FIELDS if f not in ("sectors", "links", "campaign"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --------------------------------------------------------------------------- accounts


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Ingat saya di perangkat ini"))
    next = HiddenField()


class SignupForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Kata sandi"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("Minimal 10 karakter."),
    )
    password_again = PasswordField(
        _l("Ulangi kata sandi"),
        validators=[DataRequired(), EqualTo("password", message=_l("Kata sandi tidak sama."))],
    )
    organization = StringField(
        _l("Nama instansi atau organisasi"), validators=[DataRequired(), Length(max=200)]
    )
    innovator_type = SelectField(_l("Jenis inovator"), validators=[DataRequired()])
    province = SelectField(_l("Provinsi"), validators=[DataRequired()])
    regency = SelectField(_l("Kabupaten/kota"), validators=[Optional()], validate_choice=False)
    agree = BooleanField(_l("Saya sudah membaca kebijakan privasi"), validators=[DataRequired()])

    def fill_choices(self, locale: str) -> None:
        self.innovator_type.choices = _choices(taxonomy.INNOVATOR_TYPES, locale)
        self.province.choices = province_choices(locale)
        self.regency.choices = regency_choices(locale)


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("Kata sandi baru"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    password_again = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(), EqualTo("password", message=_l("Kata sandi tidak sama."))],
    )


class ConfirmForm(FlaskForm):
    """Only the CSRF token: for buttons that change something (logout, submit, delete)."""


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Kata sandi Anda"), validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField(
        _l("Saya mengerti bahwa akun dan draf saya dihapus dan tidak dapat dipulihkan"),
        validators=[DataRequired()],
    )


# --------------------------------------------------------------------------- the public


class ContactForm(FlaskForm):
    """The relay form on an innovation's page; `website` is a honeypot that people never see."""

    name = StringField(_l("Nama Anda"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email Anda"), validators=[DataRequired(), Length(max=254)])
    message = TextAreaField(
        _l("Pesan"),
        validators=[DataRequired(), Length(min=10, max=5000)],
        description=_l("Pesan Anda diteruskan ke inovator; alamat email mereka tidak ditampilkan."),
    )
    website = StringField(_l("Jangan diisi"), validators=[Optional(), Length(max=200)])


# --------------------------------------------------------------------------- admin


class RoleForm(FlaskForm):
    role = SelectField(_l("Peran"), validators=[DataRequired()])


class CampaignForm(FlaskForm):
    opens_on = DateField(_l("Dibuka"), validators=[Optional()])
    closes_on = DateField(_l("Ditutup"), validators=[Optional()])


# --------------------------------------------------------------------------- innovations

SECTION_LABELS = {
    "summary": _l("Ringkasan"),
    "background": _l("Latar belakang"),
    "innovation": _l("Inovasi"),
    "implementation": _l("Pelaksanaan"),
    "results": _l("Hasil"),
    "adaptability": _l("Kemungkinan ditiru"),
    "resources": _l("Sumber daya"),
    "sustainability": _l("Keberlanjutan"),
}
SECTION_HELP = {
    "summary": _l("Paling banyak 200 kata: apa, siapa, di mana, hasilnya."),
    "background": _l("Masalah apa yang dijawab?"),
    "innovation": _l("Apa yang baru, dan bagaimana cara kerjanya?"),
    "implementation": _l("Kapan, di mana, oleh siapa, langkah-langkahnya."),
    "results": _l("Apa yang berubah? Sebutkan angka bila ada."),
    "adaptability": _l("Apa yang diperlukan daerah lain untuk menirunya?"),
    "resources": _l("Anggaran, orang, alat."),
    "sustainability": _l("Bagaimana inovasi ini bertahan?"),
}


class InnovationForm(FlaskForm):
    title = StringField(_l("Judul"), validators=[Length(max=MAX_TITLE)])
    summary = TextAreaField(SECTION_LABELS["summary"])
    background = TextAreaField(SECTION_LABELS["background"])
    innovation = TextAreaField(SECTION_LABELS["innovation"])
    implementation = TextAreaField(SECTION_LABELS["implementation"])
    results = TextAreaField(SECTION_LABELS["results"])
    adaptability = TextAreaField(SECTION_LABELS["adaptability"])
    resources = TextAreaField(SECTION_LABELS["resources"])
    sustainability = TextAreaField(SECTION_LABELS["sustainability"])
    sectors = MultiCheckboxField(_l("Sektor"), validate_choice=False)
    focus = SelectField(_l("Fokus"), validate_choice=False)
    stage = SelectField(_l("Tahap"), validate_choice=False)
    started_on = StringField(_l("Mulai dilaksanakan"), description=_l("Format: TTTT-BB-HH"))
    innovator_name = StringField(_l("Nama inovator"), validators=[Length(max=200)])
    innovator_type = SelectField(_l("Jenis inovator"), validate_choice=False)
    unit = StringField(_l("Unit pelaksana"), validators=[Length(max=200)])
    province = SelectField(_l("Provinsi"), validate_choice=False)
    regency = SelectField(_l("Kabupaten/kota"), validate_choice=False)
    links = TextAreaField(
        _l("Tautan"), description=_l("Satu alamat web (http/https) per baris, paling banyak 20.")
    )
    contact_email = EmailField(
        _l("Email kontak"),
        validators=[Length(max=254)],
        description=_l("Tidak pernah ditampilkan ke publik."),
    )
    campaign = SelectField(_l("Kampanye"), validate_choice=False)
    replicates = StringField(
        _l("Inovasi ini mereplikasi …"),
        validators=[Length(max=500)],
        description=_l(
            "Opsional: judul, alamat halaman atau nomor inovasi asli yang Anda tiru. "
            "Tautan replikasi dibuat saat inovasi Anda terbit."
        ),
        render_kw={"list": "replicates-options", "autocomplete": "off", "data-picker": "1"},
    )
    attachment = FileField(
        _l("Lampiran"),
        description=_l("Gambar (PNG, JPEG, GIF, WebP) atau PDF, paling besar 5 MB."),
        render_kw={"accept": ACCEPT},
    )
    action = HiddenField()

    def fill_choices(self, locale: str, campaigns: list[tuple[str, str]]) -> None:
        self.sectors.choices = taxonomy.choices(taxonomy.SECTORS, locale)
        self.focus.choices = _choices(taxonomy.FOCUSES, locale)
        self.stage.choices = _choices(taxonomy.STAGES, locale)
        self.innovator_type.choices = _choices(taxonomy.INNOVATOR_TYPES, locale)
        self.province.choices = province_choices(locale)
        self.regency.choices = regency_choices(locale)
        self.campaign.choices = [("", gettext("Tanpa kampanye (selalu dibuka)")), *campaigns]

    def data_for_service(self) -> dict[str, Any]:
        """The submitted values under DESIGN.md's names (empty strings kept: they clear)."""
        out: dict[str, Any] = {}
        for name in TEXT_INPUTS:
            out[name] = (self[name].data or "").strip()
        out["sectors"] = list(self.sectors.data or [])
        out["links"] = [
            line.strip() for line in (self.links.data or "").splitlines() if line.strip()
        ]
        out["campaign"] = (self.campaign.data or "").strip() or None
        if (self.replicates.data or "").strip():
            out["replicates"] = self.replicates.data.strip()
        return out

    def load(self, record: Mapping[str, Any]) -> None:
        for name in TEXT_INPUTS:
            self[name].data = record.get(name) or ""
        self.sectors.data = list(record.get("sectors") or [])
        self.links.data = "\n".join(record.get("links") or [])
        self.campaign.data = record.get("campaign") or ""


class RevisionDecisionForm(FlaskForm):
    decision = SelectField(_l("Keputusan"), validators=[DataRequired()])
    note = TextAreaField(
        _l("Catatan untuk pengaju"),
        validators=[Length(max=5000)],
        description=_l("Wajib bila pembaruan ditolak."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = [
            ("publish", gettext("Terbitkan pembaruan")),
            ("reject", gettext("Tolak pembaruan")),
        ]


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Keputusan"), validators=[DataRequired()])
    note = TextAreaField(
        _l("Catatan untuk pengaju"),
        validators=[Length(max=5000)],
        description=_l("Wajib untuk permintaan revisi dan penolakan."),
    )

    def fill_choices(self) -> None:
        self.decision.choices = decision_choices()


def decision_choices() -> list[tuple[str, str]]:
    return [
        ("acknowledge", gettext("Terima untuk ditinjau")),
        ("publish", gettext("Terbitkan")),
        ("request_revision", gettext("Minta revisi")),
        ("reject", gettext("Tolak")),
    ]


# --------------------------------------------------------------------------- messages

_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    # the inbox's paging (services/curation)
    (
        re.compile(r"^not a cursor this list gave|^the cursor belongs to sort"),
        lambda m: gettext("Tautan halaman ini sudah tidak berlaku: mulai lagi dari halaman 1."),
    ),
    (
        re.compile(r"^pages go ([\d,]+) candidates deep"),
        lambda m: gettext(
            "Nomor halaman hanya menjangkau %(n)s kandidat pertama: lanjutkan dengan tautan "
            "Berikutnya.",
            n=number(int(m[1].replace(",", ""))),
        ),
    ),
    # harvest sources, campaigns and invitations (the admin pages)
    (re.compile(r"is not a duration"), lambda m: gettext("Misalnya 30s, 15m, 2h atau 1d.")),
    (
        re.compile(r"^the interval must be at least (\d+)s"),
        lambda m: gettext("Interval paling singkat %(n)s detik.", n=m[1]),
    ),
    (
        re.compile(r"^a source name is"),
        lambda m: gettext("Huruf, angka, titik, garis bawah atau tanda hubung."),
    ),
    (re.compile(r"^unknown platform"), lambda m: gettext("Pilih platform.")),
    (re.compile(r"^a source needs a query"), lambda m: gettext("Tulis kuerinya.")),
    (
        re.compile(r"^the base URL has at most (\d+)"),
        lambda m: gettext("Paling banyak %(n)s karakter.", n=m[1]),
    ),
    (
        re.compile(r"^the base URL must start with"),
        lambda m: gettext("URL dasar harus diawali http:// atau https://."),
    ),
    (
        re.compile(r"^an RSS source needs"),
        lambda m: gettext(
            "Sumber RSS memerlukan alamat umpannya (http:// atau https://) sebagai kueri "
            "atau URL dasar."
        ),
    ),
    (
        re.compile(r"^a Mastodon source needs"),
        lambda m: gettext(
            "Sumber Mastodon memerlukan URL dasar servernya (misalnya https://mastodon.social)."
        ),
    ),
    (
        re.compile(r"names an environment variable"),
        lambda m: gettext("Tulis nama variabel lingkungan: huruf, angka dan garis bawah."),
    ),
    (
        re.compile(r"^full-archive search is for X/Twitter"),
        lambda m: gettext("Pencarian seluruh arsip hanya untuk sumber X/Twitter."),
    ),
    (
        re.compile(r"^a source named '(.*)' exists already"),
        lambda m: gettext("Sudah ada sumber bernama %(name)s.", name=m[1]),
    ),
    (
        re.compile(r"^a campaign named '(.*)' exists already"),
        lambda m: gettext("Sudah ada kampanye bernama %(name)s.", name=m[1]),
    ),
    (re.compile(r"^a campaign needs a name"), lambda m: gettext("Tulis nama kampanye.")),
    (
        re.compile(r"source sends no token"),
        lambda m: gettext("Sumber ini tidak memakai token: kosongkan isian ini."),
    ),
    (
        re.compile(
            r"^the token variable of a \S+ source is an upper-case name starting with (.*?) \("
        ),
        lambda m: gettext(
            "Nama variabel token ditulis huruf besar dan diawali %(prefixes)s.",
            prefixes=m[1].replace(" or ", " / "),
        ),
    ),
    (
        re.compile(r"^the address must start with https://"),
        lambda m: gettext("Alamat harus diawali https://."),
    ),
    (
        re.compile(r"^the address must not hold a user name or password"),
        lambda m: gettext("Alamat tidak boleh memuat nama pengguna atau kata sandi."),
    ),
    (
        re.compile(r"^(?:not a usable address|no host in)"),
        lambda m: gettext("Alamat ini tidak dapat dipakai."),
    ),
    (
        re.compile(r"^a \S+ source talks to (.*) only: leave the base URL empty"),
        lambda m: gettext(
            "Sumber ini hanya terhubung ke %(hosts)s: kosongkan alamat dasar.",
            hosts=m[1].replace(" or ", " / "),
        ),
    ),
    (
        re.compile(r"^(\S+) is a private, loopback or reserved address"),
        lambda m: gettext(
            "%(host)s adalah alamat privat atau lokal: sumber hanya mengambil dari alamat publik.",
            host=m[1],
        ),
    ),
    (
        re.compile(r"^curators cannot publish their own submission"),
        lambda m: gettext(
            "Kurator tidak menerbitkan pengajuannya sendiri: kurator lain memutuskan."
        ),
    ),
    (re.compile(r"is required$"), lambda m: gettext("Wajib diisi sebelum dikirim untuk ditinjau.")),
    (
        re.compile(r"^at most (\d+) words \(got (\d+)\)$"),
        lambda m: gettext("Paling banyak %(n)s kata (tertulis %(got)s).", n=m[1], got=m[2]),
    ),
    (
        re.compile(r"^at most (\d+) characters(?: \(got (\d+)\))?$"),
        lambda m: gettext("Paling banyak %(n)s karakter.", n=m[1]),
    ),
    (re.compile(r"in the future$"), lambda m: gettext("Tanggal mulai tidak boleh di masa depan.")),
    (
        re.compile(r"^expected a date"),
        lambda m: gettext("Tulis tanggal sebagai TTTT-BB-HH, misalnya 2020-04-15."),
    ),
    (re.compile(r"^unknown province"), lambda m: gettext("Provinsi tidak dikenal.")),
    (re.compile(r"^unknown regency"), lambda m: gettext("Kabupaten/kota tidak dikenal.")),
    (
        re.compile(r" is not in province "),
        lambda m: gettext("Kabupaten/kota ini tidak berada di provinsi yang dipilih."),
    ),
    (re.compile(r"^unknown sector"), lambda m: gettext("Sektor tidak dikenal.")),
    (
        re.compile(r"^must be one line"),
        lambda m: gettext("Tulis dalam satu baris, tanpa ganti baris atau karakter kendali."),
    ),
    (
        re.compile(r"^expected a region code or name"),
        lambda m: gettext("Pilih satu provinsi atau kabupaten/kota."),
    ),
    (
        re.compile(r"^not a web address: (.*)$"),
        lambda m: gettext("Bukan alamat web: %(url)s", url=m[1]),
    ),
    (re.compile(r"^not an email address"), lambda m: gettext("Bukan alamat email yang sah.")),
    (
        re.compile(r"^the campaign '(.*)' is closed"),
        lambda m: gettext(
            "Kampanye %(name)s sudah ditutup dan tidak menerima pengajuan baru.", name=m[1]
        ),
    ),
    (re.compile(r"^unknown campaign"), lambda m: gettext("Kampanye tidak dikenal.")),
    (
        re.compile(r"already registered an innovation with this title"),
        lambda m: gettext("Anda sudah mendaftarkan inovasi dengan judul ini."),
    ),
    (
        re.compile(r"^an account with this email already exists"),
        lambda m: gettext("Sudah ada akun dengan email ini."),
    ),
    (
        re.compile(r"^at least (\d+) characters$"),
        lambda m: gettext("Paling sedikit %(n)s karakter.", n=m[1]),
    ),
    (re.compile(r"^too repetitive$"), lambda m: gettext("Terlalu mudah ditebak.")),
    (
        re.compile(r"must not contain your e-mail"),
        lambda m: gettext("Jangan memuat alamat email Anda (atau bagian sebelum @)."),
    ),
    (
        re.compile(r"^only images .* are accepted$"),
        lambda m: gettext("Hanya gambar (PNG, JPEG, GIF, WebP) dan PDF yang diterima."),
    ),
    (
        re.compile(r"^the file is larger than (\d+) MB$"),
        lambda m: gettext("Berkas lebih besar dari %(n)s MB.", n=m[1]),
    ),
    (
        re.compile(r"does not match its content"),
        lambda m: gettext("Nama berkas tidak cocok dengan isinya."),
    ),
    (re.compile(r"^the file is empty$"), lambda m: gettext("Berkas kosong.")),
    (re.compile(r"^too many attachments"), lambda m: gettext("Terlalu banyak lampiran.")),
    (
        re.compile(r"^attachments cannot be added to a published"),
        lambda m: gettext(
            "Lampiran tidak dapat ditambahkan ke inovasi yang sudah terbit. Minta kurator."
        ),
    ),
    (
        re.compile(r"^the last active admin"),
        lambda m: gettext("Harus tetap ada minimal satu admin aktif."),
    ),
    (
        re.compile(r"^you cannot deactivate your own account$"),
        lambda m: gettext("Anda tidak dapat menonaktifkan akun Anda sendiri."),
    ),
    (
        re.compile(r"^the closing date is before the opening date$"),
        lambda m: gettext("Tanggal tutup sebelum tanggal buka."),
    ),
    (
        re.compile(r"^no pending update$"),
        lambda m: gettext("Tidak ada pembaruan yang menunggu."),
    ),
    (
        re.compile(r"^nothing changed$"),
        lambda m: gettext("Tidak ada yang berubah."),
    ),
    (
        re.compile(r"^a note for the submitter is required$"),
        lambda m: gettext("Tulis catatan untuk pengaju."),
    ),
    (
        re.compile(r"^you drafted this innovation"),
        lambda m: gettext("Anda menyusun inovasi ini: kurator lain yang harus menerbitkannya."),
    ),
    (
        re.compile(r"^still holds the automatic placeholder"),
        lambda m: gettext("Masih berisi teks isian otomatis. Tulis ulang sebelum menerbitkan."),
    ),
    (
        re.compile(r"^still holds a harvested post's text verbatim"),
        lambda m: gettext(
            "Masih memuat teks unggahan media sosial apa adanya. Tulis ulang dengan kata-kata "
            "sendiri sebelum menerbitkan."
        ),
    ),
    (
        re.compile(r"^names a harvested post's author"),
        lambda m: gettext("Menyebut akun penulis unggahan. Hapus sebelum menerbitkan."),
    ),
]


def localize(message: str) -> str:
    for pattern, make in _MESSAGES:
        match = pattern.search(message)
        if match:
            return str(make(match))
    return message


def field_label(name: str) -> str:
    """An innovation field's label in the reader's language (never its raw name)."""
    unbound = getattr(InnovationForm, name, None)
    args = getattr(unbound, "args", None)
    return str(args[0]) if args else name


def labelled_errors(errors: Mapping[str, str]) -> list[str]:
    """Service errors as "Label: message" lines in the reader's language."""
    return [f"{field_label(name)}: {localize(message)}" for name, message in errors.items()]


def apply_errors(form: FlaskForm, errors: Mapping[str, str]) -> list[str]:
    """Put service errors on the form's fields; returns those that belong to no field."""
    loose: list[str] = []
    for name, message in errors.items():
        field = form._fields.get(name)
        text = localize(message)
        if field is not None:
            field.errors = [*list(field.errors or []), text]
        else:
            loose.extend(labelled_errors({name: message}) if name in FIELDS else [text])
    return loose
