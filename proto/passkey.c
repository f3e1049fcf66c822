/* A passphrase's verifier and wrapping key from one Argon2id (sae_passkey.h). */
#include "sae/sae_passkey.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "sae/sae_secure_mem.h"

#define CONTEXT "SAEpass1"
#define SUBKEY_VERIFIER 1u
#define SUBKEY_WRAPPING 2u
#define B64 sodium_base64_VARIANT_ORIGINAL_NO_PADDING

_Static_assert(sizeof CONTEXT - 1 == crypto_kdf_CONTEXTBYTES, "context size");
_Static_assert(SAE_PASSKEY_KEY_BYTES == crypto_kdf_KEYBYTES, "master size");

/* What a verifier's text holds. */
struct passkey {
    uint32_t opslimit, memlimit_kib;
    unsigned char salt[SAE_KEYWRAP_SALT_BYTES];
    unsigned char verifier[SAE_PASSKEY_KEY_BYTES];
};

bool sae_passkey_is(const char *text)
{
    return text && strncmp(text, SAE_PASSKEY_PREFIX, strlen(SAE_PASSKEY_PREFIX)) == 0;
}

int sae_passkey_split(const unsigned char master[SAE_PASSKEY_KEY_BYTES], unsigned char *verifier,
                      unsigned char *wrapping)
{
    unsigned char one[SAE_PASSKEY_KEY_BYTES], two[SAE_PASSKEY_KEY_BYTES];
    int rc = crypto_kdf_derive_from_key(one, sizeof one, SUBKEY_VERIFIER, CONTEXT, master) ==
                         0 &&
                     crypto_kdf_derive_from_key(two, sizeof two, SUBKEY_WRAPPING, CONTEXT,
                                                master) == 0
                 ? 0
                 : SAE_ECRYPTO;
    if (rc == 0 && verifier)
        memcpy(verifier, one, sizeof one);
    if (rc == 0 && wrapping)
        memcpy(wrapping, two, sizeof two);
    sodium_memzero(one, sizeof one);
    sodium_memzero(two, sizeof two);
    return rc;
}

static int params_check(uint32_t opslimit, uint32_t memlimit_kib)
{
    return opslimit < SAE_KEYWRAP_OPSLIMIT_MIN || opslimit > SAE_KEYWRAP_OPSLIMIT_MAX ||
                   memlimit_kib < SAE_KEYWRAP_MEMLIMIT_KIB_MIN ||
                   memlimit_kib > SAE_KEYWRAP_MEMLIMIT_KIB_MAX
               ? SAE_ERANGE
               : 0;
}

/* *master (secure memory): Argon2id of passphrase under key's salt and parameters. */
static int hash(const struct passkey *key, const char *passphrase, size_t len,
                unsigned char **master)
{
    void *out = NULL;
    if (!passphrase || len == 0 || len > SAE_KEYWRAP_PASSPHRASE_MAX_BYTES)
        return SAE_EINVAL;
    int rc = sae_secure_alloc(SAE_PASSKEY_KEY_BYTES, &out);
    if (rc == 0 && crypto_pwhash(out, SAE_PASSKEY_KEY_BYTES, passphrase, len, key->salt,
                                 key->opslimit, (size_t)key->memlimit_kib * 1024u,
                                 crypto_pwhash_ALG_ARGON2ID13) != 0)
        rc = SAE_ENOMEM; /* Argon2id fails only for want of its memory */
    if (rc != 0) {
        sae_secure_free(out);
        return rc;
    }
    *master = out;
    return 0;
}

/* One base64 part of exactly len bytes from text (up to end or '$'); *next after it. */
static int read_part(const char *text, unsigned char *out, size_t len, const char **next)
{
    const char *end = strchr(text, '$');
    size_t chars = end ? (size_t)(end - text) : strlen(text), got = 0;
    if (sodium_base642bin(out, len, text, chars, NULL, &got, NULL, B64) != 0 || got != len)
        return SAE_ECORRUPT;
    *next = text + chars;
    return 0;
}

