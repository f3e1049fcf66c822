/* The post's village in the official list of areas (the list built into the programs,
 * Kabupaten Probolinggo): `init --village` and `config village` take a code or a unique
 * name and store the code; a journal from before codes keeps a name that does not resolve,
 * shown flagged with the command that fixes it. */
#ifndef NODE_VILLAGE_H
#define NODE_VILLAGE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "sae/sae_area.h"
#include "sae/sae_error.h"

/* A village code or name to its code; SAE_ENOTFOUND (why: the nearest names),
 * SAE_EAMBIGUOUS (why: the candidates with their codes) or SAE_EINVAL. */
int node_village_resolve(const char *text, char code[SAE_AREA_CODE_BYTES],
                         struct sae_message *why);

/* How people see a stored village: "Sumberanyar (Paiton)" with *listed true, or the stored
 * text itself with *listed false (a name from before codes that no area matches). */
void node_village_label(const char *stored, char out[SAE_AREA_LABEL_BYTES], bool *listed);

/* Migration step: the journal's village name becomes its code where it resolves to exactly
 * one village; otherwise it stays as it is. */
int node_village_migrate(sqlite3 *db);

#endif
