/* The copies of a case's sensitive values sealed to a partner agency's key (agency_copies.h). */
#include "store/agency_copies.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wipe.h"
#include "store/agency_key.h"
#include "store/partner.h"
#include "store/sealed_values.h"
#include "store/value_vault.h"

/* A note: a value to seal (change > 0, plain), or a case or referral to settle (plain NULL). */
struct pending_item {
    int64_t change;
    char report[SAE_ID_TEXT_LEN + 1];
    bool referral; /* report is a referral: its case is settled */
    char *plain;
};

struct agency_pending {
    struct pending_item *items;
    size_t count, capacity;
};

/* The agencies entitled to case ?1 (agency_copies.h's rule). */
#define ENTITLED_SQL(columns)                                                                 \
    "SELECT DISTINCT " columns " FROM change ci"                                              \
    " JOIN field_winner sci ON sci.report_no = ci.report_no AND sci.field = 'case_id'"       \
    "  AND sci.change = ci.seq"                                                               \
    " JOIN field_winner srt ON srt.report_no = ci.report_no AND srt.field = 'referred_to'"   \
    " JOIN change rt ON rt.seq = srt.change"                                                  \
    " JOIN agency_key k ON k.agency = rt.value"                                               \
    " WHERE ci.field = 'case_id' AND ci.value = ?1 AND ci.kind = 'referral'"                 \
    "  AND NOT EXISTS (SELECT 1 FROM field_winner sd JOIN change cd ON cd.seq = sd.change"    \
    "   WHERE sd.report_no = ci.report_no AND sd.field = '" SAE_FIELD_TOMBSTONE "'"          \
    "   AND cd.value = 'true')"                                                               \
    "  AND (EXISTS (SELECT 1 FROM field_state sc JOIN change cc ON cc.seq = sc.change"        \
    "   WHERE sc.report_id = ?1 AND sc.field = 'consent_share' AND cc.value = 'true')"       \
    "   OR EXISTS (SELECT 1 FROM referral_override o WHERE o.referral_id = ci.report_id))"

static const char entitled_sql[] = ENTITLED_SQL("k.id, k.public_key");
static const char withdraw_sql[] =
    "DELETE FROM sealed_value WHERE holder < 0"
    " AND change IN (SELECT seq FROM change"
    "  WHERE report_no = (SELECT no FROM report WHERE id = ?1))"
    " AND -holder NOT IN (" ENTITLED_SQL("k.id") ")";
static const char any_key_sql[] = "SELECT EXISTS (SELECT 1 FROM agency_key)";
static const char case_of_sql[] =
    "SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = ?1 AND s.field = 'case_id'";
/* The values partners see that the catalogue seals (partner_shared_field): kept in step by
 * test_agency_key. */
static const char owed_sql[] =
    "SELECT DISTINCT fs.change FROM field_state srt"
    " JOIN change rt ON rt.seq = srt.change AND rt.value = ?1"
    " JOIN field_state sci ON sci.report_id = srt.report_id AND sci.field = 'case_id'"
    " JOIN change ci ON ci.seq = sci.change"
    " JOIN field_state fs ON fs.report_id = ci.value"
    "  AND fs.field IN ('victim_name', 'victim_contact', 'narrative')"
    " JOIN sealed_value d ON d.change = fs.change AND d.holder = 0"
    " WHERE srt.field = 'referred_to'"
    "  AND NOT EXISTS (SELECT 1 FROM field_state sd JOIN change cd ON cd.seq = sd.change"
    "   WHERE sd.report_id = srt.report_id AND sd.field = '" SAE_FIELD_TOMBSTONE "'"
    "   AND cd.value = 'true')"
    "  AND (EXISTS (SELECT 1 FROM field_state sc JOIN change cc ON cc.seq = sc.change"
    "   WHERE sc.report_id = ci.value AND sc.field = 'consent_share' AND cc.value = 'true')"
    "   OR EXISTS (SELECT 1 FROM referral_override o WHERE o.referral_id = srt.report_id))"
    "  AND NOT EXISTS (SELECT 1 FROM sealed_value a WHERE a.change = fs.change"
    "   AND a.holder = ?2)"
    " ORDER BY fs.change";

