/* Sealing a hub's plaintext sensitive values in place (value_settle.h). */
#include "store/value_settle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire_limits.h"
#include "store/dup_pairs.h"
#include "store/hub_meta.h"
#include "store/value_vault.h"

/* The append-only guard, read back so that it is put back exactly as the schema has it. */
static const char guard_sql[] =
    "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?1";
#define GUARD_NAME "change_no_update"
#define GUARD_SQL_BYTES 1024
#define STR_(x) #x
#define STR(x) STR_(x)
/* ?2: a JSON array of the catalogue's sensitive field names (the kind is checked in C). */
static const char plain_sql[] =
    "SELECT seq, kind, village, field, value, origin FROM change"
    " WHERE seq > ?1 AND value IS NOT NULL AND substr(value, 1, 6) <> '" VALUE_TOKEN_PREFIX "'"
    " AND field IN (SELECT value FROM json_each(?2)) ORDER BY seq LIMIT "
    STR(VALUE_SETTLE_CHUNK);
static const char set_token_sql[] = "UPDATE change SET value = ?2 WHERE seq = ?1";

struct plain_row {
    int64_t seq;
    uint64_t origin;
    char kind[SAE_WIRE_NAME_BYTES + 1], field[SAE_WIRE_NAME_BYTES + 1];
    char village[SAE_LIMIT_VILLAGE_BYTES + 1];
    char *value;
};

/* ["victim_name","narrative",...]: every sensitive field name of the catalogue. */
static int sensitive_names(char *out, size_t size)
{
    size_t used = 0;
    out[used++] = '[';
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        for (size_t f = 0; f < kind->field_count; f++) {
            if (!kind->fields[f].sensitive)
                continue;
            int n = snprintf(out + used, size - used, "%s\"%s\"", used > 1 ? "," : "",
                             kind->fields[f].name);
            if (n < 0 || (size_t)n >= size - used)
                return SAE_ETOOBIG;
            used += (size_t)n;
        }
    }
    if (used + 2 > size)
        return SAE_ETOOBIG;
    out[used++] = ']';
    out[used] = '\0';
    return 0;
}

static void rows_clear(struct plain_row *rows, size_t count)
{
    for (size_t i = 0; i < count; i++)
        sae_wipe_free_string(rows[i].value);
}

/* Up to VALUE_SETTLE_CHUNK plaintext sensitive values after seq after. */
static int read_chunk(struct hub_store *store, int64_t after, const char *names,
                      struct plain_row *rows, size_t *count)
{
    sqlite3_stmt *stmt = NULL;
    *count = 0;
    int rc = hub_store_prepare(store, plain_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, after);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, names);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct plain_row *r = &rows[(*count)++];
        memset(r, 0, sizeof *r);
        r->seq = sqlite3_column_int64(stmt, 0);
        sae_db_column_copy(stmt, 1, r->kind, sizeof r->kind);
        sae_db_column_copy(stmt, 2, r->village, sizeof r->village);
        sae_db_column_copy(stmt, 3, r->field, sizeof r->field);
        rc = sae_db_column_dup(stmt, 4, &r->value);
        r->origin = (uint64_t)sqlite3_column_int64(stmt, 5);
    }
    sae_db_reset(stmt);
    return rc;
}

static int seal_row(struct hub_store *store, const struct plain_row *r)
{
    char token[VALUE_TOKEN_TEXT_BYTES];
    if (!value_vault_field_sealed(r->kind, r->field))
        return 0; /* a field of the same name another kind does not mark */
    int rc = value_vault_token(store, r->field, r->value, token);
    sqlite3_stmt *stmt = NULL;
    if (rc == 0)
        rc = hub_store_prepare(store, set_token_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, r->seq);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, token);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0)
        rc = value_vault_store(store, r->seq, r->village, r->origin, r->value);
    if (rc == 0 && strcmp(r->field, DUP_NAME_FIELD) == 0)
        rc = dup_name_keep(store, store->dir, r->seq, r->value);
    return rc;
}

static int seal_every_value(struct hub_store *store)
{
    char names[1024];
    struct plain_row *rows = calloc(VALUE_SETTLE_CHUNK, sizeof *rows);
    int rc = rows ? sensitive_names(names, sizeof names) : SAE_ENOMEM;
    int64_t after = 0;
    size_t count = 0;
    do {
        if (rc == 0)
            rc = read_chunk(store, after, names, rows, &count);
        for (size_t i = 0; rc == 0 && i < count; i++)
            rc = seal_row(store, &rows[i]);
        if (count > 0)
            after = rows[count - 1].seq;
        rows_clear(rows, count);
    } while (rc == 0 && count == VALUE_SETTLE_CHUNK);
    free(rows);
    return rc;
}

/* In the caller's transaction: past the guard, every value sealed, the mark 1. */
static int seal_in_place(struct hub_store *store, void *context)
{
    char guard[GUARD_SQL_BYTES] = "";
    int found = 0;
    int64_t stage = 0;
    (void)context;
    int rc = sae_db_meta_int(store->db, HUB_META_VALUES_SEALED, &stage);
    if (rc != 0 || stage != 0)
        return rc; /* another process sealed meanwhile */
    rc = sae_db_query_first_text(store->db, NULL, guard_sql, GUARD_NAME, guard, sizeof guard,
                                 &found);
    if (rc == 0 && found == 1 && strlen(guard) >= sizeof guard - 1)
        rc = SAE_ETOOBIG;
    if (rc == 0 && found == 1)
        rc = sae_db_exec(store->db, "DROP TRIGGER " GUARD_NAME);
    if (rc == 0)
        rc = seal_every_value(store);
    if (rc == 0 && found == 1)
        rc = sae_db_exec(store->db, guard);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, HUB_META_VALUES_SEALED, 1);
    return rc;
}

/* The pages and WAL frames that held plain values, overwritten: secure_delete zeroed what
 * the updates freed; the checkpoint moves every page into hub.db and empties the WAL;
 * VACUUM rewrites the file without its free pages. */
static int scrub(struct hub_store *store)
{
    if (sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
        SQLITE_OK)
        return SAE_EBUSY;
    int rc = sae_db_exec(store->db, "VACUUM");
    if (rc == 0 && sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                             NULL) != SQLITE_OK)
        rc = SAE_EBUSY;
    return rc;
}

int value_settle(struct hub_store *store)
{
    int64_t stage = 2;
    int rc = sae_db_meta_int(store->db, HUB_META_VALUES_SEALED, &stage);
    if (rc == SAE_ENOTFOUND)
        return 0; /* a hub made before the mark's migration ran: nothing asked */
    if (rc != 0 || stage >= 2)
        return rc;
    if (stage == 0)
        rc = hub_store_write(store, seal_in_place, NULL);
    if (rc == 0)
        rc = scrub(store);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, HUB_META_VALUES_SEALED, 2);
    return rc;
}
