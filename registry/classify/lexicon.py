"""The keyword lexicons: Indonesian and English words (surface forms, their light stems, and
two-word phrases) for the parts of an innovation post (an actor, an action such as
"meluncurkan", a thing such as "aplikasi" or "posko", a COVID-19 context) and for the hard
negatives that dominate real harvests (case counts, plain rule announcements, appeals,
opinions, politics, ads); then the tables built from them: word and phrase -> the groups it is
in, and the ids (indices into :data:`GROUPS`) the analysis, the features and the rules use.

Plain data and lookups, importing no other part of the classifier but its stemmer, so the
analysis (``rules``) and the structural detectors (``structure``) may both read it.
"""

from __future__ import annotations

from typing import Final

from ..taxonomy import FOCUSES, INNOVATOR_TYPES, SECTORS
from ..text import STOPWORDS
from .stemmer import light_stem

__all__ = [
    "ACTION_ID",
    "ACTOR_IDS",
    "ACTOR_OR_ROLE_IDS",
    "ACTOR_TYPES",
    "COVID_ID",
    "FOCUS_SLUGS",
    "GOV_WORDS",
    "GROUPS",
    "GROUP_INDEX",
    "LEXICON",
    "MINISTRY_IDS",
    "NEGATIVE_GROUPS",
    "NOVEL_ID",
    "PHRASE_GROUPS",
    "ROLE_ID",
    "SECTOR_FOCUS",
    "SECTOR_IDS",
    "SECTOR_SLUGS",
    "STATS_ID",
    "THING_ID",
    "WEAK_ACTION_ID",
    "WORD_GROUPS",
]

