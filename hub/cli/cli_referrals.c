/* sae-hub referrals list | answer | override | grant: partner agencies' referrals
 * (store/partner.h), their answers (merge/merge_referral.h) and the values their key is
 * owed (store/agency_copies.h). */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/password.h"
#include "sae/sae_secure_mem.h"
#include "store/agency_copies.h"
#include "store/agency_key.h"
#include "store/hub_accounts.h"
#include "cli/cli_admin.h"
#include "merge/merge_referral.h"
#include "render/render_console.h"
#include "store/partner.h"

struct referral_options {
    bool json;
    const char *agency, *by, *note, *reason, *as;
};

/* --json, --agency, --by, --note, --reason, --as; which a command takes is checked after. */
static int parse_options(int argc, char **argv, const char *command,
                         struct referral_options *o)
{
    memset(o, 0, sizeof *o);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_FLAG("json", 0, &o->json),     SAE_CLI_OPT_TEXT("agency", 0, &o->agency),
        SAE_CLI_OPT_TEXT("by", 0, &o->by),         SAE_CLI_OPT_TEXT("note", 0, &o->note),
        SAE_CLI_OPT_TEXT("reason", 0, &o->reason), SAE_CLI_OPT_TEXT("as", 0, &o->as),
    };
    int status = HUB_CLI_OPTIONS(command, "referrals", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (o->agency && partner_agency_check(o->agency) != 0)
        return hub_cli_fail(SAE_EINVAL, "--agency must be one of: %s", partner_agency_names());
    return SAE_EXIT_OK;
}

struct list_context {
    bool json;
    json_t *array;
    size_t count, awaiting;
};

static int list_visit(const struct partner_referral *referral, void *context)
{
    struct list_context *l = context;
    l->count++;
    l->awaiting += referral->awaiting;
    if (!l->json) {
        hub_partner_referral_text(stdout, referral);
        return 0;
    }
    json_t *item = hub_partner_referral_json(referral);
    return item && json_array_append_new(l->array, item) == 0 ? 0 : SAE_ENOMEM;
}

/* --as PARTNER: the key of agency opened by that partner's password (asked, or one line of
 * standard input, never an argument) and lent to the store's reads for the command's life:
 * the values consent gave the agency open, the rest stays masked (store/agency_key.h). */
static int lend_partner_key(struct hub_store *store, const char *agency, const char *name)
{
    char password[PASSWORD_MAX_BYTES + 2], prompt[HUB_AUTHOR_BYTES + 32];
    struct hub_account account;
    unsigned char public_key[AGENCY_KEY_BYTES], *secret = NULL;
    int64_t id = 0;
    if (hub_account_name_check(name) != 0 || hub_account_get(store, name, &account) != 0 ||
        account.disabled || account.role != HUB_ROLE_PARTNER ||
        strcmp(account.agency, agency) != 0)
        return hub_cli_fail(SAE_EINVAL, "--as %.100s: not a partner of %s; give an enabled "
                            "partner account of that agency (sae-hub users list)", name, agency);
    snprintf(prompt, sizeof prompt, "password of %.100s: ", name);
    if (sae_cli_read_line(prompt, isatty(STDIN_FILENO) == 1, password, sizeof password) != 0)
        return hub_cli_fail(SAE_EINVAL, "--as %.100s: give the password (typed, or one line of "
                            "standard input)", name);
    int rc = agency_key_unlock(store, name, password, NULL, &secret);
    sodium_memzero(password, sizeof password);
    if (rc == 0)
        rc = agency_key_public(store, agency, public_key, &id);
    if (rc != 0)
        sae_secure_free(secret);
    if (rc == SAE_EPERM)
        return hub_cli_fail(SAE_EINVAL, "wrong password for %.100s; nothing was shown", name);
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(SAE_EINVAL, "--as %.100s: holds no key of %s yet; a coordinator "
                            "gives it by resetting the password in the console", name, agency);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot check the password: %s", sae_error_name(rc));
    agency_key_lend(store, agency_key_holder(id), secret, true);
    return SAE_EXIT_OK;
}

