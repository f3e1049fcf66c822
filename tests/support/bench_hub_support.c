/* Hub benchmark helpers (bench_hub_support.h). */
#define _XOPEN_SOURCE 700

#include <ftw.h>

#include "bench_hub_support.h"

#include <errno.h>
#include <stdlib.h>
#include "sae/sae_borrow.h"
#include "sae/sae_hlc.h"
#include "store/district_key.h"
#include "store/value_vault.h"

double hb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int hb_env_count(const char *name, size_t fallback, size_t max, size_t *out)
{
    const char *text = getenv(name);
    char *end = NULL;
    if (!text || !*text) {
        *out = fallback;
        return 0;
    }
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || text[0] == '-' || n < 1 || n > max)
        return SAE_EINVAL;
    *out = (size_t)n;
    return 0;
}

int hb_scratch_make(const char *name, char *path, size_t size)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/var/tmp";
    if (snprintf(path, size, "%s/sae-%s-XXXXXX", base, name) >= (int)size)
        return SAE_EINVAL;
    return mkdtemp(path) ? 0 : SAE_EIO;
}

static int hb_remove_entry(const char *path, const struct stat *st, int type,
                           struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

int hb_scratch_remove(const char *dir)
{
    return nftw(dir, hb_remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : SAE_EIO;
}

static void hb_log_line(void *ctx, const char *line)
{
    struct hb_log *log = ctx;
    pthread_mutex_lock(&log->lock);
    char method[16], path[200];
    int status = 0;
    /* Any request answered 200 in full (pushes, and the pulls and pages of bench_hub_day). */
    if (sscanf(line, "http: %15s %199s %d", method, path, &status) == 3 && status == 200 &&
        !strstr(line, "aborted=")) {
        log->ok++;
    } else if (strncmp(line, "http: stop", 10) != 0) {
        if (log->unusual < HB_LOG_KEEP)
            snprintf(log->kept[log->unusual], sizeof log->kept[0], "%s", line);
        log->unusual++;
    }
    pthread_mutex_unlock(&log->lock);
}

static int hb_hub_files(struct hb_hub *h, const char *dir, struct sae_message *why)
{
    if (snprintf(h->db_path, sizeof h->db_path, "%s/" HUB_DB_FILE, dir) >= (int)sizeof h->db_path ||
        snprintf(h->cert, sizeof h->cert, "%s/tls.crt", dir) >= (int)sizeof h->cert ||
        snprintf(h->key, sizeof h->key, "%s/tls.key", dir) >= (int)sizeof h->key)
        return SAE_EINVAL;
    uint8_t seed[crypto_box_SEEDBYTES];
    memset(seed, 0x48, sizeof seed); /* fixed: the same hub identity every run */
    crypto_box_seed_keypair(h->pk, h->sk, seed);
    int rc = sae_origin_from_public_key(h->pk, &h->id);
    if (rc == 0)
        rc = hub_store_create(h->db_path, HB_HUB_NAME, h->pk, why);
    if (rc == 0 && (rc = tls_cert_create_self_signed(NULL, 0, 30, h->cert, h->key)) != 0)
        sae_message_set(why, "cannot make the TLS certificate");
    if (rc == 0 && (rc = tls_cert_pin(h->cert, h->pin, sizeof h->pin)) != 0)
        sae_message_set(why, "cannot read the certificate's pin");
    return rc;
}

void hb_hub_stop(struct hb_hub *h)
{
    http_server_stop(h->server);
    h->server = NULL;
    hub_service_destroy(h->service);
    h->service = NULL;
    console_destroy(h->console);
    h->console = NULL;
    hub_store_close(h->admin);
    h->admin = NULL;
    if (h->log_ready)
        pthread_mutex_destroy(&h->log.lock);
    h->log_ready = false;
    sodium_memzero(h->sk, sizeof h->sk);
}

static int hb_hub_start_with(struct hb_hub *h, const char *dir, bool console,
                             struct sae_message *why)
{
    memset(h, 0, sizeof *h);
    int rc = hb_hub_files(h, dir, why);
    if (rc == 0)
        rc = hub_store_open(h->db_path, HUB_BUSY_TIMEOUT_MS_DEFAULT, &h->admin, why);
    /* As init makes it: sensitive values are sealed to it; the admin connection reads them
     * opened with it, as a coordinator would. */
    if (rc == 0)
        rc = district_key_ensure(h->admin, h->admin->dir);
    unsigned char *secret = NULL;
    if (rc == 0)
        rc = district_key_unclaimed(h->admin->dir, &secret);
    if (rc == 0)
        value_vault_lend_owned(h->admin, secret);
    struct hub_service_config service = {h->db_path, h->sk, h->pk, HB_SERVICE_CONNECTIONS,
                                         HUB_DRIFT_MS_DEFAULT, HUB_BUSY_TIMEOUT_MS_DEFAULT, NULL};
    if (rc == 0)
        rc = hub_service_create(&service, &h->service, why);
    if (rc == 0 && console)
        rc = console_create(h->db_path, HUB_BUSY_TIMEOUT_MS_DEFAULT, &h->console, why);
    h->routes = (struct hub_routes){h->service, h->console};
    if (rc == 0)
        rc = pthread_mutex_init(&h->log.lock, NULL) == 0 ? 0 : SAE_ENOMEM;
    h->log_ready = rc == 0;
    struct http_server_config config;
    http_server_config_default(&config);
    config.address = "127.0.0.1";
    config.port = 0;
    config.cert_pem_path = h->cert;
    config.key_pem_path = h->key;
    if (rc == 0 && (rc = http_server_start(&config, hub_routes_handle, &h->routes, hb_log_line,
                                           &h->log, &h->server)) != 0)
        sae_message_set(why, "the HTTPS server did not start");
    if (rc == 0) {
        unsigned port = (unsigned)http_server_port(h->server);
        snprintf(h->base, sizeof h->base, "https://127.0.0.1:%u", port);
        snprintf(h->url, sizeof h->url, "https://127.0.0.1:%u/v1/push", port);
        snprintf(h->pull_url, sizeof h->pull_url, "https://127.0.0.1:%u/v1/pull", port);
    }
    if (rc != 0)
        hb_hub_stop(h);
    return rc;
}

int hb_hub_start(struct hb_hub *h, const char *dir, struct sae_message *why)
{
    return hb_hub_start_with(h, dir, false, why);
}

int hb_hub_start_console(struct hb_hub *h, const char *dir, struct sae_message *why)
{
    return hb_hub_start_with(h, dir, true, why);
}

static size_t hb_written_slot(const struct hb_post *p, const struct sae_id *report,
                              const char *field)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < SAE_ID_BYTES; i++)
        h = (h ^ report->bytes[i]) * UINT64_C(0x100000001b3);
    for (const char *c = field; *c; c++)
        h = (h ^ (uint8_t)*c) * UINT64_C(0x100000001b3);
    size_t i = (size_t)h & (p->written_cap - 1);
    while (p->written[i].field && (memcmp(&p->written[i].report, report, sizeof *report) != 0 ||
                                   strcmp(p->written[i].field, field) != 0))
        i = (i + 1) & (p->written_cap - 1);
    return i;
}

