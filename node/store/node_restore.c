/* A post's journal restored from a backup (node_restore.h). */
#include "store/node_restore.h"

#include "sae/sae_backup.h"
#include "sae/sae_db.h"
#include "sae/sae_hlc.h"

static const char journal_top_sql[] =
    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'journal'), 0)";
static const char raise_sql[] = "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'journal'";
static const char first_sql[] = "INSERT INTO sqlite_sequence(name, seq) VALUES ('journal', ?1)";

int node_restore_fixup(sqlite3 *db, void *context)
{
    int64_t top = 0;
    (void)context;
    int rc = sae_db_query_int(db, NULL, journal_top_sql, NULL, 0, &top);
    const int64_t floor = sae_backup_restart_floor(top, sae_wall_clock_ms());
    if (rc == 0)
        rc = sae_db_run(db, NULL, raise_sql, &floor, 1);
    /* A journal that never held an entry has no row yet. */
    if (rc == 0 && sae_db_changes(db) == 0)
        rc = sae_db_run(db, NULL, first_sql, &floor, 1);
    return rc;
}
