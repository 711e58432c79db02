"""The open-data page's data dictionary: what each column of the CSV export (and each key of
the JSON export) holds, in the reader's language, with the codes a coded column takes."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..services import transfer


@dataclass(frozen=True)
class Column:
    name: str
    description: LazyString
    vocab: str | None = None  # the vocabulary (public.VOCABS) whose codes the column takes


COLUMNS: tuple[Column, ...] = (
    Column("id", _l("Nomor pengenal inovasi di katalog ini; tidak berubah.")),
    Column(
        "slug",
        _l(
            "Bagian akhir alamat halaman inovasi (/innovations/…); bisa berubah "
            "bila judulnya diganti, alamat lama dialihkan."
        ),
    ),
    Column("title", _l("Nama inovasi.")),
    Column("summary", _l("Ringkasan singkat inovasi.")),
    Column("background", _l("Latar belakang: masalah yang hendak dijawab.")),
    Column("innovation", _l("Uraian inovasi: apa yang dilakukan.")),
    Column("implementation", _l("Cara inovasi dilaksanakan.")),
    Column("results", _l("Hasil dan dampak yang dicapai.")),
    Column("adaptability", _l("Kemampuan inovasi ditiru di tempat lain.")),
    Column("resources", _l("Sumber daya yang dibutuhkan: dana, orang, sarana.")),
    Column("sustainability", _l("Cara inovasi dijaga tetap berjalan.")),
    Column("sectors", _l("Sektor pelayanan, satu kode atau lebih dipisah “ | ”."), "sector"),
    Column("focus", _l("Kategori resmi 2020, satu kode; kosong bila belum ditetapkan."), "focus"),
    Column("stage", _l("Tahap inovasi, satu kode; kosong bila tidak diketahui."), "stage"),
    Column(
        "started_on", _l("Tanggal inovasi mulai berjalan (TTTT-BB-HH); kosong bila tidak tercatat.")
    ),
    Column("innovator_name", _l("Nama inovator: instansi, organisasi atau orang.")),
    Column("innovator_type", _l("Jenis inovator, satu kode."), "innovator_type"),
    Column("unit", _l("Unit kerja pelaksana di dalam organisasi inovator.")),
    Column("province", _l("Kode wilayah provinsi (Kemendagri), sebagai teks, misalnya “32”.")),
    Column(
        "regency", _l("Kode wilayah kabupaten/kota (Kemendagri), sebagai teks, misalnya “32.73”.")
    ),
    Column("links", _l("Tautan ke sumber dan bukti, dipisah “ | ”.")),
    Column("campaign", _l("Nama kampanye penghimpunan tempat inovasi ini masuk.")),
    Column("status", _l("Status di katalog; dalam ekspor selalu “published” (terbit).")),
    Column(
        "origin",
        _l(
            "Jalan masuk catatan: “form” (formulir), “api”, “import” (impor berkas) "
            "atau “harvest” (dari unggahan media sosial, diperiksa kurator)."
        ),
    ),
    Column(
        "published_at",
        _l(
            "Waktu catatan terbit di katalog ini (UTC); untuk data impor 2020 ini "
            "tanggal impor, bukan tanggal inovasi."
        ),
    ),
    Column("updated_at", _l("Waktu catatan terakhir diubah (UTC).")),
    Column("operating_status", _l("Apakah inovasi masih berjalan, satu kode."), "operating_status"),
    Column(
        "verified_at",
        _l("Waktu status operasional terakhir diperiksa (UTC); kosong bila belum pernah."),
    ),
    Column(
        "replications",
        _l(
            "Replikasi di tempat lain: larik JSON (adopter_name, innovator_type, "
            "province, regency, replica, facilitator, stage, started_on, links, "
            "status); kosong bila tidak ada."
        ),
    ),
    Column(
        "external_id", _l("Pengenal catatan di sumber asalnya (data impor); kosong bila tidak ada.")
    ),
)


def columns() -> tuple[Column, ...]:
    """The dictionary in the export's column order (a column the export gains fails the test
    that compares the two, until it is described here)."""
    by_name = {column.name: column for column in COLUMNS}
    return tuple(by_name[name] for name in transfer.csv_columns() if name in by_name)
