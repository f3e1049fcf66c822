/* The per-address state of the hub's server: token buckets at their edges (burst, rate,
 * Retry-After), address keys (IPv4, IPv6 /64, IPv4-mapped), the address table's overflow at
 * three quarters and its pruning, and the global body budget at its limit. Times are passed
 * in, so every case is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "net/body_budget.h"
#include "net/peer_table.h"
#include "net/rate_limit.h"

static void test_burst_then_rate(void **state)
{
    (void)state;
    struct rate_limit limit = {20, 600};
    struct rate_bucket bucket = {0};
    unsigned retry = 0;
    int64_t t = 1000000;
    assert_true(rate_limit_valid(&limit));
    /* A full bucket gives exactly the burst at one instant, and not one more. */
    for (unsigned i = 0; i < 600; i++)
        assert_true(rate_bucket_take(&bucket, &limit, t, &retry));
    retry = 0;
    assert_false(rate_bucket_take(&bucket, &limit, t, &retry));
    assert_int_equal(retry, 1);
    /* One token comes back every 50 ms: 49 ms is not enough, 50 ms is. */
    assert_false(rate_bucket_take(&bucket, &limit, t + 49, &retry));
    assert_true(rate_bucket_take(&bucket, &limit, t + 50, &retry));
    assert_false(rate_bucket_take(&bucket, &limit, t + 50, &retry));
    /* 30 s of quiet refill the whole burst: the bucket is as new. */
    assert_false(rate_bucket_full(&bucket, t + 29999));
    assert_true(rate_bucket_full(&bucket, t + 30050));
    for (unsigned i = 0; i < 600; i++)
        assert_true(rate_bucket_take(&bucket, &limit, t + 30050, &retry));
    assert_false(rate_bucket_take(&bucket, &limit, t + 30050, &retry));
}

/* Retry-After is the whole seconds until the next token, rounded up. */
static void test_retry_after_rounds_up(void **state)
{
    (void)state;
    struct rate_limit slow = {1, 1}, slower = {1, 3};
    struct rate_bucket bucket = {0};
    unsigned retry = 0;
    assert_true(rate_bucket_take(&bucket, &slow, 0, &retry));
    assert_false(rate_bucket_take(&bucket, &slow, 0, &retry));
    assert_int_equal(retry, 1);
    assert_false(rate_bucket_take(&bucket, &slow, 999, &retry));
    assert_int_equal(retry, 1);
    assert_true(rate_bucket_take(&bucket, &slow, 1000, &retry));

    memset(&bucket, 0, sizeof bucket);
    for (int i = 0; i < 3; i++)
        assert_true(rate_bucket_take(&bucket, &slower, 0, &retry));
    assert_false(rate_bucket_take(&bucket, &slower, 0, &retry));
    assert_int_equal(retry, 1);
    /* A refused request takes nothing: asking again and again does not push the time on. */
    for (int i = 0; i < 100; i++)
        assert_false(rate_bucket_take(&bucket, &slower, 500, &retry));
    assert_true(rate_bucket_take(&bucket, &slower, 1000, &retry));
}

static void test_rate_limit_ranges(void **state)
{
    (void)state;
    struct rate_limit bad[] = {{0, 1}, {1, 0}, {1000001, 1}, {1, 1000001}};
    struct rate_limit edge[] = {{1, 1}, {1000000, 1000000}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(rate_limit_valid(&bad[i]));
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        assert_true(rate_limit_valid(&edge[i]));
    assert_false(rate_limit_valid(NULL));
}

static struct sockaddr_in v4(const char *text)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(1234);
    assert_int_equal(inet_pton(AF_INET, text, &a.sin_addr), 1);
    return a;
}

static struct sockaddr_in6 v6(const char *text)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(1234);
    assert_int_equal(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
    return a;
}

static void key_text(const void *address, char out[PEER_TEXT_BYTES])
{
    struct peer_key key;
    assert_int_equal(peer_key_from_sockaddr(address, &key), 0);
    peer_key_text(&key, out);
}

