"""Word banks for the benchmark data generator (bench/generate.py).

Indonesian first, with some English, in the register of the 2020 COVID-19 innovation
submissions (see registry/data/demo/*.json): who did what, for whom, through which
channel, with what result. Phrases are separated by ``;`` and words are written the way
submitters write them (acronyms, loan words such as "drive-thru" and "call center").

Verbs are generated from roots with the Indonesian meN-/di-/peN-...-an morphology
(:func:`verb_forms`), so the documents carry the inflected forms a real corpus has
("menyalurkan", "disalurkan", "penyaluran", "salurkan"). Program names are made of
syllables (:data:`ACRONYMS`), a long tail of distinctive names like the real ones
("SIGAP", "PANTAU", "LAKSA").
"""

from __future__ import annotations

import random


def phrases(text: str) -> tuple[str, ...]:
    """Split a ``;``-separated bank into stripped, non-empty phrases."""
    return tuple(" ".join(p.split()) for p in text.split(";") if p.strip())


def words(text: str) -> tuple[str, ...]:
    """Split a whitespace-separated bank."""
    return tuple(text.split())


# --------------------------------------------------------------------------- morphology

_NASAL_KEEP = set("lmnrwy")


def _nasal(prefix: str, root: str, loan: bool) -> str:
    """meN- / peN- before a root: "me"+"salur" -> "menyalur", "pe"+"kirim" -> "pengirim"."""
    first = root[0]
    if first in _NASAL_KEEP:
        return prefix + root
    if first in "bfv":
        return prefix + "m" + root
    if first == "p":
        return prefix + "m" + (root if loan else root[1:])
    if first in "dcjz":
        return prefix + "n" + root
    if first == "t":
        return prefix + "n" + (root if loan else root[1:])
    if first == "s":
        return prefix + ("n" + root if loan else "ny" + root[1:])
    if first == "k":
        return prefix + "ng" + (root if loan else root[1:])
    # vowels, g, h
    return prefix + "ng" + root


def verb_forms(spec: str) -> dict[str, str]:
    """Forms of one verb spec ``root[/suffix][/flags]``: the suffix is ``kan`` or ``i``;
    flags: ``a`` root+an is a noun ("layan" -> "layanan"), ``!`` a loan word that keeps its
    first consonant ("produksi" -> "memproduksi")."""
    root, *rest = spec.strip().split("/")
    suffix = next((p for p in rest if p in ("kan", "i")), "")
    flags = "".join(p for p in rest if p not in ("kan", "i"))
    loan = "!" in flags
    forms = {
        "root": root,
        "active": _nasal("me", root, loan) + suffix,
        "passive": "di" + root + suffix,
        "imperative": root + suffix,
        "noun": _nasal("pe", root, loan) + "an",
    }
    if "a" in flags:
        forms["result"] = root + "an"
    return forms


# --------------------------------------------------------------------------- verbs

GENERAL_VERBS = tuple(
    verb_forms(s)
    for s in phrases(
        """
    data; kirim//a; salur/kan; pantau; latih; kelola; bagi/kan; layan/i/a; kumpul/kan;
    catat//a; lapor/kan/a; jangkau; atur//a; koordinasi/kan/!; bangun//a; kembang/kan;
    damping/i; bantu//a; sebar/kan; terap/kan; integrasi/kan/!; verifikasi/!; validasi/!;
    survei; periksa; rawat; jemput; antar/kan/a; tanam//a; olah//a; jual//a; beli;
    pasar/kan; cetak//a; jahit//a; produksi/!; sosialisasi/kan; edukasi/!; ajar/kan/a;
    dengar/kan; tanggap/i/a; tangan/i; cegah; putus/kan/a; lacak; uji; hitung//a; ukur;
    rekam//a; susun//a; rencana/kan; anggar/kan/a; biaya/i; dana/i; gerak/kan/a; libat/kan;
    ajak//a; dorong//a; awas/i; kawal; tampung; sedia/kan/a; pesan//a; daftar/kan/a;
    ingat/kan/a; informasi/kan/!; proses/!; promosi/kan/!; transfer/!; digitalisasi/!;
    peta/kan; tata//a; rancang//a; rakit//a; pasok//a; simpan//a; angkut//a; kemas//a;
    tukar//a; bina//a; asuh//a; mudah/kan; sederhana/kan; hubung/kan/a;
    temu/kan/a; cari; pilih//a; tentu/kan/a; tetap/kan; nilai/!; ganti; isi; sapa//a;
    beri/kan; terima; tunggu; antre"""
    )
)

SECTOR_VERBS = {
    "kesehatan": "vaksin/!; obat/i; rujuk//a; suntik/kan/a; isolasi/kan/!; skrining/!; "
    "periksa; semprot/kan/a; rawat; sembuh/kan",
    "bantuan-sosial": "salur/kan; bagi/kan; santun/i/a; donasi/kan/!; subsidi/!; "
    "masak//a; bungkus//a; antar/kan/a",
    "ekonomi": "jual//a; pasar/kan; modal/i; pinjam/kan/a; kredit/kan/!; promosi/kan/!; "
    "kirim//a; bayar//a; belanja/kan/a; niaga/kan",
    "pendidikan": "ajar/kan/a; didik//a; bimbing//a; latih; baca/kan/a; tulis//a; "
    "kunjung/i/a; nilai/!; rangkum//a; dongeng/kan",
    "pelayanan-publik": "layan/i/a; urus//a; terbit/kan/a; cetak//a; tanda tangan/i; "
    "verifikasi/!; arsip/kan/!; antre; daftar/kan/a; adu/kan/a; legalisir/!",
    "pangan": "tanam//a; panen; pupuk/i; siram; olah//a; pelihara; budidaya/kan/!; "
    "simpan//a; giling//a; tebar",
    "informasi": "sebar/kan; siar/kan/a; umum/kan; klarifikasi/!; publikasi/kan/!; "
    "pantau; lapor/kan/a; petakan; edukasi/!; terjemah/kan/a",
    "karantina": "isolasi/kan/!; karantina/kan/!; sekat//a; jaga; periksa; lacak; "
    "batas/i/a; tutup; awas/i; data",
}
SECTOR_VERBS_FORMS = {
    sector: tuple(verb_forms(s.strip().replace(" ", "")) for s in specs.split(";") if s.strip())
    for sector, specs in SECTOR_VERBS.items()
}

