/* Transport test helpers (transport_support.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>

#include "transport_support.h"
#include "store/district_key.h"

size_t ts_connections_to(uint16_t port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[512];
    size_t n = 0;
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        unsigned local_port = 0, remote_port = 0;
        if (sscanf(line, " %*u: %*x:%x %*x:%x", &local_port, &remote_port) == 2 &&
            remote_port == port)
            n++;
    }
    fclose(f);
    return n;
}

uint16_t ts_closed_port(int *fd)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(*fd >= 0);
    assert_int_equal(bind(*fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(getsockname(*fd, (struct sockaddr *)&addr, &len), 0);
    return ntohs(addr.sin_port);
}

static bool ts_raw_recv_more(gnutls_session_t session, char *buf, size_t cap,
                             size_t *len)
{
    for (;;) {
        ssize_t n = gnutls_record_recv(session, buf + *len, cap - 1 - *len);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n <= 0)
            return false;
        *len += (size_t)n;
        buf[*len] = '\0';
        return true;
    }
}

static void ts_raw_read_request(gnutls_session_t session, struct ts_raw *r)
{
    char buf[8192] = "";
    size_t len = 0;
    char *end = NULL;
    while (!(end = strstr(buf, "\r\n\r\n")))
        if (len == sizeof buf - 1 || !ts_raw_recv_more(session, buf, sizeof buf, &len))
            return;
    snprintf(r->request, sizeof r->request, "%.*s", (int)(end - buf), buf);
    if (r->early) {
        r->body_received = len - (size_t)(end + 4 - buf);
        r->served = true;
        return;
    }
    const char *length = strstr(r->request, "\r\nContent-Length: ");
    size_t want = (size_t)(end + 4 - buf) + (length ? strtoul(length + 18, NULL, 10) : 0);
    while (len < want)
        if (len == sizeof buf - 1 || !ts_raw_recv_more(session, buf, sizeof buf, &len))
            return;
    r->served = true;
}

static bool ts_raw_send(gnutls_session_t session, const uint8_t *bytes, size_t len,
                        size_t *sent)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = gnutls_record_send(session, bytes + done, len - done);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
        if (sent)
            *sent += (size_t)n;
    }
    return true;
}

static void ts_raw_serve(struct ts_raw *r, int fd)
{
    gnutls_certificate_credentials_t creds;
    gnutls_session_t session;
    struct timeval limit = {HT_WAIT_SECONDS, 0};
    int rc;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (gnutls_certificate_allocate_credentials(&creds) != 0)
        return;
    if (gnutls_certificate_set_x509_key_file(creds, r->cert, r->key, GNUTLS_X509_FMT_PEM) == 0 &&
        gnutls_init(&session, GNUTLS_SERVER | GNUTLS_NO_SIGNAL) == 0) {
        gnutls_set_default_priority(session);
        gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, creds);
        gnutls_transport_set_int(session, fd);
        gnutls_handshake_set_timeout(session, HT_WAIT_SECONDS * 1000);
        do {
            rc = gnutls_handshake(session);
        } while (rc < 0 && !gnutls_error_is_fatal(rc));
        if (rc == 0) {
            ts_raw_read_request(session, r);
            uint8_t chunk[16384];
            for (size_t i = 0; i < sizeof chunk; i++)
                chunk[i] = (uint8_t)i;
            bool ok = r->served &&
                      ts_raw_send(session, (const uint8_t *)r->head, strlen(r->head), NULL);
            while (ok && r->body_sent < r->filler_bytes) {
                size_t left = r->filler_bytes - r->body_sent;
                ok = ts_raw_send(session, chunk, left < sizeof chunk ? left : sizeof chunk,
                                 &r->body_sent);
            }
            r->send_failed = !ok;
            while (ok && r->early) {
                char sink[16384];
                ssize_t n = gnutls_record_recv(session, sink, sizeof sink);
                if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
                    continue;
                if (n <= 0)
                    break;
                r->body_received += (size_t)n;
            }
            if (ok)
                gnutls_bye(session, GNUTLS_SHUT_WR);
        }
        gnutls_deinit(session);
    }
    gnutls_certificate_free_credentials(creds);
}

static void *ts_raw_main(void *arg)
{
    struct ts_raw *r = arg;
    struct pollfd p = {r->listen_fd, POLLIN, 0};
    if (poll(&p, 1, HT_WAIT_SECONDS * 1000) == 1) {
        int fd = accept(r->listen_fd, NULL, NULL);
        if (fd >= 0) {
            ts_raw_serve(r, fd);
            close(fd);
        }
    }
    return NULL;
}

void ts_raw_start(struct ts_raw *r, const struct ht_certs *c, const char *head,
                  size_t filler_bytes, bool early)
{
    memset(r, 0, sizeof *r);
    r->early = early;
    r->cert = c->cert;
    r->key = c->key;
    r->head = head;
    r->filler_bytes = filler_bytes;
    r->port = ts_closed_port(&r->listen_fd);
    assert_int_equal(listen(r->listen_fd, 4), 0);
    assert_int_equal(pthread_create(&r->thread, NULL, ts_raw_main, r), 0);
}

void ts_raw_finish(struct ts_raw *r)
{
    assert_int_equal(pthread_join(r->thread, NULL), 0);
    close(r->listen_fd);
}

void ts_hub_start(struct ts_hub *h, const struct ht_certs *c, struct ht_log *log)
{
    struct sae_message why = {{0}};
    struct hub_store *store = NULL;
    memset(h, 0, sizeof *h);
    snprintf(h->db, sizeof h->db, "%s/" HUB_DB_FILE, c->dir);
    crypto_box_keypair(h->hub_pk, h->hub_sk);
    crypto_box_keypair(h->post_pk, h->post_sk);
    assert_int_equal(sae_origin_from_public_key(h->hub_pk, &h->hub_id), 0);
    assert_int_equal(sae_origin_from_public_key(h->post_pk, &h->post_id), 0);
    assert_int_equal(hub_store_create(h->db, "DP3AP2KB (test)", h->hub_pk, &why), 0);
    assert_int_equal(hub_store_open(h->db, HUB_BUSY_TIMEOUT_MS_DEFAULT, &store, &why), 0);
    assert_int_equal(district_key_ensure(store, store->dir), 0);
    struct hub_node node = {.id = h->post_id, .enrolled_ms = (int64_t)sae_wall_clock_ms()};
    snprintf(node.village, sizeof node.village, "35.13.12.2018"); /* Sumberanyar */
    snprintf(node.device_name, sizeof node.device_name, "laptop 1");
    memcpy(node.public_key, h->post_pk, crypto_box_PUBLICKEYBYTES);
    assert_int_equal(hub_store_node_add(store, &node), 0);
    hub_store_close(store);
    struct hub_service_config service = {h->db, h->hub_sk, h->hub_pk, 2, HUB_DRIFT_MS_DEFAULT,
                                         HUB_BUSY_TIMEOUT_MS_DEFAULT, NULL};
    int rc = hub_service_create(&service, &h->service, &why);
    if (rc != 0)
        print_error("hub_service_create: %s\n", why.text);
    assert_int_equal(rc, 0);
    struct http_server_config config = ht_config(c);
    config.max_body_bytes = SAE_WIRE_ENVELOPE_BYTES;
    assert_int_equal(http_server_start(&config, hub_service_handle, h->service, ht_log_line, log,
                                       &h->server), 0);
    h->port = http_server_port(h->server);
}

