/* The limits the hub's HTTPS server enforces before any handler code runs, over real TLS on
 * loopback: body size (declared and counted), connections per address, idle timeout, and
 * the connections fitted to the open-file limit. The server's limit is 4096 bytes here
 * (ht_config). Deadlines, request rate, body budget and the log limit: test_http_guard.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/resource.h>
#include <sys/wait.h>

#include "http_test_support.h"

#define LIMIT 4096u

static uint8_t *pattern(size_t len)
{
    uint8_t *bytes = malloc(len);
    assert_non_null(bytes);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (uint8_t)(i % 251);
    return bytes;
}

static void test_body_at_limit_accepted(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    uint8_t *body = pattern(LIMIT);
    assert_int_equal(config.max_body_bytes, LIMIT);
    ht_start(f, &config);
    for (int chunked = 0; chunked <= 1; chunked++) {
        struct ht_reply r = ht_post(&f->certs, f->port, "/v1/push", body, LIMIT, chunked);
        assert_int_equal(r.code, CURLE_OK);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body.len, LIMIT);
        assert_memory_equal(r.body.bytes, body, LIMIT);
        ht_reply_free(&r);
    }
    free(body);
    assert_int_equal(ht_handler_calls(&f->handler), 2);
    ht_log_wait_n(&f->log, "http: POST /v1/push 200 in=4096 out=4096 ", 2);
}

/* Declared too large: 413 from the headers alone, the handler never called. */
static void test_content_length_over_limit_refused_unread(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls t;
    char buf[2048];
    uint8_t *body = pattern(LIMIT + 1);
    ht_start(f, &config);

    /* Headers only: the body is never sent, yet the answer comes, and the connection ends. */
    assert_int_equal(ht_tls_open(&t, &f->certs, f->port), 0);
    ht_tls_send(&t, "POST /v1/push HTTP/1.1\r\nHost: localhost\r\n"
                    "Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n");
    assert_int_equal(ht_tls_read_response(&t, buf, sizeof buf), 413);
    assert_non_null(strstr(buf, "Connection: close\r\n"));
    assert_non_null(strstr(buf, "larger than the hub accepts"));
    ht_tls_read_to_close(&t, buf, sizeof buf);
    ht_tls_close(&t);

    /* One byte over, from curl asking for 100-continue as a post on a slow link should: the
     * refusal comes before the body is sent. */
    struct ht_request q = {.method = "POST", .path = "/v1/push", .body = body,
                           .body_len = LIMIT + 1, .expect_continue = true};
    struct ht_reply r = ht_fetch(&f->certs, f->port, &q);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 413);
    ht_reply_free(&r);
    free(body);
    assert_int_equal(ht_handler_calls(&f->handler), 0);
    ht_log_wait(&f->log, "http: POST /v1/push 413 in=0 ");
}

/* Not declared (chunked): counted as it arrives, 413 once past the limit. */
static void test_chunked_over_limit_refused(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    uint8_t *body = pattern(LIMIT + 1);
    ht_start(f, &config);
    struct ht_reply r = ht_post(&f->certs, f->port, "/v1/push", body, LIMIT + 1, true);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.headers.bytes, "Connection: close\r\n"));
    ht_reply_free(&r);
    free(body);
    assert_int_equal(ht_handler_calls(&f->handler), 0);
    ht_log_wait(&f->log, "http: POST /v1/push 413 in=4097 ");
}

/* Far past the limit the sender is cut off without an answer. */
static void test_chunked_far_over_limit_closed(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    size_t len = 8 * LIMIT;
    uint8_t *body = pattern(len);
    ht_start(f, &config);
    struct ht_reply r = ht_post(&f->certs, f->port, "/v1/push", body, len, true);
    assert_int_not_equal(r.code, CURLE_OK);
    assert_int_not_equal(r.status, 200);
    ht_reply_free(&r);
    free(body);
    assert_int_equal(ht_handler_calls(&f->handler), 0);
    ht_log_wait(&f->log, "http: POST /v1/push - in=");
    assert_int_equal(ht_log_count(&f->log, " aborted="), 1);
}

/* The per-address limit (changed on purpose from a refusal at the limit, which let 32 idle
 * connections lock out every post behind one NAT address): at the limit, a new connection
 * takes the place of the address's oldest one still waiting for request headers; only when
 * every one is in a request is it refused. */
static const char SLOW_UPLOAD[] = "POST /v1/push HTTP/1.1\r\nHost: localhost\r\n"
                                  "Content-Type: application/octet-stream\r\n"
                                  "Content-Length: 10\r\nExpect: 100-continue\r\n\r\n";

