/* The SQLite layer (include/sae/sae_db.h) on real database files: one behaviour for an empty
 * query, SQLite's errors as SAE codes, the statement cache at its size limit, and database
 * creation (mode, exclusivity, a failed identity leaving no identity). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "sae/sae_db_wal.h"

/* Migration 1 of the test schema (a macro: two arrays start with it, and an array element
 * is no constant initializer for clang). */
#define TEST_MIGRATION_1                                                                     \
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT;"             \
    "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT UNIQUE, size INTEGER CHECK (size >= 0));" \
    "PRAGMA user_version = 1;"
static const char *const test_migrations[] = {TEST_MIGRATION_1};
static const struct sae_db_schema test_schema = {test_migrations, 1, "sae-test", NULL};

struct db_fixture {
    char dir[64];
    char path[128];
    sqlite3 *db;
    struct sae_db_cache cache;
};

static int no_identity(sqlite3 *db, void *context)
{
    (void)db;
    (void)context;
    return 0;
}

static int db_setup(void **state)
{
    struct db_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sae-db-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
    assert_int_equal(sae_db_create(f->path, true, 1000, &test_schema, no_identity, NULL, NULL),
                     0);
    assert_int_equal(sae_db_open(f->path, SQLITE_OPEN_READWRITE, 1000, &f->db), 0);
    *state = f;
    return 0;
}

static int db_teardown(void **state)
{
    struct db_fixture *f = *state;
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char path[160];
    sae_db_cache_clear(&f->cache);
    assert_int_equal(sae_db_close(f->db), 0);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", f->path, suffixes[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(f->dir), 0);
    free(f);
    return 0;
}

static const char count_sql[] = "SELECT count(*) FROM item";
static const char size_of_sql[] = "SELECT size FROM item WHERE id = ?1";
static const char insert_sql[] = "INSERT INTO item(id, name, size) VALUES (?1, 'a', ?2)";

/* An empty result is SAE_ENOTFOUND, cached or not, and leaves the output alone. */
static void test_query_int_empty_is_not_found(void **state)
{
    struct db_fixture *f = *state;
    const int64_t id = 7, row[] = {7, 42};
    int64_t out = -1;
    assert_int_equal(sae_db_query_int(f->db, NULL, size_of_sql, &id, 1, &out), SAE_ENOTFOUND);
    assert_int_equal(sae_db_query_int(f->db, &f->cache, size_of_sql, &id, 1, &out),
                     SAE_ENOTFOUND);
    assert_int_equal(out, -1);
    assert_int_equal(sae_db_run(f->db, &f->cache, insert_sql, row, 2), 0);
    assert_int_equal(sae_db_query_int(f->db, &f->cache, size_of_sql, &id, 1, &out), 0);
    assert_int_equal(out, 42);
    assert_int_equal(sae_db_query_int(f->db, NULL, count_sql, NULL, 0, &out), 0);
    assert_int_equal(out, 1);
}

/* The first row's text and the count of every row, cached or not; no row leaves the text
 * alone; a too-small buffer cuts the copy. */
static void test_query_first_text_counts_matches(void **state)
{
    struct db_fixture *f = *state;
    static const char names_sql[] = "SELECT name || id FROM item WHERE size >= ?1 ORDER BY id";
    char first[8] = "keep";
    int matches = -1;
    assert_int_equal(sae_db_query_first_text(f->db, NULL, names_sql, "1", first, sizeof first,
                                             &matches), 0);
    assert_int_equal(matches, 0);
    assert_string_equal(first, "keep");
    assert_int_equal(sae_db_exec(f->db, "INSERT INTO item VALUES (3, 'a', 1), (5, 'b', 2)"), 0);
    assert_int_equal(sae_db_query_first_text(f->db, &f->cache, names_sql, "1", first,
                                             sizeof first, &matches), 0);
    assert_int_equal(matches, 2);
    assert_string_equal(first, "a3");
    assert_int_equal(sae_db_query_first_text(f->db, NULL, names_sql, "2", first, 2, &matches), 0);
    assert_int_equal(matches, 1);
    assert_string_equal(first, "b");
}

/* A duplicate key is SAE_EEXIST; any other refused write (a CHECK) is SAE_EDB. */
static void test_constraints_map_to_sae_codes(void **state)
{
    struct db_fixture *f = *state;
    const int64_t first[] = {1, 5}, same_id[] = {1, 6}, negative[] = {2, -1};
    assert_int_equal(sae_db_run(f->db, &f->cache, insert_sql, first, 2), 0);
    assert_int_equal(sae_db_run(f->db, &f->cache, insert_sql, same_id, 2), SAE_EEXIST);
    assert_int_equal(sae_db_exec(f->db, "INSERT INTO item(id, name) VALUES (3, 'a')"),
                     SAE_EEXIST);
    assert_int_equal(sae_db_run(f->db, &f->cache, insert_sql, negative, 2), SAE_EDB);
    assert_int_equal(sae_db_exec(f->db, "SELECT * FROM no_such_table"), SAE_EDB);
}

