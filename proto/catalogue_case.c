/* The case (kasus / pengaduan): what a post records of a complaint, as the district reports
 * it to SIMFONI-PPA (Indonesia's national recording system for violence against women and
 * children). Codes are stable identifiers on the wire and in every database; labels are for
 * people. Append values, never rename or reuse a code: old journals and other posts hold
 * them. */
#include "catalogue_internal.h"

#include "sae/sae_area.h"
#include "sae/sae_limits.h"

static const struct sae_enum_value case_status[] = {
    {"new", "Baru", "New", "baru", 1, NULL},
    {"active", "Ditangani", "Active", "aktif|sedang ditangani|proses", 1, NULL},
    {"referred", "Dirujuk", "Referred", "rujuk", 1, NULL},
    {"closed", "Selesai / ditutup", "Closed", "selesai|ditutup|tutup", 0, NULL},
};

/* Why a case was closed; required when status is closed. */
static const struct sae_enum_value closure_reasons[] = {
    {"services_completed", "Layanan selesai diberikan", "Services completed", "selesai", 0, NULL},
    {"referred_onward", "Dirujuk dan ditangani lembaga lain", "Referred and handled elsewhere",
     "dirujuk", 0, NULL},
    {"survivor_withdrew", "Korban tidak melanjutkan", "Survivor withdrew", "mundur|dicabut", 0,
     NULL},
    {"relocated", "Korban pindah domisili", "Survivor moved away", "pindah", 0, NULL},
    {"unreachable", "Korban tidak dapat dihubungi", "Survivor cannot be reached",
     "tidak dapat dihubungi", 0, NULL},
    {"deceased", "Korban meninggal dunia", "Survivor died", "meninggal", 0, NULL},
    {"other", "Lainnya", "Other", "lain", 0, NULL},
};

/* SIMFONI-PPA bentuk kekerasan. A case often has several: a set. */
static const struct sae_enum_value violence_types[] = {
    {"physical", "Fisik", "Physical", "fisik", 1, NULL},
    {"psychological", "Psikis", "Psychological", "psikis|psikologis", 1, NULL},
    {"sexual", "Seksual", "Sexual", "seksual", 1, NULL},
    {"exploitation", "Eksploitasi", "Exploitation", "eksploitasi", 1, NULL},
    {"trafficking", "Perdagangan orang (TPPO)", "Trafficking", "tppo|perdagangan orang", 1, NULL},
    {"neglect", "Penelantaran", "Neglect", "penelantaran|terlantar", 1, NULL},
    {"other", "Lainnya", "Other", "lain", 1, NULL},
};

/* SIMFONI-PPA ranah: where the relation between victim and perpetrator lies. */
static const struct sae_enum_value domains[] = {
    {"household", "Rumah tangga / personal", "Household or personal", "kdrt|personal|rumah tangga",
     0, NULL},
    {"community", "Komunitas / publik", "Community or public", "publik|komunitas", 0, NULL},
    {"state", "Negara", "State", "negara", 0, NULL},
};

static const struct sae_enum_value impacts[] = {
    {"physical", "Fisik", "Physical", "fisik", 1, NULL},
    {"psychological", "Psikis", "Psychological", "psikis", 1, NULL},
    {"sexual_reproductive", "Seksual dan reproduksi", "Sexual and reproductive",
     "seksual|reproduksi|kehamilan", 1, NULL},
    {"economic", "Ekonomi", "Economic", "ekonomi", 1, NULL},
    {"legal", "Hukum", "Legal", "hukum", 1, NULL},
    {"other", "Lainnya", "Other", "lain", 1, NULL},
};

static const struct sae_enum_value sexes[] = {
    {"F", "Perempuan", "Female", "p|perempuan|wanita|pr", 0, NULL},
    {"M", "Laki-laki", "Male", "l|laki-laki|laki laki|pria|lk", 0, NULL},
};

static const struct sae_enum_value sexes_or_unknown[] = {
    {"F", "Perempuan", "Female", "p|perempuan|wanita|pr", 0, NULL},
    {"M", "Laki-laki", "Male", "l|laki-laki|laki laki|pria|lk", 0, NULL},
    {"unknown", "Tidak diketahui", "Unknown", "tidak tahu|tidak diketahui|?", 0, NULL},
};