# ------------------------------------------------------------------ lexicons
# Each group lists surface forms; their stems and two-word phrases are matched too. Groups
# named "actor:<type>" and "sector:<slug>" carry the vocabulary slug after the colon.
LEXICON: Final[dict[str, str]] = {
    # ---- what makes a post an innovation
    "action": """
        luncurkan meluncurkan diluncurkan peluncuran launch launched launches launching
        ciptakan menciptakan diciptakan gelar menggelar digelar sediakan menyediakan
        disediakan bagikan membagikan dibagikan salurkan menyalurkan disalurkan dirikan
        mendirikan didirikan rakit merakit dirakit kembangkan mengembangkan dikembangkan
        produksi memproduksi diproduksi inisiasi menginisiasi digagas menggagas hadirkan
        menghadirkan dihadirkan sulap menyulap disulap kerahkan mengerahkan adakan
        mengadakan diadakan rilis merilis dirilis perkenalkan memperkenalkan operasikan
        mengoperasikan dioperasikan donasikan mendonasikan sumbangkan menyumbangkan
        disumbangkan bentuk membentuk dibentuk rancang merancang dirancang garap menggarap
        created creates developed develops introduced introduces deployed deploys donated
        donates distributes distributed organised organized designed invented converted
        converts rolled
        """,
    "action_weak": """
        bikin membikin dibikin membuat dibuat buka membuka dibuka bangun membangun dibangun
        siapkan menyiapkan disiapkan terapkan menerapkan diterapkan manfaatkan memanfaatkan
        jadikan menjadikan dijadikan layani melayani dilayani antar mengantar diantar
        antarkan jemput menjemput dijemput kirim mengirim dikirim aktifkan mengaktifkan
        diaktifkan ubah mengubah diubah uji ujicoba bagi2 berbagi built builds build
        create develop set sets runs run running opened opens provides provided provide
        distribute donate turned started starts offers offered offering delivering delivers
        delivered hosts hosted making made temukan menemukan ditemukan
        """,
    "thing": """
        aplikasi app apps platform layanan service services program programme posko dapur
        lumbung wastafel bilik disinfektan sterilisasi robot ventilator apd dashboard hotline
        callcenter gerai sentra shelter ambulans ambulance telemedicine telemedisin konsultasi
        website situs sistem fitur alat device kit prototipe prototype purwarupa mesin
        gerobak drivethru kios kiosk chatbot bot kanal portal markas lapak marketplace
        delivery jasa kelas radio podcast modul poster booth klinik clinic sanitizer
        handsanitizer faceshield kapsul chamber inkubator konsentrator hidroponik kartu
        voucher kupon tracker tracing peta aplikasinya
        drive thru call center dapur umum rumah isolasi rumah singgah lumbung pangan
        jemput bola antar jemput kampung tangguh pasar online kelas online belajar online
        """,
    "novel": """
        inovasi inovatif innovation innovative innovations terobosan kreatif kreativitas
        creative unik unique percontohan pilot perdana riset penelitian research peneliti
        researchers pengembangan prototipe prototype purwarupa temuan karya ciptaan paten
        uji klinis uji klinik clinical trial
        """,
    "helping": """
        gratis free cuma-cuma mandiri swadaya gotong royong urunan patungan sukarela
        relawan volunteer volunteers donasi donation bantu membantu help helps helping
        """,
    "covid": """
        covid covid19 corona coronavirus pandemi pandemic psbb ppkm isoman isolasi karantina
        lockdown prokes odp pdp otg wabah virus sars cov nakes delta omicron new normal
        physical distancing social distancing jaga jarak
        """,
    # ---- hard negatives
    "neg:stats": """
        kasus positif meninggal sembuh bertambah rekor deaths death cases recorded bor
        klaster cluster zona terkonfirmasi confirmed kematian wafat infected
        """,
    "neg:rule": """
        diperpanjang perpanjang perpanjangan extended extends extend larangan dilarang
        melarang ban banned bans ditutup tutup closed reopen reopens reopened curfew
        penyekatan sanksi denda pelanggaran pelanggar razia
        """,
    "neg:appeal": """
        jangan tolong please stay dirumahaja patuhi ingatkan mengingatkan imbau imbauan
        himbau menghimbau mengimbau hati-hati waspada
        """,
    "neg:opinion": """
        kok sih deh dong kesel kesal capek cape gimana kenapa mending harusnya seharusnya
        katanya wkwk wkwkwk haha hahaha lol anjir anjay bosen bosan kangen males malas
        lucu aneh bingung gue gw gua lu lo emang ngapain sumpah nyesel kecewa marah pusing
        goblok bego tolol
        """,
    "neg:politics": """
        jokowi anies presiden dpr partai pilkada oposisi rezim demo politik politisi pemilu
        ganjar prabowo luhut puan megawati kadrun cebong kampret buzzer makar mundur
        korupsi koruptor
        """,
    "neg:ad": """
        promo diskon jual dijual order ready stok harga murah poker slot togel judi bandar
        casino dm endorse followers giveaway cod reseller dropship
        """,
    "neg:hoax": """
        hoax hoaks konspirasi rumor bohong fitnah experiment eksperimen microchip chip
        """,
    "first_person": """
        aku gue gw gua saya i my me
        """,
    # ---- who: actor cues by innovator type (the order of types settles ties)
    "actor:kementerian-lembaga": """
        kementerian kemenkes kemensos kemendikbud kemendikbudristek kemenag kemendagri
        kominfo kemkominfo kemenkominfo kemenpan kemenparekraf kemenkeu kemenhub kemnaker
        kemenaker kemenperin kemendag kementan kemenristek kemenkumham kemenpupr pupr
        bappenas bnpb bpom brin lipi bppt bmkg bpjs bkkbn bps bpbd satgas gugus tni polri
        polda polres polresta polsek kodam kodim korem koramil babinsa bhabinkamtibmas
        brimob lanud lantamal lanal kapolri panglima menteri minister ministry ministries
        agency police military army navy airforce balai kedutaan konsorsium eijkman
        pemerintah pusat national government central government indonesian government
        kpu bulog basarnas lapas rutan imigrasi
        kejaksaan kejari kejati kpk
        """,
    "actor:pemprov": """
        pemprov provinsi gubernur governor provincial dinkesprov disdik dki jabar jateng
        jatim sumut sumbar sulsel kalsel kaltim kalbar ntb ntt diy
        """,
    "actor:pemkab": """
        pemkab kabupaten bupati regent regency district kab desa kecamatan camat
        pemdes kades lurah kelurahan nagari gampong
        """,
    "actor:pemkot": """
        pemkot walikota wali mayor municipal kota city kotamadya
        """,
    "actor:perguruan-tinggi": """
        universitas university univ institut institute politeknik polytechnic poltek
        kampus campus mahasiswa students student dosen lecturer lecturers rektor fakultas
        faculty ugm ui itb ipb its unair undip unpad unhas unand unsri usu unsyiah unram
        undana uns unej unila ulm unmul untan unpatti unsrat uncen uny unnes upi uin uii
        umy ums umm binus telkom stikes stie stmik poltekkes akademi laboratorium lab
        peneliti periset researchers researcher
        """,
    "actor:swasta": """
        pt perusahaan company companies firm startup start-up bumn bank telkomsel telkom
        pertamina pln gojek grab tokopedia shopee bukalapak traveloka indofood unilever
        hotel restoran restaurant kafe cafe kedai toko warung brand pabrik factory
        group grup tbk corp enterprise pengusaha usaha umkm ojol kurir
        """,
    "actor:masyarakat-sipil": """
        komunitas community communities warga residents resident relawan volunteer
        volunteers rt rw karang taruna yayasan foundation lsm ngo ormas nu muhammadiyah
        masjid mosque gereja church pesantren santri paguyuban kelompok collective
        gerakan movement pemuda youth pkk dasawisma forum himpunan ikatan asosiasi
        association organisasi organization ibu-ibu emak-emak jamaah jemaah
        dmi pmi bazna baznas laznas dompet act nasdem golkar pdip pks gerindra pkb
        """,
    "actor:perorangan": """
        seorang seseorang pria wanita perempuan laki-laki pak bu bapak mbak kakek nenek
        sosok man woman
        """,
    # occupations name an individual actor only after "seorang" / "a" (see actor_cue);
    # otherwise they are usually the people an initiative serves ("nelayan", "petani")
    "role": """
        seniman penjahit guru dokter perawat bidan petani nelayan pedagang sopir tukang
        remaja pelajar siswa siswi mahasiswa mahasiswi youtuber influencer teacher farmer
        fisherman artist tailor nurse doctor teenager grandmother grandfather student
        """,
    # ---- what about: sector cues
    "sector:kesehatan": """
        vaksin vaksinasi rs rumah sakit puskesmas pasien oksigen ventilator apd masker
        disinfektan wastafel cuci tangan tes swab rapid pcr antigen ambulans ambulance
        nakes dokter obat health hospital vaccine vaccines vaccination vaccinate vaccinated
        patient patients oxygen clinic klinik sehat kesehatan telemedicine telemedisin
        sanitizer handsanitizer imun imunitas jamu suntik booster tracing testing medis
        medical dinkes nutrisi gizi faceshield hazmat isoman saturasi
        """,
    "sector:bantuan-sosial": """
        bansos bantuan sembako donasi santunan blt bst pkh dapur umum nasi bungkus aid
        donation donations relief handout handouts yatim dhuafa disabilitas difabel
        lansia jompo sedekah zakat infak berbagi sumbangan donated donates paket gratis
        free cash assistance welfare needy miskin kurang mampu
        """,
    "sector:ekonomi": """
        umkm ukm pedagang pasar usaha ekonomi ojol modal pinjaman kredit insentif jualan
        penjualan market marketplace msme msmes small business businesses economy economic
        sellers traders vendors lapak kerajinan pariwisata tourism wisata pengrajin
        pelaku toko online shop ecommerce penghasilan pendapatan income pekerja phk kerja
        lowongan padat karya koperasi
        """,
    "sector:pendidikan": """
        sekolah belajar siswa murid guru pjj daring kuliah kelas pendidikan school schools
        students pupils learning teacher teachers kuota beasiswa pesantren calistung
        mengajar ngajar ajar les bimbel tutor education educational class classes
        """,
    "sector:pelayanan-publik": """
        pelayanan administrasi ktp akta dukcapil izin perizinan surat sikm pajak samsat
        antrean antrian pendaftaran registration permit permits public service services
        mpp sidang kependudukan sim stnk paspor dokumen document documents layanan
        online drive thru drivethru loket
        """,
    "sector:pangan": """
        pangan beras sayur sayuran sembako makanan makan lumbung tani petani nelayan ikan
        panen kebun food rice vegetables vegetable farmers farmer fishermen fish hidroponik
        dapur nasi telur lauk sagu jagung singkong harvest meals meal groceries
        """,
    "sector:informasi": """
        informasi info aplikasi website dashboard peta map hotline call center callcenter
        edukasi sosialisasi hoaks podcast infografis infografik data platform radio tv
        video poster bahasa kampanye information app tracking chatbot bot portal situs
        literasi penyuluhan konten content campaign updates whatsapp sms mural
        """,
    "sector:karantina": """
        karantina isolasi shelter rumah singgah penyekatan checkpoint pos jaga lockdown
        physical distancing jaga jarak sikm pembatasan portal kampung tangguh pemantauan
        pendatang pemudik mudik quarantine isolation distancing travel travellers
        travelers arrivals screening skrining perbatasan border isoman
        """,
}

