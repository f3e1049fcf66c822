/* The VFS every database of both programs is opened with: SQLite's own "unix" VFS, except
 * that a WAL file whose directory entry is known to be on disk is opened without the
 * directory sync SQLite otherwise does at each connection's first commit.
 *
 * Why: SQLite cannot tell a WAL it just created from one that was there, so every process
 * that commits pays a second durable sync (the directory), and `sae-node add` is a process
 * per change set (issue 14). What makes skipping it safe: the WAL's own inode carries an
 * extended attribute (user.sae.wal_dir_synced) naming its device, its inode and its
 * directory's inode, written only after the directory was synced with that entry in it. A
 * WAL without it, with another's (a copy, a file moved from elsewhere), or on a file system
 * without user attributes gets the directory synced before it is used, as SQLite would. */
#ifndef SAE_DB_VFS_H
#define SAE_DB_VFS_H

/* The extended attribute on a WAL whose directory entry was synced. */
#define SAE_DB_VFS_WAL_MARK "user.sae.wal_dir_synced"

/* Registers the VFS (once; not as the default) and sets *out to its name for
 * sqlite3_open_v2. SAE_EDB when SQLite has no "unix" VFS or refuses it; *out untouched. */
int sae_db_vfs_name(const char **out);

#endif