static int hb_written_grow(struct hb_post *p)
{
    struct hb_written *old = p->written;
    size_t old_cap = p->written_cap;
    p->written_cap = old_cap ? old_cap * 2 : 256;
    p->written = calloc(p->written_cap, sizeof *p->written);
    if (!p->written) {
        p->written = old;
        p->written_cap = old_cap;
        return SAE_ENOMEM;
    }
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].field)
            p->written[hb_written_slot(p, &old[i].report, old[i].field)] = old[i];
    free(old);
    return 0;
}

int hb_post_init(struct hb_post *p, uint64_t seed, uint32_t index,
                 const char *village)
{
    uint8_t key_seed[crypto_box_SEEDBYTES] = {0};
    memset(p, 0, sizeof *p);
    memcpy(key_seed, &index, sizeof index);
    memcpy(key_seed + sizeof index, &seed, sizeof seed);
    crypto_box_seed_keypair(p->who.pk, p->who.sk, key_seed);
    int rc = sae_origin_from_public_key(p->who.pk, &p->who.id);
    if (rc != 0)
        return rc;
    snprintf(p->who.village, sizeof p->who.village, "%s", village);
    /* The narratives name a village of the generator's own: who.village is a code. */
    bench_dataset_init(&p->data, seed ^ (UINT64_C(0x9e3779b97f4a7c15) * (index + 1)),
                       p->who.id);
    return hb_written_grow(p);
}

