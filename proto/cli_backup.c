/* sae-node / sae-hub backup and restore on the command line (sae/sae_cli_backup.h). */
#include "sae/sae_cli_backup.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sae/sae_cli.h"

#define LINE_BYTES (SAE_BACKUP_PASSPHRASE_MAX_BYTES + 2)

/* The passphrase: asked (twice when confirm, on a terminal) or one line of stdin. */
static int passphrase(const char *program, bool confirm, char out[LINE_BYTES])
{
    char again[LINE_BYTES];
    bool terminal = isatty(STDIN_FILENO) == 1;
    int status = SAE_EXIT_OK;
    if (sae_cli_read_line("Frasa sandi cadangan / backup passphrase: ", terminal, out,
                          LINE_BYTES) != 0)
        return sae_cli_fail(program, SAE_EINVAL, "no backup passphrase on standard input: type "
                            "it, or pipe it as one line; nothing was changed");
    if (sae_backup_passphrase_check(out) != 0)
        status = sae_cli_fail(program, SAE_EINVAL, "a backup passphrase is %u to %u bytes; "
                              "nothing was changed", SAE_BACKUP_PASSPHRASE_MIN_BYTES,
                              SAE_BACKUP_PASSPHRASE_MAX_BYTES);
    else if (confirm && terminal && (sae_cli_read_line("Sekali lagi / again: ", true, again, LINE_BYTES) != 0 ||
                                     strcmp(again, out) != 0))
        status = sae_cli_fail(program, SAE_EINVAL, "the two passphrases differ; nothing was "
                              "changed");
    sodium_memzero(again, sizeof again);
    return status;
}

static void format_time(int64_t ms, char out[32])
{
    time_t when = (time_t)(ms / 1000);
    struct tm tm;
    out[0] = '\0';
    if (gmtime_r(&when, &tm))
        strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

int sae_cli_backup(const struct sae_backup_spec *spec, const char *dir, int busy_timeout_ms,
                   int argc, char **argv)
{
    char secret[LINE_BYTES];
    struct sae_message why = {{0}};
    struct sae_backup_info info;
    if (argc != 2)
        return sae_cli_fail(spec->program, SAE_EINVAL, "usage: %s backup FILE (see: %s backup "
                            "--help)", spec->program, spec->program);
    if (!dir)
        return sae_cli_fail(spec->program, SAE_EINVAL, "no directory to back up: give -d DIR");
    int status = passphrase(spec->program, true, secret);
    if (status != SAE_EXIT_OK)
        return status;
    int rc = sae_backup_write(spec, dir, argv[1], secret, busy_timeout_ms, &info, &why);
    sodium_memzero(secret, sizeof secret);
    if (rc != 0)
        return sae_cli_fail(spec->program, rc, "%s", why.text[0] ? why.text : sae_error_name(rc));
    printf("backup written: %s (%llu bytes; database %llu bytes at schema %lld, %zu other "
           "file(s) sealed under the passphrase)\n", argv[1], (unsigned long long)info.file_bytes,
           (unsigned long long)info.db_bytes, (long long)info.schema, info.files);
    return SAE_EXIT_OK;
}

int sae_cli_restore(const struct sae_backup_spec *spec, int64_t max_schema,
                    sae_backup_fixup fixup, void *context, int argc, char **argv)
{
    char secret[LINE_BYTES], when[32];
    struct sae_message why = {{0}};
    struct sae_backup_info info;
    if (argc != 3)
        return sae_cli_fail(spec->program, SAE_EINVAL, "usage: %s restore FILE DIR (see: %s "
                            "restore --help)", spec->program, spec->program);
    /* A file that is not a backup is refused before a passphrase is asked for. */
    int rc = sae_backup_inspect(spec, argv[1], max_schema, &info, &why);
    if (rc != 0)
        return sae_cli_fail(spec->program, rc == SAE_ENOTFOUND ? SAE_EINVAL : rc, "%s",
                            why.text);
    int status = passphrase(spec->program, false, secret);
    if (status != SAE_EXIT_OK)
        return status;
    rc = sae_backup_restore(spec, argv[1], argv[2], secret, max_schema, fixup, context, &info,
                            &why);
    sodium_memzero(secret, sizeof secret);
    if (rc != 0)
        return sae_cli_fail(spec->program, rc, "%s", why.text[0] ? why.text : sae_error_name(rc));
    format_time(info.created_ms, when);
    printf("restored into %s from the backup of %s (database schema %lld)\n", argv[2], when,
           (long long)info.schema);
    return SAE_EXIT_OK;
}
