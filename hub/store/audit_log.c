/* The audit log, read (audit_log.h). */
#include "store/audit_log.h"

#include "sae/sae_db.h"

static const char *column_text(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return text ? (const char *)text : "";
}

int audit_log_read(struct hub_store *store, const struct audit_filter *filter,
                   audit_visit_fn visit, void *context)
{
    /* instr() on the target: a LIKE pattern would give % and _ in a search a meaning. */
    static const char sql[] =
        "SELECT seq, at_ms, actor, action, target, address FROM audit"
        " WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)"
        " AND (?3 IS NULL OR instr(target, ?3) > 0) AND (?4 = 0 OR seq < ?4)"
        " ORDER BY seq DESC LIMIT ?5";
    if (filter->limit < 1 || filter->limit > AUDIT_PAGE_ROWS + 1)
        return SAE_EINVAL;
    const char *texts[] = {filter->actor, filter->action, filter->target};
    const int64_t ints[] = {filter->before_seq, (int64_t)filter->limit};
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 3);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 4, ints, 2);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct audit_row row = {sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
                                column_text(stmt, 2), column_text(stmt, 3),
                                column_text(stmt, 4), column_text(stmt, 5)};
        rc = visit(&row, context);
    }
    sae_db_reset(stmt);
    return rc;
}
