/* Redeeming enrollment tokens (hub/api/enroll.c) on a real hub.db: a fresh token enrolls a
 * key in the token's village under the name the district gave it; the same key may ask
 * again; another key may not; an expired or cancelled token, a revoked key and a key
 * enrolled for another village are refused and leave the token unspent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/enroll.h"
#include "merge_support.h"
#include "store/device_keys.h"
#include "sae/sae_time.h"


struct key {
    uint8_t pk[crypto_box_PUBLICKEYBYTES];
    uint64_t id;
};

static struct key key_of(uint8_t seed)
{
    struct key k;
    device_key(seed, k.pk, &k.id);
    return k;
}

/* A bundle's token for a device of village called name (NULL: a token from before names);
 * bundle_id may be NULL. */
static void named_token(struct hub_fixture *f, const char *village, const char *name,
                        char token[ENROLL_TOKEN_TEXT_BYTES], char *bundle_id)
{
    char id[ENROLL_BUNDLE_ID_BYTES];
    assert_int_equal(hub_store_begin(f->store), 0);
    assert_int_equal(enroll_token_create(f->store, village, name, NOW_MS, 7 * SAE_MS_PER_DAY,
                                         token, id), 0);
    assert_int_equal(hub_store_commit(f->store), 0);
    if (bundle_id)
        memcpy(bundle_id, id, sizeof id);
}

static void token_for(struct hub_fixture *f, const char *village, char token[ENROLL_TOKEN_TEXT_BYTES])
{
    named_token(f, village, "Laptop Pos Baru", token, NULL);
}

static int redeem(struct hub_fixture *f, const char *token, const struct key *k, int64_t now,
                  struct hub_node *node, uint32_t *status, struct sae_message *why)
{
    return enroll_redeem(f->store, token, k->pk, NULL, "laptop", now, node, status, why);
}

static int64_t unused_tokens(struct hub_fixture *f)
{
    return hub_count(f, "SELECT count(*) FROM enroll_token WHERE used_ms = 0");
}

static void test_fresh_token_enrolls_in_its_village(void **state)
{
    struct hub_fixture *f = *state;
    char token[ENROLL_TOKEN_TEXT_BYTES];
    struct key k = key_of(40);
    struct hub_node node;
    uint32_t status = 0;
    token_for(f, VILLAGE_KALIBUNTU, token);
    assert_int_equal(redeem(f, token, &k, NOW_MS, &node, &status, NULL), 0);
    assert_int_equal(node.id, k.id);
    assert_string_equal(node.village, VILLAGE_KALIBUNTU);
    /* The name the district gave the bundle, not the one the post sent ("laptop"). */
    assert_string_equal(node.device_name, "Laptop Pos Baru");
    assert_int_equal(unused_tokens(f), 0);
    /* The same key again (its answer was lost), even once the token's days are over. */
    memset(&node, 0, sizeof node);
    assert_int_equal(redeem(f, token, &k, NOW_MS + 30 * SAE_MS_PER_DAY, &node, &status, NULL), 0);
    assert_string_equal(node.village, VILLAGE_KALIBUNTU);
    /* Another key: the token is used. */
    struct key other = key_of(41);
    struct sae_message why = {{0}};
    assert_int_equal(redeem(f, token, &other, NOW_MS, &node, &status, &why), SAE_EPERM);
    assert_int_equal(status, SAE_STATUS_TOKEN_REUSED);
    assert_true(why.text[0] != '\0');
}

static void test_expired_token_is_refused_unspent(void **state)
{
    struct hub_fixture *f = *state;
    char token[ENROLL_TOKEN_TEXT_BYTES];
    struct key k = key_of(42);
    struct hub_node node = {.id = 7};
    uint32_t status = 0;
    token_for(f, VILLAGE_KALIBUNTU, token);
    assert_int_equal(redeem(f, token, &k, NOW_MS + 7 * SAE_MS_PER_DAY, &node, &status, NULL), SAE_EPERM);
    assert_int_equal(status, SAE_STATUS_TOKEN_EXPIRED);
    assert_int_equal(node.id, 7);
    assert_int_equal(unused_tokens(f), 1);
    assert_int_equal(redeem(f, token, &k, NOW_MS + 7 * SAE_MS_PER_DAY - 1, &node, &status, NULL), 0);
}

/* The bug of issue 9: the key of device A (Sumberanyar) with a token made for Jabungsisir
 * got A's old enrollment back and spent the token, so the device the token was
 * made for was then told TOKEN_REUSED. */
