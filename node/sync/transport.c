/* The post's HTTPS client to the hub (node/transport.h), on libcurl.
 *
 * One easy handle lives as long as the transport, so consecutive requests share one TLS
 * connection (and its session) while the hub keeps it open. The hub is trusted by its key
 * alone: certificate and host name verification are off and the public keys are pinned
 * (CURLOPT_PINNEDPUBLICKEY, "sha256//a;sha256//b"). libcurl checks the pin whether or not it
 * verifies the certificate (its documentation: "This option is independent of option
 * CURLOPT_SSL_VERIFYPEER. If you turn off that option then the peer is still verified by
 * public key."; since 7.41, test_transport proves it against a server with another key), so
 * neither a post's wrong date nor an expired, renamed or CA-issued certificate stops a post,
 * and nothing but the pinned keys is trusted: not the system's CAs, not the certificate.
 * Only https is allowed, redirects are not followed, and nothing depends on signals (name
 * resolution runs without SIGALRM).
 *
 * Answers are kept in memory up to TRANSPORT_RESPONSE_MAX_BYTES: an announced
 * Content-Length over it is refused by libcurl before the first body byte
 * (CURLOPT_MAXFILESIZE_LARGE), and a body without one is cut off by the write callback as
 * soon as it would pass the limit. Every buffer that held answer bytes is wiped before it
 * is freed: answers are sealed envelopes, and plain text bodies may still say too much. */
#include "sync/transport.h"

#include <curl/curl.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sae/sae_borrow.h"
#include "sae/sae_pins.h"
#include "sae/sae_wire_limits.h"

/* How long curl waits for "100 Continue" before it sends a body anyway. Long on purpose: a
 * hub that refuses a body (413) answers instead of the 100, and that answer must arrive
 * before the body is on its way, or the closing hub may reset the connection and the post
 * would see "connection reset" instead of "too large" (hub/http_server.h). */
#define EXPECT_100_TIMEOUT_MS 10000L
/* Bodies up to this size are sent without "Expect: 100-continue": waiting for the 100 costs
 * a round trip on every request (300 ms and more on 2G: a quarter of a 1,000-report sync
 * over 64 kbit/s went in those waits), while uploading a body this size that the hub then
 * refuses costs at most what the wait would (256 KiB is 33 s at 64 kbit/s; the post keeps
 * its batches within the hub's limits anyway). Larger bodies wait for the 100, so an
 * oversized one is refused before it is sent. */
#define EXPECT_MIN_BYTES (256u * 1024)
/* The first buffer for an answer of unknown length; it doubles up to the limit. */
#define REPLY_FIRST_BYTES (16u * 1024)
/* A Retry-After past a day is read as a day: one wrong header must not keep a post silent
 * for weeks; the program's own backoff takes over from there. */
#define RETRY_AFTER_MAX_S 86400u

struct transport {
    CURL *easy;
    CURLU *url; /* the hub's address; each request sets its path */
    struct curl_slist *headers_plain;  /* Content-Type, and "Expect:" to send at once */
    struct curl_slist *headers_expect; /* Content-Type, and "Expect: 100-continue" */
};

/* What one request collects through the callbacks. */
struct reply {
    CURL *easy;
    uint8_t *bytes;
    size_t len, cap;
    bool too_large;
    bool out_of_memory;
    unsigned retry_after;
};

/* ---- the answer's body ---------------------------------------------------------------- */

static void bytes_wipe_free(uint8_t *bytes, size_t len)
{
    if (!bytes)
        return;
    sodium_memzero(bytes, len);
    free(bytes);
}

/* The first capacity: the announced length when there is one (libcurl has already refused
 * it if it is over the limit), else a small buffer. */
static size_t reply_first_capacity(const struct reply *r)
{
    curl_off_t announced = -1;
    if (curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced) == CURLE_OK &&
        announced > 0 && (uint64_t)announced <= TRANSPORT_RESPONSE_MAX_BYTES)
        return (size_t)announced;
    return REPLY_FIRST_BYTES;
}

