/* What a web handler reads from a request: headers, cookies, query arguments and the fields
 * of an application/x-www-form-urlencoded body, all through libmicrohttpd's own parsing
 * (lookups on the connection, its PostProcessor on the collected body), all bounded and all
 * handed out only as well-formed UTF-8 without NUL. Results are copied into the caller's
 * buffers; out-params are untouched on failure.
 *
 * Results: 0; SAE_ENOTFOUND (absent); SAE_ETOOBIG (over its named limit); SAE_EINVAL (not
 * UTF-8, a wrong content type, a malformed body). */
#ifndef WEB_REQUEST_H
#define WEB_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "net/http_server.h"
#include "sae/sae_error.h"

/* Limits (README, "Limits"): a request past any of them is refused by web_request_check
 * before a handler looks at it. */
#define WEB_HEADERS_MAX 48u        /* request headers */
#define WEB_HEADER_BYTES 1024u     /* one header's value, NUL included */
#define WEB_COOKIES_MAX 16u        /* cookies */
#define WEB_COOKIE_BYTES 256u      /* one cookie's value, NUL included */
#define WEB_QUERY_ARGS_MAX 16u     /* query arguments */
#define WEB_QUERY_BYTES 256u       /* one query argument's value, NUL included */
#define WEB_FORM_BODY_BYTES 65536u /* a form body */
#define WEB_FORM_FIELDS_MAX 128u   /* fields any form may have; each route bounds its own */
#define WEB_FORM_NAME_BYTES 64u    /* a field's name, NUL included */
#define WEB_FORM_VALUE_BYTES 4096u /* a field's value, NUL included */

/* SAE_ETOOBIG when the request has more headers, cookies or query arguments than the
 * limits allow; 0 otherwise. */
int web_request_check(const struct http_request *req);

int web_request_header(const struct http_request *req, const char *name, char *out,
                       size_t cap);
int web_request_cookie(const struct http_request *req, const char *name, char *out,
                       size_t cap);
int web_request_query(const struct http_request *req, const char *name, char *out,
                      size_t cap);

/* The request's query arguments again as a query string ("a=1&b=x%20y", "" when there are
 * none), every name and value percent-encoded (layout_url_append), in the order sent.
 * SAE_ETOOBIG when it does not fit in cap bytes; SAE_EINVAL when a name or value is not
 * UTF-8 or holds a NUL. */
int web_request_query_string(const struct http_request *req, char *out, size_t cap);

struct web_form_field {
    char name[WEB_FORM_NAME_BYTES];
    char *value; /* NUL-terminated UTF-8, at most WEB_FORM_VALUE_BYTES - 1 bytes */
    size_t value_len;
};

struct web_form {
    struct web_form_field fields[WEB_FORM_FIELDS_MAX];
    unsigned count;
    unsigned fields_max; /* the parse's bound on count */
    int error; /* the parse's first problem (kept while the PostProcessor runs) */
    /* An uploaded file (web_form_parse_upload): its field's name, its limit, its bytes. */
    const char *upload_field;
    size_t upload_max;
    uint8_t *upload; /* NULL when the form had no such file */
    size_t upload_len;
};

/* Parses the body as application/x-www-form-urlencoded (the Content-Type must say so; an
 * empty body is a form without fields). A name given twice is SAE_EINVAL: a form's field
 * has one value; more than fields_max fields (at most WEB_FORM_FIELDS_MAX) is SAE_ETOOBIG.
 * *out is freed with web_form_free (which wipes the values: they may hold passwords). */
int web_form_parse(const struct http_request *req, unsigned fields_max, struct web_form **out);
void web_form_free(struct web_form *form);
/* The same for a multipart/form-data body (a form with <input type=file>): text fields as
 * above, and the one file field named upload_field, at most upload_max bytes (SAE_ETOOBIG
 * past it), in form->upload / upload_len (wiped when freed). Any other file is SAE_EINVAL.
 * The body may hold WEB_FORM_BODY_BYTES besides the file. */
int web_form_parse_upload(const struct http_request *req, unsigned fields_max,
                          const char *upload_field, size_t upload_max, struct web_form **out);
/* The value of a field, or NULL. */
const char *web_form_get(const struct web_form *form, const char *name);
/* 0 when every field's name is one of the NULL-terminated allowed names, SAE_EINVAL when
 * one is not (unknown fields are refused, never ignored). */
int web_form_only(const struct web_form *form, const char *const *allowed);

#endif
