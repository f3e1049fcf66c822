/* How the merged state looks to district staff (text, Indonesian labels), to scripts (JSON
 * through Jansson) and to spreadsheets (CSV). Reads nothing itself: it renders what
 * store/hub_read.h loaded.
 *
 * render_json.c: JSON; render_text.c: text; render_csv.c: CSV; render_policy.c: merge
 * policies in words. */
#ifndef HUB_RENDER_H
#define HUB_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "store/hub_read.h"

/* ---- JSON forms (NULL when out of memory) ------------------------------------------ */
/* {"id", "kind", "village" (its code), "village_name", "fields", "deleted", "updated"}. */
json_t *hub_report_json(const struct hub_report *report);
/* {"id", "report", "kind", "village", "village_name", "field", "severity", "status",
 *  "reason", "opened", "winner" (the value that stands), "policy" ("safest" or "latest"),
 *  "policy_text" (why the winner stands), "candidates": [{"number", "field", "value",
 *  "node", "village", "version", "time", "held", "author", "device", "note", "district",
 *  "by", "current"}], and when resolved "resolved_by", "resolved_at", "note",
 *  "resolution"}. */
json_t *hub_conflict_json(const struct hub_conflict *conflict);
/* {"reports", "deleted", "village", "village_names", "kind", "month", "violence_type",
 *  "open_conflicts", "held_changes", "duplicate_registration_numbers"}. */
json_t *hub_stats_json(const struct hub_stats *stats);
/* "Siti, Laptop Pos Sumberanyar, 3 Dec 14:05" of a change (sae_byline), as a string. */
json_t *hub_byline_json(const char *author, const char *device, sae_hlc version);

/* Writes value and a newline (indent 2, ASCII, keys in insertion order); steals it.
 * SAE_ENOMEM for NULL, SAE_EIO when writing fails. */
int hub_json_print(FILE *out, json_t *value);

/* Arrays written one element at a time, so an export of every report never holds all of
 * them in memory. Each call steals item. */
struct hub_json_stream {
    FILE *out;
    size_t count;
};
int hub_json_stream_begin(struct hub_json_stream *stream, FILE *out);
int hub_json_stream_item(struct hub_json_stream *stream, json_t *item);
int hub_json_stream_end(struct hub_json_stream *stream);

/* ---- CSV (RFC 4180) ----------------------------------------------------------------- */

/* Writes one cell. A cell holding a comma, a double quote, CR or LF is quoted and its
 * quotes doubled. A cell starting with = + - @, tab or CR gets a leading single quote so
 * that a spreadsheet never runs it as a formula. NULL is an empty cell. */
int hub_csv_write_cell(FILE *out, const char *value);
/* Writes cells separated by commas and ended by CRLF. */
int hub_csv_write_row(FILE *out, const char *const *cells, size_t count);

/* The export's columns: id, kind, village (its code), village_name, deleted, updated, then
 * the fields of kind, or
 * of every kind (each name once, in catalogue order) when kind is NULL. */
struct hub_csv_columns {
    const struct sae_field **fields;
    size_t field_count;
};
int hub_csv_columns_init(struct hub_csv_columns *columns, const struct sae_kind *kind);
void hub_csv_columns_free(struct hub_csv_columns *columns);
int hub_csv_write_header(FILE *out, const struct hub_csv_columns *columns);
int hub_csv_write_report(FILE *out, const struct hub_csv_columns *columns,
                         const struct hub_report *report);
/* The same with the updated column's text given (an export that cuts times to the month);
 * NULL: the report's time. */
int hub_csv_write_report_at(FILE *out, const struct hub_csv_columns *columns,
                            const struct hub_report *report, const char *updated_text);

/* ---- Text forms, for people: enum codes with their Indonesian labels ----------------- */

/* One line per report; never a sensitive field nor free text (show prints those). */
void hub_report_line(FILE *out, const struct hub_report *report);
/* Every field, sensitive ones included. */
void hub_report_text(FILE *out, const struct hub_report *report);
/* One line per change: time, version, node, village, author, flags and the value (text
 * with line breaks as its size only). */
void hub_change_text(FILE *out, const struct sae_kind *kind, const struct hub_change *change);
void hub_conflict_line(FILE *out, const struct hub_conflict *conflict);
void hub_conflict_text(FILE *out, const struct hub_conflict *conflict);
void hub_stats_text(FILE *out, const struct hub_stats *stats);

/* ---- Merge policies (render_policy.c) ----------------------------------------------- */

/* The policy that decides what stands while a conflict on field (a stored name: a field,
 * FIELD/CODE, or the tombstone) is open: "safest" or "latest". */
const char *hub_policy_name(const struct sae_kind *kind, const char *field);
/* The same in words, with the order of values it follows ("the safest value stands until a
 * coordinator decides (high > medium > low > (unset); the latest among equals)"). */
#define HUB_POLICY_TEXT_BYTES 320
void hub_policy_text(const struct sae_kind *kind, const char *field, char *out, size_t size);

/* ISO 8601 UTC with milliseconds of a time in ms ("1970-01-01T00:00:00.000Z" for 0). */
void hub_format_ms(int64_t ms, char out[SAE_HLC_TIME_LEN + 1]);

#endif