/* Whether a change of kind's field may move an entitlement (no value to seal). */
static bool moves_entitlement(const char *kind, const char *field, bool *referral)
{
    *referral = strcmp(kind, "referral") == 0;
    if (*referral)
        return strcmp(field, "referred_to") == 0 || strcmp(field, "case_id") == 0 ||
               strcmp(field, SAE_FIELD_TOMBSTONE) == 0;
    return strcmp(kind, "case") == 0 && strcmp(field, "consent_share") == 0;
}

static int push(struct hub_store *store, const struct pending_item *item)
{
    struct agency_pending *p = store->agency_pending;
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p)
            return SAE_ENOMEM;
        store->agency_pending = p;
    }
    if (p->count == p->capacity) {
        size_t capacity = p->capacity ? p->capacity * 2 : 16;
        struct pending_item *grown = realloc(p->items, capacity * sizeof *grown);
        if (!grown)
            return SAE_ENOMEM;
        p->items = grown;
        p->capacity = capacity;
    }
    p->items[p->count++] = *item;
    return 0;
}

int agency_copies_note(struct hub_store *store, int64_t change, const char *report_id,
                       const char *kind, const char *field, const char *value)
{
    struct pending_item item = {.change = change};
    bool shared = value && partner_shared_field(kind, field) &&
                  value_vault_field_sealed(kind, field);
    if (!shared && !moves_entitlement(kind, field, &item.referral))
        return 0;
    int64_t any = 0;
    int rc = hub_store_query_int(store, any_key_sql, NULL, 0, &any);
    if (rc != 0 || !any)
        return rc;
    if (strlen(report_id) >= sizeof item.report)
        return SAE_EINVAL;
    memcpy(item.report, report_id, strlen(report_id) + 1);
    if (shared) {
        item.plain = strdup(value);
        if (!item.plain)
            return SAE_ENOMEM;
    } else {
        item.change = 0;
    }
    rc = push(store, &item);
    if (rc != 0)
        sae_wipe_free_string(item.plain);
    return rc;
}

static int seal_for_agencies(struct hub_store *store, const struct pending_item *item)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, entitled_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, item->report);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        unsigned char *sealed = NULL;
        size_t len = 0;
        int64_t id = sqlite3_column_int64(stmt, 0);
        rc = sqlite3_column_bytes(stmt, 1) == (int)AGENCY_KEY_BYTES ? 0 : SAE_ECORRUPT;
        if (rc == 0)
            rc = value_vault_seal(store, sqlite3_column_blob(stmt, 1), item->plain,
                                  strlen(item->plain), &sealed, &len);
        if (rc == 0)
            rc = sealed_values_put(store, item->change, agency_key_holder(id), sealed, len);
        free(sealed);
    }
    sae_db_reset(stmt);
    return rc;
}

/* case_id: the current case of referral, or "" when it names none. */
static int case_of(struct hub_store *store, const char *referral, char *case_id, size_t cap)
{
    int matches = 0;
    case_id[0] = '\0';
    return sae_db_query_first_text(store->db, &store->statements, case_of_sql, referral,
                                   case_id, cap, &matches);
}

static int withdraw(struct hub_store *store, const char *case_id)
{
    const char *texts[] = {case_id};
    return case_id[0] ? hub_store_run_texts(store, withdraw_sql, texts, 1) : 0;
}

static int settle_one(struct hub_store *store, const struct pending_item *item)
{
    char case_id[SAE_ID_TEXT_LEN + 1];
    if (item->plain)
        return seal_for_agencies(store, item);
    if (!item->referral)
        return withdraw(store, item->report);
    int rc = case_of(store, item->report, case_id, sizeof case_id);
    return rc == 0 ? withdraw(store, case_id) : rc;
}

