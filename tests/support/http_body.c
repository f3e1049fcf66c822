/* A bounded libcurl answer (http_body.h). */
#include "http_body.h"

#include <stdlib.h>
#include <string.h>

/* Doubling from a page keeps a large answer's copies few. */
#define FIRST_CAP 4096u

size_t http_body_write(char *data, size_t size, size_t count, void *context)
{
    struct http_body *b = context;
    size_t n = size * count;
    if (b->overflow || n > b->max || b->len > b->max - n) {
        b->overflow = true;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : FIRST_CAP;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->bytes, cap);
        if (!grown) {
            b->overflow = true;
            return 0;
        }
        b->bytes = grown;
        b->cap = cap;
    }
    memcpy(b->bytes + b->len, data, n);
    b->len += n;
    b->bytes[b->len] = '\0';
    return n;
}

void http_body_clear(struct http_body *b)
{
    b->len = 0;
    b->overflow = false;
    if (b->bytes)
        b->bytes[0] = '\0';
}

void http_body_free(struct http_body *b)
{
    free(b->bytes);
    b->bytes = NULL;
    b->len = b->cap = 0;
    b->overflow = false;
}
