/* sae-hub keys: the district storage key (store/district_key.h) from the command line. The
 * recovery key is read from a terminal without echo or from a file (or "-": standard input),
 * never from an argument, where ps and the shell's history would keep it. */
#include "cli/cli_keys.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/password.h"
#include "cli/cli_admin.h"
#include "sae/sae_passkey.h"
#include "sae/sae_secure_mem.h"
#include "store/district_key.h"

struct keys_input {
    const char *by, *recovery_file;
    bool password_stdin, json;
    const char *name;
};

static void print_recovery(const unsigned char recovery[SAE_RECOVERY_KEY_BYTES])
{
    char text[SAE_RECOVERY_KEY_TEXT_BYTES];
    sae_recovery_key_format(recovery, text);
    printf("district recovery key (shown once; write it on paper for the office safe):\n"
           "  %s\n"
           "It opens the district's sensitive data when every coordinator's password is lost:\n"
           "  sae-hub keys recover NAME\n",
           text);
    sodium_memzero(text, sizeof text);
}

/* A new recovery key from the unclaimed secret, printed; then the secret may retire. */
static int recovery_from_unclaimed(struct hub_cli *cli, struct hub_store *store)
{
    unsigned char *secret = NULL, recovery[SAE_RECOVERY_KEY_BYTES];
    int rc = district_key_unclaimed(cli->dir, &secret);
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(SAE_EINVAL, "the district key is held by coordinators only now; "
                            "the recovery key was made already (see: sae-hub keys status)");
    if (rc == 0)
        rc = district_key_recovery_new(store, secret, recovery);
    sae_secure_free(secret);
    if (rc == 0) {
        print_recovery(recovery);
        rc = district_key_settle(store, cli->dir);
    }
    sodium_memzero(recovery, sizeof recovery);
    return rc == 0 ? SAE_EXIT_OK
                   : hub_cli_fail(rc, "cannot make the recovery key: %s", sae_error_name(rc));
}

int hub_cli_keys_init(struct hub_cli *cli)
{
    struct hub_store *store = NULL;
    int status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = recovery_from_unclaimed(cli, store);
    hub_store_close(store);
    return status;
}

int hub_cli_keys_passkey(struct hub_store *store, const char *dir, bool coordinator,
                         const char *password, char hash[PASSWORD_HASH_BYTES],
                         unsigned char wrap[SAE_KEYWRAP_BYTES], bool *wrapped)
{
    unsigned char *secret = NULL;
    _Static_assert(SAE_PASSKEY_TEXT_BYTES <= PASSWORD_HASH_BYTES, "a verifier fits");
    *wrapped = false;
    int rc = coordinator ? district_key_unclaimed(dir, &secret) : 0;
    if (!coordinator)
        rc = password_hash(password, hash);
    else if (rc == 0 || rc == SAE_ENOTFOUND)
        rc = district_key_passkey(store, secret, password, hash, secret ? wrap : NULL);
    *wrapped = rc == 0 && secret;
    sae_secure_free(secret);
    if (rc == SAE_ENOMEM)
        return hub_cli_fail(rc, "cannot hash the password (Argon2id needs %u MiB)",
                            PASSWORD_MEMLIMIT >> 20);
    return rc == 0 ? SAE_EXIT_OK
                   : hub_cli_fail(rc, "cannot wrap the district key: %s", sae_error_name(rc));
}

int hub_cli_keys_granted(struct hub_cli *cli, struct hub_store *store, const char *name,
                         bool coordinator, bool wrapped)
{
    if (!coordinator)
        return SAE_EXIT_OK;
    if (!wrapped) {
        printf("%s holds no district key: a coordinator who holds it resets their password "
               "in the console, or: sae-hub keys recover %s\n", name, name);
        return SAE_EXIT_OK;
    }
    int rc = district_key_settle(store, cli->dir);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot give %s the district key: %s", name, sae_error_name(rc));
    printf("%s holds the district key\n", name);
    return SAE_EXIT_OK;
}

static int holder_row(const struct hub_account *a, void *context)
{
    struct hub_store **store = context;
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    if (a->role != HUB_ROLE_COORDINATOR && hub_account_wrap_get(*store, a->name, wrap) != 0)
        return 0;
    bool held = hub_account_wrap_get(*store, a->name, wrap) == 0;
    printf("  %-20s %s\n", a->name,
           held ? "holds the key" : a->disabled ? "disabled" : "holds no key");
    return 0;
}