# --------------------------------------------------------------------------- nouns by sector

SECTOR_OBJECTS = {
    "kesehatan": phrases(
        """tes usap; tes PCR; tes cepat antigen; alat pelindung diri; masker medis; masker
        kain; hand sanitizer; tempat cuci tangan; ruang isolasi; rumah sakit darurat;
        ventilator; tabung oksigen; konsentrator oksigen; ambulans; obat antivirus; vitamin;
        jamu tradisional; pasien positif; kontak erat; orang tanpa gejala; pasien dalam
        pengawasan; tenaga kesehatan; dokter; perawat; bidan; laboratorium; vaksin;
        vaksinasi; sertifikat vaksin; rekam medis; surveilans; rujukan pasien; tempat tidur
        rumah sakit; isolasi mandiri; telekonsultasi; termometer; oksimeter; disinfektan;
        bilik disinfeksi; kesehatan jiwa; gizi balita; pemeriksaan kehamilan; penyakit
        penyerta; imunitas; protokol kesehatan; plasma konvalesen; apotek; puskesmas
        keliling; kamar jenazah; tenaga pemulasaraan"""
    ),
    "bantuan-sosial": phrases(
        """bantuan sosial; sembako; paket sembako; bantuan langsung tunai; data terpadu
        kesejahteraan sosial; kartu keluarga; nomor induk kependudukan; penerima manfaat;
        keluarga miskin; pekerja harian; pengemudi ojek daring; pedagang kaki lima; warga
        terdampak; dapur umum; nasi bungkus; beras; bantuan tunai; kupon belanja; kartu
        prakerja; program keluarga harapan; dana desa; lumbung sosial; donasi; donatur;
        zakat; infak; sedekah; anak yatim; panti asuhan; pemulung; tunawisma; rumah singgah;
        subsidi listrik; keringanan iuran; gerobak sayur; makanan siap saji; susu formula;
        popok bayi; selimut; tabungan sosial"""
    ),
    "ekonomi": phrases(
        """usaha mikro; UMKM; pelaku usaha; pasar daring; lapak daring; toko kelontong;
        produk lokal; kerajinan tangan; batik; kopi; kredit usaha rakyat; pinjaman lunak;
        modal usaha; restrukturisasi kredit; omzet; pendapatan; ongkos kirim; kurir;
        pembayaran nontunai; dompet digital; QRIS; koperasi; BUMDes; pariwisata; homestay;
        pekerja migran; pemutusan hubungan kerja; padat karya; ekspor; rantai pasok; harga
        barang; pajak daerah; retribusi; insentif pajak; katalog produk; festival virtual;
        pameran daring; marketplace; ojek pengantar; pengrajin; sentra industri; kemasan
        produk; label halal; sertifikasi produk"""
    ),
    "pendidikan": phrases(
        """belajar dari rumah; pembelajaran jarak jauh; kuota internet; guru; murid; siswa;
        orang tua murid; sekolah; madrasah; pesantren; kelas daring; modul cetak; lembar
        kerja; televisi edukasi; radio pendidikan; guru kunjung; perpustakaan keliling;
        buku pelajaran; kurikulum darurat; ujian daring; beasiswa; laptop; tablet; sinyal
        internet; wifi gratis; rumah belajar; literasi; numerasi; pendidikan anak usia dini;
        sekolah dasar; sekolah menengah; rapor; video pembelajaran; tutor sebaya; kelompok
        belajar; bahan ajar; ruang kelas; asesmen; bimbingan konseling"""
    ),
    "pelayanan-publik": phrases(
        """pelayanan administrasi; surat keterangan; akta kelahiran; akta kematian; kartu
        tanda penduduk elektronik; dokumen kependudukan; perizinan; izin usaha; tanda
        tangan elektronik; antrean daring; layanan jemput bola; mal pelayanan publik;
        loket; pengaduan masyarakat; pajak kendaraan; samsat keliling; layanan drive-thru;
        sistem informasi; aplikasi layanan; birokrasi; aparatur sipil negara; kerja dari
        rumah; rapat virtual; surat elektronik; arsip digital; layanan terpadu; nomor
        antrean; pelayanan prima; standar pelayanan; survei kepuasan; kantor kecamatan;
        pencatatan sipil; kotak saran; tata kelola; integritas; layanan kesehatan hewan;
        izin keramaian; legalisir daring; berkas persyaratan"""
    ),
    "pangan": phrases(
        """ketahanan pangan; lumbung pangan; beras; sayuran; hortikultura; bibit; benih;
        pupuk organik; kebun pekarangan; hidroponik; budidaya ikan; lele; ayam kampung;
        telur; petani; nelayan; peternak; hasil panen; pasar tani; harga pangan; stok
        pangan; distribusi pangan; gudang; cadangan pangan; dapur sehat; gizi keluarga;
        kebun gizi; tanaman obat keluarga; sagu; jagung; singkong; ubi jalar; buah lokal;
        sayur mayur; bank pangan; warung pangan; ikan asin; rumput laut; cabai; bawang
        merah; padi gogo; lahan tidur"""
    ),
    "informasi": phrases(
        """informasi publik; hoaks; disinformasi; peta sebaran; data kasus; dasbor data;
        situs resmi; pusat informasi; media sosial; infografis; siaran pers; konferensi
        pers; jurnalis; radio komunitas; pengeras suara; baliho; spanduk; poster; video
        edukasi; podcast; bahasa daerah; bahasa isyarat; literasi digital; pesan berantai;
        hotline; call center; chatbot; aplikasi pelaporan; laporan warga; peta risiko; zona
        merah; status zona; transparansi anggaran; data terbuka; pemetaan partisipatif;
        papan informasi; grup percakapan; komik edukasi; lagu daerah"""
    ),
    "karantina": phrases(
        """karantina; isolasi terpusat; pembatasan sosial berskala besar; PPKM; jam malam;
        pos pemeriksaan; pos penyekatan; pemudik; pendatang; surat izin keluar masuk;
        kampung tangguh; gugus tugas; satgas; posko; pos jaga; pembatasan jarak; jaga
        jarak; kerumunan; tempat ibadah; transportasi umum; terminal bus; stasiun; bandara;
        pelabuhan; penumpang; kapal penyeberangan; penutupan jalan; pelacakan kontak; rumah
        karantina; wisma atlet; hotel isolasi; gelang elektronik; ronda malam; portal
        kampung; kendaraan pribadi; pelintas batas; anak buah kapal; pekerja pabrik; asrama
        haji"""
    ),
}

