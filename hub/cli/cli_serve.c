/* sae-hub serve: the daemon. Checks the directory (private files, one serve at a time),
 * loads the hub's key, sizes the server's limits from the open-file limit, serves until
 * SIGTERM or SIGINT, and serves the TLS files again on SIGHUP. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/console.h"
#include "api/enroll.h"
#include "api/service.h"
#include "cli/cli.h"
#include "net/http_server.h"
#include "net/tls_cert.h"
#include "sae/sae_files.h"

#define HUB_LISTEN_DEFAULT "127.0.0.1:8443"
/* Held (flock) by the one serve of a directory for its whole life; holds its pid. */
#define HUB_LOCK_FILE "serve.lock"

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

/* The hub's limits from what the process may open: the soft limit of open files is raised to
 * the hard one, and the connections sized from it. */
static int fit_connections(struct http_server_config *config)
{
    unsigned long files = 0;
    int rc = http_server_config_fit_files(config, &files);
    if (rc == SAE_ERANGE)
        return hub_cli_fail(SAE_EIO, "this process may open too few files for the daemon (it "
                            "needs %u); raise the limit, for instance: ulimit -n 8192",
                            HTTP_SERVER_FILES_RESERVED + HTTP_SERVER_CONNECTIONS_MIN);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read the limit of open files: %s", sae_error_name(rc));
    char line[200];
    snprintf(line, sizeof line, "open files: %lu; connections: %u in all, %u per address; "
             "idle timeout %u s; header timeout %u s from %u open", files,
             config->max_connections, config->per_ip_connections, config->timeout_seconds,
             config->header_timeout_seconds, http_server_header_deadline_from(config));
    log_line(NULL, line);
    return SAE_EXIT_OK;
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
                  struct hub_service *service, struct hub_routes *routes)
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
    int rc = http_server_start(config, hub_routes_handle, routes, log_line, NULL, server);
    if (rc == 0 && service)
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
 * before the servers' threads start (the duplicates' thread, started before, blocks them
 * itself: dup_prepare.c), so that only sigwait here receives them. */
struct listener {
    char address[64];
    uint16_t port;
    struct hub_routes routes;
    struct http_server_config config;
    struct http_server *server;
};

static int listener_start(struct listener *l, const struct http_server_config *base)
{
    l->config = *base;
    l->config.address = l->address;
    l->config.port = l->port;
    int rc = http_server_start(&l->config, hub_routes_handle, &l->routes, log_line, NULL,
                               &l->server);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot serve on %s port %u: %s", l->address, l->port,
                            sae_error_name(rc));
    char line[160];
    snprintf(line, sizeof line, "%slistening on https://%s%s%s:%u/%s",
             l->routes.service ? "" : "console ", strchr(l->address, ':') ? "[" : "",
             l->address, strchr(l->address, ':') ? "]" : "", http_server_port(l->server),
             l->routes.service ? "" : "console/");
    log_line(NULL, line);
    return SAE_EXIT_OK;
}

/* Blocks the signals serve waits for (sigwait) in this thread and every thread it starts
 * from now on. */
static void block_serve_signals(sigset_t *signals)
{
    sigemptyset(signals);
    sigaddset(signals, SIGTERM);
    sigaddset(signals, SIGINT);
    sigaddset(signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, signals, NULL);
}

/* The connection deadlines serve's options set, for every listener (--idle-timeout,
 * --header-timeout; http_server.h has their ranges). */
struct serve_deadlines {
    long idle_s, header_s;
};