/* sae_db_step: SAE_DB_ROW per row, then 0; a NULL text binds SQL NULL; column_copy cuts. */
static void test_step_bind_and_columns(void **state)
{
    struct db_fixture *f = *state;
    sqlite3_stmt *stmt = NULL;
    char small[4] = "xxx";
    char *copy = (char *)"untouched";
    assert_int_equal(sae_db_prepare(f->db, "SELECT ?1 IS NULL, 'abcdef', NULL", &stmt), 0);
    assert_int_equal(sae_db_bind_text(stmt, 1, NULL), 0);
    assert_int_equal(sae_db_step(stmt), SAE_DB_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 1);
    sae_db_column_copy(stmt, 1, small, sizeof small);
    assert_string_equal(small, "abc");
    sae_db_column_copy(stmt, 2, small, sizeof small);
    assert_string_equal(small, "");
    assert_true(sae_db_column_is_null(stmt, 2));
    assert_int_equal(sae_db_column_dup(stmt, 2, &copy), 0);
    assert_null(copy);
    assert_int_equal(sae_db_column_dup(stmt, 1, &copy), 0);
    assert_string_equal(copy, "abcdef");
    free(copy);
    assert_int_equal(sae_db_step(stmt), 0);
    sae_db_finalize(stmt);
    assert_int_equal(sae_db_prepare(f->db, "SELEKT 1", &stmt), SAE_EDB);
}

/* A blob or, for NULL bytes, SQL NULL. */
static void test_bind_blob_or_null(void **state)
{
    struct db_fixture *f = *state;
    sqlite3_stmt *stmt = NULL;
    static const unsigned char bytes[3] = {1, 0, 2};
    assert_int_equal(sae_db_prepare(f->db, "SELECT ?1 IS NULL, length(?1), ?2 IS NULL", &stmt), 0);
    assert_int_equal(sae_db_bind_blob_or_null(stmt, 1, bytes, sizeof bytes), 0);
    assert_int_equal(sae_db_bind_blob_or_null(stmt, 2, NULL, sizeof bytes), 0);
    assert_int_equal(sae_db_step(stmt), SAE_DB_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 0);
    assert_int_equal(sqlite3_column_int(stmt, 1), 3);
    assert_int_equal(sqlite3_column_int(stmt, 2), 1);
    sae_db_finalize(stmt);
}

/* Texts to ?1.., the blob after them; no row changed is SAE_ENOTFOUND, cached or not. */
static void test_update_with_blob(void **state)
{
    struct db_fixture *f = *state;
    static const char sql[] = "UPDATE item SET wrap = ?3 WHERE name = ?1 AND size = ?2";
    int64_t found = 0;
    assert_int_equal(sae_db_exec(f->db, "ALTER TABLE item ADD COLUMN wrap BLOB;"
                                        "INSERT INTO item(id, name, size) VALUES (1, 'a', 5)"),
                     0);
    assert_int_equal(sae_db_update_with_blob(f->db, &f->cache, sql,
                                             (const char *const[]){"a", "5"}, 2, "xyz", 3), 0);
    assert_int_equal(sae_db_query_int(f->db, NULL, "SELECT wrap = x'78797a' FROM item", NULL, 0,
                                      &found), 0);
    assert_int_equal(found, 1);
    assert_int_equal(sae_db_update_with_blob(f->db, NULL, sql,
                                             (const char *const[]){"a", "6"}, 2, "xyz", 3),
                     SAE_ENOTFOUND);
    assert_int_equal(sae_db_update_with_blob(f->db, NULL, sql,
                                             (const char *const[]){"a", "5"}, 2, NULL, 3), 0);
    assert_int_equal(sae_db_query_int(f->db, NULL, "SELECT wrap IS NULL FROM item", NULL, 0,
                                      &found), 0);
    assert_int_equal(found, 1);
}