SECTOR_PROBLEMS = {
    "kesehatan": phrases(
        """antrean panjang di puskesmas; kekurangan alat pelindung diri; keterbatasan tempat
        tidur; lambatnya hasil tes; kelangkaan oksigen; ketakutan warga memeriksakan diri;
        stigma terhadap pasien; tenaga kesehatan yang kelelahan; rendahnya cakupan
        vaksinasi; jauhnya jarak ke rumah sakit rujukan"""
    ),
    "bantuan-sosial": phrases(
        """data penerima yang tidak akurat; bantuan salah sasaran; penyaluran yang lambat;
        kehilangan penghasilan harian; kerumunan saat pembagian; warga yang belum terdata;
        keterbatasan anggaran sosial; keluhan warga tentang keadilan bantuan"""
    ),
    "ekonomi": phrases(
        """turunnya omzet pedagang; pasar yang sepi pembeli; pemutusan hubungan kerja;
        kesulitan modal usaha; tutupnya tempat wisata; rantai pasok yang terputus; harga
        bahan baku yang naik; pelaku usaha yang belum mengenal pemasaran digital"""
    ),
    "pendidikan": phrases(
        """sekolah yang ditutup; murid tanpa gawai; mahalnya kuota internet; sinyal yang
        lemah; guru yang belum terbiasa mengajar daring; orang tua yang sibuk bekerja;
        tertinggalnya kemampuan membaca; angka putus sekolah yang naik"""
    ),
    "pelayanan-publik": phrases(
        """antrean di kantor pelayanan; kantor yang ditutup sementara; berkas yang menumpuk;
        layanan tatap muka yang dihentikan; waktu pengurusan dokumen yang lama; pegawai yang
        bekerja dari rumah; pengaduan yang tidak tertangani"""
    ),
    "pangan": phrases(
        """naiknya harga pangan; hasil panen yang tidak terjual; terganggunya distribusi
        pangan; stok beras yang menipis; petani yang kehilangan pembeli; nelayan yang tidak
        bisa melaut; gizi keluarga yang menurun"""
    ),
    "informasi": phrases(
        """maraknya hoaks; informasi yang simpang siur; data kasus yang terlambat; warga
        yang tidak paham istilah kesehatan; informasi yang tidak menjangkau desa; kepanikan
        di media sosial; bahasa yang sulit dipahami"""
    ),
    "karantina": phrases(
        """arus mudik yang tinggi; pendatang tanpa pemeriksaan; kerumunan di pasar;
        pelanggaran jam malam; penularan di klaster keluarga; terbatasnya tempat isolasi;
        warga yang menolak dikarantina"""
    ),
}

SECTOR_RESULTS = {
    "kesehatan": phrases(
        """waktu tunggu hasil tes; angka kasus baru; cakupan vaksinasi; angka kematian;
        keterisian tempat tidur; jumlah pasien yang dirujuk; kunjungan ke puskesmas"""
    ),
    "bantuan-sosial": phrases(
        """ketepatan sasaran bantuan; waktu penyaluran; jumlah keluarga penerima; keluhan
        tentang bantuan; biaya distribusi"""
    ),
    "ekonomi": phrases(
        """omzet pelaku usaha; jumlah transaksi; pendapatan pedagang; jumlah usaha yang
        bertahan; penjualan produk lokal"""
    ),
    "pendidikan": phrases(
        """kehadiran murid; nilai literasi; jumlah murid yang belajar; keterlibatan orang
        tua; angka putus sekolah"""
    ),
    "pelayanan-publik": phrases(
        """waktu pelayanan; jumlah dokumen terbit; antrean di kantor; kepuasan warga; jumlah
        pengaduan yang selesai"""
    ),
    "pangan": phrases(
        """produksi sayuran; stok pangan desa; harga beras; pendapatan petani; konsumsi
        ikan keluarga"""
    ),
    "informasi": phrases(
        """sebaran hoaks; jangkauan informasi; jumlah laporan warga; waktu klarifikasi;
        jumlah pengunjung situs"""
    ),
    "karantina": phrases(
        """angka penularan; jumlah pemudik terdata; kepatuhan protokol; jumlah kontak erat
        terlacak; pelanggaran jam malam"""
    ),
}