static int keys_status(struct hub_cli *cli, struct hub_store *store, const struct keys_input *in)
{
    unsigned char public_key[DISTRICT_KEY_BYTES];
    char fingerprint[SAE_FINGERPRINT_TEXT_BYTES];
    bool unclaimed = false, recovery = false;
    int64_t holders = 0;
    int rc = district_key_public(store, public_key);
    if (rc == 0)
        rc = sae_key_fingerprint(public_key, fingerprint);
    if (rc == 0)
        rc = district_key_is_unclaimed(cli->dir, &unclaimed);
    if (rc == 0)
        rc = district_key_has_recovery(store, &recovery);
    if (rc == 0)
        rc = hub_account_wrap_count(store, &holders);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read the district key: %s", sae_error_name(rc));
    if (in->json) {
        json_t *o = json_pack("{s:s, s:b, s:b, s:I}", "fingerprint", fingerprint, "unclaimed",
                              unclaimed, "recovery_key", recovery, "holders", (json_int_t)holders);
        int failed = !o || json_dumpf(o, stdout, JSON_INDENT(2)) != 0;
        json_decref(o);
        putchar('\n');
        return failed ? hub_cli_fail(SAE_ENOMEM, "out of memory") : SAE_EXIT_OK;
    }
    printf("district key:  %s\n", fingerprint);
    printf("recovery key:  %s\n", recovery ? "made (kept on paper)"
                                           : "none yet: run sae-hub keys init-recovery");
    if (unclaimed)
        printf("unclaimed:     %s/%s waits until a coordinator holds the key and the recovery "
               "key is made; protect it\n", cli->dir, DISTRICT_KEY_UNCLAIMED_FILE);
    printf("coordinators holding the key: %lld\n", (long long)holders);
    rc = hub_account_list(store, holder_row, &store);
    return rc == 0 ? SAE_EXIT_OK : hub_cli_fail(rc, "cannot list accounts: %s", sae_error_name(rc));
}

/* The recovery key: a file's content, standard input ("-"), or typed without echo. */
static int read_recovery(const char *file, unsigned char recovery[SAE_RECOVERY_KEY_BYTES])
{
    char text[SAE_RECOVERY_KEY_INPUT_MAX + 2];
    size_t len = 0;
    int rc = 0;
    if (file && strcmp(file, "-") != 0) {
        FILE *f = fopen(file, "r");
        if (!f)
            return hub_cli_fail(SAE_EINVAL, "cannot read %s; give the file holding the "
                                "recovery key", file);
        len = fread(text, 1, sizeof text - 1, f);
        fclose(f);
    } else {
        rc = sae_cli_read_line("district recovery key: ", !file && isatty(STDIN_FILENO), text,
                               sizeof text);
        len = rc == 0 ? strlen(text) : 0;
    }
    if (rc == 0)
        rc = sae_recovery_key_parse(text, len, recovery);
    sodium_memzero(text, sizeof text);
    if (rc != 0)
        return hub_cli_fail(SAE_EINVAL, "that is not a recovery key: 52 letters A-Z and "
                            "digits 2-7, as printed at init (groups and case do not matter)");
    return SAE_EXIT_OK;
}

/* The new password: one line of standard input, or a one-time password printed later. */
static int recover_password(const struct keys_input *in, char password[PASSWORD_MAX_BYTES + 2])
{
    if (!in->password_stdin) {
        password_one_time(password);
        return SAE_EXIT_OK;
    }
    if (!fgets(password, PASSWORD_MAX_BYTES + 2, stdin))
        return hub_cli_fail(SAE_EINVAL, "--password-stdin: no password on standard input");
    password[strcspn(password, "\n")] = '\0';
    if (password_check(password) != 0)
        return hub_cli_fail(SAE_EINVAL, "a password is %u to %u bytes of UTF-8",
                            PASSWORD_MIN_BYTES, PASSWORD_MAX_BYTES);
    return SAE_EXIT_OK;
}

