/* Monitoring and evaluation figures: one SQL query per figure over me_case and me_event,
 * shaped in C (sets of types from their masks, day bands and medians). */
#include "store/me_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_derived.h"
#include "store/hub_read.h"
#include "store/me_facts.h"

/* The cases of the period (intake in [?1, ?2)) and the area (?3 kecamatan, ?4 village),
 * live: written inline, never through a view, so that every figure is a range of the
 * covering index on intake date. PRIMARY: not linked to an earlier case of the same
 * survivor. COUNTED: those figures count. */
#define CASES_OF_PERIOD                                                                      \
    " FROM me_case m WHERE m.intake_date >= ?1 AND m.intake_date < ?2 AND m.live = 1"         \
    " AND (?3 IS NULL OR m.kecamatan = ?3) AND (?4 IS NULL OR m.village = ?4)"
#define PRIMARY                                                                              \
    "NOT EXISTS (SELECT 1 FROM dup_survivor d WHERE d.case_id = m.id AND d.survivor != m.id)"
#define COUNTED CASES_OF_PERIOD " AND m.consent_statistics = 1 AND " PRIMARY

/* An event whose case is live, consented and in the area (an index lookup per event). */
#define CONSENTED_CASE(column)                                                               \
    "EXISTS (SELECT 1 FROM me_case m WHERE m.id = " column " AND m.live = 1"                  \
    " AND m.consent_statistics = 1 AND (?3 IS NULL OR m.kecamatan = ?3)"                     \
    " AND (?4 IS NULL OR m.village = ?4))"


/* Bounds always bound (an open end is "" or ME_DATE_AFTER_ALL), so that SQLite seeks the
 * dates' index. */
#define IN_PERIOD(column) column " >= ?1 AND " column " < ?2"
#define ME_DATE_AFTER_ALL "9999-12-31"

enum shape {
    SHAPE_PLAIN,    /* key, sub, count[, label] */
    SHAPE_MASK_KEY, /* violence mask, sub, count: a row per type in the mask */
    SHAPE_MASK_SUB, /* key, violence mask, count: likewise in sub */
    SHAPE_DAYS,     /* days (NULL: none), open flag; ordered by days: bands and median */
    SHAPE_SPM,      /* service type, count: key its SPM category */
};

struct figure_spec {
    const char *name, *title_id, *title_en, *date_basis, *place_basis, *sql;
    enum shape shape;
};

#define CASE_DATE "intake_date of the case (tanggal pengaduan)"
#define CASE_PLACE "the village of the post that recorded the case, and its kecamatan"

static const char totals_sql[] =
    "SELECT count(*) FILTER (WHERE p AND consent_statistics = 1),"
    " count(*) FILTER (WHERE p AND consent_statistics IS NOT 1), count(*) FILTER (WHERE NOT p)"
    " FROM (SELECT m.consent_statistics, " PRIMARY " AS p" CASES_OF_PERIOD ")";

