/* Restoring a backup file into a fresh directory (sae/sae_backup_restore.h). */
#include "sae/sae_backup_restore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sae/sae_db.h"
#include "sae/sae_db_wal.h"
#include "sae/sae_files.h"
#include "sae/sae_wipe.h"

#define CHUNK (256u * 1024u)
#define TEMP_SUFFIX ".restore"
/* The sealed section holds at most SAE_BACKUP_FILES_MAX small files. */
#define SEALED_BYTES_MAX \
    ((uint64_t)SAE_BACKUP_FILES_MAX * (SAE_BACKUP_FILE_BYTES_MAX + 512u) + 64u)

static const char *side_name(unsigned side)
{
    return side == SAE_BACKUP_SIDE_NODE ? "a post (sae-node)"
           : side == SAE_BACKUP_SIDE_HUB ? "a hub (sae-hub)"
                                          : "an unknown program";
}

static int check_header(const struct sae_backup_spec *spec, const struct sae_backup_header *h,
                        int64_t max_schema, const char *path, struct sae_message *why)
{
    if (h->format != SAE_BACKUP_FORMAT)
        sae_message_set(why, "%s is a backup of format %u, which this %s does not read: "
                        "restore it with the %s that made it or a newer one", path, h->format,
                        spec->program, spec->program);
    else if (h->side != spec->side)
        sae_message_set(why, "%s is a backup of %s, not of %s: restore it with that program",
                        path, side_name(h->side), side_name(spec->side));
    else if ((int64_t)h->schema > max_schema || h->schema == 0)
        sae_message_set(why, "%s holds a database of schema %u, newer than this %s reads "
                        "(%lld): restore it with a newer %s", path, h->schema, spec->program,
                        (long long)max_schema, spec->program);
    else if (h->sealed_bytes > SEALED_BYTES_MAX || h->sealed_bytes < crypto_secretbox_MACBYTES ||
             h->opslimit < crypto_pwhash_OPSLIMIT_MIN || h->memlimit > (1u << 30) ||
             h->memlimit < crypto_pwhash_MEMLIMIT_MIN)
        sae_message_set(why, "%s is damaged (its header does not hold together): use another "
                        "backup", path);
    else
        return 0;
    return SAE_EINVAL;
}

/* Hashes everything after the header and checks the total length. */
static int check_body(FILE *in, const struct sae_backup_header *h,
                      const uint8_t header[SAE_BACKUP_HEADER_BYTES])
{
    crypto_generichash_state state;
    uint8_t *buf = malloc(CHUNK), body[32], sum[32];
    uint64_t total = 0;
    int rc = buf && crypto_generichash_init(&state, NULL, 0, sizeof body) == 0 ? 0 : SAE_ENOMEM;
    size_t got;
    while (rc == 0 && (got = fread(buf, 1, CHUNK, in)) > 0) {
        total += got;
        crypto_generichash_update(&state, buf, got);
    }
    if (rc == 0 && ferror(in))
        rc = SAE_EIO;
    free(buf);
    if (rc == 0 && total != h->sealed_bytes + h->deflated_bytes)
        return SAE_ECORRUPT;
    if (rc == 0 && (crypto_generichash_final(&state, body, sizeof body) != 0 ||
                    sae_backup_checksum(header, body, sum) != 0))
        rc = SAE_ECRYPTO;
    if (rc == 0 && sodium_memcmp(sum, h->checksum, sizeof sum) != 0)
        rc = SAE_ECORRUPT;
    return rc;
}

