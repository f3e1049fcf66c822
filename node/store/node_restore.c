/* A post's journal restored from a backup (node_restore.h). */
#include "store/node_restore.h"

#include "sae/sae_backup.h"
#include "sae/sae_db.h"
#include "sae/sae_hlc.h"

/* The journal's table as the backup's schema has it: journal until node migration 17,
 * journal_entry since (journal is then a view). A backup restored may be older than this
 * sae-node, and is migrated at its next open, which carries the sequence over. */
static const char journal_table_sql[] =
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('journal_entry', 'journal')";
#define JOURNAL_TABLE_BYTES sizeof "journal_entry"
static const char journal_top_sql[] =
    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0)";
static const char raise_sql[] = "UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1";
static const char first_sql[] = "INSERT INTO sqlite_sequence(name, seq) VALUES (?1, ?2)";

/* Runs sql with the table's name as ?1 and n as ?2; a row's first column into *out. */
static int run_named(sqlite3 *db, const char *sql, const char *table, int64_t n, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(db, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, table);
    if (rc == 0 && sqlite3_bind_parameter_count(stmt) > 1)
        rc = sae_db_bind_int(stmt, 2, n);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        if (out)
            *out = sqlite3_column_int64(stmt, 0);
        rc = 0;
    }
    sae_db_finalize(stmt);
    return rc;
}

/* One of the two, or SAE_ECORRUPT. */
static int journal_table(sqlite3 *db, char out[JOURNAL_TABLE_BYTES])
{
    sqlite3_stmt *stmt = NULL;
    int found = 0;
    int rc = sae_db_prepare(db, journal_table_sql, &stmt);
    int step = rc == 0 ? sae_db_step(stmt) : rc;
    for (; step == SAE_DB_ROW; step = sae_db_step(stmt))
        if (found++ == 0)
            sae_db_column_copy(stmt, 0, out, JOURNAL_TABLE_BYTES);
    sae_db_finalize(stmt);
    if (rc == 0 && step < 0)
        rc = step;
    return rc == 0 && found != 1 ? SAE_ECORRUPT : rc;
}

int node_restore_fixup(sqlite3 *db, void *context)
{
    char table[JOURNAL_TABLE_BYTES];
    int64_t top = 0;
    (void)context;
    int rc = journal_table(db, table);
    if (rc == 0)
        rc = run_named(db, journal_top_sql, table, 0, &top);
    const int64_t floor = sae_backup_restart_floor(top, sae_wall_clock_ms());
    if (rc == 0)
        rc = run_named(db, raise_sql, table, floor, NULL);
    /* A journal that never held an entry has no row yet. */
    if (rc == 0 && sae_db_changes(db) == 0)
        rc = run_named(db, first_sql, table, floor, NULL);
    return rc;
}
