/* The monitoring counts of stats, computed by SQL over the derived state. */
#include "store/hub_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"

/* ---- Stats -------------------------------------------------------------------------- */

/* The report r is not deleted: its tombstone is unset or was never written. */
#define LIVE_REPORT                                                                         \
    "NOT EXISTS (SELECT 1 FROM field_winner s0 JOIN change c0 ON c0.seq = s0.change"      \
    " WHERE s0.report_no = r.no AND s0.field = '" SAE_FIELD_TOMBSTONE "'"                   \
    " AND c0.value IS NOT NULL)"

/* Types of violence are counted over cases: the set, and the one type of cases recorded
 * before sets (shown through the set while it has no element, as sae_view shows it). */
#define STATS_VIOLENCE_KIND "case"
#define STATS_VIOLENCE_FIELD "violence_types"

/* Every count can be narrowed to one village (?3, its code; NULL: all of them). */
#define IN_VILLAGE(column) "(?3 IS NULL OR " column " = ?3)"

/* Tables keyed by village carry how people read it as a third column. */
static const char villages_sql[] =
    "SELECT v, sum(n), " HUB_VILLAGE_NAME_SQL("v") " FROM (SELECT r.village AS v, "
    LIVE_REPORT " AS n FROM report r UNION ALL SELECT village, 0 FROM node)"
    " WHERE " IN_VILLAGE("v") " GROUP BY v ORDER BY v";

static const char kind_sql[] =
    "SELECT ?1, count(*) FROM report r WHERE r.kind = ?1 AND " LIVE_REPORT
    " AND " IN_VILLAGE("r.village");

/* One definition of "a case of type X" for every count: an element X of the set (?2 is
 * "violence_types/"), else the deprecated field's value (?4). A case of two types counts
 * under both; a case of none under "none". */
static const char set_values_sql[] =
    "WITH live AS (SELECT r.id FROM report r WHERE r.kind = ?1 AND " LIVE_REPORT
    "  AND " IN_VILLAGE("r.village") "),"
    " elements AS (SELECT s.report_id AS id, substr(s.field, length(?2) + 1) AS code"
    "  FROM field_state s JOIN change c ON c.seq = s.change"
    "  WHERE substr(s.field, 1, length(?2)) = ?2 AND c.value IS NOT NULL),"
    " legacy AS (SELECT s.report_id AS id, c.value AS code"
    "  FROM field_state s JOIN change c ON c.seq = s.change"
    "  WHERE s.field = ?4 AND c.value IS NOT NULL AND s.report_id NOT IN (SELECT id FROM elements)),"
    " typed AS (SELECT id, code FROM elements UNION ALL SELECT id, code FROM legacy)"
    " SELECT code, count(*) FROM typed WHERE id IN (SELECT id FROM live) GROUP BY code"
    " UNION ALL SELECT 'none', count(*) FROM live WHERE id NOT IN (SELECT id FROM typed)"
    " HAVING count(*) > 0";

/* Registration numbers more than one live case carries: posts assign them without asking
 * anyone, so the hub lists any it receives twice. */
static const char duplicate_numbers_sql[] =
    "SELECT c.value, count(*) FROM report r JOIN field_winner s ON s.report_no = r.no"
    " JOIN change c ON c.seq = s.change"
    " WHERE s.field = 'registration_number' AND c.value IS NOT NULL AND " LIVE_REPORT
    " AND " IN_VILLAGE("r.village") " GROUP BY c.value HAVING count(*) > 1 ORDER BY c.value";

static const char months_sql[] =
    "SELECT coalesce(substr(c.value, 1, 7), 'none'), count(*) FROM report r"
    " LEFT JOIN field_winner s ON s.report_no = r.no AND s.field = ?2"
    " LEFT JOIN change c ON c.seq = s.change"
    " WHERE r.kind = ?1 AND " LIVE_REPORT " AND " IN_VILLAGE("r.village") " GROUP BY 1";

static const char open_conflicts_sql[] =
    "SELECT r.village, count(*), " HUB_VILLAGE_NAME_SQL("r.village")
    " FROM conflict k JOIN report r ON r.id = k.report_id"
    " WHERE k.status = 'open' AND " IN_VILLAGE("r.village")
    " GROUP BY r.village ORDER BY r.village";

/* Held changes that no resolution has settled yet. */
static const char held_sql[] =
    "SELECT c.village, count(*), " HUB_VILLAGE_NAME_SQL("c.village")
    " FROM change c WHERE c.held = 1"
    " AND NOT EXISTS (SELECT 1 FROM change_parent p WHERE p.parent = c.seq)"
    " AND " IN_VILLAGE("c.village") " GROUP BY c.village ORDER BY c.village";