/* Opens in_path and checks it whole; the file is left positioned after the header. */
static int open_checked(const struct sae_backup_spec *spec, const char *in_path,
                        int64_t max_schema, FILE **out, struct sae_backup_header *h,
                        struct sae_message *why)
{
    uint8_t header[SAE_BACKUP_HEADER_BYTES];
    FILE *in = fopen(in_path, "rb");
    if (!in) {
        sae_message_set(why, "cannot read the backup %s: %s", in_path, strerror(errno));
        return errno == ENOENT ? SAE_ENOTFOUND : SAE_EIO;
    }
    int rc = fread(header, 1, sizeof header, in) == sizeof header ? 0 : SAE_EINVAL;
    if (rc == 0)
        rc = sae_backup_header_unpack(header, h);
    if (rc != 0)
        sae_message_set(why, "%s is not a Rumah SAE backup (made by sae-node backup or "
                        "sae-hub backup)", in_path);
    if (rc == 0)
        rc = check_header(spec, h, max_schema, in_path, why);
    if (rc == 0) {
        rc = check_body(in, h, header);
        if (rc == SAE_ECORRUPT) {
            sae_message_set(why, "%s is damaged or cut short (its checksum does not match): "
                            "use another backup", in_path);
            rc = SAE_EINVAL;
        }
    }
    if (rc == 0 && fseek(in, SAE_BACKUP_HEADER_BYTES, SEEK_SET) != 0)
        rc = SAE_EIO;
    if (rc != 0) {
        fclose(in);
        return rc;
    }
    *out = in;
    return 0;
}

int sae_backup_inspect(const struct sae_backup_spec *spec, const char *in_path, int64_t max_schema,
                       struct sae_backup_info *info, struct sae_message *why)
{
    struct sae_backup_header h;
    FILE *in = NULL;
    int rc = open_checked(spec, in_path, max_schema, &in, &h, why);
    if (rc != 0)
        return rc;
    struct stat st;
    rc = fstat(fileno(in), &st) == 0 ? 0 : SAE_EIO;
    if (rc == 0)
        *info = (struct sae_backup_info){h.side, h.schema, (int64_t)h.created_ms, h.db_bytes,
                                         (uint64_t)st.st_size, 0};
    fclose(in);
    return rc;
}

