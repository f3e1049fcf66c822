/* Memory for secrets (an unwrapped storage key, a derived wrapping key): sodium_malloc'd, so
 * each allocation sits between guard pages, is locked out of swap (mlock) where the system
 * allows it, and is excluded from core dumps (MADV_DONTDUMP); sae_secure_free zeroes it
 * before giving it back. sae_secure_readonly / sae_secure_noaccess / sae_secure_readwrite
 * change its protection (sodium_mprotect_*), so a secret held for a session is not writable
 * by a stray pointer between uses. NULL is always allowed where a pointer is freed. */
#ifndef SAE_SECURE_MEM_H
#define SAE_SECURE_MEM_H

#include <stddef.h>

#include "sae_error.h"

/* *out: len zeroed bytes of secure memory. SAE_ENOMEM; SAE_EINVAL for len 0. */
int sae_secure_alloc(size_t len, void **out);
/* A secure copy of len bytes. SAE_ENOMEM, SAE_EINVAL for len 0. */
int sae_secure_dup(const void *bytes, size_t len, void **out);
/* Zeroed, unlocked and released (sodium_free); whatever its protection was. */
void sae_secure_free(void *bytes);
/* SAE_ECRYPTO when the system refuses the change. */
int sae_secure_readonly(void *bytes);
int sae_secure_noaccess(void *bytes);
int sae_secure_readwrite(void *bytes);

#endif