SECTOR_BENEFICIARIES = {
    "kesehatan": phrases("pasien; lansia; ibu hamil; balita; tenaga kesehatan; penyintas"),
    "bantuan-sosial": phrases(
        "keluarga miskin; pekerja harian; lansia sebatang kara; penyandang disabilitas; "
        "anak yatim; warga terdampak"
    ),
    "ekonomi": phrases("pelaku UMKM; pedagang pasar; pengrajin; pekerja pariwisata; petani"),
    "pendidikan": phrases("murid; guru; orang tua murid; mahasiswa; santri; anak usia dini"),
    "pelayanan-publik": phrases("pemohon; warga; pelaku usaha; pegawai; wajib pajak"),
    "pangan": phrases("petani; nelayan; keluarga; peternak; ibu rumah tangga"),
    "informasi": phrases("warga; pengguna media sosial; jurnalis; tokoh masyarakat; pelajar"),
    "karantina": phrases("pemudik; pendatang; penumpang; pekerja migran; warga isolasi"),
}

# English phrases: for English records and the loan words Indonesian records use.
SECTOR_ENGLISH = {
    "kesehatan": phrases(
        """swab test; rapid antigen test; personal protective equipment; face mask; hand
        sanitizer; isolation ward; field hospital; ventilator; oxygen cylinder; ambulance;
        antiviral drugs; vitamins; herbal medicine; confirmed case; close contact;
        asymptomatic patient; health worker; nurse; midwife; laboratory; vaccine;
        vaccination; vaccine certificate; medical record; surveillance; referral;
        hospital bed; home isolation; teleconsultation; pulse oximeter; disinfectant;
        mental health; child nutrition; prenatal care; comorbidity; health protocol"""
    ),
    "bantuan-sosial": phrases(
        """social assistance; food parcel; cash transfer; welfare database; family card;
        beneficiary; poor household; daily worker; street vendor; affected resident;
        community kitchen; rice; voucher; village fund; donation; donor; orphan; people with
        disabilities; homeless shelter; electricity subsidy; fee waiver"""
    ),
    "ekonomi": phrases(
        """micro business; small enterprise; online marketplace; grocery store; local
        product; handicraft; coffee; soft loan; working capital; loan restructuring;
        turnover; income; shipping cost; courier; cashless payment; digital wallet;
        cooperative; village enterprise; tourism; migrant worker; layoff; cash for work;
        supply chain; tax incentive; product catalogue; virtual expo"""
    ),
    "pendidikan": phrases(
        """learning from home; distance learning; data package; teacher; pupil; student;
        parent; school; boarding school; online class; printed module; worksheet;
        educational television; school radio; home visit; mobile library; textbook;
        emergency curriculum; online exam; scholarship; laptop; tablet; internet signal;
        free wifi; literacy; numeracy; early childhood education; report card; video lesson;
        peer tutoring"""
    ),
    "pelayanan-publik": phrases(
        """administrative service; certificate; birth certificate; identity card;
        population record; permit; business licence; electronic signature; online queue;
        pick-up service; public service mall; service counter; public complaint; vehicle
        tax; mobile office; drive-thru service; information system; service app;
        bureaucracy; civil servant; working from home; virtual meeting; digital archive;
        one-stop service; satisfaction survey"""
    ),
    "pangan": phrases(
        """food security; food barn; vegetables; seedlings; seeds; organic fertiliser; home
        garden; hydroponics; fish farming; catfish; free-range chicken; eggs; farmer;
        fisher; livestock keeper; harvest; farmers market; food price; food stock; food
        distribution; warehouse; food reserve; family nutrition; medicinal plants; sago;
        corn; cassava; food bank"""
    ),
    "informasi": phrases(
        """public information; hoax; misinformation; case map; case data; data dashboard;
        official website; information centre; social media; infographic; press release;
        press conference; journalist; community radio; loudspeaker; billboard; banner;
        poster; educational video; podcast; local language; sign language; digital
        literacy; chain message; hotline; call centre; chatbot; reporting app; citizen
        report; risk map; red zone; open data; participatory mapping"""
    ),
    "karantina": phrases(
        """quarantine; centralised isolation; large-scale social restrictions; curfew;
        checkpoint; roadblock; homecoming traveller; newcomer; travel permit; resilient
        village; task force; command post; guard post; physical distancing; crowd; place of
        worship; public transport; bus terminal; railway station; airport; seaport;
        passenger; ferry; road closure; contact tracing; quarantine house; isolation hotel;
        electronic wristband; night patrol; border crosser"""
    ),
}

# --------------------------------------------------------------------------- general banks

