/* What journal.c (the post's own writes) shares with journal_remote.c (changes pulled from
 * the hub). Private to node/store. */
#ifndef JOURNAL_INTERNAL_H
#define JOURNAL_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "sae/sae_wire.h"
#include "store/node_store.h"

/* Binds id, kind, field and value to ?1..?4 (the common head of both journal inserts). */
int journal_bind_change_text(sqlite3_stmt *stmt, const char *id, const char *kind,
                             const char *field, const char *value);
/* Runs sql, one of the report table's statements, with id as ?1 and kind (when not NULL) as
 * ?2, to its end. */
int journal_run_on_report(struct node_store *store, const char *sql, const char *id,
                          const char *kind);
/* A new report's row is written before any entry names it by its number, its first_seq 0
 * until this sets it from its first entry, in the same transaction. */
int journal_settle_report(struct node_store *store, const char *id);
/* Derives field's state from the journal entry seq of version (last writer wins), then its
 * shown value. */
int journal_derive_field(struct node_store *store, const char *id, const char *field,
                         const struct sae_version *version, int64_t seq);

#endif
