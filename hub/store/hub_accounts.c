/* Accounts, sessions and the audit log in hub.db (hub_accounts.h). */
#include "store/hub_accounts.h"

#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_db_wal.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_validate.h"

static const char *const ROLE_NAMES[] = {"operator", "coordinator", "admin", "partner"};

const char *hub_role_name(enum hub_role role)
{
    return (unsigned)role < 4 ? ROLE_NAMES[role] : "?";
}

int hub_role_parse(const char *text, enum hub_role *out)
{
    for (unsigned i = 0; text && i < 4; i++) {
        if (strcmp(ROLE_NAMES[i], text) == 0) {
            *out = (enum hub_role)i;
            return 0;
        }
    }
    return SAE_EINVAL;
}

int hub_account_name_check(const char *text)
{
    return sae_validate_name(text, HUB_ACCOUNT_NAME_BYTES - 1);
}

int hub_agency_check(const char *text)
{
    return sae_validate_name(text, HUB_AGENCY_BYTES - 1);
}

int hub_account_add(struct hub_store *store, const char *name, enum hub_role role,
                    const char *agency, const char *password_hash, int64_t now_ms)
{
    static const char sql[] = "INSERT INTO account(name, role, agency, password_hash, "
                              "created_ms) VALUES (?1, ?2, ?3, ?4, ?5)";
    bool partner = role == HUB_ROLE_PARTNER;
    if (hub_account_name_check(name) != 0 || (unsigned)role >= 4 || !password_hash ||
        partner != (agency != NULL) || (agency && hub_agency_check(agency) != 0))
        return SAE_EINVAL;
    struct hub_account existing;
    if (hub_account_get(store, name, &existing) == 0)
        return SAE_EEXIST;
    sqlite3_stmt *stmt = NULL;
    const char *texts[] = {name, hub_role_name(role), agency, password_hash};
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 4);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, now_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static int account_from_row(sqlite3_stmt *stmt, struct hub_account *out)
{
    char role[16];
    struct hub_account a;
    memset(&a, 0, sizeof a);
    sae_db_column_copy(stmt, 0, a.name, sizeof a.name);
    sae_db_column_copy(stmt, 1, role, sizeof role);
    sae_db_column_copy(stmt, 2, a.agency, sizeof a.agency);
    a.disabled = sqlite3_column_int64(stmt, 3) != 0;
    a.conduct_ms = sqlite3_column_int64(stmt, 4);
    a.created_ms = sqlite3_column_int64(stmt, 5);
    if (hub_role_parse(role, &a.role) != 0)
        return SAE_ECORRUPT;
    *out = a;
    return 0;
}

typedef int (*row_read_fn)(sqlite3_stmt *stmt, void *out);

/* Runs sql with ?1 bound to a text key or (text NULL) a 32-byte blob key and reads its one
 * row with read; SAE_ENOTFOUND when there is none. */
static int one_row(struct hub_store *store, const char *sql, const char *text,
                   const uint8_t *blob, row_read_fn read, void *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = text ? sae_db_bind_text(stmt, 1, text) : sae_db_bind_blob(stmt, 1, blob, 32);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW)
        rc = read(stmt, out);
    sae_db_reset(stmt);
    return rc;
}

static int read_account(sqlite3_stmt *stmt, void *out)
{
    return account_from_row(stmt, out);
}

static int read_hash(sqlite3_stmt *stmt, void *out)
{
    sae_db_column_copy(stmt, 0, out, HUB_PASSWORD_HASH_BYTES);
    return 0;
}

int hub_account_get(struct hub_store *store, const char *name, struct hub_account *out)
{
    static const char sql[] = "SELECT name, role, coalesce(agency, ''), disabled, conduct_ms, "
                              "created_ms FROM account WHERE name = ?1";
    return name ? one_row(store, sql, name, NULL, read_account, out) : SAE_EINVAL;
}

int hub_account_password_hash(struct hub_store *store, const char *name,
                              char out[HUB_PASSWORD_HASH_BYTES])
{
    static const char sql[] = "SELECT password_hash FROM account WHERE name = ?1";
    return name ? one_row(store, sql, name, NULL, read_hash, out) : SAE_EINVAL;
}

int hub_account_list(struct hub_store *store, hub_account_visit_fn visit, void *context)
{
    static const char sql[] = "SELECT name, role, coalesce(agency, ''), disabled, conduct_ms, "
                              "created_ms FROM account ORDER BY name";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct hub_account a;
        rc = account_from_row(stmt, &a);
        if (rc == 0)
            rc = visit(&a, context);
    }
    sae_db_reset(stmt);
    return rc;
}

