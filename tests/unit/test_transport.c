/* The post's HTTPS client (node/sync/transport.c) against real TLS servers on 127.0.0.1: the
 * hub's own server (http_server) with a small test handler, a scripted raw GnuTLS server
 * for answers the hub never gives, and once a real hub (hub_service) with an enrolled post.
 * Nothing is mocked: certificates are generated, connections are counted by the kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>

#include "http_test_support.h"
#include "sync/transport.h"
#include "transport_support.h"

/* A wrong pin of the right form: the SHA-256 of no key anyone has. */
#define WRONG_PIN "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
/* A streamed answer far beyond the limit and beyond what loopback buffers can hold. */
#define STREAM_BYTES (32u * 1024 * 1024)

/* ---- fixture: certificates, log, handler, and a server on the hub's certificate ---------- */
struct tt_fixture {
    struct ht_certs certs;
    struct ht_log log;
    struct ts_handler handler;
    struct http_server *server;
    uint16_t port;
    char other_pin[TLS_CERT_PIN_BYTES];
};

static void tt_serve(struct tt_fixture *f, const char *cert, const char *key)
{
    struct http_server_config config = ht_config(&f->certs);
    config.cert_pem_path = cert;
    config.key_pem_path = key;
    http_server_stop(f->server);
    assert_int_equal(http_server_start(&config, ts_handle, &f->handler, ht_log_line, &f->log,
                                       &f->server), 0);
    f->port = http_server_port(f->server);
}

static int tt_setup(void **state)
{
    struct tt_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    ht_certs_make(&f->certs);
    ht_log_init(&f->log);
    assert_int_equal(pthread_mutex_init(&f->handler.lock, NULL), 0);
    assert_int_equal(tls_cert_pin(f->certs.other_cert, f->other_pin, sizeof f->other_pin), 0);
    tt_serve(f, f->certs.cert, f->certs.key);
    *state = f;
    return 0;
}

static int tt_teardown(void **state)
{
    struct tt_fixture *f = *state;
    http_server_stop(f->server);
    pthread_mutex_destroy(&f->handler.lock);
    ht_log_free(&f->log);
    ht_certs_remove(&f->certs);
    free(f);
    return 0;
}

/* A transport to 127.0.0.1:port trusting the keys pinned in pins. */
static struct transport *tt_open(uint16_t port, const char *pins)
{
    char url[64];
    struct transport *t = NULL;
    struct sae_message why = {{0}};
    snprintf(url, sizeof url, "https://127.0.0.1:%u", (unsigned)port);
    struct transport_config config = {.hub_url = url, .pins = pins};
    int rc = transport_create(&config, &t, &why);
    if (rc != 0)
        print_error("transport_create: %s\n", why.text);
    assert_int_equal(rc, 0);
    return t;
}

static struct transport_response tt_post(struct transport *t, const char *path,
                                         const uint8_t *body, size_t len)
{
    struct transport_response r;
    memset(&r, 0, sizeof r);
    assert_int_equal(transport_post(t, path, body, len, &r), 0);
    return r;
}

static long tt_opened(struct transport *t)
{
    long n = -1;
    assert_int_equal(transport_connections_opened(t, &n), 0);
    return n;
}

/* ---- tests -------------------------------------------------------------------------------- */

/* Bytes and status come back as sent, with the right method and Content-Type, for a body of
 * a few KiB, a small one, and an empty one (bodies that wait for "100 Continue" are those of
 * test_too_large_refused_before_sending). */
