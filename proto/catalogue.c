/* The catalogue: one table of report kinds and fields. Codes are stable identifiers that
 * travel on the wire and in the database; labels are for people. To add a value, append
 * it; never rename or reuse a code (old journals and other posts still hold it). */
#include "sae/sae_catalogue.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_error.h"
#include "sae/sae_limits.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define ENUM_VALUES(a) .values = (a), .value_count = COUNT(a)
#define NAME_BYTES 200

static const struct sae_enum_value case_status[] = {
    {"new", "Baru", "New"},
    {"active", "Ditangani", "Active"},
    {"referred", "Dirujuk", "Referred"},
    {"closed", "Selesai", "Closed"},
};

/* SIMFONI-PPA bentuk kekerasan. */
static const struct sae_enum_value violence_types[] = {
    {"physical", "Fisik", "Physical"},
    {"psychological", "Psikis", "Psychological"},
    {"sexual", "Seksual", "Sexual"},
    {"exploitation", "Eksploitasi", "Exploitation"},
    {"trafficking", "Perdagangan orang (TPPO)", "Trafficking"},
    {"neglect", "Penelantaran", "Neglect"},
    {"other", "Lainnya", "Other"},
};

static const struct sae_enum_value sexes[] = {
    {"F", "Perempuan", "Female"},
    {"M", "Laki-laki", "Male"},
};

static const struct sae_enum_value sexes_or_unknown[] = {
    {"F", "Perempuan", "Female"},
    {"M", "Laki-laki", "Male"},
    {"unknown", "Tidak diketahui", "Unknown"},
};

static const struct sae_enum_value intake_channels[] = {
    {"walk_in", "Datang langsung", "Walk-in"},
    {"phone", "Telepon", "Phone"},
    {"whatsapp", "WhatsApp", "WhatsApp"},
    {"referral_in", "Rujukan masuk", "Referral in"},
    {"outreach", "Penjangkauan", "Outreach"},
    {"other", "Lainnya", "Other"},
};

/* SIMFONI-PPA tempat kejadian. */
static const struct sae_enum_value location_types[] = {
    {"household", "Rumah tangga", "Household"},
    {"workplace", "Tempat kerja", "Workplace"},
    {"school", "Sekolah", "School"},
    {"public_facility", "Fasilitas umum", "Public facility"},
    {"boarding_school", "Pondok pesantren / asrama", "Boarding school"},
    {"online", "Daring / media sosial", "Online"},
    {"other", "Lainnya", "Other"},
};

/* SIMFONI-PPA hubungan pelaku dengan korban. */
static const struct sae_enum_value perpetrator_relations[] = {
    {"parent", "Orang tua", "Parent"},
    {"step_parent", "Orang tua tiri / angkat", "Step or adoptive parent"},
    {"spouse", "Suami / istri", "Spouse"},
    {"partner", "Pacar / teman dekat", "Boyfriend or girlfriend"},
    {"relative", "Keluarga / saudara", "Relative"},
    {"neighbour", "Tetangga", "Neighbour"},
    {"teacher", "Guru / ustadz", "Teacher"},
    {"employer", "Majikan / atasan", "Employer"},
    {"coworker", "Rekan kerja", "Co-worker"},
    {"friend", "Teman", "Friend"},
    {"stranger", "Orang tidak dikenal", "Stranger"},
    {"other", "Lainnya", "Other"},
    {"unknown", "Tidak diketahui", "Unknown"},
};

static const struct sae_enum_value risk_levels[] = {
    {"high", "Tinggi", "High"},
    {"medium", "Sedang", "Medium"},
    {"low", "Rendah", "Low"},
};

/* SIMFONI-PPA jenis layanan. */
static const struct sae_enum_value service_types[] = {
    {"complaint_intake", "Pengaduan", "Complaint intake"},
    {"counselling", "Konseling", "Counselling"},
    {"psychologist", "Layanan psikolog", "Psychologist"},
    {"health_visum", "Kesehatan / visum", "Health care or forensic exam"},
    {"shelter_in", "Masuk rumah aman", "Shelter admission"},
    {"shelter_out", "Keluar rumah aman", "Shelter discharge"},
    {"police_accompaniment", "Pendampingan di kepolisian", "Police accompaniment"},
    {"court_accompaniment", "Pendampingan di pengadilan", "Court accompaniment"},
    {"legal_aid", "Bantuan hukum", "Legal aid"},
    {"mediation", "Mediasi", "Mediation"},
    {"social_rehabilitation", "Rehabilitasi sosial", "Social rehabilitation"},
    {"reintegration", "Reintegrasi sosial", "Reintegration"},
    {"other", "Lainnya", "Other"},
};

