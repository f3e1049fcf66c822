#include "key_pairs.h"

#include <sodium.h>
#include <stdlib.h>

int test_key_pairs_setup(void **state)
{
    struct test_key_pairs *k = malloc(sizeof *k);
    if (!k)
        return -1;
    if (crypto_box_keypair(k->pk, k->sk) != 0 ||
        crypto_box_keypair(k->other_pk, k->other_sk) != 0) {
        free(k);
        return -1;
    }
    *state = k;
    return 0;
}

int test_key_pairs_teardown(void **state)
{
    free(*state);
    return 0;
}
