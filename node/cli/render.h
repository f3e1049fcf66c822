/* How reports, history, the catalogue and status look to people (text) and to scripts
 * (JSON through Jansson). Enum codes in JSON, codes plus Indonesian labels in text. */
#ifndef RENDER_H
#define RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store/report_read.h"

/* {"id", "kind", "fields": {name: value}, "deleted", "updated", "under_review": [stored
 * field names the district reviews], "issues": {"note", "reviewer"} while the district's
 * review of the case found issues, else null}; NULL when out of memory. */
json_t *render_report_json(const struct report *report);
/* {"seq", "field", "value", "version", "origin", "time", "base_version", "base_origin",
 *  "redates", "author", "device", "note", "by"}; by reads "Siti, Laptop Pos Sumberanyar,
 *  3 Dec 14:05". */
json_t *render_history_json(const struct history_entry *entry);
/* [{"kind", "label_id", "label_en", "append_only", "fields": [...]}]; kind NULL for all. */
json_t *render_catalogue_json(const struct sae_kind *only);

/* Writes a JSON value followed by a newline; SAE_EIO or SAE_ENOMEM on failure. Steals it. */
int render_json_print(FILE *out, json_t *value);

void render_report_text(FILE *out, const struct report *report);
/* One line per report; sensitive fields are never shown in lists. */
void render_report_line(FILE *out, const struct report *report);
void render_history_text(FILE *out, const struct history_entry *entry);
void render_catalogue_text(FILE *out, const struct sae_kind *only);

/* "the date on this computer is 3 day(s) ahead" for an offset (the hub's clock minus ours)
 * beyond NODE_CLOCK_TOLERANCE_MS, in minutes, hours or days; false (out untouched) within
 * it. */
bool render_clock_warning(int64_t offset_ms, char *out, size_t size);

/* The origin id as 16 hex digits. */
void render_origin(uint64_t origin, char out[17]);

#endif