static void test_key_of_another_village_is_refused_unspent(void **state)
{
    struct hub_fixture *f = *state;
    char token[ENROLL_TOKEN_TEXT_BYTES];
    struct key a = key_of(1), genuine = key_of(43);
    struct hub_node node = {.id = 7};
    uint32_t status = 0;
    struct sae_message why = {{0}};
    token_for(f, VILLAGE_JABUNGSISIR, token);
    assert_int_equal(redeem(f, token, &a, NOW_MS, &node, &status, &why), SAE_EPERM);
    assert_int_equal(status, SAE_STATUS_WRONG_VILLAGE);
    assert_non_null(strstr(why.text, VILLAGE_SUMBERANYAR));
    assert_int_equal(node.id, 7);
    assert_int_equal(unused_tokens(f), 1);
    assert_int_equal(redeem(f, token, &genuine, NOW_MS, &node, &status, NULL), 0);
    assert_string_equal(node.village, VILLAGE_JABUNGSISIR);
    assert_int_equal(unused_tokens(f), 0);
}

/* A key enrolled already that brings a fresh token of its own village gets its enrollment
 * back, and the token is spent on it. */
static void test_enrolled_key_with_its_villages_token(void **state)
{
    struct hub_fixture *f = *state;
    char token[ENROLL_TOKEN_TEXT_BYTES];
    struct key a = key_of(1);
    struct hub_node node;
    uint32_t status = 0;
    token_for(f, VILLAGE_SUMBERANYAR, token);
    assert_int_equal(redeem(f, token, &a, NOW_MS, &node, &status, NULL), 0);
    assert_int_equal(node.id, a.id);
    assert_int_equal(unused_tokens(f), 0);
}

static void test_revoked_key_is_refused_unspent(void **state)
{
    struct hub_fixture *f = *state;
    char token[ENROLL_TOKEN_TEXT_BYTES];
    struct key a = key_of(1);
    struct hub_node node;
    uint32_t status = 0;
    assert_int_equal(hub_store_node_revoke(f->store, a.id, NOW_MS), 0);
    token_for(f, VILLAGE_SUMBERANYAR, token);
    assert_int_equal(redeem(f, token, &a, NOW_MS, &node, &status, NULL), SAE_EPERM);
    assert_int_equal(status, SAE_STATUS_REVOKED);
    assert_int_equal(unused_tokens(f), 1);
}

/* A token made before devices had names: the post's own word names it. */
static void test_token_from_before_names(void **state)
{
    struct hub_fixture *f = *state;
    char token[ENROLL_TOKEN_TEXT_BYTES];
    struct key k = key_of(44);
    struct hub_node node;
    uint32_t status = 0;
    named_token(f, VILLAGE_KALIBUNTU, NULL, token, NULL);
    assert_int_equal(redeem(f, token, &k, NOW_MS, &node, &status, NULL), 0);
    assert_string_equal(node.device_name, "laptop");
}

struct bundle_seen {
    size_t count;
    char id[4][ENROLL_BUNDLE_ID_BYTES];
    enum enroll_state state[4];
};

static int see_bundle(const struct enroll_pending *b, void *context)
{
    struct bundle_seen *seen = context;
    assert_true(seen->count < 4);
    memcpy(seen->id[seen->count], b->bundle_id, ENROLL_BUNDLE_ID_BYTES);
    seen->state[seen->count++] = b->state;
    return 0;
}

static enum enroll_state state_of(const struct bundle_seen *seen, const char *id)
{
    for (size_t i = 0; i < seen->count; i++)
        if (strcmp(seen->id[i], id) == 0)
            return seen->state[i];
    fail_msg("bundle %s not listed", id);
    return ENROLL_PENDING;
}

/* A pending bundle cancelled by its id: listed as cancelled, its token refused; a used one
 * cannot be cancelled (revoke its device), nor one twice, nor one that does not exist. */
