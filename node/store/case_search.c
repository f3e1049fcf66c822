/* The post's list of cases (case_search.h). One fixed statement: a filter not given is a
 * bound NULL, so every value is bound and the SQL never changes with the input. */
#include "store/case_search.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_validate.h"
#include "store/journal.h"

/* A case's value as the post shows it, by the report's number (node migration 17: the view
 * field_shown would look the number up by the id again for every row). */
#define SHOWN(field)                                                                          \
    "(SELECT s.value FROM field_shown_row s WHERE s.report_num = r.num"                       \
    " AND s.field = '" field "')"
/* The same of a sensitive field: the journal's text of the entry it refers to. */
#define SHOWN_SEALED(field)                                                                   \
    "(SELECT " JOURNAL_RESOLVED("s.value") " FROM field_shown_row s"                          \
    " WHERE s.report_num = r.num AND s.field = '" field "')"

/* The cases whose shown value of a field meets cond (on s.value): read through the index
 * field_shown_by_value (migration 9), so a filter reads that field's entries only. The
 * field is named alone (s.field = 'NAME'): the index keeps only the fields searched
 * (migration 15), and SQLite reads it for a term that names one of them so. */
#define WITH_VALUE(field, cond)                                                               \
    "r.num IN (SELECT s.report_num FROM field_shown_row s WHERE s.field = '" field "'"        \
    " AND " cond ")"

/* The search reads the three fields' shown values from the index itself (it covers them; a
 * sealed one is a reference, read from its journal entry by seq), one field at a time as
 * the index asks, and of a field the district reviews also the post's own latest value
 * (review first: CROSS JOIN keeps SQLite from driving that half from every name and
 * narrative). */
#define TERM_FIELDS "'victim_name', 'narrative', 'registration_number'"
#define TERM_MATCH(field)                                                                     \
    "SELECT s.report_num FROM field_shown_row s WHERE s.field = '" field "'"                  \
    " AND instr(lower(opened(" JOURNAL_RESOLVED("s.value") ")), ?1) > 0"
#define TERM_MATCHES                                                                          \
    TERM_MATCH("victim_name") " UNION ALL " TERM_MATCH("narrative") " UNION ALL "             \
    TERM_MATCH("registration_number")                                                         \
    " UNION SELECT f.report_num FROM review v CROSS JOIN report vr ON vr.id = v.report_id"    \
    " CROSS JOIN field_shown_row f ON f.report_num = vr.num AND f.field = v.field"            \
    " CROSS JOIN journal_entry j ON j.seq = f.seq"                                            \
    " WHERE v.field IN (" TERM_FIELDS ") AND instr(lower(opened(j.value)), ?1) > 0"

/* ?1 term (lower case), ?2 status, ?3 risk, ?4 from, ?5 to. lower() folds ASCII only, as the
 * term is folded: a name typed in another case still matches. */
#define MATCHING_CASES                                                                        \
    " FROM report r WHERE r.kind = 'case'"                                                    \
    " AND NOT " WITH_VALUE(SAE_FIELD_TOMBSTONE, "s.value IS NOT NULL")                        \
    " AND (?2 IS NULL OR " WITH_VALUE("status", "s.value = ?2") ")"                           \
    " AND (?3 IS NULL OR " WITH_VALUE("risk_level", "s.value = ?3") ")"                       \
    " AND (?4 IS NULL OR " WITH_VALUE("intake_date", "s.value >= ?4") ")"                     \
    " AND (?5 IS NULL OR " WITH_VALUE("intake_date", "s.value <= ?5") ")"                     \
    " AND (?1 IS NULL OR r.num IN (" TERM_MATCHES "))"

static const char rows_sql[] =
    "SELECT r.id, " SHOWN("registration_number") ", shown(" SHOWN_SEALED("victim_name") "),"
    " " SHOWN("status") ", " SHOWN("risk_level") ", " SHOWN("intake_date")
    MATCHING_CASES " ORDER BY r.first_seq DESC LIMIT ?6 OFFSET ?7";
static const char count_sql[] = "SELECT count(*)" MATCHING_CASES;

enum { FILTER_STATUS, FILTER_RISK, FILTER_FROM, FILTER_TO, FILTER_COUNT };

/* The filters in canonical form (NULL: not given). */
struct search_values {
    char term[CASE_SEARCH_TERM_MAX + 1];
    char *filters[FILTER_COUNT];
};

static void values_free(struct search_values *v)
{
    for (size_t i = 0; i < FILTER_COUNT; i++)
        free(v->filters[i]);
}

static int given(const char *text)
{
    return text && text[0] != '\0';
}

/* Trimmed of spaces and folded to ASCII lower case; "" when only spaces were given. */
static int read_term(const char *text, char out[CASE_SEARCH_TERM_MAX + 1],
                     struct sae_message *why)
{
    size_t len = strlen(text);
    while (len > 0 && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len > CASE_SEARCH_TERM_MAX) {
        sae_message_set(why, "q: a search term of at most %d bytes; shorten it",
                        CASE_SEARCH_TERM_MAX);
        return SAE_EINVAL;
    }
    if (sae_utf8_check(text, len) != 0) {
        sae_message_set(why, "q: the search term is not readable text; type it again");
        return SAE_EINVAL;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] - 'A' + 'a') : text[i];
    out[len] = '\0';
    return 0;
}

