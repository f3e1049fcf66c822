/* Token buckets as the generic cell rate algorithm: each request pushes the time the bucket
 * is full again one interval later; a request is refused while that time is more than
 * burst - 1 intervals away. Microseconds keep the interval exact for every rate up to 10^6/s
 * that divides a second, and close for the others. */
#include "net/rate_limit.h"

#define US_PER_MS 1000
#define US_PER_SECOND 1000000
#define RATE_MAX 1000000u

bool rate_limit_valid(const struct rate_limit *limit)
{
    return limit && limit->per_second >= 1 && limit->per_second <= RATE_MAX &&
           limit->burst >= 1 && limit->burst <= RATE_MAX;
}

bool rate_bucket_take(struct rate_bucket *bucket, const struct rate_limit *limit, int64_t now_ms,
                      unsigned *retry_after_s)
{
    int64_t now = now_ms * US_PER_MS;
    int64_t interval = US_PER_SECOND / (int64_t)limit->per_second;
    int64_t tolerance = interval * ((int64_t)limit->burst - 1);
    int64_t full_at = bucket->full_at_us > now ? bucket->full_at_us : now;
    if (full_at - now > tolerance) {
        int64_t wait = full_at - tolerance - now;
        *retry_after_s = (unsigned)((wait + US_PER_SECOND - 1) / US_PER_SECOND);
        return false;
    }
    bucket->full_at_us = full_at + interval;
    return true;
}

bool rate_bucket_full(const struct rate_bucket *bucket, int64_t now_ms)
{
    return bucket->full_at_us <= now_ms * US_PER_MS;
}
