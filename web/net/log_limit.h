/* Keeps a flood of refused requests, cut connections or libmicrohttpd messages from flooding
 * the log: per kind of event, at most `lines_per_window` lines are written in a window of
 * `window_seconds`; the rest are counted and summed up in one line when the window ends:
 *   http: 12,345 more refused requests in the last 10 s: 429 x 12,000, 413 x 345; top peer 10.1.2.3
 * So a flood of any size writes at most lines_per_window + 1 lines per kind and window.
 * A window opens with the first event of its kind and ends window_seconds later; its summary
 * is written by the first event or tick after it ends (log_limit_tick from a timer, so the
 * last window of a flood is summed up even when nothing follows it).
 *
 * Lines go to the writer given at creation, one call per line, under this module's lock:
 * lines of one kind keep their order, a summary comes before the lines of the next window.
 * Thread-safe. */
#ifndef WEB_LOG_LIMIT_H
#define WEB_LOG_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "sae/sae_error.h"

enum log_kind {
    LOG_KIND_REQUEST,    /* a refused or failed request: its status, or "-" for no answer */
    LOG_KIND_CONNECTION, /* a connection refused or cut by the server's guard */
    LOG_KIND_SERVER,     /* a message of libmicrohttpd (TLS errors, limits reached) */
};
#define LOG_KINDS 3

/* A label names what happened ("429", "headers"): at most this many bytes are kept. */
#define LOG_LIMIT_LABEL_BYTES 15
/* Distinct labels counted per window; others are counted as "other". */
#define LOG_LIMIT_LABELS 8

struct log_limit_config {
    unsigned lines_per_window; /* 1..10,000 */
    unsigned window_seconds;   /* 1..3,600 */
};

typedef void (*log_limit_write_fn)(void *ctx, const char *line);

struct log_limit;

/* Returns 0, SAE_EINVAL (a value out of range or no writer) or SAE_ENOMEM. */
int log_limit_create(const struct log_limit_config *config, log_limit_write_fn write, void *ctx,
                     struct log_limit **out);
void log_limit_destroy(struct log_limit *limit);

/* One event at now_ms (a monotonic clock): writes line, or counts it under label and peer
 * (either may be NULL) when the window has had its lines. */
void log_limit_event(struct log_limit *limit, enum log_kind kind, const char *label,
                     const char *peer, const char *line, int64_t now_ms);

/* Writes the summary of every window that has ended by now_ms, or of every window at all when
 * force (at shutdown). */
void log_limit_tick(struct log_limit *limit, int64_t now_ms, bool force);

#endif
