/* The shown values kept current on write (journal.h, journal_refresh_shown): one field's row
 * of field_shown taken again from its state, its review and its journal, by every writer of
 * those inside its transaction. */
#include "store/journal.h"

#include "sae/sae_db.h"
#include "store/node_store_internal.h"

/* JOURNAL_SHOWN_ROW_SELECT for the one row, as an update of it in place: read through the
 * view report_field and written back whole, the row cost an add twice the instructions of
 * the two tables before migration 15 (the view expanded, the row copied out and back). Every
 * f.* below is the row as it was before this update; the review is keyed by the id (?1),
 * the rest by the report's number. */
#define STATE_VERSION "coalesce(f.state_version, f.version)"
#define STATE_ORIGIN "coalesce(f.state_origin, f.origin)"
static const char refresh_shown_sql[] =
    "UPDATE field_shown_row AS f SET (value, version, origin, under_review, state_version,"
    " state_origin) = (SELECT"
    "  iif(s.seq IS NULL, " JOURNAL_SHOWN_VALUE("v") ", " JOURNAL_SHOWN_VALUE("s") "),"
    "  iif(s.seq IS NULL, " STATE_VERSION ", s.version),"
    "  iif(s.seq IS NULL, " STATE_ORIGIN ", s.origin), r.report_id IS NOT NULL,"
    "  iif(s.seq IS NULL, NULL, " STATE_VERSION "), iif(s.seq IS NULL, NULL, " STATE_ORIGIN ")"
    "  FROM journal_entry v"
    "  LEFT JOIN review r ON r.report_id = ?1 AND r.field = f.field"
    "  LEFT JOIN journal_entry s ON s.seq = (SELECT j.seq FROM journal_entry j"
    "   WHERE r.latest_version = " STATE_VERSION " AND r.latest_origin = " STATE_ORIGIN
    "   AND j.report_num = f.report_num AND j.field = r.field"
    "   AND j.version = r.standing_version AND j.origin = r.standing_origin"
    "   ORDER BY j.seq LIMIT 1)"
    "  WHERE v.seq = f.seq)"
    " WHERE f.report_num = " REPORT_NUM("?1") " AND f.field = ?2";

int journal_refresh_shown(struct node_store *store, const char *id, const char *field)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, refresh_shown_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, field);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}
