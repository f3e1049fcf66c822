/* The district storage key on a real hub.db (hub/store/district_key.c, hub_accounts.c's
 * wraps) and the recovery key's text (proto/key_text.c): the pair is made once with its
 * secret unclaimed; a coordinator without a wrap is given one at their first unlock, an
 * operator never; the unclaimed file is retired only once a coordinator holds a wrap and the
 * recovery wrap exists; wrong passwords and recovery keys are refused; a password change
 * re-wraps the same key; disabling deletes the wrap; a hub at schema 9 migrates and gets its
 * pair at the next ensure. Passwords wrap with the programs' own parameters (32 MiB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "merge_support.h"
#include "sae/sae_db.h"
#include "sae/sae_key_text.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"
#include "store/district_key.h"
#include "store/hub_accounts.h"
#include "unit_support.h"

#define SARI "Bu Sari"
#define SARI_PASS "kopi-pahit-di-pagi-hari"
#define ANI "Bu Ani"
#define ANI_PASS "teh-manis-sore-hari"
#define HASH "$argon2id$v=19$m=32768,t=3,p=1$c2FsdHNhbHRzYWx0c2E$aGFzaGhhc2g"

static bool unclaimed(struct hub_fixture *f)
{
    bool is = false;
    assert_int_equal(district_key_is_unclaimed(f->dir, &is), 0);
    return is;
}

static void unlock_equals(struct hub_fixture *f, const char *name, const char *pass,
                          const unsigned char *expected)
{
    unsigned char *secret = NULL;
    assert_int_equal(district_key_unlock(f->store, f->dir, name, pass, &secret), 0);
    assert_memory_equal(secret, expected, DISTRICT_KEY_BYTES);
    sae_secure_free(secret);
}

static void test_claimed_recovered_and_retired(void **state)
{
    struct hub_fixture *f = *state;
    unsigned char public_key[DISTRICT_KEY_BYTES], again[DISTRICT_KEY_BYTES];
    unsigned char derived[DISTRICT_KEY_BYTES], recovery[SAE_RECOVERY_KEY_BYTES];
    unsigned char *original = NULL, *secret = NULL;
    assert_int_equal(district_key_public(f->store, public_key), SAE_ENOTFOUND);
    assert_int_equal(district_key_ensure(f->store, f->dir), 0);
    assert_int_equal(district_key_ensure(f->store, f->dir), 0); /* idempotent */
    assert_int_equal(district_key_public(f->store, public_key), 0);
    assert_true(unclaimed(f));
    assert_int_equal(district_key_unclaimed(f->dir, &original), 0);
    assert_int_equal(crypto_scalarmult_base(derived, original), 0);
    assert_memory_equal(derived, public_key, sizeof derived);
    assert_int_equal(hub_account_add(f->store, SARI, HUB_ROLE_COORDINATOR, NULL, HASH, 1), 0);
    assert_int_equal(hub_account_add(f->store, ANI, HUB_ROLE_COORDINATOR, NULL, HASH, 1), 0);
    assert_int_equal(hub_account_add(f->store, "op", HUB_ROLE_OPERATOR, NULL, HASH, 1), 0);
    /* Operators never hold it, even while it waits unclaimed. */
    assert_int_equal(district_key_unlock(f->store, f->dir, "op", "operator-password", &secret),
                     SAE_ENOTFOUND);
    assert_null(secret);
    unlock_equals(f, SARI, SARI_PASS, original);
    assert_true(unclaimed(f)); /* no recovery wrap yet */
    unlock_equals(f, SARI, SARI_PASS, original); /* now through her wrap */
    assert_int_equal(district_key_unlock(f->store, f->dir, SARI, "bukan-sandinya", &secret),
                     SAE_EPERM);
    assert_null(secret);
    assert_int_equal(district_key_recovery_new(f->store, original, recovery), 0);
    assert_int_equal(district_key_settle(f->store, f->dir), 0);
    assert_false(unclaimed(f));
    /* Retired: a coordinator without a wrap gets none, and the recovery key still opens it. */
    assert_int_equal(district_key_unlock(f->store, f->dir, ANI, ANI_PASS, &secret),
                     SAE_ENOTFOUND);
    assert_int_equal(district_key_recover(f->store, recovery, &secret), 0);
    assert_memory_equal(secret, original, DISTRICT_KEY_BYTES);
    sae_secure_free(secret);
    secret = NULL;
    recovery[0] ^= 1;
    assert_int_equal(district_key_recover(f->store, recovery, &secret), SAE_EPERM);
    assert_null(secret);
    /* The pair is not made twice. */
    assert_int_equal(district_key_ensure(f->store, f->dir), 0);
    assert_int_equal(district_key_public(f->store, again), 0);
    assert_memory_equal(again, public_key, sizeof again);
    sae_secure_free(original);
}

