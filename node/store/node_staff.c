/* The post's staff and their sessions (node_staff.h). */
#include "store/node_staff.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_db.h"
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

static const char add_sql[] =
    "INSERT INTO staff(name, role, passphrase_hash, created_ms) VALUES (?1, ?2, ?3, ?4)";

int node_staff_add(struct node_store *store, const char *name, enum node_staff_role role,
                   const char *passphrase_hash, int64_t now_ms)
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
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static const char get_sql[] = "SELECT role, created_ms FROM staff WHERE name = ?1";

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

static const char set_hash_sql[] = "UPDATE staff SET passphrase_hash = ?2 WHERE name = ?1";
static const char end_all_sql[] = "DELETE FROM staff_session WHERE name = ?1";

/* One write transaction: the hash changes and every session of the name ends together. */
int node_staff_set_hash(struct node_store *store, const char *name, const char *passphrase_hash)
{
    sqlite3_stmt *stmt = NULL;
    if (!passphrase_hash || !passphrase_hash[0] ||
        strlen(passphrase_hash) >= NODE_STAFF_HASH_BYTES)
        return SAE_EINVAL;
    int rc = node_store_begin(store);
    if (rc != 0)
        return rc;
    rc = sae_db_prepare_cached(store->db, &store->statements, set_hash_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, (const char *const[]){name, passphrase_hash}, 2);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0 && sae_db_changes(store->db) == 0)
        rc = SAE_ENOTFOUND;
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, &store->statements, end_all_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, name);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0)
        rc = node_store_commit(store);
    if (rc != 0)
        node_store_rollback(store);
    return rc;
}

static const char count_sql[] = "SELECT count(*) FROM staff";

int node_staff_count(struct node_store *store, int64_t *out)
{
    return sae_db_query_int(store->db, &store->statements, count_sql, NULL, 0, out);
}

static const char list_sql[] = "SELECT name, role, created_ms FROM staff ORDER BY name";

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