static void test_round_trip(void **state)
{
    struct tt_fixture *f = *state;
    struct transport *t = tt_open(f->port, f->certs.pin);
    uint8_t body[3000];
    randombytes_buf(body, sizeof body);
    memcpy(body + 100, "SECRET-MARKER", 13);

    struct transport_response r = tt_post(t, "/status/202", body, sizeof body);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 202);
    assert_int_equal(r.body_len, sizeof body);
    assert_memory_equal(r.body, body, sizeof body);
    assert_int_equal(r.retry_after_seconds, 0);
    assert_string_equal(r.error, "");
    transport_response_clear(&r);
    assert_null(r.body);
    assert_int_equal(r.body_len, 0);
    assert_int_equal(ts_calls(&f->handler), 1);
    assert_string_equal(f->handler.method, "POST");
    assert_string_equal(f->handler.content_type, "application/octet-stream");
    assert_int_equal(f->handler.body_len, sizeof body);

    r = tt_post(t, "/status/418", body, 10);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 418);
    assert_int_equal(r.body_len, 10);
    assert_memory_equal(r.body, body, 10);
    transport_response_clear(&r);

    r = tt_post(t, "/v1/pull", NULL, 0);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 200);
    assert_null(r.body);
    assert_int_equal(r.body_len, 0);
    transport_response_clear(&r);
    assert_int_equal(ts_calls(&f->handler), 3);
    assert_int_equal(f->handler.body_len, 0);
    assert_string_equal(f->handler.method, "POST");
    transport_destroy(t);

    ht_log_wait(&f->log, "http: POST /status/202 202 in=3000 out=3000 peer=127.0.0.1");
    assert_int_equal(ht_log_count(&f->log, "SECRET"), 0);
}

/* One handle, one connection: the kernel sees a single client socket to the server after
 * three requests, and libcurl reports that only the first connected. A second transport
 * shows that a new connection would be seen. */
static void test_connection_reused(void **state)
{
    struct tt_fixture *f = *state;
    size_t before = ts_connections_to(f->port);
    struct transport *t = tt_open(f->port, f->certs.pin);
    const uint8_t body[] = "one batch";
    for (int i = 0; i < 3; i++) {
        struct transport_response r = tt_post(t, "/v1/push", body, sizeof body);
        assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
        assert_int_equal(r.status, 200);
        transport_response_clear(&r);
        assert_int_equal(tt_opened(t), i == 0 ? 1 : 0);
    }
    assert_int_equal(ts_calls(&f->handler), 3);
    assert_int_equal(ts_connections_to(f->port), before + 1);

    struct transport *other = tt_open(f->port, f->certs.pin);
    struct transport_response r = tt_post(other, "/v1/push", body, sizeof body);
    assert_int_equal(r.status, 200);
    transport_response_clear(&r);
    assert_int_equal(tt_opened(other), 1);
    assert_int_equal(ts_connections_to(f->port), before + 2);
    transport_destroy(other);
    transport_destroy(t);
}

/* The server's key is not a pinned one: PIN_MISMATCH, every time, and no request reaches
 * the handler. */
static void test_wrong_pin(void **state)
{
    struct tt_fixture *f = *state;
    const char *pins[] = {WRONG_PIN, f->other_pin};
    const uint8_t body[] = "batch";
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        struct transport *t = tt_open(f->port, pins[i]);
        for (int attempt = 0; attempt < 2; attempt++) {
            struct transport_response r = tt_post(t, "/v1/push", body, sizeof body);
            assert_int_equal(r.outcome, TRANSPORT_PIN_MISMATCH);
            assert_int_equal(r.status, 0);
            assert_null(r.body);
            assert_non_null(strstr(r.error, "pinned public key"));
            transport_response_clear(&r);
        }
        transport_destroy(t);
    }
    assert_int_equal(ts_calls(&f->handler), 0);
}

/* The pins alone decide, with certificate verification off: a server holding another key
 * is refused although nothing else is verified (libcurl checks CURLOPT_PINNEDPUBLICKEY
 * whatever CURLOPT_SSL_VERIFYPEER says); pinning its key too ("a;b", as a post does while the
 * hub prepares a key roll) makes it answer. */
