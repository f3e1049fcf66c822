#include "sae/sae_hlc.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sae/sae_error.h"

int sae_hlc_pack(uint64_t ms, uint32_t counter, sae_hlc *out)
{
    if (ms > SAE_HLC_MS_MAX || counter > SAE_HLC_COUNTER_MAX)
        return SAE_ECLOCK;
    *out = ms << SAE_HLC_COUNTER_BITS | counter;
    return 0;
}

/* The smallest version strictly above floor whose time is at least wall_ms. When the
 * counter of floor's millisecond is exhausted, time moves on by one millisecond: the
 * clock runs a little ahead rather than ever repeating a version. */
static int next_above(sae_hlc floor, uint64_t wall_ms, sae_hlc *out)
{
    uint64_t ms = sae_hlc_ms(floor);
    if (wall_ms > ms)
        return sae_hlc_pack(wall_ms, 0, out);
    if (sae_hlc_counter(floor) < SAE_HLC_COUNTER_MAX)
        return sae_hlc_pack(ms, sae_hlc_counter(floor) + 1, out);
    return sae_hlc_pack(ms + 1, 0, out);
}

int sae_hlc_tick(sae_hlc last, uint64_t wall_ms, sae_hlc *out)
{
    return next_above(last, wall_ms, out);
}

int sae_hlc_receive(sae_hlc last, sae_hlc remote, uint64_t wall_ms, sae_hlc *out)
{
    return next_above(last > remote ? last : remote, wall_ms, out);
}

int sae_version_compare(const struct sae_version *a, const struct sae_version *b)
{
    if (a->hlc != b->hlc)
        return a->hlc < b->hlc ? -1 : 1;
    if (a->origin != b->origin)
        return a->origin < b->origin ? -1 : 1;
    return 0;
}

uint64_t sae_wall_clock_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sae_hlc_format_hex(sae_hlc v, char out[SAE_HLC_HEX_LEN + 1])
{
    snprintf(out, SAE_HLC_HEX_LEN + 1, "%016" PRIx64, v);
}

void sae_hlc_format_time(sae_hlc v, char out[SAE_HLC_TIME_LEN + 1])
{
    uint64_t ms = sae_hlc_ms(v);
    time_t seconds = (time_t)(ms / 1000u);
    struct tm tm;
    char date[32];
    if (!gmtime_r(&seconds, &tm) || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(out, SAE_HLC_TIME_LEN + 1, "invalid");
        return;
    }
    snprintf(out, SAE_HLC_TIME_LEN + 1, "%.19s.%03uZ", date, (unsigned)(ms % 1000u));
}

int sae_hlc_parse_hex(const char *text, sae_hlc *out)
{
    sae_hlc v = 0;
    if (strlen(text) != SAE_HLC_HEX_LEN)
        return SAE_EINVAL;
    for (size_t i = 0; i < SAE_HLC_HEX_LEN; i++) {
        char c = text[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return SAE_EINVAL;
        v = v << 4 | d;
    }
    if (v > (sae_hlc)INT64_MAX)
        return SAE_EINVAL; /* versions stay below 2^63 */
    *out = v;
    return 0;
}
