/* The server under the guard, over real TLS on loopback: a connection without request
 * headers and a body too slow are cut by the deadlines, an address over its request rate is
 * answered 429, a body over the body budget 503 (at once, or when a counted body crosses it),
 * and floods of refusals leave a bounded log with a summary line. The rules themselves, at
 * their exact edges: test_conn_guard.c, test_rate_limit.c, test_log_limit.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <unistd.h>

#include "http_test_support.h"

static const char HEALTH[] = "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n";

/* Near the connection limit (max_connections 3: the deadline from 3 open, held there by two
 * connections sending bodies, which the header deadline never concerns), a connection that
 * sends nothing, or never completes its request headers, is cut after header_timeout; one
 * that completes them in time is answered and then waits for its next request under the
 * same deadline. The log says which was cut and why. One slow connection at a time: each
 * cut takes the server below the mark, which spares the rest until it is reached again. */
static void test_header_deadline_cuts_slow_headers(void **state)
{
    static const char BODY_HEAD[] = "POST /v1/push HTTP/1.1\r\nHost: localhost\r\n"
                                    "Content-Type: application/octet-stream\r\n"
                                    "Content-Length: 100\r\n\r\nx";
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls keeper[2], idle, partial, honest;
    char buf[2048];
    config.header_timeout_seconds = 3;
    config.max_connections = 3;
    config.per_ip_connections = 3;
    ht_start(f, &config);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ht_tls_open(&keeper[i], &f->certs, f->port), 0);
        ht_tls_send(&keeper[i], BODY_HEAD);
    }
    /* Cut by the server well before the idle timeout (HT_WAIT_SECONDS), which the reads
     * below would fail on. */
    assert_int_equal(ht_tls_open(&idle, &f->certs, f->port), 0);
    ht_tls_read_to_close(&idle, buf, sizeof buf);
    assert_string_equal(buf, "");
    ht_tls_close(&idle);
    ht_log_wait_n(&f->log, "cut: no complete request headers in ", 1);
    assert_int_equal(ht_tls_open(&partial, &f->certs, f->port), 0);
    ht_tls_send(&partial, "GET /v1/health HTTP/1.1\r\nHost: localhost\r\nX-a: b\r\n");
    ht_tls_read_to_close(&partial, buf, sizeof buf);
    assert_string_equal(buf, "");
    ht_tls_close(&partial);
    ht_log_wait_n(&f->log, "cut: no complete request headers in ", 2);
    assert_int_equal(ht_tls_open(&honest, &f->certs, f->port), 0);
    ht_tls_send(&honest, HEALTH);
    assert_int_equal(ht_tls_read_response(&honest, buf, sizeof buf), 200);
    ht_tls_read_to_close(&honest, buf, sizeof buf);
    ht_tls_close(&honest);
    ht_log_wait_n(&f->log, "cut: no complete request headers in ", 3);
    for (int i = 0; i < 2; i++)
        ht_tls_close(&keeper[i]);
    assert_int_equal(ht_handler_calls(&f->handler), 1);
}

/* Far from the connection limit a slow sender costs one slot and nothing else: past the
 * header deadline, its request is still answered. */
static void test_header_deadline_waits_for_pressure(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls slow;
    char buf[2048];
    config.header_timeout_seconds = 1;
    config.max_connections = 8; /* the deadline from 7 open */
    config.per_ip_connections = 8;
    ht_start(f, &config);
    assert_int_equal(ht_tls_open(&slow, &f->certs, f->port), 0);
    ht_tls_send(&slow, "GET /v1/health HTTP/1.1\r\n");
    sleep(3); /* three deadlines, a sweep every second */
    ht_tls_send(&slow, "Host: localhost\r\n\r\n");
    assert_int_equal(ht_tls_read_response(&slow, buf, sizeof buf), 200);
    ht_tls_close(&slow);
    assert_int_equal(ht_handler_calls(&f->handler), 1);
}

/* A body that trickles below body_min_rate over a window is cut without an answer; one that
 * keeps the rate is handled. */
