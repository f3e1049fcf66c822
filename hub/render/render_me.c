/* Monitoring and evaluation: text, JSON, CSV, SVG and the monthly recap. */
#include "render/render_me.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "render/render_svg.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_view.h"

#define CONSENT_TEXT                                                                        \
    "only cases whose survivor consented to be counted (consent_statistics true); cases "  \
    "linked as one survivor count once"

/* The rekap's columns: sub of the rekap figure, and the heading. */
static const struct {
    const char *sub, *heading;
} rekap_columns[] = {
    {"F/child", "Anak P"}, {"M/child", "Anak L"}, {"F/adult", "Dewasa P"},
    {"M/adult", "Dewasa L"},
};
#define REKAP_UNKNOWN "Tidak diketahui"
/* The victims' row of the text and CSV recap, for readers of either language. */
#define REKAP_VICTIMS "Jumlah korban / victims"

static const struct {
    const char *code, *label;
} spm_labels[] = {
    {"complaint", "Layanan pengaduan"},
    {"health", "Layanan kesehatan"},
    {"social_rehabilitation", "Rehabilitasi sosial"},
    {"legal", "Penegakan dan bantuan hukum"},
    {"return_reintegration", "Pemulangan dan reintegrasi sosial"},
};

static const struct sae_field *field_of(const char *kind_name, const char *name)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    if (sae_catalogue_find_kind(kind_name, &kind) != 0 ||
        sae_catalogue_find_field(kind, name, &field) != 0)
        return NULL;
    return field;
}

/* The catalogue field whose codes a figure's keys are (NULL: none). */
static const struct sae_field *key_field(enum me_figure_id id)
{
    switch (id) {
    case ME_CASES_BY_TYPE:
    case ME_REKAP:
        return field_of("case", "violence_types");
    case ME_VICTIMS_BY_SEX:
        return field_of("case", "victim_sex");
    case ME_REFERRALS:
        return field_of("referral", "referred_to");
    default:
        return NULL;
    }
}

const char *me_row_label(const struct me_figure *figure, const struct me_row *row,
                         bool english)
{
    const struct sae_field *field = key_field(figure->id);
    const struct sae_enum_value *value = field ? sae_field_find_value(field, row->key) : NULL;
    if (row->label)
        return row->label;
    if (value)
        return english ? value->label_en : value->label_id;
    for (size_t i = 0; figure->id == ME_SERVICES_BY_SPM && i < sizeof spm_labels /
                                                                    sizeof *spm_labels; i++)
        if (strcmp(spm_labels[i].code, row->key) == 0)
            return spm_labels[i].label;
    return NULL;
}

static const char *key_label(const struct me_figure *figure, const struct me_row *row)
{
    return me_row_label(figure, row, false);
}

static json_t *figure_json(const struct me_figure *f)
{
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < f->count; i++) {
        const char *label = key_label(f, &f->rows[i]);
        if (json_array_append_new(rows, json_pack("{s:s, s:s, s:o, s:I}", "key", f->rows[i].key,
                                                  "sub", f->rows[i].sub, "label",
                                                  label ? json_string(label) : json_null(),
                                                  "count", (json_int_t)f->rows[i].count)) != 0) {
            json_decref(rows);
            return NULL;
        }
    }
    return rows ? json_pack("{s:s, s:s, s:s, s:s, s:o}", "title_id", f->title_id, "title_en",
                            f->title_en, "date_basis", f->date_basis, "place_basis",
                            f->place_basis, "rows", rows)
                : NULL;
}

static json_t *text_or_null(const char *text)
{
    return text && text[0] ? json_string(text) : json_null();
}

json_t *me_report_json(const struct me_report *r)
{
    json_t *figures = json_object();
    for (int i = 0; figures && i < ME_FIGURE_COUNT; i++) {
        json_t *f = figure_json(&r->figures[i]);
        if (!f || json_object_set_new(figures, r->figures[i].name, f) != 0) {
            json_decref(figures);
            return NULL;
        }
    }
    return figures ? json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:s, s:o}", "from",
                               text_or_null(r->filter.from), "to", text_or_null(r->filter.to),
                               "kecamatan", text_or_null(r->filter.kecamatan), "village",
                               text_or_null(r->filter.village), "counted",
                               (json_int_t)r->counted, "left_out", (json_int_t)r->left_out,
                               "linked", (json_int_t)r->linked, "consent", CONSENT_TEXT,
                               "figures", figures)
                   : NULL;
}

json_t *me_revisions_json(const struct month_revision *revisions, size_t count)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < count; i++) {
        const struct month_revision *v = &revisions[i];
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:I}", "figure",
                                                  v->figure, "key", v->key, "sub", v->sub,
                                                  "locked", (json_int_t)v->locked, "now",
                                                  (json_int_t)v->now)) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

