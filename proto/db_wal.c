/* Emptying the WAL after a secret left the file (sae_db_wal.h). */
#include "sae/sae_db_wal.h"

#include "sae/sae_db.h"

/* SQLITE_OK alone does not say the WAL is empty: a checkpoint that found a reader on an
 * older snapshot may copy part of the frames, or none, and leave the log as it was. */
int sae_db_wal_truncate(sqlite3 *db)
{
    int log = -1, copied = -1;
    int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
    if (rc != SQLITE_OK)
        return sae_db_error(rc);
    return log == 0 ? 0 : SAE_EBUSY;
}

int sae_db_wal_scrub(sqlite3 *db)
{
    int rc = sae_db_wal_truncate(db);
    if (rc == 0)
        return 0;
    int recorded = sae_db_set_meta_int(db, SAE_DB_META_WAL_SCRUB_PENDING, 1);
    return recorded == 0 ? SAE_EBUSY : recorded;
}

int sae_db_wal_scrub_owed(sqlite3 *db, bool *out)
{
    int64_t pending = 0;
    int rc = sae_db_meta_int(db, SAE_DB_META_WAL_SCRUB_PENDING, &pending);
    if (rc == 0 || rc == SAE_ENOTFOUND)
        *out = rc == 0 && pending != 0;
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

/* The record's removal is written to the WAL emptied just before: truncated again, so the
 * file is left empty (a failure then leaves only that small frame, no secret). */
int sae_db_wal_scrub_settle(sqlite3 *db)
{
    static const char clear_sql[] =
        "DELETE FROM meta WHERE key = '" SAE_DB_META_WAL_SCRUB_PENDING "'";
    bool owed = false;
    int rc = sae_db_wal_scrub_owed(db, &owed);
    if (rc != 0 || !owed)
        return rc;
    rc = sae_db_wal_truncate(db);
    if (rc == 0)
        rc = sae_db_run(db, NULL, clear_sql, NULL, 0);
    if (rc == 0)
        (void)sae_db_wal_truncate(db);
    return rc;
}