static void test_slow_body_is_cut(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls slow;
    char buf[2048];
    config.body_window_seconds = 2;
    config.body_min_rate = 100;
    ht_start(f, &config);
    assert_int_equal(ht_tls_open(&slow, &f->certs, f->port), 0);
    ht_tls_send(&slow, "POST /v1/push HTTP/1.1\r\nHost: localhost\r\n"
                       "Content-Type: application/octet-stream\r\n"
                       "Content-Length: 4000\r\nExpect: 100-continue\r\n\r\n");
    assert_int_equal(ht_tls_read_response(&slow, buf, sizeof buf), 100);
    ht_tls_send(&slow, "a few bytes");
    ht_tls_read_to_close(&slow, buf, sizeof buf);
    assert_string_equal(buf, "");
    ht_tls_close(&slow);
    ht_log_wait(&f->log, "http: connection from 127.0.0.1 cut: body too slow (11 bytes in ");
    ht_log_wait(&f->log, "http: POST /v1/push - in=11 out=0 peer=127.0.0.1 ");

    uint8_t body[4000];
    memset(body, 'x', sizeof body);
    struct ht_reply r = ht_post(&f->certs, f->port, "/v1/push", body, sizeof body, false);
    assert_int_equal(r.status, 200);
    ht_reply_free(&r);
    assert_int_equal(ht_handler_calls(&f->handler), 1);
}

/* requests_per_second 1, request_burst 3: the fourth request at once is answered 429 with
 * Retry-After, on a connection kept open when no body follows; the handler never sees it. */
static void test_request_rate_gives_429(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls t;
    char buf[2048];
    config.requests_per_second = 1;
    config.request_burst = 3;
    ht_start(f, &config);
    assert_int_equal(ht_tls_open(&t, &f->certs, f->port), 0);
    for (int i = 0; i < 3; i++) {
        ht_tls_send(&t, HEALTH);
        assert_int_equal(ht_tls_read_response(&t, buf, sizeof buf), 200);
    }
    ht_tls_send(&t, HEALTH);
    assert_int_equal(ht_tls_read_response(&t, buf, sizeof buf), 429);
    assert_non_null(strstr(buf, "Retry-After: 1\r\n"));
    assert_null(strstr(buf, "Connection: close"));
    assert_non_null(strstr(buf, "Too many requests"));
    /* With a body to come, the refusal closes the connection. */
    ht_tls_send(&t, "POST /v1/push HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\n");
    assert_int_equal(ht_tls_read_response(&t, buf, sizeof buf), 429);
    assert_non_null(strstr(buf, "Connection: close\r\n"));
    ht_tls_read_to_close(&t, buf, sizeof buf);
    ht_tls_close(&t);
    assert_int_equal(ht_handler_calls(&f->handler), 3);
    ht_log_wait(&f->log, "http: GET /v1/health 429 ");
    ht_log_wait(&f->log, "http: POST /v1/push 429 ");
}

/* Begins an upload of declared_len bytes and sends its first byte: the server then holds a
 * buffer for it. */
static void upload_begin(struct ht_fixture *f, struct ht_tls *t, unsigned declared_len)
{
    char head[256], buf[2048];
    assert_int_equal(ht_tls_open(t, &f->certs, f->port), 0);
    snprintf(head, sizeof head, "POST /v1/push HTTP/1.1\r\nHost: localhost\r\n"
             "Content-Type: application/octet-stream\r\nContent-Length: %u\r\n"
             "Expect: 100-continue\r\n\r\n", declared_len);
    ht_tls_send(t, head);
    assert_int_equal(ht_tls_read_response(t, buf, sizeof buf), 100);
    ht_tls_send(t, "x");
}

static void send_filler(struct ht_tls *t, size_t n)
{
    char chunk[1025];
    while (n > 0) {
        size_t take = n < 1024 ? n : 1024;
        memset(chunk, 'y', take);
        chunk[take] = '\0';
        ht_tls_send(t, chunk);
        n -= take;
    }
}

/* A budget of 6,000 bytes with 4,096 held by an upload in progress: a Content-Length of
 * 1,904 still fits, 1,905 is answered 503 at once; a counted (chunked) body that crosses the
 * budget is drained and answered 503 at its end; once the upload is done, room is back. */