static const char totals_sql[] =
    "SELECT count(*) FILTER (WHERE " LIVE_REPORT "), count(*) FILTER (WHERE NOT " LIVE_REPORT
    ") FROM report r WHERE " IN_VILLAGE("r.village");

const struct sae_field *hub_stats_date_field(const struct sae_kind *kind)
{
    for (size_t i = 0; i < kind->field_count; i++)
        if (kind->fields[i].type == SAE_FIELD_DATE && kind->fields[i].required)
            return &kind->fields[i];
    return NULL;
}

static void count_table_free(struct hub_count_table *table)
{
    for (size_t i = 0; i < table->count; i++) {
        free(table->rows[i].key);
        free(table->rows[i].label);
    }
    free(table->rows);
    table->rows = NULL;
    table->count = 0;
}

/* Adds count to key's row, appending the row (with its label, may be NULL) when it is new. */
static int count_table_add(struct hub_count_table *table, const char *key, const char *label,
                           int64_t count)
{
    for (size_t i = 0; i < table->count; i++) {
        if (strcmp(table->rows[i].key, key) == 0) {
            table->rows[i].count += count;
            return 0;
        }
    }
    struct hub_count *grown = realloc(table->rows, (table->count + 1) * sizeof *grown);
    if (!grown)
        return SAE_ENOMEM;
    table->rows = grown;
    struct hub_count *row = &grown[table->count];
    row->key = strdup(key);
    row->label = label ? strdup(label) : NULL;
    row->count = count;
    if (!row->key || (label && !row->label)) {
        free(row->key);
        free(row->label);
        return SAE_ENOMEM;
    }
    table->count++;
    return 0;
}

/* Row handler of run_counts: a key, its label (NULL when the query has none) and count. */
typedef int (*count_row_fn)(const char *key, const char *label, int64_t count, void *context);

static int add_to_table(const char *key, const char *label, int64_t count, void *context)
{
    return count_table_add(context, key, label, count);
}

/* Runs a (key, count[, label]) query with up to four text parameters (?3 the village; NULL
 * binds SQL NULL). */
static int run_query(struct hub_store *store, const char *sql, const char *const params[4],
                     count_row_fn row, void *context)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    int rc = sae_db_prepare(store->db, sql, &stmt);
    int count = rc == 0 ? sae_db_param_count(stmt) : 0;
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, params, (size_t)(count < 4 ? count : 4));
    bool labelled = sqlite3_column_count(stmt) > 2;
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        const unsigned char *key = sqlite3_column_text(stmt, 0);
        const char *label = labelled ? (const char *)sqlite3_column_text(stmt, 2) : NULL;
        err = key ? row((const char *)key, label, sqlite3_column_int64(stmt, 1), context)
                  : SAE_ECORRUPT;
        rc = 0;
    }
    sae_db_finalize(stmt);
    if (err == 0 && rc != 0)
        err = rc;
    return err;
}

/* The same with two text parameters and the village. */
static int run_counts(struct hub_store *store, const char *sql, const char *p1, const char *p2,
                      const char *village, count_row_fn row, void *context)
{
    const char *const params[4] = {p1, p2, village, NULL};
    return run_query(store, sql, params, row, context);
}

static void months_free(struct hub_stats *stats)
{
    for (size_t i = 0; i < stats->month_count; i++)
        free(stats->months[i].per_kind);
    free(stats->months);
    stats->months = NULL;
    stats->month_count = 0;
}