void ts_hub_stop(struct ts_hub *h)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[200];
    http_server_stop(h->server);
    hub_service_destroy(h->service);
    sodium_memzero(h->hub_sk, sizeof h->hub_sk);
    sodium_memzero(h->post_sk, sizeof h->post_sk);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", h->db, suffixes[i]);
        unlink(path);
    }
    /* The key files beside hub.db (the district key, values.key, duplicates.key). */
    static const char *const keys[] = {"district.key", "values.key", "duplicates.key"};
    size_t dir_len = strlen(h->db) - strlen(HUB_DB_FILE);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        snprintf(path, sizeof path, "%.*s%s", (int)dir_len, h->db, keys[i]);
        unlink(path);
    }
}

void ts_pull_request(const struct ts_hub *h, uint8_t **env, size_t *env_len)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_request request = {.schema_version = SAE_WIRE_SCHEMA_VERSION};
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    assert_int_equal(sae_hlc_pack(sae_wall_clock_ms(), 0, &request.clock), 0);
    assert_int_equal(sae_pull_request_encode(&request, &limits, &plain, &plain_len), 0);
    assert_int_equal(sae_envelope_seal(plain, plain_len, SAE_MSG_PULL_REQUEST, h->post_id,
                                       h->post_sk, h->hub_pk, &limits, env, env_len), 0);
    sae_wire_buffer_free(plain, plain_len);
}

