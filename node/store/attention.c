/* The cases needing action (attention.h): one query over the current state. */
#include "store/attention.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_wire.h"

/* Each check walks one kind of report through report_by_kind and reads a field's shown value
 * by its key (report_id, field), starting from the few reports a check can be about: no step
 * builds the whole post's shown state, which made
 * Beranda take 22 s on 10,000 cases (bench_post_app). A service counts for its case through
 * the index of fields' values (case_id = the case), read first (CROSS JOIN fixes the order:
 * SQLite chose to walk every service for each case). */
#define SHOWN(id, field) "(SELECT value FROM field_shown WHERE report_id = " id \
    " AND field = '" field "')"
#define LIVE(id) "NOT EXISTS (SELECT 1 FROM report_field WHERE report_id = " id \
    " AND field = '" SAE_FIELD_TOMBSTONE "' AND value IS NOT NULL)"
#define OWNER(id) "(SELECT iif(o.kind = 'case', o.id, " SHOWN("o.id", "case_id") ")" \
    " FROM report o WHERE o.id = " id " AND " LIVE("o.id") ")"

/* The reports whose field may show value: stored so (the index of fields' values), or under
 * the district's review (its shown value is then the standing one); SHOWN decides. */
#define CANDIDATES(field, value) "(SELECT report_id FROM report_field WHERE field = '" field \
    "' AND value = '" value "' UNION SELECT report_id FROM review WHERE field = '" field "') m"

/* ?1 today (YYYY-MM-DD), ?2 how many days back a service still counts ("-7 days"). */
static const char attention_sql[] =
    "WITH items(reason, case_id) AS ("
    "  SELECT 0, c.id FROM " CANDIDATES("risk_level", "high") " CROSS JOIN report c"
    "   ON c.id = m.report_id WHERE c.kind = 'case' AND " LIVE("c.id")
    "   AND " SHOWN("c.id", "risk_level") " = 'high'"
    "   AND " SHOWN("c.id", "status") " IS NOT 'closed'"
    "   AND NOT EXISTS (SELECT 1 FROM report_field k CROSS JOIN report v ON v.id = k.report_id"
    "    WHERE k.field = 'case_id' AND k.value = c.id AND v.kind = 'service'"
    "    AND " LIVE("v.id") " AND " SHOWN("v.id", "case_id") " = c.id"
    "    AND " SHOWN("v.id", "service_date") " >= date(?1, ?2))"
    "  UNION SELECT 1, " SHOWN("v.id", "case_id") " FROM report v"
    "   WHERE v.kind = 'shelter_stay' AND " LIVE("v.id")
    "   AND " SHOWN("v.id", "planned_end_date") " < ?1"
    "   AND " SHOWN("v.id", "discharge_date") " IS NULL"
    "  UNION SELECT 2, " SHOWN("v.id", "case_id") " FROM " CANDIDATES("referral_status", "sent")
    "   CROSS JOIN report v ON v.id = m.report_id WHERE v.kind = 'referral' AND " LIVE("v.id")
    "   AND " SHOWN("v.id", "referral_status") " = 'sent'"
    "  UNION SELECT 3, " OWNER("w.report_id") " FROM review w"
    "   WHERE w.field <> '" SAE_REVIEW_CASE_FIELD "'"
    "  UNION SELECT 4, " OWNER("j.report_id") " FROM set_aside a JOIN journal j ON j.seq = a.seq)"
    " SELECT i.reason, i.case_id, coalesce(" SHOWN("i.case_id", "registration_number") ", '')"
    " FROM items i JOIN report r ON r.id = i.case_id"
    " ORDER BY i.reason, r.first_seq";

int attention_list(struct node_store *store, const char *today, attention_visit_fn visit,
                   void *context, size_t *more)
{
    char since[24];
    sqlite3_stmt *stmt = NULL;
    size_t given = 0, left = 0;
    snprintf(since, sizeof since, "-%d days", ATTENTION_SERVICE_DAYS);
    int rc = today && strlen(today) == 10 ? 0 : SAE_EINVAL;
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, &store->statements, attention_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, (const char *const[]){today, since}, 2);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        rc = 0;
        if (given == ATTENTION_ITEMS_MAX) {
            left++;
            continue;
        }
        struct attention_item item;
        memset(&item, 0, sizeof item);
        item.reason = (enum attention_reason)sqlite3_column_int(stmt, 0);
        sae_db_column_copy(stmt, 1, item.case_id, sizeof item.case_id);
        sae_db_column_copy(stmt, 2, item.number, sizeof item.number);
        given++;
        rc = visit(&item, context);
    }
    sae_db_reset(stmt);
    if (rc == 0)
        *more = left;
    return rc;
}
