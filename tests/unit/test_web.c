/* The web layer's modules (web/app): the HTML builder's escaping and allow-lists, response
 * headers and cookies, session tokens and expiry at their edges, throttling at its edges,
 * password limits, the message catalogue and the asset table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "app/assets.h"
#include "app/html.h"
#include "app/msg.h"
#include "app/password.h"
#include "sae/sae_passkey.h"
#include "app/session.h"
#include "app/throttle.h"
#include "app/web_response.h"

/* The page built so far, NUL-terminated (the test frees it). */
static char *page_of(struct html *h)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(html_finish(h, &bytes, &len), 0);
    char *text = malloc(len + 1);
    assert_non_null(text);
    memcpy(text, bytes, len);
    text[len] = '\0';
    free(bytes);
    return text;
}

static void test_html_escapes_text_and_attributes(void **state)
{
    (void)state;
    struct html h;
    html_init(&h);
    const struct html_attr attrs[] = {{"value", "\"><script>alert(1)</script>"}};
    html_open(&h, "p", NULL, 0);
    html_text(&h, "<b>&'\"</b>");
    html_open(&h, "input", attrs, 1);
    html_close(&h, "p");
    char *page = page_of(&h);
    assert_string_equal(page, "<p>&lt;b&gt;&amp;&#39;&quot;&lt;/b&gt;<input value=\"&quot;&gt;"
                              "&lt;script&gt;alert(1)&lt;/script&gt;\"></p>");
    free(page);
}

static void test_html_replaces_bytes_that_are_not_utf8(void **state)
{
    (void)state;
    struct html h;
    html_init(&h);
    html_open(&h, "p", NULL, 0);
    html_text_n(&h, "a\xff\xc0\xafz\0y", 7);
    html_close(&h, "p");
    char *page = page_of(&h);
    assert_string_equal(page, "<p>a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBDy</p>");
    free(page);
}

static void test_html_refuses_markup_off_the_lists(void **state)
{
    (void)state;
    struct html h;
    uint8_t *bytes = NULL;
    size_t len = 0;
    html_init(&h);
    assert_int_equal(html_open(&h, "iframe", NULL, 0), SAE_EINVAL);
    assert_int_equal(html_text(&h, "x"), SAE_EINVAL); /* sticky */
    assert_int_equal(html_finish(&h, &bytes, &len), SAE_EINVAL);
    assert_null(bytes);
    const struct html_attr handler[] = {{"onclick", "x"}};
    html_init(&h);
    assert_int_equal(html_open(&h, "p", handler, 1), SAE_EINVAL);
    html_free(&h);
    assert_int_equal(html_tag_allowed("p"), 0);
    assert_int_equal(html_tag_allowed("P"), SAE_EINVAL);
    assert_int_equal(html_attr_allowed("style"), SAE_EINVAL);
}

static void test_html_urls_stay_on_this_site(void **state)
{
    (void)state;
    static const char *const refused[] = {"javascript:alert(1)", "//evil.example/", "/\\evil",
                                          "https://evil.example/", "", "data:text/html,x"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct html h;
        const struct html_attr href[] = {{"href", refused[i]}};
        html_init(&h);
        assert_int_equal(html_open(&h, "a", href, 1), SAE_EINVAL);
        html_free(&h);
    }
    struct html h;
    const struct html_attr ok[] = {{"href", "/console/?a=1&b=2"}};
    html_init(&h);
    html_element(&h, "a", ok, 1, "x");
    char *page = page_of(&h);
    assert_string_equal(page, "<a href=\"/console/?a=1&amp;b=2\">x</a>");
    free(page);
}

static void test_html_nesting_is_checked(void **state)
{
    (void)state;
    struct html h;
    uint8_t *bytes = NULL;
    size_t len = 0;
    html_init(&h);
    html_open(&h, "div", NULL, 0);
    assert_int_equal(html_close(&h, "p"), SAE_EINVAL);
    html_free(&h);
    html_init(&h);
    html_open(&h, "div", NULL, 0);
    assert_int_equal(html_finish(&h, &bytes, &len), SAE_EINVAL); /* left open */
    html_init(&h);
    for (unsigned i = 0; i < HTML_DEPTH_MAX; i++)
        assert_int_equal(html_open(&h, "div", NULL, 0), 0);
    assert_int_equal(html_open(&h, "div", NULL, 0), SAE_ETOOBIG);
    html_free(&h);
}

static void test_html_page_size_limit(void **state)
{
    (void)state;
    size_t chunk = 1u << 20;
    char *text = malloc(chunk);
    assert_non_null(text);
    memset(text, 'a', chunk);
    struct html h;
    html_init(&h);
    for (unsigned i = 0; i < HTML_PAGE_BYTES_MAX / chunk; i++)
        assert_int_equal(html_text_n(&h, text, chunk), 0);
    assert_int_equal(h.len, HTML_PAGE_BYTES_MAX); /* exactly at the limit: accepted */
    assert_int_equal(html_text_n(&h, "a", 1), SAE_ETOOBIG);
    html_free(&h);
    free(text);
}

