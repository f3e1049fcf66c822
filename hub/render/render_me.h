/* Monitoring and evaluation for people (text), scripts (JSON), spreadsheets (CSV) and the
 * console's charts (SVG), from what store/me_stats.h and store/month_lock.h loaded. */
#ifndef RENDER_ME_H
#define RENDER_ME_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "store/me_stats.h"
#include "store/month_lock.h"

/* {"from", "to", "kecamatan", "village", "counted", "left_out", "linked", "consent",
 *  "figures": {NAME: {"title_id", "title_en", "date_basis", "place_basis",
 *  "rows": [{"key", "sub", "label", "count"}]}}}; NULL when out of memory. */
json_t *me_report_json(const struct me_report *report);
/* [{"figure", "key", "sub", "locked", "now"}]. */
json_t *me_revisions_json(const struct month_revision *revisions, size_t count);

/* What people read for a row's key: its area name, catalogue label (English or Indonesian),
 * SPM label, or NULL. */
const char *me_row_label(const struct me_figure *figure, const struct me_row *row,
                         bool english);

/* Every figure under its title, with what counts and the rows (enum codes with their
 * Indonesian labels). */
void me_report_text(FILE *out, const struct me_report *report);
void me_revisions_text(FILE *out, const struct month_lock_info *lock,
                       const struct month_revision *revisions, size_t count);

/* One figure as CSV: a UTF-8 byte order mark (spreadsheets then read it as UTF-8), then
 * key,sub,label,count rows (hub_csv_write_cell's quoting and formula guard). */
int me_figure_csv(FILE *out, const struct me_figure *figure);
/* One figure as an SVG chart (render/render_svg.h): a line over months for cases by month,
 * bars for the others, each bar a key with its subs summed; a "median" row is not drawn. */
int me_figure_svg(FILE *out, const struct me_figure *figure);

/* The printable monthly recap (rekap) in the layout of the SIMFONI-PPA monthly recap:
 * table 1, one row per type of violence (catalogue order) and a row of victims, columns
 * Anak P, Anak L, Dewasa P, Dewasa L, Tidak diketahui (sex or age unknown), Jumlah; table 2,
 * services per SPM category; table 3, shelter stays, referrals and the median days. A case
 * of two types is in both rows: the victims' row counts each survivor once. */
void me_rekap_text(FILE *out, const struct me_report *report);

/* A row of the recap's table 1: a type of violence (or the victims, last) and its cells:
 * Anak P, Anak L, Dewasa P, Dewasa L, then sex or age unknown. */
struct me_rekap_row {
    const char *heading, *heading_en;
    bool victims; /* the last row: each survivor once */
    int64_t cells[5];
};
/* Calls emit for every row of table 1: each type in catalogue order, then the victims. */
typedef int (*me_rekap_emit_fn)(const struct me_rekap_row *row, void *context);
int me_rekap_rows(const struct me_report *report, me_rekap_emit_fn emit, void *context);
/* The row's cells summed. */
int64_t me_rekap_total(const struct me_rekap_row *row);
int me_rekap_csv(FILE *out, const struct me_report *report);

#endif
