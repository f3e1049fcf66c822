/* Values sealed to a storage key (sae_sealed.h). */
#include "sae/sae_sealed.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_secure_mem.h"
#include "sae/sae_wipe.h"

_Static_assert(SAE_SEALED_KEY_BYTES == crypto_box_PUBLICKEYBYTES, "key size");
_Static_assert(SAE_SEALED_OVERHEAD == SAE_SEALED_HEADER_BYTES + crypto_box_SEALBYTES,
               "overhead");
_Static_assert(SAE_SEALED_NONCE_BYTES == crypto_box_NONCEBYTES, "nonce size");
_Static_assert(SAE_SEALED_MAC_BYTES == crypto_box_MACBYTES, "mac size");

/* Where version 2's parts sit. */
#define EPHEMERAL_AT SAE_SEALED_HEADER_BYTES
#define NONCE_AT (EPHEMERAL_AT + SAE_SEALED_KEY_BYTES)
#define BOX_AT (NONCE_AT + SAE_SEALED_NONCE_BYTES)

struct sae_sealer {
    unsigned char shared[crypto_box_BEFORENMBYTES];
    unsigned char recipient[SAE_SEALED_KEY_BYTES];
    unsigned char ephemeral_public[SAE_SEALED_KEY_BYTES];
    unsigned char key_tag[SAE_SEALED_TAG_BYTES];
};

struct opener_slot {
    unsigned char ephemeral_public[SAE_SEALED_KEY_BYTES];
    unsigned char shared[crypto_box_BEFORENMBYTES];
};

struct sae_opener {
    unsigned char public_key[SAE_SEALED_KEY_BYTES];
    unsigned char secret_key[SAE_SEALED_KEY_BYTES];
    unsigned char key_tag[SAE_SEALED_TAG_BYTES];
    struct opener_slot slots[SAE_OPENER_SLOTS];
    unsigned char derived[crypto_box_BEFORENMBYTES];
    size_t used, next; /* slots filled; the one replaced next */
    uint64_t exchanges;
};

void sae_sealed_key_tag(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                        unsigned char out[SAE_SEALED_TAG_BYTES])
{
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash(digest, sizeof digest, public_key, SAE_SEALED_KEY_BYTES, NULL, 0);
    memcpy(out, digest, SAE_SEALED_TAG_BYTES);
}

static size_t overhead_of(uint8_t version)
{
    return version == SAE_SEALED_VERSION ? SAE_SEALED_OVERHEAD : SAE_SEALED_SHARED_OVERHEAD;
}

int sae_sealed_header(const unsigned char *bytes, size_t len, struct sae_sealed_header *out)
{
    struct sae_sealed_header header;
    if (!bytes || len < SAE_SEALED_HEADER_BYTES)
        return SAE_ECORRUPT;
    if (bytes[0] == 0)
        return SAE_ECORRUPT;
    if (bytes[0] > SAE_SEALED_VERSION_SHARED)
        return SAE_ESCHEMA;
    if (len < overhead_of(bytes[0]))
        return SAE_ECORRUPT;
    if (len - overhead_of(bytes[0]) > SAE_SEALED_PLAIN_MAX)
        return SAE_ETOOBIG;
    header.version = bytes[0];
    memcpy(header.key_tag, bytes + 1, SAE_SEALED_TAG_BYTES);
    header.plain_len = len - overhead_of(bytes[0]);
    *out = header;
    return 0;
}

static int seal_checks(const void *plain, size_t len)
{
    if (!plain && len > 0)
        return SAE_EINVAL;
    return len > SAE_SEALED_PLAIN_MAX ? SAE_ETOOBIG : 0;
}