/* Grows to hold need bytes (need <= the limit). realloc would leave the old copy of the
 * bytes in freed memory, so the buffer is copied and the old one wiped. */
static int reply_grow(struct reply *r, size_t need)
{
    size_t cap = r->cap ? r->cap : reply_first_capacity(r);
    while (cap < need)
        cap = cap > TRANSPORT_RESPONSE_MAX_BYTES / 2 ? TRANSPORT_RESPONSE_MAX_BYTES : cap * 2;
    uint8_t *grown = malloc(cap);
    if (!grown)
        return SAE_ENOMEM;
    if (r->len)
        memcpy(grown, r->bytes, r->len);
    bytes_wipe_free(r->bytes, r->len);
    r->bytes = grown;
    r->cap = cap;
    return 0;
}

/* libcurl's write callback. Returning less than it was given stops the transfer. */
static size_t reply_write(char *data, size_t size, size_t count, void *ctx)
{
    struct reply *r = ctx;
    if (size != 0 && count > SIZE_MAX / size) {
        r->too_large = true;
        return 0;
    }
    size_t add = size * count;
    if (add > TRANSPORT_RESPONSE_MAX_BYTES - r->len) {
        r->too_large = true;
        return 0;
    }
    if (r->len + add > r->cap && reply_grow(r, r->len + add) != 0) {
        r->out_of_memory = true;
        return 0;
    }
    if (add)
        memcpy(r->bytes + r->len, data, add);
    r->len += add;
    return add;
}

/* ---- Retry-After ---------------------------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The delta-seconds form only ("Retry-After: 120"). The HTTP-date form is ignored (0): a
 * date means nothing to a post whose clock may be days off, and the hub sends seconds
 * (PROTOCOL.md section 8). Anything else after the digits makes the header ignored too. */
static unsigned retry_after_parse(const char *value, size_t len)
{
    size_t i = 0;
    unsigned seconds = 0;
    while (i < len && is_blank(value[i]))
        i++;
    size_t digits_start = i;
    for (; i < len && value[i] >= '0' && value[i] <= '9'; i++) {
        unsigned digit = (unsigned)(value[i] - '0');
        seconds = seconds > (RETRY_AFTER_MAX_S - digit) / 10 ? RETRY_AFTER_MAX_S
                                                              : seconds * 10 + digit;
    }
    if (i == digits_start)
        return 0;
    for (; i < len; i++)
        if (!is_blank(value[i]))
            return 0;
    return seconds;
}

/* libcurl's header callback: one whole header line at a time, not NUL-terminated. A status
 * line starts a new response (after a "100 Continue"), which forgets what came before. */
static size_t reply_header(char *line, size_t size, size_t count, void *ctx)
{
    static const char name[] = "Retry-After:";
    struct reply *r = ctx;
    size_t len = size * count;
    if (len >= 5 && memcmp(line, "HTTP/", 5) == 0)
        r->retry_after = 0;
    else if (len >= sizeof name - 1 && strncasecmp(line, name, sizeof name - 1) == 0)
        r->retry_after = retry_after_parse(line + sizeof name - 1, len - (sizeof name - 1));
    return len;
}

/* ---- configuration -------------------------------------------------------------------- */

