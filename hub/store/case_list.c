/* The console's reports list (case_list.h). The statement is put together from fixed
 * fragments, one per filter given, so that SQLite can use an index for the filters that
 * are there; every value is bound. */
#include "store/case_list.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/conflict_queue.h"
#include "store/hub_read.h"
#include "sae/sae_area.h"
#include "sae/sae_db.h"
#include "sae/sae_validate.h"

#define LAST_REVIEW_SQL                                                                       \
    "(SELECT v.state FROM case_review v WHERE v.report_id = m.report_id"                      \
    " ORDER BY v.seq DESC LIMIT 1)"

static const char rows_sql[] =
    "SELECT m.report_id, m.kind, r.village, " HUB_VILLAGE_NAME_SQL("r.village") ", m.day,"
    " m.status, m.risk, m.registration, m.violence, m.updated, m.deleted,"
    " " HUB_QUEUE_COUNT_SQL("m.report_id") ", " LAST_REVIEW_SQL;
static const char from_sql[] =
    " FROM report_summary m JOIN report r ON r.id = m.report_id WHERE 1";
static const char from_summary_sql[] = " FROM report_summary m WHERE 1";

/* The canonical filter values, bound by name. */
struct list_values {
    char kind[32], kec_lo[24], kec_hi[24], village[24], status[48], risk[16];
    char violence[48], from[16], to[16], review[16], text[HUB_LIST_TEXT_MAX + 1];
};

/* by_area: the form used when an area is filtered. An area holds a few percent of a
 * district's reports, so the list is read through the index of kinds and villages
 * (report_by_kind_village: the kind's reports of the area only, not every event of its
 * villages); a unary + keeps SQLite from reading the whole district in date order
 * instead, which it would guess cheaper without statistics. */
struct filter_fragment {
    size_t offset;   /* of the value in struct list_values; "" leaves the fragment out */
    const char *sql, *by_area;
    bool needs_report; /* reads report r (the count joins it only then) */
};

static const struct filter_fragment fragments[] = {
    {offsetof(struct list_values, kind), " AND m.kind = :kind",
     " AND +m.kind = :kind AND r.kind = :kind", false},
    {offsetof(struct list_values, kec_lo), " AND r.village > :kec_lo AND r.village < :kec_hi",
     NULL, true},
    {offsetof(struct list_values, village), " AND r.village = :village", NULL, true},
    {offsetof(struct list_values, status), " AND m.status = :status", NULL, false},
    {offsetof(struct list_values, risk), " AND m.risk = :risk", NULL, false},
    {offsetof(struct list_values, violence), " AND instr(m.violence, :violence) > 0", NULL,
     false},
    {offsetof(struct list_values, from), " AND m.day >= :from", " AND +m.day >= :from", false},
    {offsetof(struct list_values, to), " AND m.day <= :to", " AND +m.day <= :to", false},
    {offsetof(struct list_values, review),
     " AND coalesce(" LAST_REVIEW_SQL ", '" HUB_REVIEW_NONE "') = :review", NULL, false},
    {offsetof(struct list_values, text),
     " AND (instr(lower(coalesce(m.registration, '')), :text) > 0"
     " OR substr(m.report_id, 1, length(:text)) = :text"
     " OR instr(lower(coalesce(" HUB_VILLAGE_NAME_SQL("r.village") ", '')), :text) > 0)",
     NULL, true},
};

/* The text fragment when names are searched too: a report whose name index holds every
 * token of the query (the primary key makes each token count once per report). */
static const char text_names_sql[] =
    " AND (instr(lower(coalesce(m.registration, '')), :text) > 0"
    " OR substr(m.report_id, 1, length(:text)) = :text"
    " OR instr(lower(coalesce(" HUB_VILLAGE_NAME_SQL("r.village") ", '')), :text) > 0"
    " OR m.report_id IN (SELECT x.report_id FROM name_index x"
    "  WHERE x.token IN (:name0, :name1, :name2, :name3)"
    "  GROUP BY x.report_id HAVING count(*) = :names))";