/* SAE_EEXIST unless dir is absent or an empty directory; *made: restore makes it. */
static int check_target(const char *dir, bool *made, struct sae_message *why)
{
    struct stat st;
    if (lstat(dir, &st) != 0) {
        *made = true;
        return errno == ENOENT ? 0 : SAE_EIO;
    }
    DIR *d = S_ISDIR(st.st_mode) ? opendir(dir) : NULL;
    struct dirent *e;
    bool empty = d != NULL;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = false;
    if (d)
        closedir(d);
    *made = false;
    if (empty)
        return 0;
    sae_message_set(why, "%s is not an empty directory: restore into a new directory (nothing "
                    "was changed)", dir);
    return SAE_EEXIST;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool known_name(const struct sae_backup_spec *spec, const char *name, size_t len)
{
    for (size_t i = 0; i < spec->file_count; i++)
        if (strlen(spec->files[i].name) == len && memcmp(spec->files[i].name, name, len) == 0)
            return true;
    return false;
}

/* Writes each file of the opened section into dir; only names spec knows (so a crafted
 * backup cannot write outside dir). */
static int write_files(const struct sae_backup_spec *spec, const uint8_t *plain, size_t len,
                       const char *dir)
{
    size_t at = 0;
    int rc = 0;
    while (rc == 0 && at < len) {
        char name[64];
        size_t name_len = at + 2 <= len ? (size_t)(plain[at] | plain[at + 1] << 8) : len;
        if (at + 6 + name_len > len || name_len == 0 || name_len >= sizeof name)
            return SAE_ECORRUPT;
        memcpy(name, plain + at + 2, name_len);
        name[name_len] = '\0';
        uint32_t file_len = get32(plain + at + 2 + name_len);
        if (!known_name(spec, name, name_len) || strcmp(name, spec->db_name) == 0 ||
            at + 6 + name_len + file_len > len)
            return SAE_ECORRUPT;
        rc = sae_file_write_private(dir, name, plain + at + 6 + name_len, file_len);
        at += 6 + name_len + file_len;
    }
    return rc;
}

static int open_sealed(FILE *in, const struct sae_backup_header *h, const char *passphrase,
                       uint8_t **plain, size_t *plain_len)
{
    uint8_t key[32];
    size_t len = (size_t)h->sealed_bytes;
    uint8_t *sealed = malloc(len);
    uint8_t *opened = sodium_malloc(len - crypto_secretbox_MACBYTES + 1);
    int rc = sealed && opened ? 0 : SAE_ENOMEM;
    if (rc == 0 && fread(sealed, 1, len, in) != len)
        rc = SAE_EIO;
    if (rc == 0)
        rc = sae_backup_key(passphrase, h, key);
    if (rc == 0 && crypto_secretbox_open_easy(opened, sealed, len, h->nonce, key) != 0)
        rc = SAE_EPERM;
    sodium_memzero(key, sizeof key);
    free(sealed);
    if (rc != 0) {
        sodium_free(opened);
        return rc;
    }
    *plain = opened;
    *plain_len = len - crypto_secretbox_MACBYTES;
    return 0;
}

/* Inflates the database into path (a new file, 0600), checking its announced size:
 * SAE_ETOOBIG when it inflates past it, SAE_ECORRUPT when the stream is broken or ends
 * short of it. */
static int inflate_to(FILE *in, const struct sae_backup_header *h, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    uint8_t *from = malloc(CHUNK), *to = malloc(CHUNK);
    z_stream zs = {0};
    uint64_t left = h->deflated_bytes, written = 0;
    int rc = fd >= 0 && from && to ? 0 : fd >= 0 ? SAE_ENOMEM : SAE_EIO;
    bool started = rc == 0 && inflateInit(&zs) == Z_OK;
    int zr = Z_OK;
    if (rc == 0 && !started)
        rc = SAE_ENOMEM;
    while (rc == 0 && zr != Z_STREAM_END && left > 0) {
        size_t want = left < CHUNK ? (size_t)left : CHUNK;
        if (fread(from, 1, want, in) != want)
            rc = SAE_EIO;
        left -= want;
        zs.next_in = from;
        zs.avail_in = (uInt)want;
        do {
            zs.next_out = to;
            zs.avail_out = CHUNK;
            zr = rc == 0 ? inflate(&zs, Z_NO_FLUSH) : Z_OK;
            if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
                rc = SAE_ECORRUPT;
            size_t n = CHUNK - zs.avail_out;
            written += n;
            /* A stream that inflates past the size the header gives is not ours: stop
             * before it fills the disk. */
            if (rc == 0 && written > h->db_bytes)
                rc = SAE_ETOOBIG;
            if (rc == 0 && n && write(fd, to, n) != (ssize_t)n)
                rc = SAE_EIO;
        } while (rc == 0 && zs.avail_out == 0 && zr != Z_STREAM_END);
    }
    if (rc == 0 && (zr != Z_STREAM_END || written != h->db_bytes))
        rc = SAE_ECORRUPT;
    if (rc == 0 && fsync(fd) != 0)
        rc = SAE_EIO;
    if (started)
        inflateEnd(&zs);
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = SAE_EIO;
    free(from);
    free(to);
    return rc;
}

/* The program's adjustment, then SQLite's own check of every page and index. */
static int fix_and_check(const char *path, sae_backup_fixup fixup, void *context)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    char result[64] = "";
    int rc = sae_db_open(path, SQLITE_OPEN_READWRITE, 0, &db);
    if (rc == 0 && fixup) {
        rc = sae_db_begin(db);
        rc = rc == 0 ? fixup(db, context) : rc;
        rc = rc == 0 ? sae_db_commit(db) : rc;
        if (rc != 0)
            sae_db_rollback(db);
    }
    if (rc == 0)
        rc = sae_db_prepare(db, "PRAGMA integrity_check", &stmt);
    if (rc == 0 && sae_db_step(stmt) == SAE_DB_ROW)
        sae_db_column_copy(stmt, 0, result, sizeof result);
    sae_db_finalize(stmt);
    if (rc == 0 && strcmp(result, "ok") != 0)
        rc = SAE_ECORRUPT;
    /* Back to a single file before it is renamed: no -wal may be left beside the old name. */
    if (rc == 0)
        rc = sae_db_wal_truncate(db);
    int closed = sae_db_close(db);
    return rc == 0 ? closed : rc;
}

