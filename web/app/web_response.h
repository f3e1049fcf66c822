/* Responses of web applications: every answer they make carries the security headers; a page
 * or a JSON answer with data is never cached (the server's default Cache-Control: no-store);
 * cookies are Secure, HttpOnly and SameSite=Strict; a form post answers 303 See Other. */
#ifndef WEB_RESPONSE_H
#define WEB_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "net/http_server.h"
#include "sae/sae_error.h"

/* The Content-Security-Policy of every answer: nothing but this site, no inline script or
 * style (no 'unsafe-inline'), never framed, forms post only here, no <base>. */
#define WEB_CSP "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " \
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
/* HSTS: one year (the console is only ever served over HTTPS). */
#define WEB_HSTS "max-age=31536000"

/* Longest cookie value web_response_cookie sets (bytes). */
#define WEB_COOKIE_VALUE_BYTES 128u

/* Adds one header (name static, value copied). SAE_ETOOBIG when the response holds
 * HTTP_RESPONSE_HEADERS_MAX already or value is longer than HTTP_HEADER_VALUE_BYTES - 1;
 * SAE_EINVAL when value holds a CR, LF or NUL (no header splitting). */
int web_response_header(struct http_response *resp, const char *name, const char *value);

/* The security headers: Content-Security-Policy, Referrer-Policy no-referrer,
 * X-Content-Type-Options nosniff, X-Frame-Options DENY, Strict-Transport-Security. */
int web_response_security(struct http_response *resp);

/* Set-Cookie: name=value; Path=path; Secure; HttpOnly; SameSite=Strict, and Max-Age when
 * max_age_seconds > 0 (0: a browser-session cookie); without Secure when the server set
 * resp->cookies_not_secure (plain HTTP on loopback). value: [A-Za-z0-9_-] only, at most
 * WEB_COOKIE_VALUE_BYTES (SAE_EINVAL / SAE_ETOOBIG). */
int web_response_cookie(struct http_response *resp, const char *name, const char *value,
                        const char *path, unsigned max_age_seconds);
/* Removes a cookie (empty value, Max-Age=0). */
int web_response_cookie_clear(struct http_response *resp, const char *name, const char *path);

/* 303 See Other to a path of this site ("/..." but not "//..."; SAE_EINVAL otherwise), with
 * the security headers and no body. */
int web_response_redirect(struct http_response *resp, const char *path);

/* status with body (taken over, even on failure) of content_type (static), with the
 * security headers. */
int web_response_body(struct http_response *resp, unsigned status, const char *content_type,
                      uint8_t *body, size_t len);
/* status with a copy of the text as text/plain. */
int web_response_text(struct http_response *resp, unsigned status, const char *text);

#endif
