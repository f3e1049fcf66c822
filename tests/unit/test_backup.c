/* Backups (sae_backup.h, sae_backup_restore.h) of a real post directory: a round trip keeps
 * the journal and the device key and numbers the restored journal past the restart floor;
 * the passphrase and a carried file at the edges of their limits; a refused restore leaves
 * nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/node_restore.h"
#include "unit_support.h"
#include "sae/sae_backup_restore.h"
#include "sae/sae_hlc.h"

static const char passphrase[] = "dua belas bt";  /* 12 bytes: the shortest allowed */

static const struct sae_backup_file files[] = {
    {NODE_KEY_FILE, true},
    {"extra.pem", false},
};

static const struct sae_backup_spec spec = {SAE_BACKUP_SIDE_NODE, "sae-node", NODE_DB_FILE,
                                            files, COUNT(files)};

static void make_post(struct unit_dir *d)
{
    struct sae_message why = {{0}};
    unit_dir_make(d);
    assert_int_equal(node_store_create(d->dir, "Sumberanyar", &why), 0);
}

static void read_file(const char *path, uint8_t *out, size_t size, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    *len = fread(out, 1, size, f);
    fclose(f);
}

static int64_t query_int(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

static void test_round_trip_keeps_journal_and_key(void **state)
{
    struct unit_dir d;
    struct sae_backup_info info;
    struct sae_message why = {{0}};
    char backup[PATH_MAX], target[PATH_MAX], path[PATH_MAX];
    uint8_t key_before[64], key_after[64];
    size_t before_len = 0, after_len = 0;
    (void)state;
    make_post(&d);
    unit_path(d.root, "post.saebak", backup);
    unit_path(d.root, "restored", target);
    assert_int_equal(sae_backup_write(&spec, d.dir, backup, passphrase, 1000, &info, &why), 0);
    assert_int_equal(info.schema, NODE_SCHEMA_VERSION);
    assert_int_equal(info.files, 1); /* extra.pem is optional and absent */
    struct stat st;
    assert_int_equal(stat(backup, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal((uint64_t)st.st_size, info.file_bytes);
    const uint64_t before_ms = sae_wall_clock_ms();
    assert_int_equal(sae_backup_restore(&spec, backup, target, passphrase, NODE_SCHEMA_VERSION,
                                        node_restore_fixup, NULL, &info, &why), 0);
    unit_path(d.dir, NODE_KEY_FILE, path);
    read_file(path, key_before, sizeof key_before, &before_len);
    unit_path(target, NODE_KEY_FILE, path);
    read_file(path, key_after, sizeof key_after, &after_len);
    assert_int_equal(before_len, 32);
    assert_memory_equal(key_before, key_after, 32);
    unit_path(target, NODE_DB_FILE, path);
    assert_int_equal(query_int(path, "PRAGMA user_version"), NODE_SCHEMA_VERSION);
    /* The next own change is numbered past the restart floor: the entry written, not a
     * sequence row by a name (the journal's table is journal_entry since node migration 17,
     * and a restored backup may be older). */
    struct node_store *store = unit_open(target, 1000);
    char id[SAE_ID_TEXT_LEN + 1];
    assert_int_equal(node_config_set_author(store, UNIT_AUTHOR), 0);
    unit_add_case(store, id);
    assert_true(unit_count(store, "SELECT min(seq) FROM journal") >
                sae_backup_restart_floor(0, before_ms));
    node_store_close(store);
    unit_dir_remove(&d);
}

static void test_passphrase_limits(void **state)
{
    char text[SAE_BACKUP_PASSPHRASE_MAX_BYTES + 2];
    (void)state;
    memset(text, 'k', sizeof text);
    text[SAE_BACKUP_PASSPHRASE_MIN_BYTES - 1] = '\0';
    assert_int_equal(sae_backup_passphrase_check(text), SAE_EINVAL);
    memset(text, 'k', sizeof text);
    text[SAE_BACKUP_PASSPHRASE_MIN_BYTES] = '\0';
    assert_int_equal(sae_backup_passphrase_check(text), 0);
    memset(text, 'k', sizeof text);
    text[SAE_BACKUP_PASSPHRASE_MAX_BYTES] = '\0';
    assert_int_equal(sae_backup_passphrase_check(text), 0);
    memset(text, 'k', sizeof text);
    text[SAE_BACKUP_PASSPHRASE_MAX_BYTES + 1] = '\0';
    assert_int_equal(sae_backup_passphrase_check(text), SAE_EINVAL);
    assert_int_equal(sae_backup_passphrase_check(NULL), SAE_EINVAL);
}

static void write_sized(const char *dir, const char *name, size_t len)
{
    char path[PATH_MAX];
    unit_path(dir, name, path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < len; i++)
        fputc((int)(i % 251), f);
    fclose(f);
}

static void test_carried_file_at_its_limit(void **state)
{
    struct unit_dir d;
    struct sae_backup_info info;
    struct sae_message why = {{0}};
    char backup[PATH_MAX], over[PATH_MAX];
    (void)state;
    make_post(&d);
    unit_path(d.root, "at-limit.saebak", backup);
    write_sized(d.dir, "extra.pem", SAE_BACKUP_FILE_BYTES_MAX);
    assert_int_equal(sae_backup_write(&spec, d.dir, backup, passphrase, 1000, &info, &why), 0);
    assert_int_equal(info.files, 2);
    write_sized(d.dir, "extra.pem", SAE_BACKUP_FILE_BYTES_MAX + 1);
    unit_path(d.root, "over.saebak", over);
    why.text[0] = '\0';
    assert_int_equal(sae_backup_write(&spec, d.dir, over, passphrase, 1000, &info, &why),
                     SAE_ETOOBIG);
    assert_non_null(strstr(why.text, "extra.pem"));
    assert_int_equal(access(over, F_OK), -1);
    unit_dir_remove(&d);
}

static void test_refused_restore_leaves_nothing(void **state)
{
    struct unit_dir d;
    struct sae_backup_info info;
    struct sae_message why = {{0}};
    char backup[PATH_MAX], target[PATH_MAX], kept[PATH_MAX];
    (void)state;
    make_post(&d);
    unit_path(d.root, "post.saebak", backup);
    assert_int_equal(sae_backup_write(&spec, d.dir, backup, passphrase, 1000, &info, &why), 0);
    unit_path(d.root, "target", target);
    assert_int_equal(sae_backup_restore(&spec, backup, target, "not the passphrase",
                                        NODE_SCHEMA_VERSION, node_restore_fixup, NULL, &info,
                                        &why),
                     SAE_EINVAL);
    assert_non_null(strstr(why.text, "wrong passphrase"));
    assert_int_equal(access(target, F_OK), -1);
    /* A directory with something in it is never touched. */
    assert_int_equal(mkdir(target, 0700), 0);
    write_sized(target, "keep.txt", 3);
    assert_int_equal(sae_backup_restore(&spec, backup, target, passphrase, NODE_SCHEMA_VERSION,
                                        node_restore_fixup, NULL, &info, &why),
                     SAE_EEXIST);
    unit_path(target, NODE_DB_FILE, kept);
    assert_int_equal(access(kept, F_OK), -1);
    /* A newer schema than the reader's: refused before the passphrase is tried. */
    unit_path(d.root, "other", target);
    assert_int_equal(sae_backup_inspect(&spec, backup, NODE_SCHEMA_VERSION - 1, &info, &why),
                     SAE_EINVAL);
    assert_non_null(strstr(why.text, "newer"));
    unit_dir_remove(&d);
}

static void test_restart_floor(void **state)
{
    (void)state;
    const uint64_t now_ms = UINT64_C(1796281500000);
    const int64_t floor = (int64_t)(now_ms / 1000) << 20;
    assert_int_equal(sae_backup_restart_floor(5, now_ms), floor);
    assert_int_equal(sae_backup_restart_floor(floor + 7, now_ms), floor + 7);
    /* Restored a second later: past everything the first restored copy could issue in
     * that second at under 2^20 a second. */
    assert_true(sae_backup_restart_floor(0, now_ms + 1000) >= floor + (1 << 20));
    assert_true(floor < (INT64_C(1) << 53));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_keeps_journal_and_key),
        cmocka_unit_test(test_passphrase_limits),
        cmocka_unit_test(test_carried_file_at_its_limit),
        cmocka_unit_test(test_refused_restore_leaves_nothing),
        cmocka_unit_test(test_restart_floor),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
