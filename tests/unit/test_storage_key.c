/* The post's storage key on a real journal (node/store/storage_key.c, node_staff.c's
 * wraps): made at init with its secret unclaimed; a staff member without a wrap is given one
 * at their first unlock; the first head holding one retires the unclaimed file; a wrong
 * passphrase, a wrap of another post's key and a missing key each say so; a secret left by a
 * crash before its public half was recorded is taken back, not replaced; ensure is
 * idempotent. Wraps here use the programs' own parameters (Argon2id, 32 MiB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "sae/sae_db.h"
#include "sae/sae_files.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"
#include "store/node_staff.h"
#include "store/storage_key.h"
#include "unit_support.h"

#define HEAD "Bu Sari"
#define HEAD_PASS "kopi-pahit-di-pagi-hari"
#define BUDI "Pak Budi"
#define BUDI_PASS "teh-manis-sore-hari"

static bool unclaimed(struct node_store *store)
{
    bool is = false;
    assert_int_equal(storage_key_is_unclaimed(store, &is), 0);
    return is;
}

static void unlock_equals(struct node_store *store, const char *name, const char *pass,
                          const unsigned char *expected)
{
    unsigned char *secret = NULL;
    assert_int_equal(storage_key_unlock(store, name, pass, &secret), 0);
    assert_memory_equal(secret, expected, STORAGE_KEY_BYTES);
    sae_secure_free(secret);
}

static void test_claimed_at_unlock_and_retired_by_a_head(void **state)
{
    struct unit_fixture *f = *state;
    unsigned char public_key[STORAGE_KEY_BYTES], derived[STORAGE_KEY_BYTES];
    unsigned char *original = NULL, *secret = NULL;
    assert_true(unclaimed(f->store));
    assert_int_equal(storage_key_unclaimed(f->store, &original), 0);
    assert_int_equal(storage_key_public(f->store, public_key), 0);
    assert_int_equal(crypto_scalarmult_base(derived, original), 0);
    assert_memory_equal(derived, public_key, sizeof derived);
    /* Staff from before their wrap: the first unlock wraps the unclaimed key for them. */
    assert_int_equal(node_staff_add(f->store, BUDI, NODE_STAFF_MEMBER, "$h", NULL, 1), 0);
    assert_int_equal(node_staff_add(f->store, HEAD, NODE_STAFF_HEAD, "$h", NULL, 1), 0);
    unlock_equals(f->store, BUDI, BUDI_PASS, original);
    assert_true(unclaimed(f->store)); /* no head holds it yet */
    unlock_equals(f->store, BUDI, BUDI_PASS, original); /* now through the wrap */
    assert_int_equal(storage_key_unlock(f->store, BUDI, "bukan-frasa-budi", &secret),
                     SAE_EPERM);
    assert_null(secret);
    unlock_equals(f->store, HEAD, HEAD_PASS, original);
    assert_false(unclaimed(f->store));
    assert_int_equal(storage_key_unclaimed(f->store, &secret), SAE_ENOTFOUND);
    /* A staff member added later without a wrap now gets none: only a head can give it. */
    assert_int_equal(node_staff_add(f->store, "Bu Ani", NODE_STAFF_MEMBER, "$h", NULL, 1), 0);
    assert_int_equal(storage_key_unlock(f->store, "Bu Ani", "frasa-bu-ani-12", &secret),
                     SAE_ENOTFOUND);
    assert_int_equal(storage_key_unlock(f->store, "Nobody", "frasa-siapa-pun", &secret),
                     SAE_ENOTFOUND);
    sae_secure_free(original);
}

