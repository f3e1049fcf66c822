/* Database helpers shared by node_store.c (opening) and node_init.c (creating). */
#ifndef NODE_STORE_INTERNAL_H
#define NODE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "sae/sae_error.h"

/* Applies the missing numbered migrations. */
int node_db_migrate(sqlite3 *db, struct sae_message *why);
/* Reads the village and origin; SAE_ENOTINIT when init never finished. */
int node_db_load_identity(sqlite3 *db, char **village, uint64_t *origin);

#endif
