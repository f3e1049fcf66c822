/* Who made a change, on which device, and when, as people read it: "Siti, Laptop Pos
 * Sumberanyar, 3 Dec 14:05". Both programs show changes this way (history, reports show,
 * conflicts show) instead of device ids and version numbers. */
#ifndef SAE_BYLINE_H
#define SAE_BYLINE_H

#include <stddef.h>
#include <stdint.h>

#include "sae_limits.h"
#include "sae_wire_limits.h"

/* "3 Dec 14:05", or "3 Dec 2025 14:05" outside the current year, in local time. */
#define SAE_BYLINE_TIME_BYTES 32
/* A person, a device name, a time and their separators. */
#define SAE_BYLINE_BYTES (SAE_LIMIT_PERSON_BYTES + SAE_WIRE_TEXT_BYTES + SAE_BYLINE_TIME_BYTES + 8)

/* The time of ms (since the Unix epoch) for people; now_ms decides whether the year shows. */
void sae_byline_time(uint64_t ms, uint64_t now_ms, char out[SAE_BYLINE_TIME_BYTES]);

/* "AUTHOR, DEVICE, TIME"; an unknown author (NULL: a change from a schema-1 post) or
 * device (NULL) is left out, both unknown give "unknown, TIME". */
void sae_byline(const char *author, const char *device, uint64_t ms, uint64_t now_ms,
                char out[SAE_BYLINE_BYTES]);

#endif
