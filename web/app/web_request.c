/* Request access through libmicrohttpd, bounded and UTF-8 checked (web_request.h). */
#include "app/web_request.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/layout.h"
#include "sae/sae_validate.h"

/* The PostProcessor's buffer: a name or value arrives in pieces no larger than it. */
#define FORM_PROCESSOR_BUFFER 1024u

static int count_of(const struct http_request *req, enum MHD_ValueKind kind)
{
    return MHD_get_connection_values(req->connection, kind, NULL, NULL);
}

int web_request_check(const struct http_request *req)
{
    if (!req->connection)
        return SAE_EINVAL;
    if (count_of(req, MHD_HEADER_KIND) > (int)WEB_HEADERS_MAX ||
        count_of(req, MHD_COOKIE_KIND) > (int)WEB_COOKIES_MAX ||
        count_of(req, MHD_GET_ARGUMENT_KIND) > (int)WEB_QUERY_ARGS_MAX)
        return SAE_ETOOBIG;
    return 0;
}

static int lookup(const struct http_request *req, enum MHD_ValueKind kind, const char *name,
                  size_t limit, char *out, size_t cap)
{
    if (!req->connection || !name || !out || cap == 0)
        return SAE_EINVAL;
    const char *value = NULL;
    size_t len = 0;
    if (MHD_lookup_connection_value_n(req->connection, kind, name, strlen(name), &value, &len) !=
            MHD_YES ||
        !value)
        return SAE_ENOTFOUND;
    if (len >= limit || len >= cap)
        return SAE_ETOOBIG;
    if (sae_utf8_check(value, len) != 0)
        return SAE_EINVAL;
    memcpy(out, value, len);
    out[len] = '\0';
    return 0;
}

int web_request_header(const struct http_request *req, const char *name, char *out, size_t cap)
{
    return lookup(req, MHD_HEADER_KIND, name, WEB_HEADER_BYTES, out, cap);
}

int web_request_cookie(const struct http_request *req, const char *name, char *out, size_t cap)
{
    return lookup(req, MHD_COOKIE_KIND, name, WEB_COOKIE_BYTES, out, cap);
}

int web_request_query(const struct http_request *req, const char *name, char *out, size_t cap)
{
    return lookup(req, MHD_GET_ARGUMENT_KIND, name, WEB_QUERY_BYTES, out, cap);
}

struct query_text {
    char *out;
    size_t cap;
    int rc;
};

static int plain_text(const char *text, size_t len)
{
    return text && strlen(text) == len && sae_utf8_check(text, len) == 0 ? 0 : SAE_EINVAL;
}

/* One argument appended: "&" after the first, the name, "=" and the value when it has one. */
static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
    struct query_text *q = cls;
    (void)kind;
    q->rc = plain_text(key, key_size);
    if (q->rc == 0 && value)
        q->rc = plain_text(value, value_size);
    if (q->rc == 0 && q->out[0])
        q->rc = strlen(q->out) + 1 < q->cap ? (strcat(q->out, "&"), 0) : SAE_ETOOBIG;
    if (q->rc == 0)
        q->rc = layout_url_append(q->out, q->cap, key);
    if (q->rc == 0 && value)
        q->rc = strlen(q->out) + 1 < q->cap ? (strcat(q->out, "="), 0) : SAE_ETOOBIG;
    if (q->rc == 0 && value)
        q->rc = layout_url_append(q->out, q->cap, value);
    return q->rc == 0 ? MHD_YES : MHD_NO;
}

int web_request_query_string(const struct http_request *req, char *out, size_t cap)
{
    if (!req->connection || !out || cap == 0)
        return SAE_EINVAL;
    struct query_text q = {calloc(1, cap), cap, 0};
    if (!q.out)
        return SAE_ENOMEM;
    MHD_get_connection_values_n(req->connection, MHD_GET_ARGUMENT_KIND, query_arg, &q);
    if (q.rc == 0)
        memcpy(out, q.out, strlen(q.out) + 1);
    free(q.out);
    return q.rc;
}

static struct web_form_field *field_named(struct web_form *form, const char *name)
{
    for (unsigned i = 0; i < form->count; i++)
        if (strcmp(form->fields[i].name, name) == 0)
            return &form->fields[i];
    return NULL;
}

/* A new field at its first piece (off 0), else the one being filled. */
static struct web_form_field *field_for(struct web_form *form, const char *key, uint64_t off)
{
    struct web_form_field *f = field_named(form, key);
    if (off == 0) {
        if (f) {
            form->error = SAE_EINVAL;
            return NULL;
        }
        if (form->count >= form->fields_max || strlen(key) >= WEB_FORM_NAME_BYTES) {
            form->error = SAE_ETOOBIG;
            return NULL;
        }
        f = &form->fields[form->count];
        f->value = malloc(WEB_FORM_VALUE_BYTES);
        if (!f->value) {
            form->error = SAE_ENOMEM;
            return NULL;
        }
        form->count++;
        strcpy(f->name, key);
        f->value_len = 0;
        f->value[0] = '\0';
    }
    if (!f || f->value_len != off)
        form->error = form->error ? form->error : SAE_EINVAL;
    return form->error ? NULL : f;
}

