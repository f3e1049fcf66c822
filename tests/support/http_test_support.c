/* HTTPS server test helpers (http_test_support.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http_test_support.h"

void ht_certs_make(struct ht_certs *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->dir, sizeof c->dir, "/tmp/sae-http-XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    snprintf(c->cert, sizeof c->cert, "%s/hub.crt", c->dir);
    snprintf(c->key, sizeof c->key, "%s/hub.key", c->dir);
    snprintf(c->other_cert, sizeof c->other_cert, "%s/other.crt", c->dir);
    snprintf(c->other_key, sizeof c->other_key, "%s/other.key", c->dir);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, c->cert, c->key), 0);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, c->other_cert, c->other_key), 0);
    assert_int_equal(tls_cert_pin(c->cert, c->pin, sizeof c->pin), 0);
}

void ht_certs_remove(struct ht_certs *c)
{
    const char *files[] = {c->cert, c->key, c->other_cert, c->other_key};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        assert_int_equal(unlink(files[i]), 0);
    assert_int_equal(rmdir(c->dir), 0);
}

void ht_log_init(struct ht_log *l)
{
    memset(l, 0, sizeof *l);
    assert_int_equal(pthread_mutex_init(&l->lock, NULL), 0);
    assert_int_equal(pthread_cond_init(&l->changed, NULL), 0);
}

void ht_log_free(struct ht_log *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->lines[i]);
    pthread_cond_destroy(&l->changed);
    pthread_mutex_destroy(&l->lock);
}

void ht_log_line(void *ctx, const char *line)
{
    struct ht_log *l = ctx;
    pthread_mutex_lock(&l->lock);
    if (l->count < HT_LOG_LINES)
        l->lines[l->count++] = strdup(line);
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
}

size_t ht_log_count(struct ht_log *l, const char *text)
{
    size_t n = 0;
    pthread_mutex_lock(&l->lock);
    for (size_t i = 0; i < l->count; i++)
        if (l->lines[i] && strstr(l->lines[i], text))
            n++;
    pthread_mutex_unlock(&l->lock);
    return n;
}

void ht_log_wait_n(struct ht_log *l, const char *text, size_t n)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += HT_WAIT_SECONDS;
    while (ht_log_count(l, text) < n) {
        pthread_mutex_lock(&l->lock);
        int rc = pthread_cond_timedwait(&l->changed, &l->lock, &deadline);
        pthread_mutex_unlock(&l->lock);
        if (rc != 0 && ht_log_count(l, text) < n)
            fail_msg("fewer than %zu log lines with \"%s\"", n, text);
    }
}

void ht_log_wait(struct ht_log *l, const char *text)
{
    ht_log_wait_n(l, text, 1);
}

static void ht_log_print(struct ht_log *l)
{
    pthread_mutex_lock(&l->lock);
    for (size_t i = 0; i < l->count; i++)
        print_message("log: %s\n", l->lines[i] ? l->lines[i] : "(null)");
    pthread_mutex_unlock(&l->lock);
}

struct http_server_config ht_config(const struct ht_certs *c)
{
    struct http_server_config config;
    http_server_config_default(&config);
    config.port = 0;
    config.cert_pem_path = c->cert;
    config.key_pem_path = c->key;
    config.threads = 2;
    config.max_body_bytes = 4096;
    config.timeout_seconds = HT_WAIT_SECONDS;
    config.stop_grace_seconds = HT_WAIT_SECONDS;
    /* The guard's deadlines only where a test is about them: valgrind is slow. */
    config.header_timeout_seconds = HT_WAIT_SECONDS;
    config.body_min_rate = 0;
    return config;
}

static void ht_handler_init(struct ht_handler *h)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(pthread_mutex_init(&h->lock, NULL), 0);
    assert_int_equal(pthread_cond_init(&h->changed, NULL), 0);
}

static void ht_handler_free(struct ht_handler *h)
{
    pthread_cond_destroy(&h->changed);
    pthread_mutex_destroy(&h->lock);
}

unsigned ht_handler_calls(struct ht_handler *h)
{
    pthread_mutex_lock(&h->lock);
    unsigned n = h->calls;
    pthread_mutex_unlock(&h->lock);
    return n;
}

