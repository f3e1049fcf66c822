/* The hub's HTTPS server over real TLS on loopback, with libcurl as a post would use it
 * (verification on, the generated certificate as the only trust anchor, the key pinned):
 * round trips, refused certificates, the server's own answers, log lines, starting
 * problems, and stopping while requests are in flight. Body-size and connection limits are in
 * test_http_limits.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <microhttpd.h>

#include "http_test_support.h"

static void test_echo_round_trip(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    uint8_t body[1000];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 7); /* zero bytes included */
    memcpy(body + 100, "SECRET-MARKER", 13);
    ht_start(f, &config);

    struct ht_reply r = ht_post(&f->certs, f->port, "/v1/push", body, sizeof body, false);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, sizeof body);
    assert_memory_equal(r.body.bytes, body, sizeof body);
    assert_non_null(strstr(r.headers.bytes, "Content-Type: application/octet-stream\r\n"));
    assert_non_null(strstr(r.headers.bytes, "Cache-Control: no-store\r\n"));
    assert_null(strstr(r.headers.bytes, "Retry-After"));
    ht_reply_free(&r);
    assert_int_equal(ht_handler_calls(&f->handler), 1);
    assert_string_equal(f->handler.method, "POST");
    assert_string_equal(f->handler.path, "/v1/push");
    assert_string_equal(f->handler.content_type, "application/octet-stream");
    assert_string_equal(f->handler.peer, "127.0.0.1");
    assert_int_equal(f->handler.body_len, sizeof body);

    /* The same through "localhost": the certificate names it too. */
    struct ht_request q = {.method = "GET", .path = "/v1/health", .host = "localhost"};
    r = ht_fetch(&f->certs, f->port, &q);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    ht_reply_free(&r);
    assert_true(f->handler.body_null);
    assert_string_equal(f->handler.content_type, "(none)");

    ht_log_wait(&f->log, "http: GET /v1/health 200 in=0 out=0 peer=127.0.0.1 ms=");
    ht_log_wait(&f->log, "http: POST /v1/push 200 ");
    assert_int_equal(ht_log_count(&f->log,
                                  "http: POST /v1/push 200 in=1000 out=1000 peer=127.0.0.1 ms="),
                     1);
    assert_int_equal(ht_log_count(&f->log, "SECRET"), 0);
}

static void test_log_lines_cannot_be_forged(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    ht_start(f, &config);
    /* libmicrohttpd unescapes the path: %0A reaches the server as a newline. */
    struct ht_reply r = ht_get(&f->certs, f->port, "/a%0Ahttp:%20GET%20/forged%01");
    assert_int_equal(r.status, 200);
    ht_reply_free(&r);
    assert_string_equal(f->handler.path, "/a\nhttp: GET /forged\x01");
    ht_log_wait(&f->log, "http: GET /a?http:?GET?/forged? 200");
    pthread_mutex_lock(&f->log.lock);
    for (size_t i = 0; i < f->log.count; i++)
        for (const char *p = f->log.lines[i]; *p; p++)
            assert_true(*p >= 0x20 && *p < 0x7f);
    pthread_mutex_unlock(&f->log.lock);
}

static void test_refuses_wrong_pin_and_stranger_certificate(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    char other_pin[TLS_CERT_PIN_BYTES];
    ht_start(f, &config);
    assert_int_equal(tls_cert_pin(f->certs.other_cert, other_pin, sizeof other_pin), 0);
    assert_string_not_equal(other_pin, f->certs.pin);

    struct ht_request q = {.method = "GET", .path = "/v1/health", .pin = other_pin};
    struct ht_reply r = ht_fetch(&f->certs, f->port, &q);
    assert_int_equal(r.code, CURLE_SSL_PINNEDPUBKEYNOTMATCH);
    ht_reply_free(&r);

    /* Trusting another certificate: verification fails before any pin is looked at. */
    struct ht_request q2 = {
        .method = "GET", .path = "/v1/health", .cainfo = f->certs.other_cert, .pin = ""};
    r = ht_fetch(&f->certs, f->port, &q2);
    assert_int_equal(r.code, CURLE_PEER_FAILED_VERIFICATION);
    ht_reply_free(&r);

    /* The right certificate and pin, but a name the certificate does not carry. */
    struct ht_request q3 = {
        .method = "GET", .path = "/v1/health", .host = "hub.example", .resolve_host = true};
    r = ht_fetch(&f->certs, f->port, &q3);
    assert_int_equal(r.code, CURLE_PEER_FAILED_VERIFICATION);
    ht_reply_free(&r);
    assert_int_equal(ht_handler_calls(&f->handler), 0);
}