/* The catalogue's canonical form of a case field's value as people give it. */
static int read_filter(const char *name, const char *field_name, const char *text, char **out,
                       struct sae_message *why)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    char message[SAE_VALIDATE_MESSAGE_BYTES];
    int rc = sae_catalogue_find_kind("case", &kind);
    if (rc == 0)
        rc = sae_catalogue_find_field(kind, field_name, &field);
    if (rc != 0)
        return rc;
    if (sae_validate_value(field, text, strlen(text), out, message) != 0) {
        sae_message_set(why, "%s: %s", name, message);
        return SAE_EINVAL;
    }
    return 0;
}

static int read_query(const struct case_search_query *q, struct search_values *v,
                      struct sae_message *why)
{
    static const struct {
        const char *name, *field;
        size_t offset;
    } filters[FILTER_COUNT] = {
        [FILTER_STATUS] = {"status", "status", offsetof(struct case_search_query, status)},
        [FILTER_RISK] = {"risk", "risk_level", offsetof(struct case_search_query, risk)},
        [FILTER_FROM] = {"from", "intake_date", offsetof(struct case_search_query, from)},
        [FILTER_TO] = {"to", "intake_date", offsetof(struct case_search_query, to)},
    };
    if (q->offset > CASE_SEARCH_OFFSET_MAX) {
        sae_message_set(why, "offset: 0 to %d", CASE_SEARCH_OFFSET_MAX);
        return SAE_EINVAL;
    }
    int rc = given(q->term) ? read_term(q->term, v->term, why) : 0;
    for (size_t i = 0; rc == 0 && i < FILTER_COUNT; i++) {
        const char *text = *(const char *const *)((const char *)q + filters[i].offset);
        if (given(text))
            rc = read_filter(filters[i].name, filters[i].field, text, &v->filters[i], why);
    }
    return rc;
}

static int bind_values(sqlite3_stmt *stmt, const struct search_values *v)
{
    int rc = sae_db_bind_text(stmt, 1, v->term[0] ? v->term : NULL);
    for (int i = 0; rc == 0 && i < FILTER_COUNT; i++)
        rc = sae_db_bind_text(stmt, 2 + i, v->filters[i]);
    return rc;
}

static int count_matching(struct node_store *store, const struct search_values *v,
                          int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, count_sql, &stmt);
    if (rc != 0)
        return rc;
    rc = bind_values(stmt, v);
    int step = rc == 0 ? sae_db_step(stmt) : rc;
    if (step == SAE_DB_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else
        rc = step < 0 ? step : SAE_EDB;
    sae_db_reset(stmt);
    return rc;
}

static void copy_row(sqlite3_stmt *stmt, struct case_search_row *row)
{
    sae_db_column_copy(stmt, 0, row->id, sizeof row->id);
    sae_db_column_copy(stmt, 1, row->registration, sizeof row->registration);
    sae_db_column_copy(stmt, 2, row->name, sizeof row->name);
    sae_db_column_copy(stmt, 3, row->status, sizeof row->status);
    sae_db_column_copy(stmt, 4, row->risk, sizeof row->risk);
    sae_db_column_copy(stmt, 5, row->intake_date, sizeof row->intake_date);
}

static int read_rows(struct node_store *store, const struct search_values *v, size_t offset,
                     struct case_search_page *page)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, rows_sql, &stmt);
    if (rc != 0)
        return rc;
    rc = bind_values(stmt, v);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 6, CASE_SEARCH_PAGE_ROWS);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 7, (int64_t)offset);
    int step = rc == 0 ? sae_db_step(stmt) : rc;
    for (; step == SAE_DB_ROW && page->count < CASE_SEARCH_PAGE_ROWS; step = sae_db_step(stmt))
        copy_row(stmt, &page->rows[page->count++]);
    if (step < 0)
        rc = step;
    sae_db_reset(stmt);
    return rc;
}

int case_search(struct node_store *store, const struct case_search_query *query,
                struct case_search_page *out, struct sae_message *why)
{
    struct search_values v = {{0}, {NULL}};
    struct case_search_page *page = calloc(1, sizeof *page);
    if (!page)
        return SAE_ENOMEM;
    /* One read transaction: the total and the rows describe the same moment. */
    int rc = read_query(query, &v, why);
    bool own = rc == 0 && !sae_db_in_transaction(store->db);
    if (own)
        rc = sae_db_begin_read(store->db);
    if (rc == 0)
        rc = read_rows(store, &v, query->offset, page);
    /* A page that is not full ends the list: its total is known without counting again
     * (a search of a few cases then reads names and narratives once, not twice). */
    if (rc == 0 && page->count < CASE_SEARCH_PAGE_ROWS && (page->count > 0 || query->offset == 0))
        page->total = (int64_t)(query->offset + page->count);
    else if (rc == 0)
        rc = count_matching(store, &v, &page->total);
    if (own)
        sae_db_rollback(store->db);
    if (rc == 0)
        memcpy(out, page, sizeof *page);
    free(page);
    values_free(&v);
    return rc;
}
