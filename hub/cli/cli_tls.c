/* sae-hub tls status | renew | new-key | roll: the hub's TLS certificate and keys.
 *
 * Posts trust the hub's key (its pin), never the certificate: `renew` makes a certificate for
 * the same key and no post notices; a key roll is announced before it happens (`new-key`
 * prepares a backup key whose pin every pull then announces) and made with `roll` once the
 * posts have synced. The daemon serves new files after SIGHUP or a restart. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "net/tls_cert.h"
#include "sae/sae_db.h"
#include "sae/sae_hlc.h"
#include "store/announced_pins.h"

/* A certificate made here is written beside the served one, then copied over it. */
#define TLS_FRESH_CERT_FILE "tls-cert.pem.new"
/* Posts named in a refused roll, at most. */
#define ROLL_WAITING_SHOWN 5

struct tls_options {
    long days;
    const char *hosts[TLS_CERT_HOSTS_MAX];
    size_t host_count;
    const char *cert, *key;
    bool days_given, force, json;
};

struct tls_paths {
    const char *dir;
    char *cert, *key, *backup, *fresh;
};

static int parse_tls(const char *verb, int argc, char **argv, struct tls_options *o)
{
    char command[32];
    snprintf(command, sizeof command, "tls %s", verb);
    memset(o, 0, sizeof *o);
    o->days = TLS_CERT_DAYS_DEFAULT;
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_NUMBER("days", 0, &o->days, &o->days_given, 1, TLS_CERT_DAYS_MAX),
        SAE_CLI_OPT_LIST("host", 0, o->hosts, &o->host_count, TLS_CERT_HOSTS_MAX),
        SAE_CLI_OPT_TEXT("tls-cert", 0, &o->cert),
        SAE_CLI_OPT_TEXT("tls-key", 0, &o->key),
        SAE_CLI_OPT_FLAG("force", 0, &o->force),
        SAE_CLI_OPT_FLAG("json", 0, &o->json),
    };
    int status = HUB_CLI_OPTIONS(command, "tls", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "%s takes options only; see: sae-hub tls --help", command);
    return SAE_EXIT_OK;
}

/* Which options each command takes. */
static int check_verb_options(const char *verb, const struct tls_options *o)
{
    bool days_given = o->days_given;
    bool status = strcmp(verb, "status") == 0, new_key = strcmp(verb, "new-key") == 0;
    bool makes_cert = !status && !new_key;
    if (o->json && !status)
        return hub_cli_fail(SAE_EINVAL, "--json is for tls status only");
    if (o->key && !new_key)
        return hub_cli_fail(SAE_EINVAL, "--tls-key is for tls new-key only");
    if (o->force && strcmp(verb, "roll") != 0)
        return hub_cli_fail(SAE_EINVAL, "--force is for tls roll only");
    if ((o->cert || o->host_count || days_given) && !makes_cert)
        return hub_cli_fail(SAE_EINVAL, "--tls-cert, --host and --days are for tls renew and "
                            "tls roll");
    if (o->cert && (o->host_count || days_given))
        return hub_cli_fail(SAE_EINVAL, "--host and --days make a self-signed certificate; "
                            "with --tls-cert the certificate brings its own");
    return SAE_EXIT_OK;
}

static void paths_free(struct tls_paths *p)
{
    free(p->cert);
    free(p->key);
    free(p->backup);
    free(p->fresh);
}

static int paths_make(const struct hub_cli *cli, struct tls_paths *p)
{
    p->dir = cli->dir;
    p->cert = hub_cli_path(cli, HUB_CERT_FILE);
    p->key = hub_cli_path(cli, HUB_TLS_KEY_FILE);
    p->backup = hub_cli_path(cli, HUB_TLS_BACKUP_KEY_FILE);
    p->fresh = hub_cli_path(cli, TLS_FRESH_CERT_FILE);
    return p->cert && p->key && p->backup && p->fresh ? 0 : SAE_ENOMEM;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void format_time(time_t t, char out[32])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "(unreadable)");
}

/* ---- which posts know the backup key ------------------------------------------------- */

/* When the backup key's pin began to be announced; SAE_ENOTFOUND when it never was. */
static int backup_announced_since(struct hub_store *store, const char *backup_pin,
                                  int64_t *since_ms)
{
    char pins[SAE_PINS_TEXT_BYTES];
    int64_t since = 0;
    int rc = announced_pins_load(store, pins, &since);
    if (rc == 0 && !strstr(pins, backup_pin))
        rc = SAE_ENOTFOUND;
    if (rc == 0)
        *since_ms = since;
    return rc;
}

