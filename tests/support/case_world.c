/* A seeded hub.db of realistic cases (case_world.h). */
#include "case_world.h"
#include "case_world_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "merge/merge.h"
#include "sae/sae_area.h"
#include "sae/sae_borrow.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_envelope.h"
#include "sae/sae_secure_mem.h"
#include "store/district_key.h"
#include "store/value_vault.h"

#define CW_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define CW_DAY_MS INT64_C(86400000)

/* splitmix64: the same numbers on every machine. */
struct cw_rng {
    uint64_t state;
};

static uint64_t cw_next(struct cw_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint32_t cw_below(struct cw_rng *r, uint32_t n)
{
    return (uint32_t)(cw_next(r) % n);
}

static bool cw_chance(struct cw_rng *r, uint32_t percent)
{
    return cw_below(r, 100) < percent;
}

static struct cw_rng cw_rng_for(uint64_t seed, uint64_t a, uint64_t b)
{
    struct cw_rng r = {seed ^ (a * UINT64_C(0x100000001b3)) ^ (b << 40)};
    cw_next(&r);
    return r;
}

/* Weighted choice: weights in percent, summing to 100. */
static const char *cw_weighted(struct cw_rng *r, const char *const *codes,
                               const uint8_t *weights, size_t n)
{
    uint32_t roll = cw_below(r, 100), acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += weights[i];
        if (roll < acc)
            return codes[i];
    }
    return codes[n - 1];
}
#define CW_WEIGHTED(r, codes, weights) cw_weighted((r), (codes), (weights), CW_COUNT(codes))
#define CW_PICK(r, table) ((table)[cw_below((r), (uint32_t)CW_COUNT(table))])

static const char *const statuses[] = {"new", "active", "referred", "closed"};
static const uint8_t status_weights[] = {15, 40, 15, 30};
static const char *const risks[] = {"low", "medium", "high"};
static const uint8_t risk_weights[] = {45, 35, 20};
static const char *const closure_reasons[] = {"services_completed", "referred_onward",
                                              "survivor_withdrew", "relocated"};
static const char *const channels[] = {"walk_in", "phone", "whatsapp", "referral_in",
                                       "outreach"};
static const uint8_t channel_weights[] = {50, 15, 20, 10, 5};
static const char *const locations[] = {"household", "school", "public_facility",
                                        "boarding_school", "online", "workplace"};
static const char *const relations[] = {"spouse", "parent", "step_parent", "teacher",
                                        "neighbour", "friend", "stranger", "unknown"};
static const char *const service_types[] = {"complaint_intake", "counselling", "psychologist",
                                            "health_visum", "police_accompaniment",
                                            "legal_aid", "psychosocial_accompaniment",
                                            "health_accompaniment", "legal_accompaniment"};
static const char *const providers[] = {"Konselor Pos", "Psikolog UPT PPA", "Puskesmas Paiton",
                                        "RSUD Waluyo Jati", "Paralegal Pos", "LBH Probolinggo"};
static const char *const targets[] = {"police_ppa_unit", "puskesmas", "hospital", "uptd_ppa",
                                      "puspaga", "social_office", "legal_aid"};
static const char *const referral_statuses[] = {"sent", "accepted", "completed", "declined"};
static const uint8_t referral_status_weights[] = {30, 30, 30, 10};
static const char *const first_names[] = {"Siti", "Nur", "Dewi", "Sri", "Rina", "Ayu",
                                          "Fitri", "Lestari", "Aminah", "Khotimah", "Rohmah",
                                          "Putri", "Anisa", "Zahra", "Rizki", "Bayu", "Dimas"};
static const char *const last_names[] = {"Rahayu", "Handayani", "Wulandari", "Susanti",
                                         "Hasanah", "Fauziah", "Kurniawati", "Ningsih",
                                         "Saputra", "Hidayat", "Safitri", "Mahmudah"};