int agency_copies_settle(struct hub_store *store)
{
    struct agency_pending *p = store->agency_pending;
    int rc = 0;
    /* Values first, then withdrawals: a value sealed and withdrawn in one batch is gone. */
    for (size_t i = 0; p && rc == 0 && i < p->count; i++)
        if (p->items[i].plain)
            rc = settle_one(store, &p->items[i]);
    for (size_t i = 0; p && rc == 0 && i < p->count; i++)
        if (!p->items[i].plain)
            rc = settle_one(store, &p->items[i]);
    agency_copies_forget(store);
    return rc;
}

void agency_copies_forget(struct hub_store *store)
{
    struct agency_pending *p = store->agency_pending;
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++)
        sae_wipe_free_string(p->items[i].plain);
    free(p->items);
    free(p);
    store->agency_pending = NULL;
}

int agency_copies_owed(struct hub_store *store, const char *agency,
                       agency_copies_visit_fn visit, void *context)
{
    int64_t id = 0;
    unsigned char public_key[AGENCY_KEY_BYTES];
    int64_t *changes = NULL;
    size_t count = 0, capacity = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = agency_key_public(store, agency, public_key, &id);
    if (rc == 0)
        rc = hub_store_prepare(store, owed_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, agency);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)agency_key_holder(id));
    /* Read first, visited after: a visit may write the copy the statement reads. */
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        rc = 0;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            int64_t *grown = realloc(changes, capacity * sizeof *grown);
            if (!grown) {
                rc = SAE_ENOMEM;
                break;
            }
            changes = grown;
        }
        changes[count++] = sqlite3_column_int64(stmt, 0);
    }
    sae_db_reset(stmt);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = visit(changes[i], context);
    free(changes);
    return rc;
}

static int count_one(int64_t change, void *context)
{
    (void)change;
    ++*(int64_t *)context;
    return 0;
}

int agency_copies_owed_count(struct hub_store *store, const char *agency, int64_t *count)
{
    int64_t n = 0;
    int rc = agency_copies_owed(store, agency, count_one, &n);
    if (rc == SAE_ENOTFOUND)
        rc = 0; /* no key yet: nothing can be owed to it */
    if (rc == 0)
        *count = n;
    return rc;
}

struct grant_work {
    const char *agency;
    const unsigned char *district_secret;
    struct hub_store *store;
    struct sae_opener *opener; /* the district pair's, checked once for the whole grant */
    unsigned char public_key[AGENCY_KEY_BYTES];
    uint64_t holder;
    int64_t granted;
};

static int grant_one(int64_t change, void *context)
{
    struct grant_work *g = context;
    char *plain = NULL;
    unsigned char *sealed = NULL;
    size_t len = 0, plain_len = 0;
    int rc = value_vault_open_copy(g->store, g->opener, change, SEALED_VALUE_DISTRICT, &plain,
                                   &plain_len);
    if (rc == 0)
        rc = value_vault_seal(g->store, g->public_key, plain, plain_len, &sealed, &len);
    if (rc == 0)
        rc = sealed_values_put(g->store, change, g->holder, sealed, len);
    if (rc == 0)
        g->granted++;
    free(sealed);
    sae_wipe_free(plain, plain_len);
    return rc;
}

static int grant_in_transaction(struct hub_store *store, void *context)
{
    struct grant_work *g = context;
    int64_t id = 0;
    g->granted = 0;
    int rc = agency_key_public(store, g->agency, g->public_key, &id);
    if (rc == 0) {
        g->holder = agency_key_holder(id);
        rc = agency_copies_owed(store, g->agency, grant_one, g);
    }
    return rc;
}

int agency_copies_grant(struct hub_store *store, const char *agency,
                        const unsigned char *district_secret, int64_t *granted)
{
    struct grant_work work = {.agency = agency, .district_secret = district_secret,
                              .store = store};
    int rc = value_vault_district_opener(store, district_secret, &work.opener);
    if (rc == 0)
        rc = hub_store_write(store, grant_in_transaction, &work);
    sae_opener_free(work.opener);
    if (rc == 0)
        *granted = work.granted;
    return rc;
}
