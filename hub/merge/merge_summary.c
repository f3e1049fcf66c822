/* report_summary rows (merge_summary.h). */
#include "merge/merge_summary.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/hub_summary.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"

/* One report's winners in field order (a set's elements come in the order
 * HUB_SUMMARY_SELECT_SQL's group_concat reads them); no row when the hub has no such report,
 * one row with a NULL field when it has no winner yet. The columns are picked from these
 * rows in C: the same picks in SQL, a CASE per column and row, were two thirds of a
 * summary's refresh. test_merge_fast holds the result to HUB_SUMMARY_SELECT_SQL's rows. */
static const char winners_sql[] =
    "SELECT r.kind, s.field, c.value, c.version FROM report r"
    " LEFT JOIN field_winner s ON s.report_no = r.no LEFT JOIN change c ON c.seq = s.change"
    " WHERE r.no = ?1 ORDER BY s.field";

/* A row whose columns are all as they were is left alone: no write, no index touched. */
static const char refresh_sql[] =
    "INSERT INTO report_summary(report_id, kind, day, status, risk, registration, violence,"
    " updated, deleted, case_ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    " ON CONFLICT(report_id) DO UPDATE SET kind = excluded.kind, day = excluded.day,"
    " status = excluded.status, risk = excluded.risk, registration = excluded.registration,"
    " violence = excluded.violence, updated = excluded.updated, deleted = excluded.deleted,"
    " case_ref = excluded.case_ref"
    " WHERE (kind, day, status, risk, registration, violence, updated, deleted, case_ref)"
    " IS NOT (excluded.kind, excluded.day, excluded.status, excluded.risk,"
    " excluded.registration, excluded.violence, excluded.updated, excluded.deleted,"
    " excluded.case_ref)";

/* The fields whose winning value is a column (or decides one), in this order. */
enum pick { PICK_DAY, PICK_STATUS, PICK_RISK, PICK_REGISTRATION, PICK_VIOLENCE_TYPE,
            PICK_DELETED, PICK_CASE_REF, PICKS };

/* A set's elements are fields "violence_types/CODE"; the column lists the codes set. */
#define VIOLENCE_SET_PREFIX "violence_types/"
#define VIOLENCE_SET_PREFIX_LEN (sizeof VIOLENCE_SET_PREFIX - 1)

struct summary {
    char *kind;
    const char *names[PICKS]; /* the field each pick reads, by the report's kind */
    char *values[PICKS];      /* its winning value; NULL: unset */
    char *violence_set;       /* ",CODE,CODE," of the elements with a value; NULL: none */
    size_t set_len;
    int64_t updated;          /* the latest winning version, 0 for none */
};

static void summary_free(struct summary *s)
{
    free(s->kind);
    for (size_t i = 0; i < PICKS; i++)
        free(s->values[i]);
    free(s->violence_set);
}

/* The kind's date and status fields, as HUB_SUMMARY_SELECT_SQL names them. */
static void summary_name_fields(struct summary *s)
{
    bool referral = strcmp(s->kind, "referral") == 0;
    s->names[PICK_DAY] = strcmp(s->kind, "case") == 0      ? "intake_date"
                         : strcmp(s->kind, "service") == 0 ? "service_date"
                         : referral                        ? "referral_date"
                                                           : "admission_date";
    s->names[PICK_STATUS] = referral ? "referral_status" : "status";
    s->names[PICK_RISK] = "risk_level";
    s->names[PICK_REGISTRATION] = "registration_number";
    s->names[PICK_VIOLENCE_TYPE] = "violence_type";
    s->names[PICK_DELETED] = SAE_FIELD_TOMBSTONE;
    s->names[PICK_CASE_REF] = "case_id";
}

static int append_code(struct summary *s, const char *code)
{
    size_t len = strlen(code), start = s->set_len ? s->set_len : 1;
    char *grown = realloc(s->violence_set, start + len + 2);
    if (!grown)
        return SAE_ENOMEM;
    grown[0] = ',';
    memcpy(grown + start, code, len);
    grown[start + len] = ',';
    grown[start + len + 1] = '\0';
    s->violence_set = grown;
    s->set_len = start + len + 1;
    return 0;
}

static int take_winner(struct summary *s, const char *field, const char *value)
{
    for (size_t i = 0; i < PICKS; i++)
        if (value && strcmp(field, s->names[i]) == 0)
            return (s->values[i] = strdup(value)) ? 0 : SAE_ENOMEM;
    if (value && strncmp(field, VIOLENCE_SET_PREFIX, VIOLENCE_SET_PREFIX_LEN) == 0 &&
        field[VIOLENCE_SET_PREFIX_LEN] != '\0')
        return append_code(s, field + VIOLENCE_SET_PREFIX_LEN);
    return 0;
}

/* Reads the report's winners into s; *found = false when the hub has no such report. */
static int read_winners(struct hub_store *store, int64_t report_no, struct summary *s,
                        bool *found)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    int rc = hub_store_prepare(store, winners_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, report_no);
    *found = false;
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const char *kind = (const char *)sqlite3_column_text(stmt, 0);
        const char *field = (const char *)sqlite3_column_text(stmt, 1);
        rc = 0;
        if (!*found) {
            *found = true;
            s->kind = kind ? strdup(kind) : NULL;
            err = s->kind ? 0 : kind ? SAE_ENOMEM : SAE_ECORRUPT; /* a NOT NULL column */
            if (err == 0)
                summary_name_fields(s);
        }
        if (err == 0 && field && sqlite3_column_type(stmt, 3) != SQLITE_NULL &&
            sqlite3_column_int64(stmt, 3) > s->updated)
            s->updated = sqlite3_column_int64(stmt, 3);
        if (err == 0 && field)
            err = take_winner(s, field, (const char *)sqlite3_column_text(stmt, 2));
    }
    sae_db_reset(stmt);
    return err != 0 ? err : rc;
}

/* The violence column: the set as the view shows it, else the old single type. */
static int violence_column(struct summary *s, char **out)
{
    const char *single = s->values[PICK_VIOLENCE_TYPE];
    *out = NULL;
    if (s->violence_set || !single)
        return 0;
    size_t len = strlen(single);
    *out = malloc(len + 3);
    if (!*out)
        return SAE_ENOMEM;
    (*out)[0] = ',';
    memcpy(*out + 1, single, len);
    memcpy(*out + 1 + len, ",", 2);
    return 0;
}

static int write_summary(struct hub_store *store, const char *report_id,
                         const struct summary *s, const char *violence)
{
    sqlite3_stmt *stmt = NULL;
    const char *texts[] = {report_id, s->kind, s->values[PICK_DAY], s->values[PICK_STATUS],
                           s->values[PICK_RISK], s->values[PICK_REGISTRATION], violence};
    const int64_t ints[] = {s->updated, s->values[PICK_DELETED] != NULL};
    int rc = hub_store_prepare(store, refresh_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, sizeof texts / sizeof texts[0]);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 8, ints, sizeof ints / sizeof ints[0]);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 10, s->values[PICK_CASE_REF]);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

int merge_summary_refresh(struct hub_store *store, int64_t report_no, const char *report_id)
{
    struct summary s = {0};
    char *single = NULL;
    bool found = false;
    int rc = read_winners(store, report_no, &s, &found);
    if (rc == 0 && found)
        rc = violence_column(&s, &single);
    if (rc == 0 && found)
        rc = write_summary(store, report_id, &s, s.violence_set ? s.violence_set : single);
    free(single);
    summary_free(&s);
    return rc;
}
