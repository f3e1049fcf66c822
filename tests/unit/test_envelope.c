/* Envelopes (include/sae/sae_envelope.h): sealing and opening in both directions, every
 * failure with its own code, tampering with any single byte detected, decompression bombs
 * stopped at the cap, and the size limits at their edge and one past. Envelopes with broken
 * contents are boxed by hand here with libsodium, as a hostile peer holding a valid key
 * would do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "../../proto/wire_internal.h"
#include "sae/sae_envelope.h"
#include "sae/sae_error.h"

struct party {
    uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    uint64_t id;
};

static struct party post, hub, stranger;

/* The lookup of the hub and the post alike: knows post and hub, nobody else. */
static int lookup_known(void *ctx, uint64_t id, uint8_t pk[32])
{
    int *calls = ctx;
    if (calls)
        (*calls)++;
    if (id == post.id) {
        memcpy(pk, post.pk, 32);
        return 0;
    }
    if (id == hub.id) {
        memcpy(pk, hub.pk, 32);
        return 0;
    }
    return SAE_ENOTFOUND;
}

static int lookup_revoked(void *ctx, uint64_t id, uint8_t pk[32])
{
    (void)ctx;
    (void)id;
    (void)pk;
    return SAE_EPERM;
}

static void make_party(struct party *p, uint8_t seed_byte)
{
    uint8_t seed[crypto_box_SEEDBYTES];
    memset(seed, seed_byte, sizeof seed);
    assert_int_equal(crypto_box_seed_keypair(p->pk, p->sk, seed), 0);
    assert_int_equal(sae_origin_from_public_key(p->pk, &p->id), 0);
}

static int setup(void **state)
{
    (void)state;
    make_party(&post, 1);
    make_party(&hub, 2);
    make_party(&stranger, 3);
    return 0;
}

static uint8_t *random_plain(size_t len)
{
    uint8_t *p = malloc(len + 1);
    assert_non_null(p);
    randombytes_buf(p, len);
    /* Half compressible, as real messages are. */
    memset(p, 'a', len / 2);
    return p;
}

/* Opens env as the hub would (recipient hub, lookup_known); returns the code. On success
 * checks the result against want. On failure checks that nothing was written. */
static int open_as(const struct party *recipient, const uint8_t *env, size_t len,
                   const struct sae_limits *limits, const uint8_t *want, size_t want_len)
{
    uint8_t type = 0xee, *plain = (uint8_t *)0x1;
    uint64_t sender = 0xdead;
    size_t plain_len = 0xbeef;
    int rc = sae_envelope_open(env, len, lookup_known, NULL, recipient->sk, limits, &type,
                               &sender, &plain, &plain_len);
    if (rc != 0) {
        assert_true(type == 0xee && sender == 0xdead && plain == (uint8_t *)0x1 &&
                    plain_len == 0xbeef);
        return rc;
    }
    if (want) {
        assert_int_equal(plain_len, want_len);
        assert_memory_equal(plain, want, want_len);
    }
    sae_wire_buffer_free(plain, plain_len);
    return rc;
}

static void test_round_trip_both_directions(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    for (uint8_t type = SAE_MSG_PUSH_BATCH; type <= SAE_MSG_ERROR_STATUS; type++) {
        for (size_t len = 0; len < 5000; len = len * 3 + 1) {
            bool from_post = type % 2 == 1; /* requests go post -> hub, answers back */
            const struct party *from = from_post ? &post : &hub, *to = from_post ? &hub : &post;
            uint8_t *plain = random_plain(len), *env, *plain_out, got_type;
            uint64_t sender;
            size_t env_len, plain_out_len;
            assert_int_equal(sae_envelope_seal(plain, len, type, from->id, from->sk, to->pk,
                                               &limits, &env, &env_len), 0);
            assert_memory_equal(env, SAE_ENVELOPE_MAGIC, 4);
            assert_int_equal(env[4], SAE_ENVELOPE_FORMAT_VERSION);
            assert_int_equal(env[5], type);
            assert_int_equal(sae_envelope_open(env, env_len, lookup_known, NULL, to->sk, &limits,
                                               &got_type, &sender, &plain_out, &plain_out_len),
                             0);
            assert_int_equal(got_type, type);
            assert_true(sender == from->id);
            assert_int_equal(plain_out_len, len);
            assert_memory_equal(plain_out, plain, len);
            /* Only the intended recipient can open it. */
            assert_int_equal(open_as(from, env, env_len, &limits, NULL, 0), SAE_WIRE_EAUTH);
            assert_int_equal(open_as(&stranger, env, env_len, &limits, NULL, 0), SAE_WIRE_EAUTH);
            sae_wire_buffer_free(plain_out, plain_out_len);
            free(env);
            free(plain);
        }
    }
}