/* ---- status ---------------------------------------------------------------------------- */

struct tls_state {
    struct tls_cert_info cert;
    char backup_pin[TLS_CERT_PIN_BYTES]; /* "" without a backup key */
    int64_t since_ms;                    /* backup announced since; 0: not announced */
    uint64_t waiting[ROLL_WAITING_SHOWN];
    size_t waiting_count;
};

static int read_state(const struct hub_cli *cli, struct hub_store *store,
                      const struct tls_paths *p, struct tls_state *s)
{
    int rc = tls_cert_describe(p->cert, &s->cert);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read the certificate %s: %s", p->cert,
                            sae_error_name(rc));
    if (!file_exists(p->backup))
        return SAE_EXIT_OK;
    rc = tls_key_pin(p->backup, s->backup_pin, sizeof s->backup_pin);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read the backup key %s: %s", p->backup,
                            sae_error_name(rc));
    rc = backup_announced_since(store, s->backup_pin, &s->since_ms);
    if (rc == 0)
        rc = announced_pins_posts_behind(store, s->since_ms, s->waiting, ROLL_WAITING_SHOWN,
                           &s->waiting_count);
    if (rc == SAE_ENOTFOUND)
        rc = 0;
    return rc == 0 ? SAE_EXIT_OK : hub_cli_fail(rc, "cannot read the hub database in %s: %s",
                                                cli->dir, sae_error_name(rc));
}

static json_t *state_json(const struct tls_state *s)
{
    char begins[32], ends[32], since[32];
    json_t *hosts = json_array();
    for (size_t i = 0; hosts && i < s->cert.host_count; i++)
        json_array_append_new(hosts, json_string(s->cert.hosts[i]));
    format_time(s->cert.not_before, begins);
    format_time(s->cert.not_after, ends);
    format_time((time_t)(s->since_ms / 1000), since);
    json_t *o = json_pack("{s:o*, s:s, s:s, s:b, s:b, s:s}", "hosts", hosts, "not_before",
                          begins, "not_after", ends, "expired", time(NULL) > s->cert.not_after,
                          "self_signed", s->cert.self_signed, "pin", s->cert.pin);
    if (o)
        json_object_set_new(o, "backup_pin", s->backup_pin[0] ? json_string(s->backup_pin)
                                                              : json_null());
    if (o)
        json_object_set_new(o, "backup_announced_since", s->since_ms ? json_string(since)
                                                                      : json_null());
    if (o)
        json_object_set_new(o, "posts_not_synced_since",
                            json_integer(s->since_ms ? (json_int_t)s->waiting_count : 0));
    return o;
}

static void state_text(const struct tls_paths *p, const struct tls_state *s)
{
    char begins[32], ends[32], since[32];
    long long days_left = ((long long)s->cert.not_after - (long long)time(NULL)) / 86400;
    format_time(s->cert.not_before, begins);
    format_time(s->cert.not_after, ends);
    printf("certificate: %s (%s)\nhosts:      ", p->cert,
           s->cert.self_signed ? "self-signed" : "issued by another key");
    for (size_t i = 0; i < s->cert.host_count; i++)
        printf(" %s", s->cert.hosts[i]);
    printf("%s\nvalid:       %s to %s (%s %lld day(s))\ncurrent pin: %s\n",
           s->cert.hosts_truncated ? " ..." : "", begins, ends,
           days_left >= 0 ? "ends in" : "EXPIRED", days_left >= 0 ? days_left : -days_left,
           s->cert.pin);
    if (!s->backup_pin[0]) {
        printf("backup pin:  none (sae-hub tls new-key prepares one)\n");
        return;
    }
    printf("backup pin:  %s\n", s->backup_pin);
    if (!s->since_ms) {
        printf("             not announced to posts yet: run sae-hub tls new-key again\n");
        return;
    }
    format_time((time_t)(s->since_ms / 1000), since);
    printf("             announced since %s; %zu post(s) have not synced since\n", since,
           s->waiting_count);
}

