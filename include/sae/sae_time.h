/* Units of time, for durations written as numbers of milliseconds or seconds. */
#ifndef SAE_TIME_H
#define SAE_TIME_H

#define SAE_MS_PER_SECOND 1000LL
#define SAE_MS_PER_MINUTE (60 * SAE_MS_PER_SECOND)
#define SAE_MS_PER_HOUR (60 * SAE_MS_PER_MINUTE)
#define SAE_MS_PER_DAY (24 * SAE_MS_PER_HOUR)
#define SAE_SECONDS_PER_DAY (24 * 60 * 60)
#define SAE_NS_PER_MS 1000000L

#endif