void hb_post_free(struct hb_post *p)
{
    free(p->written);
    p->written = NULL;
    sodium_memzero(p->who.sk, sizeof p->who.sk);
}

/* Base versions as the post's journal sets them, and its own sequence numbers. */
static int hb_post_correct(struct hb_post *p, struct sae_change *c)
{
    if (2 * (p->written_count + 1) > p->written_cap && hb_written_grow(p) != 0)
        return SAE_ENOMEM;
    size_t slot = hb_written_slot(p, &c->report_id, c->field);
    struct hb_written *w = &p->written[slot];
    c->base = w->field ? w->version : (struct sae_version){0, 0};
    if (!w->field) {
        w->report = c->report_id;
        w->field = c->field;
        p->written_count++;
    }
    w->version = c->version;
    c->seq = ++p->seq;
    return 0;
}

static bool hb_post_deleted(struct hb_post *p, const struct sae_id *report)
{
    return p->written[hb_written_slot(p, report, SAE_FIELD_TOMBSTONE)].field != NULL;
}

int hb_post_changes(struct hb_post *p, struct sae_change *out, size_t count)
{
    size_t used = 0;
    (void)bench_batch; /* replaced here by a loop that filters and corrects each command */
    while (used < count) {
        size_t n = bench_command(&p->data, out + used, count - used);
        if (n == 0)
            return SAE_EINVAL;
        if (hb_post_deleted(p, &out[used].report_id)) {
            bench_batch_clear(out + used, n);
            continue;
        }
        for (size_t i = used; i < used + n; i++)
            if (hb_post_correct(p, &out[i]) != 0)
                return SAE_ENOMEM;
        used += n;
    }
    p->who.sent += count;
    return 0;
}

int hb_seal_batch(const struct hb_identity *p, const uint8_t hub_pk[crypto_box_PUBLICKEYBYTES],
                  struct sae_change *changes, size_t count, uint8_t **env,
                  size_t *env_len)
{
    if (count == 0)
        return SAE_EINVAL;
    struct sae_limits limits = sae_limits_default();
    struct sae_batch batch = {.origin = p->id, .changes = changes, .change_count = count,
                              .clock = changes[count - 1].version.hlc};
    uint8_t *pb = NULL;
    size_t pb_len = 0;
    int rc = sae_batch_encode(&batch, &limits, &pb, &pb_len);
    if (rc == 0)
        rc = sae_envelope_seal(pb, pb_len, SAE_MSG_PUSH_BATCH, p->id, p->sk, hub_pk, &limits,
                               env, env_len);
    sae_wire_buffer_free(pb, pb_len);
    return rc;
}

struct curl_slist *hb_push_headers(void)
{
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    struct curl_slist *h2 = h ? curl_slist_append(h, "Expect:") : NULL;
    if (!h2)
        curl_slist_free_all(h);
    return h2;
}