static void test_pin_refuses_another_key_with_verification_off(void **state)
{
    struct tt_fixture *f = *state;
    const uint8_t body[] = "batch";
    char both[2 * TLS_CERT_PIN_BYTES];
    tt_serve(f, f->certs.other_cert, f->certs.other_key);

    struct transport *t = tt_open(f->port, f->certs.pin);
    struct transport_response r = tt_post(t, "/v1/push", body, sizeof body);
    assert_int_equal(r.outcome, TRANSPORT_PIN_MISMATCH);
    assert_null(r.body);
    transport_response_clear(&r);
    /* New pins take effect on the next connection. */
    snprintf(both, sizeof both, "%s;%s", f->certs.pin, f->other_pin);
    assert_int_equal(transport_set_pins(t, both), 0);
    r = tt_post(t, "/v1/push", body, sizeof body);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 200);
    transport_response_clear(&r);
    assert_int_equal(transport_set_pins(t, "sha256//"), SAE_EINVAL);
    transport_destroy(t);
    assert_int_equal(ts_calls(&f->handler), 1);
}

/* A certificate of the pinned key whose validity excludes now (as a post whose date is years
 * off sees any certificate) and that names another host: the post connects, because only
 * the key counts. */
static void test_pinned_key_with_an_expired_certificate_for_another_host(void **state)
{
    struct tt_fixture *f = *state;
    const char *hosts[] = {"hub.elsewhere.example"};
    char expired[192];
    time_t now = time(NULL);
    snprintf(expired, sizeof expired, "%s/expired.crt", f->certs.dir);
    assert_int_equal(tls_cert_issue(f->certs.key, hosts, 1, now - 400 * 86400, now - 30 * 86400,
                                    expired), 0);
    tt_serve(f, expired, f->certs.key);
    struct transport *t = tt_open(f->port, f->certs.pin);
    const uint8_t body[] = "batch";
    struct transport_response r = tt_post(t, "/v1/push", body, sizeof body);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 200);
    transport_response_clear(&r);
    transport_destroy(t);
    assert_int_equal(unlink(expired), 0);
}

static void test_nothing_listening(void **state)
{
    struct tt_fixture *f = *state;
    int fd = -1;
    uint16_t port = ts_closed_port(&fd);
    struct transport *t = tt_open(port, f->certs.pin);
    const uint8_t body[] = "batch";
    struct transport_response r = tt_post(t, "/v1/push", body, sizeof body);
    assert_int_equal(r.outcome, TRANSPORT_UNREACHABLE);
    assert_int_equal(r.status, 0);
    assert_null(r.body);
    assert_string_equal(r.error, "Couldn't connect to server (Connection refused)");
    transport_response_clear(&r);
    transport_destroy(t);
    close(fd);
}

/* One answer from the scripted server to body, through a fresh transport that trusts it. */
static struct transport_response tt_scripted_post(struct tt_fixture *f, struct ts_raw *raw,
                                                  const char *head, size_t filler_bytes,
                                                  bool early, const uint8_t *body, size_t len)
{
    ts_raw_start(raw, &f->certs, head, filler_bytes, early);
    struct transport *t = tt_open(raw->port, f->certs.pin);
    struct transport_response r = tt_post(t, "/v1/pull", body, len);
    transport_destroy(t);
    ts_raw_finish(raw);
    assert_true(raw->served);
    assert_non_null(strstr(raw->request, "POST /v1/pull HTTP/1.1\r\n"));
    assert_non_null(strstr(raw->request, "\r\nContent-Type: application/octet-stream"));
    return r;
}

static struct transport_response tt_scripted(struct tt_fixture *f, struct ts_raw *raw,
                                             const char *head, size_t filler_bytes)
{
    static const uint8_t body[] = "pull";
    return tt_scripted_post(f, raw, head, filler_bytes, false, body, sizeof body);
}

static unsigned tt_retry_after(struct tt_fixture *f, const char *header)
{
    char head[256];
    struct ts_raw raw;
    snprintf(head, sizeof head,
             "HTTP/1.1 503 Service Unavailable\r\n%s\r\nContent-Length: 0\r\n"
             "Connection: close\r\n\r\n", header);
    struct transport_response r = tt_scripted(f, &raw, head, 0);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 503);
    unsigned seconds = r.retry_after_seconds;
    transport_response_clear(&r);
    return seconds;
}

