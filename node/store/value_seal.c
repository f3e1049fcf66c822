/* Survivors' values sealed at rest on the post (value_seal.h). */
#include "store/value_seal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store/hub_copy.h"
#include "store/journal.h"
#include "store/journal_wipe.h"
#include "store/node_meta.h"
#include "store/opened_cache.h"
#include "sae/sae_db.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wipe.h"

#define ARMOUR_LEN (sizeof VALUE_SEAL_ARMOUR - 1)
#define BASE64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
/* Journal entries sealed per statement while migrating: bounds the memory held at once. */
#define SETTLE_CHUNK 256

bool value_seal_applies(const char *kind, const char *field)
{
    return hub_copy_sensitive(kind, field);
}

bool value_seal_is_sealed(const char *stored)
{
    return stored && strncmp(stored, VALUE_SEAL_ARMOUR, ARMOUR_LEN) == 0;
}

bool value_seal_is_withheld(const char *stored)
{
    return stored && strcmp(stored, VALUE_SEAL_WITHHELD) == 0;
}

bool value_seal_is_erased(const char *stored)
{
    return stored && strcmp(stored, VALUE_SEAL_ERASED) == 0;
}

bool value_seal_is_mark(const char *stored)
{
    return value_seal_is_withheld(stored) || value_seal_is_erased(stored);
}

static int armour(const unsigned char *sealed, size_t len, char **out)
{
    size_t b64 = sodium_base64_encoded_len(len, BASE64);
    char *text = malloc(ARMOUR_LEN + b64);
    if (!text)
        return SAE_ENOMEM;
    memcpy(text, VALUE_SEAL_ARMOUR, ARMOUR_LEN);
    sodium_bin2base64(text + ARMOUR_LEN, b64, sealed, len, BASE64);
    *out = text;
    return 0;
}

int value_seal(const unsigned char public_key[32], const char *kind, const char *field,
               const char *plain, char **out)
{
    unsigned char *sealed = NULL;
    size_t len = 0;
    char *text = NULL;
    int rc = 0;
    if (!plain) {
        *out = NULL;
        return 0;
    }
    if (!value_seal_applies(kind, field)) {
        if (!(text = strdup(plain)))
            return SAE_ENOMEM;
        *out = text;
        return 0;
    }
    rc = sae_sealed_seal(public_key, plain, strlen(plain), &sealed, &len);
    if (rc == 0)
        rc = armour(sealed, len, &text);
    free(sealed); /* ciphertext: nothing to wipe */
    if (rc == 0)
        *out = text;
    return rc;
}

int value_seal_in(struct node_store *store, const char *kind, const char *field,
                  const char *plain, char **out)
{
    const struct sae_sealer *sealer = NULL;
    unsigned char *sealed = NULL;
    size_t len = 0;
    char *text = NULL;
    if (!plain || !value_seal_applies(kind, field))
        return value_seal(store->storage_public, kind, field, plain, out);
    int rc = node_store_sealer(store, false, store->storage_public, &sealer);
    if (rc == 0)
        rc = sae_sealer_seal(sealer, plain, strlen(plain), &sealed, &len);
    if (rc == 0)
        rc = armour(sealed, len, &text);
    free(sealed); /* ciphertext: nothing to wipe */
    if (rc == 0)
        *out = text;
    return rc;
}

/* *out (malloc'd, *len bytes): the sealed bytes of an armoured value. SAE_ECORRUPT. */
static int unarmour(const char *stored, unsigned char **out, size_t *len)
{
    const char *b64 = stored + ARMOUR_LEN;
    size_t b64_len = strlen(b64), max = b64_len * 3 / 4 + 1;
    unsigned char *bytes = NULL;
    if (max > SAE_SEALED_MAX_BYTES + 1)
        return SAE_ECORRUPT;
    if (!(bytes = malloc(max)))
        return SAE_ENOMEM;
    if (sodium_base642bin(bytes, max, b64, b64_len, NULL, len, NULL, BASE64) != 0) {
        free(bytes);
        return SAE_ECORRUPT;
    }
    *out = bytes;
    return 0;
}

