/* Reads of the audit log (audit_read.h). */
#include "store/audit_read.h"

#include "sae/sae_db.h"

#define TEXT_OF(n) #n
#define NUMBER_TEXT(n) TEXT_OF(n)
#define OPENERS_MAX_TEXT NUMBER_TEXT(HUB_AUDIT_OPENERS_MAX)

int hub_audit_openers(struct hub_store *store, const char *action, const char *target,
                      hub_audit_opener_fn visit, void *context)
{
    static const char sql[] =
        "SELECT actor, max(at_ms), count(*) FROM audit WHERE action = ?1 AND target = ?2 "
        "GROUP BY actor ORDER BY max(at_ms) DESC LIMIT " OPENERS_MAX_TEXT;
    const char *texts[] = {action, target};
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 2);
    while (rc == 0 && (rc = sae_db_step(stmt)) == 1)
        rc = visit((const char *)sqlite3_column_text(stmt, 0), sqlite3_column_int64(stmt, 1),
                   sqlite3_column_int64(stmt, 2), context);
    sae_db_reset(stmt);
    return rc == 1 ? 0 : rc;
}
