/* The hub's copy of unsent sensitive values (node/store/hub_copy.c) on a real journal: none
 * before the hub's key is known; made for earlier changes when the bundle is saved and for
 * every later write; what the next batch sends (the copy, never the value); dropped once
 * acknowledged; sealed again from the value when a restored hub asks for changes again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/hub_copy.h"
#include "store/hub_enroll.h"
#include "sae/sae_envelope.h"
#include "store/sync_state.h"
#include "sae/sae_sealed.h"
#include "sae/sae_secure_mem.h"
#include "store/storage_key.h"
#include "store/value_seal.h"
#include "sae/sae_wipe.h"
#include "hub_copy_world.h"

/* Each own change as (field, value, copy opened with the hub's key or NULL). */
static size_t copies(struct hub_copy_world *f, char fields[][32], char *opened[], size_t max)
{
    sqlite3_stmt *stmt = NULL;
    size_t n = 0;
    assert_int_equal(sqlite3_prepare_v2(f->unit.store->db, "SELECT field, value, hub_sealed"
                                        " FROM journal ORDER BY seq", -1, &stmt, NULL),
                     SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW && n < max) {
        snprintf(fields[n], 32, "%s", (const char *)sqlite3_column_text(stmt, 0));
        opened[n] = NULL;
        const unsigned char *sealed = sqlite3_column_blob(stmt, 2);
        size_t len = (size_t)sqlite3_column_bytes(stmt, 2), plain_len = 0;
        if (sealed) {
            assert_int_equal(sae_sealed_open(f->hub_pk, f->hub_sk, sealed, len, &opened[n],
                                             &plain_len), 0);
            unsigned char *secret = NULL;
            char *value = NULL;
            assert_int_equal(storage_key_unclaimed(f->unit.store, &secret), 0);
            assert_int_equal(value_seal_open(f->unit.store->storage_public, secret,
                                             (const char *)sqlite3_column_text(stmt, 1),
                                             &value), 0);
            assert_string_equal(opened[n], value);
            sae_wipe_free_string(value);
            sae_secure_free(secret);
        }
        n++;
    }
    sqlite3_finalize(stmt);
    return n;
}

static void expect_copies_of_sensitive_only(struct hub_copy_world *f, size_t from, bool made)
{
    char fields[64][32];
    char *opened[64];
    size_t n = copies(f, fields, opened, 64);
    assert_true(n > from);
    for (size_t i = 0; i < n; i++) {
        bool sensitive = hub_copy_sensitive("case", fields[i]);
        assert_int_equal(opened[i] != NULL, made && i >= from && sensitive);
        sae_wipe_free_string(opened[i]);
    }
}

static void test_copies_once_the_hub_key_is_known(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    hub_copy_world_add_marked_case(f->unit.store, id);
    expect_copies_of_sensitive_only(f, 0, false);
    /* Values written before the bundle are kept sealed to the storage key: the copies are
     * made from them when a signed-in staff member's key is at hand. */
    hub_copy_world_sign_in(f);
    hub_copy_world_save_bundle(f);
    hub_copy_world_sign_out(f);
    expect_copies_of_sensitive_only(f, 0, true);
    hub_copy_world_add_marked_case(f->unit.store, id);
    expect_copies_of_sensitive_only(f, 0, true);
    assert_true(hub_copy_sensitive("case", "victim_name"));
    assert_false(hub_copy_sensitive("case", "status"));
    assert_false(hub_copy_sensitive("case", "violence_types/physical"));
    assert_false(hub_copy_sensitive("case", "_deleted"));
    assert_false(hub_copy_sensitive("no_such_kind", "victim_name"));
}

/* The ephemeral keys (sealed-format version 2) of the own changes' hub copies and stored
 * values, in journal order, for the sensitive changes from seq from on. */
