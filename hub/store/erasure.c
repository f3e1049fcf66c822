/* Erasing a report's sensitive values at the hub (erasure.h). */
#include "store/erasure.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_id.h"
#include "sae/sae_validate.h"
#include "store/dup_pairs.h"
#include "store/hub_accounts.h"
#include "store/name_index.h"
#include "store/sealed_values.h"

/* The trigger exactly as migration 2 made it (hub_migrate.c), made again after the rewrite. */
#define NO_UPDATE_TRIGGER_SQL                                                                 \
    "CREATE TRIGGER change_no_update BEFORE UPDATE ON change"                                 \
    "  BEGIN SELECT RAISE(ABORT, 'changes are never changed'); END;"

int erasure_check_reason(const char *reason, struct sae_message *why)
{
    size_t len = reason ? strlen(reason) : 0;
    bool control = false;
    for (size_t i = 0; i < len; i++)
        control = control || (unsigned char)reason[i] < 0x20 || reason[i] == 0x7f;
    if (len == 0 || len > ERASURE_REASON_MAX_BYTES || control ||
        sae_utf8_check(reason, len) != 0) {
        sae_message_set(why, "the reason for erasing: 1 to %u bytes of UTF-8 on one line",
                        ERASURE_REASON_MAX_BYTES);
        return SAE_EINVAL;
    }
    return 0;
}

struct erase_work {
    const struct erasure_request *request;
    struct erasure_result result;
};

static int report_kind(struct hub_store *store, const char *report_id, const struct sae_kind **out)
{
    static const char sql[] = "SELECT kind FROM report WHERE id = ?1";
    sqlite3_stmt *stmt = NULL;
    char kind[32] = "";
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        sae_db_column_copy(stmt, 0, kind, sizeof kind);
    sae_db_reset(stmt);
    if (rc == 0)
        return SAE_ENOTFOUND;
    if (rc != SAE_DB_ROW)
        return rc;
    return sae_catalogue_find_kind(kind, out) == 0 ? 0 : SAE_ECORRUPT;
}

/* The sensitive values of report_id's kind in change, replaced by the marker; the trigger
 * that forbids it is dropped for this transaction only. */
static int mark_values(struct hub_store *store, const struct sae_kind *kind,
                       const char *report_id, int64_t *values)
{
    static const char sql[] = "UPDATE change SET value = '" ERASURE_MARKER "'"
                              " WHERE report_no = (SELECT no FROM report WHERE id = ?1)"
                              " AND field = ?2 AND value IS NOT NULL"
                              " AND value != '" ERASURE_MARKER "'";
    int rc = sae_db_exec(store->db, "DROP TRIGGER change_no_update");
    for (size_t i = 0; rc == 0 && i < kind->field_count; i++) {
        if (!kind->fields[i].sensitive)
            continue;
        sqlite3_stmt *stmt = NULL;
        /* Not the store's cache: the trigger's absence is this statement's schema. */
        rc = sae_db_prepare(store->db, sql, &stmt);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 1, report_id);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 2, kind->fields[i].name);
        if (rc == 0)
            rc = sae_db_step_done(stmt);
        if (rc == 0)
            *values += sae_db_changes(store->db);
        sae_db_finalize(stmt);
    }
    if (rc == 0)
        rc = sae_db_exec(store->db, NO_UPDATE_TRIGGER_SQL);
    return rc;
}

static int record(struct hub_store *store, const struct erasure_request *r, int64_t *seq)
{
    static const char sql[] =
        "INSERT INTO erased_report(report_id, erased_by, erased_ms, change_mark)"
        " VALUES (?1, ?2, ?3, " ERASURE_NEWEST_CHANGE_SQL ")";
    sqlite3_stmt *stmt = NULL;
    const char *const texts[] = {r->report_id, r->actor};
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 2);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, r->now_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0)
        *seq = sae_db_last_rowid(store->db);
    char target[HUB_AUDIT_TARGET_BYTES];
    snprintf(target, sizeof target, "%s: %s", r->report_id, r->reason);
    if (rc == 0)
        rc = hub_audit_append(store, r->actor, "report-erase", target, r->address, r->now_ms);
    return rc;
}

static int erase_write(struct hub_store *store, void *context)
{
    struct erase_work *w = context;
    const char *id = w->request->report_id;
    const struct sae_kind *kind = NULL;
    int rc = report_kind(store, id, &kind);
    if (rc == 0)
        rc = sealed_values_erase_report(store, id, &w->result.copies);
    if (rc == 0)
        rc = mark_values(store, kind, id, &w->result.values);
    if (rc == 0)
        rc = name_index_forget(store, id);
    if (rc == 0)
        rc = dup_pairs_forget_name(store, id);
    if (rc == 0)
        rc = record(store, w->request, &w->result.seq);
    return rc;
}

static int secure_delete(struct hub_store *store, bool on)
{
    return sae_db_exec(store->db, on ? "PRAGMA secure_delete = ON" : "PRAGMA secure_delete = OFF");
}

