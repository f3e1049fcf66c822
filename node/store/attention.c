/* The cases needing action (attention.h): one query over the current state. */
#include "store/attention.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_wire.h"

/* ?1 today (YYYY-MM-DD), ?2 how many days back a service still counts ("-7 days"). */
static const char attention_sql[] =
    "WITH live(id, kind) AS (SELECT id, kind FROM report WHERE id NOT IN"
    "   (SELECT report_id FROM report_field WHERE field = '" SAE_FIELD_TOMBSTONE "'"
    "    AND value IS NOT NULL)),"
    " shown(id, field, value) AS (SELECT report_id, field, value FROM field_shown"
    "   WHERE report_id IN (SELECT id FROM live)),"
    " owner(id, case_id) AS (SELECT id, id FROM live WHERE kind = 'case'"
    "   UNION ALL SELECT l.id, s.value FROM live l JOIN shown s ON s.id = l.id"
    "   AND s.field = 'case_id' WHERE l.kind <> 'case'),"
    " open_case(id) AS (SELECT id FROM live WHERE kind = 'case' AND id NOT IN"
    "   (SELECT id FROM shown WHERE field = 'status' AND value = 'closed')),"
    " items(reason, case_id) AS ("
    "  SELECT 0, c.id FROM open_case c JOIN shown r ON r.id = c.id AND r.field = 'risk_level'"
    "   AND r.value = 'high' WHERE NOT EXISTS (SELECT 1 FROM live v JOIN owner o ON o.id = v.id"
    "   JOIN shown d ON d.id = v.id AND d.field = 'service_date'"
    "   WHERE v.kind = 'service' AND o.case_id = c.id AND d.value >= date(?1, ?2))"
    "  UNION SELECT 1, o.case_id FROM live v JOIN owner o ON o.id = v.id"
    "   JOIN shown e ON e.id = v.id AND e.field = 'planned_end_date' AND e.value < ?1"
    "   WHERE v.kind = 'shelter_stay' AND NOT EXISTS (SELECT 1 FROM shown x WHERE x.id = v.id"
    "   AND x.field = 'discharge_date' AND x.value IS NOT NULL)"
    "  UNION SELECT 2, o.case_id FROM live v JOIN owner o ON o.id = v.id"
    "   JOIN shown s ON s.id = v.id AND s.field = 'referral_status' AND s.value = 'sent'"
    "   WHERE v.kind = 'referral'"
    "  UNION SELECT 3, o.case_id FROM review w JOIN owner o ON o.id = w.report_id"
    "   WHERE w.field <> '" SAE_REVIEW_CASE_FIELD "'"
    "  UNION SELECT 4, o.case_id FROM set_aside a JOIN journal j ON j.seq = a.seq"
    "   JOIN owner o ON o.id = j.report_id)"
    " SELECT i.reason, i.case_id, coalesce((SELECT value FROM shown WHERE id = i.case_id"
    "   AND field = 'registration_number'), '')"
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
