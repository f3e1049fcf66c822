/* Opening the node's store on real SQLite files in temporary directories: create, open,
 * file permissions whatever the umask, damage, a newer schema. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sys/stat.h>

#include "sae/sae_db.h"
#include "store/node_meta.h"
#include "unit_support.h"

/* Opening dir must fail with want, leave *out alone and explain itself on one line. */
static void expect_open_fails(const char *dir, int want)
{
    struct node_store *store = (struct node_store *)&want;
    struct sae_message why = {{0}};
    assert_int_equal(node_store_open(dir, 50, &store, &why), want);
    assert_ptr_equal(store, (struct node_store *)&want);
    assert_true(why.text[0] != '\0');
    assert_null(strchr(why.text, '\n'));
}

/* The process umask must not decide who can read survivors' data. Modes are gathered
 * first and asserted after clean-up, so that a failure leaves no journal behind. */
static void test_create_makes_private_files_whatever_the_umask(void **state)
{
    (void)state;
    struct unit_dir d;
    struct sae_message why = {{0}};
    struct node_store *store = NULL;
    char id[SAE_ID_TEXT_LEN + 1];
    mode_t old = umask(022), wal_mode = 0;
    unit_dir_make(&d);
    int create_rc = node_store_create(d.dir, "Desa Sumberanyar", &why);
    umask(old);
    assert_int_equal(create_rc, 0);
    mode_t dir_mode = unit_mode_of(d.dir, "."), key_mode = unit_mode_of(d.dir, NODE_KEY_FILE);
    mode_t db_mode = unit_mode_of(d.dir, NODE_DB_FILE);
    int open_rc = node_store_open(d.dir, 1000, &store, &why);
    if (open_rc == 0) {
        assert_int_equal(node_store_set_author(store, UNIT_AUTHOR), 0);
        unit_add_case(store, id);
        wal_mode = unit_mode_of(d.dir, NODE_DB_FILE "-wal");
        node_store_close(store);
    }
    unit_dir_remove(&d);
    assert_int_equal(dir_mode, 0700);
    assert_int_equal(key_mode, 0600);
    if (db_mode != 0600)
        print_error("node.db was created with mode %04o under umask 022\n", (unsigned)db_mode);
    assert_int_equal(db_mode, 0600);
    assert_int_equal(open_rc, 0);
    assert_int_equal(wal_mode, 0600);
}

/* The village comes from the official list: a code, or a name that matches one village;
 * anything else creates nothing and says what would. */
static void test_create_and_open(void **state)
{
    (void)state;
    struct unit_dir d;
    struct sae_message why = {{0}};
    char nested[PATH_MAX], long_name[SAE_LIMIT_VILLAGE_BYTES + 2];
    struct stat st;
    unit_dir_make(&d);
    unit_path(d.root, "a/b/post", nested);
    memset(long_name, 'v', sizeof long_name - 1);
    long_name[SAE_LIMIT_VILLAGE_BYTES + 1] = '\0';
    static const char *const bad_villages[] = {"", "Desa\nBaru", "Desa \xc0\x80", "35.13.12"};
    for (size_t i = 0; i < COUNT(bad_villages); i++)
        assert_int_equal(node_store_create(nested, bad_villages[i], &why), SAE_EINVAL);
    assert_int_equal(node_store_create(nested, long_name, &why), SAE_ENOTFOUND);
    /* A typo with a trailing space: the nearest names, among them the one meant. */
    assert_int_equal(node_store_create(nested, "Desa Sumberanyer ", &why), SAE_ENOTFOUND);
    assert_non_null(strstr(why.text, "Sumberanyar (Paiton)"));
    assert_int_equal(node_store_create(nested, "Karanganyar", &why), SAE_EAMBIGUOUS);
    assert_non_null(strstr(why.text, "35.13.12.2011"));
    assert_int_not_equal(stat(nested, &st), 0); /* nothing created for a bad name */
    assert_int_equal(node_store_create(nested, "  karanganyar,  PAITON ", &why), 0);
    assert_int_equal(unit_mode_of(nested, "."), 0700);
    char key[PATH_MAX];
    unit_path(nested, NODE_KEY_FILE, key);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_size, crypto_box_SECRETKEYBYTES);
    memset(&why, 0, sizeof why);
    assert_int_equal(node_store_create(nested, "Desa Lain", &why), SAE_EEXIST);
    assert_non_null(strstr(why.text, nested));
    struct node_store *store = unit_open(nested, 1000);
    assert_string_equal(store->village, "35.13.12.2011");
    assert_null(store->author); /* nobody said who writes yet */
    assert_string_equal(store->dir, nested);
    assert_true(store->origin != 0 && store->origin <= (uint64_t)INT64_MAX);
    /* The page cache an open journal may keep: NODE_PAGE_CACHE_KIB, in KiB (negative). */
    assert_int_equal(unit_count(store, "PRAGMA cache_size"), -NODE_PAGE_CACHE_KIB);
    node_store_close(store);
    unit_dir_remove(&d);
}