static const char *const narrative_openings[] = {
    "Korban datang ke pos diantar ibunya dan menceritakan",
    "Kader desa melaporkan bahwa korban mengalami",
    "Korban menghubungi pos lewat WhatsApp tentang",
    "Guru sekolah korban menyampaikan kepada pos dugaan"};
static const char *const narrative_acts[] = {
    "pemukulan berulang oleh suaminya", "ancaman dan hinaan dari ayah tirinya",
    "pelecehan oleh tetangganya", "penelantaran selama berbulan-bulan",
    "kekerasan oleh pacarnya", "pemaksaan bekerja tanpa upah oleh majikannya"};

/* The official list's villages the posts are in: the first CASE_WORLD_VILLAGES. */
static const struct sae_area *world_villages[CASE_WORLD_VILLAGES];
static size_t world_village_count;

static int load_villages(void)
{
    const struct sae_area_list *list = NULL;
    if (world_village_count > 0)
        return 0;
    int rc = sae_area_list_shared(&list);
    for (size_t i = 0; rc == 0 && i < list->count && world_village_count < CASE_WORLD_VILLAGES;
         i++)
        if (list->items[i].level == SAE_AREA_VILLAGE)
            world_villages[world_village_count++] = &list->items[i];
    return rc == 0 && world_village_count == 0 ? SAE_ENOTFOUND : rc;
}

static void derive_id(uint64_t seed, uint64_t index, uint64_t tag, char out[SAE_ID_TEXT_LEN + 1])
{
    struct cw_rng r = cw_rng_for(seed ^ UINT64_C(0x5ae1d), index, tag);
    struct sae_id id;
    uint64_t a = cw_next(&r), b = cw_next(&r);
    memcpy(id.bytes, &a, 8);
    memcpy(id.bytes + 8, &b, 8);
    id.bytes[6] = (uint8_t)((id.bytes[6] & 0x0f) | 0x40); /* a version-4 UUID */
    id.bytes[8] = (uint8_t)((id.bytes[8] & 0x3f) | 0x80);
    sae_id_format(&id, out);
}