static int64_t wal_bytes(const struct db_fixture *f)
{
    char path[160];
    struct stat st;
    snprintf(path, sizeof path, "%s-wal", f->path);
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* The WAL is emptied, or SAE_EBUSY says it was not: a reader on an older snapshot keeps the
 * frames a checkpoint would need, and SQLite itself answers SQLITE_OK with a partial log. */
static void test_wal_truncate_says_when_a_reader_kept_it(void **state)
{
    struct db_fixture *f = *state;
    sqlite3 *reader = NULL;
    int64_t size = 0;
    assert_int_equal(sae_db_open(f->path, SQLITE_OPEN_READWRITE, 50, &reader), 0);
    assert_int_equal(sae_db_exec(f->db, "INSERT INTO item(id, name, size) VALUES (1, 'a', 1)"), 0);
    assert_int_equal(sae_db_begin_read(reader), 0);
    assert_int_equal(sae_db_query_int(reader, NULL, count_sql, NULL, 0, &size), 0);
    assert_int_equal(sae_db_exec(f->db, "INSERT INTO item(id, name, size) VALUES (2, 'b', 2)"), 0);
    assert_int_equal(sqlite3_busy_timeout(f->db, 50), SQLITE_OK);
    assert_int_equal(sae_db_wal_truncate(f->db), SAE_EBUSY);
    assert_true(wal_bytes(f) > 0);
    assert_int_equal(sae_db_commit(reader), 0);
    assert_int_equal(sae_db_wal_truncate(f->db), 0);
    assert_int_equal(wal_bytes(f), 0);
    assert_int_equal(sae_db_close(reader), 0);
}

#define WAL_HEADER_BYTES 32
#define WAL_FRAME_BYTES (24 + 4096)

static void insert_item(sqlite3 *db, int64_t id)
{
    const int64_t row[] = {id, id};
    static const char sql[] = "INSERT INTO item(id, name, size) VALUES (?1, ?1, ?2)";
    assert_int_equal(sae_db_run(db, NULL, sql, row, 2), 0);
}

/* Rows of item in the main file alone, the WAL unread (an immutable open). */
static int64_t rows_in_main_file(const struct db_fixture *f)
{
    sqlite3 *main_only = NULL;
    int64_t count = -1;
    assert_int_equal(sae_db_open_immutable(f->path, &main_only), 0);
    assert_int_equal(sae_db_query_int(main_only, NULL, count_sql, NULL, 0, &count), 0);
    assert_int_equal(sae_db_close(main_only), 0);
    return count;
}

/* A close keeps the WAL (no checkpoint: the main file is as it was) and the next opener reads
 * its rows; the first commit that leaves the limit's number of frames empties the WAL into
 * the main file, and one below the limit does not. A row of item dirties two pages (the
 * table's leaf and its UNIQUE index's), so each commit adds two frames. */
static void test_keep_wal_on_close_and_checkpoint_at_the_limit(void **state)
{
    struct db_fixture *f = *state;
    int64_t count = 0;
    assert_int_equal(sae_db_keep_wal_on_close(f->db, 0), SAE_EINVAL);
    assert_int_equal(sae_db_keep_wal_on_close(f->db, 4), 0);
    insert_item(f->db, 1);
    assert_int_equal(wal_bytes(f), WAL_HEADER_BYTES + 2 * WAL_FRAME_BYTES);
    assert_int_equal(sae_db_close(f->db), 0);
    assert_int_equal(wal_bytes(f), WAL_HEADER_BYTES + 2 * WAL_FRAME_BYTES);
    assert_int_equal(rows_in_main_file(f), 0);
    assert_int_equal(sae_db_open(f->path, SQLITE_OPEN_READWRITE, 1000, &f->db), 0);
    assert_int_equal(sae_db_keep_wal_on_close(f->db, 4), 0);
    assert_int_equal(sae_db_query_int(f->db, NULL, count_sql, NULL, 0, &count), 0);
    assert_int_equal(count, 1);
    insert_item(f->db, 2); /* four frames: the limit */
    assert_int_equal(wal_bytes(f), 0);
    assert_int_equal(rows_in_main_file(f), 2);
    insert_item(f->db, 3);
    assert_int_equal(wal_bytes(f), WAL_HEADER_BYTES + 2 * WAL_FRAME_BYTES);
    assert_int_equal(rows_in_main_file(f), 2);
    assert_int_equal(sae_db_query_int(f->db, NULL, count_sql, NULL, 0, &count), 0);
    assert_int_equal(count, 3);
}

/* The cache keeps SAE_DB_CACHE_SIZE statements, hands the same one back for the same text,
 * and refuses one more (a programming error the tests would reach). */
static void test_cache_holds_its_size_and_no_more(void **state)
{
    struct db_fixture *f = *state;
    static char sql[SAE_DB_CACHE_SIZE + 1][32];
    sqlite3_stmt *stmt = NULL, *again = NULL;
    for (int i = 0; i < SAE_DB_CACHE_SIZE; i++) {
        snprintf(sql[i], sizeof sql[i], "SELECT %d", i);
        assert_int_equal(sae_db_prepare_cached(f->db, &f->cache, sql[i], &stmt), 0);
    }
    assert_int_equal(f->cache.count, SAE_DB_CACHE_SIZE);
    assert_int_equal(sae_db_prepare_cached(f->db, &f->cache, sql[0], &stmt), 0);
    assert_int_equal(sae_db_prepare_cached(f->db, &f->cache, sql[0], &again), 0);
    assert_ptr_equal(stmt, again);
    snprintf(sql[SAE_DB_CACHE_SIZE], sizeof sql[0], "SELECT %d", SAE_DB_CACHE_SIZE);
    assert_int_equal(sae_db_prepare_cached(f->db, &f->cache, sql[SAE_DB_CACHE_SIZE], &stmt),
                     SAE_ENOMEM);
    assert_int_equal(f->cache.count, SAE_DB_CACHE_SIZE);
}

static int failing_identity(sqlite3 *db, void *context)
{
    (void)context;
    int rc = sae_db_exec(db, "INSERT INTO meta(key, value) VALUES ('name', 'half')");
    return rc == 0 ? SAE_EIO : rc;
}

/* A created file is 0600 whatever the umask; exclusive creation refuses an existing file and
 * leaves it alone; a failed identity step leaves no identity behind. */
static void test_create_mode_exclusive_and_atomic(void **state)
{
    struct db_fixture *f = *state;
    char other[160];
    struct stat st;
    int64_t n = -1;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(sae_db_create(f->path, true, 1000, &test_schema, no_identity, NULL, NULL),
                     SAE_EEXIST);
    snprintf(other, sizeof other, "%s/other.db", f->dir);
    mode_t old = umask(0);
    int rc = sae_db_create(other, false, 1000, &test_schema, failing_identity, NULL, NULL);
    umask(old);
    assert_int_equal(rc, SAE_EIO);
    assert_int_equal(stat(other, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    sqlite3 *db = NULL;
    assert_int_equal(sae_db_open(other, SQLITE_OPEN_READWRITE, 1000, &db), 0);
    assert_int_equal(sae_db_query_int(db, NULL, "SELECT count(*) FROM meta", NULL, 0, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(sae_db_close(db), 0);
    /* Not exclusive: an init that crashed half-way runs again over the same file. */
    assert_int_equal(sae_db_create(other, false, 1000, &test_schema, no_identity, NULL, NULL),
                     0);
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char path[192];
        snprintf(path, sizeof path, "%s%s", other, suffixes[i]);
        unlink(path);
    }
}

/* A second migration whose step computes a row in C (as a village name resolved to its
 * code): a step that fails rolls its whole migration back, SQL included; one that succeeds
 * runs once, in the migration's transaction. */
static const char *const two_migrations[] = {
    TEST_MIGRATION_1,
    "CREATE TABLE area(code TEXT PRIMARY KEY);"
    "PRAGMA user_version = 2;",
};
static int step_runs;

static int failing_step(sqlite3 *db)
{
    (void)db;
    step_runs++;
    return SAE_EINVAL;
}

static int inserting_step(sqlite3 *db)
{
    step_runs++;
    return sae_db_exec(db, "INSERT INTO area(code) VALUES ('35.13.12.2018')");
}

static void test_migration_steps(void **state)
{
    struct db_fixture *f = *state;
    const sae_db_migration_step failing[] = {NULL, failing_step};
    const sae_db_migration_step inserting[] = {NULL, inserting_step};
    struct sae_db_schema schema = {two_migrations, 2, "sae-test", failing};
    int64_t version = 0, areas = 0;
    step_runs = 0;
    assert_int_equal(sae_db_migrate_schema(f->db, &schema, NULL), SAE_EINVAL);
    assert_int_equal(sae_db_query_int(f->db, NULL, "PRAGMA user_version", NULL, 0, &version), 0);
    assert_int_equal(version, 1);
    assert_int_equal(sae_db_query_int(f->db, NULL, "SELECT count(*) FROM sqlite_schema WHERE"
                                      " name = 'area'", NULL, 0, &areas), 0);
    assert_int_equal(areas, 0);
    schema.steps = inserting;
    assert_int_equal(sae_db_migrate_schema(f->db, &schema, NULL), 0);
    assert_int_equal(sae_db_migrate_schema(f->db, &schema, NULL), 0);
    assert_int_equal(step_runs, 2);
    assert_int_equal(sae_db_query_int(f->db, NULL, "SELECT count(*) FROM area", NULL, 0, &areas),
                     0);
    assert_int_equal(areas, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_query_int_empty_is_not_found, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_migration_steps, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_query_first_text_counts_matches, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_constraints_map_to_sae_codes, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_step_bind_and_columns, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_bind_blob_or_null, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_update_with_blob, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_keep_wal_on_close_and_checkpoint_at_the_limit,
                                        db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_wal_truncate_says_when_a_reader_kept_it, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_cache_holds_its_size_and_no_more, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_create_mode_exclusive_and_atomic, db_setup,
                                        db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
