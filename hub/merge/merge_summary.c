/* report_summary rows (merge_summary.h). */
#include "merge/merge_summary.h"

#include "store/hub_summary.h"
#include "sae/sae_db.h"

static const char refresh_sql[] =
    "INSERT OR REPLACE INTO report_summary " HUB_SUMMARY_SELECT_SQL " WHERE r.id = ?1";

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