/* Retry-After in seconds is read from the hub's 503 and forgotten on the next answer;
 * the date form and malformed values give 0, and a huge value is read as a day. */
static void test_retry_after(void **state)
{
    struct tt_fixture *f = *state;
    struct transport *t = tt_open(f->port, f->certs.pin);
    const uint8_t body[] = "batch";
    struct transport_response r = tt_post(t, "/busy", body, sizeof body);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 503);
    assert_int_equal(r.retry_after_seconds, 7);
    assert_int_equal(r.body_len, 4);
    assert_memory_equal(r.body, "busy", 4);
    transport_response_clear(&r);
    r = tt_post(t, "/v1/push", body, sizeof body);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.retry_after_seconds, 0);
    transport_response_clear(&r);
    transport_destroy(t);

    assert_int_equal(tt_retry_after(f, "retry-after:   42  "), 42);
    assert_int_equal(tt_retry_after(f, "Retry-After: 86400"), 86400);
    assert_int_equal(tt_retry_after(f, "Retry-After: 99999999999999999999999"), 86400);
    assert_int_equal(tt_retry_after(f, "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT"), 0);
    assert_int_equal(tt_retry_after(f, "Retry-After: 12abc"), 0);
    assert_int_equal(tt_retry_after(f, "Retry-After: -5"), 0);
    assert_int_equal(tt_retry_after(f, "Retry-After:"), 0);
    assert_int_equal(tt_retry_after(f, "X-Retry-After: 9"), 0);
}

/* Answers up to TRANSPORT_RESPONSE_MAX_BYTES arrive whole; one byte more is refused,
 * whether announced by Content-Length (refused before the body) or streamed without it
 * (cut off at the limit: the server could not send the rest). */
static void test_response_limit(void **state)
{
    struct tt_fixture *f = *state;
    struct transport *t = tt_open(f->port, f->certs.pin);
    const uint8_t body[] = "pull";
    struct transport_response r = tt_post(t, "/limit", body, sizeof body);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, TRANSPORT_RESPONSE_MAX_BYTES);
    ts_assert_pattern(r.body, r.body_len, 7);
    transport_response_clear(&r);

    r = tt_post(t, "/over", body, sizeof body);
    assert_int_equal(r.outcome, TRANSPORT_UNREACHABLE);
    assert_int_equal(r.status, 0);
    assert_null(r.body);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(r.error, "the hub's answer is larger than 2101248 bytes");
    transport_response_clear(&r);
    transport_destroy(t);

    static const char stream_head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream"
                                      "\r\nConnection: close\r\n\r\n";
    struct ts_raw raw;
    r = tt_scripted(f, &raw, stream_head, TRANSPORT_RESPONSE_MAX_BYTES);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.body_len, TRANSPORT_RESPONSE_MAX_BYTES);
    ts_assert_pattern(r.body, r.body_len, 1);
    transport_response_clear(&r);
    assert_false(raw.send_failed);

    r = tt_scripted(f, &raw, stream_head, STREAM_BYTES);
    assert_int_equal(r.outcome, TRANSPORT_UNREACHABLE);
    assert_null(r.body);
    assert_int_equal(r.body_len, 0);
    assert_non_null(strstr(r.error, "larger than"));
    transport_response_clear(&r);
    assert_true(raw.send_failed);
    assert_true(raw.body_sent < STREAM_BYTES);
    print_message("streamed answer cut off: the server sent %zu of %u bytes\n", raw.body_sent,
                  STREAM_BYTES);
}

static void tt_refused_config(const char *url, const char *pins, const char *why_contains)
{
    struct transport *sentinel = (struct transport *)&sentinel, *t = sentinel;
    struct sae_message why = {{0}};
    struct transport_config config = {.hub_url = url, .pins = pins};
    assert_int_equal(transport_create(&config, &t, &why), SAE_EINVAL);
    assert_ptr_equal(t, sentinel);
    if (!strstr(why.text, why_contains))
        fail_msg("\"%s\" does not say \"%s\"", why.text, why_contains);
}