/* SIMFONI-PPA pendidikan korban. */
static const struct sae_enum_value educations[] = {
    {"none", "Tidak / belum sekolah", "No schooling", "tidak sekolah|belum sekolah", 0, NULL},
    {"early_childhood", "PAUD / TK", "Early childhood", "paud|tk", 0, NULL},
    {"primary", "SD / sederajat", "Primary school", "sd|mi", 0, NULL},
    {"junior", "SLTP / sederajat", "Junior secondary", "smp|mts|sltp", 0, NULL},
    {"senior", "SLTA / sederajat", "Senior secondary", "sma|smk|ma|slta", 0, NULL},
    {"higher", "Perguruan tinggi", "Higher education", "kuliah|d3|s1|s2|universitas", 0, NULL},
    {"unknown", "Tidak diketahui", "Unknown", "tidak tahu", 0, NULL},
};

static const struct sae_enum_value occupations[] = {
    {"none", "Tidak bekerja", "Not working", "tidak bekerja|menganggur", 0, NULL},
    {"student", "Pelajar / mahasiswa", "Student", "pelajar|siswa|mahasiswa", 0, NULL},
    {"housewife", "Ibu rumah tangga", "Homemaker", "irt|ibu rumah tangga", 0, NULL},
    {"farmer", "Petani / nelayan", "Farmer or fisher", "petani|nelayan", 0, NULL},
    {"labourer", "Buruh", "Labourer", "buruh|buruh tani", 0, NULL},
    {"trader", "Pedagang / wiraswasta", "Trader or self-employed", "pedagang|wiraswasta", 0,
     NULL},
    {"civil_servant", "PNS / TNI / Polri", "Civil servant, military or police", "pns|asn|tni|polri",
     0, NULL},
    {"private_employee", "Karyawan swasta", "Private employee", "karyawan|swasta", 0, NULL},
    {"migrant_worker", "Pekerja migran", "Migrant worker", "tki|pmi|pekerja migran", 0, NULL},
    {"domestic_worker", "Pekerja rumah tangga", "Domestic worker", "prt", 0, NULL},
    {"other", "Lainnya", "Other", "lain", 0, NULL},
    {"unknown", "Tidak diketahui", "Unknown", "tidak tahu", 0, NULL},
};

static const struct sae_enum_value marital_statuses[] = {
    {"single", "Belum kawin", "Not married", "belum menikah|lajang", 0, NULL},
    {"married", "Kawin", "Married", "menikah|kawin siri|nikah", 0, NULL},
    {"divorced", "Cerai hidup", "Divorced", "cerai", 0, NULL},
    {"widowed", "Cerai mati", "Widowed", "janda|duda", 0, NULL},
    {"unknown", "Tidak diketahui", "Unknown", "tidak tahu", 0, NULL},
};

static const struct sae_enum_value disability_types[] = {
    {"physical", "Disabilitas fisik", "Physical", "fisik|daksa", 1, NULL},
    {"intellectual", "Disabilitas intelektual", "Intellectual", "intelektual|grahita", 1, NULL},
    {"mental", "Disabilitas mental / psikososial", "Mental or psychosocial", "mental|psikososial",
     1, NULL},
    {"sensory_visual", "Sensorik netra", "Visual", "netra|tunanetra", 1, NULL},
    {"sensory_hearing", "Sensorik rungu", "Hearing", "rungu|tunarungu|tuli", 1, NULL},
    {"sensory_speech", "Sensorik wicara", "Speech", "wicara|tunawicara", 1, NULL},
    {"multiple", "Disabilitas ganda", "Multiple", "ganda", 1, NULL},
    {"other", "Lainnya", "Other", "lain", 1, NULL},
};

static const struct sae_enum_value intake_channels[] = {
    {"walk_in", "Datang langsung", "Walk-in", "datang|langsung", 0, NULL},
    {"phone", "Telepon", "Phone", "telepon|telpon", 0, NULL},
    {"whatsapp", "WhatsApp", "WhatsApp", "wa", 0, NULL},
    {"referral_in", "Rujukan masuk", "Referral in", "rujukan", 0, NULL},
    {"outreach", "Penjangkauan", "Outreach", "penjangkauan|jangkau", 0, NULL},
    {"other", "Lainnya", "Other", "lain", 0, NULL},
};

/* SIMFONI-PPA tempat kejadian. */
static const struct sae_enum_value location_types[] = {
    {"household", "Rumah tangga", "Household", "rumah", 0, NULL},
    {"workplace", "Tempat kerja", "Workplace", "kantor|tempat kerja", 0, NULL},
    {"school", "Sekolah", "School", "sekolah", 0, NULL},
    {"public_facility", "Fasilitas umum", "Public facility", "fasum|fasilitas umum", 0, NULL},
    {"boarding_school", "Pondok pesantren / asrama", "Boarding school", "pondok|pesantren|asrama",
     0, NULL},
    {"online", "Daring / media sosial", "Online", "daring|medsos|online", 0, NULL},
    {"other", "Lainnya", "Other", "lain", 0, NULL},
};