static const struct figure_spec specs[ME_FIGURE_COUNT] = {
    [ME_CASES_BY_MONTH] = {"cases_by_month", "Kasus per bulan", "Cases by month", CASE_DATE,
        CASE_PLACE, "SELECT coalesce(substr(intake_date, 1, 7), 'none'), '', count(*)"
        COUNTED " GROUP BY 1", SHAPE_PLAIN},
    [ME_CASES_BY_MONTH_TYPE] = {"cases_by_month_type", "Kasus per bulan dan bentuk kekerasan",
        "Cases by month and type of violence", CASE_DATE, CASE_PLACE,
        "SELECT coalesce(substr(intake_date, 1, 7), 'none'), violence, count(*)"
        COUNTED " GROUP BY 1, 2", SHAPE_MASK_SUB},
    [ME_CASES_BY_TYPE] = {"cases_by_type", "Kasus per bentuk kekerasan",
        "Cases by type of violence", CASE_DATE, CASE_PLACE,
        "SELECT violence, '', count(*)" COUNTED " GROUP BY 1", SHAPE_MASK_KEY},
    [ME_CASES_BY_KECAMATAN] = {"cases_by_kecamatan", "Kasus per kecamatan",
        "Cases by kecamatan", CASE_DATE, CASE_PLACE,
        "SELECT kecamatan, '', count(*), (SELECT a.name FROM area a"
        " WHERE a.code = kecamatan)" COUNTED " GROUP BY 1", SHAPE_PLAIN},
    [ME_CASES_BY_VILLAGE] = {"cases_by_village", "Kasus per desa", "Cases by village",
        CASE_DATE, CASE_PLACE, "SELECT village, '', count(*), "
        HUB_VILLAGE_NAME_SQL("village") COUNTED " GROUP BY 1", SHAPE_PLAIN},
    [ME_VICTIMS_BY_SEX] = {"victims_by_sex", "Korban per jenis kelamin", "Victims by sex",
        CASE_DATE, CASE_PLACE, "SELECT coalesce(sex, 'unknown'), '', count(*)"
        COUNTED " GROUP BY 1", SHAPE_PLAIN},
    [ME_VICTIMS_BY_AGE_BAND] = {"victims_by_age_band", "Korban per kelompok umur",
        "Victims by age band", CASE_DATE, CASE_PLACE,
        "SELECT coalesce(sae_age_band(age), 'unknown'), coalesce(sex, 'unknown'),"
        " count(*)" COUNTED " GROUP BY 1, 2", SHAPE_PLAIN},
    [ME_VICTIMS_BY_AGE_GROUP] = {"victims_by_age_group", "Korban anak dan dewasa",
        "Victims, children and adults", CASE_DATE, CASE_PLACE,
        "SELECT coalesce(sae_age_group(age), 'unknown'), coalesce(sex, 'unknown'),"
        " count(*)" COUNTED " GROUP BY 1, 2", SHAPE_PLAIN},
    [ME_REKAP] = {"rekap", "Rekap bulanan: bentuk kekerasan per jenis kelamin dan usia",
        "Monthly recap: type of violence by sex and age group", CASE_DATE, CASE_PLACE,
        "SELECT violence, coalesce(sex, 'unknown') || '/' ||"
        " coalesce(sae_age_group(age), 'unknown'), count(*)" COUNTED " GROUP BY 1, 2",
        SHAPE_MASK_KEY},
    [ME_SERVICES_BY_SPM] = {"services_by_spm", "Layanan per kategori SPM",
        "Services by SPM category", "service_date of the service",
        "the village of the post that recorded its case",
        "SELECT e.type, count(*) FROM me_event e"
        " WHERE e.kind = 'service' AND e.live = 1 AND " IN_PERIOD("e.date")
        " AND " CONSENTED_CASE("e.case_id")
        " GROUP BY 1", SHAPE_SPM},
    [ME_SHELTER_STAYS] = {"shelter_stays", "Lama tinggal di rumah aman (hari)",
        "Shelter stays and their length (days)", "admission_date of the stay",
        "the village of the post that recorded its case",
        "SELECT sae_days_between(e.date, coalesce(e.end_date, ?5)),"
        " e.end_date IS NULL FROM me_event e"
        " WHERE e.kind = 'shelter_stay' AND e.live = 1 AND " IN_PERIOD("e.date")
        " AND " CONSENTED_CASE("e.case_id")
        " ORDER BY 1", SHAPE_DAYS},
    [ME_REFERRALS] = {"referrals", "Rujukan per tujuan dan status",
        "Referrals by destination and status", "referral_date of the referral",
        "the village of the post that recorded its case",
        "SELECT coalesce(e.type, 'none'), coalesce(e.status, 'none'), count(*)"
        " FROM me_event e WHERE e.kind = 'referral' AND e.live = 1 AND " IN_PERIOD("e.date")
        " AND " CONSENTED_CASE("e.case_id")
        " GROUP BY 1, 2", SHAPE_PLAIN},
    [ME_DAYS_INCIDENT_TO_REPORT] = {"days_incident_to_report",
        "Hari dari kejadian sampai pengaduan", "Days from incident to report", CASE_DATE,
        CASE_PLACE, "SELECT sae_days_between(incident_date, intake_date), 0"
        COUNTED " ORDER BY 1", SHAPE_DAYS},
    [ME_DAYS_INTAKE_TO_SERVICE] = {"days_intake_to_first_service",
        "Hari dari pengaduan sampai layanan pertama", "Days from intake to first service",
        CASE_DATE, CASE_PLACE,
        "SELECT sae_days_between(m.intake_date, (SELECT min(e.date) FROM me_event e"
        " WHERE e.case_id = m.id AND e.kind = 'service' AND e.live = 1)), 0" COUNTED
        " ORDER BY 1", SHAPE_DAYS},
};

