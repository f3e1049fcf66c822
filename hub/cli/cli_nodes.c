/* sae-hub nodes add | list | revoke: enrollment of the posts' devices. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "api/enroll.h"
#include "sae/sae_envelope.h"
#include "sae/sae_hlc.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"
#include "net/tls_cert.h"
#include "sae/sae_time.h"

#define HUB_URL_BYTES 512

struct add_options {
    const char *village, *url, *out;
    long days;
};

static int parse_add(int argc, char **argv, struct add_options *o)
{
    static const struct option options[] = {{"url", required_argument, NULL, 'u'},
                                            {"output", required_argument, NULL, 'o'},
                                            {"days", required_argument, NULL, 'D'},
                                            {"help", no_argument, NULL, 'h'}, {0}};
    char *end = NULL;
    int opt;
    memset(o, 0, sizeof *o);
    o->days = ENROLL_DAYS_DEFAULT;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":hu:o:", options, NULL)) != -1) {
        if (opt == 'h')
            return hub_cli_usage(stdout, "nodes", HUB_CLI_DONE);
        if (opt == 'u')
            o->url = optarg;
        else if (opt == 'o')
            o->out = optarg;
        else if (opt == 'D' && ((o->days = strtol(optarg, &end, 10)), *end || o->days < 1 ||
                                o->days > ENROLL_DAYS_MAX))
            return hub_cli_fail(SAE_EINVAL, "--days must be a whole number from 1 to %d",
                                ENROLL_DAYS_MAX);
        else if (opt != 'D')
            return hub_cli_option_error("nodes add", opt, argv);
    }
    if (argc - optind != 1 || !o->url || !o->out)
        return hub_cli_fail(SAE_EINVAL, "usage: sae-hub nodes add VILLAGE --url URL -o BUNDLE");
    o->village = argv[optind];
    if (sae_validate_name(o->village, SAE_LIMIT_VILLAGE_BYTES) != 0)
        return hub_cli_fail(SAE_EINVAL, "village name must be 1 to %d bytes of UTF-8 on one line",
                            SAE_LIMIT_VILLAGE_BYTES);
    if (strncmp(o->url, "https://", 8) != 0 || strlen(o->url) > HUB_URL_BYTES ||
        sae_validate_name(o->url, HUB_URL_BYTES) != 0 || strchr(o->url, ' '))
        return hub_cli_fail(SAE_EINVAL, "--url must be the hub's https:// address (at most %d "
                            "bytes), e.g. https://hub.example:8443", HUB_URL_BYTES);
    return SAE_EXIT_OK;
}

/* The token is committed only once the bundle carrying it is on disk. */
static int add_node(struct hub_cli *cli, struct hub_store *store, const struct add_options *o)
{
    char token[ENROLL_TOKEN_TEXT_BYTES], pin[TLS_CERT_PIN_BYTES], *pem = NULL;
    char backup_pin[TLS_CERT_PIN_BYTES];
    uint8_t pk[crypto_box_PUBLICKEYBYTES];
    size_t pem_len = 0;
    struct sae_message why = {{0}};
    int64_t now = (int64_t)sae_wall_clock_ms(), expires = now + o->days * SAE_MS_PER_DAY;
    char *cert = hub_cli_path(cli, HUB_CERT_FILE), *backup = hub_cli_path(cli, HUB_TLS_BACKUP_KEY_FILE);
    int rc = cert && backup ? tls_pem_read(cert, &pem, &pem_len) : SAE_ENOMEM;
    if (rc == 0)
        rc = tls_cert_pin(cert, pin, sizeof pin);
    /* A prepared backup key rides along: the post then survives the roll. */
    bool has_backup = rc == 0 && access(backup, F_OK) == 0;
    if (has_backup)
        rc = tls_key_pin(backup, backup_pin, sizeof backup_pin);
    free(backup);
    if (rc == 0)
        rc = hub_store_public_key(store, pk);
    if (rc == 0)
        rc = hub_store_begin(store);
    if (rc != 0) {
        tls_pem_free(pem, pem_len);
        free(cert);
        return hub_cli_fail(rc, "cannot read the hub's certificate or key: %s", sae_error_name(rc));
    }
    rc = enroll_token_create(store, o->village, now, o->days * SAE_MS_PER_DAY, token);
    struct enroll_bundle bundle = {o->url, pk, store->hub_id, pem, pin,
                                   has_backup ? backup_pin : NULL, o->village, token, expires};
    if (rc == 0)
        rc = enroll_bundle_write(o->out, &bundle, &why);
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    sodium_memzero(token, sizeof token);
    tls_pem_free(pem, pem_len);
    free(cert);
    if (rc != 0)
        return hub_cli_fail(rc, "%s", why.text[0] ? why.text : sae_error_name(rc));
    printf("wrote %s for a device of %s, valid %ld day(s); give it to the post over a safe "
           "channel and run there: sae-node enroll %s\n", o->out, o->village, o->days, o->out);
    return SAE_EXIT_OK;
}

