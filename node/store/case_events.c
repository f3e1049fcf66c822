/* A case's services, stays and referrals (case_events.h). */
#include "store/case_events.h"

#include <stdlib.h>

#include "sae/sae_db.h"

/* By the index of shown values (field_shown_by_value): an event the district moved to
 * another case, while it reviews that, counts where it is shown. */
static const char events_sql[] =
    "SELECT r.id FROM field_shown_row f CROSS JOIN report r ON r.num = f.report_num"
    " WHERE f.field = 'case_id' AND f.value = ?1 ORDER BY r.first_seq";

/* The ids first: report_load uses the store's cached statements, one cursor each. */
static int event_ids(struct node_store *store, const char *case_id, char (**out)[SAE_ID_TEXT_LEN + 1],
                     size_t *count)
{
    sqlite3_stmt *stmt = NULL;
    char (*ids)[SAE_ID_TEXT_LEN + 1] = NULL;
    size_t n = 0, cap = 0;
    int rc = sae_db_prepare_cached(store->db, &store->statements, events_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, case_id);
    int step = rc == 0 ? sae_db_step(stmt) : rc;
    for (; rc == 0 && step == SAE_DB_ROW; step = sae_db_step(stmt)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            void *grown = realloc(ids, cap * sizeof *ids);
            if (!grown) {
                rc = SAE_ENOMEM;
                break;
            }
            ids = grown;
        }
        sae_db_column_copy(stmt, 0, ids[n++], sizeof ids[0]);
    }
    if (rc == 0 && step < 0)
        rc = step;
    sae_db_reset(stmt);
    if (rc != 0) {
        free(ids);
        return rc;
    }
    *out = ids;
    *count = n;
    return 0;
}

int case_events_list(struct node_store *store, const char *case_id, report_visit_fn visit,
                     void *context)
{
    char (*ids)[SAE_ID_TEXT_LEN + 1] = NULL;
    size_t count = 0;
    int rc = event_ids(store, case_id, &ids, &count);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        struct report *report = NULL;
        rc = report_load(store, ids[i], &report);
        if (rc == 0 && !report->deleted)
            rc = visit(report, context);
        report_free(report);
    }
    free(ids);
    return rc;
}