static const struct sae_enum_value referral_targets[] = {
    {"police_ppa_unit", "Unit PPA Polres", "Police women and children unit"},
    {"puskesmas", "Puskesmas", "Community health centre"},
    {"hospital", "Rumah sakit", "Hospital"},
    {"uptd_ppa", "UPTD PPA", "District protection service unit"},
    {"puspaga", "PUSPAGA", "Family learning centre"},
    {"social_office", "Dinas Sosial", "Social affairs office"},
    {"legal_aid", "Lembaga bantuan hukum", "Legal aid organisation"},
    {"other", "Lainnya", "Other"},
};

static const struct sae_enum_value referral_statuses[] = {
    {"sent", "Dikirim", "Sent"},
    {"accepted", "Diterima", "Accepted"},
    {"completed", "Selesai", "Completed"},
    {"declined", "Ditolak", "Declined"},
};

/* Primero / GBVIMS referral outcomes: the six values of "service referred". */
static const struct sae_enum_value referral_results[] = {
    {"referred", "Dirujuk", "Referred"},
    {"service_provided_by_agency", "Layanan diberikan lembaga sendiri", "Service provided by your agency"},
    {"already_received_elsewhere", "Sudah menerima dari lembaga lain", "Services already received from another agency"},
    {"not_applicable", "Layanan tidak diperlukan", "Service not applicable"},
    {"declined_by_survivor", "Ditolak oleh korban", "Referral declined by survivor"},
    {"service_unavailable", "Layanan tidak tersedia", "Service unavailable"},
};

static const struct sae_field case_fields[] = {
    {.name = "status", .type = SAE_FIELD_ENUM, .label_id = "Status kasus", .label_en = "Case status",
     .required = true, ENUM_VALUES(case_status), .default_value = "new"},
    {.name = "violence_type", .type = SAE_FIELD_ENUM, .label_id = "Bentuk kekerasan",
     .label_en = "Type of violence", .required = true, ENUM_VALUES(violence_types)},
    {.name = "victim_name", .type = SAE_FIELD_TEXT, .label_id = "Nama korban", .label_en = "Victim name",
     .sensitive = true, .max_bytes = NAME_BYTES},
    {.name = "victim_sex", .type = SAE_FIELD_ENUM, .label_id = "Jenis kelamin korban",
     .label_en = "Victim sex", .required = true, ENUM_VALUES(sexes)},
    {.name = "victim_age", .type = SAE_FIELD_INT, .label_id = "Usia korban (tahun)",
     .label_en = "Victim age (years)", .min_value = 0, .max_value = 120},
    {.name = "victim_disability", .type = SAE_FIELD_BOOL, .label_id = "Korban penyandang disabilitas",
     .label_en = "Victim has a disability"},
    {.name = "intake_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal pengaduan",
     .label_en = "Intake date", .required = true},
    {.name = "incident_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal kejadian",
     .label_en = "Incident date"},
    {.name = "intake_channel", .type = SAE_FIELD_ENUM, .label_id = "Cara pengaduan",
     .label_en = "Intake channel", ENUM_VALUES(intake_channels)},
    {.name = "location_type", .type = SAE_FIELD_ENUM, .label_id = "Tempat kejadian",
     .label_en = "Place of incident", ENUM_VALUES(location_types)},
    {.name = "perpetrator_relation", .type = SAE_FIELD_ENUM, .label_id = "Hubungan pelaku dengan korban",
     .label_en = "Perpetrator's relation to victim", ENUM_VALUES(perpetrator_relations)},
    {.name = "perpetrator_sex", .type = SAE_FIELD_ENUM, .label_id = "Jenis kelamin pelaku",
     .label_en = "Perpetrator sex", ENUM_VALUES(sexes_or_unknown)},
    {.name = "risk_level", .type = SAE_FIELD_ENUM, .label_id = "Tingkat risiko", .label_en = "Risk level",
     ENUM_VALUES(risk_levels)},
    {.name = "consent_services", .type = SAE_FIELD_BOOL, .label_id = "Persetujuan menerima layanan",
     .label_en = "Consent to services"},
    {.name = "consent_share", .type = SAE_FIELD_BOOL, .label_id = "Persetujuan berbagi data",
     .label_en = "Consent to share data"},
    {.name = "narrative", .type = SAE_FIELD_TEXT, .label_id = "Kronologi", .label_en = "Narrative",
     .sensitive = true, .multiline = true, .max_bytes = SAE_LIMIT_TEXT_BYTES},
};

