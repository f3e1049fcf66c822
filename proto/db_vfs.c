/* SQLite's "unix" VFS with the WAL's directory synced once per WAL file, not once per
 * connection (sae_db_vfs.h says why it is safe). Only xOpen differs: the files it opens are
 * the unix VFS's own, with its methods. */
#include "sae/sae_db_vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sae/sae_error.h"

#define VFS_NAME "sae-unix"
/* "device:inode:directory inode", three 64-bit decimals */
#define MARK_BYTES 64

static sqlite3_vfs vfs;
static sqlite3_vfs *unix_vfs;
static int registered = SAE_EDB;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The directory part of path ("." when it has none) into dir. */
static int directory_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t length = slash ? (size_t)(slash - path) : 1;
    if (slash == path)
        length = 1;
    if (length + 1 > size)
        return SAE_EINVAL;
    memcpy(dir, slash ? path : ".", length);
    dir[length] = '\0';
    return 0;
}

/* What the mark of the WAL at path must say, from the file and its directory as they are. */
static int expected_mark(const char *path, const char *dir, char mark[MARK_BYTES])
{
    struct stat wal, parent;
    if (lstat(path, &wal) != 0 || !S_ISREG(wal.st_mode) || stat(dir, &parent) != 0)
        return SAE_EIO;
    int written = snprintf(mark, MARK_BYTES, "%llu:%llu:%llu", (unsigned long long)wal.st_dev,
                           (unsigned long long)wal.st_ino, (unsigned long long)parent.st_ino);
    return written > 0 && written < MARK_BYTES ? 0 : SAE_EIO;
}

static int sync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SAE_EIO;
    int rc = fsync(fd) == 0 ? 0 : SAE_EIO;
    close(fd);
    return rc;
}

/* True when the WAL at path exists and its directory entry is on disk: marked already, or
 * the directory synced now (and the mark written, when the file system takes it). */
static int wal_entry_durable(const char *path)
{
    char dir[4096], mark[MARK_BYTES], found[MARK_BYTES];
    if (directory_of(path, dir, sizeof dir) != 0 || expected_mark(path, dir, mark) != 0)
        return 0;
    ssize_t length = getxattr(path, SAE_DB_VFS_WAL_MARK, found, sizeof found - 1);
    if (length == (ssize_t)strlen(mark) && memcmp(found, mark, (size_t)length) == 0)
        return 1;
    if (sync_directory(dir) != 0)
        return 0;
    (void)setxattr(path, SAE_DB_VFS_WAL_MARK, mark, strlen(mark), 0);
    return 1;
}

/* SQLite syncs the directory of a file it opens for a WAL with SQLITE_OPEN_CREATE; an
 * existing WAL whose entry is durable is opened without that flag, so it is not synced. */
static int open_file(sqlite3_vfs *self, sqlite3_filename name, sqlite3_file *file, int flags,
                     int *out_flags)
{
    (void)self;
    int wal_create = (flags & SQLITE_OPEN_WAL) && (flags & SQLITE_OPEN_CREATE) && name;
    if (wal_create && wal_entry_durable(name)) {
        int rc = unix_vfs->xOpen(unix_vfs, name, file, flags & ~SQLITE_OPEN_CREATE, out_flags);
        if (rc != SQLITE_CANTOPEN)
            return rc;
    }
    return unix_vfs->xOpen(unix_vfs, name, file, flags, out_flags);
}

static void register_vfs(void)
{
    unix_vfs = sqlite3_vfs_find("unix");
    if (!unix_vfs)
        return;
    vfs = *unix_vfs;
    vfs.zName = VFS_NAME;
    vfs.pNext = NULL;
    vfs.xOpen = open_file;
    registered = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK ? 0 : SAE_EDB;
}

int sae_db_vfs_name(const char **out)
{
    if (pthread_once(&once, register_vfs) != 0 || registered != 0)
        return SAE_EDB;
    *out = VFS_NAME;
    return 0;
}
