/* Web responses: security headers, cookies, redirects (web_response.h). */
#include "app/web_response.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int web_response_header(struct http_response *resp, const char *name, const char *value)
{
    if (!name || !value || strpbrk(value, "\r\n"))
        return SAE_EINVAL;
    size_t len = strlen(value);
    if (resp->header_count >= HTTP_RESPONSE_HEADERS_MAX || len >= HTTP_HEADER_VALUE_BYTES)
        return SAE_ETOOBIG;
    struct http_header *h = &resp->headers[resp->header_count++];
    h->name = name;
    memcpy(h->value, value, len + 1);
    return 0;
}

int web_response_security(struct http_response *resp)
{
    int rc = web_response_header(resp, "Content-Security-Policy", WEB_CSP);
    if (rc == 0)
        rc = web_response_header(resp, "Referrer-Policy", "no-referrer");
    if (rc == 0)
        rc = web_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (rc == 0)
        rc = web_response_header(resp, "X-Frame-Options", "DENY");
    if (rc == 0)
        rc = web_response_header(resp, "Strict-Transport-Security", WEB_HSTS);
    return rc;
}

static bool cookie_token(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    return true;
}

static int set_cookie(struct http_response *resp, const char *name, const char *value,
                      const char *path, const char *max_age)
{
    if (!name || !value || !path || !cookie_token(name) || !cookie_token(value) ||
        path[0] != '/' || strpbrk(path, ";, \r\n"))
        return SAE_EINVAL;
    if (strlen(value) > WEB_COOKIE_VALUE_BYTES)
        return SAE_ETOOBIG;
    char line[HTTP_HEADER_VALUE_BYTES];
    int n = snprintf(line, sizeof line, "%s=%s; Path=%s;%s HttpOnly; SameSite=Strict%s",
                     name, value, path, resp->cookies_not_secure ? "" : " Secure;", max_age);
    if (n < 0 || (size_t)n >= sizeof line)
        return SAE_ETOOBIG;
    return web_response_header(resp, "Set-Cookie", line);
}

int web_response_cookie(struct http_response *resp, const char *name, const char *value,
                        const char *path, unsigned max_age_seconds)
{
    char max_age[32] = "";
    if (max_age_seconds > 0)
        snprintf(max_age, sizeof max_age, "; Max-Age=%u", max_age_seconds);
    return set_cookie(resp, name, value, path, max_age);
}

int web_response_cookie_clear(struct http_response *resp, const char *name, const char *path)
{
    return set_cookie(resp, name, "", path, "; Max-Age=0");
}

int web_response_redirect(struct http_response *resp, const char *path)
{
    if (!path || path[0] != '/' || path[1] == '/' || path[1] == '\\')
        return SAE_EINVAL;
    int rc = web_response_security(resp);
    if (rc == 0)
        rc = web_response_header(resp, "Location", path);
    if (rc == 0)
        resp->status = 303;
    return rc;
}

int web_response_body(struct http_response *resp, unsigned status, const char *content_type,
                      uint8_t *body, size_t len)
{
    int rc = web_response_security(resp);
    if (rc != 0) {
        free(body);
        return rc;
    }
    resp->status = status;
    resp->content_type = content_type;
    resp->body = body;
    resp->body_len = len;
    return 0;
}

int web_response_text(struct http_response *resp, unsigned status, const char *text)
{
    size_t len = strlen(text);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return SAE_ENOMEM;
    memcpy(copy, text, len);
    return web_response_body(resp, status, "text/plain; charset=utf-8", copy, len);
}