ACTORS = phrases(
    """relawan; kader posyandu; ketua RT; ketua RW; perangkat desa; kepala desa; lurah;
    camat; bidan desa; mahasiswa KKN; karang taruna; ibu-ibu PKK; petugas puskesmas;
    Babinsa; Bhabinkamtibmas; tokoh agama; tokoh adat; pengurus masjid; pemuda gereja;
    komunitas ojek; guru honorer; penyuluh pertanian; pendamping desa; pekerja sosial;
    dokter muda; pramuka; linmas; satpol PP; petugas dinas; aparatur kelurahan; kader
    dasawisma; pengurus koperasi; pemuda pecinta alam; ormas keagamaan; komunitas difabel;
    tagana; kader kesehatan jiwa; penggerak literasi; duta wisata; pegiat media sosial"""
)
PLACES = phrases(
    """desa; kelurahan; kecamatan; balai desa; balai warga; masjid; mushola; gereja; pura;
    vihara; pasar tradisional; terminal; pelabuhan; sekolah; kantor camat; posyandu; pos
    ronda; rumah warga; lapangan; gedung olahraga; aula kantor bupati; puskesmas pembantu;
    kampung; dusun; pulau kecil; daerah terpencil; kawasan pesisir; perumahan padat;
    pegunungan; wilayah perbatasan; kompleks perumahan; rumah susun; kawasan industri; pasar
    ikan; gampong; nagari; banjar; kampung adat; pondok pesantren; kantor kelurahan"""
)
CHANNELS = phrases(
    """WhatsApp; grup WhatsApp; aplikasi Android; situs web; SMS; radio komunitas;
    Instagram; Facebook; YouTube; call center; hotline; dasbor daring; Google Form; kode
    QR; televisi lokal; pengeras suara masjid; mobil keliling; Telegram; chatbot; formulir
    daring; aplikasi web; layanan pesan singkat; surat edaran; papan pengumuman; TikTok;
    Zoom; Google Meet; email; peta digital; sistem informasi desa; kanal YouTube dinas;
    nomor darurat; siaran langsung; SMS gateway; aplikasi ponsel"""
)
ADJECTIVES = phrases(
    """cepat; terpadu; terintegrasi; sederhana; murah; gratis; mandiri; berkelanjutan;
    partisipatif; inklusif; transparan; akurat; tepat sasaran; efisien; mudah; aman; ramah
    lansia; ramah disabilitas; berbasis komunitas; berbasis data; daring; luring; keliling;
    terjadwal; serentak; bergilir; terbuka; kolaboratif; swadaya; gotong royong; real-time;
    digital; manual; praktis; terukur; responsif; adaptif; kreatif; lokal; nontunai"""
)
FUNDS = phrases(
    """APBD; dana desa; dana kelurahan; belanja tidak terduga; anggaran dinas; dana
    tanggung jawab sosial perusahaan; donasi warga; iuran warga; hibah pemerintah
    provinsi; APBN; dana abadi desa; zakat profesi; patungan alumni; dana BOS; anggaran
    refocusing"""
)
PARTNERS = phrases(
    """perguruan tinggi setempat; perusahaan swasta; bank daerah; PMI; komunitas relawan;
    lembaga zakat; organisasi keagamaan; media lokal; operator seluler; perusahaan rintisan;
    BUMN; TNI dan Polri; puskesmas; Dinas Kesehatan; Badan Penanggulangan Bencana Daerah;
    lembaga swadaya masyarakat; asosiasi pengusaha; paguyuban pedagang"""
)
EQUIPMENT = phrases(
    """laptop; telepon pintar; server; mobil operasional; sepeda motor; tenda; printer;
    pengeras suara; genset; gerobak; perahu motor; kamera; router wifi; meja lipat; kotak
    pendingin; timbangan; lemari es; proyektor; papan tulis; handy talky"""
)
RESTRICTIONS = phrases(
    """PSBB; PPKM Darurat; PPKM level 4; pembatasan sosial; masa tanggap darurat; masa
    kenormalan baru; karantina wilayah; PPKM mikro"""
)
HEADS = phrases("bupati; wali kota; gubernur; kepala desa; menteri; kepala dinas; rektor; camat")
CHANGES_DOWN = phrases("turun; berkurang; menurun; merosot; terpangkas")
CHANGES_UP = phrases("naik; meningkat; bertambah; melonjak; tumbuh")

MONTHS_ID = words(
    "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
)
MONTHS_EN = words(
    "January February March April May June July August September October November December"
)

