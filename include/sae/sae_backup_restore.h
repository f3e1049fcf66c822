/* Restoring a backup (sae/sae_backup.h) into a fresh directory: the file's header, checksum
 * and passphrase are checked before anything is written, the database is inflated beside
 * its final name, adjusted by the program (fixup), checked with PRAGMA integrity_check and
 * only then renamed into place. A refusal leaves nothing behind. */
#ifndef SAE_BACKUP_RESTORE_H
#define SAE_BACKUP_RESTORE_H

#include <sqlite3.h>

#include "sae_backup.h"

/* What a program does to a restored database before it is put in place (in a transaction
 * restore opens and commits): 0 or an SAE code. */
typedef int (*sae_backup_fixup)(sqlite3 *db, void *context);

/* Reads in_path's header into *info: SAE_EINVAL (why: not a backup, another side's, a newer
 * format, a schema newer than max_schema, damaged) when the file is not one spec's program
 * can restore. Checks the checksum over the whole file. */
int sae_backup_inspect(const struct sae_backup_spec *spec, const char *in_path, int64_t max_schema,
                       struct sae_backup_info *info, struct sae_message *why);

/* Restores in_path into dir, which must not exist or be empty (SAE_EEXIST). SAE_EINVAL for a
 * file inspect refuses or a wrong passphrase; SAE_ECORRUPT when the database inside fails
 * its integrity check; why says which. */
int sae_backup_restore(const struct sae_backup_spec *spec, const char *in_path, const char *dir,
                       const char *passphrase, int64_t max_schema, sae_backup_fixup fixup,
                       void *context, struct sae_backup_info *info, struct sae_message *why);

#endif
