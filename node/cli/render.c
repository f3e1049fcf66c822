#include "cli/render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/node_store.h"
#include "store/value_seal.h"
#include "sae/sae_byline.h"
#include "sae/sae_error.h"
#include "sae/sae_time.h"
#include "sae/sae_value_json.h"
#include "sae/sae_view.h"

#define LIST_SUMMARY_FIELDS 4
/* A sensitive value read without the storage key (value_seal.h), and one the district has
 * not given this post (withheld: no key opens it here). */
#define MASKED_WORDS VALUE_SEAL_MASK " (masuk untuk melihat / sign in to see: --as STAFF)"
#define WITHHELD_WORDS                                                                        \
    VALUE_SEAL_MASK " (belum diberikan distrik / not given by the district yet)"
/* A value of a report the district erased at a survivor's request (store/erasure_apply.h). */
#define ERASED_WORDS "dihapus / erased"

static const char *hidden_words(bool withheld, bool erased)
{
    return erased ? ERASED_WORDS : withheld ? WITHHELD_WORDS : MASKED_WORDS;
}

void render_origin(uint64_t origin, char out[17])
{
    snprintf(out, 17, "%016" PRIx64, origin);
}

/* json_object_set_new that reports failure, so callers can check once at the end. */
static int put(json_t *object, const char *key, json_t *value)
{
    return value && json_object_set_new(object, key, value) == 0 ? 0 : -1;
}

json_t *render_report_json(const struct report *report)
{
    json_t *object = json_object(), *fields = json_object(), *reviewed = json_array();
    json_t *masked = json_array(), *withheld = json_array(), *erased = json_array();
    char time[SAE_HLC_TIME_LEN + 1];
    int bad = !object || !fields || !reviewed || !masked || !withheld || !erased;
    /* A value read without the key is null, and its field named in "masked"; one the
     * district has not given this post also in "withheld", one it erased in "erased". */
    for (size_t i = 0; !bad && i < report->value_count; i++) {
        const struct report_value *v = &report->values[i];
        bad = put(fields, v->field->name,
                  v->masked ? json_null() : sae_value_json(v->field, v->value));
        if (!bad && v->masked)
            bad = json_array_append_new(masked, json_string(v->field->name)) != 0;
        if (!bad && v->withheld)
            bad = json_array_append_new(withheld, json_string(v->field->name)) != 0;
        if (!bad && v->erased)
            bad = json_array_append_new(erased, json_string(v->field->name)) != 0;
    }
    for (size_t i = 0; !bad && i < report->under_review_count; i++)
        bad = json_array_append_new(reviewed, json_string(report->under_review[i].field)) != 0;
    sae_hlc_format_time(report->updated, time);
    if (!bad)
        bad = put(object, "id", json_string(report->id)) |
              put(object, "kind", json_string(report->kind->name)) |
              put(object, "fields", json_incref(fields)) |
              put(object, "masked", json_incref(masked)) |
              put(object, "withheld", json_incref(withheld)) |
              put(object, "erased", json_incref(erased)) |
              put(object, "deleted", json_boolean(report->deleted)) |
              put(object, "updated", json_string(time)) |
              put(object, "under_review", json_incref(reviewed)) |
              put(object, "issues",
                  report->has_issues ? json_pack("{s:s?, s:s?}", "note", report->issues_note,
                                                 "reviewer", report->issues_reviewer)
                                     : json_null());
    json_decref(fields);
    json_decref(reviewed);
    json_decref(masked);
    json_decref(withheld);
    json_decref(erased);
    if (bad) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static json_t *version_hex_json(sae_hlc v)
{
    char hex[SAE_HLC_HEX_LEN + 1];
    sae_hlc_format_hex(v, hex);
    return json_string(hex);
}

static json_t *origin_json(uint64_t origin)
{
    char hex[17];
    render_origin(origin, hex);
    return json_string(hex);
}

static json_t *text_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}

