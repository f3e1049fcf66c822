/* sae-node users: the staff who may sign in to the post app. A passphrase is typed (twice,
 * without echo) on a terminal, read as one line of standard input otherwise, or made at
 * random and printed once (--one-time); there is never a default one. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/password.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "store/node_staff.h"

#define PASSPHRASE_LINE_BYTES (PASSWORD_MAX_BYTES + 2)

struct users_input {
    const char *verb, *name;
    enum node_staff_role role;
    bool one_time;
};

/* One line of standard input (sae/sae_cli.h): without echo on a terminal. */
static int read_line(const char *prompt, bool terminal, char out[PASSPHRASE_LINE_BYTES])
{
    return sae_cli_read_line(prompt, terminal, out, PASSPHRASE_LINE_BYTES);
}

/* The new passphrase: asked (twice on a terminal), or made and flagged to be printed. */
static int new_passphrase(const struct users_input *in, char out[PASSPHRASE_LINE_BYTES])
{
    char again[PASSPHRASE_LINE_BYTES];
    bool terminal = isatty(STDIN_FILENO) == 1;
    if (in->one_time) {
        password_one_time(out);
        return SAE_EXIT_OK;
    }
    if (read_line("Frasa sandi / passphrase: ", terminal, out) != 0)
        return cli_fail(SAE_EINVAL, "no passphrase on standard input; type it, pipe one line, "
                        "or use --one-time");
    int status = SAE_EXIT_OK;
    if (password_check(out) != 0)
        status = cli_fail(SAE_EINVAL, "a passphrase is %u to %u bytes of UTF-8; nothing was "
                          "changed", PASSWORD_MIN_BYTES, PASSWORD_MAX_BYTES);
    else if (terminal && (read_line("Sekali lagi / again: ", true, again) != 0 ||
                          strcmp(again, out) != 0))
        status = cli_fail(SAE_EINVAL, "the two passphrases differ; nothing was changed");
    sodium_memzero(again, sizeof again);
    return status;
}

static int hash_new(const struct users_input *in, char shown[PASSPHRASE_LINE_BYTES],
                    char hash[PASSWORD_HASH_BYTES])
{
    int status = new_passphrase(in, shown);
    if (status == SAE_EXIT_OK && password_hash(shown, hash) != 0)
        status = cli_fail(SAE_ENOMEM, "cannot hash the passphrase (Argon2id needs %u MiB)",
                          PASSWORD_MEMLIMIT / (1024u * 1024u));
    return status;
}

static int users_add(struct node_store *store, const struct users_input *in)
{
    char shown[PASSPHRASE_LINE_BYTES], hash[PASSWORD_HASH_BYTES];
    if (node_staff_name_check(in->name) != 0)
        return cli_fail(SAE_EINVAL, "a staff member's name is 1 to %d bytes of UTF-8 on one line",
                        SAE_LIMIT_PERSON_BYTES);
    struct node_staff existing;
    if (node_staff_get(store, in->name, &existing) == 0)
        return cli_fail(SAE_EEXIST, "%s is already a staff member; to set a new passphrase: "
                        "sae-node users reset NAME", in->name);
    int status = hash_new(in, shown, hash);
    if (status == SAE_EXIT_OK) {
        int rc = node_staff_add(store, in->name, in->role, hash, (int64_t)time(NULL) * 1000);
        status = rc == 0 ? SAE_EXIT_OK
                         : cli_fail(rc, "cannot add %s: %s", in->name, sae_error_name(rc));
    }
    if (status == SAE_EXIT_OK) {
        printf("added %s (%s)\n", in->name, node_staff_role_name(in->role));
        if (in->one_time)
            printf("one-time passphrase for %s: %s\n", in->name, shown);
    }
    sodium_memzero(shown, sizeof shown);
    sodium_memzero(hash, sizeof hash);
    return status;
}

static int users_reset(struct node_store *store, const struct users_input *in)
{
    char shown[PASSPHRASE_LINE_BYTES], hash[PASSWORD_HASH_BYTES];
    struct node_staff existing;
    if (node_staff_get(store, in->name, &existing) != 0)
        return cli_fail(SAE_ENOTFOUND, "no staff member is called %s; see: sae-node users list",
                        in->name);
    int status = hash_new(in, shown, hash);
    if (status == SAE_EXIT_OK) {
        int rc = node_staff_set_hash(store, in->name, hash);
        status = rc == 0 ? SAE_EXIT_OK
                         : cli_fail(rc, "cannot reset %s: %s", in->name, sae_error_name(rc));
    }
    if (status == SAE_EXIT_OK) {
        printf("passphrase of %s reset; their sessions ended\n", in->name);
        if (in->one_time)
            printf("one-time passphrase for %s: %s\n", in->name, shown);
    }
    sodium_memzero(shown, sizeof shown);
    sodium_memzero(hash, sizeof hash);
    return status;
}

static int print_staff(const struct node_staff *staff, void *context)
{
    (void)context;
    printf("%s\t%s\n", staff->name, node_staff_role_name(staff->role));
    return 0;
}

static int parse(int argc, char **argv, struct users_input *in)
{
    static const struct option options[] = {{"role", required_argument, NULL, 'r'},
                                            {"one-time", no_argument, NULL, 'o'},
                                            {"help", no_argument, NULL, 'h'}, {0}};
    int opt;
    optind = 0;
    in->role = NODE_STAFF_MEMBER;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (opt == 'h')
            return cli_usage(stdout, "users", CLI_DONE);
        if (opt == 'r' && node_staff_role_parse(optarg, &in->role) != 0)
            return cli_fail(SAE_EINVAL, "--role is head or staff, got \"%.20s\"", optarg);
        if (opt == 'o')
            in->one_time = true;
        else if (opt != 'r')
            return cli_option_error("users", opt, argv);
    }
    in->verb = optind < argc ? argv[optind++] : "";
    bool list = strcmp(in->verb, "list") == 0;
    if (!list && strcmp(in->verb, "add") != 0 && strcmp(in->verb, "reset") != 0)
        return cli_fail(SAE_EINVAL, "users needs add NAME, reset NAME or list; see: sae-node "
                        "users --help");
    in->name = optind < argc ? argv[optind++] : NULL;
    if (list && (in->name || optind != argc))
        return cli_fail(SAE_EINVAL, "users list takes no name");
    if (!list && (!in->name || optind != argc))
        return cli_fail(SAE_EINVAL, "users %s takes one NAME; see: sae-node users --help",
                        in->verb);
    return SAE_EXIT_OK;
}

int cli_users(struct cli *cli, int argc, char **argv)
{
    struct users_input in;
    struct node_store *store = NULL;
    memset(&in, 0, sizeof in);
    int status = parse(argc, argv, &in);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    status = cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    if (strcmp(in.verb, "add") == 0)
        status = users_add(store, &in);
    else if (strcmp(in.verb, "reset") == 0)
        status = users_reset(store, &in);
    else {
        int rc = node_staff_list(store, print_staff, NULL);
        status = rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, NULL, cli);
    }
    node_store_close(store);
    return status;
}
