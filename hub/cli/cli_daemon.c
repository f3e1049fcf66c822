/* sae-hub init, serve and nodes. */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "api/enroll.h"
#include "net/http_server.h"
#include "api/service.h"
#include "sae/sae_envelope.h"
#include "sae/sae_files.h"
#include "sae/sae_limits.h"
#include "sae/sae_validate.h"
#include "net/tls_cert.h"

#define HUB_KEY_FILE "hub.key"
#define HUB_NAME_DEFAULT "Rumah SAE district hub"
#define HUB_NAME_BYTES 100
#define HUB_LISTEN_DEFAULT "127.0.0.1:8443"

struct init_options {
    const char *name;
    const char *hosts[TLS_CERT_HOSTS_MAX];
    size_t host_count;
    const char *cert, *key;
};

static int parse_init(int argc, char **argv, struct init_options *o)
{
    static const struct option options[] = {
        {"name", required_argument, NULL, 'n'},     {"host", required_argument, NULL, 'H'},
        {"tls-cert", required_argument, NULL, 'c'}, {"tls-key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},           {0}};
    int opt;
    memset(o, 0, sizeof *o);
    o->name = HUB_NAME_DEFAULT;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":hn:H:c:k:", options, NULL)) != -1) {
        if (opt == 'h')
            return hub_cli_usage(stdout, "init", HUB_CLI_DONE);
        if (opt == 'n')
            o->name = optarg;
        else if (opt == 'c')
            o->cert = optarg;
        else if (opt == 'k')
            o->key = optarg;
        else if (opt == 'H' && o->host_count < TLS_CERT_HOSTS_MAX)
            o->hosts[o->host_count++] = optarg;
        else if (opt == 'H')
            return hub_cli_fail(SAE_EINVAL, "at most %u --host options", TLS_CERT_HOSTS_MAX);
        else
            return hub_cli_option_error("init", opt, argv);
    }
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "init takes options only; see: sae-hub init --help");
    if (!o->cert != !o->key)
        return hub_cli_fail(SAE_EINVAL, "--tls-cert and --tls-key go together");
    if (o->cert && o->host_count)
        return hub_cli_fail(SAE_EINVAL, "--host names a self-signed certificate's hosts; with "
                            "--tls-cert the certificate names them");
    if (sae_validate_name(o->name, HUB_NAME_BYTES) != 0)
        return hub_cli_fail(SAE_EINVAL, "--name must be 1 to %d bytes of UTF-8 on one line",
                            HUB_NAME_BYTES);
    return SAE_EXIT_OK;
}

static int install_tls(const struct hub_cli *cli, const struct init_options *o,
                       const char *cert_path, const char *key_path)
{
    struct sae_message why = {{0}};
    if (!o->cert) {
        int rc = tls_cert_create_self_signed(o->hosts, o->host_count, TLS_CERT_DAYS_DEFAULT,
                                             cert_path, key_path);
        return rc == 0 ? 0 : hub_cli_fail(rc, rc == SAE_EINVAL ? "a --host is not a valid host "
                                          "name or address" : "cannot make the TLS "
                                          "certificate: %s", sae_error_name(rc));
    }
    int rc = tls_cert_check_pair(o->cert, o->key, &why);
    if (rc != 0)
        return hub_cli_fail(rc == SAE_ENOMEM ? rc : SAE_EINVAL, "%s", why.text);
    rc = hub_cli_install_pem(o->cert, cli->dir, HUB_CERT_FILE);
    if (rc == 0)
        rc = hub_cli_install_pem(o->key, cli->dir, HUB_TLS_KEY_FILE);
    return rc == 0 ? 0 : hub_cli_fail(rc, "cannot copy the certificate into %s", cli->dir);
}

static const char *const hub_files[] = {HUB_DB_FILE, HUB_DB_FILE "-wal", HUB_DB_FILE "-shm",
                                        HUB_KEY_FILE, HUB_CERT_FILE, HUB_TLS_KEY_FILE,
                                        HUB_TLS_BACKUP_KEY_FILE};

/* Length of the longest prefix of path (at a '/') that exists: init makes everything
 * below it, and a refused init removes exactly that. */
static size_t existing_prefix(const char *path)
{
    char *copy = strdup(path);
    struct stat st;
    size_t len = copy ? strlen(copy) : 0;
    while (copy && len > 0 && stat(copy, &st) != 0) {
        while (len > 0 && copy[len - 1] != '/')
            len--;
        while (len > 1 && copy[len - 1] == '/')
            len--;
        copy[len] = '\0';
    }
    free(copy);
    return len;
}

