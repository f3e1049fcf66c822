/* Message encoding and decoding (include/sae/sae_wire.h): round trips over seeded random
 * messages (the rules a decoder enforces are in test_wire_rules.c, the limits in
 * test_wire_limits.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../proto/wire_internal.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"
#include "sae/sae_wire.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* splitmix64, seeded per test so a failure replays exactly. */
static uint64_t rng_state;
static uint64_t rng(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}
static uint32_t below(uint32_t n) { return (uint32_t)(rng() % n); }

static const char *const names[] = {"case", "service", "referral", "status", "narrative",
                                    "_deleted", "victim_age", "x", "a_b_9"};
/* UTF-8 pieces of 1 to 4 bytes, and a line break. */
static const char *const pieces[] = {"a", "Z", " ", "\n", "é", "ñ", "—", "€", "𝄞", "ka",
                                     "Korban", "1"};

static char *random_text(size_t max_bytes)
{
    size_t target = 1 + below((uint32_t)max_bytes), used = 0;
    char *s = malloc(max_bytes + 1);
    assert_non_null(s);
    for (;;) {
        const char *p = pieces[below(COUNT(pieces))];
        size_t n = strlen(p);
        if (used + n > target)
            break;
        memcpy(s + used, p, n);
        used += n;
    }
    if (used == 0)
        s[used++] = 'v';
    s[used] = '\0';
    return s;
}

static uint64_t random_int63(void) { return rng() & (uint64_t)INT64_MAX; }

/* count random changes. Runs of changes share report, kind and version (as one command
 * writes them) so that grouping on the wire is exercised; seq rises with random gaps. */
static struct sae_change *random_changes(size_t count, uint64_t origin, bool one_origin)
{
    struct sae_change *c = calloc(count + 1, sizeof *c);
    uint64_t seq = below(5);
    assert_non_null(c);
    for (size_t i = 0; i < count; i++) {
        bool same = i > 0 && below(3) != 0;
        if (same) {
            c[i].report_id = c[i - 1].report_id;
            c[i].kind = strdup(c[i - 1].kind);
            c[i].version = c[i - 1].version;
            c[i].seen_cursor = below(4) == 0 ? random_int63() : c[i - 1].seen_cursor;
            c[i].supersedes = below(4) == 0 ? random_int63() : c[i - 1].supersedes;
        } else {
            randombytes_buf(c[i].report_id.bytes, SAE_ID_BYTES);
            c[i].kind = strdup(names[below(COUNT(names))]);
            c[i].version.hlc = 1 + (random_int63() >> below(60));
            c[i].version.origin = one_origin ? origin : random_int63() >> below(63);
            c[i].seen_cursor = below(2) ? 0 : random_int63() >> below(63);
            c[i].supersedes = below(3) ? 0 : random_int63() >> below(63);
        }
        if (c[i].supersedes == c[i].version.hlc)
            c[i].supersedes = 0;
        assert_non_null(c[i].kind);
        c[i].field = strdup(names[below(COUNT(names))]);
        assert_non_null(c[i].field);
        c[i].value = below(5) == 0 ? NULL : random_text(below(4) == 0 ? 3000 : 40);
        if (below(2)) {
            c[i].base.hlc = 1 + (random_int63() >> below(60));
            c[i].base.origin = random_int63() >> below(63);
        }
        seq += below(4) == 0 ? 1 + below(1000) : 1;
        c[i].seq = seq;
    }
    return c;
}

static void free_changes(struct sae_change *c, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(c[i].kind);
        free(c[i].field);
        free(c[i].value);
    }
    free(c);
}

static void assert_changes_equal(const struct sae_change *a, const struct sae_change *b,
                                 size_t count)
{
    for (size_t i = 0; i < count; i++) {
        assert_memory_equal(a[i].report_id.bytes, b[i].report_id.bytes, SAE_ID_BYTES);
        assert_string_equal(a[i].kind, b[i].kind);
        assert_string_equal(a[i].field, b[i].field);
        if (a[i].value)
            assert_string_equal(a[i].value, b[i].value);
        else
            assert_null(b[i].value);
        assert_true(a[i].version.hlc == b[i].version.hlc);
        assert_true(a[i].version.origin == b[i].version.origin);
        assert_true(a[i].base.hlc == b[i].base.hlc);
        assert_true(a[i].base.origin == b[i].base.origin);
        assert_true(a[i].seq == b[i].seq);
        assert_true(a[i].seen_cursor == b[i].seen_cursor);
        assert_true(a[i].supersedes == b[i].supersedes);
    }
}