/* Where month goes in the ascending list ("none" sorts after every "YYYY-MM"). */
static int month_row(struct hub_stats *stats, const char *month, struct hub_month_count **out)
{
    size_t at = 0;
    while (at < stats->month_count && strcmp(stats->months[at].month, month) < 0)
        at++;
    if (at < stats->month_count && strcmp(stats->months[at].month, month) == 0) {
        *out = &stats->months[at];
        return 0;
    }
    int64_t *per_kind = calloc(sae_catalogue_kind_count(), sizeof *per_kind);
    struct hub_month_count *grown =
        per_kind ? realloc(stats->months, (stats->month_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(per_kind);
        return SAE_ENOMEM;
    }
    stats->months = grown;
    memmove(&grown[at + 1], &grown[at], (stats->month_count - at) * sizeof *grown);
    snprintf(grown[at].month, sizeof grown[at].month, "%s", month);
    grown[at].per_kind = per_kind;
    stats->month_count++;
    *out = &grown[at];
    return 0;
}

struct month_context {
    struct hub_stats *stats;
    size_t kind_index;
};

static int add_month(const char *key, const char *label, int64_t count, void *context)
{
    (void)label;
    struct month_context *m = context;
    struct hub_month_count *row = NULL;
    /* Dates are validated YYYY-MM-DD; anything else is counted as having none. */
    int rc = month_row(m->stats, strlen(key) == 7 ? key : "none", &row);
    if (rc == 0)
        row->per_kind[m->kind_index] += count;
    return rc;
}

static int load_kinds_and_months(struct hub_store *store, const char *village,
                                 struct hub_stats *stats)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        const struct sae_field *date = hub_stats_date_field(kind);
        struct month_context m = {stats, k};
        rc = run_counts(store, kind_sql, kind->name, NULL, village, add_to_table,
                        &stats->kinds);
        if (rc == 0)
            rc = run_counts(store, months_sql, kind->name, date ? date->name : "", village,
                            add_month, &m);
    }
    return rc;
}

/* Every catalogue code first (zero counts included), then anything else found. */
static int load_violence_types(struct hub_store *store, const char *village,
                               struct hub_stats *stats)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL, *legacy = NULL;
    char prefix[SAE_FIELD_ELEMENT_NAME_BYTES];
    int rc = sae_catalogue_find_kind(STATS_VIOLENCE_KIND, &kind);
    if (rc == 0)
        rc = sae_catalogue_find_field(kind, STATS_VIOLENCE_FIELD, &field);
    for (size_t i = 0; rc == 0 && i < kind->field_count; i++)
        if (kind->fields[i].replaced_by && strcmp(kind->fields[i].replaced_by, field->name) == 0)
            legacy = &kind->fields[i];
    for (size_t i = 0; rc == 0 && i < field->value_count; i++)
        rc = count_table_add(&stats->violence_types, field->values[i].code, NULL, 0);
    snprintf(prefix, sizeof prefix, "%s%c", STATS_VIOLENCE_FIELD, SAE_FIELD_ELEMENT_SEPARATOR);
    const char *const params[4] = {kind->name, prefix, village, legacy ? legacy->name : ""};
    if (rc == 0)
        rc = run_query(store, set_values_sql, params, add_to_table, &stats->violence_types);
    return rc;
}

static int load_totals(struct hub_store *store, const char *village, struct hub_stats *stats)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare(store->db, totals_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, village);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        stats->reports = sqlite3_column_int64(stmt, 0);
        stats->deleted = sqlite3_column_int64(stmt, 1);
        rc = 0;
    }
    sae_db_finalize(stmt);
    return rc;
}

void hub_stats_free(struct hub_stats *stats)
{
    count_table_free(&stats->villages);
    count_table_free(&stats->kinds);
    count_table_free(&stats->violence_types);
    count_table_free(&stats->open_conflicts);
    count_table_free(&stats->held_changes);
    count_table_free(&stats->duplicate_numbers);
    months_free(stats);
    stats->reports = stats->deleted = 0;
}

/* Every count comes from one read transaction (the caller's, or one of its own), so they
 * agree with each other even while the daemon merges. */
int hub_stats_load(struct hub_store *store, const char *village, struct hub_stats *out)
{
    struct hub_stats stats;
    bool own = !sae_db_in_transaction(store->db);
    memset(&stats, 0, sizeof stats);
    int rc = own ? hub_read_begin(store) : 0;
    if (rc != 0)
        return rc;
    rc = load_totals(store, village, &stats);
    if (rc == 0)
        rc = run_counts(store, villages_sql, NULL, NULL, village, add_to_table,
                        &stats.villages);
    if (rc == 0)
        rc = load_kinds_and_months(store, village, &stats);
    if (rc == 0)
        rc = load_violence_types(store, village, &stats);
    if (rc == 0)
        rc = run_counts(store, open_conflicts_sql, NULL, NULL, village, add_to_table,
                        &stats.open_conflicts);
    if (rc == 0)
        rc = run_counts(store, held_sql, NULL, NULL, village, add_to_table,
                        &stats.held_changes);
    if (rc == 0)
        rc = run_counts(store, duplicate_numbers_sql, NULL, NULL, village, add_to_table,
                        &stats.duplicate_numbers);
    if (own)
        hub_read_end(store);
    if (rc != 0) {
        hub_stats_free(&stats);
        return rc;
    }
    *out = stats;
    return 0;
}