/* A refused init changes nothing: the files it made go, and the directories it made. */
static void undo_init(const struct hub_cli *cli, size_t existing)
{
    for (size_t i = 0; i < sizeof hub_files / sizeof hub_files[0]; i++) {
        char *path = hub_cli_path(cli, hub_files[i]);
        if (path)
            unlink(path);
        free(path);
    }
    char *dir = strdup(cli->dir);
    size_t len = dir ? strlen(dir) : 0;
    while (dir && len > existing) {
        dir[len] = '\0';
        if (rmdir(dir) != 0)
            break;
        while (len > existing && dir[len - 1] != '/')
            len--;
        while (len > existing && dir[len - 1] == '/')
            len--;
    }
    free(dir);
}

/* None of the hub's files may be there already. */
static int check_fresh(const struct hub_cli *cli)
{
    struct stat st;
    for (size_t i = 0; i < sizeof hub_files / sizeof hub_files[0]; i++) {
        char *path = hub_cli_path(cli, hub_files[i]);
        int exists = path && lstat(path, &st) == 0;
        free(path);
        if (exists)
            return hub_cli_fail(SAE_EEXIST, "%s already holds a hub (%s); use another directory",
                                cli->dir, hub_files[i]);
    }
    return SAE_EXIT_OK;
}

static int init_files(struct hub_cli *cli, const struct init_options *o)
{
    uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    char pin[TLS_CERT_PIN_BYTES];
    uint64_t hub_id = 0;
    struct sae_message why = {{0}};
    char *db = hub_cli_path(cli, HUB_DB_FILE), *cert = hub_cli_path(cli, HUB_CERT_FILE);
    char *tls_key = hub_cli_path(cli, HUB_TLS_KEY_FILE);
    int status = db && cert && tls_key ? SAE_EXIT_OK : hub_cli_fail(SAE_ENOMEM, "out of memory");
    size_t existing = existing_prefix(cli->dir);
    bool undo = false;
    if (status == SAE_EXIT_OK)
        status = check_fresh(cli);
    undo = status == SAE_EXIT_OK; /* from here on, a failure removes what this run made */
    if (status == SAE_EXIT_OK && sae_dir_create_private(cli->dir) != 0)
        status = hub_cli_fail(SAE_EIO, "cannot create directory %s", cli->dir);
    if (status == SAE_EXIT_OK)
        status = install_tls(cli, o, cert, tls_key);
    if (status == SAE_EXIT_OK && crypto_box_keypair(pk, sk) != 0)
        status = hub_cli_fail(SAE_ECRYPTO, "cannot make the hub's key pair");
    if (status == SAE_EXIT_OK && sae_file_write_private(cli->dir, HUB_KEY_FILE, sk, crypto_box_SECRETKEYBYTES) != 0)
        status = hub_cli_fail(SAE_EIO, "cannot write %s/%s", cli->dir, HUB_KEY_FILE);
    sodium_memzero(sk, sizeof sk);
    if (status == SAE_EXIT_OK) {
        int rc = hub_store_create(db, o->name, pk, &why);
        status = rc == 0 ? SAE_EXIT_OK : hub_cli_fail(rc, "%s", why.text);
    }
    if (status == SAE_EXIT_OK && (sae_origin_from_public_key(pk, &hub_id) != 0 ||
                                  tls_cert_pin(cert, pin, sizeof pin) != 0))
        status = hub_cli_fail(SAE_EIO, "cannot read back the hub's identity");
    if (status == SAE_EXIT_OK)
        printf("initialised hub \"%s\" in %s\nhub id:  %016llx\nTLS pin: %s\n", o->name,
               cli->dir, (unsigned long long)hub_id, pin);
    else if (undo)
        undo_init(cli, existing);
    free(db);
    free(cert);
    free(tls_key);
    return status;
}

int hub_cli_init(struct hub_cli *cli, int argc, char **argv)
{
    struct init_options o;
    int status = parse_init(argc, argv, &o);
    if (status != SAE_EXIT_OK)
        return status;
    if (!cli->dir)
        return hub_cli_fail(SAE_EINVAL, "no hub directory: give -d DIR or set SAE_HUB_DIR");
    return init_files(cli, &o);
}

