/* Secure memory for secrets (sae_secure_mem.h). */
#include "sae/sae_secure_mem.h"

#include <sodium.h>
#include <string.h>

int sae_secure_alloc(size_t len, void **out)
{
    if (len == 0)
        return SAE_EINVAL;
    /* sodium_malloc aborts before sodium_init; the call is cheap once done and thread-safe,
     * so a library caller (a test, a tool) need not remember it. */
    if (sodium_init() < 0)
        return SAE_ECRYPTO;
    void *bytes = sodium_malloc(len);
    if (!bytes)
        return SAE_ENOMEM;
    /* sodium_malloc fills with 0xdb to catch reads of what was never written; a secret
     * buffer starts from zero instead, so a short write never leaves a recognisable fill. */
    sodium_memzero(bytes, len);
    *out = bytes;
    return 0;
}

int sae_secure_dup(const void *bytes, size_t len, void **out)
{
    void *copy = NULL;
    int rc = sae_secure_alloc(len, &copy);
    if (rc != 0)
        return rc;
    memcpy(copy, bytes, len);
    *out = copy;
    return 0;
}

void sae_secure_free(void *bytes)
{
    if (!bytes)
        return;
    /* sodium_free wipes the region, but needs it writable to do so. */
    sodium_mprotect_readwrite(bytes);
    sodium_free(bytes);
}

int sae_secure_readonly(void *bytes)
{
    return bytes && sodium_mprotect_readonly(bytes) == 0 ? 0 : SAE_ECRYPTO;
}

int sae_secure_noaccess(void *bytes)
{
    return bytes && sodium_mprotect_noaccess(bytes) == 0 ? 0 : SAE_ECRYPTO;
}

int sae_secure_readwrite(void *bytes)
{
    return bytes && sodium_mprotect_readwrite(bytes) == 0 ? 0 : SAE_ECRYPTO;
}