static int run_server(const struct hub_cli *cli, struct listener *listeners, size_t count,
                      const struct serve_deadlines *deadlines)
{
    struct http_server_config config;
    sigset_t signals;
    int signal_number = 0;
    http_server_config_default(&config);
    config.timeout_seconds = (unsigned)deadlines->idle_s;
    config.header_timeout_seconds = (unsigned)deadlines->header_s;
    int status = fit_connections(&config);
    if (status != SAE_EXIT_OK)
        return status;
    char *cert = hub_cli_path(cli, HUB_CERT_FILE), *key = hub_cli_path(cli, HUB_TLS_KEY_FILE);
    config.cert_pem_path = cert;
    config.key_pem_path = key;
    block_serve_signals(&signals);
    signal(SIGPIPE, SIG_IGN);
    status = cert && key ? SAE_EXIT_OK : hub_cli_fail(SAE_ENOMEM, "out of memory");
    for (size_t i = 0; status == SAE_EXIT_OK && i < count; i++)
        status = listener_start(&listeners[i], &config);
    int rc = status == SAE_EXIT_OK ? 0 : SAE_EIO;
    while (rc == 0 && sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP)
        for (size_t i = 0; rc == 0 && i < count; i++)
            rc = reload(&listeners[i].config, &listeners[i].server,
                        listeners[i].routes.service, &listeners[i].routes);
    if (status == SAE_EXIT_OK && rc == 0)
        log_line(NULL, signal_number == SIGINT ? "SIGINT: finishing requests in flight"
                                               : "SIGTERM: finishing requests in flight");
    for (size_t i = 0; i < count; i++)
        http_server_stop(listeners[i].server);
    if (status == SAE_EXIT_OK)
        log_line(NULL, "stopped");
    free(cert);
    free(key);
    return status != SAE_EXIT_OK ? status : rc == 0 ? SAE_EXIT_OK : SAE_EXIT_OTHER;
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

/* Survivors' data: serve refuses a hub directory, database or key that other users can
 * reach, and says which chmod fixes it (as sae-node does for its journal). Files that are
 * absent are left to the open that follows to report. */
static int check_private(const struct hub_cli *cli)
{
    static const char *const secret_files[] = {HUB_DB_FILE, HUB_DB_FILE "-wal",
                                               HUB_DB_FILE "-shm", HUB_KEY_FILE,
                                               HUB_TLS_KEY_FILE};
    struct stat st;
    if (stat(cli->dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 077))
        return hub_cli_fail(SAE_EPERM, "%s can be reached by other users; run: chmod 700 %s",
                            cli->dir, cli->dir);
    for (size_t i = 0; i < sizeof secret_files / sizeof secret_files[0]; i++) {
        char *path = hub_cli_path(cli, secret_files[i]);
        if (!path)
            return hub_cli_fail(SAE_ENOMEM, "out of memory");
        bool open_to_others = stat(path, &st) == 0 && (st.st_mode & 077);
        int status = open_to_others ? hub_cli_fail(SAE_EPERM, "%s can be read by other users; "
                                                   "run: chmod 600 %s", path, path)
                                    : SAE_EXIT_OK;
        free(path);
        if (status != SAE_EXIT_OK)
            return status;
    }
    return SAE_EXIT_OK;
}

/* The pid of the serve holding the lock, from the lock file; 0 when unreadable. */
static long lock_holder(int fd)
{
    char text[24] = "";
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n <= 0)
        return 0;
    text[n] = '\0';
    return strtol(text, NULL, 10);
}

/* One serve per directory: an exclusive flock on DIR/serve.lock, held until the process
 * ends (the kernel drops it even after a SIGKILL). *fd is the lock's; keep it open. */