int value_seal_check(const unsigned char public_key[32], const char *stored)
{
    unsigned char *bytes = NULL, tag[SAE_SEALED_TAG_BYTES];
    size_t len = 0;
    struct sae_sealed_header header;
    if (!value_seal_is_sealed(stored))
        return SAE_EINVAL;
    int rc = unarmour(stored, &bytes, &len);
    if (rc == 0)
        rc = sae_sealed_header(bytes, len, &header);
    sae_sealed_key_tag(public_key, tag);
    if (rc == 0 && memcmp(header.key_tag, tag, sizeof tag) != 0)
        rc = SAE_EPERM;
    free(bytes);
    return rc;
}

int value_seal_armour_checked(const unsigned char public_key[32], const unsigned char *sealed,
                              size_t len, char **out)
{
    char *text = NULL;
    int rc = armour(sealed, len, &text);
    if (rc == 0)
        rc = value_seal_check(public_key, text);
    if (rc == 0)
        *out = text;
    else
        free(text);
    return rc;
}

int value_seal_open(const unsigned char public_key[32], const unsigned char *secret,
                    const char *stored, char **out)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    char *plain = NULL;
    size_t plain_len = 0;
    if (!value_seal_is_sealed(stored)) {
        if (!(plain = strdup(stored)))
            return SAE_ENOMEM;
        *out = plain;
        return 0;
    }
    if (!secret)
        return SAE_EPERM;
    int rc = unarmour(stored, &bytes, &len);
    if (rc == 0)
        rc = sae_sealed_open(public_key, secret, bytes, len, &plain, &plain_len);
    free(bytes);
    if (rc == 0)
        *out = plain;
    return rc;
}

int value_seal_read(struct node_store *store, const char *stored, char **out, bool *masked)
{
    *masked = false;
    if ((value_seal_is_sealed(stored) && !store->lent_secret) || value_seal_is_mark(stored)) {
        char *mask = strdup(VALUE_SEAL_MASK);
        if (!mask)
            return SAE_ENOMEM;
        *masked = true;
        *out = mask;
        return 0;
    }
    const char *kept = store->opened ? opened_cache_get(store->opened, stored) : NULL;
    if (kept)
        return (*out = strdup(kept)) ? 0 : SAE_ENOMEM;
    int rc = value_seal_open(store->storage_public, store->lent_secret, stored, out);
    if (rc == 0 && store->opened && value_seal_is_sealed(stored) &&
        opened_cache_put(store->opened, stored, *out) != 0) {
        sae_wipe_free_string(*out);
        rc = SAE_ENOMEM;
    }
    return rc;
}

/* Migration 12's work: the journal's plaintext values of sensitive fields, sealed a chunk at
 * a time (past the append-only guard, which journal_unguarded puts back). */
static const char plain_rows_sql[] =
    "SELECT seq, value FROM journal_entry WHERE kind = ?1 AND field = ?2 AND seq > ?3"
    " AND value IS NOT NULL AND substr(value, 1, " "7" ") <> '" VALUE_SEAL_ARMOUR "'"
    " ORDER BY seq LIMIT " "256";
static const char seal_row_sql[] = "UPDATE journal_entry SET value = ?2 WHERE seq = ?1";
_Static_assert(ARMOUR_LEN == 7 && SETTLE_CHUNK == 256, "plain_rows_sql spells them out");

struct sealed_row {
    int64_t seq;
    char *value;
};

static int read_chunk(struct node_store *store, const char *kind, const char *field,
                      int64_t after, struct sealed_row *rows, size_t *count)
{
    sqlite3_stmt *stmt = NULL;
    size_t n = 0;
    int rc = sae_db_prepare_cached(store->db, &store->statements, plain_rows_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, (const char *const[]){kind, field}, 2);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, after);
    while (rc == 0 && n < SETTLE_CHUNK) {
        if ((rc = sae_db_step(stmt)) != SAE_DB_ROW)
            break;
        rows[n].seq = sqlite3_column_int64(stmt, 0);
        rc = value_seal(store->storage_public, kind, field,
                        (const char *)sqlite3_column_text(stmt, 1), &rows[n].value);
        if (rc == 0)
            n++;
    }
    sae_db_reset(stmt);
    *count = n;
    return rc;
}

static int write_chunk(struct node_store *store, const struct sealed_row *rows, size_t n)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, seal_row_sql, &stmt);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = sae_db_bind_int(stmt, 1, rows[i].seq);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 2, rows[i].value);
        if (rc == 0)
            rc = sae_db_step_done(stmt);
        sae_db_reset(stmt);
    }
    return rc;
}