static void test_cancelled_bundle_is_refused(void **state)
{
    struct hub_fixture *f = *state;
    char pending[ENROLL_TOKEN_TEXT_BYTES], used[ENROLL_TOKEN_TEXT_BYTES];
    char pending_id[ENROLL_BUNDLE_ID_BYTES], used_id[ENROLL_BUNDLE_ID_BYTES];
    struct key k = key_of(45), other = key_of(46);
    struct hub_node node;
    uint32_t status = 0;
    struct sae_message why = {{0}};
    named_token(f, VILLAGE_KALIBUNTU, "Laptop Pos Kalibuntu", pending, pending_id);
    named_token(f, VILLAGE_KALIBUNTU, "HP Kader Kalibuntu", used, used_id);
    assert_int_equal(strlen(pending_id), 8);
    assert_int_equal(redeem(f, used, &other, NOW_MS, &node, &status, NULL), 0);
    assert_int_equal(enroll_token_cancel(f->store, pending_id, NOW_MS + 1), 0);
    assert_int_equal(enroll_token_cancel(f->store, pending_id, NOW_MS + 2), SAE_EDELETED);
    assert_int_equal(enroll_token_cancel(f->store, used_id, NOW_MS + 2), SAE_EEXIST);
    assert_int_equal(enroll_token_cancel(f->store, "00000000", NOW_MS + 2), SAE_ENOTFOUND);
    assert_int_equal(redeem(f, pending, &k, NOW_MS + 3, &node, &status, &why), SAE_EPERM);
    assert_int_equal(status, SAE_STATUS_TOKEN_EXPIRED);
    assert_non_null(strstr(why.text, "cancelled"));
    struct bundle_seen seen = {0};
    assert_int_equal(enroll_token_list(f->store, NOW_MS + 3, see_bundle, &seen), 0);
    assert_int_equal(seen.count, 1); /* the used one is a device now */
    assert_string_equal(seen.id[0], pending_id);
    assert_int_equal(seen.state[0], ENROLL_CANCELLED);
    /* Pending until the token's expiry, expired from then on. (Bundles made in the same
     * millisecond are listed in the order of their ids: find this one by its id.) */
    char spare_id[ENROLL_BUNDLE_ID_BYTES];
    named_token(f, VILLAGE_KALIBUNTU, "Laptop Cadangan", pending, spare_id);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(enroll_token_list(f->store, NOW_MS + 7 * SAE_MS_PER_DAY - 1, see_bundle,
                                       &seen), 0);
    assert_int_equal(state_of(&seen, spare_id), ENROLL_PENDING);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(enroll_token_list(f->store, NOW_MS + 7 * SAE_MS_PER_DAY, see_bundle, &seen),
                     0);
    assert_int_equal(state_of(&seen, spare_id), ENROLL_EXPIRED);
    assert_int_equal(state_of(&seen, pending_id), ENROLL_CANCELLED);
}

/* The storage key the post sent lands in the enrollment's own transaction: when it cannot
 * be written, the device is not enrolled and the token stays unspent (it used to be written
 * after the commit, so a failure or a crash between left a device without its key). */
static void test_storage_key_lands_with_the_enrollment(void **state)
{
    struct hub_fixture *f = *state;
    char token[ENROLL_TOKEN_TEXT_BYTES];
    struct key k = key_of(50), other = key_of(51);
    uint8_t sent[DEVICE_KEY_BYTES], got[DEVICE_KEY_BYTES];
    struct hub_node node;
    uint32_t status = 0;
    memset(sent, 0x5a, sizeof sent);
    token_for(f, VILLAGE_KALIBUNTU, token);
    assert_int_equal(enroll_redeem(f->store, token, k.pk, sent, "laptop", NOW_MS, &node,
                                   &status, NULL), 0);
    assert_int_equal(device_keys_get(f->store, k.id, got), 0);
    assert_memory_equal(got, sent, sizeof got);
    /* A repeated enrollment replaces it; one without a key leaves it. */
    sent[0] = 0xa5;
    assert_int_equal(enroll_redeem(f->store, token, k.pk, sent, "laptop", NOW_MS, &node,
                                   &status, NULL), 0);
    assert_int_equal(enroll_redeem(f->store, token, k.pk, NULL, "laptop", NOW_MS, &node,
                                   &status, NULL), 0);
    assert_int_equal(device_keys_get(f->store, k.id, got), 0);
    assert_memory_equal(got, sent, sizeof got);
    /* The key's write fails (as a full disk would fail it): nothing of the enrollment stays. */
    assert_int_equal(sqlite3_exec(f->store->db,
                                  "CREATE TEMP TRIGGER refuse_key BEFORE UPDATE OF "
                                  "storage_public_key ON main.node BEGIN "
                                  "SELECT RAISE(ABORT, 'disk full'); END",
                                  NULL, NULL, NULL), SQLITE_OK);
    token_for(f, VILLAGE_KALIBUNTU, token);
    assert_int_not_equal(enroll_redeem(f->store, token, other.pk, sent, "laptop", NOW_MS,
                                       &node, &status, NULL), 0);
    assert_int_equal(hub_store_node_get(f->store, other.id, &node), SAE_ENOTFOUND);
    assert_int_equal(unused_tokens(f), 1);
    assert_int_equal(sqlite3_exec(f->store->db, "DROP TRIGGER temp.refuse_key", NULL, NULL,
                                  NULL), SQLITE_OK);
    assert_int_equal(enroll_redeem(f->store, token, other.pk, sent, "laptop", NOW_MS, &node,
                                   &status, NULL), 0);
    assert_int_equal(device_keys_get(f->store, other.id, got), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, hub_setup, hub_teardown)
    const struct CMUnitTest tests[] = {
        T(test_fresh_token_enrolls_in_its_village),
        T(test_expired_token_is_refused_unspent),
        T(test_key_of_another_village_is_refused_unspent),
        T(test_enrolled_key_with_its_villages_token),
        T(test_revoked_key_is_refused_unspent),
        T(test_token_from_before_names),
        T(test_cancelled_bundle_is_refused),
        T(test_storage_key_lands_with_the_enrollment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