static const struct sae_field service_fields[] = {
    {.name = "case_id", .type = SAE_FIELD_REFERENCE, .label_id = "Kasus", .label_en = "Case",
     .required = true, .ref_kind = "case"},
    {.name = "service_type", .type = SAE_FIELD_ENUM, .label_id = "Jenis layanan",
     .label_en = "Service type", .required = true, ENUM_VALUES(service_types)},
    {.name = "service_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal layanan",
     .label_en = "Service date", .required = true},
    {.name = "provider", .type = SAE_FIELD_TEXT, .label_id = "Pemberi layanan", .label_en = "Provider",
     .max_bytes = NAME_BYTES},
    {.name = "notes", .type = SAE_FIELD_TEXT, .label_id = "Catatan", .label_en = "Notes",
     .sensitive = true, .multiline = true, .max_bytes = SAE_LIMIT_TEXT_BYTES},
};

static const struct sae_field referral_fields[] = {
    {.name = "case_id", .type = SAE_FIELD_REFERENCE, .label_id = "Kasus", .label_en = "Case",
     .required = true, .ref_kind = "case"},
    {.name = "referred_to", .type = SAE_FIELD_ENUM, .label_id = "Dirujuk ke", .label_en = "Referred to",
     .required = true, ENUM_VALUES(referral_targets)},
    {.name = "referral_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal rujukan",
     .label_en = "Referral date", .required = true},
    {.name = "referral_status", .type = SAE_FIELD_ENUM, .label_id = "Status rujukan",
     .label_en = "Referral status", .required = true, ENUM_VALUES(referral_statuses),
     .default_value = "sent"},
    {.name = "referral_result", .type = SAE_FIELD_ENUM, .label_id = "Hasil rujukan",
     .label_en = "Referral result", ENUM_VALUES(referral_results)},
    {.name = "notes", .type = SAE_FIELD_TEXT, .label_id = "Catatan", .label_en = "Notes",
     .sensitive = true, .multiline = true, .max_bytes = SAE_LIMIT_TEXT_BYTES},
};

static const struct sae_kind kinds[] = {
    {"case", "Kasus / pengaduan", "Case (complaint)", false, case_fields, COUNT(case_fields)},
    {"service", "Layanan", "Service event", true, service_fields, COUNT(service_fields)},
    {"referral", "Rujukan", "Referral", false, referral_fields, COUNT(referral_fields)},
};

size_t sae_catalogue_kind_count(void) { return COUNT(kinds); }

const struct sae_kind *sae_catalogue_kind_at(size_t index)
{
    return index < COUNT(kinds) ? &kinds[index] : NULL;
}

int sae_catalogue_find_kind(const char *name, const struct sae_kind **out)
{
    for (size_t i = 0; i < COUNT(kinds); i++) {
        if (strcmp(kinds[i].name, name) == 0) {
            *out = &kinds[i];
            return 0;
        }
    }
    return SAE_ENOTFOUND;
}

int sae_catalogue_find_field(const struct sae_kind *kind, const char *name,
                             const struct sae_field **out)
{
    for (size_t i = 0; i < kind->field_count; i++) {
        if (strcmp(kind->fields[i].name, name) == 0) {
            *out = &kind->fields[i];
            return 0;
        }
    }
    return SAE_ENOTFOUND;
}

bool sae_field_shown_in_lists(const struct sae_field *field)
{
    return !field->sensitive && field->type != SAE_FIELD_TEXT;
}

const char *sae_field_type_name(enum sae_field_type type)
{
    switch (type) {
    case SAE_FIELD_TEXT: return "text";
    case SAE_FIELD_INT: return "int";
    case SAE_FIELD_DATE: return "date";
    case SAE_FIELD_ENUM: return "enum";
    case SAE_FIELD_BOOL: return "bool";
    case SAE_FIELD_REFERENCE: return "reference";
    }
    return "unknown";
}

const struct sae_enum_value *sae_field_find_value(const struct sae_field *field, const char *code)
{
    for (size_t i = 0; i < field->value_count; i++)
        if (strcmp(field->values[i].code, code) == 0)
            return &field->values[i];
    return NULL;
}

void sae_field_allowed_codes(const struct sae_field *field, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < field->value_count && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", field->values[i].code);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