static const char *const sort_sql[] = {
    [HUB_LIST_BY_DATE] = " ORDER BY m.day DESC, m.report_id DESC",
    [HUB_LIST_BY_UPDATED] = " ORDER BY m.updated DESC, m.report_id DESC",
    [HUB_LIST_BY_VILLAGE] = " ORDER BY r.village, m.day DESC, m.report_id DESC",
    [HUB_LIST_BY_REGISTRATION] = " ORDER BY m.registration, m.report_id",
};

static const char *const review_states[] = {"received", "has_issues", "approved",
                                            HUB_REVIEW_NONE};

/* A value given as people type it, in the canonical form of kind's field. */
static int canonical(const char *kind_name, const char *field_name, const char *given,
                     char *out, size_t size, struct sae_message *why)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    char message[SAE_VALIDATE_MESSAGE_BYTES], *value = NULL;
    int rc = sae_catalogue_find_kind(kind_name, &kind);
    if (rc == 0)
        rc = sae_catalogue_find_field(kind, field_name, &field);
    if (rc != 0)
        return rc;
    rc = sae_validate_value(field, given, strlen(given), &value, message);
    if (rc == 0 && strlen(value) >= size)
        rc = SAE_EINVAL;
    if (rc == 0)
        snprintf(out, size, "%s", value);
    else
        sae_message_set(why, "filter %s: %s", field_name, message);
    free(value);
    return rc == 0 ? 0 : SAE_EINVAL;
}

static int area_filter(const char *given, enum sae_area_level want, char out[24],
                       struct sae_message *why)
{
    char code[SAE_AREA_CODE_BYTES];
    enum sae_area_level level;
    if (sae_area_code_parse(given, code, &level) != 0 || level != want) {
        sae_message_set(why, "filter %s: give a %s code of the official list (sae-hub villages "
                        "list)", want == SAE_AREA_VILLAGE ? "village" : "kecamatan",
                        want == SAE_AREA_VILLAGE ? "village" : "kecamatan");
        return SAE_EINVAL;
    }
    snprintf(out, 24, "%s", code);
    return 0;
}

static int status_filter(const struct hub_list_query *q, struct list_values *v,
                         struct sae_message *why)
{
    bool referral = q->kind && strcmp(v->kind, "referral") == 0;
    return canonical(referral ? "referral" : "case", referral ? "referral_status" : "status",
                     q->status, v->status, sizeof v->status, why);
}

static int violence_filter(const char *given, struct list_values *v, struct sae_message *why)
{
    char set[sizeof v->violence];
    int rc = canonical("case", "violence_types", given, set, sizeof set - 2, why);
    if (rc == 0 && (set[0] == '\0' || strchr(set, ','))) {
        sae_message_set(why, "filter violence_types: give one type of violence");
        rc = SAE_EINVAL;
    }
    if (rc == 0)
        snprintf(v->violence, sizeof v->violence, ",%.44s,", set);
    return rc;
}

static int text_filter(const char *given, struct list_values *v, struct sae_message *why)
{
    size_t len = strlen(given);
    if (len == 0 || len > HUB_LIST_TEXT_MAX || sae_utf8_check(given, len) != 0) {
        sae_message_set(why, "search text: 1 to %d bytes of UTF-8", HUB_LIST_TEXT_MAX);
        return SAE_EINVAL;
    }
    /* lower() in SQLite folds ASCII only: fold the same here. */
    for (size_t i = 0; i <= len; i++)
        v->text[i] = (char)tolower((unsigned char)given[i]);
    return 0;
}

static int review_filter(const char *given, struct list_values *v, struct sae_message *why)
{
    for (size_t i = 0; i < sizeof review_states / sizeof review_states[0]; i++)
        if (strcmp(given, review_states[i]) == 0) {
            snprintf(v->review, sizeof v->review, "%s", given);
            return 0;
        }
    sae_message_set(why, "filter review: one of received, has_issues, approved, none");
    return SAE_EINVAL;
}

