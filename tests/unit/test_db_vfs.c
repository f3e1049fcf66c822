/* The VFS of sae_db_vfs.h on real files: a WAL is marked only once its directory was synced,
 * the mark names that very file (a copy, a new inode, is synced and marked again), and a
 * database whose WAL carries a stale or forged mark is still written and read whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "sae/sae_db_vfs.h"

static const char *const migrations[] = {
    "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;"
    "PRAGMA user_version = 1;"};
static const struct sae_db_schema schema = {migrations, 1, "sae-test", NULL};

struct vfs_fixture {
    char dir[64];
    char path[128];
    char wal[128];
};

static int no_identity(sqlite3 *db, void *context)
{
    (void)db;
    (void)context;
    return 0;
}

static int vfs_setup(void **state)
{
    struct vfs_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sae-vfs-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
    snprintf(f->wal, sizeof f->wal, "%s/test.db-wal", f->dir);
    assert_int_equal(sae_db_create(f->path, true, 1000, &schema, no_identity, NULL, NULL), 0);
    *state = f;
    return 0;
}

static int vfs_teardown(void **state)
{
    struct vfs_fixture *f = *state;
    const char *suffixes[] = {"", "-wal", "-shm"};
    char path[160];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", f->path, suffixes[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* One connection's life: open, insert name in a transaction, close (the WAL kept). */
static void insert(const char *path, const char *name)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sae_db_open(path, SQLITE_OPEN_READWRITE, 1000, &db), 0);
    assert_int_equal(sae_db_keep_wal_on_close(db, 1000), 0);
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO item(name) VALUES (?)", -1, &stmt,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    assert_int_equal(sae_db_close(db), 0);
}

static int64_t count(const char *path)
{
    sqlite3 *db = NULL;
    int64_t n = -1;
    assert_int_equal(sae_db_open(path, SQLITE_OPEN_READWRITE, 1000, &db), 0);
    assert_int_equal(sae_db_query_int(db, NULL, "SELECT count(*) FROM item", NULL, 0, &n), 0);
    assert_int_equal(sae_db_close(db), 0);
    return n;
}

/* The mark the WAL at wal should carry: its device, its inode, its directory's inode. */
static void expected_mark(const char *wal, const char *dir, char *mark, size_t size)
{
    struct stat file, parent;
    assert_int_equal(stat(wal, &file), 0);
    assert_int_equal(stat(dir, &parent), 0);
    snprintf(mark, size, "%llu:%llu:%llu", (unsigned long long)file.st_dev,
             (unsigned long long)file.st_ino, (unsigned long long)parent.st_ino);
}

/* The mark on wal into found ("" when there is none); false when the file system keeps no
 * user attributes (the test then has nothing to check). */
static bool read_mark(const char *wal, char *found, size_t size)
{
    ssize_t length = getxattr(wal, SAE_DB_VFS_WAL_MARK, found, size - 1);
    if (length < 0 && errno == ENOTSUP)
        return false;
    found[length < 0 ? 0 : length] = '\0';
    return true;
}

static void test_a_kept_wal_is_marked_with_its_own_identity(void **state)
{
    struct vfs_fixture *f = *state;
    char mark[64], found[64];
    insert(f->path, "first"); /* SQLite made this WAL: its own commit synced the directory */
    insert(f->path, "second"); /* found it there: synced the directory, then marked it */
    if (!read_mark(f->wal, found, sizeof found))
        skip();
    expected_mark(f->wal, f->dir, mark, sizeof mark);
    assert_string_equal(found, mark);
    insert(f->path, "third");
    assert_int_equal(count(f->path), 3);
}

/* A copy of the WAL (cp -a copies attributes too) is a new inode, whose entry in the
 * directory nobody synced: its copied mark is not believed, and it is marked anew. */
static void test_a_copied_mark_is_not_believed(void **state)
{
    struct vfs_fixture *f = *state;
    char copy[160], mark[64], found[64];
    insert(f->path, "first");
    insert(f->path, "second");
    if (!read_mark(f->wal, found, sizeof found))
        skip();
    snprintf(copy, sizeof copy, "%s.copy", f->wal);
    char command[600];
    snprintf(command, sizeof command, "cp -a '%s' '%s' && mv '%s' '%s'", f->wal, copy, copy,
             f->wal);
    assert_int_equal(system(command), 0);
    assert_true(read_mark(f->wal, found, sizeof found));
    expected_mark(f->wal, f->dir, mark, sizeof mark);
    assert_string_not_equal(found, mark); /* the copy carries the old file's mark */
    insert(f->path, "third");
    assert_true(read_mark(f->wal, found, sizeof found));
    assert_string_equal(found, mark);
    assert_int_equal(count(f->path), 3);
}

/* A forged or damaged mark costs a directory sync, never a write. */
static void test_a_forged_mark_is_replaced(void **state)
{
    struct vfs_fixture *f = *state;
    char mark[64], found[64];
    insert(f->path, "first");
    if (setxattr(f->wal, SAE_DB_VFS_WAL_MARK, "1:2:3", 5, 0) != 0 && errno == ENOTSUP)
        skip();
    insert(f->path, "second");
    expected_mark(f->wal, f->dir, mark, sizeof mark);
    assert_true(read_mark(f->wal, found, sizeof found));
    assert_string_equal(found, mark);
    assert_int_equal(count(f->path), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_kept_wal_is_marked_with_its_own_identity,
                                        vfs_setup, vfs_teardown),
        cmocka_unit_test_setup_teardown(test_a_copied_mark_is_not_believed, vfs_setup,
                                        vfs_teardown),
        cmocka_unit_test_setup_teardown(test_a_forged_mark_is_replaced, vfs_setup,
                                        vfs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
