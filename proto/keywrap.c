/* Keys wrapped by passphrases (sae_keywrap.h). */
#include "sae/sae_keywrap.h"

#include <sodium.h>
#include <string.h>

#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"

static const unsigned char MAGIC[4] = {'S', 'A', 'E', 'K'};

_Static_assert(SAE_KEYWRAP_SALT_BYTES == crypto_pwhash_SALTBYTES, "salt size");
_Static_assert(SAE_KEYWRAP_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
               "nonce size");
_Static_assert(SAE_KEYWRAP_SEALED_BYTES ==
                   SAE_KEYWRAP_KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "sealed size");
_Static_assert(SAE_KEYWRAP_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
               "key size");
_Static_assert(SAE_KEYWRAP_HEADER_BYTES == 4 + 4 + 8 + SAE_KEYWRAP_SALT_BYTES +
                                               SAE_KEYWRAP_NONCE_BYTES,
               "layout");

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int params_check(uint32_t opslimit, uint32_t memlimit_kib)
{
    if (opslimit < SAE_KEYWRAP_OPSLIMIT_MIN || opslimit > SAE_KEYWRAP_OPSLIMIT_MAX ||
        memlimit_kib < SAE_KEYWRAP_MEMLIMIT_KIB_MIN || memlimit_kib > SAE_KEYWRAP_MEMLIMIT_KIB_MAX)
        return SAE_ERANGE;
    return 0;
}

/* Each version has one algorithm. */
static uint8_t algorithm_of(uint8_t version)
{
    return version == SAE_KEYWRAP_VERSION_SPLIT ? SAE_KEYWRAP_ALG_ARGON2ID_SPLIT_XCHACHA
                                                : SAE_KEYWRAP_ALG_ARGON2ID_XCHACHA;
}

int sae_keywrap_decode(const unsigned char *bytes, size_t len, struct sae_keywrap *out)
{
    struct sae_keywrap wrap;
    if (!bytes || len != SAE_KEYWRAP_BYTES || memcmp(bytes, MAGIC, sizeof MAGIC) != 0)
        return SAE_ECORRUPT;
    wrap.version = bytes[4];
    wrap.algorithm = bytes[5];
    if (wrap.version > SAE_KEYWRAP_VERSION_SPLIT)
        return SAE_ESCHEMA;
    if (wrap.version == 0 || wrap.algorithm != algorithm_of(wrap.version) || bytes[6] != 0 ||
        bytes[7] != 0)
        return SAE_ECORRUPT;
    wrap.opslimit = get_u32(bytes + 8);
    wrap.memlimit_kib = get_u32(bytes + 12);
    int rc = params_check(wrap.opslimit, wrap.memlimit_kib);
    if (rc != 0)
        return rc;
    memcpy(wrap.salt, bytes + 16, sizeof wrap.salt);
    memcpy(wrap.nonce, bytes + 32, sizeof wrap.nonce);
    memcpy(wrap.sealed, bytes + SAE_KEYWRAP_HEADER_BYTES, sizeof wrap.sealed);
    *out = wrap;
    return 0;
}

int sae_keywrap_encode(const struct sae_keywrap *wrap, unsigned char out[SAE_KEYWRAP_BYTES])
{
    if (!wrap || wrap->version == 0 || wrap->version > SAE_KEYWRAP_VERSION_SPLIT ||
        wrap->algorithm != algorithm_of(wrap->version))
        return SAE_EINVAL;
    int rc = params_check(wrap->opslimit, wrap->memlimit_kib);
    if (rc != 0)
        return rc;
    memcpy(out, MAGIC, sizeof MAGIC);
    out[4] = wrap->version;
    out[5] = wrap->algorithm;
    out[6] = out[7] = 0;
    put_u32(out + 8, wrap->opslimit);
    put_u32(out + 12, wrap->memlimit_kib);
    memcpy(out + 16, wrap->salt, sizeof wrap->salt);
    memcpy(out + 32, wrap->nonce, sizeof wrap->nonce);
    memcpy(out + SAE_KEYWRAP_HEADER_BYTES, wrap->sealed, sizeof wrap->sealed);
    return 0;
}

static int passphrase_check(const char *passphrase, size_t len)
{
    return passphrase && len > 0 && len <= SAE_KEYWRAP_PASSPHRASE_MAX_BYTES ? 0 : SAE_EINVAL;
}