static int kind_filter(const char *given, struct list_values *v, struct sae_message *why)
{
    const struct sae_kind *kind = NULL;
    if (sae_catalogue_find_kind(given, &kind) != 0) {
        sae_message_set(why, "filter kind: %s is no kind; see: sae-hub fields", given);
        return SAE_EINVAL;
    }
    snprintf(v->kind, sizeof v->kind, "%s", kind->name);
    return 0;
}

static int check_query(const struct hub_list_query *q, struct list_values *v,
                       struct sae_message *why)
{
    memset(v, 0, sizeof *v);
    if (q->limit < 1 || q->limit > HUB_LIST_PAGE_MAX || q->offset > HUB_LIST_OFFSET_MAX ||
        (unsigned)q->sort > HUB_LIST_BY_REGISTRATION) {
        sae_message_set(why, "a page holds 1 to %d reports and starts at most at %d",
                        HUB_LIST_PAGE_MAX, HUB_LIST_OFFSET_MAX);
        return SAE_EINVAL;
    }
    if (q->name_token_count > NAME_INDEX_QUERY_WORDS ||
        (q->name_token_count > 0 && (!q->name_tokens || !q->text))) {
        sae_message_set(why, "names are searched by at most %u words of the search text",
                        NAME_INDEX_QUERY_WORDS);
        return SAE_EINVAL;
    }
    int rc = q->kind ? kind_filter(q->kind, v, why) : 0;
    if (rc == 0 && q->kecamatan && (rc = area_filter(q->kecamatan, SAE_AREA_DISTRICT,
                                                     v->kec_lo, why)) == 0) {
        snprintf(v->kec_hi, sizeof v->kec_hi, "%.20s/", v->kec_lo);
        strcat(v->kec_lo, ".");
    }
    if (rc == 0 && q->village)
        rc = area_filter(q->village, SAE_AREA_VILLAGE, v->village, why);
    if (rc == 0 && q->status)
        rc = status_filter(q, v, why);
    if (rc == 0 && q->risk)
        rc = canonical("case", "risk_level", q->risk, v->risk, sizeof v->risk, why);
    if (rc == 0 && q->violence)
        rc = violence_filter(q->violence, v, why);
    if (rc == 0 && q->from)
        rc = canonical("case", "intake_date", q->from, v->from, sizeof v->from, why);
    if (rc == 0 && q->to)
        rc = canonical("case", "intake_date", q->to, v->to, sizeof v->to, why);
    if (rc == 0 && q->review)
        rc = review_filter(q->review, v, why);
    if (rc == 0 && q->text)
        rc = text_filter(q->text, v, why);
    return rc;
}

/* The WHERE clause's fragments after "WHERE 1"; *needs_report: one of them reads r. */
static void append_where(const struct hub_list_query *q, const struct list_values *v, char *sql,
                         size_t size, bool *needs_report)
{
    bool by_area = v->kec_lo[0] || v->village[0];
    *needs_report = false;
    for (size_t i = 0; i < sizeof fragments / sizeof fragments[0]; i++)
        if (((const char *)v + fragments[i].offset)[0] != '\0') {
            const struct filter_fragment *f = &fragments[i];
            const char *text = by_area && f->by_area ? f->by_area : f->sql;
            if (f->offset == offsetof(struct list_values, text) && q->name_token_count > 0)
                text = text_names_sql;
            strncat(sql, text, size - strlen(sql) - 1);
            *needs_report = *needs_report || f->needs_report;
        }
    if (q->has_conflict >= 0)
        strncat(sql, q->has_conflict ? " AND m.report_id IN " HUB_QUEUE_REPORTS_SQL
                                     : " AND m.report_id NOT IN " HUB_QUEUE_REPORTS_SQL,
                size - strlen(sql) - 1);
    if (!q->include_deleted)
        strncat(sql, by_area ? " AND +m.deleted = 0" : " AND m.deleted = 0",
                size - strlen(sql) - 1);
}

