/* sae-hub nodes add | list | revoke | cancel | grant: enrollment of the posts' devices. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_admin.h"
#include "api/enroll.h"
#include "sae/sae_envelope.h"
#include "sae/sae_hlc.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"
#include "net/tls_cert.h"
#include "sae/sae_time.h"
#include "sae/sae_byline.h"
#include "store/hub_accounts.h"
#include "store/hub_areas.h"


struct add_options {
    const char *village_arg, *name, *url, *out, *by;
    char village[SAE_AREA_CODE_BYTES];
    long days;
};

static int parse_add(int argc, char **argv, struct add_options *o)
{
    memset(o, 0, sizeof *o);
    o->days = ENROLL_DAYS_DEFAULT;
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("url", 'u', &o->url),
        SAE_CLI_OPT_TEXT("output", 'o', &o->out),
        SAE_CLI_OPT_NUMBER("days", 0, &o->days, NULL, 1, ENROLL_DAYS_MAX),
        SAE_CLI_OPT_TEXT("name", 0, &o->name),
        SAE_CLI_OPT_TEXT("by", 0, &o->by),
    };
    int status = HUB_CLI_OPTIONS("nodes add", "nodes", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1 || !o->url || !o->out || !o->name)
        return hub_cli_fail(SAE_EINVAL, "usage: sae-hub nodes add VILLAGE --name NAME --url URL "
                            "-o BUNDLE (the name is what people see for the device, e.g. "
                            "\"Laptop Pos Sumberanyar\")");
    o->village_arg = argv[optind];
    if (sae_validate_name(o->name, SAE_LIMIT_DEVICE_NAME_BYTES) != 0)
        return hub_cli_fail(SAE_EINVAL, "--name must be 1 to %d bytes of UTF-8 on one line",
                            SAE_LIMIT_DEVICE_NAME_BYTES);
    if (enroll_url_check(o->url) != 0)
        return hub_cli_fail(SAE_EINVAL, "--url must be the hub's https:// address (at most %d "
                            "bytes), e.g. https://hub.example:8443", ENROLL_URL_BYTES);
    return SAE_EXIT_OK;
}

/* The token and the audit row are committed only once the bundle carrying the token is on
 * disk. */
static int add_node(struct hub_cli *cli, struct hub_store *store, struct add_options *o,
                    const char *actor)
{
    char token[ENROLL_TOKEN_TEXT_BYTES], bundle_id[ENROLL_BUNDLE_ID_BYTES], target[64];
    struct enroll_hub_keys keys;
    struct sae_message why = {{0}};
    int64_t now = (int64_t)sae_wall_clock_ms(), expires = now + o->days * SAE_MS_PER_DAY;
    int rc = hub_areas_resolve(store, o->village_arg, SAE_AREA_VILLAGE, o->village, &why);
    if (rc != 0)
        return hub_cli_fail(rc, "nodes add: %s", why.text);
    rc = enroll_hub_keys_load(store, cli->dir, &keys);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read the hub's certificate or key: %s", sae_error_name(rc));
    rc = hub_store_begin(store);
    int64_t device_index = 0;
    if (rc == 0)
        rc = enroll_device_index(store, o->village, &device_index);
    if (rc == 0)
        rc = enroll_token_create(store, o->village, o->name, now, o->days * SAE_MS_PER_DAY,
                                 token, bundle_id);
    struct enroll_bundle bundle = {o->url, keys.public_key, store->hub_id, keys.cert_pem,
                                   keys.pin, keys.backup_pin[0] ? keys.backup_pin : NULL,
                                   o->village, o->name, bundle_id, token, expires,
                                   device_index};
    snprintf(target, sizeof target, "bundle %s", bundle_id);
    if (rc == 0)
        rc = hub_audit_append(store, actor, "node-enroll", target, HUB_AUDIT_ADDRESS_CLI, now);
    if (rc == 0)
        rc = enroll_bundle_write(o->out, &bundle, &why);
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    sodium_memzero(token, sizeof token);
    enroll_hub_keys_free(&keys);
    if (rc != 0)
        return hub_cli_fail(rc, "%s", why.text[0] ? why.text : sae_error_name(rc));
    char label[SAE_AREA_LABEL_BYTES];
    hub_areas_label(store, o->village, label);
    printf("wrote %s: bundle %s for %s, a device of %s (%s), valid %ld day(s); give it to the "
           "post over a safe channel and run there: sae-node enroll %s\n", o->out, bundle_id,
           o->name, label, o->village, o->days, o->out);
    return SAE_EXIT_OK;
}

/* ---- nodes list: devices and the bundles not used yet ------------------------------- */

struct list_context {
    bool json;
    json_t *array;
    struct sae_area_list areas;
    int64_t now_ms;
    size_t count;
};

