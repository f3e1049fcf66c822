/* The replay check is written as an independent declarative query over the journal, not
 * by calling the code that maintains the state: a bug in one does not hide in the other. */
#include "sae/sae_db.h"
#include "store/journal.h"
#include "store/journal_check.h"
#include "store/value_seal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_validate.h"

#define SHOWN_ROWS "SELECT report_id, field, value, version, origin, under_review FROM field_shown"

/* The state the journal implies: per report and field, the change with the greatest
 * (version, origin) among those no later entry re-dates. Compared both ways with the
 * derived table; and the shown values, which are kept one field at a time, with the whole
 * table they imply. */
static const char replay_sql[] =
    "WITH replay AS ("
    "  SELECT report_id, field, version, origin, seq FROM ("
    "    SELECT *, row_number() OVER (PARTITION BY report_id, field"
    "      ORDER BY version DESC, origin DESC, seq DESC) AS rank FROM journal j"
    "    WHERE NOT EXISTS (SELECT 1 FROM journal_entry r WHERE r.restamp_of = j.seq))"
    "  WHERE rank = 1)"
    " SELECT (SELECT count(*) FROM (SELECT * FROM replay EXCEPT"
    "   SELECT report_id, field, version, origin, seq FROM report_field)),"
    "  (SELECT count(*) FROM (SELECT report_id, field, version, origin, seq"
    "   FROM report_field EXCEPT SELECT * FROM replay)),"
    "  (SELECT count(*) FROM (SELECT report_id, kind, min(seq) FROM journal GROUP BY report_id"
    "   EXCEPT SELECT id, kind, first_seq FROM report)),"
    "  (SELECT count(*) FROM (SELECT id, kind, first_seq FROM report EXCEPT"
    "   SELECT report_id, kind, min(seq) FROM journal GROUP BY report_id)),"
    "  (SELECT count(*) FROM (SELECT report_id FROM journal GROUP BY report_id"
    "   HAVING count(DISTINCT kind) > 1)),"
    "  (SELECT count(*) FROM (" JOURNAL_SHOWN_SELECT " EXCEPT " SHOWN_ROWS ")),"
    "  (SELECT count(*) FROM (" SHOWN_ROWS " EXCEPT " JOURNAL_SHOWN_SELECT "))";

static const char integrity_sql[] = "PRAGMA integrity_check";
static const char values_sql[] = "SELECT seq, kind, field, value FROM journal_entry";
static const char count_reports_sql[] = "SELECT count(*) FROM report";

static void problem(struct journal_check_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(struct journal_check_result *r, const char *fmt, ...)
{
    if (r->problems++ == 0) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(r->first_problem, sizeof r->first_problem, fmt, args);
        va_end(args);
    }
}

static int check_integrity(struct node_store *store, struct journal_check_result *r)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, integrity_sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const char *line = (const char *)sqlite3_column_text(stmt, 0);
        if (line && strcmp(line, "ok") != 0)
            problem(r, "database integrity: %.200s", line);
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

static int check_replay(struct node_store *store, struct journal_check_result *r)
{
    static const char *const what[] = {
        "field values implied by the journal are missing from the current state",
        "field values in the current state are not implied by the journal",
        "reports implied by the journal are missing from the current state",
        "reports in the current state have no journal entries",
        "reports have changes of more than one kind",
        "shown values implied by the current state and reviews are missing",
        "shown values are not implied by the current state and reviews",
    };
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, replay_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        for (int i = 0; i < (int)(sizeof what / sizeof what[0]); i++) {
            int64_t n = sqlite3_column_int64(stmt, i);
            if (n > 0)
                problem(r, "%lld %s", (long long)n, what[i]);
        }
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

static void check_value(struct node_store *store, struct journal_check_result *r, int64_t seq,
                        const char *kind_name, const char *field_name,
                        const unsigned char *value, int len)
{
    const struct sae_kind *kind = NULL;
    struct sae_field_ref ref;
    char message[SAE_VALIDATE_MESSAGE_BYTES], *canonical = NULL;
    if (!kind_name || sae_catalogue_find_kind(kind_name, &kind) != 0) {
        problem(r, "journal entry %lld has an unknown kind", (long long)seq);
        return;
    }
    if (field_name && strcmp(field_name, SAE_FIELD_TOMBSTONE) == 0) {
        if (value && !(len == 1 && value[0] == '1'))
            problem(r, "journal entry %lld: tombstone value is not valid", (long long)seq);
        return;
    }
    /* A field, or one element of a set ("violence_types/sexual" = "1"). */
    if (!field_name || sae_catalogue_resolve(kind, field_name, &ref) != 0) {
        problem(r, "journal entry %lld has an unknown field", (long long)seq);
        return;
    }
    if (!value)
        return;
    /* A sensitive value is kept sealed (value_seal.h): its form is checked, not its words;
     * or it is the mark of one the hub did not give this post (withheld) or erased. */
    if (ref.field->sensitive && !ref.element) {
        if (!value_seal_is_mark((const char *)value) &&
            value_seal_check(store->storage_public, (const char *)value) != 0)
            problem(r, "journal entry %lld: value of %s is not sealed to this post's key",
                    (long long)seq, field_name);
        return;
    }
    if (sae_validate_ref(&ref, (const char *)value, (size_t)len, &canonical, message) != 0 ||
        strlen(canonical) != (size_t)len || memcmp(canonical, value, (size_t)len) != 0)
        problem(r, "journal entry %lld: value of %s is not valid", (long long)seq, field_name);
    free(canonical);
}

static int check_values(struct node_store *store, struct journal_check_result *r)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, values_sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const unsigned char *value = sqlite3_column_text(stmt, 3);
        check_value(store, r, sqlite3_column_int64(stmt, 0), (const char *)sqlite3_column_text(stmt, 1),
                    (const char *)sqlite3_column_text(stmt, 2), value,
                    sqlite3_column_bytes(stmt, 3));
        r->changes_checked++;
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

int journal_check(struct node_store *store, struct journal_check_result *out)
{
    struct journal_check_result r;
    memset(&r, 0, sizeof r);
    /* One read transaction: every check sees the same snapshot even while a runner writes. */
    int rc = sae_db_begin_read(store->db);
    if (rc != 0)
        return rc;
    rc = check_integrity(store, &r);
    if (rc == 0)
        rc = check_replay(store, &r);
    if (rc == 0)
        rc = check_values(store, &r);
    if (rc == 0)
        rc = sae_db_query_int(store->db, &store->statements, count_reports_sql, NULL, 0,
                              &r.reports_checked);
    /* The end of a read: nothing to lose, but an error still counts. */
    int end = sae_db_commit(store->db);
    if (rc == 0)
        rc = end;
    if (rc == 0)
        *out = r;
    return rc;
}