static int bind_named(sqlite3_stmt *stmt, const char *name, const char *value)
{
    int index = sqlite3_bind_parameter_index(stmt, name);
    return index > 0 && value[0] ? sae_db_bind_text(stmt, index, value) : 0;
}

/* The name tokens of a coordinator's search; those the query has not are NULL, which no
 * token equals. */
static int bind_names(sqlite3_stmt *stmt, const struct hub_list_query *q)
{
    static const char *const names[] = {":name0", ":name1", ":name2", ":name3"};
    _Static_assert(sizeof names / sizeof names[0] == NAME_INDEX_QUERY_WORDS, "one per word");
    int rc = 0, count = sqlite3_bind_parameter_index(stmt, ":names");
    if (count == 0)
        return 0;
    for (size_t i = 0; rc == 0 && i < NAME_INDEX_QUERY_WORDS; i++) {
        int index = sqlite3_bind_parameter_index(stmt, names[i]);
        rc = i < q->name_token_count
                 ? sae_db_bind_blob(stmt, index, q->name_tokens[i], NAME_INDEX_TOKEN_BYTES)
                 : sae_db_bind_null(stmt, index);
    }
    return rc == 0 ? sae_db_bind_int(stmt, count, (int64_t)q->name_token_count) : rc;
}

static int bind_values(sqlite3_stmt *stmt, const struct list_values *v)
{
    const char *const pairs[][2] = {
        {":kind", v->kind}, {":kec_lo", v->kec_lo}, {":kec_hi", v->kec_hi},
        {":village", v->village}, {":status", v->status}, {":risk", v->risk},
        {":violence", v->violence}, {":from", v->from}, {":to", v->to},
        {":review", v->review}, {":text", v->text}};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof pairs / sizeof pairs[0]; i++)
        rc = bind_named(stmt, pairs[i][0], pairs[i][1]);
    return rc;
}

void hub_list_page_free(struct hub_list_page *page)
{
    for (size_t i = 0; page->rows && i < page->count; i++) {
        struct hub_list_row *r = &page->rows[i];
        free(r->village);
        free(r->village_name);
        free(r->date);
        free(r->status);
        free(r->risk);
        free(r->registration);
        free(r->violence);
        free(r->review);
    }
    free(page->rows);
    memset(page, 0, sizeof *page);
}

/* ",a,b," as "a,b". */
static void trim_commas(char *set)
{
    size_t len = set ? strlen(set) : 0;
    if (len >= 2 && set[0] == ',' && set[len - 1] == ',') {
        memmove(set, set + 1, len - 2);
        set[len - 2] = '\0';
    }
}

static int read_row(sqlite3_stmt *stmt, struct hub_list_row *row)
{
    const char *kind = (const char *)sqlite3_column_text(stmt, 1);
    sae_db_column_copy(stmt, 0, row->id, sizeof row->id);
    if (!kind || sae_catalogue_find_kind(kind, &row->kind) != 0)
        return SAE_ECORRUPT;
    char **texts[] = {&row->village, &row->village_name, &row->date, &row->status, &row->risk,
                      &row->registration, &row->violence};
    int rc = 0;
    for (int i = 0; rc == 0 && i < 7; i++)
        rc = sae_db_column_dup(stmt, 2 + i, texts[i]);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 12, &row->review);
    trim_commas(row->violence);
    row->updated = (sae_hlc)sqlite3_column_int64(stmt, 9);
    row->deleted = sqlite3_column_int(stmt, 10) != 0;
    row->open_conflicts = sqlite3_column_int64(stmt, 11);
    return rc;
}