int sae_sealed_seal(const unsigned char public_key[SAE_SEALED_KEY_BYTES], const void *plain,
                    size_t len, unsigned char **out, size_t *out_len)
{
    int rc = seal_checks(plain, len);
    if (rc != 0)
        return rc;
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

/* Opens version 1 bytes, or version 2 bytes with the shared key of their ephemeral key;
 * the header was read and its tag checked. */
static int open_checked(const struct sae_sealed_header *header, const unsigned char *bytes,
                        size_t len, const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                        const unsigned char secret_key[SAE_SEALED_KEY_BYTES],
                        const unsigned char *shared, char **out, size_t *out_len)
{
    char *plain = malloc(header->plain_len + 1);
    if (!plain)
        return SAE_ENOMEM;
    int rc = header->version == SAE_SEALED_VERSION
                 ? crypto_box_seal_open((unsigned char *)plain, bytes + SAE_SEALED_HEADER_BYTES,
                                        len - SAE_SEALED_HEADER_BYTES, public_key, secret_key)
                 : crypto_box_open_easy_afternm((unsigned char *)plain, bytes + BOX_AT,
                                                len - BOX_AT, bytes + NONCE_AT, shared);
    if (rc != 0) {
        sae_wipe_free(plain, header->plain_len + 1);
        return SAE_ECORRUPT;
    }
    plain[header->plain_len] = '\0';
    *out = plain;
    *out_len = header->plain_len;
    return 0;
}

static int header_for(const unsigned char tag[SAE_SEALED_TAG_BYTES], const unsigned char *bytes,
                      size_t len, struct sae_sealed_header *out)
{
    int rc = sae_sealed_header(bytes, len, out);
    if (rc == 0 && sodium_memcmp(tag, out->key_tag, SAE_SEALED_TAG_BYTES) != 0)
        rc = SAE_EPERM;
    return rc;
}

int sae_sealed_open(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                    const unsigned char secret_key[SAE_SEALED_KEY_BYTES],
                    const unsigned char *bytes, size_t len, char **out, size_t *out_len)
{
    struct sae_sealed_header header;
    unsigned char tag[SAE_SEALED_TAG_BYTES];
    unsigned char shared[crypto_box_BEFORENMBYTES];
    sae_sealed_key_tag(public_key, tag);
    int rc = header_for(tag, bytes, len, &header);
    if (rc != 0 || header.version == SAE_SEALED_VERSION)
        return rc != 0 ? rc : open_checked(&header, bytes, len, public_key, secret_key, NULL,
                                           out, out_len);
    if (crypto_box_beforenm(shared, bytes + EPHEMERAL_AT, secret_key) != 0)
        return SAE_ECORRUPT;
    rc = open_checked(&header, bytes, len, public_key, secret_key, shared, out, out_len);
    sodium_memzero(shared, sizeof shared);
    return rc;
}

/* ---- version 2: a sealer ----------------------------------------------------------------- */

int sae_sealer_new(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                   struct sae_sealer **out)
{
    unsigned char ephemeral_secret[crypto_box_SECRETKEYBYTES];
    void *memory = NULL;
    int rc = sae_secure_alloc(sizeof(struct sae_sealer), &memory);
    if (rc != 0)
        return rc;
    struct sae_sealer *sealer = memory;
    if (crypto_box_keypair(sealer->ephemeral_public, ephemeral_secret) != 0 ||
        crypto_box_beforenm(sealer->shared, public_key, ephemeral_secret) != 0)
        rc = SAE_ECRYPTO;
    /* The ephemeral secret would open every value of the sealer: only the shared key stays,
     * and it dies with the sealer. */
    sodium_memzero(ephemeral_secret, sizeof ephemeral_secret);
    if (rc != 0) {
        sae_secure_free(sealer);
        return rc;
    }
    memcpy(sealer->recipient, public_key, SAE_SEALED_KEY_BYTES);
    sae_sealed_key_tag(public_key, sealer->key_tag);
    *out = sealer;
    return 0;
}

int sae_sealer_is_for(const struct sae_sealer *sealer,
                      const unsigned char public_key[SAE_SEALED_KEY_BYTES])
{
    return sodium_memcmp(sealer->recipient, public_key, SAE_SEALED_KEY_BYTES) == 0;
}

int sae_sealer_seal(const struct sae_sealer *sealer, const void *plain, size_t len,
                    unsigned char **out, size_t *out_len)
{
    int rc = seal_checks(plain, len);
    if (rc != 0)
        return rc;
    size_t total = SAE_SEALED_SHARED_OVERHEAD + len;
    unsigned char *bytes = malloc(total);
    if (!bytes)
        return SAE_ENOMEM;
    bytes[0] = SAE_SEALED_VERSION_SHARED;
    memcpy(bytes + 1, sealer->key_tag, SAE_SEALED_TAG_BYTES);
    memcpy(bytes + EPHEMERAL_AT, sealer->ephemeral_public, SAE_SEALED_KEY_BYTES);
    /* Random, not a counter: 192 bits make a repeat negligible, and no state has to be kept
     * right across sealers that share nothing, nor does a nonce tell how many values came
     * before it. */
    randombytes_buf(bytes + NONCE_AT, SAE_SEALED_NONCE_BYTES);
    if (crypto_box_easy_afternm(bytes + BOX_AT, len ? plain : (const void *)"", len,
                                bytes + NONCE_AT, sealer->shared) != 0) {
        free(bytes);
        return SAE_ECRYPTO;
    }
    *out = bytes;
    *out_len = total;
    return 0;
}

void sae_sealer_free(struct sae_sealer *sealer) { sae_secure_free(sealer); }

/* ---- an opener with its cache ------------------------------------------------------------ */

int sae_opener_new(const unsigned char public_key[SAE_SEALED_KEY_BYTES],
                   const unsigned char secret_key[SAE_SEALED_KEY_BYTES],
                   struct sae_opener **out)
{
    unsigned char derived[SAE_SEALED_KEY_BYTES];
    if (crypto_scalarmult_base(derived, secret_key) != 0 ||
        sodium_memcmp(derived, public_key, sizeof derived) != 0)
        return SAE_EPERM;
    void *memory = NULL;
    int rc = sae_secure_alloc(sizeof(struct sae_opener), &memory);
    if (rc != 0)
        return rc;
    struct sae_opener *opener = memory;
    memcpy(opener->public_key, public_key, SAE_SEALED_KEY_BYTES);
    memcpy(opener->secret_key, secret_key, SAE_SEALED_KEY_BYTES);
    sae_sealed_key_tag(public_key, opener->key_tag);
    *out = opener;
    return 0;
}

/* The shared key with ephemeral_public: from the cache, or derived into the slot replaced
 * next. NULL when X25519 refuses the point (a forged value). */
static const unsigned char *shared_key(struct sae_opener *opener,
                                       const unsigned char *ephemeral_public)
{
    for (size_t i = 0; i < opener->used; i++)
        if (sodium_memcmp(opener->slots[i].ephemeral_public, ephemeral_public,
                          SAE_SEALED_KEY_BYTES) == 0)
            return opener->slots[i].shared;
    struct opener_slot *slot = &opener->slots[opener->next];
    opener->exchanges++;
    /* Derived aside first: a refused point (low order) leaves the slot, which may hold a
     * key still met, as it was. */
    int rc = crypto_box_beforenm(opener->derived, ephemeral_public, opener->secret_key);
    if (rc == 0)
        memcpy(slot->shared, opener->derived, sizeof slot->shared);
    sodium_memzero(opener->derived, sizeof opener->derived);
    if (rc != 0)
        return NULL;
    memcpy(slot->ephemeral_public, ephemeral_public, SAE_SEALED_KEY_BYTES);
    opener->next = (opener->next + 1) % SAE_OPENER_SLOTS;
    if (opener->used < SAE_OPENER_SLOTS)
        opener->used++;
    return slot->shared;
}

int sae_opener_open(struct sae_opener *opener, const unsigned char *bytes, size_t len,
                    char **out, size_t *out_len)
{
    struct sae_sealed_header header;
    int rc = header_for(opener->key_tag, bytes, len, &header);
    if (rc != 0)
        return rc;
    if (header.version == SAE_SEALED_VERSION) {
        opener->exchanges++;
        return open_checked(&header, bytes, len, opener->public_key, opener->secret_key, NULL,
                            out, out_len);
    }
    const unsigned char *shared = shared_key(opener, bytes + EPHEMERAL_AT);
    if (!shared)
        return SAE_ECORRUPT;
    return open_checked(&header, bytes, len, NULL, NULL, shared, out, out_len);
}

uint64_t sae_opener_exchanges(const struct sae_opener *opener) { return opener->exchanges; }

void sae_opener_free(struct sae_opener *opener) { sae_secure_free(opener); }
