/* hub.db restored from a backup (hub_restore.h). */
#include "store/hub_restore.h"

#include "store/hub_meta.h"
#include "sae/sae_backup.h"
#include "sae/sae_db.h"
#include "sae/sae_hlc.h"

static const char top_sql[] =
    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0)";
static const char raise_sql[] = "UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1";
static const char first_sql[] = "INSERT INTO sqlite_sequence(name, seq) VALUES (?1, ?2)";

/* AUTOINCREMENT's counter of table: the next row's id will be above floor. */
static int raise_log(sqlite3 *db, const char *table, uint64_t now_ms)
{
    sqlite3_stmt *stmt = NULL;
    int64_t top = 0;
    int rc = sae_db_prepare(db, top_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, table);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        top = sqlite3_column_int64(stmt, 0);
        rc = 0;
    }
    sae_db_finalize(stmt);
    const char *const writes[] = {raise_sql, first_sql};
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        rc = sae_db_prepare(db, writes[i], &stmt);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 1, table);
        if (rc == 0)
            rc = sae_db_bind_int(stmt, 2, sae_backup_restart_floor(top, now_ms));
        if (rc == 0)
            rc = sae_db_step_done(stmt);
        sae_db_finalize(stmt);
        /* A log that never held a row has no counter yet: insert it. */
        if (rc == 0 && sae_db_changes(db) > 0)
            break;
    }
    return rc;
}

int hub_restore_fixup(sqlite3 *db, void *context)
{
    const uint64_t now_ms = sae_wall_clock_ms();
    int64_t district_seq = 0;
    (void)context;
    int rc = raise_log(db, "change", now_ms);
    if (rc == 0)
        rc = raise_log(db, "review", now_ms);
    /* The grant log too: a post's grant cursor from the lost hub stays one it knows. */
    if (rc == 0)
        rc = raise_log(db, "value_grant", now_ms);
    /* And the erasure log: a post that applied an erasure the lost hub issued after the
     * backup holds a cursor past the backup's; a new erasure numbered below it is skipped. */
    if (rc == 0)
        rc = raise_log(db, "erased_report", now_ms);
    if (rc == 0) {
        rc = sae_db_meta_int(db, HUB_META_DISTRICT_SEQ, &district_seq);
        rc = rc == SAE_ENOTFOUND ? 0 : rc;
    }
    if (rc == 0)
        rc = sae_db_set_meta_int(db, HUB_META_DISTRICT_SEQ,
                                 sae_backup_restart_floor(district_seq, now_ms));
    return rc;
}