static void test_batch_round_trip_random(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    for (uint64_t seed = 1; seed <= 60; seed++) {
        rng_state = seed;
        size_t count = seed % 10 == 0 ? 0 : below(seed < 50 ? 40 : 1000) + 1;
        uint64_t origin = random_int63();
        struct sae_batch in = {.origin = origin, .clock = random_int63(),
                               .changes = random_changes(count, origin, true),
                               .change_count = count};
        uint8_t *buf;
        size_t len;
        struct sae_batch *out = NULL;
        int rc = sae_batch_encode(&in, &limits, &buf, &len);
        if (rc != 0)
            print_error("seed %llu: encode %d\n", (unsigned long long)seed, rc);
        assert_int_equal(rc, 0);
        assert_int_equal(sae_batch_decode(buf, len, &limits, &out), 0);
        assert_int_equal(out->schema_version, SAE_WIRE_SCHEMA_VERSION);
        assert_true(out->origin == in.origin && out->clock == in.clock);
        assert_int_equal(out->change_count, count);
        assert_changes_equal(in.changes, out->changes, count);
        sae_batch_free(out);
        sae_wire_buffer_free(buf, len);
        free_changes(in.changes, count);
    }
}

/* A random version, or none (0/0) one time in four. */
static struct sae_version random_version(void)
{
    if (below(4) == 0)
        return (struct sae_version){0, 0};
    return (struct sae_version){1 + (random_int63() >> below(60)), random_int63() >> below(63)};
}

static struct sae_review *random_reviews(size_t count)
{
    static const char *const fields[] = {"risk_level", "consent_share", "_deleted",
                                         "violence_types/sexual", "x/Y_9"};
    struct sae_review *r = calloc(count + 1, sizeof *r);
    assert_non_null(r);
    for (size_t i = 0; i < count; i++) {
        randombytes_buf(r[i].report_id.bytes, SAE_ID_BYTES);
        r[i].field = strdup(fields[below(COUNT(fields))]);
        assert_non_null(r[i].field);
        r[i].open = below(2);
        r[i].standing = random_version();
        r[i].latest = random_version();
    }
    return r;
}

static void assert_reviews_equal(const struct sae_review *a, const struct sae_review *b,
                                 size_t count)
{
    for (size_t i = 0; i < count; i++) {
        assert_memory_equal(a[i].report_id.bytes, b[i].report_id.bytes, SAE_ID_BYTES);
        assert_string_equal(a[i].field, b[i].field);
        assert_int_equal(a[i].open, b[i].open);
        assert_true(sae_version_compare(&a[i].standing, &b[i].standing) == 0);
        assert_true(sae_version_compare(&a[i].latest, &b[i].latest) == 0);
    }
}

static void test_pull_response_round_trip_random(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    for (uint64_t seed = 100; seed < 140; seed++) {
        rng_state = seed;
        size_t count = below(200), reviews = below(3) ? below(50) : 0;
        struct sae_pull_response in = {.hub_clock = random_int63(),
                                       .changes = random_changes(count, 0, false),
                                       .change_count = count, .next_cursor = random_int63(),
                                       .more = below(2), .reviews = random_reviews(reviews),
                                       .review_count = reviews,
                                       .next_review_cursor = below(2) ? random_int63() : 0};
        /* held_seq: absent, or present, 0 included (a restored hub holding none of the
         * post's changes says so). */
        in.has_held_seq = below(2);
        in.held_seq = in.has_held_seq && below(2) ? random_int63() : 0;
        uint8_t *buf;
        size_t len;
        struct sae_pull_response *out = NULL;
        assert_int_equal(sae_pull_response_encode(&in, &limits, &buf, &len), 0);
        assert_int_equal(sae_pull_response_decode(buf, len, &limits, &out), 0);
        assert_true(out->hub_clock == in.hub_clock && out->next_cursor == in.next_cursor);
        assert_int_equal(out->more, in.more);
        assert_int_equal(out->change_count, count);
        assert_changes_equal(in.changes, out->changes, count);
        assert_int_equal(out->review_count, reviews);
        assert_reviews_equal(in.reviews, out->reviews, reviews);
        assert_true(out->next_review_cursor == in.next_review_cursor);
        assert_int_equal(out->has_held_seq, in.has_held_seq);
        assert_true(out->held_seq == in.held_seq);
        sae_pull_response_free(out);
        sae_wire_buffer_free(buf, len);
        free_changes(in.changes, count);
        for (size_t i = 0; i < reviews; i++)
            free(in.reviews[i].field);
        free(in.reviews);
    }
}