static void test_reset_and_remove_keep_or_drop_the_wrap(void **state)
{
    struct unit_fixture *f = *state;
    unsigned char *original = NULL, wrap[SAE_KEYWRAP_BYTES], again[SAE_KEYWRAP_BYTES];
    assert_int_equal(storage_key_unclaimed(f->store, &original), 0);
    assert_int_equal(storage_key_wrap(f->store, original, HEAD_PASS, wrap), 0);
    assert_int_equal(node_staff_add(f->store, HEAD, NODE_STAFF_HEAD, "$h", wrap, 1), 0);
    assert_int_equal(storage_key_settle(f->store), 0);
    assert_false(unclaimed(f->store));
    struct node_staff staff;
    assert_int_equal(node_staff_get(f->store, HEAD, &staff), 0);
    assert_true(staff.has_key);
    /* A passphrase change: a new wrap of the same key, the old passphrase opens nothing. */
    assert_int_equal(storage_key_wrap(f->store, original, "frasa-baru-bu-sari", again), 0);
    assert_int_equal(node_staff_set_hash(f->store, HEAD, "$h2", again), 0);
    unlock_equals(f->store, HEAD, "frasa-baru-bu-sari", original);
    unsigned char *secret = NULL;
    assert_int_equal(storage_key_unlock(f->store, HEAD, HEAD_PASS, &secret), SAE_EPERM);
    int64_t holders = 0;
    assert_int_equal(node_staff_key_count(f->store, false, &holders), 0);
    assert_int_equal(holders, 1);
    assert_int_equal(node_staff_set_hash(f->store, HEAD, "$h3", NULL), 0);
    assert_int_equal(node_staff_wrap_get(f->store, HEAD, wrap), SAE_ENOTFOUND);
    assert_int_equal(node_staff_remove(f->store, HEAD), 0);
    assert_int_equal(node_staff_remove(f->store, HEAD), SAE_ENOTFOUND);
    assert_int_equal(node_staff_get(f->store, HEAD, &staff), SAE_ENOTFOUND);
    sae_secure_free(original);
}

/* A staff member removed while another connection reads the journal: the removal stands,
 * the old wrap's bytes stay in node.db-wal and the scrub is recorded as owed; once the
 * reader is done, the store's close scrubs it (a third connection, idle, keeps SQLite's own
 * checkpoint at the last close out of it), and the next open finds nothing owed. */
static void test_removal_under_a_reader_scrubbed_at_close(void **state)
{
    struct unit_fixture *f = *state;
    unsigned char *original = NULL, wrap[SAE_KEYWRAP_BYTES];
    char db_path[PATH_MAX], wal_path[PATH_MAX + 8];
    sqlite3 *reader = NULL;
    int64_t rows = 0;
    bool owed = false;
    unit_path(f->d.dir, NODE_DB_FILE, db_path);
    snprintf(wal_path, sizeof wal_path, "%s-wal", db_path);
    node_store_close(f->store);
    f->store = unit_open(f->d.dir, 100);
    assert_int_equal(storage_key_unclaimed(f->store, &original), 0);
    assert_int_equal(storage_key_wrap(f->store, original, BUDI_PASS, wrap), 0);
    assert_int_equal(node_staff_add(f->store, BUDI, NODE_STAFF_MEMBER, "$h", wrap, 1), 0);
    assert_true(unit_file_holds(wal_path, wrap, sizeof wrap));
    assert_int_equal(sae_db_open(db_path, SQLITE_OPEN_READWRITE, 100, &reader), 0);
    assert_int_equal(sae_db_begin_read(reader), 0);
    assert_int_equal(sae_db_query_int(reader, NULL, "SELECT count(*) FROM staff", NULL, 0, &rows),
                     0);
    assert_int_equal(node_staff_remove(f->store, BUDI), 0);
    assert_true(unit_file_holds(wal_path, wrap, sizeof wrap));
    assert_int_equal(node_store_wal_scrub_owed(f->store, &owed), 0);
    assert_true(owed);
    sae_db_rollback(reader);
    node_store_close(f->store);
    f->store = NULL;
    assert_false(unit_file_holds(wal_path, wrap, sizeof wrap));
    assert_false(unit_file_holds(db_path, wrap, sizeof wrap));
    assert_int_equal(sae_db_close(reader), 0);
    f->store = unit_open(f->d.dir, 100);
    assert_int_equal(node_store_wal_scrub_owed(f->store, &owed), 0);
    assert_false(owed);
    sae_secure_free(original);
}

/* A key pair that is not this post's is refused when wrapping and when unwrapping. */
static void test_another_posts_key_refused(void **state)
{
    struct unit_fixture *f = *state;
    unsigned char other_pk[32], wrap[SAE_KEYWRAP_BYTES], *other = NULL, *secret = NULL;
    assert_int_equal(sae_secure_alloc(32, (void **)&other), 0);
    crypto_box_keypair(other_pk, other);
    assert_int_equal(storage_key_wrap(f->store, other, HEAD_PASS, wrap), SAE_ECORRUPT);
    assert_int_equal(sae_keywrap_seal(other, HEAD_PASS, strlen(HEAD_PASS), wrap), 0);
    assert_int_equal(node_staff_add(f->store, HEAD, NODE_STAFF_HEAD, "$h", wrap, 1), 0);
    assert_int_equal(storage_key_unlock(f->store, HEAD, HEAD_PASS, &secret), SAE_ECORRUPT);
    assert_null(secret);
    sae_secure_free(other);
}

/* A crash between writing storage.key and recording its public half: the next open takes
 * the file back; an open after that changes nothing. */
