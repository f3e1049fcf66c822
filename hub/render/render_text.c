/* Text forms for district staff: enum codes with their Indonesian labels, long text
 * indented under its field, lists without sensitive fields. */
#include "render/render.h"

#include <inttypes.h>
#include <string.h>

#include "sae/sae_view.h"
#include "sae/sae_area.h"
#include "sae/sae_byline.h"

#define LIST_SUMMARY_FIELDS 4
/* Column where a multi-line value's continuation lines start in show. */
#define VALUE_COLUMN 26

/* The label of a code of an enum or set field, one value at a time (stats' rows). */
static const char *enum_label(const struct sae_field *field, const char *value)
{
    const struct sae_enum_value *v = NULL;
    if (field && (field->type == SAE_FIELD_ENUM || field->type == SAE_FIELD_SET) && value)
        v = sae_field_find_value(field, value);
    return v ? v->label_id : NULL;
}

static const struct sae_field *field_of(const struct sae_kind *kind, const char *name)
{
    const struct sae_field *field = NULL;
    return sae_catalogue_find_field(kind, name, &field) == 0 ? field : NULL;
}

/* Continuation lines are indented by indent; a final line break is not printed. */
static void print_multiline(FILE *out, const char *value, int indent)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\n' && !p[1])
            break;
        fputc(*p, out);
        if (*p == '\n')
            fprintf(out, "%*s", indent, "");
    }
}

/* A value in full: "(unset)", the tombstone as deleted/restored, enum and set codes
 * labelled, an area by its name first. */
static void print_value(FILE *out, const struct sae_field *field, const char *name,
                        const char *value, int indent)
{
    char label[SAE_VALUE_LABEL_BYTES];
    bool labelled = sae_value_label(field, value, label) == 0;
    if (strcmp(name, SAE_FIELD_TOMBSTONE) == 0)
        fputs(value ? "deleted (dihapus)" : "restored (dipulihkan)", out);
    else if (!value)
        fputs("(unset)", out);
    else if (labelled && field->type == SAE_FIELD_AREA)
        fprintf(out, "%s, %s", label, value);
    else
        print_multiline(out, value, indent);
    if (labelled && field->type != SAE_FIELD_AREA)
        fprintf(out, " (%s)", label);
}

/* "Sumberanyar (Paiton)", or a name from before the list of areas, flagged. */
static const char *village_text(const char *code, const char *name,
                                char out[SAE_AREA_LABEL_BYTES + 32])
{
    if (name)
        return name;
    snprintf(out, SAE_AREA_LABEL_BYTES + 32, "%s (not in the list of areas)", code);
    return out;
}

/* "Siti, Laptop Pos Sumberanyar, 3 Dec 14:05" of a change. */
static void byline_of(const char *author, const char *device, sae_hlc version,
                      char out[SAE_BYLINE_BYTES])
{
    sae_byline(author, device, sae_hlc_ms(version), sae_wall_clock_ms(), out);
}

void hub_report_line(FILE *out, const struct hub_report *report)
{
    char village[SAE_AREA_LABEL_BYTES + 32];
    size_t shown = 0;
    fprintf(out, "%s  %-8s  %s", report->id, report->kind->name,
            village_text(report->village, report->village_name, village));
    for (size_t i = 0; i < report->value_count && shown < LIST_SUMMARY_FIELDS; i++) {
        const struct hub_report_value *v = &report->values[i];
        if (!sae_field_shown_in_lists(v->field))
            continue;
        if (v->field->type == SAE_FIELD_REFERENCE)
            fprintf(out, "  %s=%.8s", v->field->name, v->value);
        else
            fprintf(out, "  %s=%s", v->field->name, v->value);
        shown++;
    }
    fputs(report->deleted ? "  (deleted)\n" : "\n", out);
}

void hub_report_text(FILE *out, const struct hub_report *report)
{
    char time[SAE_HLC_TIME_LEN + 1];
    sae_hlc_format_time(report->updated, time);
    fprintf(out, "%s  %s (%s)%s\n", report->id, report->kind->name, report->kind->label_id,
            report->deleted ? "  DIHAPUS / DELETED" : "");
    char village[SAE_AREA_LABEL_BYTES + 32];
    fprintf(out, "  %-22s  %s, %s\n", "village",
            village_text(report->village, report->village_name, village), report->village);
    for (size_t i = 0; i < report->value_count; i++) {
        const struct hub_report_value *v = &report->values[i];
        fprintf(out, "  %-22s  ", v->field->name);
        print_value(out, v->field, v->field->name, v->value, VALUE_COLUMN);
        fputc('\n', out);
    }
    fprintf(out, "  %-22s  %s\n", "last change", time);
}

