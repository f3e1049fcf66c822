/* The post's staff and their sessions (node_staff.h). */
#include "store/node_staff.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_db_wal.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_validate.h"

static const char *const ROLE_NAMES[] = {[NODE_STAFF_HEAD] = "head",
                                         [NODE_STAFF_MEMBER] = "staff"};

const char *node_staff_role_name(enum node_staff_role role)
{
    return role == NODE_STAFF_HEAD ? ROLE_NAMES[NODE_STAFF_HEAD] : ROLE_NAMES[NODE_STAFF_MEMBER];
}

int node_staff_role_parse(const char *text, enum node_staff_role *out)
{
    for (size_t i = 0; text && i < sizeof ROLE_NAMES / sizeof ROLE_NAMES[0]; i++)
        if (strcmp(text, ROLE_NAMES[i]) == 0) {
            *out = (enum node_staff_role)i;
            return 0;
        }
    return SAE_EINVAL;
}

int node_staff_name_check(const char *text)
{
    return text && sae_validate_name(text, SAE_LIMIT_PERSON_BYTES) == 0 ? 0 : SAE_EINVAL;
}

static const char add_sql[] = "INSERT INTO staff(name, role, passphrase_hash, created_ms, "
                              "key_wrap) VALUES (?1, ?2, ?3, ?4, ?5)";

int node_staff_add(struct node_store *store, const char *name, enum node_staff_role role,
                   const char *passphrase_hash, const unsigned char *key_wrap, int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    if (node_staff_name_check(name) != 0 || !passphrase_hash || !passphrase_hash[0] ||
        strlen(passphrase_hash) >= NODE_STAFF_HASH_BYTES)
        return SAE_EINVAL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, add_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, (const char *const[]){name, node_staff_role_name(role),
                                                             passphrase_hash}, 3);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, now_ms);
    if (rc == 0)
        rc = sae_db_bind_blob_or_null(stmt, 5, key_wrap, SAE_KEYWRAP_BYTES);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char get_sql[] =
    "SELECT role, created_ms, key_wrap IS NOT NULL FROM staff WHERE name = ?1";

int node_staff_get(struct node_store *store, const char *name, struct node_staff *out)
{
    sqlite3_stmt *stmt = NULL;
    struct node_staff staff;
    char role[16] = "";
    memset(&staff, 0, sizeof staff);
    int rc = sae_db_prepare_cached(store->db, &store->statements, get_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, name);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, role, sizeof role);
        staff.created_ms = sqlite3_column_int64(stmt, 1);
        staff.has_key = sqlite3_column_int(stmt, 2) != 0;
        rc = node_staff_role_parse(role, &staff.role) == 0 ? 0 : SAE_ECORRUPT;
    } else if (rc == 0) {
        rc = SAE_ENOTFOUND;
    }
    sae_db_reset(stmt);
    if (rc == 0) {
        snprintf(staff.name, sizeof staff.name, "%s", name);
        *out = staff;
    }
    return rc;
}

static const char hash_sql[] = "SELECT passphrase_hash FROM staff WHERE name = ?1";

int node_staff_hash(struct node_store *store, const char *name, char out[NODE_STAFF_HASH_BYTES])
{
    int matches = 0;
    char hash[NODE_STAFF_HASH_BYTES] = "";
    int rc = sae_db_query_first_text(store->db, &store->statements, hash_sql, name, hash,
                                     sizeof hash, &matches);
    if (rc == 0 && matches == 0)
        rc = SAE_ENOTFOUND;
    if (rc == 0)
        memcpy(out, hash, sizeof hash);
    return rc;
}

static const char set_hash_sql[] =
    "UPDATE staff SET passphrase_hash = ?2, key_wrap = ?3 WHERE name = ?1";
static const char end_all_sql[] = "DELETE FROM staff_session WHERE name = ?1";
static const char remove_sql[] = "DELETE FROM staff WHERE name = ?1";