static void test_server_answers_for_failing_handler(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    ht_start(f, &config);

    struct ht_reply r = ht_post(&f->certs, f->port, "/fail", (const uint8_t *)"x", 1, false);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.headers.bytes, "Content-Type: text/plain; charset=utf-8\r\n"));
    assert_non_null(strstr(r.body.bytes, "nothing was applied"));
    ht_reply_free(&r);

    r = ht_get(&f->certs, f->port, "/bad-status");
    assert_int_equal(r.status, 500);
    ht_reply_free(&r);

    r = ht_get(&f->certs, f->port, "/busy");
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.headers.bytes, "Retry-After: 7\r\n"));
    assert_non_null(strstr(r.headers.bytes, "Cache-Control: no-store\r\n"));
    ht_reply_free(&r);

    r = ht_get(&f->certs, f->port, "/method");
    assert_int_equal(r.status, 405);
    assert_non_null(strstr(r.headers.bytes, "Allow: POST\r\n"));
    ht_reply_free(&r);
    assert_int_equal(ht_handler_calls(&f->handler), 4);
    ht_log_wait(&f->log, "http: POST /fail 500 in=1 ");
}

static void test_start_refusals(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct http_server *s = NULL;
    static const char *const bad_addresses[] = {"localhost", "", "999.0.0.1", "127.0.0.1:80"};
    for (size_t i = 0; i < sizeof bad_addresses / sizeof bad_addresses[0]; i++) {
        config.address = bad_addresses[i];
        assert_int_equal(http_server_start(&config, ht_handle, NULL, NULL, NULL, &s), SAE_EINVAL);
    }
    config = ht_config(&f->certs);
    config.threads = 0;
    assert_int_equal(http_server_start(&config, ht_handle, NULL, NULL, NULL, &s), SAE_EINVAL);
    config = ht_config(&f->certs);
    config.max_body_bytes = 0;
    assert_int_equal(http_server_start(&config, ht_handle, NULL, NULL, NULL, &s), SAE_EINVAL);
    config = ht_config(&f->certs);
    assert_int_equal(http_server_start(&config, NULL, NULL, NULL, NULL, &s), SAE_EINVAL);
    config.cert_pem_path = f->certs.dir;
    assert_int_equal(http_server_start(&config, ht_handle, NULL, NULL, NULL, &s), SAE_EINVAL);
    config.cert_pem_path = "/nonexistent/hub.crt";
    assert_int_equal(http_server_start(&config, ht_handle, NULL, NULL, NULL, &s), SAE_ENOTFOUND);
    /* A key that is not the certificate's: GnuTLS refuses the pair, the log says why. */
    config = ht_config(&f->certs);
    config.key_pem_path = f->certs.other_key;
    assert_int_equal(http_server_start(&config, ht_handle, NULL, ht_log_line, &f->log, &s),
                     SAE_EIO);
    assert_null(s);

    /* A port already taken. */
    config = ht_config(&f->certs);
    ht_start(f, &config);
    config.port = f->port;
    assert_int_equal(http_server_start(&config, ht_handle, NULL, ht_log_line, &f->log, &s),
                     SAE_EIO);
    assert_null(s);
    assert_true(ht_log_count(&f->log, "http: ") >= 2);
}

/* The two deadlines serve takes as options, at both edges of their ranges: the last value
 * in starts a server, the first one out is refused before anything is bound. */