static void test_response_headers(void **state)
{
    (void)state;
    struct http_response resp;
    memset(&resp, 0, sizeof resp);
    assert_int_equal(web_response_security(&resp), 0);
    assert_string_equal(resp.headers[0].name, "Content-Security-Policy");
    assert_non_null(strstr(resp.headers[0].value, "frame-ancestors 'none'"));
    assert_null(strstr(resp.headers[0].value, "unsafe-inline"));
    assert_int_equal(web_response_header(&resp, "X-Test", "a\r\nSet-Cookie: x=1"), SAE_EINVAL);
    while (resp.header_count < HTTP_RESPONSE_HEADERS_MAX)
        assert_int_equal(web_response_header(&resp, "X-Fill", "1"), 0);
    assert_int_equal(web_response_header(&resp, "X-Over", "1"), SAE_ETOOBIG);
    memset(&resp, 0, sizeof resp);
    char longest[HTTP_HEADER_VALUE_BYTES];
    memset(longest, 'v', sizeof longest);
    longest[sizeof longest - 1] = '\0';
    assert_int_equal(web_response_header(&resp, "X-Long", longest), 0);
    longest[sizeof longest - 1] = 'v';
    char *over = malloc(sizeof longest + 1);
    assert_non_null(over);
    memcpy(over, longest, sizeof longest);
    over[sizeof longest] = '\0';
    assert_int_equal(web_response_header(&resp, "X-Long", over), SAE_ETOOBIG);
    free(over);
}