/* The village as people read it: "Sumberanyar (Paiton)"; false for a name from before the
 * list of areas that no village matched. */
static bool village_label(const struct list_context *l, const char *village,
                          char out[SAE_AREA_LABEL_BYTES])
{
    const struct sae_area *area = sae_area_find(&l->areas, village);
    if (area && area->level == SAE_AREA_VILLAGE) {
        sae_area_label(&l->areas, area, out);
        return true;
    }
    snprintf(out, SAE_AREA_LABEL_BYTES, "%s (not in the list of areas)", village);
    return false;
}

static json_t *time_json(int64_t ms)
{
    char text[SAE_HLC_TIME_LEN + 1];
    if (ms <= 0)
        return json_null();
    hub_format_ms(ms, text);
    return json_string(text);
}

/* The members every row has, devices and bundles alike. */
/* name "" (a bundle from before names) is null. */
static json_t *row_json(const struct list_context *l, const char *name, const char *village,
                        const char *state)
{
    char label[SAE_AREA_LABEL_BYTES];
    bool listed = village_label(l, village, label);
    return json_pack("{s:o, s:o, s:s, s:o, s:b, s:s}", "name",
                     name[0] ? json_string(name) : json_null(), "device_name",
                     name[0] ? json_string(name) : json_null(), "village", village,
                     "village_name", listed ? json_string(label) : json_null(),
                     "village_listed", listed, "state", state);
}