static void test_deadlines_at_their_edges(void **state)
{
    struct ht_fixture *f = *state;
    static const struct {
        unsigned idle, header;
        int rc;
    } cases[] = {
        {HTTP_IDLE_TIMEOUT_MIN_S, HTTP_HEADER_TIMEOUT_MIN_S, 0},
        {HTTP_IDLE_TIMEOUT_MAX_S, HTTP_HEADER_TIMEOUT_MAX_S, 0},
        {HTTP_IDLE_TIMEOUT_MIN_S - 1, HTTP_HEADER_TIMEOUT_DEFAULT_S, SAE_EINVAL},
        {HTTP_IDLE_TIMEOUT_MAX_S + 1, HTTP_HEADER_TIMEOUT_DEFAULT_S, SAE_EINVAL},
        {HTTP_IDLE_TIMEOUT_DEFAULT_S, HTTP_HEADER_TIMEOUT_MIN_S - 1, SAE_EINVAL},
        {HTTP_IDLE_TIMEOUT_DEFAULT_S, HTTP_HEADER_TIMEOUT_MAX_S + 1, SAE_EINVAL},
    };
    struct http_server_config defaults;
    http_server_config_default(&defaults);
    assert_int_equal(defaults.timeout_seconds, HTTP_IDLE_TIMEOUT_DEFAULT_S);
    assert_int_equal(defaults.header_timeout_seconds, HTTP_HEADER_TIMEOUT_DEFAULT_S);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_server_config config = ht_config(&f->certs);
        struct http_server *s = NULL;
        config.timeout_seconds = cases[i].idle;
        config.header_timeout_seconds = cases[i].header;
        assert_int_equal(http_server_start(&config, ht_handle, NULL, NULL, NULL, &s),
                         cases[i].rc);
        assert_true((s != NULL) == (cases[i].rc == 0));
        http_server_stop(s);
    }
}

static bool ipv6_loopback_available(void)
{
    struct sockaddr_in6 addr;
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    bool ok;
    memset(&addr, 0, sizeof addr);
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    ok = fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void test_ipv6_loopback(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    if (!ipv6_loopback_available())
        skip();
    config.address = "::1";
    ht_start(f, &config);
    struct ht_request q = {.method = "GET", .path = "/v1/health", .host = "[::1]"};
    struct ht_reply r = ht_fetch(&f->certs, f->port, &q);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 200);
    ht_reply_free(&r);
    assert_string_equal(f->handler.peer, "::1");
    /* Bound to ::1 only: nothing answers on 127.0.0.1 at that port. */
    r = ht_get(&f->certs, f->port, "/v1/health");
    assert_int_equal(r.code, CURLE_COULDNT_CONNECT);
    ht_reply_free(&r);
}

struct client_call {
    struct ht_fixture *f;
    const uint8_t *body;
    size_t len;
    struct ht_reply reply;
};

static void *client_thread(void *arg)
{
    struct client_call *c = arg;
    c->reply = ht_post(&c->f->certs, c->f->port, "/slow", c->body, c->len, false);
    return NULL;
}

static void *stop_thread(void *arg)
{
    http_server_stop(arg);
    return NULL;
}

static bool port_refuses(uint16_t port)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    int err = errno;
    close(fd);
    return rc != 0 && err == ECONNREFUSED;
}

static void test_stop_lets_running_handler_finish(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    const uint8_t body[] = "a batch being merged";
    struct client_call call = {f, body, sizeof body, {0}};
    pthread_t client, stopper;
    ht_start(f, &config);
    assert_int_equal(pthread_create(&client, NULL, client_thread, &call), 0);
    ht_handler_wait_entered(&f->handler);

    assert_int_equal(pthread_create(&stopper, NULL, stop_thread, f->server), 0);
    f->server = NULL;
    ht_log_wait(&f->log, "http: stopping: no new connections; 1 request(s) in flight");
    ht_handler_release(&f->handler);

    assert_int_equal(pthread_join(client, NULL), 0);
    assert_int_equal(pthread_join(stopper, NULL), 0);
    assert_int_equal(call.reply.code, CURLE_OK);
    assert_int_equal(call.reply.status, 200);
    assert_int_equal(call.reply.body.len, sizeof body);
    assert_memory_equal(call.reply.body.bytes, body, sizeof body);
    ht_reply_free(&call.reply);
    assert_int_equal(ht_log_count(&f->log, "http: POST /slow 200 "), 1);
    assert_int_equal(ht_log_count(&f->log, "cut off"), 0);
    assert_int_equal(ht_log_count(&f->log, "http: stopped"), 1);
    assert_true(port_refuses(f->port));
}

static const char PARTIAL_UPLOAD[] = "POST /v1/push HTTP/1.1\r\nHost: localhost\r\n"
                                     "Content-Type: application/octet-stream\r\n"
                                     "Content-Length: 10\r\nExpect: 100-continue\r\n\r\n";