void ht_handler_wait_entered(struct ht_handler *h)
{
    pthread_mutex_lock(&h->lock);
    while (!h->entered)
        pthread_cond_wait(&h->changed, &h->lock);
    pthread_mutex_unlock(&h->lock);
}

void ht_handler_release(struct ht_handler *h)
{
    pthread_mutex_lock(&h->lock);
    h->released = true;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
}

static int ht_echo(const struct http_request *req, struct http_response *resp)
{
    resp->status = 200;
    resp->content_type = "application/octet-stream";
    if (req->body_len == 0)
        return 0;
    resp->body = malloc(req->body_len);
    if (!resp->body)
        return -1;
    memcpy(resp->body, req->body, req->body_len);
    resp->body_len = req->body_len;
    return 0;
}

int ht_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
    struct ht_handler *h = ctx;
    pthread_mutex_lock(&h->lock);
    h->calls++;
    snprintf(h->method, sizeof h->method, "%s", req->method);
    snprintf(h->path, sizeof h->path, "%s", req->path);
    snprintf(h->content_type, sizeof h->content_type, "%s",
             req->content_type ? req->content_type : "(none)");
    snprintf(h->peer, sizeof h->peer, "%s", req->peer);
    h->body_len = req->body_len;
    h->body_null = req->body == NULL;
    pthread_mutex_unlock(&h->lock);
    if (strcmp(req->path, "/fail") == 0) {
        resp->body = malloc(16);
        resp->body_len = resp->body ? 16 : 0;
        return -1;
    }
    if (strcmp(req->path, "/bad-status") == 0) {
        resp->status = 42;
        return 0;
    }
    if (strcmp(req->path, "/busy") == 0) {
        resp->status = 503;
        resp->retry_after_seconds = 7;
        return 0;
    }
    if (strcmp(req->path, "/method") == 0) {
        resp->status = 405;
        resp->allow = "POST";
        return 0;
    }
    if (strcmp(req->path, "/slow") == 0) {
        pthread_mutex_lock(&h->lock);
        h->entered = true;
        pthread_cond_broadcast(&h->changed);
        while (!h->released)
            pthread_cond_wait(&h->changed, &h->lock);
        pthread_mutex_unlock(&h->lock);
    }
    return ht_echo(req, resp);
}

int ht_setup(void **state)
{
    struct ht_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    ht_certs_make(&f->certs);
    ht_log_init(&f->log);
    ht_handler_init(&f->handler);
    *state = f;
    return 0;
}

int ht_teardown(void **state)
{
    struct ht_fixture *f = *state;
    http_server_stop(f->server);
    ht_handler_free(&f->handler);
    ht_log_free(&f->log);
    ht_certs_remove(&f->certs);
    free(f);
    return 0;
}

void ht_start(struct ht_fixture *f, const struct http_server_config *config)
{
    int rc = http_server_start(config, ht_handle, &f->handler, ht_log_line, &f->log, &f->server);
    if (rc != 0)
        ht_log_print(&f->log);
    assert_int_equal(rc, 0);
    f->port = http_server_port(f->server);
    assert_int_not_equal(f->port, 0);
}

static size_t ht_upload_read(char *out, size_t size, size_t n, void *ctx)
{
    struct ht_upload *u = ctx;
    size_t room = size * n, left = u->len - u->sent;
    size_t take = left < room ? left : room;
    memcpy(out, u->bytes + u->sent, take);
    u->sent += take;
    return take;
}

void ht_reply_free(struct ht_reply *r)
{
    http_body_free(&r->body);
    http_body_free(&r->headers);
    memset(r, 0, sizeof *r);
}