UNITS = phrases(
    """Dinas Kesehatan; Dinas Sosial; Dinas Pendidikan; Dinas Koperasi dan UMKM; Dinas
    Pertanian; Dinas Ketahanan Pangan; Dinas Komunikasi dan Informatika; Dinas Kependudukan
    dan Pencatatan Sipil; Dinas Perhubungan; Badan Penanggulangan Bencana Daerah; Badan
    Perencanaan Pembangunan Daerah; Satuan Polisi Pamong Praja; Rumah Sakit Umum Daerah;
    Bagian Organisasi; Dinas Penanaman Modal dan PTSP; Dinas Perdagangan; Dinas Perikanan;
    Dinas Pariwisata; Dinas Tenaga Kerja; Sekretariat Daerah; Dinas Pemberdayaan
    Masyarakat dan Desa; Badan Pendapatan Daerah"""
)
UNIT_BY_SECTOR = {
    "kesehatan": ("Dinas Kesehatan", "Rumah Sakit Umum Daerah"),
    "bantuan-sosial": ("Dinas Sosial", "Dinas Pemberdayaan Masyarakat dan Desa"),
    "ekonomi": ("Dinas Koperasi dan UMKM", "Dinas Perdagangan", "Dinas Pariwisata"),
    "pendidikan": ("Dinas Pendidikan",),
    "pelayanan-publik": (
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Dinas Penanaman Modal dan PTSP",
        "Bagian Organisasi",
    ),
    "pangan": ("Dinas Ketahanan Pangan", "Dinas Pertanian", "Dinas Perikanan"),
    "informasi": ("Dinas Komunikasi dan Informatika",),
    "karantina": ("Badan Penanggulangan Bencana Daerah", "Dinas Perhubungan"),
}
MINISTRIES = phrases(
    """Kementerian Kesehatan; Kementerian Sosial; Kementerian Pendidikan dan Kebudayaan;
    Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi; Kementerian
    Pertanian; Kementerian Perhubungan; Kementerian Komunikasi dan Informatika; Kementerian
    Dalam Negeri; Kementerian Koperasi dan UKM; Kementerian Kelautan dan Perikanan;
    Kementerian Ketenagakerjaan; Kementerian Agama; Badan Pusat Statistik; Badan Nasional
    Penanggulangan Bencana; Badan Pengawas Obat dan Makanan; Lembaga Ilmu Pengetahuan
    Indonesia; Badan Pengkajian dan Penerapan Teknologi; Kantor Staf Presiden; Badan
    Kepegawaian Negara; Ombudsman Republik Indonesia; Kementerian Pendayagunaan Aparatur
    Negara dan Reformasi Birokrasi; Badan Siber dan Sandi Negara"""
)
MINISTRY_UNITS = phrases(
    """Direktorat Jenderal Pelayanan Kesehatan; Pusat Data dan Informasi; Biro Hubungan
    Masyarakat; Direktorat Jenderal Perlindungan dan Jaminan Sosial; Pusat Krisis Kesehatan;
    Direktorat Jenderal Aplikasi Informatika; Balai Besar; Unit Pelaksana Teknis; Deputi
    Bidang Pelayanan Publik"""
)
UNIVERSITIES = phrases(
    """Universitas Indonesia; Universitas Gadjah Mada; Institut Teknologi Bandung;
    Universitas Airlangga; Universitas Hasanuddin; Universitas Padjadjaran; Universitas
    Diponegoro; Universitas Brawijaya; Universitas Andalas; Universitas Sumatera Utara;
    Universitas Udayana; Universitas Sam Ratulangi; Universitas Cenderawasih; Universitas
    Syiah Kuala; Universitas Lambung Mangkurat; Universitas Mulawarman; Universitas Sebelas
    Maret; Institut Pertanian Bogor; Institut Teknologi Sepuluh Nopember; Universitas Negeri
    Makassar; Universitas Pattimura; Universitas Nusa Cendana; Universitas Tanjungpura;
    Universitas Jember; Universitas Mataram; Universitas Halu Oleo; Universitas Tadulako;
    Universitas Bengkulu; Universitas Jambi; Universitas Riau"""
)
UNIVERSITY_UNITS = phrases(
    """Fakultas Kedokteran; Fakultas Teknik; Lembaga Penelitian dan Pengabdian kepada
    Masyarakat; Fakultas Ilmu Komputer; Fakultas Pertanian; Fakultas Ekonomi dan Bisnis;
    Pusat Studi Kebencanaan; Fakultas Kesehatan Masyarakat; Fakultas Keguruan dan Ilmu
    Pendidikan; Fakultas Farmasi"""
)
COMPANY_PARTS = (
    phrases("Nusantara; Karya; Mitra; Sinar; Bumi; Cipta; Global; Andalan; Sentosa; Maju"),
    phrases("Digital; Teknologi; Logistik; Pangan; Medika; Niaga; Solusi; Kreasi; Energi; Data"),
    phrases("Sejahtera; Abadi; Mandiri; Indonesia; Utama; Persada; Jaya; Lestari"),
)
COMPANY_UNITS = phrases(
    "Divisi Tanggung Jawab Sosial; Tim Produk; Yayasan Perusahaan; Divisi Kemitraan"
)
CIVIL_KINDS = phrases("Yayasan; Komunitas; Forum; Perkumpulan; Gerakan; Jaringan; Lembaga")
CIVIL_NAMES = phrases(
    """Peduli Sesama; Relawan Kemanusiaan; Kawal Covid; Lumbung Warga; Pemuda Tangguh;
    Perempuan Berdaya; Sahabat Difabel; Desa Sehat; Gotong Royong; Cahaya Harapan; Rumah
    Zakat Warga; Tani Muda; Literasi Kampung; Nelayan Mandiri; Anak Bangsa; Warga Bantu
    Warga; Sedekah Oksigen; Dapur Bersama"""
)
CIVIL_UNITS = phrases("Divisi Program; Tim Relawan; Bidang Advokasi; Sekretariat")
FIRST_NAMES = phrases(
    """Siti; Ahmad; Dewi; Budi; Rina; Agus; Sri; Wahyu; Yohanes; Maria; Made; Ketut; Nyoman;
    Putu; Teuku; Cut; La Ode; Andi; Asep; Ujang; Dedi; Nur; Fitri; Rahmat; Hendra;
    Yosefina; Marthen; Fransiska; Imam; Yuliana"""
)
LAST_NAMES = phrases(
    """Rahayu; Santoso; Wijaya; Siregar; Nasution; Lubis; Harahap; Simanjuntak; Pratama;
    Saputra; Kurniawan; Hidayat; Setiawan; Lestari; Manurung; Tambunan; Sinaga; Pakpahan;
    Wenda; Kogoya; Mandacan; Rumbiak; Manuputty; Latuconsina; Pattinama; Tanjung; Hasibuan;
    Sembiring; Ginting; Pangaribuan"""
)

# --------------------------------------------------------------------------- program names

_SYLLABLES = words(
    "SI GA PA TA MA RA SE KA LA BU DI TU NA JA SA WA HA RI DU MU PU BA DA GU KU LU NU RU "
    "SU TI NI LI MI PI BE DE GE TE JE NE PE RE WE YA YU CA CI CU GO TO BO DO KO LO MO NO "
    "PO RO SO"
)
_CODAS = ("", "", "", "N", "T", "K", "P", "S", "NG", "R", "L", "H")


def _acronyms(count: int, seed: int = 19) -> tuple[str, ...]:
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < count:
        n = rng.choice((2, 2, 3))
        word = "".join(rng.choice(_SYLLABLES) for _ in range(n)) + rng.choice(_CODAS)
        out[word] = None
    return tuple(out)


#: 2,500 syllable acronyms, the long tail of program names ("SIGAP", "LAKSA").
ACRONYMS = _acronyms(2500)
PROGRAM_WORDS = phrases(
    """Sigap; Tangguh; Peduli; Sehat; Cerdas; Berdaya; Bangkit; Sahabat; Jaga; Bersatu;
    Aman; Mandiri; Tanggap; Lincah; Pintar; Lestari; Bergerak; Melayani; Terang; Bersih"""
)

# --------------------------------------------------------------------------- English generals