static int64_t file_bytes(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    unit_path(dir, name, path);
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Frames in the journal's WAL: its size less the header, in frames of a header and a page. */
static int64_t wal_frames(const char *dir)
{
    int64_t bytes = file_bytes(dir, NODE_DB_FILE "-wal");
    return bytes <= 0 ? bytes : (bytes - 32) / (24 + 4096);
}

/* A close keeps the WAL (a case added is still only there, read back by the next open),
 * and the commit that brings it to NODE_WAL_CHECKPOINT_PAGES frames empties it into
 * node.db, not the one before: a meta row's update is one page, one frame per commit. */
static void test_wal_kept_on_close_and_emptied_at_its_limit(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    static const char fill_sql[] =
        "INSERT INTO meta(key, value) VALUES ('test_fill', zeroblob(200 * 4096))";
    static const char touch_sql[] =
        "UPDATE meta SET value = value + 1 WHERE key = 'test_tick'";
    unit_add_case(f->store, id);
    node_store_close(f->store);
    assert_true(wal_frames(f->d.dir) > 0);
    f->store = unit_open(f->d.dir, 1000);
    assert_int_equal(unit_count(f->store, "SELECT count(*) FROM report"), 1);
    assert_int_equal(unit_sql(f->store, "INSERT INTO meta(key, value) VALUES ('test_tick', 0)"),
                     SQLITE_OK);
    assert_int_equal(unit_sql(f->store, fill_sql), SQLITE_OK);
    int64_t frames = wal_frames(f->d.dir), ticks = 0;
    assert_true(frames > 200 && frames < NODE_WAL_CHECKPOINT_PAGES);
    for (; frames < NODE_WAL_CHECKPOINT_PAGES - 1; frames++, ticks++) {
        assert_int_equal(unit_sql(f->store, touch_sql), SQLITE_OK);
        assert_int_equal(wal_frames(f->d.dir), frames + 1);
    }
    assert_int_equal(unit_sql(f->store, touch_sql), SQLITE_OK);
    assert_int_equal(file_bytes(f->d.dir, NODE_DB_FILE "-wal"), 0);
    assert_int_equal(unit_count(f->store, "SELECT value FROM meta WHERE key = 'test_tick'"),
                     ticks + 1);
}

static void test_open_refuses_missing_and_unsafe(void **state)
{
    struct unit_fixture *f = *state;
    char path[PATH_MAX], empty[PATH_MAX], file[PATH_MAX];
    node_store_close(f->store);
    f->store = NULL;
    unit_path(f->d.root, "nowhere", path);
    expect_open_fails(path, SAE_ENOTINIT);
    unit_path(f->d.root, "empty", empty);
    assert_int_equal(mkdir(empty, 0700), 0);
    expect_open_fails(empty, SAE_ENOTINIT);
    unit_path(f->d.root, "file", file);
    unit_write_file(file, "", 0, 0600); /* a file where a directory should be */
    expect_open_fails(file, SAE_ENOTINIT);
    unit_path(f->d.dir, NODE_DB_FILE, path);
    assert_int_equal(chmod(f->d.dir, 0755), 0);
    expect_open_fails(f->d.dir, SAE_EPERM);
    assert_int_equal(chmod(f->d.dir, 0700), 0);
    assert_int_equal(chmod(path, 0644), 0);
    expect_open_fails(f->d.dir, SAE_EPERM);
    assert_int_equal(chmod(path, 0600), 0);
    f->store = unit_open(f->d.dir, 1000);
}

static void test_damaged_journal_is_corrupt(void **state)
{
    (void)state;
    struct unit_dir d;
    struct sae_message why = {{0}};
    char path[PATH_MAX], garbage[4096], back[sizeof garbage];
    for (size_t i = 0; i < sizeof garbage; i++)
        garbage[i] = (char)(i * 131 + 7);
    unit_dir_make(&d);
    assert_int_equal(mkdir(d.dir, 0700), 0);
    unit_path(d.dir, NODE_DB_FILE, path);
    unit_write_file(path, garbage, sizeof garbage, 0600);
    expect_open_fails(d.dir, SAE_ECORRUPT);
    /* init must never overwrite what is there. */
    assert_int_equal(node_store_create(d.dir, "Desa Sumberanyar", &why), SAE_EEXIST);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, back, sizeof back), (ssize_t)sizeof back);
    close(fd);
    assert_memory_equal(back, garbage, sizeof garbage);
    unit_write_file(path, "not a database\n", 15, 0600);
    expect_open_fails(d.dir, SAE_ECORRUPT);
    unit_dir_remove(&d);
}

static void test_newer_schema_is_refused(void **state)
{
    struct unit_fixture *f = *state;
    char path[PATH_MAX];
    sqlite3 *db = NULL;
    node_store_close(f->store);
    f->store = NULL;
    unit_path(f->d.dir, NODE_DB_FILE, path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", NODE_SCHEMA_VERSION + 1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    expect_open_fails(f->d.dir, SAE_ESCHEMA);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    /* As sae-node does; one test sets its own umask to check that none is relied upon. */
    umask(077);
#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_makes_private_files_whatever_the_umask),
        cmocka_unit_test(test_create_and_open),
        T(test_open_refuses_missing_and_unsafe),
        cmocka_unit_test(test_damaged_journal_is_corrupt),
        T(test_newer_schema_is_refused),
        T(test_wal_kept_on_close_and_emptied_at_its_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