/* Only "https://host[:port]" with an empty path or "/": no user, query or fragment. */
static int url_parse(const char *hub_url, CURLU *url, struct sae_message *why)
{
    char *part = NULL;
    if (!hub_url || strncasecmp(hub_url, "https://", 8) != 0) {
        sae_message_set(why, "the hub address must start with https:// (got \"%.80s\")",
                        hub_url ? hub_url : "");
        return SAE_EINVAL;
    }
    CURLUcode uc = curl_url_set(url, CURLUPART_URL, hub_url, 0);
    if (uc == CURLUE_OUT_OF_MEMORY)
        return SAE_ENOMEM;
    if (uc != CURLUE_OK) {
        sae_message_set(why, "the hub address \"%.80s\" is not a valid URL: %s", hub_url,
                        curl_url_strerror(uc));
        return SAE_EINVAL;
    }
    static const CURLUPart forbidden[] = {CURLUPART_USER, CURLUPART_QUERY, CURLUPART_FRAGMENT};
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        uc = curl_url_get(url, forbidden[i], &part, 0);
        curl_free(part);
        part = NULL;
        if (uc == CURLUE_OK) {
            sae_message_set(why, "the hub address \"%.80s\" must be https://host:port only",
                            hub_url);
            return SAE_EINVAL;
        }
    }
    uc = curl_url_get(url, CURLUPART_PATH, &part, 0);
    if (uc == CURLUE_OUT_OF_MEMORY)
        return SAE_ENOMEM;
    bool root = uc == CURLUE_OK && strcmp(part, "/") == 0;
    curl_free(part);
    if (!root) {
        sae_message_set(why, "the hub address \"%.80s\" must not have a path", hub_url);
        return SAE_EINVAL;
    }
    return 0;
}

static bool pins_valid(const char *pins)
{
    uint8_t parsed[SAE_WIRE_TLS_PINS_MAX][SAE_WIRE_TLS_PIN_BYTES];
    size_t count = 0;
    return pins && sae_pins_parse(pins, parsed, SAE_WIRE_TLS_PINS_MAX, &count) == 0;
}

static int config_check(const struct transport_config *config, struct sae_message *why)
{
    if (!pins_valid(config->pins)) {
        sae_message_set(why, "the hub's key pins must have the form sha256//BASE64, at most "
                        "%u joined by ';'", SAE_WIRE_TLS_PINS_MAX);
        return SAE_EINVAL;
    }
    return 0;
}

static struct curl_slist *headers_make(const char *expect)
{
    struct curl_slist *first = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    struct curl_slist *both = first ? curl_slist_append(first, expect) : NULL;
    if (!both)
        curl_slist_free_all(first);
    return both;
}

/* Sets option to value on easy unless an earlier option failed; names the one that did. */
#define SETOPT(easy, code, failed, option, value)                                             \
    do {                                                                                      \
        if ((code) == CURLE_OK && ((code) = curl_easy_setopt(easy, option, value)) != CURLE_OK) \
            (failed) = #option;                                                               \
    } while (0)