ACTORS_EN = phrases(
    """volunteers; community health workers; neighbourhood heads; village officials;
    midwives; university students; youth groups; religious leaders; health centre staff;
    social workers; teachers; farmers' groups; women's groups; local police; motorcycle
    taxi drivers; civil servants"""
)
PLACES_EN = phrases(
    """villages; urban wards; districts; mosques; churches; traditional markets; bus
    terminals; harbours; schools; health posts; remote islands; coastal areas; dense
    neighbourhoods; highland villages; border areas; housing estates"""
)
CHANNELS_EN = phrases(
    """WhatsApp; a mobile app; a website; text messages; community radio; Instagram;
    Facebook; YouTube; a call centre; a hotline; an online dashboard; an online form; QR
    codes; local television; mosque loudspeakers; a mobile van; Telegram; a chatbot"""
)
ADJECTIVES_EN = phrases(
    """fast; integrated; simple; low-cost; free; community-based; data-driven; inclusive;
    transparent; accurate; well-targeted; efficient; safe; elderly-friendly; accessible;
    participatory; sustainable; mobile; scheduled; contactless; cashless; open"""
)
VERBS_EN = phrases(
    """delivers; distributes; records; monitors; trains; manages; tracks; registers;
    verifies; collects; reports; coordinates; connects; maps; supports; schedules; screens;
    supplies; publishes; explains"""
)
NOUN_VERBS_EN = phrases(
    """delivery; distribution; registration; monitoring; training; management; tracing;
    verification; collection; reporting; coordination; mapping; screening; outreach;
    scheduling; assessment"""
)
BENEFICIARIES_EN = phrases(
    """residents; families; the elderly; pregnant women; pupils; workers; people with
    disabilities; poor households; farmers; fishers; traders; patients; migrant workers;
    small business owners"""
)
PROBLEMS_EN = phrases(
    """long queues; a shortage of protective equipment; slow test results; lost daily
    income; closed schools; crowded markets; rising food prices; widespread hoaxes;
    overloaded hospitals; inaccurate welfare data; weak internet signal; closed offices"""
)
RESULTS_EN = phrases(
    """waiting time; the number of new cases; vaccination coverage; delivery time;
    complaints; traders' income; school attendance; service time; food stock; the spread of
    hoaxes; the number of contacts traced"""
)

GENERAL_BENEFICIARIES = phrases(
    """warga; masyarakat; keluarga; lansia; warga miskin; pekerja informal; masyarakat adat;
    warga pesisir; warga perbatasan; anak-anak; penyandang disabilitas; perempuan kepala
    keluarga"""
)

# --------------------------------------------------------------------------- templates
# Slots: {obj} a sector object, {benef} a beneficiary group, {actor}, {place}, {channel},
# {verb} an active verb, {verb_di} a passive one, {pe} a peN-an noun, {hasil} a root+an
# noun, {adj}, {problem}, {result}, {change_down}, {change_up}, {num} 20..20,000,
# {small} 2..60, {pct}, {money}, {weeks}, {month} (the month the innovation started),
# {region}, {program}, {unit}, {innovator}, {fund}, {partner}, {equipment},
# {restriction}, {head}. A trailing digit makes another draw ({obj2}); ``_cap``
# capitalizes the value ({obj_cap}).