static void test_small_messages_round_trip(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    uint8_t *buf;
    size_t len;

    struct sae_refusal refusals[] = {{7, SAE_STATUS_CLOCK_AHEAD, "held: clock ahead"},
                                     {9, 999, ""}};
    struct sae_push_ack ack = {.hub_clock = 77, .origin = 5, .acked_seq = 9,
                               .refusals = refusals, .refusal_count = 2};
    struct sae_push_ack *ack_out;
    assert_int_equal(sae_push_ack_encode(&ack, &limits, &buf, &len), 0);
    assert_int_equal(sae_push_ack_decode(buf, len, &limits, &ack_out), 0);
    assert_true(ack_out->hub_clock == 77 && ack_out->origin == 5 && ack_out->acked_seq == 9);
    assert_int_equal(ack_out->refusal_count, 2);
    assert_true(ack_out->refusals[0].seq == 7);
    assert_int_equal(ack_out->refusals[0].code, SAE_STATUS_CLOCK_AHEAD);
    assert_string_equal(ack_out->refusals[0].message, "held: clock ahead");
    assert_int_equal(ack_out->refusals[1].code, 999); /* unknown codes are kept */
    assert_string_equal(ack_out->refusals[1].message, "");
    sae_push_ack_free(ack_out);
    sae_wire_buffer_free(buf, len);

    struct sae_pull_request req = {.cursor = 123456789, .max_changes = 500,
                                   .clock = UINT64_C(0x01a2277668630007),
                                   .review_cursor = 42, .with_reviews = true};
    struct sae_pull_request *req_out;
    assert_int_equal(sae_pull_request_encode(&req, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_request_decode(buf, len, &limits, &req_out), 0);
    assert_true(req_out->cursor == 123456789 && req_out->max_changes == 500);
    assert_true(req_out->clock == UINT64_C(0x01a2277668630007));
    assert_true(req_out->review_cursor == 42 && req_out->with_reviews);
    sae_pull_request_free(req_out);
    sae_wire_buffer_free(buf, len);
    /* A post that does not keep reviews sends neither field. */
    req = (struct sae_pull_request){.cursor = 5};
    assert_int_equal(sae_pull_request_encode(&req, &limits, &buf, &len), 0);
    assert_int_equal(sae_pull_request_decode(buf, len, &limits, &req_out), 0);
    assert_true(req_out->review_cursor == 0 && !req_out->with_reviews);
    sae_pull_request_free(req_out);
    sae_wire_buffer_free(buf, len);

    struct sae_enroll_request er = {.token = "tok-3f9a", .village = "35.13.12.2018",
                                    .device_name = "Laptop posko", .clock = 77};
    struct sae_enroll_request *er_out;
    memset(er.public_key, 0xab, sizeof er.public_key);
    assert_int_equal(sae_enroll_request_encode(&er, &limits, &buf, &len), 0);
    assert_int_equal(sae_enroll_request_decode(buf, len, &limits, &er_out), 0);
    assert_string_equal(er_out->token, "tok-3f9a");
    assert_string_equal(er_out->village, "35.13.12.2018");
    assert_string_equal(er_out->device_name, "Laptop posko");
    assert_true(er_out->clock == 77);
    assert_memory_equal(er_out->public_key, er.public_key, 32);
    assert_false(er_out->has_storage_key); /* field 7 absent: a post from before it */
    sae_enroll_request_free(er_out);
    sae_wire_buffer_free(buf, len);
    er.has_storage_key = true;
    memset(er.storage_public_key, 0xcd, sizeof er.storage_public_key);
    assert_int_equal(sae_enroll_request_encode(&er, &limits, &buf, &len), 0);
    assert_int_equal(sae_enroll_request_decode(buf, len, &limits, &er_out), 0);
    assert_true(er_out->has_storage_key);
    assert_memory_equal(er_out->storage_public_key, er.storage_public_key, 32);
    sae_enroll_request_free(er_out);
    sae_wire_buffer_free(buf, len);

    struct sae_enroll_response ep = {.hub_clock = 1, .node_id = 42, .village = "35.13.14.2016"};
    struct sae_enroll_response *ep_out;
    assert_int_equal(sae_enroll_response_encode(&ep, &limits, &buf, &len), 0);
    assert_int_equal(sae_enroll_response_decode(buf, len, &limits, &ep_out), 0);
    assert_true(ep_out->node_id == 42 && ep_out->hub_clock == 1);
    assert_string_equal(ep_out->village, "35.13.14.2016");
    sae_enroll_response_free(ep_out);
    sae_wire_buffer_free(buf, len);

    struct sae_error_status es = {.hub_clock = 3, .code = SAE_STATUS_RATE_LIMITED,
                                  .message = "too many requests;\nretry later"};
    struct sae_error_status *es_out;
    assert_int_equal(sae_error_status_encode(&es, &limits, &buf, &len), 0);
    assert_int_equal(sae_error_status_decode(buf, len, &limits, &es_out), 0);
    assert_int_equal(es_out->code, SAE_STATUS_RATE_LIMITED);
    assert_string_equal(es_out->message, es.message);
    sae_error_status_free(es_out);
    sae_wire_buffer_free(buf, len);
}

/* A valid one-change batch in protobuf-c form, for tests to break one field at a time. */

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_round_trip_random),
        cmocka_unit_test(test_pull_response_round_trip_random),
        cmocka_unit_test(test_small_messages_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
