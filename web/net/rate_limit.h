/* A token bucket for one source address: `per_second` requests a second on average, up to
 * `burst` at once after a quiet spell. Kept as one number, the time at which the bucket will
 * be full again (the "theoretical arrival time" of the generic cell rate algorithm), so a
 * bucket costs 8 bytes and needs no timer. Times are milliseconds of a monotonic clock.
 * Pure arithmetic: no lock, no allocation; the caller serialises access to a bucket. */
#ifndef WEB_RATE_LIMIT_H
#define WEB_RATE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct rate_limit {
    unsigned per_second; /* 1..1,000,000 */
    unsigned burst;      /* 1..1,000,000 */
};

/* A zeroed bucket is full. */
struct rate_bucket {
    int64_t full_at_us;
};

bool rate_limit_valid(const struct rate_limit *limit);

/* Takes one token at now_ms. true: granted. false: refused, the bucket unchanged, and
 * *retry_after_s the whole seconds (at least 1) until a token is there again. */
bool rate_bucket_take(struct rate_bucket *bucket, const struct rate_limit *limit, int64_t now_ms,
                      unsigned *retry_after_s);

/* true when the bucket holds `burst` tokens at now_ms: it then equals a new one. */
bool rate_bucket_full(const struct rate_bucket *bucket, int64_t now_ms);

#endif
