/* The district's erasure of reports on the post (erasure_apply.h). */
#include "store/erasure_apply.h"
#include "store/hub_copy.h"

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_db_wal.h"
#include "store/journal.h"
#include "store/journal_wipe.h"
#include "store/sync_state.h"
#include "store/value_seal.h"

static const char kind_sql[] = "SELECT kind FROM report WHERE id = ?1";
/* ?1 the report, ?2 a sensitive field: the field itself, as the hub erases it (a set's
 * elements are not sealed anywhere). */
static const char wipe_journal_sql[] =
    "UPDATE journal_entry SET value = '" VALUE_SEAL_ERASED "', hub_sealed = NULL"
    " WHERE report_num = " REPORT_NUM("?1") " AND field = ?2 AND value IS NOT NULL"
    " AND value <> '" VALUE_SEAL_ERASED "'";
/* A coordinator's note on a resolution may name her (the district's review note too:
 * sync_state_wipe_review_note). */
static const char wipe_notes_sql[] =
    "UPDATE journal_entry SET note = NULL WHERE report_num = " REPORT_NUM("?1")
    " AND note IS NOT NULL";

struct erase_one {
    const char *id;
    const struct sae_kind *kind;
    int64_t wiped;
};

static int run_text(struct node_store *store, const char *sql, const char *const *texts,
                    size_t count, int64_t *changed)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, count);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    if (rc == 0 && changed)
        *changed += sae_db_changes(store->db);
    sae_db_reset(stmt);
    return rc;
}

/* The journal's entries, past the guard (journal_unguarded puts it back). */
static int wipe_entries(struct node_store *store, void *context)
{
    struct erase_one *e = context;
    int rc = run_text(store, wipe_notes_sql, &e->id, 1, NULL);
    for (size_t f = 0; rc == 0 && f < e->kind->field_count; f++) {
        const char *texts[] = {e->id, e->kind->fields[f].name};
        if (e->kind->fields[f].sensitive)
            rc = run_text(store, wipe_journal_sql, texts, 2, &e->wiped);
    }
    return rc;
}

/* The state reads its entry's value, now the mark; the shown value is taken again (the
 * mark in place of a reference to a sealed value). */
static int wipe_state(struct node_store *store, const struct erase_one *e)
{
    int rc = 0;
    for (size_t f = 0; rc == 0 && f < e->kind->field_count; f++)
        if (e->kind->fields[f].sensitive)
            rc = journal_refresh_shown(store, e->id, e->kind->fields[f].name);
    return rc;
}

static int erase_report(struct node_store *store, const struct sae_id *id, int64_t *wiped)
{
    char text[SAE_ID_TEXT_LEN + 1];
    char kind[64] = "";
    int found = 0;
    sae_id_format(id, text);
    struct erase_one e = {.id = text};
    int rc = sae_db_query_first_text(store->db, &store->statements, kind_sql, text, kind,
                                     sizeof kind, &found);
    if (rc != 0 || found != 1)
        return rc; /* not held here: nothing to wipe */
    if (sae_catalogue_find_kind(kind, &e.kind) != 0)
        return SAE_ECORRUPT;
    rc = journal_unguarded(store, wipe_entries, &e);
    if (rc == 0)
        rc = hub_copy_box_drop_report(store, text);
    if (rc == 0)
        rc = wipe_state(store, &e);
    if (rc == 0)
        rc = sync_state_wipe_review_note(store, text);
    if (rc == 0)
        *wiped += e.wiped;
    return rc;
}

int erasure_apply(struct node_store *store, const struct sae_id *ids, size_t count,
                  int64_t *wiped)
{
    int64_t total = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = erase_report(store, &ids[i], &total);
    if (rc == 0)
        *wiped = total;
    return rc;
}

int erasure_apply_scrub(struct node_store *store)
{
    int rc = sae_db_wal_scrub(store->db);
    return rc == SAE_EBUSY ? 0 : rc; /* owed, recorded: the store retries at close and open */
}