static void test_response_cookies_and_redirects(void **state)
{
    (void)state;
    struct http_response resp;
    memset(&resp, 0, sizeof resp);
    assert_int_equal(web_response_cookie(&resp, "sae_session", "abc-_1", "/", 0), 0);
    assert_string_equal(resp.headers[0].value,
                        "sae_session=abc-_1; Path=/; Secure; HttpOnly; SameSite=Strict");
    /* Plain HTTP on loopback (the post app): the same cookie without Secure. */
    struct http_response plain;
    memset(&plain, 0, sizeof plain);
    plain.cookies_not_secure = true;
    assert_int_equal(web_response_cookie(&plain, "sae_session", "abc-_1", "/", 60), 0);
    assert_string_equal(plain.headers[0].value,
                        "sae_session=abc-_1; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
    assert_int_equal(web_response_cookie(&resp, "a", "x;Domain=evil", "/", 0), SAE_EINVAL);
    char value[WEB_COOKIE_VALUE_BYTES + 2];
    memset(value, 'a', sizeof value);
    value[WEB_COOKIE_VALUE_BYTES] = '\0';
    assert_int_equal(web_response_cookie(&resp, "a", value, "/", 0), 0);
    value[WEB_COOKIE_VALUE_BYTES] = 'a';
    value[WEB_COOKIE_VALUE_BYTES + 1] = '\0';
    assert_int_equal(web_response_cookie(&resp, "a", value, "/", 0), SAE_ETOOBIG);
    memset(&resp, 0, sizeof resp);
    assert_int_equal(web_response_redirect(&resp, "//evil.example/"), SAE_EINVAL);
    assert_int_equal(web_response_redirect(&resp, "/console/"), 0);
    assert_int_equal(resp.status, 303);
}

static void test_session_tokens(void **state)
{
    (void)state;
    char a[SESSION_TOKEN_TEXT_BYTES], b[SESSION_TOKEN_TEXT_BYTES];
    uint8_t ha[SESSION_HASH_BYTES], hb[SESSION_HASH_BYTES];
    assert_int_equal(session_token_new(a), 0);
    assert_int_equal(session_token_new(b), 0);
    assert_int_equal(strlen(a), SESSION_TOKEN_TEXT_BYTES - 1);
    assert_string_not_equal(a, b);
    assert_int_equal(session_token_hash(a, ha), 0);
    assert_int_equal(session_token_hash(b, hb), 0);
    assert_memory_not_equal(ha, hb, sizeof ha);
    assert_int_equal(session_token_hash("short", ha), SAE_EINVAL);
    assert_true(session_csrf_equal(a, a));
    assert_false(session_csrf_equal(a, b));
    assert_false(session_csrf_equal(a, NULL));
    assert_false(session_csrf_equal(a, ""));
}

static void test_session_expiry_edges(void **state)
{
    (void)state;
    struct session_limits l;
    session_limits_default(&l);
    assert_int_equal(l.idle_seconds, 30 * 60);
    assert_int_equal(l.absolute_seconds, 12 * 60 * 60);
    int64_t t0 = 1000000;
    assert_int_equal(session_judge(&l, t0 + SESSION_IDLE_SECONDS - 1, t0, t0), SESSION_LIVE);
    assert_int_equal(session_judge(&l, t0 + SESSION_IDLE_SECONDS, t0, t0), SESSION_IDLE_EXPIRED);
    int64_t last = t0 + SESSION_ABSOLUTE_SECONDS - 10;
    assert_int_equal(session_judge(&l, t0 + SESSION_ABSOLUTE_SECONDS - 1, t0, last), SESSION_LIVE);
    assert_int_equal(session_judge(&l, t0 + SESSION_ABSOLUTE_SECONDS, t0, last),
                     SESSION_ABSOLUTE_EXPIRED);
}

static void test_throttle_edges(void **state)
{
    (void)state;
    struct throttle *t = NULL;
    assert_int_equal(throttle_create(&t), 0);
    int64_t now = 5000;
    for (unsigned i = 0; i < THROTTLE_NAME_FAILURES - 1; i++)
        throttle_failed(t, "siti", "10.0.0.1", now);
    assert_int_equal(throttle_wait(t, "siti", "10.0.0.1", now), 0);
    throttle_failed(t, "siti", "10.0.0.1", now);
    assert_int_equal(throttle_wait(t, "siti", "10.0.0.2", now), THROTTLE_WINDOW_SECONDS);
    assert_int_equal(throttle_wait(t, "ani", "10.0.0.2", now), 0);
    assert_int_equal(throttle_wait(t, "siti", "10.0.0.2", now + THROTTLE_WINDOW_SECONDS - 1), 1);
    assert_int_equal(throttle_wait(t, "siti", "10.0.0.2", now + THROTTLE_WINDOW_SECONDS), 0);
    /* An address: THROTTLE_ADDRESS_FAILURES over any names. */
    char name[16];
    for (unsigned i = 0; i < THROTTLE_ADDRESS_FAILURES; i++) {
        snprintf(name, sizeof name, "n%u", i);
        assert_int_equal(throttle_wait(t, "other", "10.9.9.9", now), 0);
        throttle_failed(t, name, "10.9.9.9", now);
    }
    assert_true(throttle_wait(t, "other", "10.9.9.9", now) > 0);
    throttle_succeeded(t, "n1", now);
    throttle_destroy(t);
}

/* A brute force from many addresses fills the table with fresh names and addresses, one
 * failure each: the account it attacks stays locked (a fresh key takes the place of one that
 * locks nothing). Only keys that lock give way to each other, oldest first. */
static void test_throttle_flood_of_fresh_keys_keeps_a_locked_name(void **state)
{
    (void)state;
    struct throttle *t = NULL;
    assert_int_equal(throttle_create(&t), 0);
    int64_t now = 5000;
    for (unsigned i = 0; i < THROTTLE_NAME_FAILURES; i++)
        throttle_failed(t, "siti", "10.0.0.1", now);
    assert_true(throttle_wait(t, "siti", "10.0.0.9", now) > 0);
    char name[24], address[24];
    for (unsigned i = 0; i < 2 * THROTTLE_KEYS_MAX; i++) {
        snprintf(name, sizeof name, "guess-%u", i);
        snprintf(address, sizeof address, "10.1.%u.%u", i / 250, i % 250);
        throttle_failed(t, name, address, now + 1 + i / 100);
    }
    assert_int_equal(throttle_wait(t, "siti", "10.0.0.9", now + 100),
                     THROTTLE_WINDOW_SECONDS - 100);
    /* The edge: when every key locks, the oldest gives way to a new one. */
    for (unsigned i = 0; i < THROTTLE_KEYS_MAX; i++) {
        snprintf(name, sizeof name, "locked-%u", i);
        for (unsigned k = 0; k < THROTTLE_NAME_FAILURES; k++)
            throttle_failed(t, name, "10.0.0.1", now + 200);
    }
    assert_int_equal(throttle_wait(t, "siti", "10.0.0.9", now + 200), 0);
    assert_true(throttle_wait(t, "locked-4095", "10.0.0.9", now + 200) > 0);
    throttle_destroy(t);
}

static void test_password_limits(void **state)
{
    (void)state;
    char text[PASSWORD_MAX_BYTES + 2];
    memset(text, 'p', sizeof text);
    text[PASSWORD_MIN_BYTES - 1] = '\0';
    assert_int_equal(password_check(text), SAE_EINVAL);
    text[PASSWORD_MIN_BYTES - 1] = 'p';
    text[PASSWORD_MIN_BYTES] = '\0';
    assert_int_equal(password_check(text), 0);
    text[PASSWORD_MIN_BYTES] = 'p';
    text[PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(password_check(text), 0);
    text[PASSWORD_MAX_BYTES] = 'p';
    text[PASSWORD_MAX_BYTES + 1] = '\0';
    assert_int_equal(password_check(text), SAE_EINVAL);
    assert_int_equal(password_check("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4"),
                     SAE_EINVAL);
    char hash[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash("correct horse battery", hash), 0);
    assert_true(password_verify(hash, "correct horse battery"));
    assert_false(password_verify(hash, "correct horse batterY"));
    assert_false(password_verify(NULL, "correct horse battery"));
    /* A verifier of one Argon2id (sae_passkey.h) is checked the same way, and gives the key
     * of its paired wrap only when it matches; an old hash gives none. */
    char verifier[SAE_PASSKEY_TEXT_BYTES];
    unsigned char secret[32] = {1}, wrap[SAE_KEYWRAP_BYTES], key[SAE_PASSKEY_KEY_BYTES];
    unsigned char opened[32];
    bool keyed = true;
    assert_int_equal(sae_passkey_make_params("correct horse battery", 21, secret,
                                             SAE_KEYWRAP_OPSLIMIT_MIN,
                                             SAE_KEYWRAP_MEMLIMIT_KIB_MIN, verifier, wrap), 0);
    assert_true(password_verify(verifier, "correct horse battery"));
    assert_false(password_verify(verifier, "correct horse batterY"));
    assert_false(password_verify(verifier, ""));
    assert_false(password_verify_key(verifier, "correct horse batterY", key, &keyed));
    assert_false(keyed);
    assert_true(password_verify_key(verifier, "correct horse battery", key, &keyed));
    assert_true(keyed);
    assert_int_equal(sae_keywrap_open_split(wrap, sizeof wrap, key, opened), 0);
    assert_memory_equal(opened, secret, sizeof secret);
    assert_true(password_verify_key(hash, "correct horse battery", key, &keyed));
    assert_false(keyed);
    char one[PASSWORD_ONE_TIME_CHARS + 1];
    password_one_time(one);
    assert_int_equal(password_check(one), 0);
}

static void test_messages_in_both_languages(void **state)
{
    (void)state;
    for (int id = 0; id < MSG_COUNT; id++) {
        assert_string_not_equal(msg_get(MSG_LANG_ID, (enum msg_id)id), "?");
        assert_string_not_equal(msg_get(MSG_LANG_EN, (enum msg_id)id), "?");
    }
    assert_int_equal(msg_lang_from(NULL), MSG_LANG_ID);
    assert_int_equal(msg_lang_from("fr"), MSG_LANG_ID);
    assert_int_equal(msg_lang_from("en"), MSG_LANG_EN);
    assert_string_equal(msg_get(MSG_LANG_ID, MSG_SIGN_IN), "Masuk");
    assert_string_equal(msg_get(MSG_LANG_EN, MSG_SIGN_IN), "Sign in");
    /* each part of the catalogue answers through msg_get (msg_cases.c, msg_post.c) */
    assert_string_equal(msg_get(MSG_LANG_EN, MSG_ERASE_DONE),
                        "This report's personal data was erased.");
    assert_string_equal(msg_get(MSG_LANG_ID, MSG_POST_NAME), "Nama");
}

static void test_assets_are_a_fixed_table(void **state)
{
    (void)state;
    const struct web_asset *a = NULL;
    assert_int_equal(web_assets_init(), 0);
    assert_int_equal(web_asset_find("console.css", &a), 0);
    assert_true(a->len > 0);
    assert_int_equal(strlen(a->etag), WEB_ASSET_ETAG_BYTES - 1);
    static const char *const names[] = {"%2e%2e/console.css", "console.css/", "/console.css",
                                        "..%2fhub.db", "", "CONSOLE.CSS"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_int_equal(web_asset_find(names[i], &a), SAE_ENOTFOUND);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escapes_text_and_attributes),
        cmocka_unit_test(test_html_replaces_bytes_that_are_not_utf8),
        cmocka_unit_test(test_html_refuses_markup_off_the_lists),
        cmocka_unit_test(test_html_urls_stay_on_this_site),
        cmocka_unit_test(test_html_nesting_is_checked),
        cmocka_unit_test(test_html_page_size_limit),
        cmocka_unit_test(test_response_headers),
        cmocka_unit_test(test_response_cookies_and_redirects),
        cmocka_unit_test(test_session_tokens),
        cmocka_unit_test(test_session_expiry_edges),
        cmocka_unit_test(test_throttle_edges),
        cmocka_unit_test(test_throttle_flood_of_fresh_keys_keeps_a_locked_name),
        cmocka_unit_test(test_password_limits),
        cmocka_unit_test(test_messages_in_both_languages),
        cmocka_unit_test(test_assets_are_a_fixed_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