int me_month_parse(const char *text, char out[ME_MONTH_BYTES])
{
    char date[11];
    int64_t days;
    if (!text || strlen(text) != 7)
        return SAE_EINVAL;
    snprintf(date, sizeof date, "%.7s-01", text);
    if (sae_date_to_days(date, &days) != 0 || strncmp(text, "1900", 4) < 0 ||
        strncmp(text, "2100", 4) > 0)
        return SAE_EINVAL;
    memcpy(out, text, ME_MONTH_BYTES);
    return 0;
}

static int month_index(const char *month)
{
    return atoi(month) * 12 + atoi(month + 5) - 1;
}

int me_filter_period(struct me_filter *filter, const char *from, const char *to)
{
    char a[ME_MONTH_BYTES] = "", b[ME_MONTH_BYTES] = "";
    if ((from && me_month_parse(from, a) != 0) || (to && me_month_parse(to, b) != 0))
        return SAE_EINVAL;
    if (a[0] && b[0] && (month_index(b) < month_index(a) ||
                         month_index(b) - month_index(a) >= ME_PERIOD_MONTHS_MAX))
        return SAE_ERANGE;
    memcpy(filter->from, a, sizeof a);
    memcpy(filter->to, b, sizeof b);
    return 0;
}

/* The first day of month, and the first day of the month after (the exclusive end). */
static void period_bounds(const struct me_filter *f, char from[11], char to[11])
{
    from[0] = to[0] = '\0';
    if (f->from[0])
        snprintf(from, 11, "%.7s-01", f->from);
    if (f->to[0]) {
        unsigned m = (unsigned)month_index(f->to) + 1;
        snprintf(to, 11, "%04u-%02u-01", m / 12 % 10000, m % 12 + 1);
    }
}

static int bind_filter(sqlite3_stmt *stmt, const struct me_filter *f)
{
    char from[11], to[11], today[11];
    period_bounds(f, from, to);
    sae_date_today(f->now_ms, today);
    const char *params[] = {from, to[0] ? to : ME_DATE_AFTER_ALL, f->kecamatan, f->village,
                            today};
    int count = sae_db_param_count(stmt);
    /* Copied (SQLITE_TRANSIENT): the texts live on this stack frame only. */
    for (int i = 0; i < count && i < 5; i++) {
        int rc = params[i] ? sqlite3_bind_text(stmt, i + 1, params[i], -1, SQLITE_TRANSIENT)
                           : sqlite3_bind_null(stmt, i + 1);
        if (rc != SQLITE_OK)
            return sae_db_error(rc);
    }
    return 0;
}

/* Adds count to (key, sub), appending the row when new. */
static int figure_add(struct me_figure *figure, const char *key, const char *sub,
                      const char *label, int64_t count)
{
    for (size_t i = 0; i < figure->count; i++) {
        if (strcmp(figure->rows[i].key, key) == 0 && strcmp(figure->rows[i].sub, sub) == 0) {
            figure->rows[i].count += count;
            return 0;
        }
    }
    struct me_row *grown = realloc(figure->rows, (figure->count + 1) * sizeof *grown);
    if (!grown)
        return SAE_ENOMEM;
    figure->rows = grown;
    struct me_row *row = &grown[figure->count];
    row->key = strdup(key);
    row->sub = strdup(sub);
    row->label = label ? strdup(label) : NULL;
    row->count = count;
    if (!row->key || !row->sub || (label && !row->label)) {
        free(row->key);
        free(row->sub);
        free(row->label);
        return SAE_ENOMEM;
    }
    figure->count++;
    return 0;
}

static const struct sae_field *violence_field(void)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    if (sae_catalogue_find_kind("case", &kind) != 0 ||
        sae_catalogue_find_field(kind, "violence_types", &field) != 0)
        return NULL;
    return field;
}

/* A row per type in mask (key or sub), "none" for an empty mask. */
static int add_mask(struct me_figure *figure, int64_t mask, const char *other, bool in_key,
                    int64_t count)
{
    const struct sae_field *set = violence_field();
    int rc = 0;
    if (!set)
        return SAE_ECORRUPT;
    if (mask == 0)
        return in_key ? figure_add(figure, "none", other, NULL, count)
                      : figure_add(figure, other, "none", NULL, count);
    for (size_t i = 0; rc == 0 && i < set->value_count; i++)
        if (mask & (INT64_C(1) << i))
            rc = in_key ? figure_add(figure, set->values[i].code, other, NULL, count)
                        : figure_add(figure, other, set->values[i].code, NULL, count);
    return rc;
}

