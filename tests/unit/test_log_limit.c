/* The log summariser: the allowance of lines per window at its edge, the summary line's
 * counts, labels and top peer, windows of each kind apart, the tick that sums up the last
 * window of a flood, and 100,000 refused requests in well under a megabyte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/log_limit.h"

#define LINES_MAX 64

struct sink {
    char *lines[LINES_MAX];
    size_t count;
    unsigned long long bytes, total;
};

static void sink_write(void *ctx, const char *line)
{
    struct sink *s = ctx;
    s->total++;
    s->bytes += strlen(line) + 1;
    if (s->count < LINES_MAX) {
        s->lines[s->count] = strdup(line);
        assert_non_null(s->lines[s->count]);
        s->count++;
    }
}

static void sink_free(struct sink *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->lines[i]);
}

static struct log_limit *make(unsigned lines, unsigned seconds, struct sink *sink)
{
    struct log_limit_config config = {lines, seconds};
    struct log_limit *l = NULL;
    memset(sink, 0, sizeof *sink);
    assert_int_equal(log_limit_create(&config, sink_write, sink, &l), 0);
    return l;
}

static void refused(struct log_limit *l, const char *status, const char *peer, int64_t now)
{
    char line[128];
    snprintf(line, sizeof line, "http: GET /v1/health %s peer=%s", status, peer);
    log_limit_event(l, LOG_KIND_REQUEST, status, peer, line, now);
}

static void test_allowance_then_summary(void **state)
{
    (void)state;
    struct sink sink;
    struct log_limit *l = make(3, 10, &sink);
    for (int i = 0; i < 3; i++)
        refused(l, "404", "10.0.0.1", 1000 + i);
    assert_int_equal(sink.count, 3); /* the allowance, written as they come */
    for (int i = 0; i < 12000; i++)
        refused(l, "429", i % 10 ? "10.1.2.3" : "10.9.9.9", 2000);
    for (int i = 0; i < 345; i++)
        refused(l, "413", "10.0.0.2", 3000);
    assert_int_equal(sink.count, 3);
    log_limit_tick(l, 10999, false); /* the window opened at 1000: not over yet */
    assert_int_equal(sink.count, 3);
    log_limit_tick(l, 11000, false);
    assert_int_equal(sink.count, 4);
    assert_string_equal(sink.lines[3], "http: 12,345 more refused requests in the last 10 s: "
                                       "429 x 12,000, 413 x 345; top peer 10.1.2.3");
    /* The next event opens a new window with a new allowance. */
    refused(l, "429", "10.1.2.3", 11001);
    assert_int_equal(sink.count, 5);
    assert_string_equal(sink.lines[4], "http: GET /v1/health 429 peer=10.1.2.3");
    log_limit_tick(l, 30000, false); /* nothing was counted: no summary */
    assert_int_equal(sink.count, 5);
    log_limit_destroy(l);
    sink_free(&sink);
}

/* An event after the window ended writes the summary first, then its own line. */
static void test_event_after_window_sums_up_first(void **state)
{
    (void)state;
    struct sink sink;
    struct log_limit *l = make(1, 5, &sink);
    refused(l, "400", "10.0.0.1", 0);
    refused(l, "400", "10.0.0.1", 1);
    refused(l, "401", "10.0.0.1", 4999);
    assert_int_equal(sink.count, 1);
    refused(l, "403", "10.0.0.3", 5000);
    assert_int_equal(sink.count, 3);
    assert_string_equal(sink.lines[1], "http: 2 more refused requests in the last 5 s: "
                                       "400 x 1, 401 x 1; top peer 10.0.0.1");
    assert_string_equal(sink.lines[2], "http: GET /v1/health 403 peer=10.0.0.3");
    log_limit_destroy(l);
    sink_free(&sink);
}

/* Each kind has its own window and allowance; a forced tick sums up all at once. */
static void test_kinds_apart_and_forced_tick(void **state)
{
    (void)state;
    struct sink sink;
    struct log_limit *l = make(2, 10, &sink);
    for (int i = 0; i < 5; i++) {
        refused(l, "429", "10.0.0.1", 100);
        log_limit_event(l, LOG_KIND_CONNECTION, "headers", "10.0.0.2", "cut", 100);
        log_limit_event(l, LOG_KIND_SERVER, "tls", NULL, "mhd", 100);
    }
    assert_int_equal(sink.count, 6);
    log_limit_tick(l, 2100, true);
    assert_int_equal(sink.count, 9);
    assert_string_equal(sink.lines[6], "http: 3 more refused requests in the last 2 s: 429 x 3; "
                                       "top peer 10.0.0.1");
    assert_string_equal(sink.lines[7], "http: 3 more refused or cut connections in the last 2 s: "
                                       "headers x 3; top peer 10.0.0.2");
    assert_string_equal(sink.lines[8], "http: 3 more server messages in the last 2 s: tls x 3");
    log_limit_destroy(l);
    sink_free(&sink);
}

/* More distinct labels than are kept: the rest are "other"; counts stay exact in total. */
static void test_labels_beyond_the_table(void **state)
{
    (void)state;
    struct sink sink;
    struct log_limit *l = make(1, 1, &sink);
    char label[8];
    refused(l, "400", "p", 0);
    for (int i = 0; i < LOG_LIMIT_LABELS + 3; i++) {
        snprintf(label, sizeof label, "%d", 500 + i);
        for (int k = 0; k <= i; k++)
            refused(l, label, "p", 10);
    }
    log_limit_tick(l, 1000, false);
    assert_int_equal(sink.count, 2);
    const char *summary = sink.lines[1];
    assert_non_null(strstr(summary, "http: 66 more refused requests"));
    /* 508 + 509 + 510: 9 + 10 + 11, as the largest first */
    assert_non_null(strstr(summary, ": other x 30, 507 x 8, 506 x 7,"));
    log_limit_destroy(l);
    sink_free(&sink);
}

static void test_config_refusals(void **state)
{
    (void)state;
    struct log_limit *l = NULL;
    struct sink sink;
    struct log_limit_config bad[] = {{0, 10}, {10001, 10}, {20, 0}, {20, 3601}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(log_limit_create(&bad[i], sink_write, &sink, &l), SAE_EINVAL);
    struct log_limit_config edge = {10000, 3600};
    assert_int_equal(log_limit_create(&edge, NULL, &sink, &l), SAE_EINVAL);
    assert_null(l);
    assert_int_equal(log_limit_create(&edge, sink_write, &sink, &l), 0);
    log_limit_destroy(l);
    log_limit_destroy(NULL);
}

/* The bound with the server's defaults: 100,000 refused requests (20 s of a wrk
 * flood, one window every 10 s) write a few kilobytes. */
static void test_flood_is_bounded(void **state)
{
    (void)state;
    struct sink sink;
    struct log_limit *l = make(20, 10, &sink);
    for (int i = 0; i < 100000; i++)
        refused(l, i % 7 ? "429" : "404", "127.0.0.1", i / 5); /* 5 a millisecond */
    log_limit_tick(l, 20000, true);
    assert_true(sink.total <= 3 * (20 + 1));
    assert_true(sink.bytes < 1024 * 1024);
    assert_true(sink.bytes < 8 * 1024);
    log_limit_destroy(l);
    sink_free(&sink);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allowance_then_summary),
        cmocka_unit_test(test_event_after_window_sums_up_first),
        cmocka_unit_test(test_kinds_apart_and_forced_tick),
        cmocka_unit_test(test_labels_beyond_the_table),
        cmocka_unit_test(test_config_refusals),
        cmocka_unit_test(test_flood_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
