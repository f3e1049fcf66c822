/* Database helpers shared by node_store.c (opening) and node_init.c (creating). */
#ifndef NODE_STORE_INTERNAL_H
#define NODE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "sae/sae_db.h"
#include "sae/sae_error.h"
#include "store/node_schema.h"

/* Reads the village and origin; SAE_ENOTINIT when init never finished. */
int node_db_load_identity(sqlite3 *db, char **village, uint64_t *origin);

#endif
