/* sae-node users: the staff who may sign in to the post app. A passphrase is typed (twice,
 * without echo) on a terminal, read as one line of standard input otherwise, or made at
 * random and printed once (--one-time); there is never a default one.
 *
 * Each new passphrase wraps the post's storage key (store/storage_key.h) when the key is at
 * hand: unclaimed (no head holds it yet), or opened with --head HEAD's passphrase, asked
 * first (the first line of standard input). Without it the staff member is added or reset
 * without the key, and told so: nothing on this computer opens the key without a
 * passphrase. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/password.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "sae/sae_keywrap.h"
#include "sae/sae_secure_mem.h"
#include "store/node_staff.h"
#include "store/storage_key.h"

#define PASSPHRASE_LINE_BYTES (PASSWORD_MAX_BYTES + 2)

struct users_input {
    const char *verb, *name, *head;
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

/* The new passphrase's verifier and, with secret, its wrap of it: one Argon2id
 * (proto/STORAGE_KEYS.md section 2a). */
static int passkey_new(struct node_store *store, const struct users_input *in,
                       const unsigned char *secret, char shown[PASSPHRASE_LINE_BYTES],
                       char hash[PASSWORD_HASH_BYTES], unsigned char wrap[SAE_KEYWRAP_BYTES])
{
    int status = new_passphrase(in, shown);
    int rc = status == SAE_EXIT_OK ? storage_key_passkey(store, secret, shown, hash, wrap) : 0;
    if (rc == SAE_ENOMEM)
        return cli_fail(rc, "cannot hash the passphrase (Argon2id needs %u MiB)",
                        PASSWORD_MEMLIMIT / (1024u * 1024u));
    return rc == 0 ? status : cli_fail(rc, "cannot wrap the storage key: %s", sae_error_name(rc));
}

/* The storage key opened with --head HEAD's passphrase (asked first). */
static int head_key(struct node_store *store, const char *head, unsigned char **secret)
{
    char typed[PASSPHRASE_LINE_BYTES];
    struct node_staff staff;
    char prompt[PASSPHRASE_LINE_BYTES + 64];
    if (node_staff_get(store, head, &staff) != 0 || staff.role != NODE_STAFF_HEAD)
        return cli_fail(SAE_EINVAL, "--head names the post's head: %s is not one; see: "
                        "sae-node users list", head);
    snprintf(prompt, sizeof prompt, "Frasa sandi %s / %s's passphrase: ", head, head);
    if (read_line(prompt, isatty(STDIN_FILENO) == 1, typed) != 0)
        return cli_fail(SAE_EINVAL, "no passphrase of %s on standard input; nothing was "
                        "changed", head);
    int rc = typed[0] ? storage_key_unlock(store, head, typed, secret) : SAE_EPERM;
    sodium_memzero(typed, sizeof typed);
    if (rc == SAE_EPERM || rc == SAE_ENOTFOUND)
        return cli_fail(SAE_EINVAL, "the passphrase of %s does not open the post's storage "
                        "key; nothing was changed", head);
    return rc == 0 ? SAE_EXIT_OK
                   : cli_fail(rc, "cannot open the post's storage key: %s", sae_error_name(rc));
}

/* The key to wrap for a new passphrase: --head's, else the unclaimed one, else none. */
static int key_at_hand(struct node_store *store, const struct users_input *in,
                       unsigned char **secret)
{
    *secret = NULL;
    if (in->head)
        return head_key(store, in->head, secret);
    int rc = storage_key_unclaimed(store, secret);
    return rc == 0 || rc == SAE_ENOTFOUND
               ? SAE_EXIT_OK
               : cli_fail(rc, "cannot read the post's storage key: %s", sae_error_name(rc));
}

static void say_no_key(const char *name)
{
    printf("%s holds no key to the post's sensitive data yet: a head resets their passphrase "
           "in the app (Petugas), or run: sae-node users reset \"%s\" --head HEAD\n", name,
           name);
}

/* Only when the WAL could not be emptied now: the store retries at its close and next open. */
static void say_if_scrub_owed(struct node_store *store)
{
    bool owed = false;
    if (node_store_wal_scrub_owed(store, &owed) == 0 && owed)
        fprintf(stderr, "note: another sae-node process is reading the journal, so the old "
                "wrap of the storage key stays in %s-wal until it is scrubbed when the journal "
                "is next closed or opened (any sae-node command)\n", NODE_DB_FILE);
}

