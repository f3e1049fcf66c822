/* Sessions' storage keys in the post app (node/app/session_keys.c): a key is readable only
 * inside session_keys_use; a session without a key is known but has none; dropping and sweeping
 * forget; SESSION_KEYS_MAX sessions fit and one more takes the oldest's place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "app/session_keys.h"
#include "sae/sae_secure_mem.h"

static void token(uint8_t out[SESSION_HASH_BYTES], unsigned n)
{
    memset(out, 0, SESSION_HASH_BYTES);
    out[0] = (uint8_t)n;
    out[1] = (uint8_t)(n >> 8);
}

static unsigned char *key_of(unsigned char fill)
{
    void *key = NULL;
    assert_int_equal(sae_secure_alloc(32, &key), 0);
    memset(key, fill, 32);
    return key;
}

static int first_byte(const unsigned char *secret, void *context)
{
    *(int *)context = secret[0];
    return 0;
}

static void test_use_drop_and_no_key(void **state)
{
    (void)state;
    struct session_keys *keys = NULL;
    uint8_t a[SESSION_HASH_BYTES], b[SESSION_HASH_BYTES];
    int seen = -1;
    token(a, 1);
    token(b, 2);
    assert_int_equal(session_keys_create(&keys), 0);
    assert_false(session_keys_known(keys, a));
    assert_int_equal(session_keys_put(keys, a, key_of(0x41)), 0);
    assert_int_equal(session_keys_put(keys, b, NULL), 0); /* signed in without a key */
    assert_true(session_keys_known(keys, a) && session_keys_known(keys, b));
    assert_int_equal(session_keys_use(keys, a, first_byte, &seen), 0);
    assert_int_equal(seen, 0x41);
    assert_int_equal(session_keys_use(keys, b, first_byte, &seen), SAE_ENOTFOUND);
    /* A second sign-in of one session replaces its key. */
    assert_int_equal(session_keys_put(keys, a, key_of(0x42)), 0);
    assert_int_equal(session_keys_use(keys, a, first_byte, &seen), 0);
    assert_int_equal(seen, 0x42);
    session_keys_drop(keys, a);
    assert_false(session_keys_known(keys, a));
    assert_int_equal(session_keys_use(keys, a, first_byte, &seen), SAE_ENOTFOUND);
    session_keys_destroy(keys);
}

static bool even_only(const uint8_t token_hash[SESSION_HASH_BYTES], void *context)
{
    (void)context;
    return token_hash[0] % 2 == 0;
}

static void test_limit_and_sweep(void **state)
{
    (void)state;
    struct session_keys *keys = NULL;
    uint8_t t[SESSION_HASH_BYTES];
    int seen = -1;
    assert_int_equal(session_keys_create(&keys), 0);
    for (unsigned i = 0; i < SESSION_KEYS_MAX; i++) {
        token(t, i);
        assert_int_equal(session_keys_put(keys, t, key_of((unsigned char)i)), 0);
    }
    for (unsigned i = 0; i < SESSION_KEYS_MAX; i++) {
        token(t, i);
        assert_true(session_keys_known(keys, t));
    }
    token(t, SESSION_KEYS_MAX); /* one past: the oldest (0) gives way */
    assert_int_equal(session_keys_put(keys, t, key_of(0x7f)), 0);
    assert_true(session_keys_known(keys, t));
    token(t, 0);
    assert_false(session_keys_known(keys, t));
    token(t, 1);
    assert_true(session_keys_known(keys, t));
    session_keys_sweep(keys, even_only, NULL);
    assert_false(session_keys_known(keys, t));
    token(t, 2);
    assert_int_equal(session_keys_use(keys, t, first_byte, &seen), 0);
    assert_int_equal(seen, 2);
    session_keys_destroy(keys);
    session_keys_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_use_drop_and_no_key),
        cmocka_unit_test(test_limit_and_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