static void test_address_keys(void **state)
{
    (void)state;
    char text[PEER_TEXT_BYTES];
    struct sockaddr_in a = v4("10.1.2.3");
    struct sockaddr_in6 b = v6("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
    struct sockaddr_in6 c = v6("2001:db8:1:2::1");
    struct sockaddr_in6 d = v6("2001:db8:1:3::1");
    struct sockaddr_in6 mapped = v6("::ffff:10.1.2.3");
    struct peer_key ka, kb, kc, kd, km;
    key_text(&a, text);
    assert_string_equal(text, "10.1.2.3");
    key_text(&b, text);
    assert_string_equal(text, "2001:db8:1:2::/64");
    assert_int_equal(peer_key_from_sockaddr((const struct sockaddr *)&a, &ka), 0);
    assert_int_equal(peer_key_from_sockaddr((const struct sockaddr *)&b, &kb), 0);
    assert_int_equal(peer_key_from_sockaddr((const struct sockaddr *)&c, &kc), 0);
    assert_int_equal(peer_key_from_sockaddr((const struct sockaddr *)&d, &kd), 0);
    assert_int_equal(peer_key_from_sockaddr((const struct sockaddr *)&mapped, &km), 0);
    /* One /64 is one address; the next /64 another; a mapped IPv4 address is the IPv4 one. */
    assert_memory_equal(kb.bytes, kc.bytes, PEER_KEY_BYTES);
    assert_memory_not_equal(kc.bytes, kd.bytes, PEER_KEY_BYTES);
    assert_memory_equal(ka.bytes, km.bytes, PEER_KEY_BYTES);
    struct sockaddr unix_like = {.sa_family = AF_UNIX};
    struct peer_key untouched = ka;
    assert_int_equal(peer_key_from_sockaddr(&unix_like, &untouched), SAE_EINVAL);
    assert_memory_equal(untouched.bytes, ka.bytes, PEER_KEY_BYTES);
}

static struct peer_key numbered_key(unsigned n)
{
    struct sockaddr_in a;
    struct peer_key key;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x0a000000u + n);
    assert_int_equal(peer_key_from_sockaddr((const struct sockaddr *)&a, &key), 0);
    return key;
}

/* A table of 64 takes 48 addresses; the 49th shares the overflow record until prune drops
 * the records that hold nothing. */
static void test_table_overflow_and_prune(void **state)
{
    (void)state;
    struct peer_table *t = NULL;
    struct rate_limit limit = {1, 1};
    unsigned retry = 0;
    assert_int_equal(peer_table_create(0, &t), SAE_EINVAL);
    assert_int_equal(peer_table_create(50, &t), 0); /* rounded up to 64 */
    for (unsigned i = 0; i < 48; i++) {
        struct peer_key key = numbered_key(i);
        struct peer *p = peer_table_get(t, &key);
        assert_false(peer_table_is_overflow(t, p));
        assert_true(rate_bucket_take(&p->requests, &limit, 1000, &retry));
        if (i == 0)
            p->connections = 1;
    }
    assert_int_equal(peer_table_used(t), 48);
    struct peer_key extra = numbered_key(48);
    assert_true(peer_table_is_overflow(t, peer_table_get(t, &extra)));
    assert_null(peer_table_find(t, &extra));
    /* Known addresses are still found at capacity. */
    struct peer_key first = numbered_key(0), last = numbered_key(47);
    assert_non_null(peer_table_find(t, &first));
    assert_non_null(peer_table_find(t, &last));

    /* Before their buckets are full again nothing can go; after, all but the one that holds
     * a connection. */
    peer_table_prune(t, 1999);
    assert_int_equal(peer_table_used(t), 48);
    peer_table_prune(t, 2000);
    assert_int_equal(peer_table_used(t), 1);
    struct peer *kept = peer_table_find(t, &first);
    assert_non_null(kept);
    assert_int_equal(kept->connections, 1);
    assert_false(peer_table_is_overflow(t, peer_table_get(t, &extra)));
    assert_int_equal(peer_table_used(t), 2);
    peer_table_destroy(t);
}

static void test_body_budget_edges(void **state)
{
    (void)state;
    struct body_budget b;
    body_budget_init(&b, 1000);
    assert_true(body_budget_fits(&b, 1000));
    assert_false(body_budget_fits(&b, 1001));
    assert_int_equal(body_budget_reserve(&b, 600), 0);
    assert_true(body_budget_fits(&b, 400));
    assert_false(body_budget_fits(&b, 401));
    assert_int_equal(body_budget_reserve(&b, 401), SAE_EBUSY);
    assert_int_equal(body_budget_used(&b), 600); /* a refusal reserves nothing */
    assert_int_equal(body_budget_reserve(&b, 400), 0);
    assert_int_equal(body_budget_reserve(&b, 1), SAE_EBUSY);
    assert_int_equal(body_budget_reserve(&b, 0), 0);
    body_budget_release(&b, 600);
    assert_int_equal(body_budget_used(&b), 400);
    assert_int_equal(body_budget_reserve(&b, 600), 0);
    body_budget_release(&b, 1000);
    assert_int_equal(body_budget_used(&b), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_rate),
        cmocka_unit_test(test_retry_after_rounds_up),
        cmocka_unit_test(test_rate_limit_ranges),
        cmocka_unit_test(test_address_keys),
        cmocka_unit_test(test_table_overflow_and_prune),
        cmocka_unit_test(test_body_budget_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