/* "Siti, Laptop Pos Sumberanyar, 3 Dec 14:05": who, on which device, when. */
static void history_byline(const struct history_entry *e, char out[SAE_BYLINE_BYTES])
{
    sae_byline(e->author, e->device, sae_hlc_ms(e->version.hlc), sae_wall_clock_ms(), out);
}

json_t *render_history_json(const struct history_entry *e)
{
    json_t *object = json_object();
    char time[SAE_HLC_TIME_LEN + 1], by[SAE_BYLINE_BYTES];
    sae_hlc_format_time(e->version.hlc, time);
    history_byline(e, by);
    if (!object)
        return NULL;
    int bad = put(object, "seq", json_integer(e->seq)) |
              put(object, "field", json_string(e->field)) |
              put(object, "value", e->value && !e->masked ? json_string(e->value)
                                                          : json_null()) |
              put(object, "masked", json_boolean(e->masked)) |
              put(object, "withheld", json_boolean(e->withheld)) |
              put(object, "erased", json_boolean(e->erased)) |
              put(object, "version", version_hex_json(e->version.hlc)) |
              put(object, "origin", origin_json(e->version.origin)) |
              put(object, "time", json_string(time)) |
              put(object, "base_version", version_hex_json(e->base.hlc)) |
              put(object, "base_origin", origin_json(e->base.origin)) |
              put(object, "redates", e->redates ? json_integer(e->redates) : json_null()) |
              put(object, "author", text_or_null(e->author)) |
              put(object, "device", text_or_null(e->device)) |
              put(object, "note", text_or_null(e->note)) | put(object, "by", json_string(by));
    if (bad) {
        json_decref(object);
        return NULL;
    }
    return object;
}

/* {"code", "label_id", "label_en", "aliases": [...]} of an enum or set value. */
static json_t *enum_value_json(const struct sae_enum_value *v)
{
    json_t *aliases = json_array();
    for (const char *p = v->aliases; aliases && p && *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (json_array_append_new(aliases, json_stringn(p, n)) != 0) {
            json_decref(aliases);
            return NULL;
        }
        p = bar ? bar + 1 : NULL;
    }
    if (!aliases)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:o}", "code", v->code, "label_id", v->label_id,
                     "label_en", v->label_en, "aliases", aliases);
}

static const char *area_level_name(int level)
{
    return level == 3 ? "kecamatan" : level == 4 ? "village" : "area";
}

/* What catalogue 2 added to a field: help texts, old fields and their replacement, areas. */
static int put_field_extras(json_t *object, const struct sae_field *field)
{
    int bad = put(object, "help_id", text_or_null(field->help_id)) |
              put(object, "help_en", text_or_null(field->help_en)) |
              put(object, "deprecated", json_boolean(field->deprecated));
    if (!bad && field->replaced_by)
        bad = put(object, "replaced_by", json_string(field->replaced_by));
    if (!bad && field->type == SAE_FIELD_AREA)
        bad = put(object, "area_level", json_string(area_level_name(field->area_level)));
    return bad;
}

