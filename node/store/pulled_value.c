/* Pulled values and grants on the post (pulled_value.h). */
#include "store/pulled_value.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "store/journal.h"
#include "store/journal_wipe.h"
#include "store/value_seal.h"

int pulled_value_stored(struct node_store *store, const struct sae_change *c, char **out)
{
    char *text = NULL;
    if (!c->withheld && !c->sealed_value)
        return value_seal_in(store, c->kind, c->field, c->value, out);
    if (!value_seal_applies(c->kind, c->field))
        return SAE_ECORRUPT;
    if (c->withheld) {
        if (!(text = strdup(VALUE_SEAL_WITHHELD)))
            return SAE_ENOMEM;
        *out = text;
        return 0;
    }
    int rc = value_seal_armour_checked(store->storage_public, c->sealed_value, c->sealed_len,
                                       out);
    return rc == SAE_EPERM || rc == SAE_ENOMEM ? rc : rc ? SAE_ECORRUPT : 0;
}

/* Only the mark of the same change, and only for a value sealed to this post. */
static const char fill_sql[] =
    "UPDATE journal_entry SET value = ?1 WHERE origin = ?2 AND origin_seq = ?3"
    " AND report_num = " REPORT_NUM("?4")
    " AND field = ?5 AND value = '" VALUE_SEAL_WITHHELD "'"
    " AND substr(?1, 1, 7) = '" VALUE_SEAL_ARMOUR "' RETURNING seq";
_Static_assert(sizeof VALUE_SEAL_ARMOUR == 8, "fill_sql spells out its length");

struct fill {
    const struct sae_change *grant;
    const char *id;
    const char *stored;
    int64_t seq; /* the journal entry filled; 0: none */
};

static int fill_journal(struct node_store *store, void *context)
{
    struct fill *f = context;
    const struct sae_change *g = f->grant;
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, fill_sql, &stmt);
    const int64_t ints[] = {(int64_t)g->version.origin, (int64_t)g->seq};
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, f->stored);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 2, ints, 2);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 4, (const char *const[]){f->id, g->field}, 2);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        f->seq = sqlite3_column_int64(stmt, 0);
        rc = sae_db_step(stmt);
    }
    sae_db_reset(stmt);
    return rc;
}

int pulled_value_grant(struct node_store *store, const struct sae_change *g, bool *filled)
{
    char id[SAE_ID_TEXT_LEN + 1];
    struct fill f = {.grant = g, .id = id};
    *filled = false;
    if (!g->sealed_value)
        return SAE_ECORRUPT;
    sae_id_format(&g->report_id, id);
    char *stored = NULL;
    int rc = pulled_value_stored(store, g, &stored);
    f.stored = stored;
    if (rc == 0)
        rc = journal_unguarded(store, fill_journal, &f);
    /* The state reads the entry's value itself; the shown value is taken again: a reference
     * to the sealed value in place of the mark. */
    if (rc == 0 && f.seq > 0)
        rc = journal_refresh_shown(store, id, g->field);
    *filled = rc == 0 && f.seq > 0;
    free(stored);
    return rc;
}

int pulled_value_apply(struct node_store *store, const struct sae_pull_response *response,
                       size_t *pulled, size_t *granted)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < response->change_count; i++) {
        bool applied = false;
        if (response->changes[i].version.origin == store->origin)
            continue; /* our own change: we have it */
        rc = journal_apply_remote(store, &response->changes[i], &applied);
        *pulled += applied;
    }
    for (size_t i = 0; rc == 0 && i < response->grant_count; i++) {
        bool filled = false;
        rc = pulled_value_grant(store, &response->grants[i], &filled);
        *granted += filled;
    }
    return rc;
}