/* Runs sql with name bound first; SAE_ENOTFOUND when it changed no row and must. */
static int run_named(struct node_store *store, const char *sql, const char *name,
                     const char *hash, const unsigned char *key_wrap, bool must_change)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, name);
    if (rc == 0 && hash)
        rc = sae_db_bind_text(stmt, 2, hash);
    if (rc == 0 && hash)
        rc = sae_db_bind_blob_or_null(stmt, 3, key_wrap, SAE_KEYWRAP_BYTES);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0 && must_change && sae_db_changes(store->db) == 0)
        rc = SAE_ENOTFOUND;
    return rc;
}

/* The old wrap's page was zeroed by secure_delete (node_store_open sets it), but its older
 * copies stay in the WAL until it is emptied. Another connection's read may keep it: the
 * scrub is then recorded as owed (node_store_wal_scrub_owed) and retried at the store's
 * close and next open. The change is committed either way; an error only when not even the
 * record could be written. */
static int scrub_wal(struct node_store *store)
{
    int rc = sae_db_wal_scrub(store->db);
    return rc == SAE_EBUSY ? 0 : rc;
}

/* One write transaction: the hash and wrap change (or the row goes) and every session of the
 * name ends together. */
static int change_staff(struct node_store *store, const char *name, const char *hash,
                        const unsigned char *key_wrap)
{
    int rc = node_store_begin(store);
    if (rc != 0)
        return rc;
    rc = run_named(store, end_all_sql, name, NULL, NULL, false);
    if (rc == 0)
        rc = run_named(store, hash ? set_hash_sql : remove_sql, name, hash, key_wrap, true);
    if (rc == 0)
        rc = node_store_commit(store);
    if (rc != 0) {
        node_store_rollback(store);
        return rc;
    }
    return scrub_wal(store);
}

int node_staff_set_hash(struct node_store *store, const char *name, const char *passphrase_hash,
                        const unsigned char *key_wrap)
{
    if (!passphrase_hash || !passphrase_hash[0] ||
        strlen(passphrase_hash) >= NODE_STAFF_HASH_BYTES)
        return SAE_EINVAL;
    return change_staff(store, name, passphrase_hash, key_wrap);
}

int node_staff_remove(struct node_store *store, const char *name)
{
    return change_staff(store, name, NULL, NULL);
}

static const char upgrade_sql[] = "UPDATE staff SET passphrase_hash = ?2, key_wrap = ?4 "
                                  "WHERE name = ?1 AND passphrase_hash = ?3";

int node_staff_upgrade(struct node_store *store, const char *name, const char *old_hash,
                       const char *new_hash, const unsigned char *key_wrap)
{
    if (!new_hash || !new_hash[0] || strlen(new_hash) >= NODE_STAFF_HASH_BYTES || !key_wrap)
        return SAE_EINVAL;
    int rc = sae_db_update_with_blob(store->db, &store->statements, upgrade_sql,
                                     (const char *const[]){name, new_hash, old_hash}, 3,
                                     key_wrap, SAE_KEYWRAP_BYTES);
    return rc == 0 ? scrub_wal(store) : rc;
}

static const char wrap_get_sql[] = "SELECT key_wrap FROM staff WHERE name = ?1";

int node_staff_wrap_get(struct node_store *store, const char *name, unsigned char *out)
{
    return sae_db_query_blob(store->db, &store->statements, wrap_get_sql, name, out,
                             SAE_KEYWRAP_BYTES);
}

static const char wrap_set_sql[] =
    "UPDATE staff SET key_wrap = ?2 WHERE name = ?1 AND key_wrap IS NULL";

int node_staff_wrap_set(struct node_store *store, const char *name, const unsigned char *key_wrap)
{
    if (!key_wrap)
        return SAE_EINVAL;
    return sae_db_update_with_blob(store->db, &store->statements, wrap_set_sql,
                                   (const char *const[]){name}, 1, key_wrap, SAE_KEYWRAP_BYTES);
}

static const char key_count_sql[] =
    "SELECT count(*) FROM staff WHERE (?1 = 0 OR role = 'head') AND key_wrap IS NOT NULL";

