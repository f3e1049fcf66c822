/* A libcurl answer's bytes kept in memory, up to a bound: the one CURLOPT_WRITEFUNCTION the
 * tests' and benchmarks' clients share. Past its bound a transfer stops (curl reports
 * CURLE_WRITE_ERROR) and overflow says why, so a runaway answer cannot eat the machine. */
#ifndef HTTP_BODY_H
#define HTTP_BODY_H

#include <stdbool.h>
#include <stddef.h>

struct http_body {
    char *bytes;    /* NUL-terminated once anything arrived; NULL before */
    size_t len, cap;
    size_t max;     /* the bound in bytes: set before the transfer */
    bool overflow;  /* the answer was longer than max, or memory ran out */
};

/* CURLOPT_WRITEFUNCTION with CURLOPT_WRITEDATA a struct http_body (or HEADERFUNCTION). */
size_t http_body_write(char *data, size_t size, size_t count, void *context);
/* Empties the body for the next answer, keeping its memory and bound. */
void http_body_clear(struct http_body *b);
/* Frees the bytes; the bound stays. */
void http_body_free(struct http_body *b);

#endif
