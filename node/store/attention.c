/* The cases needing action (attention.h): one query over the current state. */
#include "store/attention.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_wire.h"

/* Each check starts from the few reports it can be about, found by a shown value through
 * the index field_shown_by_value (migration 9: the shown values are a table, so no step
 * computes them per read; as a view they made Beranda take 266 ms on 10,000 cases,
 * bench_post_app), and reads other fields by their key (report_num, field). CROSS JOIN keeps
 * that order: SQLite otherwise chose to walk every report of a kind. */
/* A report's fields by its number (node migration 17) where the report's row is at hand;
 * SHOWN by its id where only the id is (a case_id's value). */
#define SHOWN(id, field) "(SELECT value FROM field_shown WHERE report_id = " id \
    " AND field = '" field "')"
#define SHOWN_OF(num, field) "(SELECT value FROM field_shown_row WHERE report_num = " num \
    " AND field = '" field "')"
#define LIVE(num) "NOT EXISTS (SELECT 1 FROM field_shown_row WHERE report_num = " num \
    " AND field = '" SAE_FIELD_TOMBSTONE "' AND value IS NOT NULL)"
#define OWNER(id) "(SELECT iif(o.kind = 'case', o.id, " SHOWN_OF("o.num", "case_id") ")" \
    " FROM report o WHERE o.id = " id " AND " LIVE("o.num") ")"
/* The reports of a kind whose field shows a value meeting cond (on m.value), as v. */
#define SHOWING(kind, field, cond) "field_shown_row m CROSS JOIN report v" \
    " ON v.num = m.report_num WHERE m.field = '" field "' AND " cond " AND v.kind = '" kind \
    "' AND " LIVE("v.num")

/* The reports showing a value (or one meeting cond, on value), as a set of numbers. */
#define WITH(field, cond) "SELECT report_num FROM field_shown_row WHERE field = '" field \
    "' AND " cond

/* High risk, no service lately: sets of ids read off the index, each once, rather than a
 * test of each high-risk case and each of its services (Beranda's largest check: a third of
 * the bench's 10,000 cases are high risk, and that test took 40 ms of CPU). The cases of
 * the services dated since ?2 days are few. */
#define HIGH_RISK_UNSERVED                                                                    \
    "SELECT 0, v.id FROM (" WITH("risk_level", "value = 'high'")                              \
    "   EXCEPT " WITH("status", "value = 'closed'")                                           \
    "   EXCEPT " WITH(SAE_FIELD_TOMBSTONE, "value IS NOT NULL")                               \
    "   EXCEPT SELECT kr.num FROM field_shown_row d CROSS JOIN report e"                      \
    "    ON e.num = d.report_num CROSS JOIN field_shown_row k ON k.report_num = e.num"        \
    "    AND k.field = 'case_id' CROSS JOIN report kr ON kr.id = k.value"                    \
    "    WHERE d.field = 'service_date' AND d.value >= date(?1, ?2) AND e.kind = 'service'"   \
    "    AND " LIVE("e.num") ") c CROSS JOIN report v ON v.num = c.report_num"               \
    "   WHERE v.kind = 'case'"

/* ?1 today (YYYY-MM-DD), ?2 how many days back a service still counts ("-7 days"), ?3 the
 * most items given. One case per reason: the high-risk set is one already, each other
 * reason is made distinct on its own (no reason's rows can repeat another's), so the items
 * are never sorted to be de-duplicated. Only the first ?3 are kept in order and looked up
 * for their number; a window counts them all in the same pass (a UNION, a full sort and a
 * number for every one of 3,334 high-risk cases made Beranda's query 2.5 times slower,
 * bench_post_app). The cases come in the order they came to the post: by their local
 * number, given in that order (node migration 17), which the index of ids holds beside each
 * id (first_seq, the same order, would cost a second lookup in the report table per item). */
static const char attention_sql[] =
    "WITH items(reason, case_id) AS ("
    "  " HIGH_RISK_UNSERVED
    "  UNION ALL SELECT DISTINCT 1, " SHOWN_OF("v.num", "case_id") " FROM "
    SHOWING("shelter_stay", "planned_end_date", "m.value < ?1")
    "   AND " SHOWN_OF("v.num", "discharge_date") " IS NULL"
    "  UNION ALL SELECT DISTINCT 2, " SHOWN_OF("v.num", "case_id") " FROM "
    SHOWING("referral", "referral_status", "m.value = 'sent'")
    "  UNION ALL SELECT DISTINCT 3, " OWNER("w.report_id") " FROM review w"
    "   WHERE w.field <> '" SAE_REVIEW_CASE_FIELD "'"
    "  UNION ALL SELECT DISTINCT 4, " OWNER("j.report_id") " FROM set_aside a"
    "   CROSS JOIN journal j ON j.seq = a.seq)"
    " SELECT s.reason, s.case_id, coalesce(" SHOWN("s.case_id", "registration_number") ", ''),"
    " s.total FROM (SELECT i.reason, i.case_id, r.num, count(*) OVER () AS total"
    "  FROM items i JOIN report r ON r.id = i.case_id ORDER BY i.reason, r.num"
    "  LIMIT ?3) s ORDER BY s.reason, s.num";

int attention_list(struct node_store *store, const char *today, attention_visit_fn visit,
                   void *context, size_t *more)
{
    char since[24];
    sqlite3_stmt *stmt = NULL;
    int64_t total = 0, given = 0;
    snprintf(since, sizeof since, "-%d days", ATTENTION_SERVICE_DAYS);
    int rc = today && strlen(today) == 10 ? 0 : SAE_EINVAL;
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, &store->statements, attention_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, (const char *const[]){today, since}, 2);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, ATTENTION_ITEMS_MAX);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct attention_item item;
        memset(&item, 0, sizeof item);
        item.reason = (enum attention_reason)sqlite3_column_int(stmt, 0);
        sae_db_column_copy(stmt, 1, item.case_id, sizeof item.case_id);
        sae_db_column_copy(stmt, 2, item.number, sizeof item.number);
        total = sqlite3_column_int64(stmt, 3);
        given++;
        rc = visit(&item, context);
    }
    sae_db_reset(stmt);
    if (rc == 0)
        *more = (size_t)(total - given);
    return rc;
}
