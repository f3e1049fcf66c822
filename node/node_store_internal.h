/* Database helpers shared by node_store.c (opening) and node_init.c (creating). */
#ifndef NODE_STORE_INTERNAL_H
#define NODE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "sae/sae_error.h"

/* Runs SQL without results; an SAE code. */
int node_db_exec(sqlite3 *db, const char *sql);
/* Opens path with flags, the busy timeout, WAL and synchronous=FULL. */
int node_db_open(const char *path, int flags, int busy_timeout_ms, sqlite3 **out);
/* Applies the missing numbered migrations. */
int node_db_migrate(sqlite3 *db, struct sae_message *why);
/* Reads the village and origin; SAE_ENOTINIT when init never finished. */
int node_db_load_identity(sqlite3 *db, char **village, uint64_t *origin);

#endif
