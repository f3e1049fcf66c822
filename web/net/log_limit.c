/* Per kind, a window with a line allowance, counts by label, and the most frequent peers
 * (the space-saving algorithm: a fixed number of counters, the smallest replaced by a new
 * peer; the top one is right whenever one peer sends most of the flood). */
#include "net/log_limit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINES_MAX 10000u
#define WINDOW_MAX_SECONDS 3600u
#define TOP_PEERS 8
#define PEER_BYTES 56
#define SUMMARY_BYTES 512

struct label_count {
    char label[LOG_LIMIT_LABEL_BYTES + 1];
    unsigned long long count;
};

struct peer_count {
    char peer[PEER_BYTES];
    unsigned long long count;
};

struct window {
    bool open;
    int64_t started_ms;
    unsigned lines;
    unsigned long long counted;
    struct label_count labels[LOG_LIMIT_LABELS + 1]; /* the last one is "other" */
    struct peer_count peers[TOP_PEERS];
};

struct log_limit {
    struct log_limit_config config;
    log_limit_write_fn write;
    void *ctx;
    pthread_mutex_t lock;
    struct window windows[LOG_KINDS];
};

static const char *const KIND_NOUNS[LOG_KINDS] = {"refused requests", "refused or cut connections",
                                                  "server messages"};

int log_limit_create(const struct log_limit_config *config, log_limit_write_fn write, void *ctx,
                     struct log_limit **out)
{
    if (!config || !write || config->lines_per_window < 1 ||
        config->lines_per_window > LINES_MAX || config->window_seconds < 1 ||
        config->window_seconds > WINDOW_MAX_SECONDS)
        return SAE_EINVAL;
    struct log_limit *l = calloc(1, sizeof *l);
    if (!l)
        return SAE_ENOMEM;
    if (pthread_mutex_init(&l->lock, NULL) != 0) {
        free(l);
        return SAE_ENOMEM;
    }
    l->config = *config;
    l->write = write;
    l->ctx = ctx;
    *out = l;
    return 0;
}

void log_limit_destroy(struct log_limit *limit)
{
    if (!limit)
        return;
    pthread_mutex_destroy(&limit->lock);
    free(limit);
}

static void count_label(struct window *w, const char *label)
{
    char text[LOG_LIMIT_LABEL_BYTES + 1];
    snprintf(text, sizeof text, "%s", label && *label ? label : "-");
    for (size_t i = 0; i < LOG_LIMIT_LABELS; i++) {
        if (w->labels[i].count == 0)
            memcpy(w->labels[i].label, text, sizeof text);
        if (strcmp(w->labels[i].label, text) == 0) {
            w->labels[i].count++;
            return;
        }
    }
    snprintf(w->labels[LOG_LIMIT_LABELS].label, sizeof w->labels[0].label, "other");
    w->labels[LOG_LIMIT_LABELS].count++;
}

static void count_peer(struct window *w, const char *peer)
{
    size_t smallest = 0;
    if (!peer || !*peer)
        return;
    for (size_t i = 0; i < TOP_PEERS; i++) {
        if (w->peers[i].count > 0 && strcmp(w->peers[i].peer, peer) == 0) {
            w->peers[i].count++;
            return;
        }
        if (w->peers[i].count < w->peers[smallest].count)
            smallest = i;
    }
    /* A newcomer takes the smallest counter over, and its count: the count of a peer is an
     * upper bound, exact for a peer that never left the table. */
    snprintf(w->peers[smallest].peer, PEER_BYTES, "%s", peer);
    w->peers[smallest].count++;
}

/* 12345 as "12,345". */
static void thousands(unsigned long long n, char *out, size_t cap)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%llu", n);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

static int by_count_descending(const void *a, const void *b)
{
    const struct label_count *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->label, y->label);
}

static void format_summary(const struct window *w, enum log_kind kind, int64_t now_ms,
                           char *line, size_t cap)
{
    struct label_count labels[LOG_LIMIT_LABELS + 1];
    char number[32];
    size_t len, top = 0;
    long long seconds = (now_ms - w->started_ms + 999) / 1000;
    memcpy(labels, w->labels, sizeof labels);
    qsort(labels, LOG_LIMIT_LABELS + 1, sizeof labels[0], by_count_descending);
    thousands(w->counted, number, sizeof number);
    len = (size_t)snprintf(line, cap, "http: %s more %s in the last %lld s:", number,
                           KIND_NOUNS[kind], seconds < 1 ? 1 : seconds);
    for (size_t i = 0; i <= LOG_LIMIT_LABELS && labels[i].count > 0 && len < cap; i++) {
        thousands(labels[i].count, number, sizeof number);
        len += (size_t)snprintf(line + len, cap - len, "%s %s x %s", i > 0 ? "," : "",
                                labels[i].label, number);
    }
    for (size_t i = 1; i < TOP_PEERS; i++)
        if (w->peers[i].count > w->peers[top].count)
            top = i;
    if (w->peers[top].count > 0 && len < cap)
        snprintf(line + len, cap - len, "; top peer %s", w->peers[top].peer);
}

/* Ends kind's window when it is over (or force), writing its summary if it counted events. */
static void close_window(struct log_limit *l, enum log_kind kind, int64_t now_ms, bool force)
{
    struct window *w = &l->windows[kind];
    char line[SUMMARY_BYTES];
    if (!w->open || (!force && now_ms - w->started_ms < (int64_t)l->config.window_seconds * 1000))
        return;
    if (w->counted > 0) {
        format_summary(w, kind, now_ms, line, sizeof line);
        l->write(l->ctx, line);
    }
    memset(w, 0, sizeof *w);
}

void log_limit_event(struct log_limit *limit, enum log_kind kind, const char *label,
                     const char *peer, const char *line, int64_t now_ms)
{
    pthread_mutex_lock(&limit->lock);
    close_window(limit, kind, now_ms, false);
    struct window *w = &limit->windows[kind];
    if (!w->open) {
        w->open = true;
        w->started_ms = now_ms;
    }
    if (w->lines < limit->config.lines_per_window) {
        w->lines++;
        limit->write(limit->ctx, line);
    } else {
        w->counted++;
        count_label(w, label);
        count_peer(w, peer);
    }
    pthread_mutex_unlock(&limit->lock);
}

void log_limit_tick(struct log_limit *limit, int64_t now_ms, bool force)
{
    pthread_mutex_lock(&limit->lock);
    for (int kind = 0; kind < LOG_KINDS; kind++)
        close_window(limit, (enum log_kind)kind, now_ms, force);
    pthread_mutex_unlock(&limit->lock);
}