static json_t *node_json(const struct hub_node *node)
{
    char id[17];
    snprintf(id, sizeof id, "%016llx", (unsigned long long)node->id);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:I}", "id", id, "village",
                     node->village, "device_name", node->device_name, "enrolled_ms",
                     (json_int_t)node->enrolled_ms, "last_seen_ms",
                     (json_int_t)node->last_seen_ms, "last_batch_ms",
                     (json_int_t)node->last_batch_ms, "acked_seq", (json_int_t)node->acked_seq,
                     "clock_offset_ms", (json_int_t)node->clock_offset_ms, "revoked",
                     node->revoked_ms != 0, "revoked_ms", (json_int_t)node->revoked_ms);
}

static int node_visit(const struct hub_node *node, void *context)
{
    json_t *array = context;
    if (array)
        return json_array_append_new(array, node_json(node)) == 0 ? 0 : SAE_ENOMEM;
    printf("%016llx  %-24s  %-20s  batches up to %lld  clock %+llds%s\n",
           (unsigned long long)node->id, node->village, node->device_name,
           (long long)node->acked_seq, (long long)(node->clock_offset_ms / SAE_MS_PER_SECOND),
           node->revoked_ms ? "  REVOKED" : "");
    return 0;
}

static int list_nodes(struct hub_store *store, bool json)
{
    json_t *array = json ? json_array() : NULL;
    int err = !json || array ? 0 : SAE_ENOMEM;
    if (err == 0)
        err = hub_store_node_list(store, node_visit, array);
    if (err == 0 && json && (json_dumpf(array, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
                             fputc('\n', stdout) == EOF))
        err = SAE_EIO;
    json_decref(array);
    return err == 0 ? SAE_EXIT_OK : hub_cli_fail(err, "cannot list devices: %s", sae_error_name(err));
}

static int revoke_node(struct hub_store *store, const char *text)
{
    char *end = NULL;
    unsigned long long id = strtoull(text, &end, 16);
    if (strlen(text) != 16 || *end)
        return hub_cli_fail(SAE_EINVAL, "a device id is 16 hex digits, as nodes list shows it");
    int rc = hub_store_node_revoke(store, (uint64_t)id, (int64_t)sae_wall_clock_ms());
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(rc, "no enrolled device %s that is not revoked already; see: "
                            "sae-hub nodes list", text);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot revoke %s: %s", text, sae_error_name(rc));
    printf("revoked %s: its next request is refused; what it sent before stays\n", text);
    return SAE_EXIT_OK;
}

int hub_cli_nodes(struct hub_cli *cli, int argc, char **argv)
{
    struct hub_store *store = NULL;
    struct add_options add;
    if (hub_cli_wants_help(argc, argv))
        return hub_cli_usage(stdout, "nodes", HUB_CLI_DONE);
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "nodes needs add, list or revoke; see: sae-hub nodes "
                            "--help");
    const char *verb = argv[1];
    bool json = argc == 3 && strcmp(argv[2], "--json") == 0;
    int status = SAE_EXIT_OK;
    if (strcmp(verb, "add") == 0)
        status = parse_add(argc - 1, argv + 1, &add);
    else if (strcmp(verb, "list") == 0 && argc > 2 && !json)
        status = hub_cli_fail(SAE_EINVAL, "nodes list takes only --json");
    else if (strcmp(verb, "revoke") == 0 && argc != 3)
        status = hub_cli_fail(SAE_EINVAL, "usage: sae-hub nodes revoke ID");
    else if (strcmp(verb, "list") != 0 && strcmp(verb, "revoke") != 0)
        status = hub_cli_fail(SAE_EINVAL, "unknown nodes command \"%.40s\"; use add, list or "
                              "revoke", verb);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK && strcmp(verb, "add") == 0)
        status = add_node(cli, store, &add);
    else if (status == SAE_EXIT_OK && strcmp(verb, "list") == 0)
        status = list_nodes(store, json);
    else if (status == SAE_EXIT_OK)
        status = revoke_node(store, argv[2]);
    hub_store_close(store);
    return status;
}
