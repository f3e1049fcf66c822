/* What happens for a case: services (append-only events), shelter stays (rumah aman, one
 * stay from admission to discharge) and referrals (rujukan, through their status flow), and
 * the table of report kinds. Codes are stable identifiers; append, never rename. */
#include "catalogue_internal.h"

#include "sae/sae_limits.h"

/* The minimum service standard's (SPM) five services, the group of every service type. */
#define SPM_COMPLAINT "complaint"
#define SPM_HEALTH "health"
#define SPM_REHABILITATION "social_rehabilitation"
#define SPM_LEGAL "legal"
#define SPM_RETURN "return_reintegration"

/* SIMFONI-PPA jenis layanan, each in its SPM category (the group). Accompaniment
 * (pendampingan) is one type per place it happens. */
static const struct sae_enum_value service_types[] = {
    {"complaint_intake", "Pengaduan", "Complaint intake", "pengaduan", 0, SPM_COMPLAINT},
    {"counselling", "Konseling", "Counselling", "konseling", 0, SPM_REHABILITATION},
    {"psychologist", "Layanan psikolog", "Psychologist", "psikolog", 0, SPM_REHABILITATION},
    {"health_visum", "Kesehatan / visum", "Health care or forensic exam", "visum|kesehatan", 0,
     SPM_HEALTH},
    /* Before shelter stays were reports of their own (catalogue 1). */
    {"shelter_in", "Masuk rumah aman (catatan lama)", "Shelter admission (old record)", NULL, 0,
     SPM_REHABILITATION},
    {"shelter_out", "Keluar rumah aman (catatan lama)", "Shelter discharge (old record)", NULL, 0,
     SPM_REHABILITATION},
    {"police_accompaniment", "Pendampingan di kepolisian", "Police accompaniment",
     "pendampingan polisi|polres", 0, SPM_LEGAL},
    {"court_accompaniment", "Pendampingan di pengadilan", "Court accompaniment",
     "pendampingan sidang|pengadilan", 0, SPM_LEGAL},
    {"legal_aid", "Bantuan hukum", "Legal aid", "bantuan hukum|lbh", 0, SPM_LEGAL},
    {"mediation", "Mediasi", "Mediation", "mediasi", 0, SPM_LEGAL},
    {"social_rehabilitation", "Rehabilitasi sosial", "Social rehabilitation", "rehabilitasi", 0,
     SPM_REHABILITATION},
    {"reintegration", "Pemulangan dan reintegrasi sosial", "Return and reintegration",
     "pemulangan|reintegrasi", 0, SPM_RETURN},
    {"other", "Lainnya", "Other", "lain", 0, SPM_REHABILITATION},
    {"psychosocial_accompaniment", "Pendampingan psikososial", "Psychosocial accompaniment",
     "pendampingan psikososial", 0, SPM_REHABILITATION},
    {"health_accompaniment", "Pendampingan kesehatan", "Health accompaniment",
     "pendampingan kesehatan|antar ke puskesmas", 0, SPM_HEALTH},
    {"legal_accompaniment", "Pendampingan hukum", "Legal accompaniment", "pendampingan hukum", 0,
     SPM_LEGAL},
};

static const struct sae_enum_value discharge_reasons[] = {
    {"returned_home", "Kembali ke keluarga", "Returned home", "pulang|kembali", 0, NULL},
    {"moved_to_relatives", "Tinggal dengan kerabat", "Moved to relatives", "kerabat", 0, NULL},
    {"referred", "Dirujuk ke layanan lain", "Referred elsewhere", "dirujuk", 0, NULL},
    {"left", "Meninggalkan rumah aman sendiri", "Left on her own", "pergi", 0, NULL},
    {"other", "Lainnya", "Other", "lain", 0, NULL},
};

