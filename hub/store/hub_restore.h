/* What hub.db needs when it is restored from a backup (sae-hub restore). */
#ifndef HUB_RESTORE_H
#define HUB_RESTORE_H

#include <sqlite3.h>

/* Inside restore's transaction: the change log's, the review log's, the grant log's and the
 * erasure log's next positions and the district's own change seq jump to the restart floor
 * (sae_backup_restart_floor). The
 * hub after the backup gave positions and seqs the restored one lacks; posts keep them (a
 * pull cursor, district changes under (hub, seq)). Numbering past them means a post's old
 * cursor never skips a change accepted after the restore, and a new district change never
 * takes the name of one a post already holds. An SAE code; context is unused. */
int hub_restore_fixup(sqlite3 *db, void *context);

#endif