/* ADDR:PORT or [IPv6]:PORT into a numeric address and a port (0 lets the system pick). */
static int parse_listen(const char *text, char address[64], uint16_t *port)
{
    const char *colon = strrchr(text, ':');
    char *end = NULL;
    unsigned char probe[16];
    if (!colon || colon == text)
        return SAE_EINVAL;
    size_t len = (size_t)(colon - text);
    if (text[0] == '[' && len >= 2 && text[len - 1] == ']') {
        text++;
        len -= 2;
    }
    if (len >= 64)
        return SAE_EINVAL;
    memcpy(address, text, len);
    address[len] = '\0';
    long value = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || value < 0 || value > 65535)
        return SAE_EINVAL;
    if (inet_pton(AF_INET, address, probe) != 1 && inet_pton(AF_INET6, address, probe) != 1)
        return SAE_EINVAL;
    *port = (uint16_t)value;
    return 0;
}

static void log_line(void *ctx, const char *line)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    (void)ctx;
    if (gmtime_r(&now, &tm) && strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
        fprintf(stderr, "%s sae-hub: %s\n", when, line);
    else
        fprintf(stderr, "sae-hub: %s\n", line);
}

static int load_secret(const struct hub_cli *cli, uint8_t sk[crypto_box_SECRETKEYBYTES], uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
    char *path = hub_cli_path(cli, HUB_KEY_FILE);
    int rc = path ? sae_file_read_private(path, sk, crypto_box_SECRETKEYBYTES) : SAE_ENOMEM;
    if (rc == SAE_EPERM)
        hub_cli_fail(rc, "%s can be read by other users; run: chmod 600 %s", path, path);
    else if (rc != 0)
        hub_cli_fail(rc, "cannot read the hub's key %s: %s", path ? path : HUB_KEY_FILE,
                     sae_error_name(rc));
    if (rc == 0 && crypto_scalarmult_base(pk, sk) != 0)
        rc = SAE_ECRYPTO;
    free(path);
    return rc;
}

/* The pin of the certificate the daemon is about to serve, once its key is known to belong
 * to it (a `sae-hub tls roll` cut short leaves them apart: running it again mends that).
 * An expired certificate is served with a warning: posts pin the key, not the dates. */
static int check_served_pair(const char *cert, const char *key, char pin[TLS_CERT_PIN_BYTES],
                             struct sae_message *why)
{
    int rc = tls_cert_check_pair(cert, key, why);
    if (rc == SAE_ERANGE) {
        char line[SAE_MESSAGE_BYTES + 128];
        snprintf(line, sizeof line, "warning: %s; posts still connect (they pin the key); "
                 "renew it: sae-hub tls renew", why->text);
        log_line(NULL, line);
        rc = 0;
    } else if (rc == SAE_ECRYPTO) {
        sae_message_set(why, "the key in %s does not belong to the certificate in %s; if a "
                        "`sae-hub tls roll` was cut short, run it again", key, cert);
    }
    if (rc == 0 && tls_cert_pin(cert, pin, TLS_CERT_PIN_BYTES) != 0) {
        sae_message_set(why, "cannot compute the pin of %s", cert);
        rc = SAE_EINVAL;
    }
    return rc;
}

/* SIGHUP: serves the certificate and key files again (after `sae-hub tls renew` or `roll`).
 * libmicrohttpd cannot change a running daemon's certificate, so the server stops (requests
 * in flight finish) and starts again on the same port; a post that tries meanwhile is
 * refused and retries. Files that do not belong together are refused and the old ones kept
 * serving. Returns non-zero only when the server could not start again. */
static int reload(struct http_server_config *config, struct http_server **server,
                  struct hub_service *service)
{
    char pin[TLS_CERT_PIN_BYTES], line[SAE_MESSAGE_BYTES + 128];
    struct sae_message why = {{0}};
    if (check_served_pair(config->cert_pem_path, config->key_pem_path, pin, &why) != 0) {
        snprintf(line, sizeof line, "SIGHUP: keeping the certificate served: %s", why.text);
        log_line(NULL, line);
        return 0;
    }
    config->port = http_server_port(*server);
    http_server_stop(*server);
    *server = NULL;
    int rc = http_server_start(config, hub_service_handle, service, log_line, NULL, server);
    if (rc == 0)
        rc = hub_service_set_tls_pin(service, pin);
    if (rc == 0)
        snprintf(line, sizeof line, "SIGHUP: serving %s again, key pin %s",
                 config->cert_pem_path, pin);
    else
        snprintf(line, sizeof line, "SIGHUP: cannot serve again: %s", sae_error_name(rc));
    log_line(NULL, line);
    return rc;
}

