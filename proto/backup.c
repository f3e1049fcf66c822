/* Writing a backup file (sae/sae_backup.h has the format and why it is made so). */
#include "sae/sae_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sae/sae_db.h"
#include "sae/sae_files.h"
#include "sae/sae_hlc.h"
#include "sae/sae_wipe.h"

static const uint8_t magic[8] = {'S', 'A', 'E', '-', 'B', 'K', 'U', 'P'};
#define CHUNK (256u * 1024u)

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void sae_backup_header_pack(const struct sae_backup_header *h,
                            uint8_t out[SAE_BACKUP_HEADER_BYTES])
{
    memcpy(out, magic, sizeof magic);
    put32(out + 8, h->format);
    put32(out + 12, h->side);
    put32(out + 16, h->schema);
    put32(out + 20, h->opslimit);
    put64(out + 24, h->memlimit);
    put64(out + 32, h->created_ms);
    put64(out + 40, h->db_bytes);
    put64(out + 48, h->sealed_bytes);
    put64(out + 56, h->deflated_bytes);
    memcpy(out + 64, h->salt, sizeof h->salt);
    memcpy(out + 80, h->nonce, sizeof h->nonce);
    memcpy(out + 104, h->checksum, sizeof h->checksum);
}

int sae_backup_header_unpack(const uint8_t in[SAE_BACKUP_HEADER_BYTES],
                             struct sae_backup_header *h)
{
    if (memcmp(in, magic, sizeof magic) != 0)
        return SAE_EINVAL;
    h->format = get32(in + 8);
    h->side = get32(in + 12);
    h->schema = get32(in + 16);
    h->opslimit = get32(in + 20);
    h->memlimit = get64(in + 24);
    h->created_ms = get64(in + 32);
    h->db_bytes = get64(in + 40);
    h->sealed_bytes = get64(in + 48);
    h->deflated_bytes = get64(in + 56);
    memcpy(h->salt, in + 64, sizeof h->salt);
    memcpy(h->nonce, in + 80, sizeof h->nonce);
    memcpy(h->checksum, in + 104, sizeof h->checksum);
    return 0;
}

int sae_backup_checksum(const uint8_t header[SAE_BACKUP_HEADER_BYTES], const uint8_t body[32],
                        uint8_t out[32])
{
    crypto_generichash_state state;
    if (crypto_generichash_init(&state, NULL, 0, 32) != 0 ||
        crypto_generichash_update(&state, header, 104) != 0 ||
        crypto_generichash_update(&state, body, 32) != 0 ||
        crypto_generichash_final(&state, out, 32) != 0)
        return SAE_ECRYPTO;
    return 0;
}