static int show_status(const struct hub_cli *cli, struct hub_store *store,
                       const struct tls_paths *p, bool json)
{
    struct tls_state *s = calloc(1, sizeof *s);
    int status = s ? read_state(cli, store, p, s) : hub_cli_fail(SAE_ENOMEM, "out of memory");
    if (status == SAE_EXIT_OK && json) {
        json_t *o = state_json(s);
        if (!o || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
            fputc('\n', stdout) == EOF)
            status = hub_cli_fail(SAE_EIO, "cannot write the output");
        json_decref(o);
    } else if (status == SAE_EXIT_OK) {
        state_text(p, s);
    }
    free(s);
    return status;
}

/* ---- making certificates ---------------------------------------------------------------- */

/* The hosts a self-signed certificate gets: those given, else those of the certificate
 * served now, without the ones every certificate gets anyway. */
static int choose_hosts(const struct tls_options *o, const struct tls_cert_info *current,
                        const char **hosts, size_t *count)
{
    static const char *const always[] = {"localhost", "127.0.0.1", "::1"};
    size_t n = 0;
    if (o->host_count) {
        memcpy(hosts, o->hosts, o->host_count * sizeof *hosts);
        *count = o->host_count;
        return SAE_EXIT_OK;
    }
    if (current->hosts_truncated)
        return hub_cli_fail(SAE_EINVAL, "the certificate names more hosts than a self-signed "
                            "one may hold (%u); give them with --host", TLS_CERT_HOSTS_MAX);
    for (size_t i = 0; i < current->host_count; i++) {
        bool skip = false;
        for (size_t k = 0; k < sizeof always / sizeof always[0]; k++)
            skip |= strcmp(current->hosts[i], always[k]) == 0;
        if (!skip && n == TLS_CERT_HOSTS_MAX)
            return hub_cli_fail(SAE_EINVAL, "the certificate names more than %u hosts; give "
                                "them with --host", TLS_CERT_HOSTS_MAX);
        if (!skip)
            hosts[n++] = current->hosts[i];
    }
    *count = n;
    return SAE_EXIT_OK;
}

/* Writes p->fresh: a self-signed certificate for key_path, or a copy of the district's
 * certificate o->cert once it is checked to belong to key_path and to be valid today. */
static int make_certificate(const struct hub_cli *cli, const struct tls_options *o,
                            const struct tls_paths *p, const char *key_path)
{
    struct sae_message why = {{0}};
    unlink(p->fresh); /* left by a run cut short */
    if (o->cert) {
        int rc = tls_cert_check_pair(o->cert, key_path, &why);
        if (rc == 0)
            rc = hub_cli_install_pem(o->cert, cli->dir, TLS_FRESH_CERT_FILE);
        return rc == 0 ? SAE_EXIT_OK
                       : hub_cli_fail(rc == SAE_ENOMEM || rc == SAE_EIO ? rc : SAE_EINVAL, "%s",
                                      why.text[0] ? why.text : sae_error_name(rc));
    }
    struct tls_cert_info *current = malloc(sizeof *current);
    const char *hosts[TLS_CERT_HOSTS_MAX];
    size_t count = 0;
    time_t begins = 0, ends = 0;
    int rc = current ? tls_cert_describe(p->cert, current) : SAE_ENOMEM;
    int status = rc == 0 ? SAE_EXIT_OK
                         : hub_cli_fail(rc, "cannot read %s: %s", p->cert, sae_error_name(rc));
    if (status == SAE_EXIT_OK)
        status = choose_hosts(o, current, hosts, &count);
    if (status == SAE_EXIT_OK && (rc = tls_cert_validity((unsigned)o->days, &begins, &ends)) == 0)
        rc = tls_cert_issue(key_path, hosts, count, begins, ends, p->fresh);
    if (status == SAE_EXIT_OK && rc == SAE_EINVAL)
        status = hub_cli_fail(rc, "a host is not a valid host name or address for a "
                              "self-signed certificate; give the hosts with --host");
    else if (status == SAE_EXIT_OK && rc != 0)
        status = hub_cli_fail(rc, "cannot make the certificate: %s", sae_error_name(rc));
    free(current);
    return status;
}

static void print_served(const char *what, const struct tls_paths *p)
{
    struct tls_cert_info *info = malloc(sizeof *info);
    char ends[32];
    if (info && tls_cert_describe(p->cert, info) == 0) {
        format_time(info->not_after, ends);
        printf("%s %s: valid until %s, key pin %s\n", what, p->cert, ends, info->pin);
    }
    free(info);
    printf("the running daemon serves it after: kill -HUP <pid of sae-hub serve> (or a "
           "restart); posts that try meanwhile retry\n");
}

