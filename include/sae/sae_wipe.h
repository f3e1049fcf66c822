/* Releasing memory that held survivors' data or secrets: zeroed (sodium_memzero, which the
 * compiler may not drop) before it is freed. NULL is always allowed. */
#ifndef SAE_WIPE_H
#define SAE_WIPE_H

#include <stddef.h>

struct sae_change;

/* Zeroes len bytes at bytes, then frees them. */
void sae_wipe_free(void *bytes, size_t len);
/* Zeroes a NUL-terminated string (its length), then frees it. */
void sae_wipe_free_string(char *text);
/* Frees changes[0..count-1] (kind, field, and value and people wiped) and the array: a list
 * of changes the program allocated itself, as a pull answer or a push batch. */
void sae_wipe_free_changes(struct sae_change *changes, size_t count);
/* Frees what one such change holds (as sae_wipe_free_changes) and zeroes it. */
void sae_wipe_clear_change(struct sae_change *change);

#endif