static int ts_hub_key(void *ctx, uint64_t sender, uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
    const struct ts_hub *h = ctx;
    if (sender != h->hub_id)
        return SAE_ENOTFOUND;
    memcpy(pk, h->hub_pk, crypto_box_PUBLICKEYBYTES);
    return 0;
}

struct sae_pull_response *ts_open_pull_response(const struct ts_hub *h,
                                                const uint8_t *env, size_t len)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_response *response = NULL;
    uint8_t *plain = NULL, type = 0;
    size_t plain_len = 0;
    uint64_t sender = 0;
    assert_int_equal(sae_envelope_open(env, len, ts_hub_key, sae_borrow(h), h->post_sk, &limits,
                                       &type, &sender, &plain, &plain_len), 0);
    assert_int_equal(type, SAE_MSG_PULL_RESPONSE);
    assert_int_equal(sender, h->hub_id);
    assert_int_equal(sae_pull_response_decode(plain, plain_len, &limits, &response), 0);
    sae_wire_buffer_free(plain, plain_len);
    return response;
}

uint8_t *ts_pattern(size_t len)
{
    uint8_t *bytes = malloc(len);
    if (bytes)
        for (size_t i = 0; i < len; i++)
            bytes[i] = (uint8_t)(i * 7);
    return bytes;
}

static int ts_answer(const struct http_request *req, struct http_response *resp,
                     size_t len)
{
    resp->status = 200;
    resp->content_type = "application/octet-stream";
    if (len == 0 && req->body_len == 0)
        return 0;
    resp->body = len ? ts_pattern(len) : malloc(req->body_len);
    if (!resp->body)
        return -1;
    if (!len)
        memcpy(resp->body, req->body, req->body_len);
    resp->body_len = len ? len : req->body_len;
    return 0;
}

int ts_handle(void *ctx, const struct http_request *req,
              struct http_response *resp)
{
    struct ts_handler *h = ctx;
    pthread_mutex_lock(&h->lock);
    h->calls++;
    h->body_len = req->body_len;
    snprintf(h->method, sizeof h->method, "%s", req->method);
    snprintf(h->content_type, sizeof h->content_type, "%s",
             req->content_type ? req->content_type : "(none)");
    pthread_mutex_unlock(&h->lock);
    if (strcmp(req->path, "/busy") == 0) {
        resp->status = 503;
        resp->retry_after_seconds = 7;
        resp->body = (uint8_t *)strdup("busy");
        resp->body_len = resp->body ? 4 : 0;
        return resp->body ? 0 : -1;
    }
    if (strcmp(req->path, "/limit") == 0)
        return ts_answer(req, resp, TRANSPORT_RESPONSE_MAX_BYTES);
    if (strcmp(req->path, "/over") == 0)
        return ts_answer(req, resp, TRANSPORT_RESPONSE_MAX_BYTES + 1);
    int rc = ts_answer(req, resp, 0);
    if (strncmp(req->path, "/status/", 8) == 0)
        resp->status = (unsigned)atoi(req->path + 8);
    return rc;
}

unsigned ts_calls(struct ts_handler *h)
{
    pthread_mutex_lock(&h->lock);
    unsigned n = h->calls;
    pthread_mutex_unlock(&h->lock);
    return n;
}

bool ts_contains(const uint8_t *bytes, size_t len, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(bytes + i, text, n) == 0)
            return true;
    return false;
}

void ts_assert_pattern(const uint8_t *bytes, size_t len, unsigned factor)
{
    for (size_t i = 0; i < len; i++)
        if (bytes[i] != (uint8_t)(i * factor))
            fail_msg("byte %zu of the answer differs", i);
}
