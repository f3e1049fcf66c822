/* What posts report of themselves, and what the hub holds of theirs (node_report.h). */
#include "store/node_report.h"

#include <stdio.h>
#include <string.h>

static const char record_sql[] =
    "INSERT INTO node_report(node, pending, reported_ms, program) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT(node) DO UPDATE SET pending = ?2, reported_ms = ?3, program = ?4";
static const char report_sql[] =
    "SELECT pending, reported_ms, program FROM node_report WHERE node = ?1";
/* Held changes (dated ahead of the hub's clock) and changes refused for good. */
static const char held_sql[] =
    "SELECT (SELECT count(*) FROM change WHERE origin = ?1 AND held = 1)"
    " + (SELECT count(*) FROM refusal WHERE origin = ?1)";

int hub_node_report_record(struct hub_store *store, uint64_t node, uint64_t pending,
                           const char *program, int64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    const int64_t ints[] = {(int64_t)node, (int64_t)pending, now_ms};
    int rc = hub_store_prepare(store, record_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 1, ints, 3);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 4, program);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

int hub_node_report_get(struct hub_store *store, uint64_t node, struct hub_node_report *out)
{
    struct hub_node_report r = {.pending = -1};
    sqlite3_stmt *stmt = NULL;
    const int64_t id = (int64_t)node;
    int rc = hub_store_prepare(store, report_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, id);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        r.pending = sqlite3_column_int64(stmt, 0);
        r.reported_ms = sqlite3_column_int64(stmt, 1);
        sae_db_column_copy(stmt, 2, r.program, sizeof r.program);
        rc = 0;
    }
    sae_db_reset(stmt);
    if (rc == 0)
        rc = hub_store_query_int(store, held_sql, &id, 1, &r.held);
    if (rc == 0)
        *out = r;
    return rc;
}
