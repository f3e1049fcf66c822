/* Appending to the review log (merge_review.h). */
#include "merge/merge_review.h"
#include "merge/merge_rows.h"

#include "sae/sae_db.h"

static const char last_review_sql[] =
    "SELECT open, standing, latest FROM review WHERE report_id = ?1 AND field = ?2"
    " ORDER BY seq DESC LIMIT 1";
/* at_change is the hub's log position when the state arose: a pull hands a review out only
 * with (or after) the changes it names, so a post always holds the standing version. */
static const char append_review_sql[] =
    "INSERT INTO review(report_id, village, field, open, standing, latest, at_change)"
    " SELECT ?1, r.village, ?2, ?3, ?4, ?5, (SELECT coalesce(max(seq), 0) FROM change)"
    " FROM report r WHERE r.id = ?1";

static int last_logged(struct hub_store *store, const char *report_id, const char *field,
                       struct merge_review_state *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, last_review_sql, &stmt);
    if (rc == 0)
        rc = merge_bind_field(stmt, report_id, field);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *out = (struct merge_review_state){sqlite3_column_int(stmt, 0) != 0,
                                           sqlite3_column_int64(stmt, 1),
                                           sqlite3_column_int64(stmt, 2)};
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

int merge_review_log(struct hub_store *store, const char *report_id, const char *field,
                     const struct merge_review_state *state)
{
    struct merge_review_state last = {false, 0, 0};
    int rc = last_logged(store, report_id, field, &last);
    if (rc != 0 || (!state->open && !last.open) ||
        (state->open && last.open && state->standing == last.standing &&
         state->latest == last.latest))
        return rc;
    return merge_review_append(store, report_id, field, state, NULL);
}

int merge_review_append(struct hub_store *store, const char *report_id, const char *field,
                        const struct merge_review_state *state, int64_t *seq)
{
    sqlite3_stmt *stmt = NULL;
    const int64_t ints[] = {state->open, state->standing, state->latest};
    int rc = hub_store_prepare(store, append_review_sql, &stmt);
    if (rc == 0)
        rc = merge_bind_field(stmt, report_id, field);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 3, ints, 3);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0 && sae_db_changes(store->db) != 1)
        rc = SAE_ENOTFOUND; /* no such report */
    if (rc == 0 && seq)
        *seq = sae_db_last_rowid(store->db);
    return rc;
}