static const char *spm_of(const char *type)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    const struct sae_enum_value *value = NULL;
    if (type && sae_catalogue_find_kind("service", &kind) == 0 &&
        sae_catalogue_find_field(kind, "service_type", &field) == 0)
        value = sae_field_find_value(field, type);
    return value && value->group ? value->group : "none";
}

static const char *column_text(sqlite3_stmt *stmt, int column)
{
    const char *text = (const char *)sqlite3_column_text(stmt, column);
    return text ? text : "";
}

static int add_row(struct me_figure *figure, enum shape shape, sqlite3_stmt *stmt)
{
    int64_t count = sqlite3_column_int64(stmt, 2);
    switch (shape) {
    case SHAPE_MASK_KEY:
        return add_mask(figure, sqlite3_column_int64(stmt, 0), column_text(stmt, 1), true,
                        count);
    case SHAPE_MASK_SUB:
        return add_mask(figure, sqlite3_column_int64(stmt, 1), column_text(stmt, 0), false,
                        count);
    case SHAPE_SPM: {
        const char *type = column_text(stmt, 0);
        return figure_add(figure, spm_of(type), type, NULL, sqlite3_column_int64(stmt, 1));
    }
    default: {
        const char *label = sqlite3_column_count(stmt) > 3
                                ? (const char *)sqlite3_column_text(stmt, 3) : NULL;
        return figure_add(figure, column_text(stmt, 0), column_text(stmt, 1), label, count);
    }
    }
}

static const char *day_band(int64_t days)
{
    static const struct {
        int64_t upto;
        const char *key;
    } bands[] = {{0, "0"}, {7, "1-7"}, {30, "8-30"}, {90, "31-90"}, {365, "91-365"}};
    for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++)
        if (days <= bands[i].upto)
            return bands[i].key;
    return "366+";
}

/* Values come ordered (NULLs first): bands as they pass, then the middle one. */
struct days_state {
    int64_t *values;
    size_t count, capacity;
};

static int days_push(struct days_state *d, int64_t v)
{
    if (d->count == d->capacity) {
        size_t capacity = d->capacity ? d->capacity * 2 : 256;
        int64_t *grown = realloc(d->values, capacity * sizeof *grown);
        if (!grown)
            return SAE_ENOMEM;
        d->values = grown;
        d->capacity = capacity;
    }
    d->values[d->count++] = v;
    return 0;
}

static int add_days(struct me_figure *figure, struct days_state *d, sqlite3_stmt *stmt)
{
    int rc = 0;
    if (sqlite3_column_int(stmt, 1))
        rc = figure_add(figure, "open", "", NULL, 1);
    if (rc != 0)
        return rc;
    if (sae_db_column_is_null(stmt, 0))
        return figure_add(figure, "none", "", NULL, 1);
    int64_t days = sqlite3_column_int64(stmt, 0);
    /* A date before the other (bad input a rule refuses today, old data): band 0. */
    rc = figure_add(figure, day_band(days < 0 ? 0 : days), "", NULL, 1);
    return rc == 0 ? days_push(d, days) : rc;
}

static int row_compare(const void *a, const void *b)
{
    const struct me_row *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->sub, y->sub);
}

static int load_figure(struct hub_store *store, const struct me_filter *filter,
                       struct me_figure *figure)
{
    const struct figure_spec *spec = &specs[figure->id];
    struct days_state days = {0};
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, spec->sql, &stmt);
    if (rc == 0)
        rc = bind_filter(stmt, filter);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = spec->shape == SHAPE_DAYS ? add_days(figure, &days, stmt)
                                       : add_row(figure, spec->shape, stmt);
    sae_db_reset(stmt);
    if (rc == 0 && figure->count > 1 && spec->shape != SHAPE_DAYS)
        qsort(figure->rows, figure->count, sizeof *figure->rows, row_compare);
    if (rc == 0 && days.count > 0)
        rc = figure_add(figure, ME_MEDIAN_KEY, "", NULL, days.values[(days.count - 1) / 2]);
    free(days.values);
    return rc;
}