static void test_stop_waits_for_upload_and_refuses_new_requests(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls idle, upload;
    char buf[2048];
    pthread_t stopper;
    ht_start(f, &config);
    assert_int_equal(ht_tls_open(&idle, &f->certs, f->port), 0);
    assert_int_equal(ht_tls_open(&upload, &f->certs, f->port), 0);
    /* "100 Continue" proves the server has begun the request before stop starts. */
    ht_tls_send(&upload, PARTIAL_UPLOAD);
    assert_int_equal(ht_tls_read_response(&upload, buf, sizeof buf), 100);
    ht_tls_send(&upload, "12345");

    assert_int_equal(pthread_create(&stopper, NULL, stop_thread, f->server), 0);
    f->server = NULL;
    ht_log_wait(&f->log, "http: stopping: no new connections; 1 request(s) in flight");

    /* A request that begins now, on a connection opened before, is told to come back. */
    ht_tls_send(&idle, "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert_int_equal(ht_tls_read_response(&idle, buf, sizeof buf), 503);
    assert_non_null(strstr(buf, "Retry-After: 30\r\n"));
    assert_non_null(strstr(buf, "Connection: close\r\n"));
    ht_tls_read_to_close(&idle, buf, sizeof buf);
    ht_tls_close(&idle);

    /* The upload begun before the stop completes and gets its answer. */
    ht_tls_send(&upload, "67890");
    assert_int_equal(ht_tls_read_response(&upload, buf, sizeof buf), 200);
    assert_non_null(strstr(buf, "\r\n\r\n1234567890"));
    ht_tls_close(&upload);
    assert_int_equal(pthread_join(stopper, NULL), 0);
    assert_int_equal(ht_handler_calls(&f->handler), 1);
    assert_int_equal(ht_log_count(&f->log, "http: GET /v1/health 503 "), 1);
    assert_int_equal(ht_log_count(&f->log, "http: POST /v1/push 200 in=10 out=10 "), 1);
    assert_int_equal(ht_log_count(&f->log, "http: stopped"), 1);
}

static void test_stop_cuts_off_after_grace(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    struct ht_tls upload;
    char buf[2048];
    config.stop_grace_seconds = 1;
    ht_start(f, &config);
    assert_int_equal(ht_tls_open(&upload, &f->certs, f->port), 0);
    ht_tls_send(&upload, PARTIAL_UPLOAD);
    assert_int_equal(ht_tls_read_response(&upload, buf, sizeof buf), 100);
    /* The body never comes: stop gives up on it after the grace period. */
    http_server_stop(f->server);
    f->server = NULL;
    assert_int_equal(ht_log_count(&f->log, "1 request(s) still open after 1 s are cut off"), 1);
    assert_int_equal(ht_log_count(&f->log, "http: POST /v1/push - in=0 "), 1);
    assert_int_equal(ht_log_count(&f->log, "aborted=shutdown"), 1);
    ht_tls_read_to_close(&upload, buf, sizeof buf);
    ht_tls_close(&upload);
    assert_int_equal(ht_handler_calls(&f->handler), 0);
}

static void test_stop_of_idle_server(void **state)
{
    struct ht_fixture *f = *state;
    struct http_server_config config = ht_config(&f->certs);
    ht_start(f, &config);
    http_server_stop(f->server);
    f->server = NULL;
    http_server_stop(NULL);
    assert_int_equal(ht_log_count(&f->log, "0 request(s) in flight"), 1);
    assert_true(port_refuses(f->port));
}

/* Without a connection there is nothing to keep: refused, and the caller goes on with the
 * server's own timeout (hub/api/service.c). Keeping one is proven end to end
 * (tests/e2e/hub/test_sync_keepalive.py). */
static void test_keep_idle_refuses_what_it_cannot_keep(void **state)
{
    (void)state;
    struct http_request req;
    memset(&req, 0, sizeof req);
    assert_int_equal(http_request_keep_idle(NULL, 330), SAE_EINVAL);
    assert_int_equal(http_request_keep_idle(&req, 330), SAE_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_round_trip, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_log_lines_cannot_be_forged, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_refuses_wrong_pin_and_stranger_certificate, ht_setup,
                                        ht_teardown),
        cmocka_unit_test_setup_teardown(test_server_answers_for_failing_handler, ht_setup,
                                        ht_teardown),
        cmocka_unit_test_setup_teardown(test_start_refusals, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_deadlines_at_their_edges, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_loopback, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_stop_lets_running_handler_finish, ht_setup,
                                        ht_teardown),
        cmocka_unit_test_setup_teardown(test_stop_waits_for_upload_and_refuses_new_requests,
                                        ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_stop_cuts_off_after_grace, ht_setup, ht_teardown),
        cmocka_unit_test_setup_teardown(test_stop_of_idle_server, ht_setup, ht_teardown),
        cmocka_unit_test(test_keep_idle_refuses_what_it_cannot_keep),
    };
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
