/* The real daemon and a signed-in client, for benchmarks (console_http_support.h). */
#include "console_http_support.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/password.h"
#include "store/hub_accounts.h"

#define ACCOUNT "Bench Koordinator"
#define PASSWORD "bench-password-long-enough"
/* Generous: a loaded machine starts the daemon in well under a second. */
#define START_WAIT_S 60
#define LISTENING "listening on https://127.0.0.1:"
/* Far above the largest page a benchmark reads (a long list); a runaway answer stops here. */
#define ANSWER_MAX (64u * 1024u * 1024u)

extern char **environ;

/* $SAE_HUB_BIN, else sae-hub in the folder that holds the running benchmark's folder. */
static int hub_program(char *out, size_t size)
{
    const char *given = getenv("SAE_HUB_BIN");
    char self[PATH_MAX];
    if (given && given[0])
        return snprintf(out, size, "%s", given) < (int)size ? 0 : SAE_ERANGE;
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return SAE_EIO;
    self[n] = '\0';
    char *bench_dir = dirname(self); /* build/bench */
    return snprintf(out, size, "%s/sae-hub", dirname(bench_dir)) < (int)size ? 0 : SAE_ERANGE;
}

/* Starts sae-hub with args (NULL-terminated, after the program's name), its output
 * appended to c->log. */
static int spawn_hub(struct console_http *c, const char *const *args, pid_t *pid)
{
    char program[PATH_MAX];
    char *argv[16];
    size_t n = 0;
    int rc = hub_program(program, sizeof program);
    if (rc != 0)
        return rc;
    argv[n++] = program;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = (char *)(uintptr_t)args[n - 1]; /* posix_spawn's argv is not const */
    argv[n] = NULL;
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0)
        return SAE_ENOMEM;
    int e = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (e == 0)
        e = posix_spawn_file_actions_addopen(&actions, 1, c->log,
                                             O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (e == 0)
        e = posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (e == 0)
        e = posix_spawn(pid, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    return e == 0 ? 0 : SAE_EIO;
}

static int wait_exit_ok(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return SAE_EIO;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : SAE_EIO;
}

int console_http_prepare(struct console_http *c, const char *hub_dir, char *db_path,
                         size_t size)
{
    memset(c, 0, sizeof *c);
    snprintf(c->dir, sizeof c->dir, "%s", hub_dir);
    snprintf(c->cert, sizeof c->cert, "%s/tls-cert.pem", hub_dir);
    snprintf(c->log, sizeof c->log, "%s.log", hub_dir);
    const char *const init[] = {"-d", hub_dir, "init", "--name", "Bench hub", NULL};
    pid_t pid = 0;
    int rc = spawn_hub(c, init, &pid);
    if (rc == 0)
        rc = wait_exit_ok(pid);
    if (rc == 0)
        rc = snprintf(db_path, size, "%s/" HUB_DB_FILE, hub_dir) < (int)size ? 0 : SAE_ERANGE;
    if (rc == 0 && unlink(db_path) != 0)
        rc = SAE_EIO;
    return rc;
}

/* The port of the daemon's "listening on" line in its log, once written. */
static int wait_listening(struct console_http *c, unsigned *port)
{
    for (int tries = 0; tries < START_WAIT_S * 10; tries++) {
        char line[512];
        FILE *log = fopen(c->log, "r");
        while (log && fgets(line, sizeof line, log)) {
            const char *at = strstr(line, LISTENING);
            if (at && sscanf(at + strlen(LISTENING), "%u", port) == 1) {
                fclose(log);
                return 0;
            }
        }
        if (log)
            fclose(log);
        if (waitpid(c->daemon, NULL, WNOHANG) != 0) {
            c->daemon = 0; /* it gave up: its reason is in the log */
            return SAE_EIO;
        }
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    return SAE_EIO;
}

static int client(struct console_http *c)
{
    c->easy = curl_easy_init();
    if (!c->easy)
        return SAE_ENOMEM;
    c->body.max = ANSWER_MAX;
    CURLcode e = curl_easy_setopt(c->easy, CURLOPT_CAINFO, c->cert);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYPEER, 1L);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_PINNEDPUBLICKEY, c->pin);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_COOKIEFILE, "");
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, http_body_write);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &c->body);
    if (e == CURLE_OK) e = curl_easy_setopt(c->easy, CURLOPT_TIMEOUT, 300L);
    return e == CURLE_OK ? 0 : SAE_EIO;
}