/* Runs sql (?1 the name, ?2 an optional text) and requires one account changed. */
static int account_update(struct hub_store *store, const char *sql, const char *name,
                          const char *text, int64_t number)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, name);
    if (rc == 0 && text)
        rc = sae_db_bind_text(stmt, 2, text);
    if (rc == 0 && !text && sae_db_param_count(stmt) >= 2)
        rc = sae_db_bind_int(stmt, 2, number);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0 && sae_db_changes(store->db) == 0)
        rc = SAE_ENOTFOUND;
    return rc;
}

static int sessions_end_all(struct hub_store *store, const char *name)
{
    static const char sql[] = "DELETE FROM session WHERE account = ?1";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, name);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* The old wrap's page was zeroed by secure_delete (hub_store_open sets it), but older copies
 * stay in the WAL until it is emptied. Another connection's read may keep it: the scrub is
 * then recorded as owed (hub_store_wal_scrub_owed) and retried at the store's close and next
 * open. The change is committed either way; an error only when not even the record could
 * be written. */
static int scrub_wal(struct hub_store *store)
{
    int rc = sae_db_wal_scrub(store->db);
    return rc == SAE_EBUSY ? 0 : rc;
}

static int set_wrap(struct hub_store *store, const char *name, const unsigned char *key_wrap)
{
    static const char sql[] = "UPDATE account SET key_wrap = ?2 WHERE name = ?1";
    return sae_db_update_with_blob(store->db, &store->statements, sql, (const char *const[]){name},
                                   1, key_wrap, SAE_KEYWRAP_BYTES);
}

/* One transaction: the account's change, its wrap replaced (a password someone else may
 * know never keeps the old wrap) and the end of its sessions. */
static int account_change_rewrapping(struct hub_store *store, const char *sql, const char *name,
                                     const char *text, const unsigned char *key_wrap)
{
    int rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = account_update(store, sql, name, text, 0);
    if (rc == 0)
        rc = set_wrap(store, name, key_wrap);
    if (rc == 0)
        rc = sessions_end_all(store, name);
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0) {
        hub_store_rollback(store);
        return rc;
    }
    return scrub_wal(store);
}

int hub_account_set_password(struct hub_store *store, const char *name,
                             const char *password_hash, const unsigned char *key_wrap)
{
    return account_change_rewrapping(store, "UPDATE account SET password_hash = ?2 WHERE name = ?1",
                                     name, password_hash, key_wrap);
}

int hub_account_upgrade(struct hub_store *store, const char *name, const char *old_hash,
                        const char *new_hash, const unsigned char *key_wrap)
{
    static const char sql[] = "UPDATE account SET password_hash = ?2, key_wrap = ?4 "
                              "WHERE name = ?1 AND password_hash = ?3";
    if (!name || !old_hash || !new_hash || strlen(new_hash) >= HUB_PASSWORD_HASH_BYTES ||
        !key_wrap)
        return SAE_EINVAL;
    int rc = sae_db_update_with_blob(store->db, &store->statements, sql,
                                     (const char *const[]){name, new_hash, old_hash}, 3,
                                     key_wrap, SAE_KEYWRAP_BYTES);
    return rc == 0 ? scrub_wal(store) : rc;
}

int hub_account_disable(struct hub_store *store, const char *name)
{
    return account_change_rewrapping(store, "UPDATE account SET disabled = 1 WHERE name = ?1",
                                      name, NULL, NULL);
}

static int read_wrap(sqlite3_stmt *stmt, void *out)
{
    if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
        return SAE_ENOTFOUND;
    if (sqlite3_column_bytes(stmt, 0) != (int)SAE_KEYWRAP_BYTES)
        return SAE_ECORRUPT;
    memcpy(out, sqlite3_column_blob(stmt, 0), SAE_KEYWRAP_BYTES);
    return 0;
}

int hub_account_wrap_get(struct hub_store *store, const char *name,
                         unsigned char out[SAE_KEYWRAP_BYTES])
{
    static const char sql[] = "SELECT key_wrap FROM account WHERE name = ?1";
    return name ? one_row(store, sql, name, NULL, read_wrap, out) : SAE_EINVAL;
}

int hub_account_wrap_set(struct hub_store *store, const char *name,
                         const unsigned char *key_wrap)
{
    int rc = set_wrap(store, name, key_wrap);
    return rc == 0 && !key_wrap ? scrub_wal(store) : rc;
}

int hub_account_wrap_count(struct hub_store *store, int64_t *out)
{
    static const char sql[] = "SELECT count(*) FROM account WHERE key_wrap IS NOT NULL"
                              " AND disabled = 0 AND role = 'coordinator'";
    return hub_store_query_int(store, sql, NULL, 0, out);
}