void hub_change_text(FILE *out, const struct sae_kind *kind, const struct hub_change *c)
{
    char by[SAE_BYLINE_BYTES];
    const struct sae_field *field = field_of(kind, c->field);
    byline_of(c->author, c->device, c->version.hlc, by);
    fprintf(out, "  %s %s%s", c->winner ? "*" : " ", c->district ? "district: " : "", by);
    if (c->held)
        fputs("  HELD (clock ahead)", out);
    fputs("  ", out);
    if (c->value && strchr(c->value, '\n'))
        fprintf(out, "(%zu bytes of text)", strlen(c->value));
    else
        print_value(out, field, c->field, c->value, 0);
    if (c->note)
        fprintf(out, "  note: %s", c->note);
    fprintf(out, "  [version %016" PRIx64 "@%016" PRIx64 "]\n", c->version.hlc,
            c->version.origin);
}

/* A resolved conflict that no coordinator needed: equal values, or every candidate
 * replaced by a later change. */
static bool settled_by_hub(const struct hub_conflict *k)
{
    return !k->open && k->resolved_by && strcmp(k->resolved_by, HUB_SETTLED_BY) == 0;
}

void hub_conflict_line(FILE *out, const struct hub_conflict *k)
{
    const struct sae_field *field = field_of(k->kind, k->field);
    char village[SAE_AREA_LABEL_BYTES + 32];
    fprintf(out, "%6" PRId64 "  %-8s  %-4s  %.8s  %-8s  %-20s  %-18s  %zu candidates  %s",
            k->id, k->open ? "open" : settled_by_hub(k) ? "settled" : "resolved",
            k->hard ? "hard" : "soft", k->report_id, k->kind->name, k->field, k->reason,
            k->candidate_count, village_text(k->village, k->village_name, village));
    /* What stands meanwhile, and by which policy; never a sensitive or free-text value. */
    if (k->open && k->has_winner && (!field || sae_field_shown_in_lists(field))) {
        fputs("  stands: ", out);
        print_value(out, field, k->field, k->winner_value, 0);
        fprintf(out, " (%s)", hub_policy_name(k->kind, k->field));
    } else if (k->open) {
        fprintf(out, "  stands: see conflicts show %" PRId64, k->id);
    }
    fputc('\n', out);
}

/* Each candidate: its value, then who wrote it on which device and when. */
static void print_candidate(FILE *out, const struct hub_conflict *k, const struct hub_candidate *c)
{
    char by[SAE_BYLINE_BYTES];
    bool current = k->has_winner && strcmp(c->field, k->field) == 0 &&
                   sae_version_compare(&c->version, &k->winner_version) == 0;
    byline_of(c->author, c->device, c->version.hlc, by);
    fprintf(out, "  [%d] ", c->number);
    if (strcmp(c->field, k->field) != 0)
        fprintf(out, "edit of %s: ", c->field);
    print_value(out, field_of(k->kind, c->field), c->field, c->value, 6);
    fputs(current ? "   <- current\n" : "\n", out);
    fprintf(out, "      %s%s%s%s%s  [version %016" PRIx64 "@%016" PRIx64 "]\n",
            c->district ? "district: " : "", by, c->held ? "  HELD (clock ahead)" : "",
            c->note ? "  note: " : "", c->note ? c->note : "", c->version.hlc,
            c->version.origin);
}

void hub_conflict_text(FILE *out, const struct hub_conflict *k)
{
    char time[SAE_HLC_TIME_LEN + 1];
    const struct sae_field *field = field_of(k->kind, k->field);
    hub_format_ms(k->opened_ms, time);
    fprintf(out, "Konflik / conflict %" PRId64 ": %s, %s (%s)\n", k->id, k->hard ? "hard" : "soft",
            k->open ? "open" : "resolved", k->reason);
    char village[SAE_AREA_LABEL_BYTES + 32];
    fprintf(out, "  %-10s  %s (%s, %s)\n", "report", k->report_id, k->kind->name,
            village_text(k->village, k->village_name, village));
    fprintf(out, "  %-10s  %s\n", "field", k->field);
    fprintf(out, "  %-10s  %s\n", "opened", time);
    char policy[HUB_POLICY_TEXT_BYTES];
    hub_policy_text(k->kind, k->field, policy, sizeof policy);
    fprintf(out, "  %-10s  ", "current");
    if (k->has_winner)
        print_value(out, field, k->field, k->winner_value, 14);
    else
        fputs("(none)", out);
    fputc('\n', out);
    if (k->open)
        fprintf(out, "  %-10s  %s%s\n", "why", policy,
                strstr(k->reason, "clock") ? "; a change dated ahead (held) never stands" : "");
    if (!k->open) {
        hub_format_ms(k->resolved_ms, time);
        fprintf(out, "  %-10s  %s by %s%s%s\n", "resolved", time,
                k->resolved_by ? k->resolved_by : "?", k->note ? ": " : "", k->note ? k->note : "");
    }
    if (k->open)
        fprintf(out, "Candidates (choose with: sae-hub conflicts resolve %" PRId64
                     " --keep N --by NAME):\n", k->id);
    else
        fputs("Candidates:\n", out);
    for (size_t i = 0; i < k->candidate_count; i++)
        print_candidate(out, k, &k->candidates[i]);
}

