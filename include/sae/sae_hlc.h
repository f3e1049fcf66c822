/* Versions: hybrid logical clocks (Kulkarni et al.). A version packs 48 bits of
 * milliseconds since the Unix epoch above a 16-bit counter; ties between equal versions
 * are broken by the origin id of the node that wrote them. Ordering never trusts a raw
 * device clock alone: the clock only moves forward and catches up with versions it sees. */
#ifndef SAE_HLC_H
#define SAE_HLC_H

#include <stdint.h>

#define SAE_HLC_COUNTER_BITS 16
#define SAE_HLC_COUNTER_MAX 0xffffu
/* Versions stay below 2^63 so that SQLite stores and orders them as plain integers:
 * milliseconds must be below 2^47 (the year 6429). */
#define SAE_HLC_MS_MAX ((UINT64_C(1) << 47) - 1)

typedef uint64_t sae_hlc;

/* A version together with its writer: the total order used by last-writer-wins. */
struct sae_version {
    sae_hlc hlc;
    uint64_t origin;
};

static inline uint64_t sae_hlc_ms(sae_hlc v) { return v >> SAE_HLC_COUNTER_BITS; }
static inline uint32_t sae_hlc_counter(sae_hlc v) { return (uint32_t)(v & SAE_HLC_COUNTER_MAX); }

/* Packs ms and counter; SAE_ECLOCK when ms is past SAE_HLC_MS_MAX or counter past 16 bits. */
int sae_hlc_pack(uint64_t ms, uint32_t counter, sae_hlc *out);

/* The next local version after last, given the wall clock in ms: strictly greater than
 * last, and at least wall_ms. SAE_ECLOCK if that would leave the representable range. */
int sae_hlc_tick(sae_hlc last, uint64_t wall_ms, sae_hlc *out);

/* Merges a version received from elsewhere: the result is greater than both last and
 * remote, and at least wall_ms. */
int sae_hlc_receive(sae_hlc last, sae_hlc remote, uint64_t wall_ms, sae_hlc *out);

/* Compares (hlc, origin) pairs: negative, zero or positive. */
int sae_version_compare(const struct sae_version *a, const struct sae_version *b);

/* The wall clock in milliseconds since the Unix epoch. */
uint64_t sae_wall_clock_ms(void);

/* Text forms: the version as 16 hex digits (sorts like the number) and the time it
 * carries as ISO 8601 UTC with milliseconds ("2026-11-29T13:20:01.123Z"). */
#define SAE_HLC_HEX_LEN 16
#define SAE_HLC_TIME_LEN 24
void sae_hlc_format_hex(sae_hlc v, char out[SAE_HLC_HEX_LEN + 1]);
void sae_hlc_format_time(sae_hlc v, char out[SAE_HLC_TIME_LEN + 1]);
/* Parses the 16-lower-case-hex-digit form of a version below 2^63; SAE_EINVAL otherwise. */
int sae_hlc_parse_hex(const char *text, sae_hlc *out);

#endif