static void test_nonce_is_fresh(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    uint8_t plain[] = "same message", *a, *b;
    size_t a_len, b_len;
    assert_int_equal(sae_envelope_seal(plain, sizeof plain, 1, post.id, post.sk, hub.pk, &limits,
                                       &a, &a_len), 0);
    assert_int_equal(sae_envelope_seal(plain, sizeof plain, 1, post.id, post.sk, hub.pk, &limits,
                                       &b, &b_len), 0);
    assert_int_equal(a_len, b_len);
    assert_memory_not_equal(a + 14, b + 14, 24);
    free(a);
    free(b);
}

/* Every byte of an envelope matters: header, nonce, MAC, ciphertext. Each is flipped in
 * turn (two different ways) and the envelope must be refused; so must every truncation. */
static void test_any_single_byte_change_is_detected(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    static const uint8_t flips[] = {0x01, 0x80, 0xff};
    for (uint8_t type = SAE_MSG_PUSH_BATCH; type <= SAE_MSG_ENROLL_REQUEST; type += 4) {
        uint8_t *plain = random_plain(300), *env;
        size_t env_len;
        assert_int_equal(sae_envelope_seal(plain, 300, type, post.id, post.sk, hub.pk, &limits,
                                           &env, &env_len), 0);
        assert_int_equal(open_as(&hub, env, env_len, &limits, plain, 300), 0);
        for (size_t i = 0; i < env_len; i++) {
            for (size_t f = 0; f < sizeof flips; f++) {
                env[i] ^= flips[f];
                int rc = open_as(&hub, env, env_len, &limits, NULL, 0);
                if (rc == 0)
                    print_error("type %u: flipping byte %zu by %02x went unnoticed\n", type, i,
                                flips[f]);
                assert_true(rc < 0);
                env[i] ^= flips[f];
            }
        }
        for (size_t cut = 0; cut < env_len; cut++)
            assert_true(open_as(&hub, env, cut, &limits, NULL, 0) < 0);
        free(env);
        free(plain);
    }
}

static void test_distinct_errors(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    uint8_t plain[] = "hello", *env, type;
    size_t env_len;
    uint64_t sender;
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(sae_envelope_seal(plain, sizeof plain, SAE_MSG_PUSH_BATCH, post.id, post.sk,
                                       hub.pk, &limits, &env, &env_len), 0);
    uint8_t *copy = malloc(env_len);
    assert_non_null(copy);

#define MUTATED(expect, statement)                                                       \
    do {                                                                                 \
        memcpy(copy, env, env_len);                                                      \
        statement;                                                                       \
        assert_int_equal(open_as(&hub, copy, env_len, &limits, NULL, 0), (expect));      \
    } while (0)

    MUTATED(SAE_WIRE_EFORMAT, copy[0] = 'X');
    MUTATED(SAE_WIRE_EFORMAT, copy[4] = 2);
    MUTATED(SAE_WIRE_EFORMAT, copy[5] = 0);
    MUTATED(SAE_WIRE_EFORMAT, copy[5] = 8);
    MUTATED(SAE_WIRE_EUNKNOWN_SENDER, copy[13] ^= 1);
    MUTATED(SAE_WIRE_EAUTH, copy[5] = SAE_MSG_PULL_REQUEST); /* header copy differs */
    MUTATED(SAE_WIRE_EAUTH, copy[20] ^= 1);                  /* nonce */
    MUTATED(SAE_WIRE_EAUTH, copy[env_len - 1] ^= 1);         /* ciphertext */
#undef MUTATED
    assert_int_equal(open_as(&hub, env, 13, &limits, NULL, 0), SAE_WIRE_EFORMAT);
    assert_int_equal(open_as(&hub, env, SAE_ENVELOPE_MIN_BYTES - 1, &limits, NULL, 0),
                     SAE_WIRE_EFORMAT);
    assert_int_equal(open_as(&hub, env, SAE_ENVELOPE_MIN_BYTES, &limits, NULL, 0),
                     SAE_WIRE_EAUTH);
    /* The lookup's own refusal (a revoked post) comes back unchanged. */
    assert_int_equal(sae_envelope_open(env, env_len, lookup_revoked, NULL, hub.sk, &limits,
                                       &type, &sender, &out, &out_len), SAE_EPERM);
    assert_null(out);
    /* A sender id that does not belong to the secret key is refused at sealing. */
    uint8_t *bad = NULL;
    size_t bad_len = 0;
    assert_int_equal(sae_envelope_seal(plain, sizeof plain, 1, post.id ^ 1, post.sk, hub.pk,
                                       &limits, &bad, &bad_len), SAE_EINVAL);
    assert_int_equal(sae_envelope_seal(plain, sizeof plain, 9, post.id, post.sk, hub.pk,
                                       &limits, &bad, &bad_len), SAE_EINVAL);
    assert_null(bad);
    free(copy);
    free(env);
}