int hb_easy_setup(CURL *easy, const struct hb_hub *hub, const char *interface,
                  struct curl_slist *headers, struct http_body *reply)
{
    reply->max = HB_REPLY_MAX;
    CURLcode c = curl_easy_setopt(easy, CURLOPT_URL, hub->url);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_CAINFO, hub->cert);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_PINNEDPUBLICKEY, hub->pin);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, HB_TRANSFER_TIMEOUT_S);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_TIMEOUT, HB_TRANSFER_TIMEOUT_S);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, http_body_write);
    if (c == CURLE_OK) c = curl_easy_setopt(easy, CURLOPT_WRITEDATA, reply);
    if (c == CURLE_OK && interface) c = curl_easy_setopt(easy, CURLOPT_INTERFACE, interface);
    return c == CURLE_OK ? 0 : SAE_EINVAL;
}

long hb_easy_new_connections(CURL *easy)
{
    long n = 0;
    return curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK ? n : 0;
}

int hb_easy_body(CURL *easy, const uint8_t *env, size_t len)
{
    CURLcode c = curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (c == CURLE_OK)
        c = curl_easy_setopt(easy, CURLOPT_POSTFIELDS, (const char *)env);
    return c == CURLE_OK ? 0 : SAE_EINVAL;
}

static int hb_hub_key(void *ctx, uint64_t sender, uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
    const struct hb_hub *hub = ctx;
    if (sender != hub->id)
        return SAE_ENOTFOUND;
    memcpy(pk, hub->pk, crypto_box_PUBLICKEYBYTES);
    return 0;
}

int hb_ack_check(const struct hb_hub *hub, const struct hb_identity *p, long status,
                 const struct http_body *reply, uint64_t last_seq,
                 struct sae_message *why)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_push_ack *ack = NULL;
    uint8_t *plain = NULL, type = 0;
    size_t plain_len = 0;
    uint64_t sender = 0;
    if (status != 200 || reply->overflow) {
        sae_message_set(why, "push from %s answered HTTP %ld: %.*s", p->village, status,
                        (int)(reply->len < 120 ? reply->len : 120),
                        reply->bytes ? reply->bytes : "");
        return SAE_EIO;
    }
    int rc = sae_envelope_open((const uint8_t *)reply->bytes, reply->len, hb_hub_key, sae_borrow(hub), p->sk, &limits,
                               &type, &sender, &plain, &plain_len);
    if (rc == 0 && type != SAE_MSG_PUSH_ACK)
        rc = SAE_EINVAL;
    if (rc == 0)
        rc = sae_push_ack_decode(plain, plain_len, &limits, &ack);
    sae_wire_buffer_free(plain, plain_len);
    if (rc != 0) {
        sae_message_set(why, "the answer to %s is not a sealed push ack", p->village);
        return SAE_EIO;
    }
    if (ack->origin != p->id || ack->acked_seq != last_seq || ack->refusal_count != 0) {
        sae_message_set(why, "ack for %s: acked_seq %llu of %llu, %zu refusal(s)%s%s", p->village,
                        (unsigned long long)ack->acked_seq, (unsigned long long)last_seq,
                        ack->refusal_count, ack->refusal_count ? ", first: " : "",
                        ack->refusal_count ? ack->refusals[0].message : "");
        rc = SAE_ECORRUPT;
    }
    sae_push_ack_free(ack);
    return rc;
}

int hb_pull_request(const struct hb_hub *hub, const struct hb_identity *p, uint64_t cursor,
                    uint64_t grant_cursor, uint8_t **env, size_t *env_len)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_request request = {.schema_version = SAE_WIRE_SCHEMA_VERSION,
                                       .cursor = cursor, .grant_cursor = grant_cursor};
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    int rc = sae_hlc_pack(sae_wall_clock_ms(), 0, &request.clock);
    if (rc == 0)
        rc = sae_pull_request_encode(&request, &limits, &plain, &plain_len);
    if (rc == 0)
        rc = sae_envelope_seal(plain, plain_len, SAE_MSG_PULL_REQUEST, p->id, p->sk, hub->pk,
                               &limits, env, env_len);
    sae_wire_buffer_free(plain, plain_len);
    return rc;
}

