/* Bylines of changes (sae_byline.h). */
#include "sae/sae_byline.h"

#include <stdio.h>
#include <time.h>

/* Local time, so that a coordinator in Probolinggo reads WIB; the process's TZ decides. */
static int local_tm(uint64_t ms, struct tm *out)
{
    time_t seconds = (time_t)(ms / 1000u);
    return localtime_r(&seconds, out) ? 0 : -1;
}

void sae_byline_time(uint64_t ms, uint64_t now_ms, char out[SAE_BYLINE_TIME_BYTES])
{
    struct tm when, now;
    if (local_tm(ms, &when) != 0 || local_tm(now_ms, &now) != 0) {
        snprintf(out, SAE_BYLINE_TIME_BYTES, "?");
        return;
    }
    const char *format = when.tm_year == now.tm_year ? "%e %b %H:%M" : "%e %b %Y %H:%M";
    if (strftime(out, SAE_BYLINE_TIME_BYTES, format, &when) == 0)
        snprintf(out, SAE_BYLINE_TIME_BYTES, "?");
    /* %e pads a one-digit day with a space: "3 Dec", not " 3 Dec". */
    if (out[0] == ' ')
        for (char *p = out; *p; p++)
            p[0] = p[1];
}

void sae_byline(const char *author, const char *device, uint64_t ms, uint64_t now_ms,
                char out[SAE_BYLINE_BYTES])
{
    char time_text[SAE_BYLINE_TIME_BYTES];
    sae_byline_time(ms, now_ms, time_text);
    if (author && device)
        snprintf(out, SAE_BYLINE_BYTES, "%s, %s, %s", author, device, time_text);
    else if (author || device)
        snprintf(out, SAE_BYLINE_BYTES, "%s, %s", author ? author : device, time_text);
    else
        snprintf(out, SAE_BYLINE_BYTES, "unknown, %s", time_text);
}
