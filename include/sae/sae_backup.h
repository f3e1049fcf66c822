/* Backups of a program's directory (sae-node's or sae-hub's): one file holding a consistent
 * snapshot of its database, deflated, and the directory's other files (keys, certificates),
 * sealed under a backup passphrase. The format is README's "Backups and restore":
 *
 *   header (SAE_BACKUP_HEADER_BYTES, integers little-endian)
 *     0  magic "SAE-BKUP"          8  format (1)            12 side (1 post, 2 hub)
 *     16 schema (user_version)     20 Argon2id passes       24 Argon2id memory (bytes)
 *     32 created (ms since epoch)  40 database bytes        48 sealed files' bytes
 *     56 deflated database bytes   64 salt (16)             80 nonce (24)
 *     104 checksum: BLAKE2b-256 of header[0..104) || BLAKE2b-256(everything after the header)
 *   the directory's files, sealed (crypto_secretbox, key = Argon2id(passphrase, salt)):
 *     per file: u16 name length, name, u32 length, bytes
 *   the database, deflated (zlib format)
 *
 * The checksum is checked before the passphrase is asked for or anything is written. */
#ifndef SAE_BACKUP_H
#define SAE_BACKUP_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae_error.h"

#define SAE_BACKUP_FORMAT 1u
#define SAE_BACKUP_HEADER_BYTES 136u
#define SAE_BACKUP_SIDE_NODE 1u
#define SAE_BACKUP_SIDE_HUB 2u
/* A directory file kept in a backup: at most this long (keys and certificates are small). */
#define SAE_BACKUP_FILE_BYTES_MAX (1024u * 1024u)
#define SAE_BACKUP_FILES_MAX 8u
/* The backup passphrase's Argon2id cost: what libsodium calls moderate work in less memory
 * than its "moderate" (a post's laptop, a hub serving meanwhile). */
#define SAE_BACKUP_PWHASH_OPSLIMIT 3u
#define SAE_BACKUP_PWHASH_MEMLIMIT (64u * 1024u * 1024u)
/* zlib's default level: bench_backup measures its size and time on the 100,000-case hub
 * beside levels 1 and 9. */
#define SAE_BACKUP_DEFLATE_LEVEL 6
/* Passphrase: as the programs' passwords. */
#define SAE_BACKUP_PASSPHRASE_MIN_BYTES 12u
#define SAE_BACKUP_PASSPHRASE_MAX_BYTES 256u

/* A file of the directory a backup carries besides the database. */
struct sae_backup_file {
    const char *name;
    bool required; /* a directory without it is not one the program made */
};

/* What a program backs up: its side, its database file and its other files. */
struct sae_backup_spec {
    unsigned side;
    const char *program; /* "sae-node", "sae-hub": named in messages */
    const char *db_name;
    const struct sae_backup_file *files;
    size_t file_count;
};

/* What a backup's header says. */
struct sae_backup_info {
    unsigned side;
    int64_t schema;
    int64_t created_ms;
    uint64_t db_bytes;     /* the snapshot's size before deflating */
    uint64_t file_bytes;   /* the backup file's size */
    size_t files;          /* directory files carried */
};

/* Writes a backup of dir to out_path: a snapshot by VACUUM INTO (one read transaction, so
 * the program may serve and sync meanwhile: WAL readers never block its writers), deflated,
 * with spec's files sealed under passphrase; through a temporary file beside out_path
 * (".NAME.XXXXXX", mode 0600), fsync'd and renamed over out_path, so a crash leaves the old
 * file or the new one, never part of one. SAE_ENOTINIT (no database in dir), SAE_EINVAL
 * (passphrase, out_path a directory), SAE_EIO, SAE_EDB; why says what to do. */
int sae_backup_write(const struct sae_backup_spec *spec, const char *dir, const char *out_path,
                     const char *passphrase, int busy_timeout_ms, struct sae_backup_info *info,
                     struct sae_message *why);

/* Where a restored program numbers what it issues from (its own changes' seq, the hub's
 * log positions): current, or the restore's time in seconds x 2^20 when that is larger. A
 * directory restored twice from one backup, at different seconds, so never issues a number
 * the first restored copy (or the original after the backup) issued, unless one of them
 * issued over 2^20 a second; the numbers stay below 2^53 until the year 2242. */
int64_t sae_backup_restart_floor(int64_t current, uint64_t now_ms);

/* The size a database file deflates to at zlib level (0 to 9) as a backup deflates it,
 * written nowhere: bench_backup's comparison of levels. */
int sae_backup_deflated_size(const char *path, int level, uint64_t *bytes);

/* SAE_EINVAL unless passphrase is SAE_BACKUP_PASSPHRASE_MIN..MAX bytes. */
int sae_backup_passphrase_check(const char *passphrase);

/* Shared with the restore (backup_restore.c). */
struct sae_backup_header {
    uint32_t format, side, schema, opslimit;
    uint64_t memlimit, created_ms, db_bytes, sealed_bytes, deflated_bytes;
    uint8_t salt[16];
    uint8_t nonce[24];
    uint8_t checksum[32];
};
void sae_backup_header_pack(const struct sae_backup_header *h,
                            uint8_t out[SAE_BACKUP_HEADER_BYTES]);
/* SAE_EINVAL when bytes do not start with the magic. */
int sae_backup_header_unpack(const uint8_t in[SAE_BACKUP_HEADER_BYTES],
                             struct sae_backup_header *h);
/* The checksum of a header (its first 104 bytes) and the hash of what follows it. */
int sae_backup_checksum(const uint8_t header[SAE_BACKUP_HEADER_BYTES], const uint8_t body[32],
                        uint8_t out[32]);
/* The sealing key from passphrase and the header's salt and cost: SAE_ENOMEM when Argon2id
 * cannot have its memory. */
int sae_backup_key(const char *passphrase, const struct sae_backup_header *h, uint8_t key[32]);

#endif