static int seal_field(struct node_store *store, const char *kind, const char *field)
{
    struct sealed_row *rows = calloc(SETTLE_CHUNK, sizeof *rows);
    int64_t after = 0;
    size_t n = 0;
    int rc = rows ? 0 : SAE_ENOMEM;
    do {
        if (rc == 0)
            rc = read_chunk(store, kind, field, after, rows, &n);
        if (rc == 0)
            rc = write_chunk(store, rows, n);
        if (n > 0)
            after = rows[n - 1].seq;
        for (size_t i = 0; i < n; i++)
            free(rows[i].value);
    } while (rc == 0 && n == SETTLE_CHUNK);
    free(rows);
    return rc;
}

static int seal_journal(struct node_store *store, void *context)
{
    (void)context;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        for (size_t f = 0; rc == 0 && f < kind->field_count; f++)
            if (kind->fields[f].sensitive)
                rc = seal_field(store, kind->name, kind->fields[f].name);
    }
    return rc;
}

/* The shown values refer to the entries now sealed (the state reads its entry's): taken
 * again, row by row (the state is in the same rows since migration 15). */
static const char *const derive_sql[] = {
    "INSERT OR REPLACE INTO field_shown_row(" JOURNAL_SHOWN_ROW_COLUMNS ") "
    JOURNAL_SHOWN_ROW_SELECT,
};

static int seal_in_place(struct node_store *store)
{
    int rc = journal_unguarded(store, seal_journal, NULL);
    for (size_t i = 0; rc == 0 && i < sizeof derive_sql / sizeof derive_sql[0]; i++)
        rc = sae_db_exec(store->db, derive_sql[i]);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, NODE_META_VALUES_SEALED, 1);
    return rc;
}

static int read_stage(struct node_store *store, int64_t *stage)
{
    int rc = sae_db_meta_int(store->db, NODE_META_VALUES_SEALED, stage);
    if (rc == SAE_ENOTFOUND) {
        *stage = 2; /* a journal made before the meta row's migration ran: nothing asked */
        rc = 0;
    }
    return rc;
}

int value_seal_settle(struct node_store *store)
{
    int64_t stage = 0;
    int rc = read_stage(store, &stage);
    if (rc != 0 || stage >= 2)
        return rc;
    if (stage == 0) {
        rc = node_store_begin(store);
        if (rc == 0)
            rc = read_stage(store, &stage); /* another process may have sealed meanwhile */
        if (rc == 0 && stage == 0)
            rc = seal_in_place(store);
        if (rc == 0)
            rc = node_store_commit(store);
        else
            node_store_rollback(store);
    }
    if (rc == 0)
        rc = node_store_scrub(store);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, NODE_META_VALUES_SEALED, 2);
    return rc;
}

static void wipe_text(void *text)
{
    sae_wipe_free_string(text);
}

/* opened(v): v opened with the lent key; NULL when sealed and no key is lent (a search then
 * matches no sensitive value) or it does not open. shown(v): the same, masked without a key. */
static void sql_open(sqlite3_context *context, int argc, sqlite3_value **argv, bool mask)
{
    struct node_store *store = sqlite3_user_data(context);
    const char *stored = (const char *)sqlite3_value_text(argv[0]);
    char *out = NULL;
    bool masked = false;
    (void)argc;
    if (!value_seal_is_sealed(stored) && !value_seal_is_mark(stored)) {
        sqlite3_result_value(context, argv[0]);
        return;
    }
    if ((!store->lent_secret || value_seal_is_mark(stored)) && !mask)
        return; /* NULL */
    if (value_seal_read(store, stored, &out, &masked) != 0)
        return; /* NULL: a damaged value shows as none, never as its ciphertext */
    sqlite3_result_text(context, out, -1, wipe_text);
}

static void sql_opened(sqlite3_context *context, int argc, sqlite3_value **argv)
{
    sql_open(context, argc, argv, false);
}

static void sql_shown(sqlite3_context *context, int argc, sqlite3_value **argv)
{
    sql_open(context, argc, argv, true);
}

int value_seal_register_sql(struct node_store *store)
{
    int rc = sqlite3_create_function_v2(store->db, "opened", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                        store, sql_opened, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(store->db, "shown", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                        store, sql_shown, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}