static int referrals_list(struct hub_cli *cli, int argc, char **argv)
{
    struct referral_options o;
    struct list_context l = {0};
    struct hub_store *store = NULL;
    int status = parse_options(argc, argv, "referrals list", &o);
    if (status != SAE_EXIT_OK)
        return status;
    if (!o.agency || o.by || o.note || o.reason || optind != argc || (o.as && !o.as[0]))
        return hub_cli_fail(SAE_EINVAL, "referrals list takes --agency A, --as PARTNER and "
                            "--json only; agencies: %s", partner_agency_names());
    status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK && o.as)
        status = lend_partner_key(store, o.agency, o.as);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(store, status);
    l.json = o.json;
    l.array = o.json ? json_array() : NULL;
    int rc = o.json && !l.array ? SAE_ENOMEM
                                : partner_referrals(store, o.agency, list_visit, &l);
    if (rc == 0 && o.json)
        rc = hub_json_print(stdout, l.array);
    else
        json_decref(l.array);
    if (rc == 0 && !o.json)
        printf("%zu referral(s) to %s, %zu awaiting an answer\n", l.count, o.agency,
               l.awaiting);
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli));
}

/* Checks --by and the note, opens hub.db and resolves the referral's id. */
static int open_referral(struct hub_cli *cli, const char *command, const char *by,
                         const char *note, const char *arg, struct hub_store **store,
                         char id[SAE_ID_TEXT_LEN + 1])
{
    int status = hub_admin_check_author(command, by, note);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, store);
    if (status == SAE_EXIT_OK)
        status = hub_admin_resolve(*store, arg, id);
    if (status == SAE_EXIT_OK)
        status = hub_admin_check_account(*store, by);
    return status;
}

static int referrals_answer(struct hub_cli *cli, int argc, char **argv)
{
    struct referral_options o;
    struct hub_store *store = NULL;
    struct sae_message why = {{0}};
    enum merge_answer answer;
    char id[SAE_ID_TEXT_LEN + 1];
    int status = parse_options(argc, argv, "referrals answer", &o);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 2 || o.json || o.reason)
        return hub_cli_fail(SAE_EINVAL, "referrals answer takes a referral and an answer: "
                            "sae-hub referrals answer ID accepted|declined|done [--note TEXT] "
                            "--by NAME");
    if (merge_answer_parse(argv[optind + 1], &answer) != 0)
        return hub_cli_fail(SAE_EINVAL, "the answer is accepted, declined or done, not "
                            "\"%.40s\"", argv[optind + 1]);
    status = open_referral(cli, "referrals answer", o.by, o.note, argv[optind], &store, id);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(store, status);
    int rc = merge_referral_answer(store, id, o.agency, answer, o.note, o.by,
                                   (int64_t)sae_wall_clock_ms(), &why);
    int audited = rc == 0 ? hub_admin_audit(store, o.by, "referral-answer", id) : SAE_EXIT_OK;
    if (audited != SAE_EXIT_OK)
        return hub_admin_finish(store, audited);
    if (rc == 0)
        printf("recorded %s on referral %s by %s; the post receives it on its next sync\n",
               argv[optind + 1], id, o.by);
    /* Addressed to another agency: bad input here (exit 2), a 403 for the console. */
    rc = rc == SAE_EPERM ? SAE_EINVAL : rc;
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, &why, cli));
}