static void test_ensure_recovers_and_is_idempotent(void **state)
{
    struct unit_fixture *f = *state;
    unsigned char before[STORAGE_KEY_BYTES], after[STORAGE_KEY_BYTES];
    assert_int_equal(storage_key_public(f->store, before), 0);
    assert_int_equal(unit_sql(f->store, "DELETE FROM meta WHERE key = 'storage_public_key'"), 0);
    assert_int_equal(storage_key_public(f->store, after), SAE_ENOTFOUND);
    assert_int_equal(storage_key_ensure(f->store), 0);
    assert_int_equal(storage_key_public(f->store, after), 0);
    assert_memory_equal(before, after, sizeof after);
    assert_int_equal(storage_key_ensure(f->store), 0);
    assert_int_equal(storage_key_public(f->store, after), 0);
    assert_memory_equal(before, after, sizeof after);
    assert_int_equal(unit_mode_of(f->d.dir, STORAGE_KEY_UNCLAIMED_FILE) & 0777, 0600);
}

static void staff_row(struct node_store *store, const char *name, char hash[NODE_STAFF_HASH_BYTES],
                      unsigned char wrap[SAE_KEYWRAP_BYTES])
{
    assert_int_equal(node_staff_hash(store, name, hash), 0);
    assert_int_equal(node_staff_wrap_get(store, name, wrap), 0);
}

/* A head of the old form (node migration 10: a crypto_pwhash_str hash, a version-1 wrap)
 * unlocks as before and leaves with a verifier and a wrap of one Argon2id (STORAGE_KEYS.md
 * section 2a), their sessions kept; from then on the key a check of the verifier gives
 * opens the wrap with no passphrase at all. */
static void test_old_form_row_moves_to_one_hash(void **state)
{
    struct unit_fixture *f = *state;
    char old_hash[crypto_pwhash_STRBYTES], hash[NODE_STAFF_HASH_BYTES];
    unsigned char *original = NULL, *secret = NULL, wrap[SAE_KEYWRAP_BYTES];
    unsigned char wrapping[SAE_PASSKEY_KEY_BYTES], session[NODE_STAFF_TOKEN_HASH_BYTES] = {7};
    struct node_staff_session seen;
    assert_int_equal(storage_key_unclaimed(f->store, &original), 0);
    assert_int_equal(crypto_pwhash_str(old_hash, HEAD_PASS, strlen(HEAD_PASS),
                                       SAE_KEYWRAP_OPSLIMIT_MIN, 8192), 0);
    assert_int_equal(storage_key_wrap(f->store, original, HEAD_PASS, wrap), 0);
    assert_int_equal(node_staff_add(f->store, HEAD, NODE_STAFF_HEAD, old_hash, wrap, 1), 0);
    assert_int_equal(node_staff_session_add(f->store, session, HEAD, "csrf", 1), 0);
    /* The wrap key alone does not open a version-1 wrap: the passphrase's way is taken. */
    memset(wrapping, 0x11, sizeof wrapping);
    assert_int_equal(storage_key_unlock_split(f->store, HEAD, HEAD_PASS, wrapping, &secret), 0);
    assert_memory_equal(secret, original, STORAGE_KEY_BYTES);
    sae_secure_free(secret);
    staff_row(f->store, HEAD, hash, wrap);
    assert_true(sae_passkey_is(hash));
    assert_true(sae_passkey_pairs(hash, wrap));
    assert_int_equal(node_staff_session_get(f->store, session, &seen), 0);
    /* Next sign-in: the check's key opens it; the passphrase is not even looked at. */
    assert_int_equal(sae_passkey_check(hash, HEAD_PASS, strlen(HEAD_PASS), wrapping), 0);
    assert_int_equal(storage_key_unlock_split(f->store, HEAD, "bukan-frasa-ini", wrapping,
                                              &secret), 0);
    assert_memory_equal(secret, original, STORAGE_KEY_BYTES);
    sae_secure_free(secret);
    /* Without the key, the passphrase alone still opens it, and nothing changes. */
    char before[NODE_STAFF_HASH_BYTES];
    memcpy(before, hash, sizeof before);
    unlock_equals(f->store, HEAD, HEAD_PASS, original);
    staff_row(f->store, HEAD, hash, wrap);
    assert_string_equal(hash, before);
    assert_int_equal(storage_key_unlock(f->store, HEAD, "bukan-frasa-ini", &secret), SAE_EPERM);
    sae_secure_free(original);
}