/* ---- the commands ----------------------------------------------------------------------- */

static int renew(const struct hub_cli *cli, const struct tls_options *o,
                 const struct tls_paths *p)
{
    int status = make_certificate(cli, o, p, p->key);
    int rc = status == SAE_EXIT_OK ? hub_cli_install_pem(p->fresh, cli->dir, HUB_CERT_FILE) : 0;
    unlink(p->fresh);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot write %s: %s", p->cert, sae_error_name(rc));
    if (status == SAE_EXIT_OK)
        print_served("renewed, for the same key (posts notice nothing),", p);
    return status;
}

/* Stores the pins posts are to trust from now on, announced with every pull. */
static int announce(struct hub_store *store, const char *pins)
{
    int rc = hub_store_begin(store);
    if (rc == 0)
        rc = announced_pins_save(store, pins, (int64_t)sae_wall_clock_ms());
    if (rc == 0)
        rc = hub_store_commit(store);
    if (rc != 0)
        hub_store_rollback(store);
    return rc;
}

/* The key to prepare in p->backup: made here, or the district's (o->key), checked. A key
 * there already that was never announced (a run cut short) is kept and announced now. */
static int place_backup_key(struct hub_store *store, const struct tls_options *o,
                            const struct tls_paths *p, const char *current,
                            char backup[TLS_CERT_PIN_BYTES])
{
    int64_t since = 0;
    if (file_exists(p->backup) && tls_key_pin(p->backup, backup, TLS_CERT_PIN_BYTES) == 0) {
        int rc = o->key ? 0 : backup_announced_since(store, backup, &since);
        if (rc == SAE_ENOTFOUND)
            return SAE_EXIT_OK;
        return rc != 0 ? hub_cli_fail(rc, "cannot read the hub database: %s",
                                      sae_error_name(rc))
                       : hub_cli_fail(SAE_EEXIST, "a backup key is prepared already (pin %s); "
                                      "roll to it first: sae-hub tls roll", backup);
    }
    if (o->key && tls_key_pin(o->key, backup, TLS_CERT_PIN_BYTES) != 0)
        return hub_cli_fail(SAE_EINVAL, "%s is not a readable unencrypted PEM private key",
                            o->key);
    if (o->key && strcmp(current, backup) == 0)
        return hub_cli_fail(SAE_EINVAL, "%s is the key served now, not a new one", o->key);
    unlink(p->backup); /* unreadable: left by a run cut short */
    int rc = o->key ? hub_cli_install_pem(o->key, p->dir, HUB_TLS_BACKUP_KEY_FILE)
                    : tls_key_create(p->backup);
    if (rc == 0)
        rc = tls_key_pin(p->backup, backup, TLS_CERT_PIN_BYTES);
    if (rc != 0)
        unlink(p->backup);
    return rc == 0 ? SAE_EXIT_OK : hub_cli_fail(rc, "cannot write the backup key %s: %s",
                                                p->backup, sae_error_name(rc));
}

static int new_key(struct hub_store *store, const struct tls_options *o,
                   const struct tls_paths *p)
{
    char current[TLS_CERT_PIN_BYTES], backup[TLS_CERT_PIN_BYTES];
    char pins[2 * TLS_CERT_PIN_BYTES];
    int rc = tls_cert_pin(p->cert, current, sizeof current);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read %s: %s", p->cert, sae_error_name(rc));
    int status = place_backup_key(store, o, p, current, backup);
    if (status != SAE_EXIT_OK)
        return status;
    snprintf(pins, sizeof pins, "%s;%s", current, backup);
    rc = announce(store, pins);
    if (rc != 0) {
        unlink(p->backup);
        return hub_cli_fail(rc, "cannot announce the backup key: %s", sae_error_name(rc));
    }
    printf("prepared the backup key %s, pin %s\nposts learn it on their next sync, and bundles "
           "made from now on carry it; once every post has synced (see: sae-hub tls status), "
           "roll to it: sae-hub tls roll\n", p->backup, backup);
    return SAE_EXIT_OK;
}