static void remove_restored(const struct sae_backup_spec *spec, const char *dir, bool made)
{
    for (size_t i = 0; i < spec->file_count; i++) {
        char *path = sae_path_join(dir, spec->files[i].name);
        if (path)
            unlink(path);
        free(path);
    }
    static const char *const db_suffixes[] = {TEMP_SUFFIX, TEMP_SUFFIX "-wal",
                                              TEMP_SUFFIX "-shm"};
    for (size_t i = 0; i < sizeof db_suffixes / sizeof db_suffixes[0]; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", spec->db_name, db_suffixes[i]);
        char *path = sae_path_join(dir, name);
        if (path)
            unlink(path);
        free(path);
    }
    if (made)
        rmdir(dir);
}

static int restore_into(const struct sae_backup_spec *spec, FILE *in,
                        const struct sae_backup_header *h, const uint8_t *plain, size_t plain_len,
                        const char *dir, sae_backup_fixup fixup, void *context,
                        struct sae_message *why)
{
    char temp_name[128];
    snprintf(temp_name, sizeof temp_name, "%s%s", spec->db_name, TEMP_SUFFIX);
    char *temp = sae_path_join(dir, temp_name), *final = sae_path_join(dir, spec->db_name);
    int rc = temp && final ? sae_dir_create_private(dir) : SAE_ENOMEM;
    if (rc == SAE_EIO)
        sae_message_set(why, "cannot make the directory %s: %s", dir, strerror(errno));
    if (rc == 0)
        rc = inflate_to(in, h, temp);
    if (rc == SAE_ETOOBIG || rc == SAE_ECORRUPT)
        sae_message_set(why, "the database in the backup %s the %llu bytes its header "
                        "declares: the backup is damaged; use another backup (nothing was "
                        "restored)", rc == SAE_ETOOBIG ? "inflates past" : "does not inflate to",
                        (unsigned long long)h->db_bytes);
    rc = rc == SAE_ETOOBIG ? SAE_ECORRUPT : rc;
    if (rc == 0)
        rc = fix_and_check(temp, fixup, context);
    if (rc == SAE_ECORRUPT && !why->text[0])
        sae_message_set(why, "the database in the backup fails SQLite's integrity check: use "
                        "another backup (nothing was restored)");
    if (rc == 0) {
        rc = write_files(spec, plain, plain_len, dir);
        if (rc == SAE_ECORRUPT)
            sae_message_set(why, "the backup's files are not a %s directory's: use another "
                            "backup", spec->program);
    }
    if (rc == 0 && rename(temp, final) != 0)
        rc = SAE_EIO;
    if (rc != 0 && !why->text[0])
        sae_message_set(why, "cannot restore into %s: %s", dir, sae_error_name(rc));
    free(temp);
    free(final);
    return rc;
}

int sae_backup_restore(const struct sae_backup_spec *spec, const char *in_path, const char *dir,
                       const char *passphrase, int64_t max_schema, sae_backup_fixup fixup,
                       void *context, struct sae_backup_info *info, struct sae_message *why)
{
    struct sae_backup_header h;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    FILE *in = NULL;
    bool made = false;
    int rc = check_target(dir, &made, why);
    if (rc == 0)
        rc = open_checked(spec, in_path, max_schema, &in, &h, why);
    if (rc == 0) {
        rc = open_sealed(in, &h, passphrase ? passphrase : "", &plain, &plain_len);
        if (rc == SAE_EPERM) {
            sae_message_set(why, "wrong passphrase for the backup %s (nothing was restored)",
                            in_path);
            rc = SAE_EINVAL;
        }
    }
    if (rc == 0) {
        rc = restore_into(spec, in, &h, plain, plain_len, dir, fixup, context, why);
        if (rc != 0)
            remove_restored(spec, dir, made);
        /* A database that fails its check is a bad file, like a damaged one. */
        rc = rc == SAE_ECORRUPT ? SAE_EINVAL : rc;
    }
    if (rc == 0) {
        struct stat st;
        *info = (struct sae_backup_info){h.side, h.schema, (int64_t)h.created_ms, h.db_bytes,
                                         fstat(fileno(in), &st) == 0 ? (uint64_t)st.st_size : 0,
                                         0};
    }
    if (plain)
        sodium_free(plain);
    if (in)
        fclose(in);
    return rc;
}