/* SIMFONI-PPA hubungan pelaku dengan korban. */
static const struct sae_enum_value perpetrator_relations[] = {
    {"parent", "Orang tua", "Parent", "ayah|ibu|orang tua", 0, NULL},
    {"step_parent", "Orang tua tiri / angkat", "Step or adoptive parent", "ayah tiri|ibu tiri", 0,
     NULL},
    {"spouse", "Suami / istri", "Spouse", "suami|istri", 0, NULL},
    {"partner", "Pacar / teman dekat", "Boyfriend or girlfriend", "pacar", 0, NULL},
    {"relative", "Keluarga / saudara", "Relative", "saudara|keluarga|paman|kakek", 0, NULL},
    {"neighbour", "Tetangga", "Neighbour", "tetangga", 0, NULL},
    {"teacher", "Guru / ustadz", "Teacher", "guru|ustadz|ustad", 0, NULL},
    {"employer", "Majikan / atasan", "Employer", "majikan|atasan|bos", 0, NULL},
    {"coworker", "Rekan kerja", "Co-worker", "rekan kerja", 0, NULL},
    {"friend", "Teman", "Friend", "teman", 0, NULL},
    {"stranger", "Orang tidak dikenal", "Stranger", "tidak dikenal", 0, NULL},
    {"other", "Lainnya", "Other", "lain", 0, NULL},
    {"unknown", "Tidak diketahui", "Unknown", "tidak tahu", 0, NULL},
};

/* Ranked for the merge: while posts disagree, the higher risk stands. */
static const struct sae_enum_value risk_levels[] = {
    {"high", "Tinggi", "High", "tinggi", 3, NULL},
    {"medium", "Sedang", "Medium", "sedang", 2, NULL},
    {"low", "Rendah", "Low", "rendah", 1, NULL},
};

static const struct sae_enum_value legal_processes[] = {
    {"none", "Tidak ada proses hukum", "No legal process", "tidak ada", 0, NULL},
    {"reported", "Dilaporkan ke polisi", "Reported to the police", "lapor polisi|dilaporkan", 0,
     NULL},
    {"investigation", "Penyelidikan / penyidikan", "Under investigation", "penyidikan|lidik", 0,
     NULL},
    {"prosecution", "Penuntutan (P21)", "Prosecution", "p21|penuntutan|kejaksaan", 0, NULL},
    {"trial", "Persidangan", "In court", "sidang|persidangan", 0, NULL},
    {"verdict", "Putusan pengadilan", "Court decision", "putusan|vonis", 0, NULL},
    {"diversion", "Diversi / keadilan restoratif", "Diversion or restorative justice",
     "diversi|restoratif|rj", 0, NULL},
    {"stopped", "Dihentikan (SP3)", "Stopped", "sp3|dihentikan", 0, NULL},
};

static const struct sae_enum_value legal_outcomes[] = {
    {"convicted", "Pelaku dihukum", "Perpetrator convicted", "dihukum|divonis", 0, NULL},
    {"acquitted", "Pelaku bebas", "Perpetrator acquitted", "bebas", 0, NULL},
    {"settled", "Damai / diversi berhasil", "Settled", "damai", 0, NULL},
    {"withdrawn", "Laporan dicabut", "Complaint withdrawn", "dicabut", 0, NULL},
    {"other", "Lainnya", "Other", "lain", 0, NULL},
};

#define NAME_BYTES 200
#define CONTACT_BYTES 200
/* A registration number: 10 digits of the village, the year, the post's sequence and
 * room for a device suffix ("3513122018-2026-0042"). */
#define REGISTRATION_BYTES 32
#define PERPETRATORS_MAX 100

#define CONSENT(name_, label_id_, label_en_, help_id_, help_en_)                              \
    {.name = name_, .type = SAE_FIELD_BOOL, .label_id = label_id_, .label_en = label_en_,       \
     .merge = SAE_MERGE_SAFEST, .help_id = help_id_, .help_en = help_en_}
#define CONSENT_DATE(name_, label_id_, label_en_)                                              \
    {.name = name_, .type = SAE_FIELD_DATE, .label_id = label_id_, .label_en = label_en_}