static void test_body_budget_gives_503(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls holder, refused;
    char echoed[8192]; /* the test handler echoes bodies of up to 4,096 bytes */
    uint8_t body[4096];
    memset(body, 'z', sizeof body);
    config.body_budget_bytes = 6000;
    ht_start(f, &config);
    upload_begin(f, &holder, 4096);

    /* The holder's byte reaches the server on another connection, maybe another thread:
     * until it has, a request of 1,905 bytes still fits and is answered 200. */
    int status = 200;
    for (int attempt = 0; attempt < 400 && status == 200; attempt++) {
        assert_int_equal(ht_tls_open(&refused, &f->certs, f->port), 0);
        ht_tls_send(&refused, "POST /v1/push HTTP/1.1\r\nHost: localhost\r\n"
                              "Content-Type: application/octet-stream\r\n"
                              "Content-Length: 1905\r\nExpect: 100-continue\r\n\r\n");
        status = ht_tls_read_response(&refused, echoed, sizeof echoed);
        if (status == 100) {
            send_filler(&refused, 1905);
            status = ht_tls_read_response(&refused, echoed, sizeof echoed);
        }
        ht_tls_close(&refused);
        if (status == 200)
            usleep(50 * 1000);
    }
    assert_int_equal(status, 503);
    assert_non_null(strstr(echoed, "Retry-After: 10\r\n"));
    assert_non_null(strstr(echoed, "Connection: close\r\n"));
    unsigned early = ht_handler_calls(&f->handler);

    struct ht_reply r = ht_post(&f->certs, f->port, "/v1/push", body, 1904, false);
    assert_int_equal(r.status, 200);
    ht_reply_free(&r);
    r = ht_post(&f->certs, f->port, "/v1/push", body, 2048, true);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.headers.bytes, "Retry-After: 10\r\n"));
    ht_reply_free(&r);
    ht_log_wait(&f->log, "http: POST /v1/push 503 in=2048 ");

    send_filler(&holder, 4095);
    assert_int_equal(ht_tls_read_response(&holder, echoed, sizeof echoed), 200);
    ht_tls_close(&holder);
    r = ht_post(&f->certs, f->port, "/v1/push", body, 2048, true);
    assert_int_equal(r.status, 200);
    ht_reply_free(&r);
    assert_int_equal(ht_handler_calls(&f->handler), early + 3);
}

/* 30 refused requests with an allowance of 2 lines a window: 2 lines, then one summary. */
static void test_refusal_flood_is_summarised(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls t;
    char buf[2048];
    config.log_lines_per_window = 2;
    config.log_window_seconds = 1;
    config.requests_per_second = 1;
    config.request_burst = 1;
    ht_start(f, &config);
    assert_int_equal(ht_tls_open(&t, &f->certs, f->port), 0);
    ht_tls_send(&t, HEALTH);
    assert_int_equal(ht_tls_read_response(&t, buf, sizeof buf), 200);
    for (int i = 0; i < 30; i++) {
        ht_tls_send(&t, HEALTH);
        int status = ht_tls_read_response(&t, buf, sizeof buf);
        assert_true(status == 429 || status == 200);
    }
    ht_tls_close(&t);
    ht_log_wait(&f->log, " more refused requests in the last ");
    /* 2 lines a window: over the test's few windows, far fewer than the 30 refusals. */
    assert_true(ht_log_count(&f->log, "http: GET /v1/health 429 ") < 30);
    assert_int_equal(ht_log_count(&f->log, " x "), ht_log_count(&f->log, " more refused "));
    assert_true(ht_log_count(&f->log, "429 x ") >= 1);
    assert_true(ht_log_count(&f->log, "; top peer 127.0.0.1") >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_header_deadline_cuts_slow_headers, ht_setup,
                                        ht_teardown),
        cmocka_unit_test_setup_teardown(test_header_deadline_waits_for_pressure, ht_setup,
                                        ht_teardown),
        cmocka_unit_test_setup_teardown(test_slow_body_is_cut, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_request_rate_gives_429, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_body_budget_gives_503, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_refusal_flood_is_summarised, ht_setup,
                                        ht_teardown),
    };
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
