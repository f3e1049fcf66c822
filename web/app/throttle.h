/* Sign-in throttling, per account name and per address, in memory. Keys are the name as
 * typed (whether or not an account has it, so the answer never tells) and the client's
 * address; each key may fail THROTTLE_NAME_FAILURES (a name) or THROTTLE_ADDRESS_FAILURES (an
 * address) times within THROTTLE_WINDOW_SECONDS, after which it is refused until the window
 * of its first failure has passed. A success clears the name's count, not the address's.
 * The table holds THROTTLE_KEYS_MAX keys; when full, a new key takes the place of the oldest
 * that locks nothing, and only when every key locks, of the oldest: fresh names sent from
 * many addresses never push out a name being guessed at. Counts live in memory only and a
 * restart clears them (README says why that is acceptable). Thread-safe.
 * Keys are stored as keyed hashes (a name someone mistyped as a password is not kept). */
#ifndef WEB_THROTTLE_H
#define WEB_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "sae/sae_error.h"

#define THROTTLE_NAME_FAILURES 5u
#define THROTTLE_ADDRESS_FAILURES 20u
#define THROTTLE_WINDOW_SECONDS (15 * 60)
#define THROTTLE_KEYS_MAX 4096u

struct throttle;

int throttle_create(struct throttle **out);
void throttle_destroy(struct throttle *t);

/* Seconds until name or address may try again (0: now). */
int64_t throttle_wait(struct throttle *t, const char *name, const char *address, int64_t now_s);
/* A failed sign-in by name from address. */
void throttle_failed(struct throttle *t, const char *name, const char *address, int64_t now_s);
/* A successful one: the name's failures are forgotten. */
void throttle_succeeded(struct throttle *t, const char *name, int64_t now_s);

#endif
