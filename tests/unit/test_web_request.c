/* web/app/web_request.h over a real HTTPS server on 127.0.0.1 (libmicrohttpd + GnuTLS) and a
 * real client (libcurl): headers, cookies, query arguments and urlencoded forms at each named
 * limit and one past it, duplicate and unknown fields, bytes that are not UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/web_request.h"
#include "http_test_support.h"
#include "net/http_server.h"

/* What the handler read from the last request. */
struct seen {
    pthread_mutex_t lock;
    int check, header, cookie, query, form;
    char header_value[WEB_HEADER_BYTES], cookie_value[WEB_COOKIE_BYTES];
    char query_value[WEB_QUERY_BYTES];
    int query_string, query_string_small;
    char query_text[WEB_QUERY_BYTES], query_small[16];
    unsigned fields;
    size_t f_len;
    int only;
};

static int record(void *ctx, const struct http_request *req, struct http_response *resp)
{
    struct seen *s = ctx;
    pthread_mutex_lock(&s->lock);
    s->check = web_request_check(req);
    s->header = web_request_header(req, "X-Test", s->header_value, sizeof s->header_value);
    s->cookie = web_request_cookie(req, "c", s->cookie_value, sizeof s->cookie_value);
    s->query = web_request_query(req, "q", s->query_value, sizeof s->query_value);
    strcpy(s->query_text, "untouched");
    strcpy(s->query_small, "untouched");
    s->query_string = web_request_query_string(req, s->query_text, sizeof s->query_text);
    s->query_string_small = web_request_query_string(req, s->query_small, sizeof s->query_small);
    s->form = SAE_ENOTFOUND;
    if (strcmp(req->method, "POST") == 0) {
        struct web_form *form = NULL;
        s->form = web_form_parse(req, WEB_FORM_FIELDS_MAX, &form);
        if (s->form == 0) {
            static const char *const allowed[] = {"f", "g", NULL};
            const char *f = web_form_get(form, "f");
            s->fields = form->count;
            s->f_len = f ? strlen(f) : 0;
            s->only = web_form_only(form, allowed);
            web_form_free(form);
        }
    }
    pthread_mutex_unlock(&s->lock);
    resp->status = 204;
    return 0;
}

struct fixture {
    struct ht_certs certs;
    struct http_server *server;
    struct seen seen;
    CURL *curl;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    ht_certs_make(&f->certs);
    assert_int_equal(pthread_mutex_init(&f->seen.lock, NULL), 0);
    struct http_server_config config = ht_config(&f->certs);
    config.max_body_bytes = 256 * 1024;
    assert_int_equal(http_server_start(&config, record, &f->seen, NULL, NULL, &f->server), 0);
    f->curl = curl_easy_init();
    assert_non_null(f->curl);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    curl_easy_cleanup(f->curl);
    http_server_stop(f->server);
    pthread_mutex_destroy(&f->seen.lock);
    ht_certs_remove(&f->certs);
    free(f);
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* One request; headers: a curl_slist (may be NULL); body NULL: GET. */
static void request(struct fixture *f, const char *path_and_query, struct curl_slist *headers,
                 const char *cookie, const char *body, size_t body_len)
{
    char url[8192];
    long status = 0;
    snprintf(url, sizeof url, "https://127.0.0.1:%u%s", http_server_port(f->server),
             path_and_query);
    CURL *c = f->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, f->certs.cert);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    if (headers)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (cookie)
        curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 204);
}

static struct curl_slist *form_type(void)
{
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
    assert_non_null(h);
    return h;
}

/* "f=" followed by n 'a's. */
static char *field_of(size_t n)
{
    char *body = malloc(n + 3);
    assert_non_null(body);
    memcpy(body, "f=", 2);
    memset(body + 2, 'a', n);
    body[n + 2] = '\0';
    return body;
}

static void test_header_value_at_its_limit(void **state)
{
    struct fixture *f = *state;
    char line[WEB_HEADER_BYTES + 16];
    for (size_t len = WEB_HEADER_BYTES - 1; len <= WEB_HEADER_BYTES; len++) {
        int n = snprintf(line, sizeof line, "X-Test: ");
        memset(line + n, 'h', len);
        line[n + (int)len] = '\0';
        struct curl_slist *h = curl_slist_append(NULL, line);
        request(f, "/", h, NULL, NULL, 0);
        curl_slist_free_all(h);
        assert_int_equal(f->seen.header, len == WEB_HEADER_BYTES - 1 ? 0 : SAE_ETOOBIG);
    }
    assert_int_equal(strlen(f->seen.header_value), WEB_HEADER_BYTES - 1);
    struct curl_slist *h = curl_slist_append(NULL, "X-Test: caf\xc3\xa9");
    request(f, "/", h, NULL, NULL, 0);
    curl_slist_free_all(h);
    assert_int_equal(f->seen.header, 0);
    assert_string_equal(f->seen.header_value, "caf\xc3\xa9");
    h = curl_slist_append(NULL, "X-Test: caf\xe9");
    request(f, "/", h, NULL, NULL, 0);
    curl_slist_free_all(h);
    assert_int_equal(f->seen.header, SAE_EINVAL);
    request(f, "/", NULL, NULL, NULL, 0);
    assert_int_equal(f->seen.header, SAE_ENOTFOUND);
}

