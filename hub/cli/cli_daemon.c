/* sae-hub init, serve and nodes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
#define HUB_CERT_FILE "tls-cert.pem"
#define HUB_TLS_KEY_FILE "tls-key.pem"
#define HUB_NAME_DEFAULT "Rumah SAE district hub"
#define HUB_NAME_BYTES 100
#define HUB_LISTEN_DEFAULT "127.0.0.1:8443"
/* Held (flock) by the one serve of a directory for its whole life; holds its pid. */
#define HUB_LOCK_FILE "serve.lock"

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

/* Copies the district's own PEM file into the hub directory, 0600. */
static int copy_pem(const char *from, const char *dir, const char *name)
{
    char *pem = NULL;
    size_t len = 0;
    int rc = tls_pem_read(from, &pem, &len);
    if (rc == 0)
        rc = sae_file_write_private(dir, name, pem, len);
    tls_pem_free(pem, len);
    return rc;
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
    rc = copy_pem(o->cert, cli->dir, HUB_CERT_FILE);
    if (rc == 0)
        rc = copy_pem(o->key, cli->dir, HUB_TLS_KEY_FILE);
    return rc == 0 ? 0 : hub_cli_fail(rc, "cannot copy the certificate into %s", cli->dir);
}

static const char *const hub_files[] = {HUB_DB_FILE, HUB_DB_FILE "-wal", HUB_DB_FILE "-shm",
                                        HUB_KEY_FILE, HUB_CERT_FILE, HUB_TLS_KEY_FILE};

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
    char line[160];
    snprintf(line, sizeof line, "open files: %lu; connections: %u in all, %u per address",
             files, config->max_connections, config->per_ip_connections);
    log_line(NULL, line);
    return SAE_EXIT_OK;
}

/* Runs until SIGTERM or SIGINT; the signals are blocked before any thread starts, so that
 * only sigwait here receives them. */
static int run_server(const struct hub_cli *cli, const char *address, uint16_t port,
                      struct hub_service *service)
{
    struct http_server_config config;
    struct http_server *server = NULL;
    sigset_t stop;
    int signal_number = 0;
    http_server_config_default(&config);
    config.address = address;
    config.port = port;
    int status = fit_connections(&config);
    if (status != SAE_EXIT_OK)
        return status;
    char *cert = hub_cli_path(cli, HUB_CERT_FILE), *key = hub_cli_path(cli, HUB_TLS_KEY_FILE);
    config.cert_pem_path = cert;
    config.key_pem_path = key;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = cert && key ? http_server_start(&config, hub_service_handle, service, log_line,
                                             NULL, &server)
                         : SAE_ENOMEM;
    free(cert);
    free(key);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot serve on %s port %u: %s", address, port,
                            sae_error_name(rc));
    char line[128];
    snprintf(line, sizeof line, "listening on https://%s%s%s:%u/", strchr(address, ':') ? "[" : "",
             address, strchr(address, ':') ? "]" : "", http_server_port(server));
    log_line(NULL, line);
    sigwait(&stop, &signal_number);
    log_line(NULL, signal_number == SIGINT ? "SIGINT: finishing requests in flight"
                                           : "SIGTERM: finishing requests in flight");
    http_server_stop(server);
    log_line(NULL, "stopped");
    return SAE_EXIT_OK;
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
    int lock_fd = -1;
    int status = prepare_serve(cli, &lock_fd);
    uint8_t sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
    if (status == SAE_EXIT_OK && load_secret(cli, sk, pk) != 0)
        status = SAE_EXIT_OTHER;
    if (status != SAE_EXIT_OK) {
        if (lock_fd >= 0)
            close(lock_fd);
        return status;
    }
    struct sae_message why = {{0}};
    struct hub_service *service = NULL;
    char *db = hub_cli_path(cli, HUB_DB_FILE);
    struct hub_service_config config = {db, sk, pk, 8, HUB_DRIFT_MS_DEFAULT,
                                        cli->busy_timeout_ms};
    int rc = db ? hub_service_create(&config, &service, &why) : SAE_ENOMEM;
    sodium_memzero(sk, sizeof sk);
    free(db);
    if (rc == 0)
        status = run_server(cli, address, port, service);
    else
        status = hub_cli_fail(rc, "%s", why.text[0] ? why.text : sae_error_name(rc));
    hub_service_destroy(service);
    close(lock_fd);
    return status;
}