/* http:// and anything but https://host:port is refused with a reason, as are pins of the
 * wrong form (at most 4) and requests the transport must not send. */
static void test_bad_arguments(void **state)
{
    struct tt_fixture *f = *state;
    const char *pin = f->certs.pin;
    char pins[6 * TLS_CERT_PIN_BYTES];
    tt_refused_config("http://127.0.0.1:8443", pin, "must start with https://");
    tt_refused_config("ftp://127.0.0.1", pin, "must start with https://");
    tt_refused_config("127.0.0.1:8443", pin, "must start with https://");
    tt_refused_config(NULL, pin, "must start with https://");
    tt_refused_config("https://", pin, "is not a valid URL");
    tt_refused_config("https://post:secret@127.0.0.1:8443", pin, "https://host:port only");
    tt_refused_config("https://127.0.0.1:8443?x=1", pin, "https://host:port only");
    tt_refused_config("https://127.0.0.1:8443/v1", pin, "must not have a path");
    tt_refused_config("https://127.0.0.1:8443", "", "sha256//");
    tt_refused_config("https://127.0.0.1:8443", "sha256//", "sha256//");
    tt_refused_config("https://127.0.0.1:8443", NULL, "sha256//");
    snprintf(pins, sizeof pins, "%s;", pin);
    tt_refused_config("https://127.0.0.1:8443", pins, "sha256//");
    /* Four pins are the limit; a fifth is refused. */
    snprintf(pins, sizeof pins, "%s;%s;%s;%s", pin, f->other_pin, WRONG_PIN,
             "sha256//BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=");
    struct transport_config four = {.hub_url = "https://127.0.0.1:8443", .pins = pins};
    struct transport *t = NULL;
    struct sae_message why = {{0}};
    assert_int_equal(transport_create(&four, &t, &why), 0);
    transport_destroy(t);
    strcat(pins, ";sha256//CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA=");
    tt_refused_config("https://127.0.0.1:8443", pins, "at most 4");

    t = tt_open(f->port, f->certs.pin);
    struct transport_response untouched = {.status = 12345};
    const char *paths[] = {NULL, "", "v1/push", "/v1/push?x=1", "/v1/push#x", "/v1/ push"};
    uint8_t *big = calloc(1, SAE_WIRE_ENVELOPE_BYTES + 1);
    assert_non_null(big);
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        assert_int_equal(transport_post(t, paths[i], big, 4, &untouched), SAE_EINVAL);
    assert_int_equal(transport_post(t, "/v1/push", NULL, 4, &untouched), SAE_EINVAL);
    assert_int_equal(transport_post(t, "/v1/push", big, SAE_WIRE_ENVELOPE_BYTES + 1, &untouched),
                     SAE_EINVAL);
    assert_int_equal(transport_post(NULL, "/v1/push", big, 4, &untouched), SAE_EINVAL);
    assert_int_equal(transport_post(t, "/v1/push", big, 4, NULL), SAE_EINVAL);
    assert_int_equal(untouched.status, 12345);
    assert_int_equal(ts_calls(&f->handler), 0);

    /* The largest body accepted goes out (and this server, limited to 4096 bytes, refuses
     * it); upper-case scheme letters are the same scheme. */
    transport_destroy(t);
    char url[64];
    snprintf(url, sizeof url, "HTTPS://127.0.0.1:%u", (unsigned)f->port);
    struct transport_config config = {.hub_url = url, .pins = pin};
    assert_int_equal(transport_create(&config, &t, &why), 0);
    struct transport_response r = tt_post(t, "/v1/push", big, SAE_WIRE_ENVELOPE_BYTES);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 413);
    transport_response_clear(&r);
    free(big);
    transport_destroy(t);
    transport_destroy(NULL);
    transport_response_clear(NULL);
}

