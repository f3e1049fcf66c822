/* JSON forms of reports, conflicts and stats (Jansson). Versions and node ids are 16 hex
 * digits, times ISO 8601 UTC, values typed as on the node. */
#include "render/render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_view.h"
#include "sae/sae_byline.h"
#include "sae/sae_value_json.h"

#define JSON_FLAGS (JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER)

void hub_format_ms(int64_t ms, char out[SAE_HLC_TIME_LEN + 1])
{
    sae_hlc v = 0;
    if (ms < 0 || sae_hlc_pack((uint64_t)ms, 0, &v) != 0)
        v = 0;
    sae_hlc_format_time(v, out);
}

/* json_object_set_new that reports failure, so callers can check once at the end. */
static int put(json_t *object, const char *key, json_t *value)
{
    return value && json_object_set_new(object, key, value) == 0 ? 0 : -1;
}

static json_t *text_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}

static json_t *hex_json(uint64_t v)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016" PRIx64, v);
    return json_string(hex);
}

static json_t *time_json(sae_hlc v)
{
    char time[SAE_HLC_TIME_LEN + 1];
    sae_hlc_format_time(v, time);
    return json_string(time);
}

static json_t *ms_json(int64_t ms)
{
    char time[SAE_HLC_TIME_LEN + 1];
    hub_format_ms(ms, time);
    return json_string(time);
}

/* Steals object; NULL when any put failed. */
static json_t *checked(json_t *object, int bad)
{
    if (bad || !object) {
        json_decref(object);
        return NULL;
    }
    return object;
}

json_t *hub_report_json(const struct hub_report *report)
{
    json_t *object = json_object(), *fields = json_object();
    int bad = !object || !fields;
    for (size_t i = 0; !bad && i < report->value_count; i++)
        bad = put(fields, report->values[i].field->name,
                  sae_value_json(report->values[i].field, report->values[i].value));
    if (!bad)
        bad = put(object, "id", json_string(report->id)) |
              put(object, "kind", json_string(report->kind->name)) |
              put(object, "village", json_string(report->village)) |
              put(object, "village_name", text_or_null(report->village_name)) |
              put(object, "fields", json_incref(fields)) |
              put(object, "deleted", json_boolean(report->deleted)) |
              put(object, "updated", time_json(report->updated));
    json_decref(fields);
    return checked(object, bad);
}

/* {"value", "version", "node", "time"} of a field's value at one version. */
static json_t *version_value_json(const struct sae_field *field, const char *value,
                                  struct sae_version version)
{
    json_t *object = json_object();
    int bad = !object;
    if (!bad)
        bad = put(object, "value", sae_value_json(field, value)) |
              put(object, "version", hex_json(version.hlc)) |
              put(object, "node", hex_json(version.origin)) |
              put(object, "time", time_json(version.hlc));
    return checked(object, bad);
}

static const struct sae_field *field_of(const struct sae_kind *kind, const char *name)
{
    const struct sae_field *field = NULL;
    return sae_catalogue_find_field(kind, name, &field) == 0 ? field : NULL;
}

static json_t *candidate_json(const struct hub_conflict *k, const struct hub_candidate *c)
{
    json_t *object = json_object();
    bool current = k->has_winner && strcmp(c->field, k->field) == 0 &&
                   sae_version_compare(&c->version, &k->winner_version) == 0;
    int bad = !object;
    if (!bad)
        bad = put(object, "number", json_integer(c->number)) |
              put(object, "field", json_string(c->field)) |
              put(object, "value", sae_value_json(field_of(k->kind, c->field), c->value)) |
              put(object, "node", hex_json(c->version.origin)) |
              put(object, "village", json_string(c->village)) |
              put(object, "version", hex_json(c->version.hlc)) |
              put(object, "time", time_json(c->version.hlc)) |
              put(object, "held", json_boolean(c->held)) |
              put(object, "author", text_or_null(c->author)) |
              put(object, "device", text_or_null(c->device)) |
              put(object, "note", text_or_null(c->note)) |
              put(object, "district", json_boolean(c->district)) |
              put(object, "by", hub_byline_json(c->author, c->device, c->version.hlc)) |
              put(object, "current", json_boolean(current));
    return checked(object, bad);
}

static int put_resolution(json_t *object, const struct hub_conflict *k)
{
    const struct sae_field *field = field_of(k->kind, k->field);
    return put(object, "resolved_by", text_or_null(k->resolved_by)) |
           put(object, "resolved_at", ms_json(k->resolved_ms)) |
           put(object, "note", text_or_null(k->note)) |
           put(object, "resolution",
               k->has_resolution ? version_value_json(field, k->resolution_value,
                                                      k->resolution_version)
                                 : json_null());
}

