/* Names compared without being stored: the keyed hash of a normalised name, and its key.
 * The key of the possible duplicates' name hashes is 32 random bytes in the hub
 * directory (DUP_KEY_FILE, 0600), made on first use. With it, two cases' names are compared
 * through BLAKE2b keyed hashes (crypto_generichash) without the plain name ever being
 * stored in the duplicates' tables; without it, a copy of those tables cannot be searched
 * for a known name. */
#ifndef DUP_NAME_H
#define DUP_NAME_H

#include <stdbool.h>
#include <stdint.h>
#include <sodium.h>

#include "sae/sae_error.h"

#define DUP_KEY_FILE "duplicates.key"
#define DUP_KEY_BYTES crypto_generichash_KEYBYTES

/* Reads dir/DUP_KEY_FILE into key, or makes it when absent (two processes making it at
 * once both end with the one that was linked into place first). SAE_EPERM when other users
 * can read it, SAE_EIO when it has the wrong size or cannot be written. Wipe key after use
 * (sodium_memzero). */
int dup_key_load(const char *dir, uint8_t key[DUP_KEY_BYTES]);

/* A normalised name's longest form (the catalogue's names are at most 200 bytes). */
#define DUP_NAME_BYTES 256
#define DUP_NAME_HASH_BYTES crypto_generichash_BYTES

/* The form of a name that is hashed: ASCII letters lower-cased, punctuation dropped,
 * spaces collapsed, common honorifics dropped (ibu, bu, bapak, pak, sdr, sdri, ny, nn, tn,
 * mbak, mas, dik, dek, hj, h, haji, hajah...); bytes of other scripts kept. "" when nothing
 * is left. SAE_ETOOBIG when name is longer than DUP_NAME_BYTES - 1. */
int dup_name_normalise(const char *name, char out[DUP_NAME_BYTES]);

/* BLAKE2b keyed with key of plain's normalised form into hash; *has false (hash
 * untouched) when plain is NULL, too long or normalises to nothing. The normalised copy is
 * wiped. */
int dup_name_hash(const char *plain, const uint8_t key[DUP_KEY_BYTES],
                  uint8_t hash[DUP_NAME_HASH_BYTES], bool *has);

#endif