/* Runs until SIGTERM or SIGINT, reloading the certificate on SIGHUP; the signals are blocked
 * before any thread starts, so that only sigwait here receives them. */
static int run_server(const struct hub_cli *cli, const char *address, uint16_t port,
                      struct hub_service *service)
{
    struct http_server_config config;
    struct http_server *server = NULL;
    sigset_t signals;
    int signal_number = 0;
    http_server_config_default(&config);
    config.address = address;
    config.port = port;
    char *cert = hub_cli_path(cli, HUB_CERT_FILE), *key = hub_cli_path(cli, HUB_TLS_KEY_FILE);
    config.cert_pem_path = cert;
    config.key_pem_path = key;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = cert && key ? http_server_start(&config, hub_service_handle, service, log_line,
                                             NULL, &server)
                         : SAE_ENOMEM;
    if (rc != 0) {
        free(cert);
        free(key);
        return hub_cli_fail(rc, "cannot serve on %s port %u: %s", address, port,
                            sae_error_name(rc));
    }
    char line[128];
    snprintf(line, sizeof line, "listening on https://%s%s%s:%u/", strchr(address, ':') ? "[" : "",
             address, strchr(address, ':') ? "]" : "", http_server_port(server));
    log_line(NULL, line);
    while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP && rc == 0)
        rc = reload(&config, &server, service);
    if (rc == 0)
        log_line(NULL, signal_number == SIGINT ? "SIGINT: finishing requests in flight"
                                               : "SIGTERM: finishing requests in flight");
    http_server_stop(server);
    log_line(NULL, "stopped");
    free(cert);
    free(key);
    return rc == 0 ? SAE_EXIT_OK : SAE_EXIT_OTHER;
}

/* The pin of DIR's certificate, its key checked to belong to it. */
static int served_pin(const struct hub_cli *cli, char pin[TLS_CERT_PIN_BYTES],
                      struct sae_message *why)
{
    char *cert = hub_cli_path(cli, HUB_CERT_FILE), *key = hub_cli_path(cli, HUB_TLS_KEY_FILE);
    int rc = cert && key ? check_served_pair(cert, key, pin, why) : SAE_ENOMEM;
    free(cert);
    free(key);
    return rc == 0 ? SAE_EXIT_OK : hub_cli_fail(rc, "%s", why->text[0] ? why->text
                                                                      : sae_error_name(rc));
}

int hub_cli_serve(struct hub_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {{"listen", required_argument, NULL, 'l'},
                                            {"help", no_argument, NULL, 'h'}, {0}};
    const char *listen = HUB_LISTEN_DEFAULT;
    char address[64];
    uint16_t port = 0;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":hl:", options, NULL)) != -1) {
        if (opt == 'h')
            return hub_cli_usage(stdout, "serve", HUB_CLI_DONE);
        if (opt != 'l')
            return hub_cli_option_error("serve", opt, argv);
        listen = optarg;
    }
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "serve takes options only; see: sae-hub serve --help");
    if (parse_listen(listen, address, &port) != 0)
        return hub_cli_fail(SAE_EINVAL, "--listen wants a numeric ADDRESS:PORT such as "
                            "0.0.0.0:8443 or [::]:8443, got \"%.60s\"", listen);
    struct hub_store *probe = NULL;
    int status = hub_cli_open(cli, &probe);
    hub_store_close(probe);
    if (status != SAE_EXIT_OK)
        return status;
    char pin[TLS_CERT_PIN_BYTES];
    struct sae_message why = {{0}};
    status = served_pin(cli, pin, &why);
    if (status != SAE_EXIT_OK)
        return status;
    uint8_t sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
    if (load_secret(cli, sk, pk) != 0)
        return SAE_EXIT_OTHER;
    struct hub_service *service = NULL;
    char *db = hub_cli_path(cli, HUB_DB_FILE);
    struct hub_service_config config = {db, sk, pk, 8, HUB_DRIFT_MS_DEFAULT,
                                        cli->busy_timeout_ms, pin};
    int rc = db ? hub_service_create(&config, &service, &why) : SAE_ENOMEM;
    sodium_memzero(sk, sizeof sk);
    free(db);
    if (rc != 0)
        return hub_cli_fail(rc, "%s", why.text[0] ? why.text : sae_error_name(rc));
    status = run_server(cli, address, port, service);
    hub_service_destroy(service);
    return status;
}