static void format_date(int64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char text[32];
    snprintf(text, sizeof text, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    memcpy(out, text, 10);
    out[10] = '\0';
}

/* Midnight UTC of the intake day of case index. */
static int64_t intake_ms(const struct case_world_options *o, struct cw_rng *r)
{
    int64_t today = o->now_ms - o->now_ms % CW_DAY_MS;
    return today - (int64_t)(1 + cw_below(r, CASE_WORLD_DAYS)) * CW_DAY_MS;
}

static void registration_of(const struct case_world_options *o, size_t index,
                            const char *village, const char *date,
                            char out[SAE_REGISTRATION_BYTES])
{
    struct sae_registration number = {.year = atoi(date), .seq = (long long)(index / o->posts) + 1};
    size_t device = (index % o->posts) / CASE_WORLD_VILLAGES;
    char digits[SAE_AREA_CODE_BYTES];
    sae_area_code_digits(village, digits);
    snprintf(number.prefix, sizeof number.prefix, "%.10s", digits);
    if (device > 0)
        snprintf(number.suffix, sizeof number.suffix, "%c", (char)('A' + device % 26));
    if (sae_registration_format(&number, out) != 0)
        out[0] = '\0';
}

/* The case and the generator state right after it, for the rest of its values. */
static struct cw_rng draw_case(const struct case_world_options *o, size_t index,
                               struct case_world_case *out)
{
    struct cw_rng r = cw_rng_for(o->seed, index, 1);
    memset(out, 0, sizeof *out);
    derive_id(o->seed, index, 0, out->id);
    out->post = index % o->posts;
    const struct sae_area *village = world_villages[out->post % world_village_count];
    out->village = village->code;
    out->kecamatan = village->parent;
    format_date(intake_ms(o, &r), out->intake_date);
    registration_of(o, index, out->village, out->intake_date, out->registration);
    out->status = CW_WEIGHTED(&r, statuses, status_weights);
    out->risk = CW_WEIGHTED(&r, risks, risk_weights);
    /* physical, psychological, sexual most often; sometimes two at once. */
    static const uint8_t type_weights[] = {35, 30, 20, 3, 2, 8, 2};
    static const char *const type_index[] = {"\0", "\1", "\2", "\3", "\4", "\5", "\6"};
    out->violence_mask = 1u << (unsigned)CW_WEIGHTED(&r, type_index, type_weights)[0];
    if (cw_chance(&r, 25))
        out->violence_mask |= 1u << (unsigned)CW_WEIGHTED(&r, type_index, type_weights)[0];
    out->sex = cw_chance(&r, 85) ? "F" : "M";
    out->age = cw_chance(&r, 40) ? 3 + (int)cw_below(&r, 15) : 18 + (int)cw_below(&r, 50);
    uint32_t share = cw_below(&r, 100);
    out->consent_share = share < 75 ? "true" : share < 95 ? "false" : NULL;
    snprintf(out->victim_name, sizeof out->victim_name, "%s %s", CW_PICK(&r, first_names),
             CW_PICK(&r, last_names));
    out->services = cw_below(&r, 4);
    out->shelter_stays = cw_chance(&r, 6) ? 1 : 0;
    out->referrals = cw_chance(&r, 30) ? 1 : 0;
    return r;
}

void case_world_case(const struct case_world_options *options, size_t index,
                     struct case_world_case *out)
{
    if (load_villages() != 0) {
        memset(out, 0, sizeof *out);
        return;
    }
    draw_case(options, index, out);
}

size_t case_world_conflict_case(const struct case_world_options *options, size_t k)
{
    size_t stride = options->conflicts > 0 ? options->cases / options->conflicts : 1;
    return (k * (stride > 0 ? stride : 1)) % options->cases;
}

enum case_world_conflict_kind case_world_conflict_kind(size_t k)
{
    return (enum case_world_conflict_kind)(k % 4);
}

static int put_date(struct writer *w, const char *field, int64_t ms)
{
    char text[11];
    format_date(ms, text);
    return cw_put(w, field, text);
}

/* ---- Reports ---------------------------------------------------------------------- */

static int put_violence(struct writer *w, unsigned mask)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *set = NULL;
    int rc = sae_catalogue_find_kind("case", &kind);
    if (rc == 0)
        rc = sae_catalogue_find_field(kind, "violence_types", &set);
    for (size_t i = 0; rc == 0 && i < set->value_count; i++)
        if (mask & (1u << i)) {
            char name[SAE_FIELD_ELEMENT_NAME_BYTES];
            sae_field_element_name(set, &set->values[i], name);
            rc = cw_put(w, name, SAE_FIELD_ELEMENT_PRESENT);
        }
    return rc;
}