/* Every option that stays the same for all requests. */
static int easy_setup(struct transport *t, const struct transport_config *config,
                      struct sae_message *why)
{
    CURL *easy = t->easy;
    CURLcode code = CURLE_OK;
    const char *failed = NULL;
    SETOPT(easy, code, failed, CURLOPT_PROTOCOLS_STR, "https");
    SETOPT(easy, code, failed, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    SETOPT(easy, code, failed, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(easy, code, failed, CURLOPT_NOSIGNAL, 1L);
    SETOPT(easy, code, failed, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SETOPT(easy, code, failed, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    /* The keys alone: no CA (the system's included), no dates, no names. */
    SETOPT(easy, code, failed, CURLOPT_CAINFO, (char *)NULL);
    SETOPT(easy, code, failed, CURLOPT_CAPATH, (char *)NULL);
    SETOPT(easy, code, failed, CURLOPT_SSL_VERIFYPEER, 0L);
    SETOPT(easy, code, failed, CURLOPT_SSL_VERIFYHOST, 0L);
    SETOPT(easy, code, failed, CURLOPT_PINNEDPUBLICKEY, config->pins);
    SETOPT(easy, code, failed, CURLOPT_CONNECTTIMEOUT, (long)TRANSPORT_CONNECT_TIMEOUT_S);
    SETOPT(easy, code, failed, CURLOPT_LOW_SPEED_LIMIT, (long)TRANSPORT_LOW_SPEED_BYTES);
    SETOPT(easy, code, failed, CURLOPT_LOW_SPEED_TIME,
           (long)(config->stall_seconds ? config->stall_seconds : TRANSPORT_LOW_SPEED_TIME_S));
    SETOPT(easy, code, failed, CURLOPT_EXPECT_100_TIMEOUT_MS, EXPECT_100_TIMEOUT_MS);
    SETOPT(easy, code, failed, CURLOPT_TCP_KEEPALIVE, 1L);
    /* libcurl's own default (118 s) would drop the connection the hub keeps for a post's
     * next round (SAE_WIRE_KEEP_IDLE_S); one the hub closed meanwhile is seen dead and
     * replaced before use, and a request lost on one is sent again on a new one. */
    SETOPT(easy, code, failed, CURLOPT_MAXAGE_CONN, (long)SAE_WIRE_KEEP_IDLE_S);
    SETOPT(easy, code, failed, CURLOPT_MAXFILESIZE_LARGE,
           (curl_off_t)TRANSPORT_RESPONSE_MAX_BYTES);
    SETOPT(easy, code, failed, CURLOPT_WRITEFUNCTION, reply_write);
    SETOPT(easy, code, failed, CURLOPT_HEADERFUNCTION, reply_header);
    SETOPT(easy, code, failed, CURLOPT_POST, 1L);
    if (code == CURLE_OK)
        return 0;
    sae_message_set(why, "libcurl refused %s: %s", failed, curl_easy_strerror(code));
    return code == CURLE_OUT_OF_MEMORY ? SAE_ENOMEM : SAE_EINVAL;
}

int transport_create(const struct transport_config *config, struct transport **out,
                     struct sae_message *why)
{
    if (!config || !out) {
        sae_message_set(why, "transport_create needs a configuration");
        return SAE_EINVAL;
    }
    int rc = config_check(config, why);
    if (rc != 0)
        return rc;
    struct transport *t = calloc(1, sizeof *t);
    if (!t)
        return SAE_ENOMEM;
    t->url = curl_url();
    t->easy = curl_easy_init();
    t->headers_plain = headers_make("Expect:");
    t->headers_expect = headers_make("Expect: 100-continue");
    rc = t->url && t->easy && t->headers_plain && t->headers_expect ? 0 : SAE_ENOMEM;
    if (rc == 0)
        rc = url_parse(config->hub_url, t->url, why);
    if (rc == 0)
        rc = easy_setup(t, config, why);
    if (rc != 0) {
        if (rc == SAE_ENOMEM)
            sae_message_set(why, "out of memory while setting up the connection to the hub");
        transport_destroy(t);
        return rc;
    }
    *out = t;
    return 0;
}

int transport_set_pins(struct transport *t, const char *pins)
{
    if (!t || !pins_valid(pins))
        return SAE_EINVAL;
    CURLcode code = curl_easy_setopt(t->easy, CURLOPT_PINNEDPUBLICKEY, pins);
    return code == CURLE_OK ? 0 : code == CURLE_OUT_OF_MEMORY ? SAE_ENOMEM : SAE_EINVAL;
}

void transport_destroy(struct transport *t)
{
    if (!t)
        return;
    curl_easy_cleanup(t->easy);
    curl_url_cleanup(t->url);
    curl_slist_free_all(t->headers_plain);
    curl_slist_free_all(t->headers_expect);
    free(t);
}

/* ---- one request ---------------------------------------------------------------------- */

/* A path from the program ("/v1/push"): starts with '/', printable ASCII, no query. */
static bool path_valid(const char *path)
{
    if (!path || path[0] != '/')
        return false;
    for (const char *c = path; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f || *c == '?' || *c == '#')
            return false;
    return true;
}

/* Everything that changes from one request to the next. */
static int request_setup(struct transport *t, const char *path, const uint8_t *body, size_t len,
                         struct reply *reply)
{
    char *url = NULL;
    CURLUcode uc = curl_url_set(t->url, CURLUPART_PATH, path, 0);
    if (uc == CURLUE_OK)
        uc = curl_url_get(t->url, CURLUPART_URL, &url, 0);
    if (uc != CURLUE_OK)
        return uc == CURLUE_OUT_OF_MEMORY ? SAE_ENOMEM : SAE_EINVAL;
    struct curl_slist *headers = len > EXPECT_MIN_BYTES ? t->headers_expect : t->headers_plain;
    CURLcode code = CURLE_OK;
    const char *failed = NULL;
    SETOPT(t->easy, code, failed, CURLOPT_URL, url);
    SETOPT(t->easy, code, failed, CURLOPT_HTTPHEADER, headers);
    SETOPT(t->easy, code, failed, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    SETOPT(t->easy, code, failed, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
    SETOPT(t->easy, code, failed, CURLOPT_WRITEDATA, reply);
    SETOPT(t->easy, code, failed, CURLOPT_HEADERDATA, reply);
    (void)failed; /* all of these take any value; only memory can fail them */
    curl_free(url);
    if (code == CURLE_OK)
        return 0;
    return code == CURLE_OUT_OF_MEMORY ? SAE_ENOMEM : SAE_EINVAL;
}

/* libcurl's words for a failure, with the system's when a system call failed. Never any
 * byte of a body: these texts are written to logs. */
static void failure_text(CURL *easy, CURLcode code, const struct reply *reply, char *out,
                         size_t size)
{
    long os_errno = 0;
    char os_text[128] = "";
    if (reply->too_large || code == CURLE_FILESIZE_EXCEEDED) {
        snprintf(out, size, "the hub's answer is larger than %u bytes",
                 (unsigned)TRANSPORT_RESPONSE_MAX_BYTES);
        return;
    }
    if (curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno > 0 &&
        os_errno <= INT_MAX && strerror_r((int)os_errno, os_text, sizeof os_text) != 0)
        os_text[0] = '\0';
    snprintf(out, size, "%s%s%s%s", curl_easy_strerror(code), os_text[0] ? " (" : "", os_text,
             os_text[0] ? ")" : "");
}

int transport_post(struct transport *t, const char *path, const uint8_t *body, size_t len,
                   struct transport_response *out)
{
    if (!t || !out || !path_valid(path) || (!body && len) || len > SAE_WIRE_ENVELOPE_BYTES)
        return SAE_EINVAL;
    struct reply reply = {.easy = t->easy};
    int rc = request_setup(t, path, body, len, &reply);
    if (rc != 0)
        return rc;
    CURLcode code = curl_easy_perform(t->easy);
    if (reply.out_of_memory || code == CURLE_OUT_OF_MEMORY) {
        bytes_wipe_free(reply.bytes, reply.len);
        return SAE_ENOMEM;
    }
    struct transport_response result;
    memset(&result, 0, sizeof result);
    if (code == CURLE_OK &&
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &result.status) == CURLE_OK &&
        result.status > 0) {
        result.outcome = TRANSPORT_ANSWERED;
        result.body = reply.bytes;
        result.body_len = reply.len;
        result.retry_after_seconds = reply.retry_after;
    } else {
        result.status = 0;
        result.outcome = code == CURLE_SSL_PINNEDPUBKEYNOTMATCH ? TRANSPORT_PIN_MISMATCH
                                                                : TRANSPORT_UNREACHABLE;
        failure_text(t->easy, code, &reply, result.error, sizeof result.error);
        bytes_wipe_free(reply.bytes, reply.len);
    }
    *out = result;
    return 0;
}

int transport_connections_opened(struct transport *t, long *out)
{
    long count = 0;
    if (!t || !out)
        return SAE_EINVAL;
    if (curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &count) != CURLE_OK)
        return SAE_EINVAL;
    *out = count;
    return 0;
}

void transport_response_clear(struct transport_response *r)
{
    if (!r)
        return;
    bytes_wipe_free(r->body, r->body_len);
    memset(r, 0, sizeof *r);
}

/* ---- process-wide --------------------------------------------------------------------- */

int transport_global_init(void)
{
    CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK)
        return code == CURLE_OUT_OF_MEMORY ? SAE_ENOMEM : SAE_EIO;
    const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    if (!info || !(info->features & CURL_VERSION_SSL)) {
        curl_global_cleanup();
        return SAE_EINVAL;
    }
    return 0;
}

void transport_global_cleanup(void)
{
    curl_global_cleanup();
}