static int referrals_override(struct hub_cli *cli, int argc, char **argv)
{
    struct referral_options o;
    struct hub_store *store = NULL;
    struct sae_message why = {{0}};
    char id[SAE_ID_TEXT_LEN + 1];
    int status = parse_options(argc, argv, "referrals override", &o);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1 || o.json || o.note || o.agency)
        return hub_cli_fail(SAE_EINVAL, "referrals override takes one referral: sae-hub "
                            "referrals override ID --reason TEXT --by NAME");
    if (!o.reason)
        return hub_cli_fail(SAE_EINVAL, "referrals override needs --reason TEXT: why the "
                            "agency must see what the survivor did not consent to share");
    status = open_referral(cli, "referrals override", o.by, o.reason, argv[optind], &store,
                           id);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(store, status);
    int rc = partner_override(store, id, o.by, o.reason, (int64_t)sae_wall_clock_ms(), &why);
    int audited = rc == 0 ? hub_admin_audit(store, o.by, "referral-override", id) : SAE_EXIT_OK;
    if (audited != SAE_EXIT_OK)
        return hub_admin_finish(store, audited);
    if (rc == 0)
        printf("referral %s: its agency now sees the survivor's name, age, contact and "
               "narrative; the override is kept with %s and the reason; the values already "
               "at the hub reach the agency's key with: sae-hub referrals grant --agency A "
               "--as COORDINATOR\n", id, o.by);
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, &why, cli));
}

/* sae-hub referrals grant --agency A --as COORDINATOR: the values consent or an override
 * lets agency read that were written before its copy could be made (store/agency_copies.h). */
static int referrals_grant(struct hub_cli *cli, int argc, char **argv)
{
    struct referral_options o;
    struct hub_store *store = NULL;
    unsigned char public_key[AGENCY_KEY_BYTES], *secret = NULL;
    int64_t granted = 0;
    char target[HUB_AUDIT_TARGET_BYTES];
    int status = parse_options(argc, argv, "referrals grant", &o);
    if (status != SAE_EXIT_OK)
        return status;
    if (!o.agency || !o.as || !o.as[0] || o.json || o.by || o.note || o.reason ||
        optind != argc)
        return hub_cli_fail(SAE_EINVAL, "referrals grant takes --agency A and --as "
                            "COORDINATOR only; agencies: %s", partner_agency_names());
    status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK && agency_key_public(store, o.agency, public_key, NULL) != 0)
        status = hub_cli_fail(SAE_ENOTFOUND, "%s has no key yet: add its first partner "
                              "account (sae-hub users add NAME --role partner --agency %s)",
                              o.agency, o.agency);
    if (status == SAE_EXIT_OK)
        status = hub_cli_coordinator_key(cli, store, o.as, "nothing was granted", &secret);
    if (status == SAE_EXIT_OK) {
        int rc = agency_copies_grant(store, o.agency, secret, &granted);
        snprintf(target, sizeof target, "%s: %" PRId64 " values", o.agency, granted);
        if (rc == 0 && granted > 0)
            rc = hub_audit_append(store, o.as, "agency-grant", target, HUB_AUDIT_ADDRESS_CLI,
                                  (int64_t)sae_wall_clock_ms());
        status = rc == 0 ? SAE_EXIT_OK
                         : hub_cli_fail(rc, "cannot grant values to %s: %s", o.agency,
                                        sae_error_name(rc));
    }
    sae_secure_free(secret);
    if (status == SAE_EXIT_OK)
        printf("granted %" PRId64 " value(s) to %s; its partners read them at their next "
               "page\n", granted, o.agency);
    return hub_admin_finish(store, status);
}

int hub_cli_referrals(struct hub_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "referrals needs list, answer, override or grant; see: sae-hub "
                            "referrals --help");
    const char *verb = argv[1];
    if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0)
        return hub_cli_usage(stdout, "referrals", HUB_CLI_DONE);
    if (strcmp(verb, "list") == 0)
        return hub_cli_final(referrals_list(cli, argc - 1, argv + 1));
    if (strcmp(verb, "answer") == 0)
        return hub_cli_final(referrals_answer(cli, argc - 1, argv + 1));
    if (strcmp(verb, "override") == 0)
        return hub_cli_final(referrals_override(cli, argc - 1, argv + 1));
    if (strcmp(verb, "grant") == 0)
        return hub_cli_final(referrals_grant(cli, argc - 1, argv + 1));
    return hub_cli_fail(SAE_EINVAL, "unknown referrals command \"%.40s\"; use list, answer, "
                        "override or grant", verb);
}