static int put_case_facts(struct writer *w, const struct case_world_case *c, struct cw_rng *r)
{
    char narrative[256];
    snprintf(narrative, sizeof narrative, "%s %s. %s menyampaikan keinginan untuk didampingi.",
             CW_PICK(r, narrative_openings), CW_PICK(r, narrative_acts), c->victim_name);
    int rc = cw_put(w, "registration_number", c->registration);
    if (rc == 0)
        rc = cw_put(w, "status", c->status);
    if (rc == 0 && strcmp(c->status, "closed") == 0)
        rc = cw_put(w, "closure_reason", CW_PICK(r, closure_reasons));
    if (rc == 0)
        rc = cw_put(w, "intake_date", c->intake_date);
    if (rc == 0)
        rc = cw_put(w, "intake_channel", CW_WEIGHTED(r, channels, channel_weights));
    if (rc == 0)
        rc = put_violence(w, c->violence_mask);
    if (rc == 0)
        rc = cw_put(w, "domain", cw_chance(r, 85) ? "household" : "community");
    if (rc == 0 && cw_chance(r, 60))
        rc = cw_put(w, "location_type", CW_PICK(r, locations));
    if (rc == 0)
        rc = cw_put(w, "victim_name", c->victim_name);
    if (rc == 0 && cw_chance(r, 50))
        rc = cw_put(w, "victim_contact", "08123456789, RT 02 RW 03");
    if (rc == 0)
        rc = cw_put(w, "victim_sex", c->sex);
    if (rc == 0)
        rc = cw_put_int(w, "victim_age", c->age);
    if (rc == 0)
        rc = cw_put(w, "residence_district", c->kecamatan);
    if (rc == 0)
        rc = cw_put(w, "residence_village", c->village);
    if (rc == 0 && cw_chance(r, 70))
        rc = cw_put(w, "perpetrator_relation", CW_PICK(r, relations));
    if (rc == 0)
        rc = cw_put(w, "risk_level", c->risk);
    if (rc == 0)
        rc = cw_put(w, "narrative", narrative);
    return rc;
}

static int put_consents(struct writer *w, const struct case_world_case *c, struct cw_rng *r)
{
    int rc = cw_put(w, "consent_services", cw_chance(r, 95) ? "true" : "false");
    if (rc == 0)
        rc = cw_put(w, "consent_services_date", c->intake_date);
    if (rc == 0 && c->consent_share) {
        rc = cw_put(w, "consent_share", c->consent_share);
        if (rc == 0)
            rc = cw_put(w, "consent_share_date", c->intake_date);
    }
    if (rc == 0)
        rc = cw_put(w, "consent_statistics", cw_chance(r, 90) ? "true" : "false");
    return rc;
}

static int64_t date_ms(const char *date)
{
    struct tm tm = {0};
    tm.tm_year = atoi(date) - 1900;
    tm.tm_mon = atoi(date + 5) - 1;
    tm.tm_mday = atoi(date + 8);
    return (int64_t)timegm(&tm) * 1000;
}

/* A day after intake, not after yesterday. */
static int64_t later_day(const struct case_world_options *o, int64_t intake, struct cw_rng *r,
                         uint32_t within_days)
{
    int64_t day = intake + (int64_t)cw_below(r, within_days) * CW_DAY_MS;
    int64_t yesterday = o->now_ms - o->now_ms % CW_DAY_MS - CW_DAY_MS;
    return day < yesterday ? day : yesterday;
}

