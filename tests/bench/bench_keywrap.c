/* Storage keys' costs (issue 13), each beside a baseline measured in the same run:
 * - sign-in verifying the passphrase and unwrapping the storage key: of the old form (a
 *   crypto_pwhash_str hash and a version-1 wrap, two Argon2id runs) and of the new (a
 *   verifier and a version-2 wrap from one Argon2id, sae_passkey.h), each beside the old
 *   hash check alone;
 * - a staff member's hash and wrap made (users add, reset): two Argon2id apart, or one
 *   verifier and wrap together, each beside the passphrase hash alone;
 * - sealing and opening a 200-byte value (a name, a short note) to a storage key
 *   (crypto_box_seal: an X25519 exchange per value) beside secret-key encryption of the
 *   same bytes (crypto_secretbox), the figure the next step (sealing every sensitive value
 *   on write and read) will pay.
 * Prints figures only; it asserts nothing about speed. BENCH_SMOKE=1: a tiny size. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app/password.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_passkey.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wipe.h"

#define PASS "kopi-pahit-di-pagi-hari"
#define VALUE_BYTES 200

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "bench_keywrap: %s failed\n", what);
        exit(1);
    }
}

/* Seconds of the new form's sign-in: the verifier checked, its wrap opened with its key. */
static double sign_in_one_hash(const char *verifier, const unsigned char *wrap,
                               const unsigned char *key)
{
    unsigned char wrapping[SAE_PASSKEY_KEY_BYTES], got[32];
    bool keyed = false;
    double t0 = now_seconds();
    check(password_verify_key(verifier, PASS, wrapping, &keyed) && keyed, "verify_key");
    check(sae_keywrap_open_split(wrap, SAE_KEYWRAP_BYTES, wrapping, got) == 0, "open_split");
    double spent = now_seconds() - t0;
    check(memcmp(key, got, sizeof got) == 0, "unwrapped key");
    sodium_memzero(wrapping, sizeof wrapping);
    sodium_memzero(got, sizeof got);
    return spent;
}

static void sign_in(int rounds)
{
    char hash[PASSWORD_HASH_BYTES], verifier[SAE_PASSKEY_TEXT_BYTES];
    unsigned char key[32], got[32], wrap[SAE_KEYWRAP_BYTES], paired[SAE_KEYWRAP_BYTES];
    randombytes_buf(key, sizeof key);
    double t0 = now_seconds();
    check(password_hash(PASS, hash) == 0, "password_hash");
    double hash_s = now_seconds() - t0;
    t0 = now_seconds();
    check(sae_keywrap_seal(key, PASS, strlen(PASS), wrap) == 0, "sae_keywrap_seal");
    double wrap_s = now_seconds() - t0;
    t0 = now_seconds();
    check(sae_passkey_make(PASS, strlen(PASS), key, verifier, paired) == 0, "passkey_make");
    double passkey_s = now_seconds() - t0;
    double verify_s = 0, both_s = 0, one_s = 0;
    for (int i = 0; i < rounds; i++) {
        t0 = now_seconds();
        check(password_verify(hash, PASS), "password_verify");
        double mid = now_seconds();
        verify_s += mid - t0;
        check(password_verify(hash, PASS), "password_verify");
        check(sae_keywrap_open(wrap, sizeof wrap, PASS, strlen(PASS), got) == 0, "open");
        both_s += now_seconds() - mid;
        one_s += sign_in_one_hash(verifier, paired, key);
    }
    check(memcmp(key, got, sizeof key) == 0, "unwrapped key");
    printf("sign-in, old form (hash check and unwrap): %.0f ms; hash check alone (baseline): "
           "%.0f ms; ratio %.2f (%d rounds)\n", 1e3 * both_s / rounds, 1e3 * verify_s / rounds,
           both_s / verify_s, rounds);
    printf("sign-in, one Argon2id (verifier checked, its wrap opened with its key): %.0f ms; "
           "hash check alone (baseline): %.0f ms; ratio %.2f (%d rounds)\n",
           1e3 * one_s / rounds, 1e3 * verify_s / rounds, one_s / verify_s, rounds);
    printf("staff hash and wrap made apart: %.0f ms; together (one Argon2id): %.0f ms; "
           "passphrase hash alone (baseline): %.0f ms; ratios %.2f and %.2f\n",
           1e3 * (hash_s + wrap_s), 1e3 * passkey_s, 1e3 * hash_s, (hash_s + wrap_s) / hash_s,
           passkey_s / hash_s);
    sodium_memzero(key, sizeof key);
    sodium_memzero(got, sizeof got);
}

static void values(int count)
{
    unsigned char pk[32], sk[32], box_key[crypto_secretbox_KEYBYTES];
    unsigned char value[VALUE_BYTES], nonce[crypto_secretbox_NONCEBYTES];
    unsigned char boxed[VALUE_BYTES + crypto_secretbox_MACBYTES], back[VALUE_BYTES];
    crypto_box_keypair(pk, sk);
    crypto_secretbox_keygen(box_key);
    memset(value, 'n', sizeof value);
    double t0 = now_seconds();
    for (int i = 0; i < count; i++) {
        unsigned char *sealed = NULL;
        size_t len = 0, plain_len = 0;
        char *plain = NULL;
        check(sae_sealed_seal(pk, value, sizeof value, &sealed, &len) == 0, "seal");
        check(sae_sealed_open(pk, sk, sealed, len, &plain, &plain_len) == 0, "open");
        sae_wipe_free(plain, plain_len + 1);
        free(sealed);
    }
    double sealed_s = now_seconds() - t0;
    t0 = now_seconds();
    for (int i = 0; i < count; i++) {
        randombytes_buf(nonce, sizeof nonce);
        crypto_secretbox_easy(boxed, value, sizeof value, nonce, box_key);
        check(crypto_secretbox_open_easy(back, boxed, sizeof boxed, nonce, box_key) == 0,
              "secretbox");
    }
    double box_s = now_seconds() - t0;
    printf("200-byte value sealed and opened: %.1f us; secretbox and open (baseline): %.1f us;"
           " ratio %.1f (%d values)\n", 1e6 * sealed_s / count, 1e6 * box_s / count,
           sealed_s / box_s, count);
    sodium_memzero(sk, sizeof sk);
}

int main(void)
{
    bool smoke = getenv("BENCH_SMOKE") != NULL;
    if (sodium_init() < 0)
        return 1;
    sign_in(smoke ? 1 : 10);
    values(smoke ? 50 : 20000);
    return 0;
}