int sae_backup_key(const char *passphrase, const struct sae_backup_header *h, uint8_t key[32])
{
    if (crypto_pwhash(key, 32, passphrase, strlen(passphrase), h->salt, h->opslimit,
                      (size_t)h->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return SAE_ENOMEM;
    return 0;
}

int64_t sae_backup_restart_floor(int64_t current, uint64_t now_ms)
{
    int64_t floor = (int64_t)(now_ms / 1000u) << 20;
    return floor > current ? floor : current;
}

int sae_backup_passphrase_check(const char *passphrase)
{
    size_t len = passphrase ? strlen(passphrase) : 0;
    return len >= SAE_BACKUP_PASSPHRASE_MIN_BYTES && len <= SAE_BACKUP_PASSPHRASE_MAX_BYTES
               ? 0
               : SAE_EINVAL;
}

/* The output file and the hash of everything after its header; no file: bytes only
 * counted (the header's sizes), for sae_backup_deflated_size. */
struct sink {
    FILE *file;
    crypto_generichash_state body;
};

static int sink_write(struct sink *s, const void *bytes, size_t len)
{
    if (!s->file)
        return 0;
    if (len && fwrite(bytes, 1, len, s->file) != len)
        return SAE_EIO;
    return crypto_generichash_update(&s->body, bytes, len) == 0 ? 0 : SAE_ECRYPTO;
}

/* Reads a whole small file; *bytes NULL and *len 0 when it does not exist. */
static int read_small(const char *path, uint8_t **bytes, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return errno == ENOENT ? SAE_ENOTFOUND : SAE_EIO;
    int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? 0 : SAE_EIO;
    if (rc == 0 && (uint64_t)st.st_size > SAE_BACKUP_FILE_BYTES_MAX)
        rc = SAE_ETOOBIG;
    uint8_t *buf = rc == 0 ? malloc((size_t)st.st_size + 1) : NULL;
    if (rc == 0 && !buf)
        rc = SAE_ENOMEM;
    if (rc == 0 && read(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size)
        rc = SAE_EIO;
    close(fd);
    if (rc != 0) {
        sae_wipe_free(buf, buf ? (size_t)st.st_size : 0);
        return rc;
    }
    *bytes = buf;
    *len = (size_t)st.st_size;
    return 0;
}

/* The directory's files as one plain section (name length, name, length, bytes each). */
static int gather_files(const struct sae_backup_spec *spec, const char *dir, uint8_t **out,
                        size_t *out_len, size_t *count, struct sae_message *why)
{
    size_t used = 0, room = 0;
    uint8_t *all = NULL;
    int rc = 0;
    *count = 0;
    for (size_t i = 0; rc == 0 && i < spec->file_count; i++) {
        char *path = sae_path_join(dir, spec->files[i].name);
        uint8_t *bytes = NULL;
        size_t len = 0, name_len = strlen(spec->files[i].name);
        rc = path ? read_small(path, &bytes, &len) : SAE_ENOMEM;
        if (rc == SAE_ENOTFOUND && !spec->files[i].required) {
            free(path);
            rc = 0;
            continue;
        }
        if (rc != 0)
            sae_message_set(why, "cannot read %s: %s", path ? path : spec->files[i].name,
                            sae_error_name(rc));
        size_t need = used + 2 + name_len + 4 + len;
        uint8_t *grown = rc == 0 && need > room ? sodium_malloc(need * 2) : NULL;
        if (rc == 0 && need > room && !grown)
            rc = SAE_ENOMEM;
        if (rc == 0 && grown) {
            if (all)
                memcpy(grown, all, used);
            sodium_free(all);
            all = grown;
            room = need * 2;
        }
        if (rc == 0) {
            all[used] = (uint8_t)name_len;
            all[used + 1] = (uint8_t)(name_len >> 8);
            memcpy(all + used + 2, spec->files[i].name, name_len);
            put32(all + used + 2 + name_len, (uint32_t)len);
            memcpy(all + used + 6 + name_len, bytes, len);
            used = need;
            ++*count;
        }
        sae_wipe_free(bytes, len);
        free(path);
    }
    if (rc != 0) {
        sodium_free(all);
        return rc;
    }
    *out = all;
    *out_len = used;
    return 0;
}

/* Seals the files' section under a key from passphrase; header gets salt, nonce, cost. */
static int write_sealed(struct sink *s, const uint8_t *plain, size_t len, const char *passphrase,
                        struct sae_backup_header *h)
{
    uint8_t key[32];
    size_t sealed_len = len + crypto_secretbox_MACBYTES;
    uint8_t *sealed = malloc(sealed_len);
    randombytes_buf(h->salt, sizeof h->salt);
    randombytes_buf(h->nonce, sizeof h->nonce);
    h->opslimit = SAE_BACKUP_PWHASH_OPSLIMIT;
    h->memlimit = SAE_BACKUP_PWHASH_MEMLIMIT;
    int rc = sealed ? sae_backup_key(passphrase, h, key) : SAE_ENOMEM;
    if (rc == 0 && crypto_secretbox_easy(sealed, plain, len, h->nonce, key) != 0)
        rc = SAE_ECRYPTO;
    sodium_memzero(key, sizeof key);
    if (rc == 0)
        rc = sink_write(s, sealed, sealed_len);
    if (rc == 0)
        h->sealed_bytes = sealed_len;
    free(sealed);
    return rc;
}

/* Deflates the snapshot file into the sink at level. */
static int write_deflated(struct sink *s, const char *snapshot, int level,
                          struct sae_backup_header *h)
{
    FILE *in = fopen(snapshot, "rb");
    uint8_t *from = malloc(CHUNK), *to = malloc(CHUNK);
    z_stream zs = {0};
    int rc = in && from && to ? 0 : in ? SAE_ENOMEM : SAE_EIO;
    if (rc == 0 && deflateInit(&zs, level) != Z_OK)
        rc = SAE_ENOMEM;
    bool started = rc == 0;
    int flush = Z_NO_FLUSH;
    while (rc == 0 && flush != Z_FINISH) {
        size_t got = fread(from, 1, CHUNK, in);
        if (ferror(in))
            rc = SAE_EIO;
        flush = feof(in) ? Z_FINISH : Z_NO_FLUSH;
        h->db_bytes += got;
        zs.next_in = from;
        zs.avail_in = (uInt)got;
        do {
            zs.next_out = to;
            zs.avail_out = CHUNK;
            if (rc == 0 && deflate(&zs, flush) == Z_STREAM_ERROR)
                rc = SAE_EIO;
            size_t out_len = CHUNK - zs.avail_out;
            if (rc == 0)
                rc = sink_write(s, to, out_len);
            h->deflated_bytes += out_len;
        } while (rc == 0 && zs.avail_out == 0);
    }
    if (started)
        deflateEnd(&zs);
    if (in)
        fclose(in);
    free(from);
    free(to);
    return rc;
}

/* SAE_ENOTINIT unless dir holds the program's database: a wrong -d is told as such. */
static int check_database(const struct sae_backup_spec *spec, const char *dir,
                          struct sae_message *why)
{
    char *db_path = sae_path_join(dir, spec->db_name);
    struct stat st;
    int rc = !db_path ? SAE_ENOMEM
             : lstat(db_path, &st) != 0 || !S_ISREG(st.st_mode) ? SAE_ENOTINIT
                                                                 : 0;
    if (rc == SAE_ENOTINIT)
        sae_message_set(why, "%s holds no %s: is it a %s directory? (-d DIR)", dir,
                        spec->db_name, spec->program);
    free(db_path);
    return rc;
}

/* The database as one consistent snapshot in a private temporary directory. */
static int snapshot(const struct sae_backup_spec *spec, const char *dir, int busy_timeout_ms,
                    const char *tmp_dir, char **out, int64_t *schema, struct sae_message *why)
{
    char *db_path = sae_path_join(dir, spec->db_name);
    char *snap = sae_path_join(tmp_dir, "snapshot.db");
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = db_path && snap ? 0 : SAE_ENOMEM;
    if (rc == 0)
        rc = sae_db_open(db_path, SQLITE_OPEN_READWRITE, busy_timeout_ms, &db);
    if (rc == 0)
        rc = sae_db_query_int(db, NULL, "PRAGMA user_version", NULL, 0, schema);
    if (rc == 0)
        rc = sae_db_prepare(db, "VACUUM INTO ?1", &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, snap);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_finalize(stmt);
    sae_db_close(db);
    if (rc != 0 && !why->text[0])
        sae_message_set(why, "cannot take a snapshot of %s: %s", db_path ? db_path : dir,
                        sae_error_name(rc));
    free(db_path);
    if (rc != 0) {
        free(snap);
        return rc;
    }
    *out = snap;
    return 0;
}

/* "DIR/.NAME.XXXXXX" beside path, for mkstemp / mkdtemp. */
static char *beside(const char *path, const char *suffix)
{
    char *copy = strdup(path), *copy2 = strdup(path);
    char *result = NULL;
    if (copy && copy2) {
        const char *d = dirname(copy), *b = basename(copy2);
        size_t len = strlen(d) + strlen(b) + strlen(suffix) + 4;
        result = malloc(len);
        if (result)
            snprintf(result, len, "%s/.%s%s", d, b, suffix);
    }
    free(copy);
    free(copy2);
    return result;
}

/* Writes header, sealed files and deflated snapshot into the open temporary file. */
static int write_body(FILE *file, const char *snap, const uint8_t *files, size_t files_len,
                      const char *passphrase, struct sae_backup_header *h)
{
    struct sink s = {.file = file};
    uint8_t header[SAE_BACKUP_HEADER_BYTES] = {0}, body[32];
    int rc = crypto_generichash_init(&s.body, NULL, 0, sizeof body) == 0 ? 0 : SAE_ECRYPTO;
    if (rc == 0 && fwrite(header, 1, sizeof header, file) != sizeof header)
        rc = SAE_EIO;
    if (rc == 0)
        rc = write_sealed(&s, files, files_len, passphrase, h);
    if (rc == 0)
        rc = write_deflated(&s, snap, SAE_BACKUP_DEFLATE_LEVEL, h);
    if (rc == 0 && crypto_generichash_final(&s.body, body, sizeof body) != 0)
        rc = SAE_ECRYPTO;
    if (rc == 0) {
        sae_backup_header_pack(h, header);
        rc = sae_backup_checksum(header, body, h->checksum);
    }
    if (rc == 0) {
        sae_backup_header_pack(h, header);
        if (fseek(file, 0, SEEK_SET) != 0 || fwrite(header, 1, sizeof header, file) != sizeof header)
            rc = SAE_EIO;
    }
    if (rc == 0 && (fflush(file) != 0 || fsync(fileno(file)) != 0))
        rc = SAE_EIO;
    return rc;
}

static int write_file(const char *out_path, const char *snap, const uint8_t *files,
                      size_t files_len, const char *passphrase, struct sae_backup_header *h,
                      uint64_t *file_bytes, struct sae_message *why)
{
    char *tmp = beside(out_path, ".XXXXXX");
    int fd = tmp ? mkstemp(tmp) : -1;
    FILE *file = fd >= 0 ? fdopen(fd, "wb") : NULL;
    int rc = file ? 0 : tmp ? SAE_EIO : SAE_ENOMEM;
    if (rc != 0)
        sae_message_set(why, "cannot write beside %s: %s", out_path, strerror(errno));
    if (rc == 0 && fchmod(fd, 0600) != 0)
        rc = SAE_EIO;
    if (rc == 0)
        rc = write_body(file, snap, files, files_len, passphrase, h);
    if (rc == 0)
        *file_bytes = SAE_BACKUP_HEADER_BYTES + h->sealed_bytes + h->deflated_bytes;
    if (file && fclose(file) != 0 && rc == 0)
        rc = SAE_EIO;
    else if (!file && fd >= 0)
        close(fd);
    if (rc == 0 && rename(tmp, out_path) != 0) {
        sae_message_set(why, "cannot put the backup at %s: %s", out_path, strerror(errno));
        rc = SAE_EIO;
    }
    if (rc == 0)
        rc = sae_fsync_parent(out_path);
    if (rc != 0 && tmp && fd >= 0)
        unlink(tmp);
    if (rc != 0 && !why->text[0])
        sae_message_set(why, "cannot write the backup %s: %s", out_path, sae_error_name(rc));
    free(tmp);
    return rc;
}

int sae_backup_write(const struct sae_backup_spec *spec, const char *dir, const char *out_path,
                     const char *passphrase, int busy_timeout_ms, struct sae_backup_info *info,
                     struct sae_message *why)
{
    struct sae_backup_header h = {.format = SAE_BACKUP_FORMAT, .side = spec->side};
    struct stat st;
    uint8_t *files = NULL;
    size_t files_len = 0, file_count = 0;
    char *snap = NULL, *tmp_dir = NULL;
    int64_t schema = 0;
    uint64_t file_bytes = 0;
    if (sae_backup_passphrase_check(passphrase) != 0) {
        sae_message_set(why, "a backup passphrase is %u to %u bytes",
                        SAE_BACKUP_PASSPHRASE_MIN_BYTES, SAE_BACKUP_PASSPHRASE_MAX_BYTES);
        return SAE_EINVAL;
    }
    if (stat(out_path, &st) == 0 && !S_ISREG(st.st_mode)) {
        sae_message_set(why, "%s is not a file: give the backup file's name", out_path);
        return SAE_EINVAL;
    }
    int rc = check_database(spec, dir, why);
    if (rc == 0)
        rc = gather_files(spec, dir, &files, &files_len, &file_count, why);
    if (rc == 0 && !(tmp_dir = beside(out_path, ".snapshot.XXXXXX")))
        rc = SAE_ENOMEM;
    if (rc == 0 && !mkdtemp(tmp_dir)) {
        sae_message_set(why, "cannot write beside %s: %s", out_path, strerror(errno));
        free(tmp_dir);
        tmp_dir = NULL;
        rc = SAE_EIO;
    }
    if (rc == 0)
        rc = snapshot(spec, dir, busy_timeout_ms, tmp_dir, &snap, &schema, why);
    h.schema = (uint32_t)schema;
    h.created_ms = sae_wall_clock_ms();
    if (rc == 0)
        rc = write_file(out_path, snap, files, files_len, passphrase, &h, &file_bytes, why);
    if (snap)
        unlink(snap);
    if (tmp_dir)
        rmdir(tmp_dir);
    if (rc == 0)
        *info = (struct sae_backup_info){spec->side, schema, (int64_t)h.created_ms, h.db_bytes,
                                         file_bytes, file_count};
    if (files)
        sodium_free(files);
    free(snap);
    free(tmp_dir);
    return rc;
}

int sae_backup_deflated_size(const char *path, int level, uint64_t *bytes)
{
    struct sink counting = {.file = NULL};
    struct sae_backup_header h;
    memset(&h, 0, sizeof h);
    int rc = write_deflated(&counting, path, level, &h);
    if (rc == 0)
        *bytes = h.deflated_bytes;
    return rc;
}