static int write_events(struct writer *w, size_t index, const struct case_world_case *c,
                        int64_t intake, struct cw_rng *r)
{
    const struct case_world_options *o = &w->world->options;
    static const struct sae_version none = {0, 0};
    int rc = 0;
    for (size_t j = 0; rc == 0 && j < c->services; j++) {
        char id[SAE_ID_TEXT_LEN + 1];
        int64_t day = later_day(o, intake, r, 60);
        derive_id(o->seed, index, 16 + j, id);
        rc = cw_room_for_command(w);
        cw_begin_command(w, id, "service", day + 10 * 3600000 + (int64_t)j * 60000, none);
        if (rc == 0)
            rc = cw_put(w, "case_id", c->id);
        if (rc == 0)
            rc = cw_put(w, "service_type", j == 0 ? "complaint_intake" : CW_PICK(r, service_types));
        if (rc == 0)
            rc = put_date(w, "service_date", day);
        if (rc == 0)
            rc = cw_put(w, "provider", CW_PICK(r, providers));
        if (rc == 0 && cw_chance(r, 30))
            rc = cw_put(w, "notes", "Korban didampingi dan diberi penguatan.");
        w->world->services += rc == 0;
    }
    for (size_t j = 0; rc == 0 && j < c->shelter_stays; j++) {
        char id[SAE_ID_TEXT_LEN + 1];
        int64_t day = later_day(o, intake, r, 10);
        derive_id(o->seed, index, 32 + j, id);
        rc = cw_room_for_command(w);
        cw_begin_command(w, id, "shelter_stay", day + 11 * 3600000, none);
        if (rc == 0)
            rc = cw_put(w, "case_id", c->id);
        if (rc == 0)
            rc = cw_put(w, "shelter_name", "Rumah Aman Kabupaten");
        if (rc == 0)
            rc = put_date(w, "admission_date", day);
        if (rc == 0)
            rc = put_date(w, "planned_end_date", day + 7 * CW_DAY_MS);
        w->world->shelter_stays += rc == 0;
    }
    for (size_t j = 0; rc == 0 && j < c->referrals; j++) {
        char id[SAE_ID_TEXT_LEN + 1];
        int64_t day = later_day(o, intake, r, 30);
        const char *status = CW_WEIGHTED(r, referral_statuses, referral_status_weights);
        derive_id(o->seed, index, 48 + j, id);
        rc = cw_room_for_command(w);
        cw_begin_command(w, id, "referral", day + 12 * 3600000, none);
        if (rc == 0)
            rc = cw_put(w, "case_id", c->id);
        if (rc == 0)
            rc = cw_put(w, "referred_to", CW_PICK(r, targets));
        if (rc == 0)
            rc = put_date(w, "referral_date", day);
        if (rc == 0)
            rc = cw_put(w, "referral_status", status);
        if (rc == 0 && strcmp(status, "sent") != 0)
            rc = put_date(w, "status_date", day);
        w->world->referrals += rc == 0;
    }
    return rc;
}

static int write_case(struct writer *w, size_t index)
{
    static const struct sae_version none = {0, 0};
    struct case_world_case c;
    struct cw_rng r = draw_case(&w->world->options, index, &c);
    int64_t intake = date_ms(c.intake_date);
    int rc = cw_room_for_command(w);
    cw_begin_command(w, c.id, "case", intake + 9 * 3600000 + (int64_t)cw_below(&r, 3600000), none);
    if (rc == 0)
        rc = put_case_facts(w, &c, &r);
    if (rc == 0)
        rc = put_consents(w, &c, &r);
    w->world->cases += rc == 0;
    if (rc == 0)
        rc = write_events(w, index, &c, intake, &r);
    return rc;
}

/* ---- Posts and conflicts ------------------------------------------------------------ */

static int enroll(struct case_world *world, uint64_t key_index, const char *village,
                  const char *name, struct post *out)
{
    uint8_t seed[crypto_box_SEEDBYTES], sk[crypto_box_SECRETKEYBYTES];
    struct hub_node node = {.enrolled_ms = world->options.now_ms - 800 * CW_DAY_MS};
    struct cw_rng r = cw_rng_for(world->options.seed ^ UINT64_C(0xde71ce), key_index, 2);
    for (size_t i = 0; i < sizeof seed; i += 8) {
        uint64_t v = cw_next(&r);
        memcpy(seed + i, &v, 8);
    }
    int rc = crypto_box_seed_keypair(node.public_key, sk, seed) == 0 ? 0 : SAE_ECRYPTO;
    sodium_memzero(sk, sizeof sk);
    if (rc == 0)
        rc = sae_origin_from_public_key(node.public_key, &node.id);
    snprintf(node.village, sizeof node.village, "%s", village);
    snprintf(node.device_name, sizeof node.device_name, "%s", name);
    if (rc == 0)
        rc = hub_store_node_add(world->store, &node);
    *out = (struct post){node.id, village, 1};
    return rc;
}

/* The case's command version: the same draw write_case made. */
static struct sae_version case_version(const struct case_world *world, size_t index,
                                       struct case_world_case *c)
{
    struct cw_rng r = draw_case(&world->options, index, c);
    int64_t ms = date_ms(c->intake_date) + 9 * 3600000 + (int64_t)cw_below(&r, 3600000);
    return (struct sae_version){(sae_hlc)ms << SAE_HLC_COUNTER_BITS, world->post_ids[c->post]};
}

