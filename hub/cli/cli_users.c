/* sae-hub users: the console's accounts from the hub's command line (store/hub_accounts.h).
 * Every change is audited with address "cli", by the --by account, else the account named as
 * the OS user, else "os:USER". */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/password.h"
#include "cli/cli.h"
#include "cli/cli_admin.h"
#include "cli/cli_keys.h"
#include "sae/sae_passkey.h"
#include "store/agency_key.h"
#include "store/hub_accounts.h"
#include "store/partner.h"

struct users_input {
    const char *name, *role, *agency, *by;
    bool password_stdin, json;
};

static int parse_users(const char *command, int argc, char **argv, struct users_input *in)
{
    memset(in, 0, sizeof *in);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("role", 0, &in->role),
        SAE_CLI_OPT_TEXT("agency", 0, &in->agency),
        SAE_CLI_OPT_TEXT("by", 0, &in->by),
        SAE_CLI_OPT_FLAG("password-stdin", 0, &in->password_stdin),
        SAE_CLI_OPT_FLAG("json", 0, &in->json),
    };
    int status = HUB_CLI_OPTIONS(command, "users", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    bool wants_name = strcmp(command, "users list") != 0;
    if (argc - optind != (wants_name ? 1 : 0))
        return hub_cli_fail(SAE_EINVAL, "%s %s; see: sae-hub users --help", command,
                            wants_name ? "takes one account name" : "takes no argument");
    in->name = wants_name ? argv[optind] : NULL;
    if (in->name && hub_account_name_check(in->name) != 0)
        return hub_cli_fail(SAE_EINVAL, "an account name is 1 to %u bytes of UTF-8 on one "
                            "line", HUB_ACCOUNT_NAME_BYTES - 1);
    return SAE_EXIT_OK;
}

/* The new password: one line of standard input, or a one-time password printed. */
static int new_password(bool from_stdin, char out[PASSWORD_MAX_BYTES + 2], bool *printed)
{
    *printed = !from_stdin;
    if (!from_stdin) {
        password_one_time(out);
        return SAE_EXIT_OK;
    }
    if (!fgets(out, PASSWORD_MAX_BYTES + 2, stdin))
        return hub_cli_fail(SAE_EINVAL, "--password-stdin: no password on standard input");
    out[strcspn(out, "\n")] = '\0';
    if (password_check(out) != 0)
        return hub_cli_fail(SAE_EINVAL, "a password is %u to %u bytes of UTF-8",
                            PASSWORD_MIN_BYTES, PASSWORD_MAX_BYTES);
    return SAE_EXIT_OK;
}

/* The first partner account of an agency makes the agency's key, wrapped by its password
 * (store/agency_key.h); a later one gets a hash alone until someone who holds the key gives
 * it a wrap. */
static int partner_passkey(struct hub_store *store, const char *agency, const char *password,
                           char hash[PASSWORD_HASH_BYTES], unsigned char wrap[SAE_KEYWRAP_BYTES],
                           bool *wrapped)
{
    _Static_assert(SAE_PASSKEY_TEXT_BYTES <= PASSWORD_HASH_BYTES, "a verifier fits");
    int rc = agency_key_passkey_new(store, agency, password, hash, wrap, wrapped);
    return rc == 0 ? SAE_EXIT_OK
                   : hub_cli_fail(rc, "cannot make the agency's key: %s", sae_error_name(rc));
}

static void say_partner_key(const char *name, const char *agency, bool wrapped)
{
    if (partner_agency_check(agency) != 0)
        printf("%s's agency \"%s\" is no referral destination (%s): it is addressed no "
               "referral\n", name, agency, partner_agency_names());
    else if (wrapped)
        printf("%s holds the key of %s: survivors' names its referrals may show open with "
               "this password\n", name, agency);
    else
        printf("%s holds no key of %s yet: names read masked until a coordinator gives it (the "
               "console's Posts page, Data key: reset password and give the key)\n", name,
               agency);
}

