/* Rewriting values past the journal's append-only guard (journal_wipe.h). */
#include "store/journal_wipe.h"
#include "store/hub_copy.h"

#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"

/* The append-only guard, read back so that it is put back exactly as the schema has it. */
static const char guard_sql[] =
    "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?1";
#define GUARD_NAME "journal_no_update"
#define GUARD_SQL_BYTES 1024
/* ?1 a kind, ?2 a field: the field itself, or an element of it when it is a set. */
#define WIPE_MATCH " (field = ?2 OR substr(field, 1, length(?2) + 1) = ?2 || '/')"
static const char *const wipe_sql[] = {
    "UPDATE journal_entry SET value = NULL WHERE value IS NOT NULL AND kind = ?1 AND"
    WIPE_MATCH,
    /* The copy sealed for the hub opens only with hub.key, but a wiped device keeps none. */
    "UPDATE journal_entry SET hub_sealed = NULL WHERE hub_sealed IS NOT NULL AND kind = ?1 AND"
    WIPE_MATCH,
    "UPDATE field_shown_row SET value = NULL WHERE value IS NOT NULL AND" WIPE_MATCH
    " AND report_num IN (SELECT num FROM report WHERE kind = ?1)",
};

static int wipe_field(struct node_store *store, const char *kind, const char *field)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof wipe_sql / sizeof wipe_sql[0]; i++) {
        sqlite3_stmt *stmt = NULL;
        rc = sae_db_prepare_cached(store->db, &store->statements, wipe_sql[i], &stmt);
        if (rc == 0)
            rc = sae_db_bind_texts(stmt, 1, (const char *const[]){kind, field}, 2);
        if (rc == 0)
            rc = sae_db_step_done(stmt);
        sae_db_reset(stmt);
    }
    return rc;
}

/* A coordinator's note travels with a resolution and may name the survivor. */
static const char wipe_notes_sql[] = "UPDATE journal_entry SET note = NULL WHERE note IS NOT NULL";

static int wipe_every_sensitive_field(struct node_store *store)
{
    int rc = sae_db_run(store->db, &store->statements, wipe_notes_sql, NULL, 0);
    if (rc == 0)
        rc = hub_copy_box_drop_all(store->db);
    for (size_t k = 0; rc == 0 && k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        for (size_t f = 0; rc == 0 && f < kind->field_count; f++)
            if (kind->fields[f].sensitive)
                rc = wipe_field(store, kind->name, kind->fields[f].name);
    }
    return rc;
}

int journal_unguarded(struct node_store *store,
                      int (*work)(struct node_store *store, void *context), void *context)
{
    char guard[GUARD_SQL_BYTES] = "";
    int found = 0;
    int rc = sae_db_query_first_text(store->db, NULL, guard_sql, GUARD_NAME, guard,
                                     sizeof guard, &found);
    if (rc == 0 && found == 1 && strlen(guard) >= sizeof guard - 1)
        rc = SAE_ETOOBIG;
    if (rc == 0 && found == 1)
        rc = sae_db_exec(store->db, "DROP TRIGGER " GUARD_NAME);
    if (rc == 0)
        rc = work(store, context);
    if (rc == 0 && found == 1)
        rc = sae_db_exec(store->db, guard);
    return rc;
}

static int wipe_work(struct node_store *store, void *context)
{
    (void)context;
    return wipe_every_sensitive_field(store);
}

int journal_wipe_sensitive(struct node_store *store)
{
    return journal_unguarded(store, wipe_work, NULL);
}
