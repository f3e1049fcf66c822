/* report_summary rows (merge_summary.h). */
#include "merge/merge_summary.h"

#include "store/hub_summary.h"
#include "sae/sae_db.h"

/* A row whose columns are all as they were is left alone: no write, no index touched. */
static const char refresh_sql[] =
    "INSERT INTO report_summary(report_id, kind, day, status, risk, registration, violence,"
    " updated, deleted, case_ref) " HUB_SUMMARY_ONE_SQL
    " ON CONFLICT(report_id) DO UPDATE SET kind = excluded.kind, day = excluded.day,"
    " status = excluded.status, risk = excluded.risk, registration = excluded.registration,"
    " violence = excluded.violence, updated = excluded.updated, deleted = excluded.deleted,"
    " case_ref = excluded.case_ref"
    " WHERE (kind, day, status, risk, registration, violence, updated, deleted, case_ref)"
    " IS NOT (excluded.kind, excluded.day, excluded.status, excluded.risk,"
    " excluded.registration, excluded.violence, excluded.updated, excluded.deleted,"
    " excluded.case_ref)";

int merge_summary_refresh(struct hub_store *store, const char *report_id)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, refresh_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}
