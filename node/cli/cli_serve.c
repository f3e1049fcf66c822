/* sae-node serve: the post app (node/app) on a loopback address over plain HTTP, or on any
 * other address over HTTPS only, with a self-signed certificate made on first use; and the
 * sync loop (node/sync/sync_loop.h) on a thread of its own. Serves until SIGTERM or SIGINT. */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/post_app.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "net/http_server.h"
#include "net/tls_cert.h"
#include "sync/sync_loop.h"
#include "sync/transport.h"

#define SERVE_LISTEN_DEFAULT "127.0.0.1:8080"
/* The app's certificate and key, in the node directory (made on first use of a LAN
 * address). */
#define SERVE_CERT_FILE "app-cert.pem"
#define SERVE_KEY_FILE "app-key.pem"

struct serve_input {
    char address[HTTP_LISTEN_ADDRESS_BYTES];
    uint16_t port;
    bool tls;
    unsigned interval;
    unsigned idle_timeout_s;   /* --idle-timeout (http_server.h has its range) */
    unsigned header_timeout_s; /* --header-timeout */
};

static char *dir_path(const struct cli *cli, const char *name)
{
    size_t len = strlen(cli->dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s", cli->dir, name);
    return path;
}

/* The app's certificate for a LAN address: made once (for that address too), then kept;
 * its fingerprint printed for staff to compare with their browser's. */
static int prepare_tls(const struct serve_input *in, const char *cert, const char *key)
{
    char fingerprint[TLS_CERT_FINGERPRINT_BYTES];
    const char *hosts[] = {in->address};
    bool any = strcmp(in->address, "0.0.0.0") == 0 || strcmp(in->address, "::") == 0;
    int rc = tls_cert_create_self_signed(hosts, any ? 0 : 1, TLS_CERT_DAYS_MAX, cert, key);
    if (rc == 0)
        printf("made a self-signed certificate for the post app: %s\n", cert);
    else if (rc != SAE_EEXIST)
        return cli_fail(rc, "cannot make the app's certificate %s: %s", cert,
                        sae_error_name(rc));
    struct sae_message why = {{0}};
    rc = tls_cert_check_pair(cert, key, &why);
    if (rc != 0 && rc != SAE_ERANGE)
        return cli_fail(rc, "%s; remove %s and %s to make new ones", why.text, cert, key);
    rc = tls_cert_fingerprint(cert, fingerprint);
    if (rc != 0)
        return cli_fail(rc, "cannot read %s: %s", cert, sae_error_name(rc));
    printf("certificate fingerprint (SHA-256): %s\n", fingerprint);
    return SAE_EXIT_OK;
}

/* --listen [http://|https://]ADDRESS:PORT: without a scheme, HTTP on loopback and HTTPS
 * anywhere else; plain HTTP anywhere but loopback is refused. */
static int parse_listen(const char *listen, struct serve_input *in)
{
    bool http = strncmp(listen, "http://", 7) == 0, https = strncmp(listen, "https://", 8) == 0;
    const char *bare = http ? listen + 7 : https ? listen + 8 : listen;
    if (http_listen_parse(bare, in->address, &in->port) != 0)
        return cli_fail(SAE_EINVAL, "--listen wants a numeric ADDRESS:PORT such as "
                        "127.0.0.1:8080 or 192.168.1.10:8443, got \"%.60s\"", listen);
    bool loopback = http_address_is_loopback(in->address);
    if (http && !loopback)
        return cli_fail(SAE_EINVAL, "refusing plain HTTP on %s: staff passphrases and "
                        "survivors' data would cross the network unencrypted; use https://%s "
                        "(a self-signed certificate is made) or a loopback address such as "
                        "127.0.0.1:8080", bare, bare);
    in->tls = https || !loopback;
    return SAE_EXIT_OK;
}

static int parse(int argc, char **argv, struct serve_input *in)
{
    const char *listen = SERVE_LISTEN_DEFAULT;
    long interval = SYNC_LOOP_INTERVAL_DEFAULT_S, idle = HTTP_IDLE_TIMEOUT_DEFAULT_S,
         header = HTTP_HEADER_TIMEOUT_DEFAULT_S;
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("listen", 'l', &listen),
        SAE_CLI_OPT_NUMBER("interval", 'i', &interval, NULL, 1, SYNC_LOOP_INTERVAL_MAX_S),
        SAE_CLI_OPT_NUMBER("idle-timeout", 0, &idle, NULL, HTTP_IDLE_TIMEOUT_MIN_S,
                           HTTP_IDLE_TIMEOUT_MAX_S),
        SAE_CLI_OPT_NUMBER("header-timeout", 0, &header, NULL, HTTP_HEADER_TIMEOUT_MIN_S,
                           HTTP_HEADER_TIMEOUT_MAX_S),
    };
    int status = CLI_OPTIONS("serve", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (optind != argc)
        return cli_fail(SAE_EINVAL, "serve takes options only; see: sae-node serve --help");
    in->interval = (unsigned)interval;
    in->idle_timeout_s = (unsigned)idle;
    in->header_timeout_s = (unsigned)header;
    return parse_listen(listen, in);
}

/* The server's lines once it serves; before that a failure to start says it all in the one
 * error line (libmicrohttpd's own "Failed to bind" would make it two). */
static atomic_bool serving;

static void server_log(void *context, const char *line)
{
    if (atomic_load(&serving))
        cli_log_line(context, line);
}

static void *loop_thread(void *loop)
{
    sync_loop_run(loop);
    return NULL;
}

static int serve_until_signal(const struct serve_input *in, struct post_app *app,
                              struct sync_loop *loop, const char *cert, const char *key)
{
    struct http_server_config config;
    struct http_server *server = NULL;
    sigset_t signals;
    int signal_number = 0;
    http_server_config_default(&config);
    config.address = in->address;
    config.port = in->port;
    config.plain_http = !in->tls;
    config.cert_pem_path = cert;
    config.key_pem_path = key;
    /* One handler at a time: a post has a few staff, and the app's store is one connection. */
    config.threads = 1;
    config.max_connections = 256;
    config.per_ip_connections = 64;
    config.max_body_bytes = POST_BODY_BYTES_MAX;
    config.body_budget_bytes = 16u * POST_BODY_BYTES_MAX;
    config.stop_grace_seconds = 10;
    config.timeout_seconds = in->idle_timeout_s;
    config.header_timeout_seconds = in->header_timeout_s;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = http_server_start(&config, post_app_handle, app, server_log, NULL, &server);
    if (rc != 0)
        return cli_fail(rc, "cannot serve on %s port %u: %s", in->address, in->port,
                        rc == SAE_EIO ? "the address is in use or not this computer's"
                                      : sae_error_name(rc));
    pthread_t syncer;
    if (pthread_create(&syncer, NULL, loop_thread, loop) != 0) {
        http_server_stop(server);
        return cli_fail(SAE_ENOMEM, "cannot start the sync loop's thread");
    }
    atomic_store(&serving, true);
    bool v6 = strchr(in->address, ':') != NULL;
    printf("post app: %s://%s%s%s:%u/\n", in->tls ? "https" : "http", v6 ? "[" : "",
           in->address, v6 ? "]" : "", http_server_port(server));
    fflush(stdout);
    /* Once a second the keys of sessions that ended meanwhile are wiped (post_app_sweep). */
    const struct timespec second = {1, 0};
    while ((signal_number = sigtimedwait(&signals, NULL, &second)) < 0)
        post_app_sweep(app);
    cli_log_line(NULL, signal_number == SIGINT ? "SIGINT: finishing requests in flight"
                                               : "SIGTERM: finishing requests in flight");
    sync_loop_stop(loop);
    pthread_join(syncer, NULL);
    http_server_stop(server);
    cli_log_line(NULL, "stopped");
    return SAE_EXIT_OK;
}

int cli_serve(struct cli *cli, int argc, char **argv)
{
    struct serve_input in;
    memset(&in, 0, sizeof in);
    int status = parse(argc, argv, &in);
    if (status != SAE_EXIT_OK)
        return cli_final(status);
    /* A revoked device (cli_open says so and exits) serves nothing. */
    struct node_store *store = NULL;
    status = cli_open(cli, &store);
    node_store_close(store);
    if (status != SAE_EXIT_OK)
        return status;
    struct post_app *app = NULL;
    struct sync_loop *loop = NULL;
    struct sae_message why = {{0}};
    struct sync_loop_config loop_config = {cli->dir, cli->busy_timeout_ms, cli->stall_timeout_s,
                                           in.interval, cli_log_line, NULL};
    int rc = transport_global_init();
    if (rc == 0)
        rc = sync_loop_create(&loop_config, &loop, &why);
    if (rc == 0)
        rc = post_app_create(cli->dir, cli->busy_timeout_ms, loop, &app, &why);
    if (rc != 0) {
        sync_loop_destroy(loop);
        transport_global_cleanup();
        return cli_fail_store(rc, &why, cli);
    }
    char *cert = dir_path(cli, SERVE_CERT_FILE), *key = dir_path(cli, SERVE_KEY_FILE);
    status = cert && key ? SAE_EXIT_OK : cli_fail(SAE_ENOMEM, "out of memory");
    if (status == SAE_EXIT_OK && in.tls)
        status = prepare_tls(&in, cert, key);
    if (status == SAE_EXIT_OK)
        status = serve_until_signal(&in, app, loop, cert, key);
    free(cert);
    free(key);
    post_app_destroy(app);
    sync_loop_destroy(loop);
    transport_global_cleanup();
    return status;
}
