/* hub.db's schema: the numbered migrations (entry i takes user_version from i to i + 1,
 * append only) and the steps in C some of them need, which hub_store.c creates and opens
 * hub.db with. Each migration is written out as it shipped, never built from a definition
 * that live code also uses: a later change to that code must not change what an old hub.db
 * becomes (tests/e2e/hub/test_hub_migration_schema.py). */
#ifndef HUB_MIGRATE_H
#define HUB_MIGRATE_H

#include "sae/sae_db.h"

extern const struct sae_db_schema hub_migrate_schema;

#endif