int node_staff_key_count(struct node_store *store, bool heads_only, int64_t *out)
{
    const int64_t heads = heads_only;
    return sae_db_query_int(store->db, &store->statements, key_count_sql, &heads, 1, out);
}

static const char count_sql[] = "SELECT count(*) FROM staff";

int node_staff_count(struct node_store *store, int64_t *out)
{
    return sae_db_query_int(store->db, &store->statements, count_sql, NULL, 0, out);
}

static const char list_sql[] =
    "SELECT name, role, created_ms, key_wrap IS NOT NULL FROM staff ORDER BY name";

int node_staff_list(struct node_store *store, node_staff_visit_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(store->db, list_sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct node_staff staff;
        char role[16] = "";
        memset(&staff, 0, sizeof staff);
        sae_db_column_copy(stmt, 0, staff.name, sizeof staff.name);
        sae_db_column_copy(stmt, 1, role, sizeof role);
        staff.created_ms = sqlite3_column_int64(stmt, 2);
        staff.has_key = sqlite3_column_int(stmt, 3) != 0;
        rc = node_staff_role_parse(role, &staff.role) == 0 ? visit(&staff, context)
                                                           : SAE_ECORRUPT;
    }
    sae_db_finalize(stmt);
    return rc;
}

static const char session_add_sql[] =
    "INSERT INTO staff_session(token_hash, name, csrf, created_s, seen_s) "
    "VALUES (?1, ?2, ?3, ?4, ?4)";

int node_staff_session_add(struct node_store *store,
                           const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                           const char *name, const char *csrf, int64_t now_s)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, session_add_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, token_hash, NODE_STAFF_TOKEN_HASH_BYTES);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 2, (const char *const[]){name, csrf}, 2);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, now_s);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char session_get_sql[] =
    "SELECT name, csrf, created_s, seen_s FROM staff_session WHERE token_hash = ?1";

int node_staff_session_get(struct node_store *store,
                           const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                           struct node_staff_session *out)
{
    sqlite3_stmt *stmt = NULL;
    struct node_staff_session session;
    memset(&session, 0, sizeof session);
    int rc = sae_db_prepare_cached(store->db, &store->statements, session_get_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, token_hash, NODE_STAFF_TOKEN_HASH_BYTES);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, session.name, sizeof session.name);
        sae_db_column_copy(stmt, 1, session.csrf, sizeof session.csrf);
        session.created_s = sqlite3_column_int64(stmt, 2);
        session.seen_s = sqlite3_column_int64(stmt, 3);
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_ENOTFOUND;
    }
    sae_db_reset(stmt);
    if (rc == 0)
        *out = session;
    return rc;
}

static int session_run(struct node_store *store, const char *sql,
                       const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES], int64_t now_s)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, token_hash, NODE_STAFF_TOKEN_HASH_BYTES);
    if (rc == 0 && sae_db_param_count(stmt) == 2)
        rc = sae_db_bind_int(stmt, 2, now_s);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char session_touch_sql[] =
    "UPDATE staff_session SET seen_s = ?2 WHERE token_hash = ?1";
static const char session_end_sql[] = "DELETE FROM staff_session WHERE token_hash = ?1";

int node_staff_session_touch(struct node_store *store,
                             const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES],
                             int64_t now_s)
{
    return session_run(store, session_touch_sql, token_hash, now_s);
}

int node_staff_session_end(struct node_store *store,
                           const uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES])
{
    return session_run(store, session_end_sql, token_hash, 0);
}

static const char wipe_wraps_sql[] = "UPDATE staff SET key_wrap = NULL WHERE key_wrap IS NOT NULL";
static const char wipe_sessions_sql[] = "DELETE FROM staff_session";

int node_staff_wipe_keys(struct node_store *store)
{
    int rc = sae_db_run(store->db, NULL, wipe_wraps_sql, NULL, 0);
    return rc == 0 ? sae_db_run(store->db, NULL, wipe_sessions_sql, NULL, 0) : rc;
}