int erasure_erase(struct hub_store *store, const struct erasure_request *request,
                  struct erasure_result *out, struct sae_message *why)
{
    struct erase_work w = {request, {0}};
    int64_t secure = 0;
    int rc = erasure_check_reason(request->reason, why);
    if (rc == 0 && (!request->report_id || strlen(request->report_id) != SAE_ID_TEXT_LEN)) {
        sae_message_set(why, "erase: give a report's whole id");
        rc = SAE_EINVAL;
    }
    if (rc == 0)
        rc = sae_db_query_int(store->db, NULL, "PRAGMA secure_delete", NULL, 0, &secure);
    if (rc == 0)
        rc = secure_delete(store, true);
    if (rc == 0)
        rc = hub_store_write(store, erase_write, &w);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no report %s at this hub", request->report_id);
    if (!secure)
        (void)secure_delete(store, false); /* back as the connection had it */
    if (rc != 0)
        return rc;
    /* The old pages sit in the WAL until a checkpoint writes them over: truncate it now. A
     * reader (the console, a pull) may hold it; the daemon's next checkpoint then does. */
    w.result.wal_truncated = sqlite3_wal_checkpoint_v2(store->db, NULL,
                                                       SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                                       NULL) == SQLITE_OK;
    *out = w.result;
    return 0;
}

int erasure_last(struct hub_store *store, const char *report_id, bool *erased,
                 int64_t *erased_ms)
{
    static const char sql[] =
        "SELECT erased_ms FROM erased_report WHERE report_id = ?1 ORDER BY seq DESC LIMIT 1";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *erased = true;
        *erased_ms = sqlite3_column_int64(stmt, 0);
        rc = 0;
    } else if (rc == 0) {
        *erased = false;
    }
    sae_db_reset(stmt);
    return rc;
}

static const char newest_erased_sql[] =
    "SELECT max(coalesce((SELECT max(seq) FROM erased_report), 0),"
    " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'erased_report'), 0))";
static const char erased_after_sql[] =
    "SELECT e.seq, e.report_id, e.change_mark FROM erased_report e"
    " JOIN report r ON r.id = e.report_id"
    " WHERE r.village = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3";

static int read_erased(struct hub_store *store, const char *village, uint64_t cursor,
                       uint64_t upto_change, struct erasure_page *page)
{
    sqlite3_stmt *stmt = NULL;
    const int64_t params[] = {(int64_t)cursor, (int64_t)page->max + 1};
    int rc = hub_store_prepare(store, erased_after_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, village);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 2, params, 2);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        rc = 0;
        if (page->count == page->max ||
            (uint64_t)sqlite3_column_int64(stmt, 2) > upto_change) {
            page->more = true;
            break;
        }
        const char *id = (const char *)sqlite3_column_text(stmt, 1);
        if (!id || sae_id_parse(id, &page->ids[page->count]) != 0) {
            rc = SAE_ECORRUPT;
            break;
        }
        page->count++;
        page->next_cursor = (uint64_t)sqlite3_column_int64(stmt, 0);
    }
    sae_db_reset(stmt);
    return rc;
}

int erasure_after(struct hub_store *store, const char *village, uint64_t cursor,
                  uint64_t upto_change, struct erasure_page *page)
{
    int64_t newest = 0;
    page->count = 0;
    page->more = false;
    page->next_cursor = cursor;
    int rc = hub_store_query_int(store, newest_erased_sql, NULL, 0, &newest);
    if (rc == 0 && cursor > (uint64_t)newest)
        rc = SAE_EINVAL;
    if (rc == 0)
        rc = read_erased(store, village, cursor, upto_change, page);
    /* Caught up: the other villages' rows up to the newest are passed over for good. */
    if (rc == 0 && !page->more)
        page->next_cursor = (uint64_t)newest > cursor ? (uint64_t)newest : cursor;
    return rc;
}

/* The first row's integer of sql, whose ?1 is text and ?2 a cursor: *found whether there was
 * one, *value its integer. */
static int first_int(struct hub_store *store, const char *sql, const char *text,
                     uint64_t cursor, bool *found, int64_t *value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, text);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, (int64_t)cursor);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *value = sqlite3_column_int64(stmt, 0);
        *found = true;
        rc = 0;
    } else if (rc == 0) {
        *found = false;
    }
    sae_db_reset(stmt);
    return rc;
}

int erasure_next_mark(struct hub_store *store, const char *village, uint64_t cursor,
                      bool *pending, uint64_t *mark)
{
    static const char sql[] =
        "SELECT e.change_mark FROM erased_report e JOIN report r ON r.id = e.report_id"
        " WHERE r.village = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT 1";
    bool found = false;
    int64_t value = 0;
    int rc = first_int(store, sql, village, cursor, &found, &value);
    if (rc == 0 && found)
        *mark = (uint64_t)value;
    if (rc == 0)
        *pending = found;
    return rc;
}

int erasure_pending_for(struct hub_store *store, const char *report_id, uint64_t cursor,
                        bool *erased)
{
    static const char sql[] =
        "SELECT EXISTS(SELECT 1 FROM erased_report WHERE report_id = ?1 AND seq > ?2)";
    bool found = false;
    int64_t value = 0;
    int rc = first_int(store, sql, report_id, cursor, &found, &value);
    if (rc == 0 && !found)
        rc = SAE_ECORRUPT; /* EXISTS always gives a row */
    if (rc == 0)
        *erased = value != 0;
    return rc;
}
