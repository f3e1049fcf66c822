/* Changes pulled from the hub, appended to the journal as they came (journal.h,
 * journal_apply_remote). */
#include "store/journal.h"
#include "store/journal_internal.h"

#include <stdbool.h>
#include <stdlib.h>

#include "sae/sae_db.h"
#include "sae/sae_id.h"
#include "sae/sae_wire.h"
#include "store/pulled_value.h"

static const char insert_remote_sql[] =
    "INSERT OR IGNORE INTO journal_entry(report_num, kind, field, value, version, origin,"
    " base_version, base_origin, origin_seq, seen_cursor, author, note, device)"
    " VALUES (" REPORT_NUM("?1") ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
/* A report first seen in a pull gets its row (and number) before its entry names it; taken
 * back when the entry was not new after all (a change already kept, under another report:
 * only a damaged or hostile answer), so that no report is left without entries. */
static const char new_report_sql[] =
    "INSERT OR IGNORE INTO report(id, kind, first_seq) VALUES (?1, ?2, 0)";
static const char drop_new_report_sql[] = "DELETE FROM report WHERE id = ?1 AND first_seq = 0";

static int bind_remote(sqlite3_stmt *j, const struct sae_change *c, const char *id,
                       const char *stored)
{
    const int64_t ints[] = {(int64_t)c->version.hlc, (int64_t)c->version.origin,
                            (int64_t)c->base.hlc, (int64_t)c->base.origin, (int64_t)c->seq,
                            (int64_t)c->seen_cursor};
    const char *const people[] = {c->author, c->note, c->device};
    int rc = journal_bind_change_text(j, id, c->kind, c->field, stored);
    if (rc == 0)
        rc = sae_db_bind_ints(j, 5, ints, sizeof ints / sizeof ints[0]);
    if (rc == 0)
        rc = sae_db_bind_texts(j, 11, people, sizeof people / sizeof people[0]);
    return rc;
}

static int apply_remote_stored(struct node_store *store, const struct sae_change *c,
                               const char *stored, bool *applied)
{
    char id[SAE_ID_TEXT_LEN + 1];
    sqlite3_stmt *j = NULL;
    struct sae_db_cache *cache = &store->statements;
    sae_id_format(&c->report_id, id);
    int rc = journal_run_on_report(store, new_report_sql, id, c->kind);
    bool new_report = rc == 0 && sae_db_changes(store->db) > 0;
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, cache, insert_remote_sql, &j);
    if (rc != 0)
        return rc;
    rc = bind_remote(j, c, id, stored);
    if (rc == 0)
        rc = sae_db_step_done(j);
    sae_db_reset(j);
    if (rc != 0 || sae_db_changes(store->db) == 0) {
        *applied = false; /* had it already */
        if (rc == 0 && new_report)
            rc = journal_run_on_report(store, drop_new_report_sql, id, NULL);
        return rc;
    }
    int64_t seq = sae_db_last_rowid(store->db);
    if (new_report)
        rc = journal_settle_report(store, id);
    if (rc == 0)
        rc = journal_derive_field(store, id, c->field, &c->version, seq);
    if (rc == 0)
        *applied = true;
    return rc;
}

/* Pulled sensitive values are kept sealed to this post's storage key like its own, or as
 * withheld (store/pulled_value.h). */
int journal_apply_remote(struct node_store *store, const struct sae_change *c, bool *applied)
{
    char *stored = NULL;
    int rc = pulled_value_stored(store, c, &stored);
    if (rc == 0)
        rc = apply_remote_stored(store, c, stored, applied);
    free(stored);
    return rc;
}