static int parse(const char *text, struct passkey *out)
{
    struct passkey key;
    unsigned ops = 0, mem = 0;
    int used = 0;
    if (!sae_passkey_is(text))
        return SAE_ECORRUPT;
    const char *p = text + strlen(SAE_PASSKEY_PREFIX);
    if (sscanf(p, "t=%10u,m=%10u$%n", &ops, &mem, &used) != 2 || used == 0)
        return SAE_ECORRUPT;
    p += used;
    int rc = read_part(p, key.salt, sizeof key.salt, &p);
    if (rc == 0 && *p != '$')
        rc = SAE_ECORRUPT;
    if (rc == 0)
        rc = read_part(p + 1, key.verifier, sizeof key.verifier, &p);
    if (rc == 0 && *p != '\0')
        rc = SAE_ECORRUPT;
    if (rc != 0)
        return rc;
    key.opslimit = ops;
    key.memlimit_kib = mem;
    rc = params_check(key.opslimit, key.memlimit_kib);
    if (rc == 0)
        *out = key;
    return rc;
}

static void format(const struct passkey *key, char text[SAE_PASSKEY_TEXT_BYTES])
{
    char salt[sodium_base64_ENCODED_LEN(SAE_KEYWRAP_SALT_BYTES, B64)];
    char verifier[sodium_base64_ENCODED_LEN(SAE_PASSKEY_KEY_BYTES, B64)];
    sodium_bin2base64(salt, sizeof salt, key->salt, sizeof key->salt, B64);
    sodium_bin2base64(verifier, sizeof verifier, key->verifier, sizeof key->verifier, B64);
    snprintf(text, SAE_PASSKEY_TEXT_BYTES, "%st=%u,m=%u$%s$%s", SAE_PASSKEY_PREFIX,
             (unsigned)key->opslimit, (unsigned)key->memlimit_kib, salt, verifier);
}

int sae_passkey_make_params(const char *passphrase, size_t len, const unsigned char *secret,
                            uint32_t opslimit, uint32_t memlimit_kib,
                            char text[SAE_PASSKEY_TEXT_BYTES], unsigned char *wrap)
{
    struct passkey key = {.opslimit = opslimit, .memlimit_kib = memlimit_kib};
    unsigned char *master = NULL, sealed[SAE_KEYWRAP_BYTES];
    int rc = params_check(opslimit, memlimit_kib);
    if (rc != 0)
        return rc;
    randombytes_buf(key.salt, sizeof key.salt);
    rc = hash(&key, passphrase, len, &master);
    if (rc == 0)
        rc = sae_passkey_split(master, key.verifier, master);
    if (rc == 0 && secret)
        rc = sae_keywrap_seal_split(secret, master, key.salt, opslimit, memlimit_kib, sealed);
    sae_secure_free(master);
    if (rc == 0) {
        format(&key, text);
        if (secret)
            memcpy(wrap, sealed, sizeof sealed);
    }
    sodium_memzero(&key, sizeof key);
    return rc;
}

int sae_passkey_make(const char *passphrase, size_t len, const unsigned char *secret,
                     char text[SAE_PASSKEY_TEXT_BYTES], unsigned char *wrap)
{
    return sae_passkey_make_params(passphrase, len, secret, SAE_KEYWRAP_OPSLIMIT,
                                   SAE_KEYWRAP_MEMLIMIT_KIB, text, wrap);
}

int sae_passkey_check(const char *text, const char *passphrase, size_t len,
                      unsigned char *wrapping)
{
    struct passkey key;
    unsigned char *master = NULL, verifier[SAE_PASSKEY_KEY_BYTES];
    int rc = parse(text, &key);
    if (rc == 0)
        rc = hash(&key, passphrase, len, &master);
    if (rc == 0)
        rc = sae_passkey_split(master, verifier, master);
    if (rc == 0 && sodium_memcmp(verifier, key.verifier, sizeof verifier) != 0)
        rc = SAE_EPERM;
    if (rc == 0 && wrapping)
        memcpy(wrapping, master, SAE_PASSKEY_KEY_BYTES);
    sae_secure_free(master);
    sodium_memzero(verifier, sizeof verifier);
    return rc;
}

bool sae_passkey_pairs(const char *text, const unsigned char *wrap)
{
    struct passkey key;
    struct sae_keywrap parsed;
    return parse(text, &key) == 0 && sae_keywrap_decode(wrap, SAE_KEYWRAP_BYTES, &parsed) == 0 &&
           parsed.version == SAE_KEYWRAP_VERSION_SPLIT && parsed.opslimit == key.opslimit &&
           parsed.memlimit_kib == key.memlimit_kib &&
           sodium_memcmp(parsed.salt, key.salt, sizeof key.salt) == 0;
}