static int users_add(struct hub_cli *cli, struct hub_store *store, const struct users_input *in,
                     const char *actor)
{
    enum hub_role role;
    if (!in->role || hub_role_parse(in->role, &role) != 0)
        return hub_cli_fail(SAE_EINVAL, "users add needs --role operator, coordinator, admin "
                            "or partner");
    if ((role == HUB_ROLE_PARTNER) != (in->agency != NULL))
        return hub_cli_fail(SAE_EINVAL, "--agency A is required for a partner and only for "
                            "one");
    if (in->agency && hub_agency_check(in->agency) != 0)
        return hub_cli_fail(SAE_EINVAL, "--agency must be 1 to %u bytes of UTF-8 on one line",
                            HUB_AGENCY_BYTES - 1);
    struct hub_account existing;
    if (hub_account_get(store, in->name, &existing) == 0)
        return hub_cli_fail(SAE_EEXIST, "an account named %s exists already; see: sae-hub "
                            "users list", in->name);
    char hash[PASSWORD_HASH_BYTES], shown[PASSWORD_MAX_BYTES + 2];
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool printed = false, wrapped = false, coordinator = role == HUB_ROLE_COORDINATOR;
    int status = new_password(in->password_stdin, shown, &printed);
    if (status == SAE_EXIT_OK && role == HUB_ROLE_PARTNER)
        status = partner_passkey(store, in->agency, shown, hash, wrap, &wrapped);
    else if (status == SAE_EXIT_OK)
        status = hub_cli_keys_passkey(store, cli->dir, coordinator, shown, hash, wrap, &wrapped);
    if (status == SAE_EXIT_OK) {
        int rc = hub_account_add(store, in->name, role, in->agency, hash,
                                 (int64_t)sae_wall_clock_ms());
        if (rc == 0 && wrapped)
            rc = hub_account_wrap_set(store, in->name, wrap);
        status = rc == 0 ? hub_admin_audit(store, actor, "account-add", in->name)
                         : hub_cli_fail(rc, "cannot add the account: %s", sae_error_name(rc));
    }
    if (status == SAE_EXIT_OK) {
        printf("added %s (%s)\n", in->name, hub_role_name(role));
        if (printed)
            printf("one-time password for %s: %s\n", in->name, shown);
        status = hub_cli_keys_granted(cli, store, in->name, coordinator, wrapped);
        if (role == HUB_ROLE_PARTNER)
            say_partner_key(in->name, in->agency, wrapped);
    }
    sodium_memzero(shown, sizeof shown);
    sodium_memzero(hash, sizeof hash);
    return status;
}

/* Only when the WAL could not be emptied now: the store retries at its close and next open. */
static void say_if_scrub_owed(struct hub_store *store)
{
    bool owed = false;
    if (hub_store_wal_scrub_owed(store, &owed) == 0 && owed)
        fprintf(stderr, "note: another process (sae-hub serve) is reading the database, so the "
                "old wrap of the district key stays in hub.db-wal until it is scrubbed when "
                "the database is next closed or opened (any sae-hub command)\n");
}

static int users_reset(struct hub_cli *cli, struct hub_store *store, const struct users_input *in,
                       const char *actor)
{
    char hash[PASSWORD_HASH_BYTES], shown[PASSWORD_MAX_BYTES + 2];
    bool printed = false;
    struct hub_account account;
    if (hub_account_get(store, in->name, &account) != 0)
        return hub_cli_fail(SAE_ENOTFOUND, "no account named %s; see: sae-hub users list",
                            in->name);
    unsigned char wrap[SAE_KEYWRAP_BYTES];
    bool wrapped = false, coordinator = account.role == HUB_ROLE_COORDINATOR;
    int status = new_password(in->password_stdin, shown, &printed);
    if (status == SAE_EXIT_OK)
        status = hub_cli_keys_passkey(store, cli->dir, coordinator, shown, hash, wrap, &wrapped);
    if (status == SAE_EXIT_OK) {
        /* The command line holds no key: the old wrap goes (someone may know the old
         * password), and a new one is made only from a secret still unclaimed. */
        int rc = hub_account_set_password(store, in->name, hash, wrapped ? wrap : NULL);
        status = rc == 0 ? hub_admin_audit(store, actor, "account-password-reset", in->name)
                         : hub_cli_fail(rc, "cannot set the password: %s", sae_error_name(rc));
    }
    if (status == SAE_EXIT_OK) {
        printf("password of %s reset; its sessions ended\n", in->name);
        say_if_scrub_owed(store);
        if (printed)
            printf("one-time password for %s: %s\n", in->name, shown);
        status = hub_cli_keys_granted(cli, store, in->name, coordinator, wrapped);
    }
    sodium_memzero(shown, sizeof shown);
    sodium_memzero(hash, sizeof hash);
    return status;
}

