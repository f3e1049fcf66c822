/* Shared by the libFuzzer targets that seal and open (fuzz_sealed_open.c, fuzz_value_box.c):
 * one fixed key pair for the whole run, with an opener and a sealer that live across inputs
 * as a daemon's would (the opener's cache of shared keys meets hostile ephemeral keys). */
#ifndef SAE_SEALING_FUZZ_H
#define SAE_SEALING_FUZZ_H

#include <sodium.h>
#include <string.h>

#include "fuzz_require.h"
#include "sae/sae_sealed.h"

struct sealing_fuzz_keys {
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    struct sae_opener *opener;
    struct sae_sealer *sealer;
    int ready;
};

/* Makes k's pair from a seed of seed_byte on the first call; later calls keep it. */
static inline void sealing_fuzz_keys_once(struct sealing_fuzz_keys *k, unsigned char seed_byte)
{
    unsigned char seed[crypto_box_SEEDBYTES];
    if (k->ready)
        return;
    REQUIRE(sodium_init() >= 0);
    memset(seed, seed_byte, sizeof seed);
    REQUIRE(crypto_box_seed_keypair(k->pk, k->sk, seed) == 0);
    REQUIRE(sae_opener_new(k->pk, k->sk, &k->opener) == 0);
    REQUIRE(sae_sealer_new(k->pk, &k->sealer) == 0);
    k->ready = 1;
}

#endif
