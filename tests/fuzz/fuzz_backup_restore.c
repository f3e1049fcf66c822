/* libFuzzer target for the backup reader (proto/backup_restore.c): sae_backup_inspect and
 * sae_backup_restore on a backup file built from the input. Random bytes would never pass
 * the checksum nor open the sealed section, so the target builds a file that does, around
 * what the input chooses, and lets the reader judge the rest:
 *
 *   input: format, side, schema, cost, flags (one byte each), db_bytes (u32 LE),
 *          files length (u16 LE), the files section in plain (u16 name length, name,
 *          u32 length, bytes; as the writer lays it out), then the database, deflated or not
 *
 * The Argon2id cost is bounded to its minimum and a little above (1 or 2 passes, 8 to 64
 * KiB), so a run costs microseconds rather than the real 64 MiB; the files section is sealed
 * with the key of a fixed passphrase, the checksum computed over the result (flags bit 0
 * then spoils one byte after it). Properties: a refusal is one of the documented codes with
 * its line and leaves nothing in the target directory; a restore that succeeds leaves there
 * only the database and file names the spec knows. */
#include <dirent.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_backup.h"
#include "sae/sae_backup_restore.h"
#include "sae/sae_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_require.h"

#define PASSPHRASE "fuzzing passphrase"
#define MAX_SCHEMA 10
#define FIXED_BYTES 11u

static const struct sae_backup_file FILES[] = {{"node.key", true}, {"tls.pem", false}};
static const struct sae_backup_spec SPEC = {SAE_BACKUP_SIDE_NODE, "sae-node", "node.db", FILES,
                                            2};

static char base[64], backup_path[96], target[96];

/* The scratch directory goes when the run ends (a crash leaves it for the artifact). */
static void tear_down(void)
{
    unlink(backup_path);
    rmdir(base);
}

static void set_up(void)
{
    if (base[0])
        return;
    snprintf(base, sizeof base, "/tmp/fuzz-backup-XXXXXX");
    REQUIRE(mkdtemp(base) != NULL);
    snprintf(backup_path, sizeof backup_path, "%s/in.bkup", base);
    snprintf(target, sizeof target, "%s/restored", base);
    REQUIRE(sodium_init() >= 0);
    REQUIRE(atexit(tear_down) == 0);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The header the input chooses; the cost bounded so that the key comes quickly. */
static void choose_header(const uint8_t *data, struct sae_backup_header *h)
{
    memset(h, 0, sizeof *h);
    h->format = data[0] < 250 ? SAE_BACKUP_FORMAT : data[0];
    h->side = data[1] < 250 ? SAE_BACKUP_SIDE_NODE : data[1] % 4;
    h->schema = data[2] % (MAX_SCHEMA + 2);
    h->opslimit = 1u + (data[3] & 1u);
    h->memlimit = 8192u << ((data[3] >> 1) & 3u);
    h->created_ms = 1700000000000ull;
    h->db_bytes = get32(data + 5);
    randombytes_buf(h->salt, sizeof h->salt);
    randombytes_buf(h->nonce, sizeof h->nonce);
}

/* Writes the backup file: header, sealed files, database; false when it cannot be built. */
static bool write_backup(const uint8_t *data, size_t size)
{
    struct sae_backup_header h;
    uint8_t header[SAE_BACKUP_HEADER_BYTES], key[32], body_hash[32];
    choose_header(data, &h);
    size_t plain_len = (size_t)(data[9] | data[10] << 8);
    if (plain_len > size - FIXED_BYTES)
        plain_len = size - FIXED_BYTES;
    const uint8_t *plain = data + FIXED_BYTES, *db = plain + plain_len;
    size_t db_len = size - FIXED_BYTES - plain_len;
    size_t sealed_len = plain_len + crypto_secretbox_MACBYTES;
    uint8_t *body = malloc(sealed_len + db_len + 1);
    REQUIRE(body != NULL);
    REQUIRE(sae_backup_key(PASSPHRASE, &h, key) == 0);
    crypto_secretbox_easy(body, plain, plain_len, h.nonce, key);
    memcpy(body + sealed_len, db, db_len);
    h.sealed_bytes = sealed_len;
    h.deflated_bytes = db_len;
    crypto_generichash(body_hash, sizeof body_hash, body, sealed_len + db_len, NULL, 0);
    sae_backup_header_pack(&h, header);
    REQUIRE(sae_backup_checksum(header, body_hash, h.checksum) == 0);
    sae_backup_header_pack(&h, header);
    if ((data[4] & 1u) && sealed_len + db_len > 0)
        body[(data[4] >> 1) % (sealed_len + db_len)] ^= 0x01;
    FILE *f = fopen(backup_path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(header, 1, sizeof header, f) == sizeof header);
    REQUIRE(fwrite(body, 1, sealed_len + db_len, f) == sealed_len + db_len);
    REQUIRE(fclose(f) == 0);
    free(body);
    return true;
}

static bool known(const char *name)
{
    if (strcmp(name, SPEC.db_name) == 0)
        return true;
    for (size_t i = 0; i < SPEC.file_count; i++)
        if (strcmp(name, FILES[i].name) == 0)
            return true;
    return false;
}

/* Empties and removes the target; *names: how many entries it held, *strangers: of them,
 * names the spec does not know. */
static void clear_target(size_t *names, size_t *strangers)
{
    DIR *d = opendir(target);
    struct dirent *e;
    *names = *strangers = 0;
    while (d && (e = readdir(d)) != NULL) {
        char path[512];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        (*names)++;
        *strangers += !known(e->d_name);
        snprintf(path, sizeof path, "%s/%s", target, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sae_backup_info info;
    struct sae_message why = {{0}};
    size_t names = 0, strangers = 0;
    set_up();
    if (size < FIXED_BYTES || !write_backup(data, size))
        return 0;
    int rc = sae_backup_inspect(&SPEC, backup_path, MAX_SCHEMA, &info, &why);
    REQUIRE(rc == 0 || (rc == SAE_EINVAL && why.text[0]));
    memset(&why, 0, sizeof why);
    rc = sae_backup_restore(&SPEC, backup_path, target, PASSPHRASE, MAX_SCHEMA, NULL, NULL,
                            &info, &why);
    clear_target(&names, &strangers);
    REQUIRE(strangers == 0);
    if (rc != 0) {
        REQUIRE(rc == SAE_EINVAL && why.text[0]);
        REQUIRE(names == 0); /* a refusal leaves nothing behind */
    } else {
        REQUIRE(info.side == SAE_BACKUP_SIDE_NODE && info.schema <= MAX_SCHEMA);
    }
    return 0;
}