static void test_password_change_rewraps_and_disable_deletes(void **state)
{
    struct hub_fixture *f = *state;
    unsigned char wrap[SAE_KEYWRAP_BYTES], old[SAE_KEYWRAP_BYTES], *original = NULL;
    unsigned char other_public[DISTRICT_KEY_BYTES], other_secret[DISTRICT_KEY_BYTES];
    assert_int_equal(district_key_ensure(f->store, f->dir), 0);
    assert_int_equal(district_key_unclaimed(f->dir, &original), 0);
    assert_int_equal(hub_account_add(f->store, SARI, HUB_ROLE_COORDINATOR, NULL, HASH, 1), 0);
    unlock_equals(f, SARI, SARI_PASS, original);
    assert_int_equal(hub_account_wrap_get(f->store, SARI, old), 0);
    /* A new password wraps the same key; the old password opens nothing. */
    assert_int_equal(district_key_wrap(f->store, original, "sandi-baru-yang-panjang", wrap), 0);
    assert_int_equal(hub_account_set_password(f->store, SARI, HASH, wrap), 0);
    unlock_equals(f, SARI, "sandi-baru-yang-panjang", original);
    unsigned char *secret = NULL;
    assert_int_equal(district_key_unlock(f->store, f->dir, SARI, SARI_PASS, &secret), SAE_EPERM);
    /* A key that is not the district's is never wrapped. */
    assert_int_equal(crypto_box_keypair(other_public, other_secret), 0);
    assert_int_equal(district_key_wrap(f->store, other_secret, SARI_PASS, wrap), SAE_ECORRUPT);
    /* Disabled: the wrap is gone. */
    int64_t holders = -1;
    assert_int_equal(hub_account_wrap_count(f->store, &holders), 0);
    assert_int_equal(holders, 1);
    assert_int_equal(hub_account_disable(f->store, SARI), 0);
    assert_int_equal(hub_account_wrap_get(f->store, SARI, wrap), SAE_ENOTFOUND);
    assert_int_equal(hub_account_wrap_count(f->store, &holders), 0);
    assert_int_equal(holders, 0);
    sae_secure_free(original);
}

/* A coordinator disabled while another connection reads hub.db: the change stands, the old
 * wrap's bytes stay in hub.db-wal and the scrub is recorded as owed; once the reader is done,
 * the store's close scrubs it (a third, idle connection keeps SQLite's own checkpoint at the
 * last close out of it), and the next open finds nothing owed. */
static void test_disable_under_a_reader_scrubbed_at_close(void **state)
{
    struct hub_fixture *f = *state;
    unsigned char old[SAE_KEYWRAP_BYTES], *original = NULL;
    char wal_path[sizeof f->path + 8];
    sqlite3 *reader = NULL;
    int64_t rows = 0;
    bool owed = false;
    snprintf(wal_path, sizeof wal_path, "%s-wal", f->path);
    hub_store_close(f->store);
    assert_int_equal(hub_store_open(f->path, 100, &f->store, NULL), 0);
    assert_int_equal(district_key_ensure(f->store, f->dir), 0);
    assert_int_equal(district_key_unclaimed(f->dir, &original), 0);
    assert_int_equal(hub_account_add(f->store, SARI, HUB_ROLE_COORDINATOR, NULL, HASH, 1), 0);
    unlock_equals(f, SARI, SARI_PASS, original);
    assert_int_equal(hub_account_wrap_get(f->store, SARI, old), 0);
    assert_true(unit_file_holds(wal_path, old, sizeof old));
    assert_int_equal(sae_db_open(f->path, SQLITE_OPEN_READWRITE, 100, &reader), 0);
    assert_int_equal(sae_db_begin_read(reader), 0);
    assert_int_equal(sae_db_query_int(reader, NULL, "SELECT count(*) FROM account", NULL, 0,
                                      &rows), 0);
    assert_int_equal(hub_account_disable(f->store, SARI), 0);
    assert_true(unit_file_holds(wal_path, old, sizeof old));
    assert_int_equal(hub_store_wal_scrub_owed(f->store, &owed), 0);
    assert_true(owed);
    sae_db_rollback(reader);
    hub_store_close(f->store);
    f->store = NULL;
    assert_false(unit_file_holds(wal_path, old, sizeof old));
    assert_false(unit_file_holds(f->path, old, sizeof old));
    assert_int_equal(sae_db_close(reader), 0);
    assert_int_equal(hub_store_open(f->path, 100, &f->store, NULL), 0);
    assert_int_equal(hub_store_wal_scrub_owed(f->store, &owed), 0);
    assert_false(owed);
    sae_secure_free(original);
}

