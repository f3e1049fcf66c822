/* Names compared through keyed hashes: normalising, hashing, and the key, read or made once
 * and linked into place. */
#include "store/dup_name.h"

#include <ctype.h>
#include <string.h>

#include "sae/sae_files.h"

int dup_key_load(const char *dir, uint8_t key[DUP_KEY_BYTES])
{
    return sae_file_key_load(dir, DUP_KEY_FILE, key, DUP_KEY_BYTES);
}

static const char *const honorifics[] = {
    "ibu", "bu", "bapak", "pak", "bpk", "sdr", "sdri", "saudara", "saudari", "ny", "nyonya",
    "nn", "nona", "tn", "tuan", "mbak", "mba", "mas", "dik", "adik", "dek", "hj", "h",
    "haji", "hajah", "hajjah", "an", "alm", "almh", "kak", "neng", "nak",
};

static bool is_honorific(const char *word, size_t len)
{
    for (size_t i = 0; i < sizeof honorifics / sizeof honorifics[0]; i++)
        if (strlen(honorifics[i]) == len && memcmp(honorifics[i], word, len) == 0)
            return true;
    return false;
}

/* Appends word unless it is an honorific. */
static void append_word(char *out, size_t *used, const char *word, size_t len)
{
    if (len == 0 || is_honorific(word, len))
        return;
    if (*used)
        out[(*used)++] = ' ';
    memcpy(out + *used, word, len);
    *used += len;
    out[*used] = '\0';
}

int dup_name_normalise(const char *name, char out[DUP_NAME_BYTES])
{
    char word[DUP_NAME_BYTES];
    size_t used = 0, len = 0;
    if (strlen(name) >= DUP_NAME_BYTES)
        return SAE_ETOOBIG;
    out[0] = '\0';
    for (const unsigned char *p = (const unsigned char *)name;; p++) {
        /* Letters of other scripts (bytes of UTF-8 sequences) are kept as they are. */
        if (*p >= 0x80 || isalnum(*p)) {
            word[len++] = (char)(*p < 0x80 ? tolower(*p) : *p);
            continue;
        }
        append_word(out, &used, word, len);
        len = 0;
        if (*p == '\0')
            break;
    }
    sodium_memzero(word, sizeof word);
    return 0;
}

/* The keyed hash of a normalised name; has false when the name is empty. */
int dup_name_hash(const char *plain, const uint8_t key[DUP_KEY_BYTES],
                     uint8_t hash[DUP_NAME_HASH_BYTES], bool *has)
{
    char normal[DUP_NAME_BYTES];
    *has = false;
    if (!plain || dup_name_normalise(plain, normal) != 0 || normal[0] == '\0')
        return 0;
    int rc = crypto_generichash(hash, crypto_generichash_BYTES, (const uint8_t *)normal,
                                strlen(normal), key, DUP_KEY_BYTES) == 0 ? 0 : SAE_ECRYPTO;
    sodium_memzero(normal, sizeof normal);
    *has = rc == 0;
    return rc;
}