void me_report_text(FILE *out, const struct me_report *r)
{
    fprintf(out, "Monitoring dan evaluasi / monitoring and evaluation: %s to %s%s%s%s%s\n",
            r->filter.from[0] ? r->filter.from : "first", r->filter.to[0] ? r->filter.to : "last",
            r->filter.kecamatan ? ", kecamatan " : "", r->filter.kecamatan ? r->filter.kecamatan : "",
            r->filter.village ? ", village " : "", r->filter.village ? r->filter.village : "");
    fprintf(out, "Dihitung / counted: %" PRId64 " case(s); %s. Left out (no consent): %" PRId64
            "; linked to an earlier case of the same survivor: %" PRId64 "\n", r->counted,
            CONSENT_TEXT, r->left_out, r->linked);
    for (int i = 0; i < ME_FIGURE_COUNT; i++) {
        const struct me_figure *f = &r->figures[i];
        fprintf(out, "\n%s / %s\n  (month by: %s; credit to: %s)\n", f->title_id, f->title_en,
                f->date_basis, f->place_basis);
        if (f->count == 0)
            fprintf(out, "  -\n");
        for (size_t j = 0; j < f->count; j++) {
            const char *label = key_label(f, &f->rows[j]);
            fprintf(out, "  %-24s %-28s %8" PRId64 "%s%s%s\n", f->rows[j].key, f->rows[j].sub,
                    f->rows[j].count, label ? "  (" : "", label ? label : "", label ? ")" : "");
        }
    }
}

void me_revisions_text(FILE *out, const struct month_lock_info *lock,
                       const struct month_revision *revisions, size_t count)
{
    char time[SAE_HLC_TIME_LEN + 1];
    hub_format_ms(lock->locked_ms, time);
    fprintf(out, "Dikunci / locked %s by %s at %s; %zu revision(s) since:\n", lock->month,
            lock->locked_by, time, count);
    for (size_t i = 0; i < count; i++)
        fprintf(out, "  %s %s %s: locked %" PRId64 ", now %" PRId64 "\n", revisions[i].figure,
                revisions[i].key, revisions[i].sub, revisions[i].locked, revisions[i].now);
}

int me_figure_csv(FILE *out, const struct me_figure *figure)
{
    static const char *const header[] = {"key", "sub", "label", "count"};
    int rc = fputs("\xEF\xBB\xBF", out) < 0 ? SAE_EIO : 0;
    if (rc == 0)
        rc = hub_csv_write_row(out, header, 4);
    for (size_t i = 0; rc == 0 && i < figure->count; i++) {
        char count[24];
        snprintf(count, sizeof count, "%" PRId64, figure->rows[i].count);
        const char *cells[] = {figure->rows[i].key, figure->rows[i].sub,
                               key_label(figure, &figure->rows[i]), count};
        rc = hub_csv_write_row(out, cells, 4);
    }
    return rc;
}

int me_figure_svg(FILE *out, const struct me_figure *figure)
{
    struct svg_point *points = calloc(figure->count + 1, sizeof *points);
    size_t count = 0;
    if (!points)
        return SAE_ENOMEM;
    for (size_t i = 0; i < figure->count; i++) {
        const struct me_row *row = &figure->rows[i];
        const char *label = key_label(figure, row);
        if (strcmp(row->key, ME_MEDIAN_KEY) == 0)
            continue;
        /* Rows come sorted by key: a key's subs are next to each other. */
        if (count > 0 && i > 0 && strcmp(figure->rows[i - 1].key, row->key) == 0) {
            points[count - 1].value += row->count;
            continue;
        }
        points[count++] = (struct svg_point){label ? label : row->key, row->count};
    }
    char title[SVG_TITLE_BYTES];
    snprintf(title, sizeof title, "%s / %s", figure->title_id, figure->title_en);
    int rc = figure->id == ME_CASES_BY_MONTH ? svg_line_chart(out, title, points, count)
                                             : svg_bar_chart(out, title, points, count);
    free(points);
    return rc;
}

/* ---- The monthly recap -------------------------------------------------------------- */

static void rekap_fill(const struct me_figure *f, const char *key, bool by_sub_key,
                       struct me_rekap_row *out)
{
    for (size_t i = 0; i < f->count; i++) {
        const struct me_row *row = &f->rows[i];
        char sub[32];
        if (by_sub_key) /* victims_by_age_group: key group, sub sex */
            snprintf(sub, sizeof sub, "%s/%s", row->sub, row->key);
        else if (strcmp(row->key, key) == 0)
            snprintf(sub, sizeof sub, "%s", row->sub);
        else
            continue;
        size_t c = 0;
        while (c < 4 && strcmp(rekap_columns[c].sub, sub) != 0)
            c++;
        out->cells[c] += row->count;
    }
}