static json_t *field_json(const struct sae_field *field)
{
    json_t *object = json_object(), *values = json_array();
    int bad = !object || !values;
    for (size_t i = 0; !bad && i < field->value_count; i++) {
        json_t *v = enum_value_json(&field->values[i]);
        bad = !v || json_array_append_new(values, v) != 0;
    }
    if (!bad)
        bad = put(object, "name", json_string(field->name)) |
              put(object, "type", json_string(sae_field_type_name(field->type))) |
              put(object, "label_id", json_string(field->label_id)) |
              put(object, "label_en", json_string(field->label_en)) |
              put(object, "required", json_boolean(field->required)) |
              put(object, "sensitive", json_boolean(field->sensitive));
    if (!bad && field->type == SAE_FIELD_TEXT)
        bad = put(object, "max_bytes", json_integer((json_int_t)field->max_bytes));
    if (!bad && field->type == SAE_FIELD_INT)
        bad = put(object, "min", json_integer(field->min_value)) |
              put(object, "max", json_integer(field->max_value));
    if (!bad && (field->type == SAE_FIELD_ENUM || field->type == SAE_FIELD_SET))
        bad = put(object, "values", json_incref(values));
    if (!bad)
        bad = put_field_extras(object, field);
    if (!bad && field->type == SAE_FIELD_REFERENCE)
        bad = put(object, "ref_kind", json_string(field->ref_kind));
    if (!bad && field->default_value)
        bad = put(object, "default", json_string(field->default_value));
    json_decref(values);
    if (bad) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static json_t *kind_json(const struct sae_kind *kind)
{
    json_t *fields = json_array();
    for (size_t i = 0; fields && i < kind->field_count; i++) {
        json_t *f = field_json(&kind->fields[i]);
        if (!f || json_array_append_new(fields, f) != 0) {
            json_decref(fields);
            return NULL;
        }
    }
    if (!fields)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:o, s:b, s:o}", "kind", kind->name, "label_id",
                     kind->label_id, "label_en", kind->label_en, "aliases",
                     text_or_null(kind->aliases), "append_only", kind->append_only, "fields",
                     fields);
}

json_t *render_catalogue_json(const struct sae_kind *only)
{
    json_t *kinds = json_array();
    for (size_t i = 0; kinds && i < sae_catalogue_kind_count(); i++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(i);
        if (only && only != kind)
            continue;
        json_t *k = kind_json(kind);
        if (!k || json_array_append_new(kinds, k) != 0) {
            json_decref(kinds);
            return NULL;
        }
    }
    return kinds;
}

int render_json_print(FILE *out, json_t *value)
{
    if (!value)
        return SAE_ENOMEM;
    int rc = json_dumpf(value, out, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(value);
    if (rc != 0 || fputc('\n', out) == EOF)
        return SAE_EIO;
    return 0;
}

/* Continuation lines are indented under the value; a final line break is not printed, so
 * that no blank line follows. */
static void print_multiline(FILE *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\n' && !p[1])
            break;
        fputc(*p, out);
        if (*p == '\n')
            fprintf(out, "%26s", "");
    }
}

/* The mark of a value the district reviews: it stands until a coordinator decides. */
#define UNDER_REVIEW "  <- under review by the district (ditinjau kabupaten)"

/* Whether a value line of report shows the field under review named name: the field
 * itself, the set one of whose elements it is, or the set a deprecated field is shown
 * through. */
static bool shown_above(const struct report *report, const char *name)
{
    const struct sae_field *old = NULL;
    for (size_t k = 0; k < report->value_count; k++) {
        const char *field = report->values[k].field->name;
        if (report_names_field(name, field))
            return true;
        if (report->values[k].field->type == SAE_FIELD_SET &&
            report->view.legacy[sae_field_index(report->kind, report->values[k].field)] &&
            sae_catalogue_find_field(report->kind, name, &old) == 0 && old->replaced_by &&
            strcmp(old->replaced_by, field) == 0)
            return true;
    }
    return false;
}

/* Fields under review that no line above shows (unset while disputed, the deletion, an
 * element of a set not shown whole): named with the value that stands, so that none goes
 * unmarked. */
static void print_reviews_without_value(FILE *out, const struct report *report)
{
    for (size_t i = 0; i < report->under_review_count; i++) {
        const struct report_review *r = &report->under_review[i];
        if (strcmp(r->field, SAE_FIELD_TOMBSTONE) == 0)
            fprintf(out, "  %-22s  %s" UNDER_REVIEW "\n", "deleted",
                    report->deleted ? "yes" : "no");
        else if (!shown_above(report, r->field))
            fprintf(out, "  %-22s  %s" UNDER_REVIEW "\n", r->field,
                    r->value ? r->value : "(unset)");
    }
}

