/* The hub's list of areas (table area of hub.db): the official administrative list that
 * devices, reports and every village filter name villages by. The migration that creates
 * it loads the list built into the programs (Kabupaten Probolinggo) and turns the village
 * names stored before it into their codes; a district extends or corrects it with
 * `sae-hub villages import`. A village stored before the list that no village matched keeps
 * its name, shown flagged, until `sae-hub villages assign` gives it its code. */
#ifndef HUB_AREAS_H
#define HUB_AREAS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_area.h"
#include "store/hub_store.h"

/* Migration step (hub_store.c): the built-in list into area, and stored village names into
 * codes where a name matches exactly one village. */
int hub_areas_migrate(sqlite3 *db);

/* The hub's list, for sae_area_resolve and sae_area_label; free with sae_area_list_free. */
int hub_areas_load(struct hub_store *store, struct sae_area_list *out);

/* An area of level a person named (a code, or a unique name; sae_area_resolve) as its
 * code. SAE_ENOTFOUND / SAE_EAMBIGUOUS / SAE_EINVAL with why: the resolver's message. */
int hub_areas_resolve(struct hub_store *store, const char *text, enum sae_area_level level,
                      char code[SAE_AREA_CODE_BYTES], struct sae_message *why);

/* "Sumberanyar (Paiton)" for a village code of the hub's list; the code itself otherwise. */
void hub_areas_label(struct hub_store *store, const char *code, char out[SAE_AREA_LABEL_BYTES]);

/* Writes list into the hub's areas in one transaction: codes already there take the file's
 * name, new codes are added. Every kecamatan and village must have its parent in the file
 * or the hub's list (SAE_EINVAL, why naming the first that has not). */
struct hub_areas_import_result {
    size_t added, renamed, unchanged;
};
int hub_areas_import(struct hub_store *store, const struct sae_area_list *list,
                     struct hub_areas_import_result *out, struct sae_message *why);

/* Visits the villages (kecamatan: only those under it, code given; NULL: all) by kecamatan
 * then name, with their kecamatan's name and how many devices and reports name them. */
struct hub_village {
    const char *code, *name, *kecamatan_code, *kecamatan;
    int64_t devices, reports;
};
typedef int (*hub_village_visit_fn)(const struct hub_village *village, void *context);
int hub_areas_list_villages(struct hub_store *store, const char *kecamatan,
                            hub_village_visit_fn visit, void *context);

/* Villages stored by a name the list does not hold (from before the list): visits each
 * with the number of devices and reports that carry it. */
typedef int (*hub_unlisted_visit_fn)(const char *name, int64_t devices, int64_t reports,
                                     void *context);
int hub_areas_unlisted(struct hub_store *store, hub_unlisted_visit_fn visit, void *context);

/* In one transaction: every device, token, report and change stored under village name
 * old now carries code, a village of the list. *rows counts the devices, tokens and reports
 * changed; SAE_ENOTFOUND when nothing carries old, SAE_EINVAL when old is a village of the
 * list itself (devices never move between villages). */
int hub_areas_assign(struct hub_store *store, const char *old, const char *code,
                     int64_t *rows);

#endif