json_t *hub_conflict_json(const struct hub_conflict *k)
{
    json_t *object = json_object(), *candidates = json_array();
    const struct sae_field *field = field_of(k->kind, k->field);
    char policy[HUB_POLICY_TEXT_BYTES];
    hub_policy_text(k->kind, k->field, policy, sizeof policy);
    int bad = !object || !candidates;
    for (size_t i = 0; !bad && i < k->candidate_count; i++) {
        json_t *c = candidate_json(k, &k->candidates[i]);
        bad = !c || json_array_append_new(candidates, c) != 0;
    }
    if (!bad)
        bad = put(object, "id", json_integer(k->id)) |
              put(object, "report", json_string(k->report_id)) |
              put(object, "kind", json_string(k->kind->name)) |
              put(object, "village", json_string(k->village)) |
              put(object, "village_name", text_or_null(k->village_name)) |
              put(object, "field", json_string(k->field)) |
              put(object, "severity", json_string(k->hard ? "hard" : "soft")) |
              put(object, "status", json_string(k->open ? "open" : "resolved")) |
              put(object, "reason", json_string(k->reason)) |
              put(object, "opened", ms_json(k->opened_ms)) |
              put(object, "winner", k->has_winner ? version_value_json(field, k->winner_value,
                                                                       k->winner_version)
                                                  : json_null()) |
              put(object, "policy", json_string(hub_policy_name(k->kind, k->field))) |
              put(object, "policy_text", json_string(policy)) |
              put(object, "candidates", json_incref(candidates));
    if (!bad && !k->open)
        bad = put_resolution(object, k);
    json_decref(candidates);
    return checked(object, bad);
}

json_t *hub_byline_json(const char *author, const char *device, sae_hlc version)
{
    char by[SAE_BYLINE_BYTES];
    sae_byline(author, device, sae_hlc_ms(version), sae_wall_clock_ms(), by);
    return json_string(by);
}

/* {key: count} of a table, or with labels {key: label or null} (a village's name). */
static json_t *table_json(const struct hub_count_table *table, bool labels)
{
    json_t *object = json_object();
    for (size_t i = 0; object && i < table->count; i++) {
        const struct hub_count *row = &table->rows[i];
        if (put(object, row->key, labels ? text_or_null(row->label)
                                         : json_integer(row->count)) != 0) {
            json_decref(object);
            return NULL;
        }
    }
    return object;
}

static json_t *count_table_json(const struct hub_count_table *table)
{
    return table_json(table, false);
}

/* {"case": n, "service": n, "referral": n, "total": n} of one month. */
static json_t *month_json(const struct hub_month_count *month)
{
    json_t *row = json_object();
    json_int_t total = 0;
    int bad = !row;
    for (size_t k = 0; !bad && k < sae_catalogue_kind_count(); k++) {
        total += month->per_kind[k];
        bad = put(row, sae_catalogue_kind_at(k)->name, json_integer(month->per_kind[k]));
    }
    if (!bad)
        bad = put(row, "total", json_integer(total));
    return checked(row, bad);
}

static json_t *months_json(const struct hub_stats *stats)
{
    json_t *months = json_object();
    int bad = !months;
    for (size_t i = 0; !bad && i < stats->month_count; i++)
        bad = put(months, stats->months[i].month, month_json(&stats->months[i]));
    return checked(months, bad);
}

json_t *hub_stats_json(const struct hub_stats *stats)
{
    json_t *object = json_object();
    int bad = !object;
    if (!bad)
        bad = put(object, "reports", json_integer(stats->reports)) |
              put(object, "deleted", json_integer(stats->deleted)) |
              put(object, "village", count_table_json(&stats->villages)) |
              put(object, "village_names", table_json(&stats->villages, true)) |
              put(object, "kind", count_table_json(&stats->kinds)) |
              put(object, "month", months_json(stats)) |
              put(object, "violence_type", count_table_json(&stats->violence_types)) |
              put(object, "open_conflicts", count_table_json(&stats->open_conflicts)) |
              put(object, "held_changes", count_table_json(&stats->held_changes)) |
              put(object, "duplicate_registration_numbers",
                  count_table_json(&stats->duplicate_numbers));
    return checked(object, bad);
}

int hub_json_print(FILE *out, json_t *value)
{
    if (!value)
        return SAE_ENOMEM;
    int rc = json_dumpf(value, out, JSON_FLAGS);
    json_decref(value);
    if (rc != 0 || fputc('\n', out) == EOF)
        return SAE_EIO;
    return 0;
}

int hub_json_stream_begin(struct hub_json_stream *stream, FILE *out)
{
    stream->out = out;
    stream->count = 0;
    return fputc('[', out) == EOF ? SAE_EIO : 0;
}

/* Each item is indented one level, so that the whole reads like json_dumpf of the array.
 * JSON_ENSURE_ASCII escapes line breaks inside strings: every '\n' is between tokens. */
int hub_json_stream_item(struct hub_json_stream *stream, json_t *item)
{
    if (!item)
        return SAE_ENOMEM;
    char *text = json_dumps(item, JSON_FLAGS);
    json_decref(item);
    if (!text)
        return SAE_ENOMEM;
    int bad = fputs(stream->count++ ? ",\n  " : "\n  ", stream->out) == EOF;
    for (const char *p = text; !bad && *p; p++)
        bad = fputc(*p, stream->out) == EOF || (*p == '\n' && fputs("  ", stream->out) == EOF);
    free(text);
    return bad ? SAE_EIO : 0;
}

int hub_json_stream_end(struct hub_json_stream *stream)
{
    return fputs(stream->count ? "\n]\n" : "]\n", stream->out) == EOF ? SAE_EIO : 0;
}