/* A hub at schema 9 reaches 10 with no key; the next ensure makes the pair unclaimed. */
static void test_migration_from_schema_9(void **state)
{
    struct hub_fixture *f = *state;
    unsigned char public_key[DISTRICT_KEY_BYTES];
    assert_int_equal(hub_account_add(f->store, SARI, HUB_ROLE_COORDINATOR, NULL, HASH, 1), 0);
    assert_int_equal(sae_db_exec(f->store->db, UNDO_HUB_MIGRATION_17_SQL
                                               "ALTER TABLE account DROP COLUMN key_wrap;"
                                               " ALTER TABLE node DROP COLUMN storage_public_key;"
                                               " DROP TABLE sealed_value; DROP TABLE value_grant;"
                                               " DROP TABLE name_index; DROP TABLE erased_report;"
                                               " DELETE FROM meta WHERE key = 'name_index_cursor';"
                                               " DROP TABLE dup_change_name;"
                                               " DROP TABLE agency_key; DROP INDEX change_by_case_id;"
                                               " PRAGMA user_version = 9"), 0);
    hub_store_close(f->store);
    f->store = NULL;
    assert_int_equal(hub_store_open(f->path, 1000, &f->store, NULL), 0);
    assert_int_equal(hub_store_query_int(f->store, "PRAGMA user_version", NULL, 0,
                                         &(int64_t){0}), 0);
    assert_int_equal(district_key_public(f->store, public_key), SAE_ENOTFOUND);
    assert_int_equal(district_key_ensure(f->store, f->dir), 0);
    assert_true(unclaimed(f));
    unsigned char *secret = NULL;
    assert_int_equal(district_key_unlock(f->store, f->dir, SARI, SARI_PASS, &secret), 0);
    sae_secure_free(secret);
    bool recovery = true;
    assert_int_equal(district_key_has_recovery(f->store, &recovery), 0);
    assert_false(recovery);
    assert_true(unclaimed(f)); /* until the recovery key is made */
}

