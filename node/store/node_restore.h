/* What a post's journal needs when it is restored from a backup (sae-node restore). */
#ifndef NODE_RESTORE_H
#define NODE_RESTORE_H

#include <sqlite3.h>

/* Inside restore's transaction: the journal's next seq jumps to the restart floor
 * (sae_backup_restart_floor), so the changes this post writes from now on never take the
 * (origin, seq) of a change it sent after the backup was made: the hub holds those and
 * would skip a new change under the same name. Gaps in seq are allowed (PROTOCOL.md
 * section 1). An SAE code; context is
 * unused. */
int node_restore_fixup(sqlite3 *db, void *context);

#endif