/* Where a referral goes. The codes of catalogue 1 stay; UPTD PPA is the district's UPT PPA. */
static const struct sae_enum_value referral_targets[] = {
    {"police_ppa_unit", "Unit PPA Polres", "Police women and children unit",
     "polres|unit ppa|polisi", 0, NULL},
    {"puskesmas", "Puskesmas", "Community health centre", "puskesmas", 0, NULL},
    {"hospital", "Rumah sakit (RSUD)", "Hospital", "rsud|rumah sakit", 0, NULL},
    {"uptd_ppa", "UPT PPA", "District protection service unit (UPT PPA)", "upt ppa|uptd|upt", 0,
     NULL},
    {"puspaga", "PUSPAGA", "Family learning centre", "puspaga", 0, NULL},
    {"social_office", "Dinas Sosial", "Social affairs office", "dinsos|dinas sosial", 0, NULL},
    {"legal_aid", "Lembaga bantuan hukum", "Legal aid organisation", "lbh|bantuan hukum", 0,
     NULL},
    {"other", "Lainnya", "Other", "lain", 0, NULL},
};

/* The referral's flow: sent, then accepted or declined by the agency, then done; or revoked
 * by the post before it is done (proto/rules.c holds the allowed steps). */
static const struct sae_enum_value referral_statuses[] = {
    {"sent", "Dikirim", "Sent", "kirim|terkirim", 0, NULL},
    {"accepted", "Diterima", "Accepted", "diterima|terima", 0, NULL},
    {"completed", "Selesai ditangani", "Done", "selesai|done", 0, NULL},
    {"declined", "Ditolak", "Declined", "ditolak|tolak", 0, NULL},
    {"revoked", "Dibatalkan oleh pos", "Revoked by the post", "dibatalkan|batal", 0, NULL},
};

/* Primero / GBVIMS referral outcomes: the six values of "service referred". */
static const struct sae_enum_value referral_results[] = {
    {"referred", "Dirujuk", "Referred", NULL, 0, NULL},
    {"service_provided_by_agency", "Layanan diberikan lembaga sendiri",
     "Service provided by your agency", NULL, 0, NULL},
    {"already_received_elsewhere", "Sudah menerima dari lembaga lain",
     "Services already received from another agency", NULL, 0, NULL},
    {"not_applicable", "Layanan tidak diperlukan", "Service not applicable", NULL, 0, NULL},
    {"declined_by_survivor", "Ditolak oleh korban", "Referral declined by survivor", NULL, 0, NULL},
    {"service_unavailable", "Layanan tidak tersedia", "Service unavailable", NULL, 0, NULL},
};

#define NAME_BYTES 200
#define REASON_BYTES 1000
#define CASE_REFERENCE                                                                           \
    {.name = "case_id", .type = SAE_FIELD_REFERENCE, .label_id = "Kasus", .label_en = "Case",     \
     .required = true, .ref_kind = "case"}
#define NOTES                                                                                    \
    {.name = "notes", .type = SAE_FIELD_TEXT, .label_id = "Catatan", .label_en = "Notes",         \
     .sensitive = true, .multiline = true, .max_bytes = SAE_LIMIT_TEXT_BYTES}

static const struct sae_field service_fields[] = {
    CASE_REFERENCE,
    {.name = "service_type", .type = SAE_FIELD_ENUM, .label_id = "Jenis layanan",
     .label_en = "Service type", .required = true, ENUM_VALUES(service_types)},
    {.name = "service_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal layanan",
     .label_en = "Service date", .required = true,
     .help_id = "Tidak sebelum tanggal pengaduan kasusnya.",
     .help_en = "Not before the case's intake date."},
    {.name = "provider", .type = SAE_FIELD_TEXT, .label_id = "Pemberi layanan", .label_en = "Provider",
     .max_bytes = NAME_BYTES},
    NOTES,
};