/* name's new password and its wrap of secret, in one transaction; audited. */
static int grant(struct hub_store *store, const char *name, const char *password,
                 const unsigned char *secret, const char *actor)
{
    char hash[PASSWORD_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    int rc = district_key_passkey(store, secret, password, hash, wrap);
    if (rc == 0)
        rc = hub_account_set_password(store, name, hash, wrap);
    sodium_memzero(hash, sizeof hash);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot set the password of %s: %s", name, sae_error_name(rc));
    return hub_admin_audit(store, actor, "key-recover", name);
}

static int keys_recover(struct hub_cli *cli, struct hub_store *store, const struct keys_input *in,
                        const char *actor)
{
    struct hub_account account;
    int rc = hub_account_get(store, in->name, &account);
    if (rc != 0 || account.disabled || account.role != HUB_ROLE_COORDINATOR)
        return hub_cli_fail(SAE_EINVAL, "%s is not an enabled coordinator; the district key "
                            "is given to coordinators only (see: sae-hub users list)", in->name);
    if (in->password_stdin && (!in->recovery_file || strcmp(in->recovery_file, "-") == 0))
        return hub_cli_fail(SAE_EINVAL, "--password-stdin needs --recovery-file FILE: standard "
                            "input cannot hold both");
    unsigned char recovery[SAE_RECOVERY_KEY_BYTES], *secret = NULL;
    char password[PASSWORD_MAX_BYTES + 2];
    int status = read_recovery(in->recovery_file, recovery);
    if (status == SAE_EXIT_OK) {
        rc = district_key_recover(store, recovery, &secret);
        if (rc == SAE_EPERM)
            status = hub_cli_fail(SAE_EPERM, "this recovery key does not open the district "
                                  "key; check it against the paper");
        else if (rc != 0)
            status = hub_cli_fail(rc, "cannot open the district key: %s", sae_error_name(rc));
    }
    sodium_memzero(recovery, sizeof recovery);
    if (status == SAE_EXIT_OK)
        status = recover_password(in, password);
    if (status == SAE_EXIT_OK)
        status = grant(store, in->name, password, secret, actor);
    sae_secure_free(secret);
    if (status == SAE_EXIT_OK && district_key_settle(store, cli->dir) != 0)
        status = hub_cli_fail(SAE_EIO, "cannot retire %s/%s", cli->dir, DISTRICT_KEY_UNCLAIMED_FILE);
    if (status == SAE_EXIT_OK) {
        printf("%s holds the district key; their sessions ended\n", in->name);
        if (!in->password_stdin)
            printf("one-time password for %s: %s\n", in->name, password);
    }
    sodium_memzero(password, sizeof password);
    return status;
}

static int parse_keys(const char *command, int argc, char **argv, struct keys_input *in)
{
    memset(in, 0, sizeof *in);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("by", 0, &in->by),
        SAE_CLI_OPT_TEXT("recovery-file", 0, &in->recovery_file),
        SAE_CLI_OPT_FLAG("password-stdin", 0, &in->password_stdin),
        SAE_CLI_OPT_FLAG("json", 0, &in->json),
    };
    int status = HUB_CLI_OPTIONS(command, "keys", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    bool wants_name = strcmp(command, "keys recover") == 0;
    if (argc - optind != (wants_name ? 1 : 0))
        return hub_cli_fail(SAE_EINVAL, "%s %s; see: sae-hub keys --help", command,
                            wants_name ? "takes one coordinator's name" : "takes no argument");
    in->name = wants_name ? argv[optind] : NULL;
    if (in->name && hub_account_name_check(in->name) != 0)
        return hub_cli_fail(SAE_EINVAL, "an account name is 1 to %u bytes of UTF-8 on one "
                            "line", HUB_ACCOUNT_NAME_BYTES - 1);
    return SAE_EXIT_OK;
}

int hub_cli_keys(struct hub_cli *cli, int argc, char **argv)
{
    static const char *const verbs[] = {"status", "init-recovery", "recover"};
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "keys needs status, init-recovery or recover; see: "
                            "sae-hub keys --help");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return hub_cli_usage(stdout, "keys", HUB_CLI_DONE);
    const char *verb = NULL;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(verbs[i], argv[1]) == 0)
            verb = verbs[i];
    if (!verb)
        return hub_cli_fail(SAE_EINVAL, "unknown keys command \"%.40s\"; see: sae-hub keys "
                            "--help", argv[1]);
    char command[40], actor[HUB_ACCOUNT_NAME_BYTES + 64];
    snprintf(command, sizeof command, "keys %s", verb);
    struct keys_input in;
    struct hub_store *store = NULL;
    int status = parse_keys(command, argc - 1, argv + 1, &in);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK && strcmp(verb, "recover") == 0)
        status = hub_admin_actor(store, in.by, actor, sizeof actor);
    if (status == SAE_EXIT_OK) {
        if (strcmp(verb, "status") == 0)
            status = keys_status(cli, store, &in);
        else if (strcmp(verb, "init-recovery") == 0)
            status = recovery_from_unclaimed(cli, store);
        else
            status = keys_recover(cli, store, &in, actor);
    }
    return hub_admin_finish(store, status);
}
