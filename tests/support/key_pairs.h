/* Two X25519 key pairs for unit tests that seal and open: the recipient's and another's,
 * made fresh for each test (cmocka setup and teardown).
 * Built into libsae-test.a. */
#ifndef KEY_PAIRS_H
#define KEY_PAIRS_H

struct test_key_pairs {
    unsigned char pk[32], sk[32], other_pk[32], other_sk[32];
};

/* *state: a struct test_key_pairs with both pairs made. */
int test_key_pairs_setup(void **state);
int test_key_pairs_teardown(void **state);

#endif