static int lock_directory(const struct hub_cli *cli, int *fd)
{
    char *path = hub_cli_path(cli, HUB_LOCK_FILE);
    char pid[24];
    if (!path)
        return hub_cli_fail(SAE_ENOMEM, "out of memory");
    int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    int status = lock < 0 ? hub_cli_fail(SAE_EIO, "cannot open %s: %s", path, strerror(errno))
                          : SAE_EXIT_OK;
    if (status == SAE_EXIT_OK && flock(lock, LOCK_EX | LOCK_NB) != 0) {
        status = errno == EWOULDBLOCK
                     ? hub_cli_fail(SAE_EBUSY, "another sae-hub serve (pid %ld) is running on %s; "
                                    "stop it first, or serve another directory",
                                    lock_holder(lock), cli->dir)
                     : hub_cli_fail(SAE_EIO, "cannot lock %s: %s", path, strerror(errno));
    }
    if (status == SAE_EXIT_OK) {
        int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(lock, 0) != 0 || pwrite(lock, pid, (size_t)len, 0) != len)
            status = hub_cli_fail(SAE_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    if (status != SAE_EXIT_OK && lock >= 0)
        close(lock);
    else
        *fd = lock;
    free(path);
    return status;
}

/* Everything serve checks before it starts: private files, a hub there, nobody else serving
 * it. On success *lock_fd holds the directory's lock. */
static int prepare_serve(const struct hub_cli *cli, int *lock_fd)
{
    struct hub_store *probe = NULL;
    struct stat st;
    if (!cli->dir)
        return hub_cli_fail(SAE_EINVAL, "no hub directory: give -d DIR or set SAE_HUB_DIR");
    int status = check_private(cli);
    if (status != SAE_EXIT_OK)
        return status;
    char *db = hub_cli_path(cli, HUB_DB_FILE);
    bool initialised = db && stat(db, &st) == 0;
    free(db);
    if (initialised) /* else the open below says what to do, and no lock file is made */
        status = lock_directory(cli, lock_fd);
    if (status != SAE_EXIT_OK)
        return status;
    status = hub_cli_open(cli, &probe);
    hub_store_close(probe);
    return status;
}

int hub_cli_serve(struct hub_cli *cli, int argc, char **argv)
{
    const char *listen = HUB_LISTEN_DEFAULT, *console_at = NULL, *url = NULL;
    struct serve_deadlines deadlines = {HTTP_IDLE_TIMEOUT_DEFAULT_S,
                                        HTTP_HEADER_TIMEOUT_DEFAULT_S};
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("listen", 'l', &listen),
        SAE_CLI_OPT_TEXT("console", 0, &console_at),
        SAE_CLI_OPT_TEXT("url", 0, &url),
        SAE_CLI_OPT_NUMBER("idle-timeout", 0, &deadlines.idle_s, NULL,
                           HTTP_IDLE_TIMEOUT_MIN_S, HTTP_IDLE_TIMEOUT_MAX_S),
        SAE_CLI_OPT_NUMBER("header-timeout", 0, &deadlines.header_s, NULL,
                           HTTP_HEADER_TIMEOUT_MIN_S, HTTP_HEADER_TIMEOUT_MAX_S),
    };
    struct listener listeners[2];
    memset(listeners, 0, sizeof listeners);
    int status = HUB_CLI_OPTIONS("serve", "serve", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "serve takes options only; see: sae-hub serve --help");
    if (http_listen_parse(listen, listeners[0].address, &listeners[0].port) != 0)
        return hub_cli_fail(SAE_EINVAL, "--listen wants a numeric ADDRESS:PORT such as "
                            "0.0.0.0:8443 or [::]:8443, got \"%.60s\"", listen);
    if (console_at && http_listen_parse(console_at, listeners[1].address, &listeners[1].port) != 0)
        return hub_cli_fail(SAE_EINVAL, "--console wants a numeric ADDRESS:PORT such as "
                            "10.0.0.5:8444, got \"%.60s\"", console_at);
    if (url && enroll_url_check(url) != 0)
        return hub_cli_fail(SAE_EINVAL, "--url must be the hub's https:// address as posts reach "
                            "it (at most %d bytes), e.g. https://hub.example:8443",
                            ENROLL_URL_BYTES);
    int lock_fd = -1;
    status = prepare_serve(cli, &lock_fd);
    char pin[TLS_CERT_PIN_BYTES];
    struct sae_message why = {{0}};
    if (status == SAE_EXIT_OK)
        status = served_pin(cli, pin, &why);
    uint8_t sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
    if (status == SAE_EXIT_OK && load_secret(cli, sk, pk) != 0)
        status = SAE_EXIT_OTHER;
    if (status != SAE_EXIT_OK) {
        if (lock_fd >= 0)
            close(lock_fd);
        return status;
    }
    /* Before the console starts its duplicates thread: a thread with SIGTERM unblocked would
     * take a stop request with the default action, and the daemon died by the signal (-15)
     * instead of stopping cleanly (test_hub_serve_guard, now and then). */
    sigset_t early;
    block_serve_signals(&early);
    struct hub_service *service = NULL;
    struct console *console = NULL;
    char *db = hub_cli_path(cli, HUB_DB_FILE);
    struct hub_service_config config = {db, sk, pk, 8, HUB_DRIFT_MS_DEFAULT,
                                        cli->busy_timeout_ms, pin};
    int rc = db ? hub_service_create(&config, &service, &why) : SAE_ENOMEM;
    if (rc == 0)
        rc = console_create(db, cli->busy_timeout_ms, &console, &why);
    if (rc == 0 && url)
        rc = console_set_public_url(console, url);
    sodium_memzero(sk, sizeof sk);
    free(db);
    listeners[0].routes = (struct hub_routes){service, console_at ? NULL : console};
    listeners[1].routes = (struct hub_routes){NULL, console};
    if (rc == 0)
        status = run_server(cli, listeners, console_at ? 2 : 1, &deadlines);
    else
        status = hub_cli_fail(rc, "%s", why.text[0] ? why.text : sae_error_name(rc));
    console_destroy(console);
    hub_service_destroy(service);
    close(lock_fd);
    return status;
}