/* A body over the hub's limit is refused from its Content-Length while the client waits for
 * "100 Continue": every time a 413 from the hub's server, its handler never called, no body
 * byte received. A server that answers 413 right after the headers and then counts what
 * still arrives receives no byte of the body; a body of up to EXPECT_MIN_BYTES (256 KiB) goes
 * out at once (no round trip lost waiting for "100"): a small one arrives whole, a large one
 * may be cut short by the early answer. */
static void test_too_large_refused_before_sending(void **state)
{
    struct tt_fixture *f = *state;
    const size_t len = 1024 * 1024, tries = 8;
    uint8_t *body = ts_pattern(len);
    assert_non_null(body);
    struct transport *t = tt_open(f->port, f->certs.pin);
    for (size_t i = 0; i < tries; i++) {
        struct transport_response r = tt_post(t, "/v1/push", body, len);
        assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
        assert_int_equal(r.status, 413);
        assert_non_null(r.body);
        transport_response_clear(&r);
    }
    transport_destroy(t);
    ht_log_wait_n(&f->log, "http: POST /v1/push 413 ", tries);
    assert_int_equal(ht_log_count(&f->log, "http: POST /v1/push 413 in=0 "), tries);
    assert_int_equal(ts_calls(&f->handler), 0);

    static const char refuse[] = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n";
    const size_t sizes[] = {len, 256 * 1024 + 1, 256 * 1024, 10};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct ts_raw raw;
        struct transport_response r = tt_scripted_post(f, &raw, refuse, 0, true, body, sizes[i]);
        assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
        assert_int_equal(r.status, 413);
        transport_response_clear(&r);
        bool waits = strstr(raw.request, "\r\nExpect: 100-continue") != NULL;
        assert_int_equal(waits, sizes[i] > 256 * 1024);
        if (waits)
            assert_int_equal(raw.body_received, 0);
        else if (sizes[i] <= 1024)
            assert_int_equal(raw.body_received, sizes[i]);
    }
    free(body);
}

/* A real hub: a sealed pull from an enrolled post is answered 200 with a PullResponse the
 * post opens; bytes that are no envelope are answered 400 with a sentence. */
static void test_real_hub(void **state)
{
    struct tt_fixture *f = *state;
    struct ts_hub hub;
    ts_hub_start(&hub, &f->certs, &f->log);
    struct transport *t = tt_open(hub.port, f->certs.pin);
    uint8_t *env = NULL;
    size_t env_len = 0;
    ts_pull_request(&hub, &env, &env_len);

    struct transport_response r = tt_post(t, "/v1/pull", env, env_len);
    free(env);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 200);
    struct sae_pull_response *pulled = ts_open_pull_response(&hub, r.body, r.body_len);
    assert_int_equal(pulled->change_count, 0);
    assert_false(pulled->more);
    assert_true(pulled->hub_clock > 0);
    sae_pull_response_free(pulled);
    transport_response_clear(&r);

    const uint8_t junk[] = "this is not an envelope of any protocol at all, just words";
    r = tt_post(t, "/v1/push", junk, sizeof junk);
    assert_int_equal(r.outcome, TRANSPORT_ANSWERED);
    assert_int_equal(r.status, 400);
    assert_true(r.body_len > 0);
    assert_true(ts_contains(r.body, r.body_len, "not an envelope"));
    transport_response_clear(&r);
    assert_int_equal(tt_opened(t), 0);
    transport_destroy(t);
    ts_hub_stop(&hub);
}

static int tt_global_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(transport_global_init(), 0);
    return 0;
}

static int tt_global_teardown(void **state)
{
    (void)state;
    transport_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_connection_reused, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_pin, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_pin_refuses_another_key_with_verification_off,
                                        tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_pinned_key_with_an_expired_certificate_for_another_host,
                                        tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_nothing_listening, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_retry_after, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_response_limit, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_too_large_refused_before_sending, tt_setup,
                                        tt_teardown),
        cmocka_unit_test_setup_teardown(test_real_hub, tt_setup, tt_teardown),
    };
    return cmocka_run_group_tests(tests, tt_global_setup, tt_global_teardown);
}