/* The enroll request carries the sender's key: it opens without the lookup, and a key that
 * does not hash to the sender id is refused. */
static void test_enroll_request_carries_key(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    uint8_t plain[] = "enroll me", *env, *out, type;
    size_t env_len, out_len;
    uint64_t sender;
    int calls = 0;
    struct sae_envelope_header h;
    assert_int_equal(sae_envelope_seal(plain, sizeof plain, SAE_MSG_ENROLL_REQUEST, stranger.id,
                                       stranger.sk, hub.pk, &limits, &env, &env_len), 0);
    assert_int_equal(sae_envelope_header_parse(env, env_len, &limits, &h), 0);
    assert_int_equal(h.type, SAE_MSG_ENROLL_REQUEST);
    assert_true(h.sender_id == stranger.id && h.has_public_key);
    assert_memory_equal(h.public_key, stranger.pk, 32);
    assert_int_equal(sae_envelope_open(env, env_len, lookup_known, &calls, hub.sk, &limits,
                                       &type, &sender, &out, &out_len), 0);
    assert_int_equal(calls, 0);
    assert_true(sender == stranger.id);
    sae_wire_buffer_free(out, out_len);
    /* Another post's key in the header: the id no longer matches it. */
    memcpy(env + 14, post.pk, 32);
    assert_int_equal(open_as(&hub, env, env_len, &limits, NULL, 0), SAE_WIRE_EAUTH);
    free(env);
}

/* Boxes header || payload by hand: a peer with valid keys but broken contents. */
static void box_raw(const uint8_t *payload, size_t len, uint8_t **out, size_t *out_len)
{
    size_t inner_len = 14 + len, total = 14 + 24 + 16 + inner_len;
    uint8_t *inner = malloc(inner_len), *env = malloc(total);
    assert_true(inner && env);
    memcpy(inner, "SAE1", 4);
    inner[4] = 1;
    inner[5] = SAE_MSG_PUSH_BATCH;
    for (size_t i = 0; i < 8; i++)
        inner[6 + i] = (uint8_t)(post.id >> (56 - 8 * i));
    memcpy(inner + 14, payload, len);
    memcpy(env, inner, 14);
    randombytes_buf(env + 14, 24);
    assert_int_equal(crypto_box_easy(env + 38, inner, inner_len, env + 14, hub.pk, post.sk), 0);
    free(inner);
    *out = env;
    *out_len = total;
}

static uint8_t *zlib_of(const uint8_t *in, size_t len, size_t *out_len)
{
    uLongf n = compressBound((uLong)len);
    uint8_t *z = malloc(n);
    assert_non_null(z);
    assert_int_equal(compress2(z, &n, in, (uLong)len, 9), Z_OK);
    *out_len = n;
    return z;
}

static void test_inflate_failures(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    uint8_t msg[200], *z, *env;
    size_t z_len, env_len;
    memset(msg, 'q', sizeof msg);
    z = zlib_of(msg, sizeof msg, &z_len);

    box_raw(z, z_len, &env, &env_len); /* a well-formed one, boxed by hand, opens */
    assert_int_equal(open_as(&hub, env, env_len, &limits, msg, sizeof msg), 0);
    free(env);

    uint8_t *longer = malloc(z_len + 1);
    assert_non_null(longer);
    memcpy(longer, z, z_len);
    longer[z_len] = 0;
    box_raw(longer, z_len + 1, &env, &env_len); /* a byte after the stream */
    assert_int_equal(open_as(&hub, env, env_len, &limits, NULL, 0), SAE_WIRE_EINFLATE);
    free(env);
    box_raw(z, z_len - 1, &env, &env_len); /* stream cut short */
    assert_int_equal(open_as(&hub, env, env_len, &limits, NULL, 0), SAE_WIRE_EINFLATE);
    free(env);
    box_raw(msg, sizeof msg, &env, &env_len); /* not zlib at all */
    assert_int_equal(open_as(&hub, env, env_len, &limits, NULL, 0), SAE_WIRE_EINFLATE);
    free(env);
    box_raw(msg, 0, &env, &env_len); /* nothing after the header copy */
    assert_int_equal(open_as(&hub, env, env_len, &limits, NULL, 0), SAE_WIRE_EINFLATE);
    free(env);
    free(longer);
    free(z);
}

/* 64 MiB of zeros, deflated a MiB at a time, fit well within the envelope limit: opening
 * must stop at the inflated cap with SAE_WIRE_ETOOLARGE (memory stays near the cap). */