static size_t ephemeral_keys(struct hub_copy_world *f, int64_t from, unsigned char hub[][32],
                             unsigned char stored[][32], size_t max)
{
    sqlite3_stmt *stmt = NULL;
    size_t n = 0;
    assert_int_equal(sqlite3_prepare_v2(f->unit.store->db, "SELECT hub_sealed, value FROM journal"
                                        " WHERE seq >= ?1 AND hub_sealed IS NOT NULL"
                                        " ORDER BY seq", -1, &stmt, NULL), SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, from);
    while (sqlite3_step(stmt) == SQLITE_ROW && n < max) {
        const unsigned char *copy = sqlite3_column_blob(stmt, 0);
        const char *text = (const char *)sqlite3_column_text(stmt, 1) + strlen("sealed:");
        unsigned char bytes[256];
        size_t len = 0;
        assert_int_equal(copy[0], SAE_SEALED_VERSION_SHARED);
        memcpy(hub[n], copy + SAE_SEALED_HEADER_BYTES, 32);
        assert_int_equal(sodium_base642bin(bytes, sizeof bytes, text, strlen(text), NULL, &len,
                                           NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
        assert_int_equal(bytes[0], SAE_SEALED_VERSION_SHARED);
        memcpy(stored[n], bytes + SAE_SEALED_HEADER_BYTES, 32);
        n++;
    }
    sqlite3_finalize(stmt);
    return n;
}

/* An add seals its sensitive values in version 2, one ephemeral key per key sealed to for
 * the whole change set (the hub opens them with one X25519); the next add draws new ones. */
static void test_an_add_seals_in_version_2_with_one_key_per_change_set(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unsigned char hub[8][32], stored[8][32];
    hub_copy_world_sign_in(f);
    hub_copy_world_save_bundle(f);
    hub_copy_world_sign_out(f);
    hub_copy_world_add_marked_case(f->unit.store, id);
    hub_copy_world_add_marked_case(f->unit.store, id);
    assert_int_equal(ephemeral_keys(f, 0, hub, stored, 8), 4);
    assert_memory_equal(hub[0], hub[1], 32);
    assert_memory_equal(stored[0], stored[1], 32);
    assert_memory_equal(hub[2], hub[3], 32);
    assert_memory_equal(stored[2], stored[3], 32);
    assert_memory_not_equal(hub[0], hub[2], 32);
    assert_memory_not_equal(stored[0], stored[2], 32);
    assert_memory_not_equal(hub[0], stored[0], 32);
    /* They open as before (copies() opens both and compares them). */
    expect_copies_of_sensitive_only(f, 0, true);
}

/* The next batch into a fresh array (sae_wipe_free_changes frees it). */
static size_t next_batch(struct hub_copy_world *f, struct sae_change **out)
{
    size_t count = 0;
    *out = calloc(64, sizeof **out);
    assert_non_null(*out);
    assert_int_equal(sync_state_next_batch(f->unit.store, 64, 1u << 20, *out, &count), 0);
    return count;
}

/* The batch carries each sensitive value as the copy and never as itself. */
static void expect_sealed_in_batch(struct hub_copy_world *f, struct sae_change *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!hub_copy_sensitive(c[i].kind, c[i].field)) {
            assert_null(c[i].sealed_value);
            continue;
        }
        char *plain = NULL;
        size_t len = 0;
        assert_null(c[i].value);
        assert_int_equal(sae_sealed_open(f->hub_pk, f->hub_sk, c[i].sealed_value,
                                         c[i].sealed_len, &plain, &len), 0);
        assert_non_null(strstr(plain, HUB_COPY_MARKED));
        sae_wipe_free(plain, len);
    }
}

static void test_batch_sends_copies_and_ack_drops_them(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct sae_change *batch = NULL;
    bool lowered = false;
    hub_copy_world_save_bundle(f);
    hub_copy_world_add_marked_case(f->unit.store, id);
    size_t n = next_batch(f, &batch);
    expect_sealed_in_batch(f, batch, n);
    uint64_t last = batch[n - 1].seq;
    sae_wipe_free_changes(batch, n);
    assert_int_equal(node_store_begin(f->unit.store), 0);
    assert_int_equal(sync_state_record_ack(f->unit.store, last, NULL, 0, 0), 0);
    assert_int_equal(node_store_commit(f->unit.store), 0);
    expect_copies_of_sensitive_only(f, 0, false);
    assert_int_equal(next_batch(f, &batch), 0);
    sae_wipe_free_changes(batch, 0);
    /* A hub restored from a backup lacks them: sent again, sealed again from the value. */
    assert_int_equal(node_store_begin(f->unit.store), 0);
    assert_int_equal(sync_state_observe_held_seq(f->unit.store, 0, &lowered), 0);
    assert_int_equal(node_store_commit(f->unit.store), 0);
    assert_true(lowered);
    /* Sealing again needs the storage key: without a signed-in staff member the batch stops
     * before the first sensitive change. */
    size_t before = next_batch(f, &batch);
    assert_true(before < n);
    for (size_t i = 0; i < before; i++)
        assert_false(hub_copy_sensitive(batch[i].kind, batch[i].field));
    sae_wipe_free_changes(batch, before);
    hub_copy_world_sign_in(f);
    assert_int_equal(next_batch(f, &batch), n);
    expect_sealed_in_batch(f, batch, n);
    sae_wipe_free_changes(batch, n);
}

/* A bundle saved with no one signed in: the values written before it have no copy and the
 * push stops before the first of them (changes before it go); a sign-in sends them. */
static void test_changes_before_the_bundle_wait_for_a_key(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct sae_change *batch = NULL;
    hub_copy_world_add_marked_case(f->unit.store, id);
    hub_copy_world_save_bundle(f);
    expect_copies_of_sensitive_only(f, 0, false);
    size_t n = next_batch(f, &batch);
    for (size_t i = 0; i < n; i++)
        assert_false(hub_copy_sensitive(batch[i].kind, batch[i].field));
    sae_wipe_free_changes(batch, n);
    hub_copy_world_sign_in(f);
    size_t all = next_batch(f, &batch);
    assert_true(all > n);
    expect_sealed_in_batch(f, batch, all);
    sae_wipe_free_changes(batch, all);
}

#define T(test)                                                                             \
    cmocka_unit_test_setup_teardown(test, hub_copy_world_setup, hub_copy_world_teardown)

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        T(test_an_add_seals_in_version_2_with_one_key_per_change_set),
        T(test_copies_once_the_hub_key_is_known),
        T(test_batch_sends_copies_and_ack_drops_them),
        T(test_changes_before_the_bundle_wait_for_a_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