static void test_recovery_key_text(void **state)
{
    (void)state;
    unsigned char key[SAE_RECOVERY_KEY_BYTES], back[SAE_RECOVERY_KEY_BYTES];
    char text[SAE_RECOVERY_KEY_TEXT_BYTES];
    for (int round = 0; round < 64; round++) {
        randombytes_buf(key, sizeof key);
        if (round == 0)
            memset(key, 0xff, sizeof key);
        sae_recovery_key_format(key, text);
        assert_int_equal(strlen(text), SAE_RECOVERY_KEY_TEXT_BYTES - 1);
        assert_int_equal(text[4], '-');
        assert_int_equal(sae_recovery_key_parse(text, strlen(text), back), 0);
        assert_memory_equal(back, key, sizeof key);
    }
    /* Lower case, spaces and line breaks read; a changed count or letter does not. */
    char loose[2 * SAE_RECOVERY_KEY_TEXT_BYTES];
    size_t at = 0;
    for (size_t i = 0; text[i]; i++) {
        loose[at++] = text[i] == '-' ? ' ' : (char)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
        if (i == 30)
            loose[at++] = '\n';
    }
    assert_int_equal(sae_recovery_key_parse(loose, at, back), 0);
    assert_memory_equal(back, key, sizeof key);
    memset(back, 0x5a, sizeof back);
    assert_int_equal(sae_recovery_key_parse(text, strlen(text) - 1, back), SAE_ERANGE);
    assert_int_equal(back[0], 0x5a); /* untouched */
    char extra[SAE_RECOVERY_KEY_TEXT_BYTES + 1];
    snprintf(extra, sizeof extra, "%sA", text);
    assert_int_equal(sae_recovery_key_parse(extra, strlen(extra), back), SAE_ERANGE);
    text[0] = '1'; /* not base32 */
    assert_int_equal(sae_recovery_key_parse(text, strlen(text), back), SAE_EINVAL);
    /* The last character's 4 padding bits must be zero. */
    sae_recovery_key_format(key, text);
    text[SAE_RECOVERY_KEY_TEXT_BYTES - 2] = text[SAE_RECOVERY_KEY_TEXT_BYTES - 2] == 'B' ? 'C' : 'B';
    assert_int_equal(sae_recovery_key_parse(text, strlen(text), back), SAE_ERANGE);
    char long_input[SAE_RECOVERY_KEY_INPUT_MAX + 1];
    memset(long_input, ' ', sizeof long_input);
    assert_int_equal(sae_recovery_key_parse(long_input, sizeof long_input, back), SAE_ERANGE);
    assert_int_equal(sae_recovery_key_parse(long_input, SAE_RECOVERY_KEY_INPUT_MAX, back),
                     SAE_ERANGE); /* at the limit: read, but holds no key */
    /* A fingerprint: 4 groups of 4 hex digits, the same for the same key. */
    char fp[SAE_FINGERPRINT_TEXT_BYTES], fp2[SAE_FINGERPRINT_TEXT_BYTES];
    assert_int_equal(sae_key_fingerprint(key, fp), 0);
    assert_int_equal(sae_key_fingerprint(key, fp2), 0);
    assert_string_equal(fp, fp2);
    assert_int_equal(strlen(fp), 19);
    assert_int_equal(fp[4], '-');
}

/* A coordinator of the old form (a crypto_pwhash_str hash, a version-1 wrap) is moved at
 * their unlock to a verifier and a paired version-2 wrap (proto/STORAGE_KEYS.md 2a); from
 * then on the key the verifier's check gives opens it with no password at all. An operator
 * (no wrap) is never moved; an account whose hash the password does not confirm neither. */
static void test_coordinator_moves_to_one_argon2id(void **state)
{
    struct hub_fixture *f = *state;
    char old_hash[crypto_pwhash_STRBYTES], hash[HUB_PASSWORD_HASH_BYTES];
    unsigned char *original = NULL, *secret = NULL, wrap[SAE_KEYWRAP_BYTES];
    unsigned char wrapping[SAE_PASSKEY_KEY_BYTES];
    assert_int_equal(district_key_ensure(f->store, f->dir), 0);
    assert_int_equal(district_key_unclaimed(f->dir, &original), 0);
    assert_int_equal(crypto_pwhash_str(old_hash, SARI_PASS, strlen(SARI_PASS),
                                       SAE_KEYWRAP_OPSLIMIT_MIN, 8192), 0);
    assert_int_equal(hub_account_add(f->store, SARI, HUB_ROLE_COORDINATOR, NULL, old_hash, 1), 0);
    assert_int_equal(district_key_wrap(f->store, original, SARI_PASS, wrap), 0);
    assert_int_equal(hub_account_wrap_set(f->store, SARI, wrap), 0);
    assert_int_equal(hub_account_add(f->store, ANI, HUB_ROLE_COORDINATOR, NULL, HASH, 1), 0);
    assert_int_equal(district_key_wrap(f->store, original, ANI_PASS, wrap), 0);
    assert_int_equal(hub_account_wrap_set(f->store, ANI, wrap), 0);
    memset(wrapping, 0x11, sizeof wrapping);
    assert_int_equal(district_key_unlock_split(f->store, f->dir, SARI, SARI_PASS, wrapping,
                                               &secret), 0);
    assert_memory_equal(secret, original, DISTRICT_KEY_BYTES);
    sae_secure_free(secret);
    assert_int_equal(hub_account_password_hash(f->store, SARI, hash), 0);
    assert_int_equal(hub_account_wrap_get(f->store, SARI, wrap), 0);
    assert_true(sae_passkey_pairs(hash, wrap));
    assert_int_equal(sae_passkey_check(hash, SARI_PASS, strlen(SARI_PASS), wrapping), 0);
    assert_int_equal(district_key_unlock_split(f->store, f->dir, SARI, "bukan-kata-sandi",
                                               wrapping, &secret), 0);
    assert_memory_equal(secret, original, DISTRICT_KEY_BYTES);
    sae_secure_free(secret);
    /* Ani's hash is not her password's: her wrap opens, nothing moves. */
    unlock_equals(f, ANI, ANI_PASS, original);
    assert_int_equal(hub_account_password_hash(f->store, ANI, hash), 0);
    assert_string_equal(hash, HASH);
    assert_int_equal(hub_account_upgrade(f->store, ANI, "$other", hash, wrap), SAE_ENOTFOUND);
    sae_secure_free(original);
}