/* Two posts of the case's village edit one field from the same version. */
static int stage_conflict(struct case_world *world, struct writer *w, struct post *posts,
                          size_t k)
{
    static const char *const fields[] = {"risk_level", "status", "victim_age", "intake_channel"};
    struct case_world_case c;
    size_t index = case_world_conflict_case(&world->options, k);
    struct sae_version base = case_version(world, index, &c);
    enum case_world_conflict_kind kind = case_world_conflict_kind(k);
    char first[16], second[16];
    snprintf(first, sizeof first, "%s", kind == CASE_WORLD_CONFLICT_RISK ? "high"
                                        : kind == CASE_WORLD_CONFLICT_STATUS ? "active"
                                        : kind == CASE_WORLD_CONFLICT_AGE ? "30" : "phone");
    snprintf(second, sizeof second, "%s", kind == CASE_WORLD_CONFLICT_RISK ? "low"
                                         : kind == CASE_WORLD_CONFLICT_STATUS ? "referred"
                                         : kind == CASE_WORLD_CONFLICT_AGE ? "31" : "phone");
    struct post other;
    char name[64];
    snprintf(name, sizeof name, "Laptop kedua %zu", k);
    int rc = enroll(world, 1000000 + k, c.village, name, &other);
    w->post = &posts[c.post];
    cw_begin_command(w, c.id, "case", world->options.now_ms - 7200000 - (int64_t)k, base);
    if (rc == 0)
        rc = cw_put(w, fields[kind], first);
    if (rc == 0)
        rc = cw_flush(w);
    w->post = &other;
    cw_begin_command(w, c.id, "case", world->options.now_ms - 3600000 - (int64_t)k, base);
    if (rc == 0)
        rc = cw_put(w, fields[kind], second);
    if (rc == 0)
        rc = cw_flush(w);
    return rc;
}

static int count_conflicts(struct case_world *world)
{
    int64_t open = 0, settled = 0;
    int rc = hub_store_query_int(world->store,
                                 "SELECT count(*) FROM conflict WHERE status = 'open'", NULL, 0,
                                 &open);
    if (rc == 0)
        rc = hub_store_query_int(world->store,
                                 "SELECT count(*) FROM conflict WHERE status = 'resolved'",
                                 NULL, 0, &settled);
    world->conflicts_open = (size_t)open;
    world->conflicts_settled = (size_t)settled;
    return rc;
}

static int write_world(struct case_world *world, struct writer *w, struct post *posts)
{
    const struct case_world_options *o = &world->options;
    int rc = 0;
    for (size_t p = 0; rc == 0 && p < o->posts; p++) {
        const struct sae_area *village = world_villages[p % world_village_count];
        char name[64];
        snprintf(name, sizeof name, "Laptop Pos %s %zu", village->name,
                 p / CASE_WORLD_VILLAGES + 1);
        rc = enroll(world, p, village->code, name, &posts[p]);
        world->post_ids[p] = posts[p].id;
    }
    for (size_t p = 0; rc == 0 && p < o->posts; p++) {
        w->post = &posts[p];
        for (size_t i = p; rc == 0 && i < o->cases; i += o->posts)
            rc = write_case(w, i);
        if (rc == 0)
            rc = cw_flush(w);
    }
    for (size_t k = 0; rc == 0 && k < o->conflicts; k++)
        rc = stage_conflict(world, w, posts, k);
    return rc == 0 ? count_conflicts(world) : rc;
}

