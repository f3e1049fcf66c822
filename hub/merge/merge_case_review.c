/* A case's review state (merge_case_review.h). */
#include "merge/merge_case_review.h"

#include <string.h>

#include "merge/merge_review.h"
#include "merge/merge_rows.h"
#include "sae/sae_db.h"
#include "sae/sae_validate.h"
#include "sae/sae_wire.h"

static const char insert_sql[] =
    "INSERT INTO case_review(report_id, village, state, note, reviewer, at_ms, review_seq)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static const char deleted_sql[] =
    "SELECT count(*) FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = ?1 AND s.field = '" SAE_FIELD_TOMBSTONE "' AND c.value IS NOT NULL";

static int check_input(const char *state, const char *note, const char *reviewer,
                       struct sae_message *why)
{
    bool issues = strcmp(state, SAE_CASE_REVIEW_HAS_ISSUES) == 0;
    if (!issues && strcmp(state, SAE_CASE_REVIEW_RECEIVED) != 0 &&
        strcmp(state, SAE_CASE_REVIEW_APPROVED) != 0) {
        sae_message_set(why, "a review is received, has-issues or approved");
        return SAE_EINVAL;
    }
    if (issues && !note) {
        sae_message_set(why, "has-issues needs --note saying what the post must look at");
        return SAE_EINVAL;
    }
    if (note && sae_validate_name(note, MERGE_CASE_REVIEW_NOTE_BYTES) != 0) {
        sae_message_set(why, "--note must be 1 to %d bytes of UTF-8 on one line",
                        MERGE_CASE_REVIEW_NOTE_BYTES);
        return SAE_EINVAL;
    }
    if (!reviewer || sae_validate_name(reviewer, MERGE_CASE_REVIEW_REVIEWER_BYTES) != 0) {
        sae_message_set(why, "--by must be 1 to %d bytes of UTF-8 on one line",
                        MERGE_CASE_REVIEW_REVIEWER_BYTES);
        return SAE_EINVAL;
    }
    return 0;
}

static int is_deleted(struct hub_store *store, const char *report_id, bool *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, deleted_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *out = sqlite3_column_int64(stmt, 0) > 0;
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_EDB; /* count(*) always returns a row */
    }
    sae_db_reset(stmt);
    return rc;
}

static int check_case(struct hub_store *store, const char *report_id, char *village,
                      struct sae_message *why)
{
    char kind[SAE_WIRE_NAME_BYTES + 1];
    bool deleted = false;
    int rc = merge_report_owner(store, report_id, NULL, kind, village);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no report has id %s; list them with: sae-hub reports list",
                        report_id);
    if (rc == 0 && strcmp(kind, "case") != 0) {
        sae_message_set(why, "%s is a %s; only cases are reviewed", report_id, kind);
        rc = SAE_EINVAL;
    }
    if (rc == 0)
        rc = is_deleted(store, report_id, &deleted);
    if (rc == 0 && deleted) {
        sae_message_set(why, "case %s was deleted; deleted cases are not reviewed", report_id);
        rc = SAE_EDELETED;
    }
    return rc;
}

static int insert_review(struct hub_store *store, const char *report_id, const char *village,
                         const char *state, const char *note, const char *reviewer,
                         int64_t now_ms, int64_t review_seq)
{
    sqlite3_stmt *stmt = NULL;
    const char *texts[] = {report_id, village, state};
    int rc = hub_store_prepare(store, insert_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 3);
    if (rc == 0)
        rc = note ? sae_db_bind_text(stmt, 4, note) : sae_db_bind_null(stmt, 4);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 5, reviewer);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 6, now_ms);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 7, review_seq);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

int merge_case_review(struct hub_store *store, const char *report_id, const char *state,
                      const char *note, const char *reviewer, int64_t now_ms,
                      struct sae_message *why)
{
    char village[SAE_LIMIT_VILLAGE_BYTES + 1];
    int64_t review_seq = 0;
    int rc = check_input(state, note, reviewer, why);
    if (rc != 0)
        return rc;
    rc = hub_store_begin(store);
    if (rc != 0)
        return rc;
    rc = check_case(store, report_id, village, why);
    /* Open while the post has something to look at. */
    struct merge_review_state log = {strcmp(state, SAE_CASE_REVIEW_HAS_ISSUES) == 0, 0, 0};
    if (rc == 0)
        rc = merge_review_append(store, report_id, SAE_REVIEW_CASE_FIELD, &log, &review_seq);
    if (rc == 0)
        rc = insert_review(store, report_id, village, state, note, reviewer, now_ms, review_seq);
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    return rc;
}