TEMPLATES_ID = {
    "title": (
        "{program}: {pe_cap} {obj_cap} bagi {benef_cap} {region}",
        "{pe_cap} {obj_cap} Berbasis {channel} di {region}",
        "{program} – {obj_cap} {adj_cap} untuk {benef_cap}",
        "{obj_cap} Keliling untuk {benef_cap} di {region}",
        "Gerakan {program} {pe_cap} {obj_cap} {region}",
        "Aplikasi {program} untuk {pe_cap} {obj_cap}",
        "{actor_cap} {verb_cap} {obj_cap} di {place_cap} {region}",
        "{program}: {obj_cap} dan {obj2_cap} {adj_cap}",
        "Inovasi {program} {region}: {pe_cap} {obj_cap} {adj_cap}",
    ),
    "summary": (
        "{innovator} {verb} {obj} untuk {benef} melalui {channel}, sehingga {benef2} tidak "
        "perlu datang ke {place}.",
        "{program} adalah {pe} {obj} berbasis {channel} yang dikelola {unit} bersama {actor}.",
        "Melalui {program}, {actor} {verb} {obj} dan {obj2} bagi {benef} di {small} {place}.",
        "Inovasi ini {verb} {obj} secara {adj} dengan memanfaatkan {channel} dan jaringan {actor}.",
        "Sejak {month}, {benef} di {region} dapat {verb} {obj} lewat {channel} tanpa antre.",
        "{unit} {verb} {obj} yang {adj} agar {pe} {obj2} tetap berjalan selama {restriction}.",
        "Hasilnya, {result} {change_down} {pct} persen dan {num} {benef} terlayani.",
    ),
    "background": (
        "Pandemi COVID-19 menyebabkan {problem} di {region}, terutama bagi {benef}.",
        "Sejak {month}, {problem} membuat {benef} kesulitan mendapatkan {obj}.",
        "Selama {restriction}, {pe} {obj} terhenti dan {benef} kehilangan akses ke {obj2}.",
        "Data {unit} menunjukkan {num} {benef} belum terjangkau {pe} {obj} pada awal pandemi.",
        "{problem_cap} dan {problem2} menjadi keluhan utama {benef} selama masa {restriction}.",
        "Di {place}, {actor} mencatat {num} laporan tentang {problem} dalam {weeks} minggu "
        "pertama.",
        "Sebelum inovasi ini, {pe} {obj} masih {adj2} dan bergantung pada kertas.",
    ),
    "innovation": (
        "{program} {verb} {obj} dengan {channel} sehingga {pe} {obj2} dapat dilakukan tanpa "
        "tatap muka.",
        "{actor_cap} {verb} {obj}, lalu data dikirim lewat {channel} ke {unit} untuk {pe} {obj2}.",
        "Inovasi ini menggabungkan {obj} dan {channel} agar {benef} bisa {verb} {obj2} dari rumah.",
        "Setiap {place} memiliki {actor} yang bertugas {verb} {obj} dan {verb2} {obj2}.",
        "Warga cukup mengirim pesan ke {channel}, kemudian {actor} {verb} {obj} langsung ke rumah.",
        "{obj_cap} {verb_di} secara {adj} dan {hasil} dicatat dalam {channel}.",
    ),
    "implementation": (
        "{pe_cap} dimulai di {small} {place} pada {month} dengan melibatkan {num} {actor}.",
        "{unit} menyusun standar operasional dan melatih {actor} selama {small} hari.",
        "Biaya operasional diambil dari {fund} dan koordinasi dilakukan setiap minggu di {place}.",
        "{actor_cap} dan {actor2} dibagi menjadi tim kecil yang {verb} {obj} secara bergiliran.",
        "Uji coba selama {weeks} minggu di {region} menjadi dasar perluasan ke seluruh {place}.",
        "{head_cap} menerbitkan surat keputusan dan {unit} menyiapkan {equipment} serta {channel}.",
    ),
    "results": (
        "Dalam {weeks} minggu, {num} {benef} terlayani dan {result} {change_down} {pct} persen.",
        "{result_cap} {change_down} dari {small} hari menjadi kurang dari {small2} jam.",
        "Sebanyak {num} {obj} berhasil {verb_di} kepada {benef} di {small} {place}.",
        "Survei {unit} menunjukkan {pct} persen {benef} puas dengan {pe} {obj}.",
        "{result_cap} di {region} {change_up} {pct} persen dibanding sebelum inovasi berjalan.",
    ),
    "adaptability": (
        "Inovasi ini mudah direplikasi oleh daerah lain karena hanya memerlukan {channel} dan "
        "{actor}.",
        "Cocok untuk {place} dengan {problem} karena {pe} {obj} dapat dilakukan secara {adj}.",
        "Daerah lain cukup menyesuaikan {obj} dan melatih {actor} setempat.",
        "{region} telah berbagi panduan dengan {small} daerah yang ingin meniru {program}.",
    ),
    "resources": (
        "Rp {money} juta dari {fund}, {num} {actor}, dan {small} {equipment}.",
        "Anggaran berasal dari {fund} sebesar Rp {money} juta serta dukungan {partner}.",
        "Tim inti terdiri atas {small} {actor} dan {small2} petugas {unit}.",
        "Sumber daya utama adalah {channel}, {equipment}, dan jaringan {actor}.",
    ),
    "sustainability": (
        "{program} kini dimasukkan dalam anggaran {unit} tahunan dan diperkuat dengan "
        "peraturan {head}.",
        "Setelah pandemi, {pe} {obj} tetap berjalan untuk {benef} dengan dukungan {partner}.",
        "Jaringan {actor} yang terbentuk kini dipakai untuk {pe} {obj} dan penanganan bencana "
        "lain.",
        "{unit} menyiapkan pelatihan berkala agar {actor} dapat terus {verb} {obj}.",
    ),
}

TEMPLATES_EN = {
    "title": (
        "{program}: {noun_cap} of {obj} for {benef} in {region}",
        "{adj_cap} {obj} via {channel} in {region}",
        "{program} – {adj_cap} {obj} for {benef}",
        "Mobile {obj} for {benef} in {region}",
        "{program}: {obj_cap} and {obj2} {noun}",
    ),
    "summary": (
        "{innovator} {verb} {obj} to {benef} through {channel}, so that {benef2} no longer "
        "need to visit {place}.",
        "{program} is a {adj} {noun} of {obj} run by {unit} together with {actor}.",
        "Through {program}, {actor} {verb} {obj} and {obj2} for {benef} in {small} {place}.",
        "Since {month}, {benef} in {region} can reach {obj} through {channel} without queueing.",
    ),
    "background": (
        "The COVID-19 pandemic caused {problem} in {region}, hitting {benef} hardest.",
        "During the {restriction}, the {noun} of {obj} stopped and {benef} lost access to {obj2}.",
        "{unit} data showed {num} {benef} without {obj} in the first months of the pandemic.",
        "{problem_cap} and {problem2} were the main complaints of {benef}.",
    ),
    "innovation": (
        "{program} {verb} {obj} with {channel}, so the {noun} of {obj2} needs no face-to-face "
        "contact.",
        "{actor_cap} record {obj} and send the data through {channel} to {unit}.",
        "Residents send a message to {channel}, and {actor} bring {obj} to their homes.",
        "Every {place_one} has {actor} who handle the {noun} of {obj} and {obj2}.",
    ),
    "implementation": (
        "The {noun} started in {small} {place} in {month} with {num} {actor}.",
        "{unit} wrote operating procedures and trained {actor} for {small} days.",
        "Running costs came from the {fund} budget, with weekly coordination meetings.",
        "A {weeks}-week pilot in {region} prepared the scale-up to all {place}.",
    ),
    "results": (
        "Within {weeks} weeks {num} {benef} were served and {result} fell by {pct} percent.",
        "{result_cap} dropped from {small} days to less than {small2} hours.",
        "A survey by {unit} found {pct} percent of {benef} satisfied with the {noun}.",
    ),
    "adaptability": (
        "Other regions can copy it easily because it only needs {channel} and {actor}.",
        "It suits {place} with {problem} because the {noun} of {obj} is {adj}.",
    ),
    "resources": (
        "IDR {money} million from the {fund}, {num} {actor} and {small} {equipment}.",
        "A core team of {small} {actor} and {small2} staff of {unit}.",
    ),
    "sustainability": (
        "{program} is now part of the annual budget of {unit}.",
        "After the pandemic the {noun} of {obj} continues for {benef} with support from {partner}.",
    ),
}