static int perform(struct console_http *c, const char *path)
{
    char url[1024];
    long status = 0;
    http_body_clear(&c->body);
    snprintf(url, sizeof url, "%s%s", c->base, path);
    CURLcode e = curl_easy_setopt(c->easy, CURLOPT_URL, url);
    if (e == CURLE_OK)
        e = curl_easy_perform(c->easy);
    if (e == CURLE_OK)
        e = curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    return e == CURLE_OK && status == 200 ? 0 : SAE_EIO;
}

static int sign_in(struct console_http *c)
{
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!headers)
        return SAE_ENOMEM;
    CURLcode e = curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, headers);
    if (e == CURLE_OK)
        e = curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS,
                             "{\"name\": \"" ACCOUNT "\", \"password\": \"" PASSWORD "\"}");
    int rc = e == CURLE_OK ? perform(c, "/api/v1/session") : SAE_EIO;
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
    curl_slist_free_all(headers);
    return rc;
}

/* The coordinator the benchmarks sign in as, and the pin of the certificate c->cert. */
static int account_and_pin(struct console_http *c, struct hub_store *store, int64_t now_ms)
{
    char hash[PASSWORD_HASH_BYTES];
    int rc = password_hash(PASSWORD, hash);
    if (rc == 0)
        rc = hub_account_add(store, ACCOUNT, HUB_ROLE_COORDINATOR, NULL, hash, now_ms);
    if (rc == 0)
        rc = hub_account_accept_conduct(store, ACCOUNT, now_ms);
    if (rc == 0)
        rc = tls_cert_pin(c->cert, c->pin, sizeof c->pin);
    return rc;
}

int console_http_attach(struct console_http *c, struct hub_store *store, const char *cert,
                        const char *base, int64_t now_ms)
{
    memset(c, 0, sizeof *c);
    if (snprintf(c->cert, sizeof c->cert, "%s", cert) >= (int)sizeof c->cert ||
        snprintf(c->base, sizeof c->base, "%s", base) >= (int)sizeof c->base)
        return SAE_ERANGE;
    int rc = account_and_pin(c, store, now_ms);
    if (rc == 0)
        rc = client(c);
    if (rc == 0)
        rc = sign_in(c);
    return rc;
}

int console_http_start(struct console_http *c, struct hub_store *store, int64_t now_ms)
{
    unsigned port = 0;
    const char *const serve[] = {"-d", c->dir, "serve", "--listen", "127.0.0.1:0", NULL};
    int rc = account_and_pin(c, store, now_ms);
    if (rc == 0)
        rc = spawn_hub(c, serve, &c->daemon);
    if (rc == 0)
        rc = wait_listening(c, &port);
    if (rc == 0)
        snprintf(c->base, sizeof c->base, "https://127.0.0.1:%u", port);
    if (rc == 0)
        rc = client(c);
    if (rc == 0)
        rc = sign_in(c);
    return rc;
}

int console_http_get(struct console_http *c, const char *path)
{
    return perform(c, path);
}

void console_http_stop(struct console_http *c)
{
    if (c->easy)
        curl_easy_cleanup(c->easy);
    if (c->daemon > 0 && kill(c->daemon, SIGTERM) == 0)
        waitpid(c->daemon, NULL, 0);
    http_body_free(&c->body);
    c->easy = NULL;
    c->daemon = 0;
}
