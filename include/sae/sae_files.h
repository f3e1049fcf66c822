/* Private files: directories made 0700, secrets and bundles written 0600 and durably. */
#ifndef SAE_FILES_H
#define SAE_FILES_H

#include <stddef.h>

#include "sae_error.h"

/* dir + "/" + name, malloc'd; NULL when out of memory. */
char *sae_path_join(const char *dir, const char *name);

/* mkdir -p with mode 0700 for every directory it makes, then chmod 0700 on path itself. */
int sae_dir_create_private(const char *path);

/* Writes len bytes to dir/name as mode 0600 through a temporary file, fsync and rename,
 * then fsyncs dir: after a power cut the file is either absent or complete. */
int sae_file_write_private(const char *dir, const char *name, const void *bytes, size_t len);

/* fsyncs the directory that holds path, so that a file renamed or linked there survives a
 * power cut. */
int sae_fsync_parent(const char *path);

/* Reads exactly len bytes from path. SAE_EPERM when other users could read it (the caller
 * says to chmod 600), SAE_ENOTFOUND, SAE_EIO when its size is not len. */
int sae_file_read_private(const char *path, void *bytes, size_t len);
/* Overwrites dir/name with zeros, syncs, removes it and syncs dir: a secret kept in a file
 * for a while leaves neither its name nor (on a file system that writes in place) its bytes.
 * SAE_ENOTFOUND when there is no such file, SAE_EIO. */
int sae_file_remove_scrubbed(const char *dir, const char *name);
/* The longest key sae_file_key_load keeps. */
#define SAE_FILE_KEY_MAX_BYTES 64u
/* Reads the len random bytes of the key file dir/name (0600), or makes it when absent: two
 * processes making it at once both end with the one linked into place first. SAE_EPERM when
 * other users can read it, SAE_EIO when it has the wrong size or cannot be written. Wipe key
 * after use (sodium_memzero). */
int sae_file_key_load(const char *dir, const char *name, void *key, size_t len);

#endif