static void test_cookies_at_their_limits(void **state)
{
    struct fixture *f = *state;
    char cookie[WEB_COOKIE_BYTES + 16];
    for (size_t len = WEB_COOKIE_BYTES - 1; len <= WEB_COOKIE_BYTES; len++) {
        memcpy(cookie, "c=", 2);
        memset(cookie + 2, 'k', len);
        cookie[len + 2] = '\0';
        request(f, "/", NULL, cookie, NULL, 0);
        assert_int_equal(f->seen.cookie, len == WEB_COOKIE_BYTES - 1 ? 0 : SAE_ETOOBIG);
    }
    char many[1024] = "";
    for (unsigned i = 0; i < WEB_COOKIES_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%sk%u=v", i ? "; " : "", i);
    request(f, "/", NULL, many, NULL, 0);
    assert_int_equal(f->seen.check, 0);
    snprintf(many + strlen(many), sizeof many - strlen(many), "; one=more");
    request(f, "/", NULL, many, NULL, 0);
    assert_int_equal(f->seen.check, SAE_ETOOBIG);
}

static void test_query_at_its_limits(void **state)
{
    struct fixture *f = *state;
    char path[2048];
    for (size_t len = WEB_QUERY_BYTES - 1; len <= WEB_QUERY_BYTES; len++) {
        int n = snprintf(path, sizeof path, "/?q=");
        memset(path + n, 'q', len);
        path[n + (int)len] = '\0';
        request(f, path, NULL, NULL, NULL, 0);
        assert_int_equal(f->seen.query, len == WEB_QUERY_BYTES - 1 ? 0 : SAE_ETOOBIG);
    }
    request(f, "/?q=%ff", NULL, NULL, NULL, 0);
    assert_int_equal(f->seen.query, SAE_EINVAL);
    strcpy(path, "/?");
    for (unsigned i = 0; i < WEB_QUERY_ARGS_MAX; i++)
        snprintf(path + strlen(path), sizeof path - strlen(path), "a%u=1&", i);
    request(f, path, NULL, NULL, NULL, 0);
    assert_int_equal(f->seen.check, 0);
    strcat(path, "one=more");
    request(f, path, NULL, NULL, NULL, 0);
    assert_int_equal(f->seen.check, SAE_ETOOBIG);
}

/* The query again, each name and value percent-encoded, in order; untouched when it does not
 * fit or holds what is not UTF-8 or a NUL. */
static void test_query_string_is_the_query_encoded_again(void **state)
{
    struct fixture *f = *state;
    request(f, "/", NULL, NULL, NULL, 0);
    assert_int_equal(f->seen.query_string, 0);
    assert_string_equal(f->seen.query_text, "");
    request(f, "/?q=ani+%26+d%C3%A9s&to=2025-03-31&flag&offset=50", NULL, NULL, NULL, 0);
    assert_int_equal(f->seen.query_string, 0);
    assert_string_equal(f->seen.query_text, "q=ani%20%26%20d%C3%A9s&to=2025-03-31&flag&offset=50");
    assert_int_equal(f->seen.query_string_small, SAE_ETOOBIG);
    assert_string_equal(f->seen.query_small, "untouched");
    request(f, "/?a=1234567890123", NULL, NULL, NULL, 0); /* 15 bytes and the NUL: fits */
    assert_int_equal(f->seen.query_string_small, 0);
    assert_string_equal(f->seen.query_small, "a=1234567890123");
    request(f, "/?a=12345678901234", NULL, NULL, NULL, 0);
    assert_int_equal(f->seen.query_string_small, SAE_ETOOBIG);
    for (size_t i = 0; i < 2; i++) {
        request(f, i == 0 ? "/?q=%ff" : "/?q=a%00b", NULL, NULL, NULL, 0);
        assert_int_equal(f->seen.query_string, SAE_EINVAL);
        assert_string_equal(f->seen.query_text, "untouched");
    }
}

static void test_form_value_at_its_limit(void **state)
{
    struct fixture *f = *state;
    struct curl_slist *h = form_type();
    for (size_t len = WEB_FORM_VALUE_BYTES - 1; len <= WEB_FORM_VALUE_BYTES; len++) {
        char *body = field_of(len);
        request(f, "/", h, NULL, body, strlen(body));
        free(body);
        assert_int_equal(f->seen.form, len == WEB_FORM_VALUE_BYTES - 1 ? 0 : SAE_ETOOBIG);
    }
    curl_slist_free_all(h);
}

static void test_form_fields_at_their_limits(void **state)
{
    struct fixture *f = *state;
    struct curl_slist *h = form_type();
    char body[4096] = "";
    for (unsigned i = 0; i < WEB_FORM_FIELDS_MAX; i++)
        snprintf(body + strlen(body), sizeof body - strlen(body), "%sf%u=1", i ? "&" : "", i);
    request(f, "/", h, NULL, body, strlen(body));
    assert_int_equal(f->seen.form, 0);
    assert_int_equal(f->seen.fields, WEB_FORM_FIELDS_MAX);
    assert_int_equal(f->seen.only, SAE_EINVAL); /* f0... are not f or g */
    strcat(body, "&g=1");
    request(f, "/", h, NULL, body, strlen(body));
    assert_int_equal(f->seen.form, SAE_ETOOBIG);
    char name[WEB_FORM_NAME_BYTES + 8];
    for (size_t len = WEB_FORM_NAME_BYTES - 1; len <= WEB_FORM_NAME_BYTES; len++) {
        memset(name, 'n', len);
        memcpy(name + len, "=1", 3);
        request(f, "/", h, NULL, name, strlen(name));
        assert_int_equal(f->seen.form, len == WEB_FORM_NAME_BYTES - 1 ? 0 : SAE_ETOOBIG);
    }
    curl_slist_free_all(h);
}

/* A valid form of exactly len bytes: 17 fields "kNN=aaa...", joined by '&'. */
static char *form_of_length(size_t len)
{
    char *body = malloc(len + 1);
    assert_non_null(body);
    size_t at = 0, fields = 17, per = len / fields;
    for (size_t i = 0; i < fields; i++) {
        size_t end = i + 1 == fields ? len : at + per;
        int n = snprintf(body + at, len + 1 - at, "%sk%02zu=", i ? "&" : "", i);
        at += (size_t)n;
        memset(body + at, 'a', end - at);
        at = end;
    }
    body[len] = '\0';
    return body;
}

static void test_form_body_at_its_limit(void **state)
{
    struct fixture *f = *state;
    struct curl_slist *h = form_type();
    for (size_t len = WEB_FORM_BODY_BYTES; len <= WEB_FORM_BODY_BYTES + 1; len++) {
        char *body = form_of_length(len);
        assert_int_equal(strlen(body), len);
        request(f, "/", h, NULL, body, len);
        free(body);
        assert_int_equal(f->seen.form, len == WEB_FORM_BODY_BYTES ? 0 : SAE_ETOOBIG);
    }
    assert_int_equal(f->seen.fields, 17);
    curl_slist_free_all(h);
}

static void test_forms_that_are_not_one_value_per_field(void **state)
{
    struct fixture *f = *state;
    struct curl_slist *h = form_type();
    request(f, "/", h, NULL, "f=1&g=2", 7);
    assert_int_equal(f->seen.form, 0);
    assert_int_equal(f->seen.only, 0);
    assert_int_equal(f->seen.f_len, 1);
    request(f, "/", h, NULL, "f=1&f=2", 7);
    assert_int_equal(f->seen.form, SAE_EINVAL);
    request(f, "/", h, NULL, "f=%ff", 5);
    assert_int_equal(f->seen.form, SAE_EINVAL);
    request(f, "/", h, NULL, "f=a%00b", 7);
    assert_int_equal(f->seen.form, SAE_EINVAL);
    request(f, "/", h, NULL, "f=caf%C3%A9+au+lait", 19);
    assert_int_equal(f->seen.form, 0);
    assert_int_equal(f->seen.f_len, strlen("caf\xc3\xa9 au lait"));
    curl_slist_free_all(h);
    struct curl_slist *json = curl_slist_append(NULL, "Content-Type: application/json");
    request(f, "/", json, NULL, "{}", 2);
    assert_int_equal(f->seen.form, SAE_EINVAL);
    curl_slist_free_all(json);
    struct curl_slist *multi =
        curl_slist_append(NULL, "Content-Type: multipart/form-data; boundary=x");
    request(f, "/", multi, NULL, "--x--", 5);
    assert_int_equal(f->seen.form, SAE_EINVAL);
    curl_slist_free_all(multi);
}

int main(void)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_value_at_its_limit),
        cmocka_unit_test(test_cookies_at_their_limits),
        cmocka_unit_test(test_query_at_its_limits),
        cmocka_unit_test(test_query_string_is_the_query_encoded_again),
        cmocka_unit_test(test_form_value_at_its_limit),
        cmocka_unit_test(test_form_fields_at_their_limits),
        cmocka_unit_test(test_form_body_at_its_limit),
        cmocka_unit_test(test_forms_that_are_not_one_value_per_field),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return failed;
}