int hub_account_accept_conduct(struct hub_store *store, const char *name, int64_t now_ms)
{
    return account_update(store, "UPDATE account SET conduct_ms = ?2 WHERE name = ?1", name,
                          NULL, now_ms);
}

static int session_insert(struct hub_store *store, const uint8_t token_hash[32],
                          const char *account, const char *csrf, int64_t now_s)
{
    static const char sql[] = "INSERT INTO session(token_hash, account, csrf, created_s, seen_s)"
                              " VALUES (?1, ?2, ?3, ?4, ?4)";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, token_hash, 32);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, account);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, csrf);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, now_s);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* Ends the account's sessions past the HUB_SESSIONS_PER_ACCOUNT most recently used. */
static int sessions_trim(struct hub_store *store, const char *account)
{
    static const char sql[] =
        "DELETE FROM session WHERE account = ?1 AND token_hash NOT IN ("
        " SELECT token_hash FROM session WHERE account = ?1"
        " ORDER BY seen_s DESC, created_s DESC LIMIT ?2)";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, account);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, HUB_SESSIONS_PER_ACCOUNT);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

struct new_session {
    const uint8_t *token_hash;
    const char *account, *csrf;
    int64_t now_s;
};

static int session_add_bounded(struct hub_store *store, void *context)
{
    const struct new_session *n = context;
    int rc = session_insert(store, n->token_hash, n->account, n->csrf, n->now_s);
    if (rc == 0)
        rc = sessions_trim(store, n->account);
    return rc;
}

int hub_session_add(struct hub_store *store, const uint8_t token_hash[32], const char *account,
                    const char *csrf, int64_t now_s)
{
    struct new_session n = {token_hash, account, csrf, now_s};
    return hub_store_write(store, session_add_bounded, &n);
}

static int read_session(sqlite3_stmt *stmt, void *out)
{
    struct hub_session *session = out;
    sae_db_column_copy(stmt, 0, session->account, sizeof session->account);
    sae_db_column_copy(stmt, 1, session->csrf, sizeof session->csrf);
    session->created_s = sqlite3_column_int64(stmt, 2);
    session->seen_s = sqlite3_column_int64(stmt, 3);
    return 0;
}

int hub_session_get(struct hub_store *store, const uint8_t token_hash[32],
                    struct hub_session *out)
{
    static const char sql[] =
        "SELECT account, csrf, created_s, seen_s FROM session WHERE token_hash = ?1";
    return one_row(store, sql, NULL, token_hash, read_session, out);
}

static int session_run(struct hub_store *store, const char *sql, const uint8_t token_hash[32],
                       const int64_t *number)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 1, token_hash, 32);
    if (rc == 0 && number)
        rc = sae_db_bind_int(stmt, 2, *number);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

int hub_session_touch(struct hub_store *store, const uint8_t token_hash[32], int64_t now_s)
{
    return session_run(store, "UPDATE session SET seen_s = ?2 WHERE token_hash = ?1",
                       token_hash, &now_s);
}

int hub_session_end(struct hub_store *store, const uint8_t token_hash[32])
{
    return session_run(store, "DELETE FROM session WHERE token_hash = ?1", token_hash, NULL);
}

/* Copies text cut to cap - 1 bytes at a character boundary. */
static void cut_copy(char *out, size_t cap, const char *text)
{
    size_t len = text ? strlen(text) : 0;
    if (len >= cap) {
        len = cap - 1;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    if (len)
        memcpy(out, text, len);
    out[len] = '\0';
}

int hub_audit_append(struct hub_store *store, const char *actor, const char *action,
                     const char *target, const char *address, int64_t now_ms)
{
    static const char sql[] = "INSERT INTO audit(at_ms, actor, action, target, address) "
                              "VALUES (?1, ?2, ?3, ?4, ?5)";
    char actor_cut[HUB_ACCOUNT_NAME_BYTES + 64], action_cut[HUB_AUDIT_ACTION_BYTES];
    char target_cut[HUB_AUDIT_TARGET_BYTES], address_cut[HUB_AUDIT_ADDRESS_BYTES];
    cut_copy(actor_cut, sizeof actor_cut, actor);
    cut_copy(action_cut, sizeof action_cut, action);
    cut_copy(target_cut, sizeof target_cut, target);
    cut_copy(address_cut, sizeof address_cut, address);
    const char *texts[] = {actor_cut, action_cut, target_cut, address_cut};
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, now_ms);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 2, texts, 4);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}