static void test_per_ip_connection_limit(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls a, b, c, d;
    char buf[2048];
    config.per_ip_connections = 2;
    ht_start(f, &config);
    assert_int_equal(ht_tls_open(&a, &f->certs, f->port), 0);
    assert_int_equal(ht_tls_open(&b, &f->certs, f->port), 0);
    /* The third from the same address is admitted; a, the oldest idle one, is closed. */
    assert_int_equal(ht_tls_open(&c, &f->certs, f->port), 0);
    ht_tls_read_to_close(&a, buf, sizeof buf);
    assert_string_equal(buf, "");
    ht_tls_close(&a);
    ht_log_wait(&f->log, "http: connection from 127.0.0.1 closed after ");

    /* b and c begin uploads: both are in a request, so a fourth finds no one to replace and
     * is closed before its handshake completes. */
    ht_tls_send(&b, SLOW_UPLOAD);
    assert_int_equal(ht_tls_read_response(&b, buf, sizeof buf), 100);
    ht_tls_send(&c, SLOW_UPLOAD);
    assert_int_equal(ht_tls_read_response(&c, buf, sizeof buf), 100);
    assert_true(ht_tls_open(&d, &f->certs, f->port) < 0);
    ht_tls_close(&d);
    ht_log_wait(&f->log, "http: connection from 127.0.0.1 refused: ");

    /* The two admitted finish their uploads. */
    ht_tls_send(&b, "0123456789");
    assert_int_equal(ht_tls_read_response(&b, buf, sizeof buf), 200);
    ht_tls_send(&c, "0123456789");
    assert_int_equal(ht_tls_read_response(&c, buf, sizeof buf), 200);

    /* Once one closes, a new connection is admitted (when the server has noticed). */
    ht_tls_close(&b);
    int rc = -1;
    for (int attempt = 0; attempt < 400 && rc != 0; attempt++) {
        rc = ht_tls_open(&d, &f->certs, f->port);
        ht_tls_close(&d);
        if (rc != 0)
            usleep(50 * 1000);
    }
    assert_int_equal(rc, 0);
    ht_tls_close(&c);
    assert_int_equal(ht_handler_calls(&f->handler), 2);
}

static void test_idle_connection_timed_out(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls idle, stalled;
    char buf[2048];
    config.timeout_seconds = 2;
    ht_start(f, &config);

    /* A connection that never sends a request is closed by the server, not by the test's own
     * (much longer) receive timeout, which ht_tls_read_to_close would fail on. */
    assert_int_equal(ht_tls_open(&idle, &f->certs, f->port), 0);
    ht_tls_read_to_close(&idle, buf, sizeof buf);
    assert_string_equal(buf, "");
    ht_tls_close(&idle);

    /* A request whose body stops coming is cut off and logged as such. */
    assert_int_equal(ht_tls_open(&stalled, &f->certs, f->port), 0);
    ht_tls_send(&stalled, "POST /v1/push HTTP/1.1\r\nHost: localhost\r\n"
                          "Content-Length: 100\r\n\r\nonly a few bytes");
    ht_tls_read_to_close(&stalled, buf, sizeof buf);
    assert_string_equal(buf, "");
    ht_tls_close(&stalled);
    ht_log_wait(&f->log, "http: POST /v1/push - in=16 out=0 peer=127.0.0.1 ms=");
    assert_int_equal(ht_log_count(&f->log, "aborted=timeout"), 1);
    assert_int_equal(ht_handler_calls(&f->handler), 0);
}

static void assert_fitted(unsigned long files, int rc, unsigned max, unsigned per_ip)
{
    struct http_server_config c;
    http_server_config_default(&c);
    assert_int_equal(http_server_config_fit(&c, files), rc);
    assert_int_equal(c.max_connections, max);
    assert_int_equal(c.per_ip_connections, per_ip);
}

/* 128 files are kept for everything else; at most 4,096 connections, at least 64; an address
 * gets a quarter of them when that is less than 256. */
static void test_connections_fit_the_open_file_limit(void **state)
{
    (void)state;
    assert_fitted(1000000, 0, 4096, 256);
    assert_fitted(4224, 0, 4096, 256);
    assert_fitted(4223, 0, 4095, 256);
    assert_fitted(1152, 0, 1024, 256);
    assert_fitted(1151, 0, 1023, 255);
    assert_fitted(192, 0, 64, 16);
    assert_fitted(191, SAE_ERANGE, 4096, 256); /* refused: the config unchanged */
    assert_fitted(0, SAE_ERANGE, 4096, 256);
}

/* serve raises its soft limit to the hard one before fitting. In a child process, so that
 * the test's own limit stays as it is. */
static void test_soft_file_limit_raised_to_hard(void **state)
{
    struct rlimit limit;
    unsigned long files = 0;
    int pipe_fds[2], status = 0;
    (void)state;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &limit), 0);
    if (limit.rlim_max < 4224 || limit.rlim_max == RLIM_INFINITY)
        skip();
    assert_int_equal(pipe(pipe_fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit low = {200, limit.rlim_max};
        struct http_server_config c;
        http_server_config_default(&c);
        if (setrlimit(RLIMIT_NOFILE, &low) != 0 || http_server_config_fit_files(&c, &files) != 0 ||
            c.max_connections != HTTP_SERVER_CONNECTIONS_MAX)
            files = 0;
        _exit(write(pipe_fds[1], &files, sizeof files) == (ssize_t)sizeof files ? 0 : 1);
    }
    close(pipe_fds[1]);
    assert_int_equal(read(pipe_fds[0], &files, sizeof files), sizeof files);
    close(pipe_fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(files, limit.rlim_max);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_body_at_limit_accepted, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_content_length_over_limit_refused_unread, ht_setup,
                                        ht_teardown),
        cmocka_unit_test_setup_teardown(test_chunked_over_limit_refused, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_chunked_far_over_limit_closed, ht_setup,
                                        ht_teardown),
        cmocka_unit_test_setup_teardown(test_per_ip_connection_limit, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_idle_connection_timed_out, ht_setup, ht_teardown),
        cmocka_unit_test(test_connections_fit_the_open_file_limit),
        cmocka_unit_test(test_soft_file_limit_raised_to_hard),
    };
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
