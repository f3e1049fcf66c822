/* Grants of sensitive values to a device enrolled later (grant.h). */
#include "api/grant.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/pull_sealed.h"
#include "merge/merge_conflict.h"
#include "sae/sae_db.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wipe.h"
#include "store/device_keys.h"
#include "store/hub_accounts.h"
#include "store/sealed_values.h"
#include "store/value_vault.h"

/* The village's current heads with a value that the device did not write; held changes
 * never stand. Which of them are sensitive is the catalogue's to say. */
static const char heads_sql[] =
    "SELECT c.seq, c.kind, c.field FROM change c WHERE c.village = ?1 AND c.origin <> ?2"
    " AND c.held = 0 AND c.value IS NOT NULL AND " PULL_SEALED_HEAD_SQL " ORDER BY c.seq";

typedef int (*missing_fn)(int64_t change, void *context);

/* Calls fn for each current sensitive value of node's village it has no copy of. */
static int each_missing(struct hub_store *store, const struct hub_node *node, missing_fn fn,
                        void *context)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, heads_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, node->village);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)node->id);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        int64_t change = sqlite3_column_int64(stmt, 0);
        uint8_t *copy = NULL;
        size_t len = 0;
        rc = 0;
        if (!value_vault_field_sealed((const char *)sqlite3_column_text(stmt, 1),
                                   (const char *)sqlite3_column_text(stmt, 2)))
            continue;
        rc = sealed_values_get(store, change, node->id, &copy, &len);
        free(copy);
        if (rc == SAE_ENOTFOUND)
            rc = fn(change, context);
    }
    if (stmt)
        sae_db_reset(stmt);
    return rc;
}

static int count_one(int64_t change, void *context)
{
    (void)change;
    (*(int64_t *)context)++;
    return 0;
}

int grant_missing_count(struct hub_store *store, const struct hub_node *node, int64_t *out)
{
    int64_t n = 0;
    int rc = each_missing(store, node, count_one, &n);
    if (rc == 0)
        *out = n;
    return rc;
}

struct grant_run {
    const struct hub_node *node;
    struct hub_store *store;
    struct sae_opener *opener; /* the district pair's: one X25519 per ingest's sealer */
    uint8_t device_pk[DEVICE_KEY_BYTES];
    const char *by, *address;
    int64_t now_ms, granted;
};

/* The changes' seqs, gathered first: the grants write while the village is read. */
static int collect(int64_t change, void *context)
{
    return seq_list_add(context, change);
}

/* The district copy opened, sealed to the device, put with its log row. A change without a
 * district copy (erased since) is passed over. */
static int grant_one(struct grant_run *g, int64_t change)
{
    uint8_t *sealed = NULL;
    size_t sealed_len = 0, plain_len = 0;
    char *plain = NULL;
    int rc = value_vault_open_copy(g->store, g->opener, change, SEALED_VALUE_DISTRICT, &plain,
                                   &plain_len);
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = value_vault_seal(g->store, g->device_pk, plain, plain_len, &sealed, &sealed_len);
    sae_wipe_free(plain, plain_len);
    if (rc == 0)
        rc = sealed_values_grant(g->store, change, g->node->id, sealed, sealed_len, g->by,
                                 g->now_ms);
    free(sealed);
    g->granted += rc == 0;
    return rc;
}

static int grant_in_transaction(struct hub_store *store, void *context)
{
    struct grant_run *g = context;
    struct seq_list list = {0};
    char target[160];
    g->store = store;
    g->granted = 0;
    int rc = each_missing(store, g->node, collect, &list);
    for (size_t i = 0; rc == 0 && i < list.count; i++)
        rc = grant_one(g, list.items[i]);
    free(list.items);
    snprintf(target, sizeof target, "granted %" PRId64 " values to device %016" PRIx64 " (%.60s)",
             g->granted, g->node->id, g->node->device_name);
    if (rc == 0 && g->granted > 0)
        rc = hub_audit_append(store, g->by, "values-grant", target, g->address, g->now_ms);
    return rc;
}

int grant_values(struct hub_store *store, const struct hub_node *node,
                 const unsigned char *district_secret, const char *by, const char *address,
                 int64_t now_ms, int64_t *granted)
{
    struct grant_run g = {.node = node, .by = by, .address = address, .now_ms = now_ms};
    if (node->revoked_ms)
        return SAE_EPERM;
    int rc = device_keys_get(store, node->id, g.device_pk);
    /* A wrong key would fail on the first value; the opener says so first (SAE_EPERM), which
     * keeps the message plain. */
    if (rc == 0)
        rc = value_vault_district_opener(store, district_secret, &g.opener);
    if (rc == 0)
        rc = hub_store_write(store, grant_in_transaction, &g);
    sae_opener_free(g.opener);
    if (rc == 0)
        *granted = g.granted;
    return rc;
}