ACTOR_TYPES: Final = tuple(INNOVATOR_TYPES)
SECTOR_SLUGS: Final = tuple(SECTORS)
FOCUS_SLUGS: Final = tuple(FOCUSES)
GROUPS: Final = tuple(LEXICON)

# the focus a post's strongest sector suggests (the official categories of the 2020 campaign)
SECTOR_FOCUS: Final[dict[str, str]] = {
    "kesehatan": "cepat-tanggap",
    "pelayanan-publik": "cepat-tanggap",
    "karantina": "cepat-tanggap",
    "bantuan-sosial": "ketangguhan-massal",
    "pangan": "ketangguhan-massal",
    "ekonomi": "ketangguhan-massal",
    "pendidikan": "pengetahuan-publik",
    "informasi": "pengetahuan-publik",
}


# two-word phrases in the lexicons: matched as a pair, never word by word
_PHRASES: Final = (
    "rumah sakit", "cuci tangan", "dapur umum", "nasi bungkus", "call center",
    "drive thru", "rumah isolasi", "rumah singgah", "lumbung pangan", "jemput bola",
    "antar jemput", "kampung tangguh", "pasar online", "kelas online", "belajar online",
    "physical distancing", "social distancing", "jaga jarak", "new normal", "pos jaga",
    "karang taruna", "small business", "public service", "gotong royong",
    "pemerintah pusat", "national government", "central government", "indonesian government",
    "padat karya", "surat edaran",
    "online shop", "kurang mampu", "dompet dhuafa", "surat edaran", "cash assistance",
    "uji klinis", "uji klinik", "clinical trial",
)  # fmt: skip