static int load_totals(struct hub_store *store, const struct me_filter *filter,
                       struct me_report *report)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, totals_sql, &stmt);
    if (rc == 0)
        rc = bind_filter(stmt, filter);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        report->counted = sqlite3_column_int64(stmt, 0);
        report->left_out = sqlite3_column_int64(stmt, 1);
        report->linked = sqlite3_column_int64(stmt, 2);
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_ECORRUPT;
    }
    sae_db_reset(stmt);
    return rc;
}

int me_report_load(struct hub_store *store, const struct me_filter *filter,
                   struct me_report *out)
{
    struct me_report report;
    memset(&report, 0, sizeof report);
    report.filter = *filter;
    for (int i = 0; i < ME_FIGURE_COUNT; i++) {
        const struct figure_spec *spec = &specs[i];
        report.figures[i] = (struct me_figure){(enum me_figure_id)i, spec->name,
                                               spec->title_id, spec->title_en,
                                               spec->date_basis, spec->place_basis, NULL, 0};
    }
    /* Inside the caller's transaction (a month being locked) the caller refreshed. */
    bool own = !sae_db_in_transaction(store->db);
    int rc = own ? me_facts_refresh(store, NULL) : 0;
    if (rc == 0 && own)
        rc = hub_read_begin(store);
    if (rc != 0)
        return rc;
    rc = load_totals(store, filter, &report);
    for (int i = 0; rc == 0 && i < ME_FIGURE_COUNT; i++)
        rc = load_figure(store, filter, &report.figures[i]);
    if (own)
        hub_read_end(store);
    if (rc != 0) {
        me_report_free(&report);
        return rc;
    }
    *out = report;
    return 0;
}

void me_report_free(struct me_report *report)
{
    for (int i = 0; i < ME_FIGURE_COUNT; i++) {
        struct me_figure *f = &report->figures[i];
        for (size_t r = 0; r < f->count; r++) {
            free(f->rows[r].key);
            free(f->rows[r].sub);
            free(f->rows[r].label);
        }
        free(f->rows);
        f->rows = NULL;
        f->count = 0;
    }
}

/* The rows of from, in their order, appended to the empty figure to. */
static int figure_copy(const struct me_figure *from, struct me_figure *to)
{
    to->rows = from->count ? calloc(from->count, sizeof *to->rows) : NULL;
    if (from->count && !to->rows)
        return SAE_ENOMEM;
    for (size_t r = 0; r < from->count; r++) {
        const struct me_row *row = &from->rows[r];
        struct me_row *copy = &to->rows[to->count];
        copy->key = strdup(row->key);
        copy->sub = strdup(row->sub);
        copy->label = row->label ? strdup(row->label) : NULL;
        copy->count = row->count;
        to->count++; /* freed with the figure, whatever was copied */
        if (!copy->key || !copy->sub || (row->label && !copy->label))
            return SAE_ENOMEM;
    }
    return 0;
}

int me_report_copy(const struct me_report *report, struct me_report *out)
{
    struct me_report copy = *report;
    int rc = 0;
    for (int i = 0; i < ME_FIGURE_COUNT; i++) {
        copy.figures[i].rows = NULL;
        copy.figures[i].count = 0;
    }
    for (int i = 0; rc == 0 && i < ME_FIGURE_COUNT; i++)
        rc = figure_copy(&report->figures[i], &copy.figures[i]);
    if (rc != 0) {
        me_report_free(&copy);
        return rc;
    }
    *out = copy;
    return 0;
}

bool me_figure_name_known(const char *name)
{
    for (int i = 0; i < ME_FIGURE_COUNT; i++)
        if (strcmp(specs[i].name, name) == 0)
            return true;
    return false;
}

const struct me_figure *me_report_figure(const struct me_report *report, const char *name)
{
    for (int i = 0; i < ME_FIGURE_COUNT; i++)
        if (strcmp(report->figures[i].name, name) == 0)
            return &report->figures[i];
    return NULL;
}

int64_t me_figure_count(const struct me_figure *figure, const char *key, const char *sub)
{
    for (size_t i = 0; i < figure->count; i++)
        if (strcmp(figure->rows[i].key, key) == 0 && strcmp(figure->rows[i].sub, sub) == 0)
            return figure->rows[i].count;
    return 0;
}