static uint8_t *zlib_of_zeros(size_t mib, size_t *out_len)
{
    static uint8_t zeros[1024 * 1024];
    size_t room = 2 * 1024 * 1024;
    uint8_t *z = malloc(room);
    z_stream zs;
    assert_non_null(z);
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit(&zs, 1), Z_OK);
    zs.next_out = z;
    zs.avail_out = (uInt)room;
    for (size_t i = 0; i < mib; i++) {
        zs.next_in = zeros;
        zs.avail_in = sizeof zeros;
        assert_int_equal(deflate(&zs, i + 1 == mib ? Z_FINISH : Z_NO_FLUSH),
                         i + 1 == mib ? Z_STREAM_END : Z_OK);
    }
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return z;
}

static void test_decompression_bomb(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    size_t z_len, env_len;
    uint8_t *z = zlib_of_zeros(64, &z_len), *env;
    assert_true(z_len < limits.envelope_bytes / 4);
    box_raw(z, z_len, &env, &env_len);
    assert_int_equal(open_as(&hub, env, env_len, &limits, NULL, 0), SAE_WIRE_ETOOLARGE);
    /* Exactly at the cap it opens. */
    free(env);
    free(z);
    z = zlib_of_zeros(8, &z_len);
    box_raw(z, z_len, &env, &env_len);
    assert_int_equal(limits.inflated_bytes, 8u * 1024 * 1024);
    assert_int_equal(open_as(&hub, env, env_len, &limits, NULL, 0), 0);
    free(env);
    free(z);
}

static void test_limit_envelope_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    uint8_t *plain = random_plain(4000), *env, *again = NULL;
    size_t env_len, again_len = 0;
    assert_int_equal(sae_envelope_seal(plain, 4000, 1, post.id, post.sk, hub.pk, &limits, &env,
                                       &env_len), 0);
    limits.envelope_bytes = env_len;
    assert_int_equal(open_as(&hub, env, env_len, &limits, plain, 4000), 0);
    assert_int_equal(sae_envelope_seal(plain, 4000, 1, post.id, post.sk, hub.pk, &limits, &again,
                                       &again_len), 0);
    free(again);
    again = NULL;
    limits.envelope_bytes = env_len - 1;
    assert_int_equal(open_as(&hub, env, env_len, &limits, NULL, 0), SAE_WIRE_ETOOLARGE);
    assert_int_equal(sae_envelope_seal(plain, 4000, 1, post.id, post.sk, hub.pk, &limits, &again,
                                       &again_len), SAE_WIRE_ETOOLARGE);
    assert_null(again);
    free(env);
    free(plain);
}

static void test_limit_inflated_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    size_t len = 100000;
    uint8_t *plain = random_plain(len), *env = NULL;
    size_t env_len = 0;
    limits.inflated_bytes = len;
    assert_int_equal(sae_envelope_seal(plain, len, 1, post.id, post.sk, hub.pk, &limits, &env,
                                       &env_len), 0);
    assert_int_equal(open_as(&hub, env, env_len, &limits, plain, len), 0);
    limits.inflated_bytes = len - 1;
    assert_int_equal(open_as(&hub, env, env_len, &limits, NULL, 0), SAE_WIRE_ETOOLARGE);
    free(env);
    env = NULL;
    assert_int_equal(sae_envelope_seal(plain, len, 1, post.id, post.sk, hub.pk, &limits, &env,
                                       &env_len), SAE_WIRE_ETOOLARGE);
    assert_null(env);
    free(plain);
}

/* The origin id is the node's derivation (node/store/node_store.c): BLAKE2b-128 of the public key,
 * first 8 bytes big-endian, top bit cleared. Checked here against libsodium directly. */
static void test_origin_from_public_key(void **state)
{
    (void)state;
    uint8_t hash[16];
    uint64_t want = 0, got;
    assert_int_equal(crypto_generichash(hash, 16, post.pk, 32, NULL, 0), 0);
    for (size_t i = 0; i < 8; i++)
        want = want << 8 | hash[i];
    want &= (uint64_t)INT64_MAX;
    assert_int_equal(sae_origin_from_public_key(post.pk, &got), 0);
    assert_true(got == want);
    assert_true(got <= (uint64_t)INT64_MAX);
    assert_true(post.id != hub.id);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_both_directions),
        cmocka_unit_test(test_nonce_is_fresh),
        cmocka_unit_test(test_any_single_byte_change_is_detected),
        cmocka_unit_test(test_distinct_errors),
        cmocka_unit_test(test_enroll_request_carries_key),
        cmocka_unit_test(test_inflate_failures),
        cmocka_unit_test(test_decompression_bomb),
        cmocka_unit_test(test_limit_envelope_bytes),
        cmocka_unit_test(test_limit_inflated_bytes),
        cmocka_unit_test(test_origin_from_public_key),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