static json_t *device_json(const struct list_context *l, const struct hub_node *n)
{
    char id[17];
    snprintf(id, sizeof id, "%016llx", (unsigned long long)n->id);
    json_t *o = row_json(l, n->device_name, n->village, n->revoked_ms ? "revoked" : "enrolled");
    json_t *more = json_pack("{s:s, s:n, s:n, s:I, s:o, s:I, s:o, s:I, s:I, s:o, s:b, s:I}",
                             "id", id, "bundle", "expires", "enrolled_ms",
                             (json_int_t)n->enrolled_ms, "last_contact", time_json(n->last_seen_ms),
                             "last_seen_ms", (json_int_t)n->last_seen_ms, "clock_offset_ms",
                             n->clock_measured ? json_integer(n->clock_offset_ms) : json_null(),
                             "last_batch_ms", (json_int_t)n->last_batch_ms, "acked_seq",
                             (json_int_t)n->acked_seq, "revoked_at", time_json(n->revoked_ms),
                             "revoked", n->revoked_ms != 0, "revoked_ms",
                             (json_int_t)n->revoked_ms);
    if (!o || !more || json_object_update(o, more) != 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(more);
    return o;
}

static const char *const bundle_states[] = {"pending", "expired", "cancelled"};

static json_t *bundle_json(const struct list_context *l, const struct enroll_pending *b)
{
    json_t *o = row_json(l, b->device_name, b->village, bundle_states[b->state]);
    json_t *more = json_pack("{s:n, s:s, s:o, s:o, s:o, s:n, s:n}", "id", "bundle",
                             b->bundle_id, "expires", time_json(b->expires_ms), "created",
                             time_json(b->created_ms), "cancelled", time_json(b->cancelled_ms),
                             "last_contact", "clock_offset_ms");
    if (!o || !more || json_object_update(o, more) != 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(more);
    return o;
}

/* "+2s", "-3m", "+5d": a clock offset people take in at a glance; "?" until measured. */
static void offset_text(const struct hub_node *n, char out[24])
{
    int64_t ms = n->clock_offset_ms, size = ms < 0 ? -ms : ms;
    static const struct {
        int64_t below, unit;
        char name;
    } units[] = {{120 * SAE_MS_PER_SECOND, SAE_MS_PER_SECOND, 's'},
                 {120 * SAE_MS_PER_MINUTE, SAE_MS_PER_MINUTE, 'm'},
                 {48 * SAE_MS_PER_HOUR, SAE_MS_PER_HOUR, 'h'},
                 {INT64_MAX, SAE_MS_PER_DAY, 'd'}};
    size_t u = 0;
    while (size >= units[u].below)
        u++;
    long long count = (long long)((size + units[u].unit / 2) / units[u].unit); /* nearest */
    if (!n->clock_measured)
        snprintf(out, 24, "?");
    else
        snprintf(out, 24, "%s%lld%c", count == 0 ? "" : ms < 0 ? "-" : "+", count, units[u].name);
}

static void row_text(const struct list_context *l, const char *name, const char *village,
                     const char *state, const char *contact, const char *clock)
{
    char label[SAE_AREA_LABEL_BYTES], where[SAE_AREA_LABEL_BYTES + SAE_AREA_CODE_BYTES + 4];
    if (village_label(l, village, label))
        snprintf(where, sizeof where, "%s %s", label, village);
    else
        snprintf(where, sizeof where, "%s", label);
    printf("%-24s  %-36s  %-40s  %-18s  %s\n", name, where, state, contact, clock);
}

static int device_visit(const struct hub_node *n, void *context)
{
    struct list_context *l = context;
    char state[64], contact[SAE_BYLINE_TIME_BYTES] = "never", clock[24];
    l->count++;
    if (l->json)
        return json_array_append_new(l->array, device_json(l, n)) == 0 ? 0 : SAE_ENOMEM;
    snprintf(state, sizeof state, "%s, id %016llx", n->revoked_ms ? "REVOKED" : "enrolled",
             (unsigned long long)n->id);
    if (n->last_seen_ms > 0)
        sae_byline_time((uint64_t)n->last_seen_ms, (uint64_t)l->now_ms, contact);
    offset_text(n, clock);
    row_text(l, n->device_name, n->village, state, contact, clock);
    return 0;
}

static int bundle_visit(const struct enroll_pending *b, void *context)
{
    struct list_context *l = context;
    char state[96], when[SAE_BYLINE_TIME_BYTES];
    l->count++;
    if (l->json)
        return json_array_append_new(l->array, bundle_json(l, b)) == 0 ? 0 : SAE_ENOMEM;
    sae_byline_time((uint64_t)(b->cancelled_ms ? b->cancelled_ms : b->expires_ms),
                    (uint64_t)l->now_ms, when);
    snprintf(state, sizeof state, "%s bundle %s, %s %s", bundle_states[b->state], b->bundle_id,
             b->state == ENROLL_PENDING ? "expires" : b->state == ENROLL_EXPIRED ? "expired"
                                                                                   : "since",
             when);
    row_text(l, b->device_name[0] ? b->device_name : "(no name)", b->village, state, "never",
             "");
    return 0;
}


static int list_nodes(struct hub_store *store, bool json)
{
    struct list_context l = {.json = json, .now_ms = (int64_t)sae_wall_clock_ms()};
    int err = json && !(l.array = json_array()) ? SAE_ENOMEM : 0;
    if (err == 0)
        err = hub_areas_load(store, &l.areas);
    if (err == 0 && !json)
        printf("%-24s  %-36s  %-40s  %-18s  %s\n", "NAMA / DEVICE", "DESA / VILLAGE",
               "STATUS / STATE", "KONTAK / CONTACT", "JAM / CLOCK");
    if (err == 0)
        err = hub_store_node_list(store, device_visit, &l);
    if (err == 0)
        err = enroll_token_list(store, l.now_ms, bundle_visit, &l);
    if (err == 0 && json) {
        err = hub_json_print(stdout, l.array);
        l.array = NULL;
    }
    if (err == 0 && !json && l.count == 0)
        fprintf(stderr, "no devices yet; add one with: sae-hub nodes add VILLAGE --name NAME "
                "--url URL -o BUNDLE\n");
    if (err == 0 && !json)
        err = hub_admin_print_unlisted(store);
    json_decref(l.array);
    sae_area_list_free(&l.areas);
    return err == 0 ? SAE_EXIT_OK : hub_cli_fail(err, "cannot list devices: %s", sae_error_name(err));
}

static int cancel_bundle(struct hub_store *store, const char *text, const char *actor)
{
    char id[ENROLL_BUNDLE_ID_BYTES];
    size_t len = strlen(text);
    bool hex = len == ENROLL_BUNDLE_ID_BYTES - 1;
    for (size_t i = 0; hex && i < len; i++)
        hex = strchr("0123456789abcdefABCDEF", text[i]) != NULL;
    if (!hex)
        return hub_cli_fail(SAE_EINVAL, "a bundle id is %d hex digits, as nodes list shows it "
                            "(\"pending bundle 1a2b3c4d\")", ENROLL_BUNDLE_ID_BYTES - 1);
    for (size_t i = 0; i <= len; i++)
        id[i] = (char)(text[i] >= 'A' && text[i] <= 'F' ? text[i] - 'A' + 'a' : text[i]);
    int rc = enroll_token_cancel(store, id, (int64_t)sae_wall_clock_ms());
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(rc, "no bundle %s; see: sae-hub nodes list", id);
    if (rc == SAE_EEXIST)
        return hub_cli_fail(rc, "bundle %s was used: its device is enrolled; revoke the device "
                            "instead (sae-hub nodes revoke ID)", id);
    if (rc == SAE_EDELETED)
        return hub_cli_fail(rc, "bundle %s was cancelled already", id);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot cancel bundle %s: %s", id, sae_error_name(rc));
    char target[64];
    snprintf(target, sizeof target, "bundle %s", id);
    int status = hub_admin_audit(store, actor, "bundle-cancel", target);
    if (status == SAE_EXIT_OK)
        printf("cancelled bundle %s: its token is refused from now on\n", id);
    return status;
}

struct revocation {
    uint64_t id;
    const char *actor;
};

/* The revocation and its audit row are one transaction: no revocation goes unrecorded. */
static int revoke_and_audit(struct hub_store *store, void *context)
{
    const struct revocation *r = context;
    char target[32];
    int64_t now = (int64_t)sae_wall_clock_ms();
    snprintf(target, sizeof target, "device %016llx", (unsigned long long)r->id);
    int rc = hub_store_node_revoke(store, r->id, now);
    return rc == 0 ? hub_audit_append(store, r->actor, "node-revoke", target,
                                      HUB_AUDIT_ADDRESS_CLI, now)
                   : rc;
}

static int revoke_node(struct hub_store *store, const char *text, const char *actor)
{
    char *end = NULL;
    struct revocation r = {strtoull(text, &end, 16), actor};
    if (strlen(text) != 16 || *end)
        return hub_cli_fail(SAE_EINVAL, "a device id is 16 hex digits, as nodes list shows it");
    int rc = hub_store_write(store, revoke_and_audit, &r);
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(rc, "no enrolled device %s that is not revoked already; see: "
                            "sae-hub nodes list", text);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot revoke %s: %s", text, sae_error_name(rc));
    printf("revoked %s: its next request is refused; what it sent before stays\n", text);
    return SAE_EXIT_OK;
}

/* nodes revoke ID [--by ACCOUNT], nodes cancel BUNDLE [--by ACCOUNT]: *by NULL when not
 * given. */
static int parse_target(const char *command, int argc, char **argv, const char **by)
{
    *by = NULL;
    bool grant = strcmp(command, "nodes grant") == 0;
    const struct sae_cli_option options[] = {SAE_CLI_OPT_TEXT(grant ? "as" : "by", 0, by)};
    int status = HUB_CLI_OPTIONS(command, "nodes", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc - optind != 1)
        return hub_cli_fail(SAE_EINVAL, "usage: sae-hub %s (its id, as nodes list shows it) "
                            "%s", grant ? "nodes grant ID" : strcmp(command, "nodes revoke") == 0
                                                  ? "nodes revoke ID" : "nodes cancel BUNDLE",
                            grant ? "--as COORDINATOR" : "[--by ACCOUNT]");
    /* getopt moved the operand last. */
    argv[1] = argv[optind];
    return SAE_EXIT_OK;
}

int hub_cli_nodes(struct hub_cli *cli, int argc, char **argv)
{
    struct hub_store *store = NULL;
    struct add_options add;
    if (hub_cli_wants_help(argc, argv))
        return hub_cli_usage(stdout, "nodes", HUB_CLI_DONE);
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "nodes needs add, list, revoke, cancel or grant; see: "
                            "sae-hub nodes --help");
    const char *verb = argv[1], *by = NULL;
    bool json = argc == 3 && strcmp(argv[2], "--json") == 0;
    bool revoke = strcmp(verb, "revoke") == 0, cancel = strcmp(verb, "cancel") == 0;
    bool grant = strcmp(verb, "grant") == 0;
    char command[32], actor[HUB_ACCOUNT_NAME_BYTES + 64];
    snprintf(command, sizeof command, "nodes %s", revoke ? "revoke" : grant ? "grant" : "cancel");
    int status = SAE_EXIT_OK;
    if (strcmp(verb, "add") == 0) {
        status = parse_add(argc - 1, argv + 1, &add);
        by = add.by;
    } else if (strcmp(verb, "list") == 0 && argc > 2 && !json) {
        status = hub_cli_fail(SAE_EINVAL, "nodes list takes only --json");
    } else if (revoke || cancel || grant) {
        status = parse_target(command, argc - 1, argv + 1, &by);
    } else if (strcmp(verb, "list") != 0) {
        status = hub_cli_fail(SAE_EINVAL, "unknown nodes command \"%.40s\"; use add, list, "
                              "revoke, cancel or grant", verb);
    }
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    bool list = strcmp(verb, "list") == 0;
    if (status == SAE_EXIT_OK && !list && !grant)
        status = hub_admin_actor(store, by, actor, sizeof actor);
    if (status == SAE_EXIT_OK && grant)
        status = hub_cli_nodes_grant(cli, store, argv[2], by);
    else if (status == SAE_EXIT_OK && strcmp(verb, "add") == 0)
        status = add_node(cli, store, &add, actor);
    else if (status == SAE_EXIT_OK && list)
        status = list_nodes(store, json);
    else if (status == SAE_EXIT_OK && cancel)
        status = cancel_bundle(store, argv[2], actor);
    else if (status == SAE_EXIT_OK)
        status = revoke_node(store, argv[2], actor);
    hub_store_close(store);
    return hub_cli_final(status);
}