/* A row's key as people read it: a village's name and code, else the key. */
static const char *row_key(const struct hub_count *row, char out[SAE_AREA_LABEL_BYTES + 48])
{
    if (row->label)
        snprintf(out, SAE_AREA_LABEL_BYTES + 48, "%s %s", row->label, row->key);
    else
        return row->key;
    return out;
}

/* Width of the key column: the longest key of table, at least min. */
static int key_width(const struct hub_count_table *table, int min)
{
    char key[SAE_AREA_LABEL_BYTES + 48];
    int width = min;
    for (size_t i = 0; i < table->count; i++)
        if ((int)strlen(row_key(&table->rows[i], key)) > width)
            width = (int)strlen(row_key(&table->rows[i], key));
    return width;
}

static void print_table(FILE *out, const char *title, const char *unit,
                        const struct hub_count_table *table, const struct sae_field *labels,
                        int width)
{
    fprintf(out, "\n%s\n", title);
    if (table->count == 0)
        fputs("  (none)\n", out);
    for (size_t i = 0; i < table->count; i++) {
        char key[SAE_AREA_LABEL_BYTES + 48];
        const char *label = enum_label(labels, table->rows[i].key);
        fprintf(out, "  %-*s  %8" PRId64 " %s%s%s%s\n", width, row_key(&table->rows[i], key),
                table->rows[i].count, unit, label ? "  (" : "", label ? label : "",
                label ? ")" : "");
    }
}

static void print_months(FILE *out, const struct hub_stats *stats)
{
    fputs("\nBulan / month (by intake, service and referral date)\n  month  ", out);
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++)
        fprintf(out, "  %8s", sae_catalogue_kind_at(k)->name);
    fprintf(out, "  %8s\n", "total");
    if (stats->month_count == 0)
        fputs("  (none)\n", out);
    for (size_t i = 0; i < stats->month_count; i++) {
        int64_t total = 0;
        fprintf(out, "  %-7s", stats->months[i].month);
        for (size_t k = 0; k < sae_catalogue_kind_count(); k++) {
            total += stats->months[i].per_kind[k];
            fprintf(out, "  %8" PRId64, stats->months[i].per_kind[k]);
        }
        fprintf(out, "  %8" PRId64 "\n", total);
    }
}

void hub_stats_text(FILE *out, const struct hub_stats *stats)
{
    const struct sae_kind *cases = NULL;
    const struct sae_field *violence = NULL;
    if (sae_catalogue_find_kind("case", &cases) == 0)
        sae_catalogue_find_field(cases, "violence_types", &violence);
    /* One key column for every table, so that the counts line up down the page. */
    int width = key_width(&stats->villages, 16);
    width = key_width(&stats->violence_types, width);
    width = key_width(&stats->open_conflicts, width);
    width = key_width(&stats->held_changes, width);
    fprintf(out, "Laporan / reports: %" PRId64 " (not counting %" PRId64 " deleted)\n",
            stats->reports, stats->deleted);
    print_table(out, "Desa / village", "reports", &stats->villages, NULL, width);
    print_table(out, "Jenis / kind", "reports", &stats->kinds, NULL, width);
    print_months(out, stats);
    print_table(out, "Bentuk kekerasan / type of violence (a case of two types counts under both)",
                "cases", &stats->violence_types, violence, width);
    print_table(out, "Konflik terbuka / open conflicts, per village", "conflicts",
                &stats->open_conflicts, NULL, width);
    print_table(out, "Perubahan ditahan / held changes (clock ahead), per village", "changes",
                &stats->held_changes, NULL, width);
    if (stats->duplicate_numbers.count > 0)
        print_table(out, "Nomor registrasi ganda / registration numbers of several cases", "cases",
                    &stats->duplicate_numbers, NULL, width);
}