/* A roll leaves behind the posts that do not know the new key yet: refused unless forced. */
static int check_posts_ready(const struct hub_cli *cli, struct hub_store *store,
                             const struct tls_paths *p, bool force)
{
    uint64_t ids[ROLL_WAITING_SHOWN];
    char backup[TLS_CERT_PIN_BYTES], list[ROLL_WAITING_SHOWN * 18 + 8] = "";
    size_t count = 0;
    int64_t since = 0;
    int rc = tls_key_pin(p->backup, backup, sizeof backup);
    if (rc == 0)
        rc = backup_announced_since(store, backup, &since);
    if (rc == SAE_ENOTFOUND)
        since = INT64_MAX; /* never announced: no post knows it */
    if (rc == 0 || rc == SAE_ENOTFOUND)
        rc = announced_pins_posts_behind(store, since, ids, ROLL_WAITING_SHOWN, &count);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read the backup key or the hub database in %s: %s",
                            cli->dir, sae_error_name(rc));
    if (count == 0 || force)
        return SAE_EXIT_OK;
    for (size_t i = 0; i < count && i < ROLL_WAITING_SHOWN; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), " %016llx",
                 (unsigned long long)ids[i]);
    return hub_cli_fail(SAE_EINVAL, "%zu post(s) have not synced since the backup key was "
                        "announced and would need a new bundle:%s%s; wait for them, or roll "
                        "anyway with --force", count, list, count > ROLL_WAITING_SHOWN ? " ..."
                                                                                   : "");
}

static int roll(const struct hub_cli *cli, struct hub_store *store, const struct tls_options *o,
                const struct tls_paths *p)
{
    char pin[TLS_CERT_PIN_BYTES];
    if (!file_exists(p->backup))
        return hub_cli_fail(SAE_EINVAL, "no backup key is prepared; run: sae-hub tls new-key, "
                            "and let the posts sync before rolling");
    int status = check_posts_ready(cli, store, p, o->force);
    if (status == SAE_EXIT_OK)
        status = make_certificate(cli, o, p, p->backup);
    if (status != SAE_EXIT_OK) {
        unlink(p->fresh);
        return status;
    }
    /* Cut short between the two files, the pair does not match and serve refuses to start:
     * running roll again (the backup key is still there) finishes it. */
    int rc = hub_cli_install_pem(p->backup, cli->dir, HUB_TLS_KEY_FILE);
    if (rc == 0)
        rc = hub_cli_install_pem(p->fresh, cli->dir, HUB_CERT_FILE);
    unlink(p->fresh);
    if (rc == 0)
        rc = tls_cert_pin(p->cert, pin, sizeof pin);
    if (rc == 0)
        rc = announce(store, pin);
    if (rc != 0)
        return hub_cli_fail(rc, "the roll stopped half-way (%s); run sae-hub tls roll again",
                            sae_error_name(rc));
    unlink(p->backup);
    print_served("rolled to the backup key;", p);
    return SAE_EXIT_OK;
}

int hub_cli_tls(struct hub_cli *cli, int argc, char **argv)
{
    static const char *const verbs[] = {"status", "renew", "new-key", "roll"};
    struct tls_options o;
    struct tls_paths p = {0};
    struct hub_store *store = NULL;
    if (hub_cli_wants_help(argc, argv))
        return hub_cli_usage(stdout, "tls", HUB_CLI_DONE);
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "tls needs status, renew, new-key or roll; see: "
                            "sae-hub tls --help");
    const char *verb = argv[1];
    size_t i = 0;
    while (i < sizeof verbs / sizeof verbs[0] && strcmp(verbs[i], verb) != 0)
        i++;
    if (i == sizeof verbs / sizeof verbs[0])
        return hub_cli_fail(SAE_EINVAL, "unknown tls command \"%.40s\"; use status, renew, "
                            "new-key or roll", verb);
    int status = parse_tls(verb, argc - 1, argv + 1, &o);
    if (status == SAE_EXIT_OK)
        status = check_verb_options(verb, &o);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK && paths_make(cli, &p) != 0)
        status = hub_cli_fail(SAE_ENOMEM, "out of memory");
    if (status == SAE_EXIT_OK && i == 0)
        status = show_status(cli, store, &p, o.json);
    else if (status == SAE_EXIT_OK && i == 1)
        status = renew(cli, &o, &p);
    else if (status == SAE_EXIT_OK && i == 2)
        status = new_key(store, &o, &p);
    else if (status == SAE_EXIT_OK)
        status = roll(cli, store, &o, &p);
    paths_free(&p);
    hub_store_close(store);
    return status;
}
