/* Emptying a database's WAL after a secret left the file (a key wrap replaced or removed,
 * its page zeroed by secure_delete), for both programs' stores: older copies of the page stay
 * in the -wal file until the WAL is checkpointed and truncated, which another connection's
 * read can hold back. A scrub held back is recorded in the table meta (meta's key below) and
 * retried by the store at its close and next open (docs/DESIGN.md "Data at rest"). */
#ifndef SAE_DB_WAL_H
#define SAE_DB_WAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "sae_error.h"

/* Checkpoints db's WAL into the file and truncates it to nothing, so no older copy of a page
 * (a removed key wrap, a value scrubbed) stays in the -wal file. Waits up to the busy timeout
 * for other connections; SAE_EBUSY when a reader or writer kept part of the WAL in use (the
 * WAL then still holds what it held). */
int sae_db_wal_truncate(sqlite3 *db);
/* A scrub owed (docs/DESIGN.md "Data at rest"): meta's key while a WAL that held a secret's
 * older copy could not be emptied. */
#define SAE_DB_META_WAL_SCRUB_PENDING "wal_scrub_pending"
/* After a commit that took a secret out of the file (a key wrap replaced or removed, its page
 * zeroed by secure_delete): the WAL emptied, where older copies of the page stay. 0: done.
 * SAE_EBUSY: another connection kept the WAL, and meta records the scrub as owed for
 * sae_db_wal_scrub_settle. Another code: not done and not recorded either (the write of the
 * record failed). The change itself stands in every case. */
int sae_db_wal_scrub(sqlite3 *db);
/* Whether meta records a scrub as owed. */
int sae_db_wal_scrub_owed(sqlite3 *db, bool *out);
/* Retries an owed scrub (none owed: 0, nothing written): 0 when the WAL is emptied and the
 * record gone, SAE_EBUSY while another connection still keeps the WAL (the record stays). */
int sae_db_wal_scrub_settle(sqlite3 *db);

#endif