/* The wrapping key (secure memory) of passphrase under the wrap's salt and parameters. */
static int derive(const struct sae_keywrap *wrap, const char *passphrase, size_t len,
                  unsigned char **out)
{
    void *key = NULL;
    int rc = sae_secure_alloc(SAE_KEYWRAP_KEY_BYTES, &key);
    if (rc != 0)
        return rc;
    if (crypto_pwhash(key, SAE_KEYWRAP_KEY_BYTES, passphrase, len, wrap->salt,
                      wrap->opslimit, (size_t)wrap->memlimit_kib * 1024u,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        rc = SAE_ENOMEM; /* Argon2id fails only for want of its memory */
    /* Version 2: the Argon2id output is the master both subkeys come from. */
    if (rc == 0 && wrap->version == SAE_KEYWRAP_VERSION_SPLIT)
        rc = sae_passkey_split(key, NULL, key);
    if (rc != 0) {
        sae_secure_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

/* out: key sealed under wrapping by wrap's header (salt and parameters set, nonce made). */
static int seal_with(struct sae_keywrap *wrap, const unsigned char *key,
                     const unsigned char *wrapping, unsigned char out[SAE_KEYWRAP_BYTES])
{
    unsigned char bytes[SAE_KEYWRAP_BYTES];
    randombytes_buf(wrap->nonce, sizeof wrap->nonce);
    int rc = sae_keywrap_encode(wrap, bytes); /* the header, the associated data */
    if (rc == 0 && crypto_aead_xchacha20poly1305_ietf_encrypt(
                       bytes + SAE_KEYWRAP_HEADER_BYTES, NULL, key, SAE_KEYWRAP_KEY_BYTES,
                       bytes, SAE_KEYWRAP_HEADER_BYTES, NULL, wrap->nonce, wrapping) != 0)
        rc = SAE_ECRYPTO;
    if (rc == 0)
        memcpy(out, bytes, sizeof bytes);
    return rc;
}

int sae_keywrap_seal_params(const unsigned char key[SAE_KEYWRAP_KEY_BYTES],
                            const char *passphrase, size_t passphrase_len, uint32_t opslimit,
                            uint32_t memlimit_kib, unsigned char out[SAE_KEYWRAP_BYTES])
{
    struct sae_keywrap wrap = {SAE_KEYWRAP_VERSION, SAE_KEYWRAP_ALG_ARGON2ID_XCHACHA,
                               opslimit, memlimit_kib, {0}, {0}, {0}};
    unsigned char *wrapping = NULL;
    int rc = passphrase_check(passphrase, passphrase_len);
    if (rc == 0)
        rc = params_check(opslimit, memlimit_kib);
    if (rc != 0)
        return rc;
    randombytes_buf(wrap.salt, sizeof wrap.salt);
    rc = derive(&wrap, passphrase, passphrase_len, &wrapping);
    if (rc == 0)
        rc = seal_with(&wrap, key, wrapping, out);
    sae_secure_free(wrapping);
    return rc;
}

int sae_keywrap_seal_split(const unsigned char key[SAE_KEYWRAP_KEY_BYTES],
                           const unsigned char wrapping_key[SAE_KEYWRAP_KEY_BYTES],
                           const unsigned char salt[SAE_KEYWRAP_SALT_BYTES], uint32_t opslimit,
                           uint32_t memlimit_kib, unsigned char out[SAE_KEYWRAP_BYTES])
{
    struct sae_keywrap wrap = {SAE_KEYWRAP_VERSION_SPLIT, SAE_KEYWRAP_ALG_ARGON2ID_SPLIT_XCHACHA,
                               opslimit, memlimit_kib, {0}, {0}, {0}};
    memcpy(wrap.salt, salt, sizeof wrap.salt);
    return seal_with(&wrap, key, wrapping_key, out);
}

int sae_keywrap_seal(const unsigned char key[SAE_KEYWRAP_KEY_BYTES], const char *passphrase,
                     size_t passphrase_len, unsigned char out[SAE_KEYWRAP_BYTES])
{
    return sae_keywrap_seal_params(key, passphrase, passphrase_len, SAE_KEYWRAP_OPSLIMIT,
                                   SAE_KEYWRAP_MEMLIMIT_KIB, out);
}

/* key_out: the wrap's sealed key opened with wrapping (SAE_EPERM when it does not open). */
static int open_with(const struct sae_keywrap *wrap, const unsigned char *wrapped,
                     const unsigned char *wrapping, unsigned char *key_out)
{
    void *key = NULL;
    int rc = sae_secure_alloc(SAE_KEYWRAP_KEY_BYTES, &key);
    if (rc == 0 && crypto_aead_xchacha20poly1305_ietf_decrypt(
                       key, NULL, NULL, wrap->sealed, sizeof wrap->sealed, wrapped,
                       SAE_KEYWRAP_HEADER_BYTES, wrap->nonce, wrapping) != 0)
        rc = SAE_EPERM;
    if (rc == 0)
        memcpy(key_out, key, SAE_KEYWRAP_KEY_BYTES);
    sae_secure_free(key);
    return rc;
}

int sae_keywrap_open(const unsigned char *wrapped, size_t len, const char *passphrase,
                     size_t passphrase_len, unsigned char key_out[SAE_KEYWRAP_KEY_BYTES])
{
    struct sae_keywrap wrap;
    unsigned char *wrapping = NULL;
    int rc = sae_keywrap_decode(wrapped, len, &wrap);
    if (rc == 0)
        rc = passphrase_check(passphrase, passphrase_len);
    if (rc == 0)
        rc = derive(&wrap, passphrase, passphrase_len, &wrapping);
    if (rc == 0)
        rc = open_with(&wrap, wrapped, wrapping, key_out);
    sae_secure_free(wrapping);
    return rc;
}

int sae_keywrap_open_split(const unsigned char *wrapped, size_t len,
                           const unsigned char wrapping_key[SAE_KEYWRAP_KEY_BYTES],
                           unsigned char key_out[SAE_KEYWRAP_KEY_BYTES])
{
    struct sae_keywrap wrap;
    int rc = sae_keywrap_decode(wrapped, len, &wrap);
    if (rc == 0 && wrap.version != SAE_KEYWRAP_VERSION_SPLIT)
        rc = SAE_EINVAL;
    return rc == 0 ? open_with(&wrap, wrapped, wrapping_key, key_out) : rc;
}
