/* Values sealed to a storage key (sae_sealed.h). */
#include "sae/sae_sealed.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_wipe.h"

_Static_assert(SAE_SEALED_KEY_BYTES == crypto_box_PUBLICKEYBYTES, "key size");
_Static_assert(SAE_SEALED_OVERHEAD == SAE_SEALED_HEADER_BYTES + crypto_box_SEALBYTES,
               "overhead");

void sae_sealed_key_tag(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                        unsigned char out[SAE_SEALED_TAG_BYTES])
{
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash(digest, sizeof digest, public_key, SAE_SEALED_KEY_BYTES, NULL, 0);
    memcpy(out, digest, SAE_SEALED_TAG_BYTES);
}

int sae_sealed_header(const unsigned char *bytes, size_t len, struct sae_sealed_header *out)
{
    struct sae_sealed_header header;
    if (!bytes || len < SAE_SEALED_OVERHEAD)
        return SAE_ECORRUPT;
    if (bytes[0] != SAE_SEALED_VERSION)
        return bytes[0] > SAE_SEALED_VERSION ? SAE_ESCHEMA : SAE_ECORRUPT;
    if (len > SAE_SEALED_MAX_BYTES)
        return SAE_ETOOBIG;
    header.version = bytes[0];
    memcpy(header.key_tag, bytes + 1, SAE_SEALED_TAG_BYTES);
    header.plain_len = len - SAE_SEALED_OVERHEAD;
    *out = header;
    return 0;
}

int sae_sealed_seal(const unsigned char public_key[SAE_SEALED_KEY_BYTES], const void *plain,
                    size_t len, unsigned char **out, size_t *out_len)
{
    if (!plain && len > 0)
        return SAE_EINVAL;
    if (len > SAE_SEALED_PLAIN_MAX)
        return SAE_ETOOBIG;
    size_t total = SAE_SEALED_OVERHEAD + len;
    unsigned char *bytes = malloc(total);
    if (!bytes)
        return SAE_ENOMEM;
    bytes[0] = SAE_SEALED_VERSION;
    sae_sealed_key_tag(public_key, bytes + 1);
    if (crypto_box_seal(bytes + SAE_SEALED_HEADER_BYTES, len ? plain : (const void *)"", len,
                        public_key) != 0) {
        free(bytes);
        return SAE_ECRYPTO;
    }
    *out = bytes;
    *out_len = total;
    return 0;
}

int sae_sealed_open(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                    const unsigned char secret_key[SAE_SEALED_KEY_BYTES],
                    const unsigned char *bytes, size_t len, char **out, size_t *out_len)
{
    struct sae_sealed_header header;
    unsigned char tag[SAE_SEALED_TAG_BYTES];
    int rc = sae_sealed_header(bytes, len, &header);
    if (rc != 0)
        return rc;
    sae_sealed_key_tag(public_key, tag);
    if (sodium_memcmp(tag, header.key_tag, sizeof tag) != 0)
        return SAE_EPERM;
    char *plain = malloc(header.plain_len + 1);
    if (!plain)
        return SAE_ENOMEM;
    if (crypto_box_seal_open((unsigned char *)plain, bytes + SAE_SEALED_HEADER_BYTES,
                             len - SAE_SEALED_HEADER_BYTES, public_key, secret_key) != 0) {
        sae_wipe_free(plain, header.plain_len + 1);
        return SAE_ECORRUPT;
    }
    plain[header.plain_len] = '\0';
    *out = plain;
    *out_len = header.plain_len;
    return 0;
}