/* A member written in the form of one Argon2id (storage_key_passkey, as users add and the
 * Petugas page write them) is opened at sign-in by the key the check of their verifier gave,
 * with no passphrase at all: a sign-in that fell back to the passphrase's way (a second
 * Argon2id) would fail here, since "" opens nothing. Nothing is rewritten. */
static void test_fresh_member_opens_with_the_checks_key_alone(void **state)
{
    struct unit_fixture *f = *state;
    char hash[NODE_STAFF_HASH_BYTES], row_hash[NODE_STAFF_HASH_BYTES];
    unsigned char *original = NULL, *secret = NULL, wrap[SAE_KEYWRAP_BYTES];
    unsigned char row_wrap[SAE_KEYWRAP_BYTES], wrapping[SAE_PASSKEY_KEY_BYTES];
    assert_int_equal(storage_key_unclaimed(f->store, &original), 0);
    assert_int_equal(storage_key_passkey(f->store, original, BUDI_PASS, hash, wrap), 0);
    assert_int_equal(node_staff_add(f->store, BUDI, NODE_STAFF_MEMBER, hash, wrap, 1), 0);
    assert_int_equal(sae_passkey_check(hash, BUDI_PASS, strlen(BUDI_PASS), wrapping), 0);
    assert_int_equal(storage_key_unlock_split(f->store, BUDI, "", wrapping, &secret), 0);
    assert_memory_equal(secret, original, STORAGE_KEY_BYTES);
    sae_secure_free(secret);
    secret = NULL;
    /* Without the key "" opens nothing: the success above came from the key. */
    assert_int_not_equal(storage_key_unlock_split(f->store, BUDI, "", NULL, &secret), 0);
    assert_null(secret);
    staff_row(f->store, BUDI, row_hash, row_wrap);
    assert_string_equal(row_hash, hash);
    assert_memory_equal(row_wrap, wrap, sizeof wrap);
    sae_secure_free(original);
}

/* A wrap whose passphrase is not the hash's (it cannot be checked: "$h") opens but is not
 * moved; an upgrade after a reset changed the hash changes nothing. */
static void test_upgrade_only_of_the_checked_row(void **state)
{
    struct unit_fixture *f = *state;
    char hash[NODE_STAFF_HASH_BYTES], fresh[SAE_PASSKEY_TEXT_BYTES];
    unsigned char *original = NULL, wrap[SAE_KEYWRAP_BYTES], got[SAE_KEYWRAP_BYTES];
    assert_int_equal(storage_key_unclaimed(f->store, &original), 0);
    assert_int_equal(storage_key_wrap(f->store, original, BUDI_PASS, wrap), 0);
    assert_int_equal(node_staff_add(f->store, BUDI, NODE_STAFF_MEMBER, "$h", wrap, 1), 0);
    unlock_equals(f->store, BUDI, BUDI_PASS, original);
    staff_row(f->store, BUDI, hash, got);
    assert_string_equal(hash, "$h");
    assert_memory_equal(got, wrap, sizeof wrap);
    assert_int_equal(storage_key_passkey(f->store, original, BUDI_PASS, fresh, wrap), 0);
    assert_int_equal(node_staff_upgrade(f->store, BUDI, "$other", fresh, wrap), SAE_ENOTFOUND);
    assert_int_equal(node_staff_upgrade(f->store, BUDI, "$h", fresh, wrap), 0);
    unlock_equals(f->store, BUDI, BUDI_PASS, original);
    /* A verifier for a key that is not this post's is not made. */
    unsigned char other_pk[32], *other = NULL;
    assert_int_equal(sae_secure_alloc(32, (void **)&other), 0);
    crypto_box_keypair(other_pk, other);
    assert_int_equal(storage_key_passkey(f->store, other, BUDI_PASS, fresh, wrap), SAE_ECORRUPT);
    sae_secure_free(other);
    sae_secure_free(original);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_claimed_at_unlock_and_retired_by_a_head,
                                        unit_setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_reset_and_remove_keep_or_drop_the_wrap,
                                        unit_setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_removal_under_a_reader_scrubbed_at_close,
                                        unit_setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_another_posts_key_refused, unit_setup,
                                        unit_teardown),
        cmocka_unit_test_setup_teardown(test_ensure_recovers_and_is_idempotent, unit_setup,
                                        unit_teardown),
        cmocka_unit_test_setup_teardown(test_old_form_row_moves_to_one_hash, unit_setup,
                                        unit_teardown),
        cmocka_unit_test_setup_teardown(test_fresh_member_opens_with_the_checks_key_alone,
                                        unit_setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_only_of_the_checked_row, unit_setup,
                                        unit_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
