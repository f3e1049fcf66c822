/* The journal's numbered schema migrations (node_schema.c), run by node_store.c at every open
 * and by node_init.c at creation. */
#ifndef NODE_SCHEMA_H
#define NODE_SCHEMA_H

#include "sae/sae_db.h"

extern const struct sae_db_schema node_db_schema;

#endif