# stems too common in chat to stand for their lexicon words ("buat" = "for" as often as "make")
_VAGUE_STEMS: Final = frozenset({"buat", "bagi", "jadi", "ada", "pakai"})


def _build_terms() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    words: dict[str, set[int]] = {}
    phrases: dict[str, set[int]] = {}
    for gid, group in enumerate(GROUPS):
        text = " " + " ".join(LEXICON[group].lower().split()) + " "
        for phrase in _PHRASES:
            if f" {phrase} " in text:
                phrases.setdefault(phrase, set()).add(gid)
                text = text.replace(f" {phrase} ", " ")
        for entry in text.split():
            words.setdefault(entry, set()).add(gid)
            stemmed = light_stem(entry)
            # a stem that is a function word ("bagikan" -> "bagi" = "for") would match
            # everywhere: only the listed forms count then
            if "-" not in entry and stemmed not in STOPWORDS and stemmed not in _VAGUE_STEMS:
                words.setdefault(stemmed, set()).add(gid)
    return (
        {k: tuple(sorted(v)) for k, v in words.items()},
        {k: tuple(sorted(v)) for k, v in phrases.items()},
    )


WORD_GROUPS, PHRASE_GROUPS = _build_terms()
GROUP_INDEX: Final = {g: i for i, g in enumerate(GROUPS)}
# the ids of the groups the analysis, the features and the rules name
ACTION_ID, THING_ID, NOVEL_ID, COVID_ID = (
    GROUP_INDEX[g] for g in ("action", "thing", "novel", "covid")
)
WEAK_ACTION_ID = GROUP_INDEX["action_weak"]
STATS_ID = GROUP_INDEX["neg:stats"]
ROLE_ID = GROUP_INDEX["role"]
ACTOR_IDS: Final = tuple(GROUP_INDEX[f"actor:{t}"] for t in ACTOR_TYPES)
ACTOR_OR_ROLE_IDS: Final = (*ACTOR_IDS, GROUP_INDEX["role"])
SECTOR_IDS: Final = tuple(GROUP_INDEX[f"sector:{s}"] for s in SECTOR_SLUGS)
MINISTRY_IDS: Final = (GROUP_INDEX["actor:kementerian-lembaga"],)
NEGATIVE_GROUPS: Final = tuple(g for g in GROUPS if g.startswith("neg:"))

# words that name an actor only as part of a longer name: "kota" alone is not the city
# government, but "Pemkot", "Dinkes Kota X", "Kota X gelar ..." (a place that acts) are.
GOV_WORDS: Final = frozenset(
    [
        "pemerintah",
        "pemda",
        "dinas",
        "dinkes",
        "disdik",
        "dishub",
        "dinsos",
        "disnaker",
        "diskominfo",
        "puskesmas",
        "rsud",
        "satpol",
        "bpbd",
        "government",
        "administration",
        "office",
        "agency",
        "health",
        "humas",
    ]
)