static int users_disable(struct hub_store *store, const struct users_input *in,
                         const char *actor)
{
    /* An admin who disables their own account may leave the hub without one. */
    if (strcmp(actor, in->name) == 0)
        return hub_cli_fail(SAE_EINVAL, "%s cannot disable their own account; another admin "
                            "does it (--by ACCOUNT names who)", in->name);
    int rc = hub_account_disable(store, in->name);
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(rc, "no account named %s; see: sae-hub users list", in->name);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot disable %s: %s", in->name, sae_error_name(rc));
    int status = hub_admin_audit(store, actor, "account-disable", in->name);
    if (status == SAE_EXIT_OK)
        printf("disabled %s; its sessions ended\n", in->name);
    if (status == SAE_EXIT_OK)
        say_if_scrub_owed(store);
    return status;
}

static int print_account(const struct hub_account *a, void *context)
{
    json_t *array = context;
    if (array) {
        json_t *row = json_pack("{s:s, s:s, s:s?, s:b, s:b}", "name", a->name, "role",
                                hub_role_name(a->role), "agency",
                                a->agency[0] ? a->agency : NULL, "disabled", a->disabled,
                                "conduct_accepted", a->conduct_ms != 0);
        return row && json_array_append_new(array, row) == 0 ? 0 : SAE_ENOMEM;
    }
    printf("%-20s %-12s %-10s %s\n", a->name, hub_role_name(a->role),
           a->disabled ? "disabled" : "enabled", a->agency);
    return 0;
}

static int users_list(struct hub_store *store, const struct users_input *in)
{
    json_t *array = in->json ? json_array() : NULL;
    if (in->json && !array)
        return hub_cli_fail(SAE_ENOMEM, "out of memory");
    if (!in->json)
        printf("%-20s %-12s %-10s %s\n", "NAME", "ROLE", "STATE", "AGENCY");
    int rc = hub_account_list(store, print_account, array);
    if (rc == 0 && array && json_dumpf(array, stdout, JSON_INDENT(2)) == 0)
        putchar('\n');
    json_decref(array);
    return rc == 0 ? SAE_EXIT_OK : hub_cli_fail(rc, "cannot list accounts: %s",
                                               sae_error_name(rc));
}

int hub_cli_users(struct hub_cli *cli, int argc, char **argv)
{
    static const char *const verbs[] = {"add", "list", "disable", "reset-password"};
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "users needs add, list, disable or reset-password; "
                            "see: sae-hub users --help");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return hub_cli_usage(stdout, "users", HUB_CLI_DONE);
    const char *verb = NULL;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(verbs[i], argv[1]) == 0)
            verb = verbs[i];
    if (!verb)
        return hub_cli_fail(SAE_EINVAL, "unknown users command \"%.40s\"; see: sae-hub users "
                            "--help", argv[1]);
    char command[40], actor[HUB_ACCOUNT_NAME_BYTES + 64];
    snprintf(command, sizeof command, "users %s", verb);
    struct users_input in;
    struct hub_store *store = NULL;
    int status = parse_users(command, argc - 1, argv + 1, &in);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK && strcmp(verb, "list") != 0)
        status = hub_admin_actor(store, in.by, actor, sizeof actor);
    if (status == SAE_EXIT_OK) {
        if (strcmp(verb, "add") == 0)
            status = users_add(cli, store, &in, actor);
        else if (strcmp(verb, "list") == 0)
            status = users_list(store, &in);
        else if (strcmp(verb, "disable") == 0)
            status = users_disable(store, &in, actor);
        else
            status = users_reset(cli, store, &in, actor);
    }
    return hub_admin_finish(store, status);
}