void render_report_text(FILE *out, const struct report *report)
{
    char time[SAE_HLC_TIME_LEN + 1];
    sae_hlc_format_time(report->updated, time);
    fprintf(out, "%s  %s (%s)%s\n", report->id, report->kind->name, report->kind->label_id,
            report->deleted ? "  DIHAPUS / DELETED" : "");
    for (size_t i = 0; i < report->value_count; i++) {
        const struct report_value *v = &report->values[i];
        char label[SAE_VALUE_LABEL_BYTES];
        bool labelled = sae_value_label(v->field, v->value, label) == 0;
        fprintf(out, "  %-22s  ", v->field->name);
        if (v->masked)
            fputs(hidden_words(v->withheld, v->erased), out);
        else if (v->field->multiline)
            print_multiline(out, v->value);
        else if (v->field->type == SAE_FIELD_AREA && labelled)
            fprintf(out, "%s, %s", label, v->value); /* people know the name, not the code */
        else
            fputs(v->value, out);
        if (labelled && v->field->type != SAE_FIELD_AREA)
            fprintf(out, " (%s)", label);
        if (v->field->type == SAE_FIELD_SET && report->view.legacy[sae_field_index(report->kind,
                                                                                   v->field)])
            fputs("  [catatan lama / old record]", out);
        if (report_under_review(report, v->field->name))
            fputs(UNDER_REVIEW, out);
        fputc('\n', out);
    }
    print_reviews_without_value(out, report);
    if (report->has_issues)
        fprintf(out, "  %-22s  %s (%s)\n", "ADA MASALAH / ISSUES",
                report->issues_note ? report->issues_note : "-",
                report->issues_reviewer ? report->issues_reviewer : "-");
    fprintf(out, "  %-22s  %s\n", "last change", time);
}

void render_report_line(FILE *out, const struct report *report)
{
    size_t shown = 0;
    fprintf(out, "%s  %-8s", report->id, report->kind->name);
    for (size_t i = 0; i < report->value_count && shown < LIST_SUMMARY_FIELDS; i++) {
        const struct report_value *v = &report->values[i];
        if (!sae_field_shown_in_lists(v->field))
            continue;
        if (v->erased)
            fprintf(out, "  %s=(%s)", v->field->name, ERASED_WORDS);
        else if (v->field->type == SAE_FIELD_REFERENCE)
            fprintf(out, "  %s=%.8s", v->field->name, v->value);
        else
            fprintf(out, "  %s=%s", v->field->name, v->value);
        shown++;
    }
    if (report->has_issues)
        fputs("  [ada masalah / has issues]", out);
    fputs(report->deleted ? "  (deleted)\n" : "\n", out);
}

/* One line per change: who, where and when first, then the field and its value, a
 * coordinator's note, and the versions for whoever must trace a merge. */
void render_history_text(FILE *out, const struct history_entry *e)
{
    char by[SAE_BYLINE_BYTES], version[SAE_HLC_HEX_LEN + 1], origin[17];
    history_byline(e, by);
    sae_hlc_format_hex(e->version.hlc, version);
    render_origin(e->version.origin, origin);
    fprintf(out, "%6lld  %s  %-22s  ", (long long)e->seq, by, e->field);
    if (!e->value)
        fputs("(unset)", out);
    else if (e->masked)
        fputs(hidden_words(e->withheld, e->erased), out);
    else if (strchr(e->value, '\n'))
        fprintf(out, "(%zu bytes of text)", strlen(e->value));
    else
        fputs(e->value, out);
    if (e->note)
        fprintf(out, "  note: %s", e->note);
    if (e->redates)
        fprintf(out, "  (re-dates %lld: the clock was wrong)", (long long)e->redates);
    fprintf(out, "  [version %s@%s, ", version, origin);
    if (e->base.hlc == 0) {
        fprintf(out, "base none]\n");
    } else {
        char base[SAE_HLC_HEX_LEN + 1], base_origin[17];
        sae_hlc_format_hex(e->base.hlc, base);
        render_origin(e->base.origin, base_origin);
        fprintf(out, "base %s@%s]\n", base, base_origin);
    }
}