/* A coordinator written in the form of one Argon2id (district_key_passkey, as users add and
 * the console write them) is opened at sign-in by the key the check of their verifier gave,
 * with no password at all: a sign-in that fell back to the password's way (a second
 * Argon2id) would fail here, since "" opens nothing. Nothing is rewritten. */
static void test_fresh_coordinator_opens_with_the_checks_key_alone(void **state)
{
    struct hub_fixture *f = *state;
    char hash[HUB_PASSWORD_HASH_BYTES], row_hash[HUB_PASSWORD_HASH_BYTES];
    unsigned char *original = NULL, *secret = NULL, wrap[SAE_KEYWRAP_BYTES];
    unsigned char row_wrap[SAE_KEYWRAP_BYTES], wrapping[SAE_PASSKEY_KEY_BYTES];
    assert_int_equal(district_key_ensure(f->store, f->dir), 0);
    assert_int_equal(district_key_unclaimed(f->dir, &original), 0);
    assert_int_equal(district_key_passkey(f->store, original, SARI_PASS, hash, wrap), 0);
    assert_int_equal(hub_account_add(f->store, SARI, HUB_ROLE_COORDINATOR, NULL, hash, 1), 0);
    assert_int_equal(hub_account_wrap_set(f->store, SARI, wrap), 0);
    assert_int_equal(sae_passkey_check(hash, SARI_PASS, strlen(SARI_PASS), wrapping), 0);
    assert_int_equal(district_key_unlock_split(f->store, f->dir, SARI, "", wrapping, &secret),
                     0);
    assert_memory_equal(secret, original, DISTRICT_KEY_BYTES);
    sae_secure_free(secret);
    secret = NULL;
    /* Without the key "" opens nothing: the success above came from the key. */
    assert_int_not_equal(district_key_unlock_split(f->store, f->dir, SARI, "", NULL, &secret),
                         0);
    assert_null(secret);
    assert_int_equal(hub_account_password_hash(f->store, SARI, row_hash), 0);
    assert_int_equal(hub_account_wrap_get(f->store, SARI, row_wrap), 0);
    assert_string_equal(row_hash, hash);
    assert_memory_equal(row_wrap, wrap, sizeof wrap);
    /* A key that is not the district's is not wrapped. */
    unsigned char other_public[DISTRICT_KEY_BYTES], other_secret[DISTRICT_KEY_BYTES];
    assert_int_equal(crypto_box_keypair(other_public, other_secret), 0);
    assert_int_equal(district_key_passkey(f->store, other_secret, SARI_PASS, hash, wrap),
                     SAE_ECORRUPT);
    sae_secure_free(original);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_claimed_recovered_and_retired, hub_setup_bare,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_password_change_rewraps_and_disable_deletes,
                                        hub_setup_bare, hub_teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_schema_9, hub_setup_bare, hub_teardown),
        cmocka_unit_test_setup_teardown(test_disable_under_a_reader_scrubbed_at_close,
                                        hub_setup_bare, hub_teardown),
        cmocka_unit_test(test_recovery_key_text),
        cmocka_unit_test_setup_teardown(test_fresh_coordinator_opens_with_the_checks_key_alone,
                                        hub_setup_bare, hub_teardown),
        cmocka_unit_test_setup_teardown(test_coordinator_moves_to_one_argon2id, hub_setup_bare,
                                        hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