static const struct sae_field shelter_fields[] = {
    CASE_REFERENCE,
    {.name = "shelter_name", .type = SAE_FIELD_TEXT, .label_id = "Rumah aman", .label_en = "Shelter",
     .max_bytes = NAME_BYTES},
    {.name = "admission_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal masuk",
     .label_en = "Admission date", .required = true},
    {.name = "planned_end_date", .type = SAE_FIELD_DATE, .label_id = "Rencana tanggal keluar",
     .label_en = "Planned end",
     .help_id = "7 hari setelah masuk bila tidak diisi; perpanjangan wajib dengan alasan.",
     .help_en = "7 days after admission unless given; an extension needs a reason."},
    /* Why a survivor must stay longer is her story (who still looks for her): sensitive. */
    {.name = "extension_reason", .type = SAE_FIELD_TEXT, .label_id = "Alasan perpanjangan",
     .label_en = "Reason for the extension", .sensitive = true, .multiline = true,
     .max_bytes = REASON_BYTES},
    {.name = "discharge_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal keluar",
     .label_en = "Discharge date"},
    {.name = "discharge_reason", .type = SAE_FIELD_ENUM, .label_id = "Alasan keluar",
     .label_en = "Reason for discharge", ENUM_VALUES(discharge_reasons)},
    NOTES,
};

static const struct sae_field referral_fields[] = {
    CASE_REFERENCE,
    {.name = "referred_to", .type = SAE_FIELD_ENUM, .label_id = "Dirujuk ke", .label_en = "Referred to",
     .required = true, ENUM_VALUES(referral_targets)},
    /* Not sensitive: the agency reads it (letter, partner account) whatever the consent, so
     * the form says to write the service needed, not the survivor's name or story. */
    {.name = "referral_reason", .type = SAE_FIELD_TEXT, .label_id = "Alasan rujukan",
     .label_en = "Reason for the referral", .multiline = true, .max_bytes = REASON_BYTES,
     .help_id = "Dibaca lembaga tujuan, juga tanpa persetujuan berbagi data: tulis layanan "
                "yang dibutuhkan, bukan nama atau cerita korban.",
     .help_en = "The agency reads it even without consent to share: write the service "
                "needed, not the survivor's name or story."},
    {.name = "referral_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal rujukan",
     .label_en = "Referral date", .required = true},
    {.name = "referral_status", .type = SAE_FIELD_ENUM, .label_id = "Status rujukan",
     .label_en = "Referral status", .required = true, ENUM_VALUES(referral_statuses),
     .default_value = "sent"},
    {.name = "status_date", .type = SAE_FIELD_DATE, .label_id = "Tanggal status",
     .label_en = "Date of the status",
     .help_id = "Tanggal diterima, ditolak, selesai atau dibatalkan.",
     .help_en = "When it was accepted, declined, done or revoked."},
    /* Not sensitive (reviewed for issue 13): the agency's own words on why it declined,
     * written for the district and the referring post, like referral_reason above; the
     * provider's note on the service given (service_note) is where a story would go. */
    {.name = "decline_reason", .type = SAE_FIELD_TEXT, .label_id = "Alasan ditolak",
     .label_en = "Reason for declining", .multiline = true, .max_bytes = REASON_BYTES},
    {.name = "service_note", .type = SAE_FIELD_TEXT, .label_id = "Catatan layanan lembaga",
     .label_en = "The provider's service note", .sensitive = true, .multiline = true,
     .max_bytes = REASON_BYTES},
    /* Not sensitive (reviewed for issue 13): a code from a fixed list. */
    {.name = "referral_result", .type = SAE_FIELD_ENUM, .label_id = "Hasil rujukan",
     .label_en = "Referral result", ENUM_VALUES(referral_results)},
    NOTES,
};

const struct sae_kind catalogue_kind_service = {
    .name = "service", .label_id = "Layanan", .label_en = "Service event",
    .aliases = "layanan|pendampingan", .append_only = true, .fields = service_fields,
    .field_count = COUNT(service_fields)};
const struct sae_kind catalogue_kind_referral = {
    .name = "referral", .label_id = "Rujukan", .label_en = "Referral", .aliases = "rujukan|rujuk",
    .fields = referral_fields, .field_count = COUNT(referral_fields)};
const struct sae_kind catalogue_kind_shelter_stay = {
    .name = "shelter_stay", .label_id = "Rumah aman", .label_en = "Shelter stay",
    .aliases = "rumah aman|shelter|tempat singgah", .fields = shelter_fields,
    .field_count = COUNT(shelter_fields)};