struct ht_reply ht_fetch(const struct ht_certs *c, uint16_t port,
                         const struct ht_request *q)
{
    struct ht_reply reply;
    struct ht_upload upload = {q->body, q->body_len, 0};
    struct curl_slist *headers = NULL, *resolve = NULL;
    char url[256], entry[200];
    CURL *curl = curl_easy_init();
    memset(&reply, 0, sizeof reply);
    reply.body.max = reply.headers.max = HT_REPLY_MAX;
    assert_non_null(curl);
    snprintf(url, sizeof url, "https://%s:%u%s", q->host ? q->host : "127.0.0.1", port, q->path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    if (q->resolve_host) {
        snprintf(entry, sizeof entry, "%s:%u:127.0.0.1", q->host, port);
        resolve = curl_slist_append(NULL, entry);
        curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
    }
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CAINFO, q->cainfo ? q->cainfo : c->cert);
    curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!q->pin || *q->pin)
        curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, q->pin ? q->pin : c->pin);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)HT_WAIT_SECONDS);
    curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, (long)HT_WAIT_SECONDS * 1000);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_body_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, http_body_write);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
    if (strcmp(q->method, "POST") == 0) {
        headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        if (q->chunked) {
            headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
            curl_easy_setopt(curl, CURLOPT_READFUNCTION, ht_upload_read);
            curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
        } else {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, q->body ? (const char *)q->body : "");
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
        }
        headers = curl_slist_append(headers, q->expect_continue || q->chunked
                                                 ? "Expect: 100-continue" : "Expect:");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    }
    reply.code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
    return reply;
}

struct ht_reply ht_get(const struct ht_certs *c, uint16_t port, const char *path)
{
    struct ht_request q = {.method = "GET", .path = path};
    return ht_fetch(c, port, &q);
}

struct ht_reply ht_post(const struct ht_certs *c, uint16_t port, const char *path,
                        const uint8_t *body, size_t len, bool chunked)
{
    struct ht_request q = {
        .method = "POST", .path = path, .body = body, .body_len = len, .chunked = chunked};
    return ht_fetch(c, port, &q);
}

int ht_tls_open(struct ht_tls *t, const struct ht_certs *c, uint16_t port)
{
    struct sockaddr_in addr;
    int rc;
    memset(t, 0, sizeof *t);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    t->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(t->fd >= 0);
    assert_int_equal(connect(t->fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(gnutls_certificate_allocate_credentials(&t->creds), 0);
    assert_true(gnutls_certificate_set_x509_trust_file(t->creds, c->cert, GNUTLS_X509_FMT_PEM) == 1);
    assert_int_equal(gnutls_init(&t->session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL), 0);
    assert_int_equal(gnutls_set_default_priority(t->session), 0);
    assert_int_equal(gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->creds), 0);
    gnutls_session_set_verify_cert(t->session, "localhost", 0);
    gnutls_transport_set_int(t->session, t->fd);
    gnutls_handshake_set_timeout(t->session, HT_WAIT_SECONDS * 1000);
    gnutls_record_set_timeout(t->session, HT_WAIT_SECONDS * 1000);
    do {
        rc = gnutls_handshake(t->session);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    return rc;
}

void ht_tls_close(struct ht_tls *t)
{
    gnutls_deinit(t->session);
    gnutls_certificate_free_credentials(t->creds);
    close(t->fd);
}

void ht_tls_send(struct ht_tls *t, const char *text)
{
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = gnutls_record_send(t->session, text + done, len - done);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        assert_true(n > 0);
        done += (size_t)n;
    }
}

ssize_t ht_tls_read_to_close(struct ht_tls *t, char *out, size_t cap)
{
    size_t len = 0;
    ssize_t n;
    for (;;) {
        n = gnutls_record_recv(t->session, out + len, cap - 1 - len);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n <= 0 || (len += (size_t)n) == cap - 1)
            break;
    }
    out[len] = '\0';
    assert_int_not_equal(n, GNUTLS_E_TIMEDOUT);
    return n > 0 ? 0 : n;
}

/* The size of the response at the start of text (headers and Content-Length body), or
 * SIZE_MAX while its headers are incomplete. */
static size_t ht_response_size(const char *text)
{
    const char *end = strstr(text, "\r\n\r\n");
    const char *length = strstr(text, "Content-Length: ");
    if (!end)
        return SIZE_MAX;
    size_t body = length && length < end ? strtoul(length + 16, NULL, 10) : 0;
    return (size_t)(end + 4 - text) + body;
}

int ht_tls_read_response(struct ht_tls *t, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    while (len < ht_response_size(out)) {
        ssize_t n = gnutls_record_recv(t->session, out + len, cap - 1 - len);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        assert_true(n > 0);
        len += (size_t)n;
        out[len] = '\0';
    }
    assert_memory_equal(out, "HTTP/1.1 ", 9);
    return atoi(out + 9);
}