int hb_pull_check(const struct hb_hub *hub, const struct hb_identity *p, long status,
                  const struct http_body *reply, uint64_t *cursor, uint64_t *grant_cursor,
                  size_t *changes, struct sae_message *why)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_response *response = NULL;
    uint8_t *plain = NULL, type = 0;
    size_t plain_len = 0;
    uint64_t sender = 0;
    if (status != 200 || reply->overflow) {
        sae_message_set(why, "pull from %s answered HTTP %ld", p->village, status);
        return SAE_EIO;
    }
    int rc = sae_envelope_open((const uint8_t *)reply->bytes, reply->len, hb_hub_key,
                               sae_borrow(hub), p->sk, &limits, &type, &sender, &plain,
                               &plain_len);
    if (rc == 0 && type != SAE_MSG_PULL_RESPONSE)
        rc = SAE_EINVAL;
    if (rc == 0)
        rc = sae_pull_response_decode(plain, plain_len, &limits, &response);
    sae_wire_buffer_free(plain, plain_len);
    if (rc != 0) {
        sae_message_set(why, "the answer to %s's pull is not a sealed pull response",
                        p->village);
        return SAE_EIO;
    }
    *cursor = response->next_cursor;
    *grant_cursor = response->next_grant_cursor;
    *changes = response->change_count;
    sae_pull_response_free(response);
    return 0;
}

int hb_enroll(struct hb_hub *hub, const struct hb_identity *who, size_t number)
{
    struct hub_node node = {.id = who->id, .enrolled_ms = (int64_t)sae_wall_clock_ms()};
    snprintf(node.village, sizeof node.village, "%s", who->village);
    snprintf(node.device_name, sizeof node.device_name, "Laptop Pos %zu", number);
    memcpy(node.public_key, who->pk, crypto_box_PUBLICKEYBYTES);
    return hub_store_node_add(hub->admin, &node);
}

int hb_check_stored(struct hb_hub *hub, const struct hb_identity *who,
                    struct sae_message *why)
{
    const int64_t origin[] = {(int64_t)who->id};
    int64_t stored = 0, refused = 0;
    int rc = sae_db_query_int(hub->admin->db, NULL,
                              "SELECT count(*) FROM change WHERE origin = ?1", origin, 1, &stored);
    if (rc == 0)
        rc = sae_db_query_int(hub->admin->db, NULL,
                              "SELECT count(*) FROM refusal WHERE origin = ?1", origin, 1,
                              &refused);
    if (rc == 0 && (stored != (int64_t)who->sent || refused != 0)) {
        sae_message_set(why, "%s: hub.db holds %lld of its %llu changes, %lld refused",
                        who->village, (long long)stored, (unsigned long long)who->sent,
                        (long long)refused);
        rc = SAE_ECORRUPT;
    }
    return rc;
}

int hb_count(struct hb_hub *hub, const char *sql, int64_t *out)
{
    return sae_db_query_int(hub->admin->db, NULL, sql, NULL, 0, out);
}

static int hb_compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

const char hb_raw_figure_sql[] =
    "SELECT substr(t.field, 16), count(*) FROM field_state t"
    " JOIN change tc ON tc.seq = t.change"
    " JOIN field_state i ON i.report_id = t.report_id AND i.field = 'intake_date'"
    " JOIN change ic ON ic.seq = i.change"
    " JOIN field_state k ON k.report_id = t.report_id AND k.field = 'consent_statistics'"
    " JOIN change kc ON kc.seq = k.change"
    " WHERE t.field > 'violence_types/' AND t.field < 'violence_types0'"
    " AND tc.value IS NOT NULL AND ic.value >= ?1 AND ic.value < ?2 AND kc.value = 'true'"
    " GROUP BY 1";

double hb_percentile(double *values, size_t n, double percent)
{
    if (n == 0)
        return 0;
    qsort(values, n, sizeof *values, hb_compare_double);
    size_t rank = (size_t)(percent / 100.0 * (double)n + 0.999999);
    return values[rank == 0 ? 0 : rank - 1];
}