static int read_page(struct hub_store *store, const char *sql, const struct list_values *v,
                     const struct hub_list_query *q, struct hub_list_page *page)
{
    sqlite3_stmt *stmt = NULL;
    page->rows = calloc(q->limit, sizeof *page->rows);
    int rc = page->rows ? sae_db_prepare(store->db, sql, &stmt) : SAE_ENOMEM;
    if (rc == 0)
        rc = bind_values(stmt, v);
    if (rc == 0)
        rc = bind_names(stmt, q);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, sqlite3_bind_parameter_index(stmt, ":limit"),
                             (int64_t)q->limit);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, sqlite3_bind_parameter_index(stmt, ":offset"),
                             (int64_t)q->offset);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW && page->count < q->limit)
        rc = read_row(stmt, &page->rows[page->count++]);
    sae_db_finalize(stmt);
    return rc;
}

static int read_total(struct hub_store *store, const char *sql, const struct list_values *v,
                      const struct hub_list_query *q, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(store->db, sql, &stmt);
    if (rc == 0)
        rc = bind_values(stmt, v);
    if (rc == 0)
        rc = bind_names(stmt, q);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        *out = sqlite3_column_int64(stmt, 0);
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_EDB;
    }
    sae_db_finalize(stmt);
    return rc;
}

#define LIST_SQL_BYTES 4096

int hub_case_list(struct hub_store *store, const struct hub_list_query *query,
                  struct hub_list_page *out, struct sae_message *why)
{
    struct list_values v;
    struct hub_list_page page = {0};
    char where[LIST_SQL_BYTES] = "", sql[LIST_SQL_BYTES], count_sql[LIST_SQL_BYTES];
    bool needs_report = false;
    int rc = check_query(query, &v, why);
    if (rc != 0)
        return rc;
    append_where(query, &v, where, sizeof where, &needs_report);
    snprintf(sql, sizeof sql, "%s%s%s%s LIMIT :limit OFFSET :offset", rows_sql, from_sql,
             where, sort_sql[query->sort]);
    snprintf(count_sql, sizeof count_sql, "SELECT count(*)%s%s",
             needs_report ? from_sql : from_summary_sql, where);
    rc = hub_read_begin(store);
    if (rc != 0)
        return rc;
    rc = read_page(store, sql, &v, query, &page);
    if (rc == 0)
        rc = read_total(store, count_sql, &v, query, &page.total);
    hub_read_end(store);
    if (rc != 0) {
        hub_list_page_free(&page);
        return rc;
    }
    *out = page;
    return 0;
}

static int visit_ids(struct hub_store *store, const char *sql, const struct list_values *v,
                     const struct hub_list_query *q, hub_list_visit_fn visit, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(store->db, sql, &stmt);
    if (rc == 0)
        rc = bind_values(stmt, v);
    if (rc == 0)
        rc = bind_names(stmt, q);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const char *id = (const char *)sqlite3_column_text(stmt, 0);
        rc = id ? visit(id, context) : SAE_ECORRUPT;
    }
    sae_db_finalize(stmt);
    return rc;
}

int hub_case_list_visit(struct hub_store *store, const struct hub_list_query *query,
                        hub_list_visit_fn visit, void *context, struct sae_message *why)
{
    struct hub_list_query checked = *query;
    struct list_values v;
    char where[LIST_SQL_BYTES] = "", sql[LIST_SQL_BYTES];
    bool needs_report = false;
    checked.limit = 1; /* no page: every row */
    checked.offset = 0;
    int rc = check_query(&checked, &v, why);
    if (rc != 0)
        return rc;
    append_where(&checked, &v, where, sizeof where, &needs_report);
    snprintf(sql, sizeof sql, "SELECT m.report_id%s%s%s", from_sql, where,
             sort_sql[checked.sort]);
    bool own = !sae_db_in_transaction(store->db);
    rc = own ? hub_read_begin(store) : 0;
    if (rc != 0)
        return rc;
    rc = visit_ids(store, sql, &v, &checked, visit, context);
    if (own)
        hub_read_end(store);
    return rc;
}