/* A piece of the uploaded file: one file, in order, within its limit. */
static enum MHD_Result upload_piece(struct web_form *form, uint64_t off, const char *data,
                                    size_t size)
{
    if ((off == 0 && form->upload) || off != form->upload_len) {
        form->error = SAE_EINVAL;
        return MHD_NO;
    }
    if (size > form->upload_max - form->upload_len) {
        form->error = SAE_ETOOBIG;
        return MHD_NO;
    }
    if (!form->upload) {
        form->upload = malloc(form->upload_max ? form->upload_max : 1);
        if (!form->upload) {
            form->error = SAE_ENOMEM;
            return MHD_NO;
        }
    }
    memcpy(form->upload + form->upload_len, data, size);
    form->upload_len += size;
    return MHD_YES;
}

static enum MHD_Result form_piece(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size)
{
    struct web_form *form = cls;
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    if (key && form->upload_field && strcmp(key, form->upload_field) == 0)
        return upload_piece(form, off, data, size);
    if (filename || !key) {
        form->error = SAE_EINVAL;
        return MHD_NO;
    }
    struct web_form_field *f = field_for(form, key, off);
    if (!f)
        return MHD_NO;
    if (size >= WEB_FORM_VALUE_BYTES - f->value_len) {
        form->error = SAE_ETOOBIG;
        return MHD_NO;
    }
    memcpy(f->value + f->value_len, data, size);
    f->value_len += size;
    f->value[f->value_len] = '\0';
    return MHD_YES;
}

static bool content_type_is(const char *content_type, const char *wanted)
{
    size_t len = strlen(wanted);
    if (!content_type || strncasecmp(content_type, wanted, len) != 0)
        return false;
    char next = content_type[len];
    return next == '\0' || next == ';' || next == ' ';
}

static int form_check_text(const struct web_form *form)
{
    for (unsigned i = 0; i < form->count; i++)
        if (sae_utf8_check(form->fields[i].name, strlen(form->fields[i].name)) != 0 ||
            sae_utf8_check(form->fields[i].value, form->fields[i].value_len) != 0)
            return SAE_EINVAL;
    return 0;
}

static int form_run(const struct http_request *req, struct web_form *form)
{
    if (req->body_len == 0)
        return 0;
    struct MHD_PostProcessor *pp =
        MHD_create_post_processor(req->connection, FORM_PROCESSOR_BUFFER, form_piece, form);
    if (!pp)
        return SAE_EINVAL;
    enum MHD_Result fed = MHD_post_process(pp, (const char *)req->body, req->body_len);
    enum MHD_Result ended = MHD_destroy_post_processor(pp);
    if (form->error)
        return form->error;
    return fed == MHD_YES && ended == MHD_YES ? form_check_text(form) : SAE_EINVAL;
}

static int parse_body(const struct http_request *req, unsigned fields_max,
                      const char *upload_field, size_t upload_max, struct web_form **out)
{
    if (req->body_len > WEB_FORM_BODY_BYTES + upload_max)
        return SAE_ETOOBIG;
    struct web_form *form = calloc(1, sizeof *form);
    if (!form)
        return SAE_ENOMEM;
    form->fields_max = fields_max < WEB_FORM_FIELDS_MAX ? fields_max : WEB_FORM_FIELDS_MAX;
    form->upload_field = upload_field;
    form->upload_max = upload_max;
    int rc = form_run(req, form);
    if (rc != 0) {
        web_form_free(form);
        return rc;
    }
    *out = form;
    return 0;
}

int web_form_parse(const struct http_request *req, unsigned fields_max, struct web_form **out)
{
    if (!req->connection ||
        !content_type_is(req->content_type, "application/x-www-form-urlencoded"))
        return SAE_EINVAL;
    return parse_body(req, fields_max, NULL, 0, out);
}

int web_form_parse_upload(const struct http_request *req, unsigned fields_max,
                          const char *upload_field, size_t upload_max, struct web_form **out)
{
    if (!req->connection || !upload_field ||
        !content_type_is(req->content_type, "multipart/form-data"))
        return SAE_EINVAL;
    return parse_body(req, fields_max, upload_field, upload_max, out);
}

void web_form_free(struct web_form *form)
{
    if (!form)
        return;
    if (form->upload) {
        sodium_memzero(form->upload, form->upload_max);
        free(form->upload);
    }
    for (unsigned i = 0; i < form->count; i++) {
        if (form->fields[i].value) {
            sodium_memzero(form->fields[i].value, WEB_FORM_VALUE_BYTES);
            free(form->fields[i].value);
        }
    }
    free(form);
}

const char *web_form_get(const struct web_form *form, const char *name)
{
    for (unsigned i = 0; form && name && i < form->count; i++)
        if (strcmp(form->fields[i].name, name) == 0)
            return form->fields[i].value;
    return NULL;
}

int web_form_only(const struct web_form *form, const char *const *allowed)
{
    for (unsigned i = 0; i < form->count; i++) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, form->fields[i].name) == 0;
        if (!known)
            return SAE_EINVAL;
    }
    return 0;
}