static const struct sae_field case_fields[] = {
    {.name = "registration_number", .type = SAE_FIELD_TEXT, .label_id = "Nomor registrasi",
     .label_en = "Registration number", .max_bytes = REGISTRATION_BYTES,
     .help_id = "Diberikan oleh pos saat kasus dicatat: kode desa, tahun, nomor urut.",
     .help_en = "Given by the post when the case is recorded: village code, year, sequence."},
    {.name = "status", .type = SAE_FIELD_ENUM, .label_id = "Status kasus", .label_en = "Case status",
     .required = true, ENUM_VALUES(case_status), .default_value = "new",
     .merge = SAE_MERGE_SAFEST},
    /* Not sensitive (reviewed for issue 13): a code from a fixed list, which tells why the
     * case closed but no one's name or story; the district counts by it. */
    {.name = "closure_reason", .type = SAE_FIELD_ENUM, .label_id = "Alasan kasus ditutup",
     .label_en = "Reason for closing", ENUM_VALUES(closure_reasons),
     .help_id = "Wajib diisi bila status Selesai / ditutup.",
     .help_en = "Required when the status is closed."},
    {.name = "intake_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal pengaduan",
     .label_en = "Intake date", .required = true},
    {.name = "intake_channel", .type = SAE_FIELD_ENUM, .label_id = "Cara pengaduan",
     .label_en = "Intake channel", ENUM_VALUES(intake_channels)},
    {.name = "incident_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal kejadian",
     .label_en = "Incident date",
     .help_id = "Tidak boleh setelah tanggal pengaduan.",
     .help_en = "Not after the intake date."},
    {.name = "violence_types", .type = SAE_FIELD_SET, .label_id = "Bentuk kekerasan",
     .label_en = "Types of violence", .required = true,
     ENUM_VALUES(violence_types),
     .merge = SAE_MERGE_SAFEST},
    {.name = "domain", .type = SAE_FIELD_ENUM, .label_id = "Ranah kekerasan",
     .label_en = "Domain", ENUM_VALUES(domains)},
    {.name = "location_type", .type = SAE_FIELD_ENUM, .label_id = "Tempat kejadian",
     .label_en = "Place of incident", ENUM_VALUES(location_types)},
    {.name = "impacts", .type = SAE_FIELD_SET, .label_id = "Dampak pada korban",
     .label_en = "Impacts on the victim", ENUM_VALUES(impacts), .merge = SAE_MERGE_SAFEST},
    {.name = "victim_name", .type = SAE_FIELD_TEXT, .label_id = "Nama korban", .label_en = "Victim name",
     .sensitive = true, .max_bytes = NAME_BYTES},
    {.name = "victim_contact", .type = SAE_FIELD_TEXT, .label_id = "Kontak korban (telepon, alamat)",
     .label_en = "Victim contact (phone, address)", .sensitive = true, .multiline = true,
     .max_bytes = CONTACT_BYTES},
    {.name = "victim_sex", .type = SAE_FIELD_ENUM, .label_id = "Jenis kelamin korban",
     .label_en = "Victim sex", .required = true, ENUM_VALUES(sexes)},
    {.name = "victim_age", .type = SAE_FIELD_INT, .label_id = "Usia korban (tahun)",
     .label_en = "Victim age (years)", .min_value = 0, .max_value = SAE_LIMIT_AGE_MAX},
    {.name = "victim_education", .type = SAE_FIELD_ENUM, .label_id = "Pendidikan korban",
     .label_en = "Victim's education", ENUM_VALUES(educations)},
    {.name = "victim_occupation", .type = SAE_FIELD_ENUM, .label_id = "Pekerjaan korban",
     .label_en = "Victim's occupation", ENUM_VALUES(occupations)},
    {.name = "victim_marital_status", .type = SAE_FIELD_ENUM, .label_id = "Status perkawinan korban",
     .label_en = "Victim's marital status", ENUM_VALUES(marital_statuses)},
    {.name = "disability_types", .type = SAE_FIELD_SET, .label_id = "Disabilitas korban",
     .label_en = "Victim's disabilities", ENUM_VALUES(disability_types),
     .merge = SAE_MERGE_SAFEST},
    {.name = "residence_district", .type = SAE_FIELD_AREA, .label_id = "Kecamatan tempat tinggal",
     .label_en = "Kecamatan of residence", .area_level = SAE_AREA_DISTRICT},
    {.name = "residence_village", .type = SAE_FIELD_AREA, .label_id = "Desa / kelurahan tempat tinggal",
     .label_en = "Village of residence", .area_level = SAE_AREA_VILLAGE},
    {.name = "perpetrator_relation", .type = SAE_FIELD_ENUM, .label_id = "Hubungan pelaku dengan korban",
     .label_en = "Perpetrator's relation to victim", ENUM_VALUES(perpetrator_relations)},
    {.name = "perpetrator_sex", .type = SAE_FIELD_ENUM, .label_id = "Jenis kelamin pelaku",
     .label_en = "Perpetrator sex", ENUM_VALUES(sexes_or_unknown)},
    {.name = "perpetrator_age", .type = SAE_FIELD_INT, .label_id = "Usia pelaku (tahun)",
     .label_en = "Perpetrator age (years)", .min_value = 0, .max_value = SAE_LIMIT_AGE_MAX},
    {.name = "perpetrator_count", .type = SAE_FIELD_INT, .label_id = "Jumlah pelaku",
     .label_en = "Number of perpetrators", .min_value = 1, .max_value = PERPETRATORS_MAX},
    {.name = "risk_level", .type = SAE_FIELD_ENUM, .label_id = "Tingkat risiko", .label_en = "Risk level",
     ENUM_VALUES(risk_levels), .merge = SAE_MERGE_SAFEST},
    {.name = "legal_process", .type = SAE_FIELD_ENUM, .label_id = "Proses hukum",
     .label_en = "Legal process", ENUM_VALUES(legal_processes)},
    {.name = "legal_outcome", .type = SAE_FIELD_ENUM, .label_id = "Hasil proses hukum",
     .label_en = "Outcome of the legal process", ENUM_VALUES(legal_outcomes)},
    CONSENT("consent_services", "Persetujuan menerima layanan", "Consent to services",
            "Korban (atau wali bila anak) setuju menerima layanan pos: pendampingan, konseling, "
            "rumah aman. Tanpa persetujuan ini hanya pencatatan pengaduan.",
            "The survivor (or a guardian for a child) agrees to receive the post's services: "
            "accompaniment, counselling, shelter. Without it only the complaint is recorded."),
    CONSENT_DATE("consent_services_date", "Tanggal persetujuan layanan",
                 "Date of consent to services"),
    CONSENT("consent_share", "Persetujuan berbagi data dengan lembaga rujukan",
            "Consent to share with referral agencies",
            "Korban setuju nama, kontak, kronologi dan catatan dibagikan kepada lembaga yang "
            "dituju rujukan (surat rujukan, akun lembaga) dan ikut dalam ekspor kabupaten. "
            "Tanpa persetujuan ini data itu tidak keluar dari pos dan kabupaten: di tempatnya "
            "tertulis \"tanpa persetujuan\".",
            "The survivor agrees that name, contact, story and notes are shared with the "
            "agencies a referral goes to (referral letter, the agency's account) and go into "
            "the district's exports. Without it they do not leave the post and the district: "
            "\"no consent\" stands in their place."),
    CONSENT_DATE("consent_share_date", "Tanggal persetujuan berbagi data",
                 "Date of consent to share"),
    CONSENT("consent_statistics", "Persetujuan dihitung dalam statistik",
            "Consent to be counted in statistics",
            "Korban setuju kasusnya dihitung (tanpa nama) dalam laporan bulanan kabupaten dan "
            "SIMFONI-PPA.",
            "The survivor agrees that the case is counted (without names) in the district's "
            "monthly report and SIMFONI-PPA."),
    CONSENT_DATE("consent_statistics_date", "Tanggal persetujuan statistik",
                 "Date of consent to statistics"),
    {.name = "narrative", .type = SAE_FIELD_TEXT, .label_id = "Kronologi", .label_en = "Narrative",
     .sensitive = true, .multiline = true, .max_bytes = SAE_LIMIT_TEXT_BYTES},
    /* Before catalogue 2 a case had one type of violence and a disability flag. */
    {.name = "violence_type", .type = SAE_FIELD_ENUM, .label_id = "Bentuk kekerasan (lama)",
     .label_en = "Type of violence (old)",
     ENUM_VALUES(violence_types),
     .deprecated = true, .replaced_by = "violence_types"},
    {.name = "victim_disability", .type = SAE_FIELD_BOOL, .label_id = "Korban penyandang disabilitas (lama)",
     .label_en = "Victim has a disability (old)", .deprecated = true,
     .replaced_by = "disability_types"},
};
const struct sae_kind catalogue_kind_case = {
    .name = "case", .label_id = "Kasus / pengaduan", .label_en = "Case (complaint)",
    .aliases = "kasus|pengaduan|aduan", .fields = case_fields, .field_count = COUNT(case_fields)};
