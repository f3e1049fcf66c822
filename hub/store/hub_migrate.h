/* hub.db's schema: the numbered migrations (entry i takes user_version from i to i + 1,
 * append only) and the steps in C some of them need, which hub_store.c creates and opens
 * hub.db with. Each table's owner module gives its migration's SQL; this list orders them. */
#ifndef HUB_MIGRATE_H
#define HUB_MIGRATE_H

#include "sae/sae_db.h"

extern const struct sae_db_schema hub_migrate_schema;

#endif