int case_world_build(const char *db_path, const struct case_world_options *options,
                     struct case_world *world)
{
    if (options->cases == 0 || options->posts == 0 || options->conflicts > options->cases)
        return SAE_EINVAL;
    uint8_t hub_pk[crypto_box_PUBLICKEYBYTES], hub_sk[crypto_box_SECRETKEYBYTES];
    memset(world, 0, sizeof *world);
    world->options = *options;
    if (world->options.batch == 0)
        world->options.batch = CASE_WORLD_BATCH_DEFAULT;
    if (world->options.batch < CW_COMMAND_ROOM)
        return SAE_EINVAL;
    int rc = sodium_init() >= 0 ? load_villages() : SAE_ECRYPTO;
    if (rc == 0)
        rc = crypto_box_keypair(hub_pk, hub_sk) == 0 ? 0 : SAE_ECRYPTO;
    sodium_memzero(hub_sk, sizeof hub_sk);
    if (rc == 0)
        rc = hub_store_create(db_path, "DP3AP2KB Kabupaten Probolinggo", hub_pk, NULL);
    if (rc == 0)
        rc = hub_store_open(db_path, HUB_BUSY_TIMEOUT_MS_DEFAULT, &world->store, NULL);
    /* As init makes it: sensitive values are sealed to it. */
    if (rc == 0)
        rc = district_key_ensure(world->store, world->store->dir);
    if (rc == 0)
        rc = district_key_unclaimed(world->store->dir, &world->district_secret);
    if (rc == 0)
        value_vault_lend(world->store, world->district_secret);
    /* Test data, written once: no fsync per transaction, pages kept in memory rather than
     * spilled to the WAL mid-batch, checkpoints rare. The hub's settings come back at the
     * end. */
    if (rc == 0)
        rc = sae_db_exec(world->store->db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"
                                           " PRAGMA wal_autocheckpoint=100000");
    struct post *posts = calloc(options->posts, sizeof *posts);
    struct writer w = {.world = world, .buf = {.room = world->options.batch}};
    w.buf.changes = calloc(w.buf.room, sizeof *w.buf.changes);
    world->post_ids = calloc(options->posts, sizeof *world->post_ids);
    world->post_count = options->posts;
    if (rc == 0 && (!posts || !w.buf.changes || !world->post_ids))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = write_world(world, &w, posts);
    if (rc == 0)
        rc = sae_db_exec(world->store->db, "PRAGMA wal_checkpoint(TRUNCATE);"
                                           " PRAGMA wal_autocheckpoint=1000;"
                                           " PRAGMA synchronous=FULL; PRAGMA cache_size=-2000");
    cw_batch_clear(&w.buf);
    free(w.buf.changes);
    free(posts);
    if (rc != 0)
        case_world_close(world);
    return rc;
}

void case_world_close(struct case_world *world)
{
    hub_store_close(world->store);
    sae_secure_free(world->district_secret);
    world->district_secret = NULL;
    free(world->post_ids);
    world->store = NULL;
    world->post_ids = NULL;
}

int case_world_dir_make(struct case_world_dir *d)
{
    snprintf(d->dir, sizeof d->dir, "/tmp/sae-world-XXXXXX");
    if (!mkdtemp(d->dir))
        return SAE_EIO;
    snprintf(d->path, sizeof d->path, "%s/hub.db", d->dir);
    return 0;
}

void case_world_dir_remove(const struct case_world_dir *d)
{
    static const char *const files[] = {"hub.db", "hub.db-wal", "hub.db-shm", "district.key",
                                         "values.key", "duplicates.key"};
    char path[192];
    for (size_t i = 0; i < CW_COUNT(files); i++) {
        snprintf(path, sizeof path, "%s/%s", d->dir, files[i]);
        unlink(path);
    }
    rmdir(d->dir);
}

int case_world_build_temp(const struct case_world_options *options, struct case_world_dir *d,
                          struct case_world *world)
{
    int rc = case_world_dir_make(d);
    if (rc == 0)
        rc = case_world_build(d->path, options, world);
    if (rc != 0)
        case_world_dir_remove(d);
    return rc;
}

void case_world_close_temp(struct case_world_dir *d, struct case_world *world)
{
    case_world_close(world);
    case_world_dir_remove(d);
}