static int users_add(struct node_store *store, const struct users_input *in)
{
    char shown[PASSPHRASE_LINE_BYTES], hash[PASSWORD_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], *secret = NULL;
    if (node_staff_name_check(in->name) != 0)
        return cli_fail(SAE_EINVAL, "a staff member's name is 1 to %d bytes of UTF-8 on one line",
                        SAE_LIMIT_PERSON_BYTES);
    struct node_staff existing;
    if (node_staff_get(store, in->name, &existing) == 0)
        return cli_fail(SAE_EEXIST, "%s is already a staff member; to set a new passphrase: "
                        "sae-node users reset NAME", in->name);
    int status = key_at_hand(store, in, &secret);
    if (status == SAE_EXIT_OK)
        status = passkey_new(store, in, secret, shown, hash, wrap);
    if (status == SAE_EXIT_OK) {
        int rc = node_staff_add(store, in->name, in->role, hash, secret ? wrap : NULL,
                                (int64_t)time(NULL) * 1000);
        if (rc == 0)
            rc = storage_key_settle(store);
        status = rc == 0 ? SAE_EXIT_OK
                         : cli_fail(rc, "cannot add %s: %s", in->name, sae_error_name(rc));
    }
    if (status == SAE_EXIT_OK) {
        printf("added %s (%s)\n", in->name, node_staff_role_name(in->role));
        if (in->one_time)
            printf("one-time passphrase for %s: %s\n", in->name, shown);
        if (!secret)
            say_no_key(in->name);
    }
    sae_secure_free(secret);
    sodium_memzero(shown, sizeof shown);
    sodium_memzero(hash, sizeof hash);
    return status;
}

/* A new passphrase and a new wrap, or none: the old wrap never stays. */
static int users_reset(struct node_store *store, const struct users_input *in)
{
    char shown[PASSPHRASE_LINE_BYTES], hash[PASSWORD_HASH_BYTES];
    unsigned char wrap[SAE_KEYWRAP_BYTES], *secret = NULL;
    struct node_staff existing;
    if (node_staff_get(store, in->name, &existing) != 0)
        return cli_fail(SAE_ENOTFOUND, "no staff member is called %s; see: sae-node users list",
                        in->name);
    int status = key_at_hand(store, in, &secret);
    if (status == SAE_EXIT_OK)
        status = passkey_new(store, in, secret, shown, hash, wrap);
    if (status == SAE_EXIT_OK) {
        int rc = node_staff_set_hash(store, in->name, hash, secret ? wrap : NULL);
        if (rc == 0)
            rc = storage_key_settle(store);
        status = rc == 0 ? SAE_EXIT_OK
                         : cli_fail(rc, "cannot reset %s: %s", in->name, sae_error_name(rc));
    }
    if (status == SAE_EXIT_OK) {
        printf("passphrase of %s reset; their sessions ended\n", in->name);
        say_if_scrub_owed(store);
        if (in->one_time)
            printf("one-time passphrase for %s: %s\n", in->name, shown);
        if (!secret)
            say_no_key(in->name);
    }
    sae_secure_free(secret);
    sodium_memzero(shown, sizeof shown);
    sodium_memzero(hash, sizeof hash);
    return status;
}

/* Refused when NAME is the last to hold the key and no unclaimed copy is left: removing them
 * would leave the post's sensitive data unreadable for good. */
static int users_remove(struct node_store *store, const struct users_input *in)
{
    struct node_staff existing;
    int64_t holders = 0;
    bool unclaimed = false;
    if (node_staff_get(store, in->name, &existing) != 0)
        return cli_fail(SAE_ENOTFOUND, "no staff member is called %s; see: sae-node users list",
                        in->name);
    int rc = node_staff_key_count(store, false, &holders);
    if (rc == 0)
        rc = storage_key_is_unclaimed(store, &unclaimed);
    if (rc == 0 && existing.has_key && holders == 1 && !unclaimed)
        return cli_fail(SAE_EINVAL, "%s is the only one whose passphrase opens the post's "
                        "storage key; add another head first (sae-node users add NAME --role "
                        "head --head \"%s\"); nothing was changed", in->name, in->name);
    if (rc == 0)
        rc = node_staff_remove(store, in->name);
    if (rc != 0)
        return cli_fail(rc, "cannot remove %s: %s", in->name, sae_error_name(rc));
    printf("removed %s; their sessions ended%s\n", in->name,
           existing.has_key ? " and their wrap of the storage key is gone" : "");
    say_if_scrub_owed(store);
    return SAE_EXIT_OK;
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
                                            {"head", required_argument, NULL, 'H'},
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
        else if (opt == 'H')
            in->head = optarg;
        else if (opt != 'r')
            return cli_option_error("users", opt, argv);
    }
    in->verb = optind < argc ? argv[optind++] : "";
    bool list = strcmp(in->verb, "list") == 0, remove = strcmp(in->verb, "remove") == 0;
    if (!list && !remove && strcmp(in->verb, "add") != 0 && strcmp(in->verb, "reset") != 0)
        return cli_fail(SAE_EINVAL, "users needs add NAME, reset NAME, remove NAME or list; "
                        "see: sae-node users --help");
    if ((list || remove) && (in->head || in->one_time))
        return cli_fail(SAE_EINVAL, "--head and --one-time go with users add and reset only");
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
    else if (strcmp(in.verb, "remove") == 0)
        status = users_remove(store, &in);
    else {
        int rc = node_staff_list(store, print_staff, NULL);
        status = rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, NULL, cli);
    }
    node_store_close(store);
    return status;
}