static void catalogue_field_text(FILE *out, const struct sae_field *f)
{
    fprintf(out, "  %-22s %-9s %s / %s", f->name, sae_field_type_name(f->type), f->label_id,
            f->label_en);
    if (f->required)
        fputs("  [wajib / required]", out);
    if (f->sensitive)
        fputs("  [rahasia / sensitive]", out);
    if (f->default_value)
        fprintf(out, "  [default: %s]", f->default_value);
    if (f->type == SAE_FIELD_INT)
        fprintf(out, "  %lld..%lld", f->min_value, f->max_value);
    if (f->type == SAE_FIELD_TEXT)
        fprintf(out, "  up to %zu bytes", f->max_bytes);
    if (f->type == SAE_FIELD_DATE)
        fputs("  YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY", out);
    if (f->type == SAE_FIELD_REFERENCE)
        fprintf(out, "  id of a %s report", f->ref_kind);
    if (f->type == SAE_FIELD_SET)
        fputs("  any of these, separated by commas", out);
    if (f->type == SAE_FIELD_AREA)
        fprintf(out, "  code or name of a %s of the official list",
                area_level_name(f->area_level));
    if (f->deprecated)
        fprintf(out, "  [lama / old: read only, use %s]", f->replaced_by);
    fputc('\n', out);
    if (f->help_id)
        fprintf(out, "      %s\n      %s\n", f->help_id, f->help_en);
    for (size_t k = 0; k < f->value_count; k++) {
        fprintf(out, "      %-28s %s / %s", f->values[k].code, f->values[k].label_id,
                f->values[k].label_en);
        if (f->values[k].aliases)
            fprintf(out, "  (also: %s)", f->values[k].aliases);
        fputc('\n', out);
    }
}

void render_catalogue_text(FILE *out, const struct sae_kind *only)
{
    for (size_t i = 0; i < sae_catalogue_kind_count(); i++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(i);
        if (only && only != kind)
            continue;
        fprintf(out, "%s: %s / %s%s%s%s\n", kind->name, kind->label_id, kind->label_en,
                kind->aliases ? "  (also: " : "", kind->aliases ? kind->aliases : "",
                kind->aliases ? ")" : "");
        if (kind->append_only)
            fputs("  (append-only: not edited after recording)\n", out);
        for (size_t f = 0; f < kind->field_count; f++)
            catalogue_field_text(out, &kind->fields[f]);
        fputc('\n', out);
    }
}

bool render_clock_warning(int64_t offset_ms, char *out, size_t size)
{
    long long off = offset_ms < 0 ? -(long long)offset_ms : (long long)offset_ms;
    if (off <= NODE_CLOCK_TOLERANCE_MS)
        return false;
    const char *way = offset_ms > 0 ? "behind" : "ahead";
    /* Rounded to the nearest unit: a year measured a few seconds short is still 365 days. */
    if (off < 2 * SAE_MS_PER_HOUR)
        snprintf(out, size, "the date on this computer is %lld minute(s) %s",
                 (off + SAE_MS_PER_MINUTE / 2) / SAE_MS_PER_MINUTE, way);
    else if (off < 2 * SAE_MS_PER_DAY)
        snprintf(out, size, "the date on this computer is %lld hour(s) %s",
                 (off + SAE_MS_PER_HOUR / 2) / SAE_MS_PER_HOUR, way);
    else
        snprintf(out, size, "the date on this computer is %lld day(s) %s",
                 (off + SAE_MS_PER_DAY / 2) / SAE_MS_PER_DAY, way);
    return true;
}