int me_rekap_rows(const struct me_report *r, me_rekap_emit_fn emit, void *context)
{
    const struct sae_field *types = field_of("case", "violence_types");
    int rc = types ? 0 : SAE_ECORRUPT;
    for (size_t i = 0; rc == 0 && i < types->value_count; i++) {
        struct me_rekap_row row = {types->values[i].label_id, types->values[i].label_en, false,
                                   {0}};
        rekap_fill(&r->figures[ME_REKAP], types->values[i].code, false, &row);
        rc = emit(&row, context);
    }
    struct me_rekap_row victims = {"Jumlah korban", "Victims", true, {0}};
    if (rc == 0)
        rekap_fill(&r->figures[ME_VICTIMS_BY_AGE_GROUP], NULL, true, &victims);
    return rc == 0 ? emit(&victims, context) : rc;
}

int64_t me_rekap_total(const struct me_rekap_row *row)
{
    int64_t total = 0;
    for (int i = 0; i < 5; i++)
        total += row->cells[i];
    return total;
}

static int emit_text(const struct me_rekap_row *row, void *context)
{
    FILE *out = context;
    fprintf(out, "%-36s", row->victims ? REKAP_VICTIMS : row->heading);
    for (int i = 0; i < 5; i++)
        fprintf(out, " %9" PRId64, row->cells[i]);
    fprintf(out, " %9" PRId64 "\n", me_rekap_total(row));
    return 0;
}

static int64_t figure_sum(const struct me_figure *f, const char *key)
{
    int64_t sum = 0;
    for (size_t i = 0; i < f->count; i++)
        if (!key || strcmp(f->rows[i].key, key) == 0)
            sum += strcmp(f->rows[i].key, ME_MEDIAN_KEY) == 0 ? 0 : f->rows[i].count;
    return sum;
}

/* A median, or "-" when no case had both dates. */
static void rekap_median(FILE *out, const char *heading, const struct me_figure *f)
{
    for (size_t i = 0; i < f->count; i++) {
        if (strcmp(f->rows[i].key, ME_MEDIAN_KEY) == 0) {
            fprintf(out, "%-36s %9" PRId64 "\n", heading, f->rows[i].count);
            return;
        }
    }
    fprintf(out, "%-36s %9s\n", heading, "-");
}

void me_rekap_text(FILE *out, const struct me_report *r)
{
    fprintf(out, "REKAP BULANAN KEKERASAN TERHADAP PEREMPUAN DAN ANAK (SIMFONI-PPA)\n"
            "Periode / period: %s to %s; %s\n\n1. Korban menurut bentuk kekerasan, usia dan jenis "
            "kelamin\n%-36s", r->filter.from[0] ? r->filter.from : "first",
            r->filter.to[0] ? r->filter.to : "last", CONSENT_TEXT, "Bentuk kekerasan");
    for (size_t i = 0; i < 4; i++)
        fprintf(out, " %9s", rekap_columns[i].heading);
    fprintf(out, " %9s %9s\n", "Tdk tahu", "Jumlah");
    me_rekap_rows(r, emit_text, out);
    fprintf(out, "\n2. Layanan menurut kategori SPM\n");
    for (size_t i = 0; i < sizeof spm_labels / sizeof *spm_labels; i++)
        fprintf(out, "%-36s %9" PRId64 "\n", spm_labels[i].label,
                figure_sum(&r->figures[ME_SERVICES_BY_SPM], spm_labels[i].code));
    fprintf(out, "\n3. Rumah aman dan rujukan\n%-36s %9" PRId64 "\n%-36s %9" PRId64 "\n",
            "Tinggal di rumah aman", figure_sum(&r->figures[ME_SHELTER_STAYS], NULL) -
            figure_sum(&r->figures[ME_SHELTER_STAYS], "open"),
            "Rujukan", figure_sum(&r->figures[ME_REFERRALS], NULL));
    rekap_median(out, "Median hari kejadian-pengaduan", &r->figures[ME_DAYS_INCIDENT_TO_REPORT]);
    rekap_median(out, "Median hari pengaduan-layanan", &r->figures[ME_DAYS_INTAKE_TO_SERVICE]);
}

static int emit_csv(const struct me_rekap_row *row, void *context)
{
    char numbers[6][24];
    const char *cells[7] = {row->victims ? REKAP_VICTIMS : row->heading};
    for (int i = 0; i < 5; i++) {
        snprintf(numbers[i], sizeof numbers[i], "%" PRId64, row->cells[i]);
        cells[i + 1] = numbers[i];
    }
    snprintf(numbers[5], sizeof numbers[5], "%" PRId64, me_rekap_total(row));
    cells[6] = numbers[5];
    return hub_csv_write_row(context, cells, 7);
}

int me_rekap_csv(FILE *out, const struct me_report *r)
{
    static const char *const header[] = {"Bentuk kekerasan", "Anak P", "Anak L", "Dewasa P",
                                         "Dewasa L", REKAP_UNKNOWN, "Jumlah"};
    int rc = fputs("\xEF\xBB\xBF", out) < 0 ? SAE_EIO : 0;
    if (rc == 0)
        rc = hub_csv_write_row(out, header, 7);
    return rc == 0 ? me_rekap_rows(r, emit_csv, out) : rc;
}
