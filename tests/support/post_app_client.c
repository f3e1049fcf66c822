/* `sae-node serve` and a signed-in client (post_app_client.h). */
#include "post_app_client.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "free_port.h"

#define PASSPHRASE "benchmark passphrase of the post"
#define BODY_MAX (8u * 1024u * 1024u)
#define START_WAIT_S 30
/* Generous: nothing here asserts a time; a stuck transfer must still end the run. */
#define TRANSFER_TIMEOUT_S 120L

static const char *program(void)
{
    const char *bin = getenv("SAE_NODE_BIN");
    return bin && bin[0] ? bin : "build/sae-node";
}

/* Runs `sae-node -d dir users add staff`, the passphrase on its standard input. */
static int add_staff(const char *dir, const char *staff, struct sae_message *why)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        return SAE_EIO;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipe_fds[0], STDIN_FILENO);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        if (!freopen("/dev/null", "w", stdout))
            _exit(126);
        execl(program(), program(), "-d", dir, "users", "add", staff, "--role", "head",
              (char *)NULL);
        _exit(127);
    }
    close(pipe_fds[0]);
    int status = 0;
    if (pid > 0) {
        static const char line[] = PASSPHRASE "\n";
        ssize_t wrote = write(pipe_fds[1], line, sizeof line - 1);
        (void)wrote; /* a short write shows as the program's failure below */
    }
    close(pipe_fds[1]);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        sae_message_set(why, "%s users add %s failed (status %d)", program(), staff, status);
        return SAE_EIO;
    }
    return 0;
}

static int request(struct post_app_client *c, const char *path, const char *post_fields,
                   long *status)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", c->base, path);
    http_body_clear(&c->body);
    curl_easy_setopt(c->easy, CURLOPT_URL, url);
    if (post_fields)
        curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, post_fields);
    else
        curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
    if (curl_easy_perform(c->easy) != CURLE_OK)
        return SAE_EIO;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

int post_app_client_get(struct post_app_client *c, const char *path)
{
    long status = 0;
    int rc = request(c, path, NULL, &status);
    return rc != 0 ? rc : status == 200 ? 0 : status == 404 ? SAE_ENOTFOUND : SAE_EIO;
}

bool post_app_client_has(const struct post_app_client *c, const char *text)
{
    return c->body.bytes && strstr(c->body.bytes, text) != NULL;
}

/* The sign-in form's CSRF token: the value of its hidden field named csrf. */
static int form_token(const struct post_app_client *c, char *out, size_t cap)
{
    const char *field = c->body.bytes ? strstr(c->body.bytes, "name=\"csrf\"") : NULL;
    const char *value = field ? strstr(field, "value=\"") : NULL;
    const char *end = value ? strchr(value + 7, '"') : NULL;
    if (!end || (size_t)(end - value - 7) >= cap)
        return SAE_EIO;
    snprintf(out, cap, "%.*s", (int)(end - value - 7), value + 7);
    return 0;
}

static int sign_in(struct post_app_client *c, const char *staff)
{
    char token[256], fields[1024];
    long status = 0;
    int rc = post_app_client_get(c, "/sign-in");
    if (rc == 0)
        rc = form_token(c, token, sizeof token);
    char *name = rc == 0 ? curl_easy_escape(c->easy, staff, 0) : NULL;
    char *pass = rc == 0 ? curl_easy_escape(c->easy, PASSPHRASE, 0) : NULL;
    if (rc == 0 && (!name || !pass))
        rc = SAE_ENOMEM;
    if (rc == 0) {
        snprintf(fields, sizeof fields, "csrf=%s&name=%s&passphrase=%s", token, name, pass);
        rc = request(c, "/sign-in", fields, &status);
    }
    curl_free(name);
    curl_free(pass);
    /* Signed in: the home page answers instead of sending to the sign-in form. */
    if (rc == 0)
        rc = post_app_client_get(c, "/");
    return rc == 0 && post_app_client_has(c, "name=\"passphrase\"") ? SAE_EPERM : rc;
}

static int start_serve(struct post_app_client *c, const char *dir, struct sae_message *why)
{
    char listen[64];
    unsigned port = 0;
    if (free_port(&port) != 0)
        return SAE_EIO;
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    snprintf(c->base, sizeof c->base, "http://127.0.0.1:%u", port);
    c->serve = fork();
    if (c->serve == 0) {
        /* Its log is the daemon's business; the figures are this program's. */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(126);
        execl(program(), program(), "-d", dir, "serve", "--listen", listen, (char *)NULL);
        _exit(127);
    }
    if (c->serve < 0) {
        c->serve = 0;
        return SAE_EIO;
    }
    for (int i = 0; i < START_WAIT_S * 10; i++) {
        if (post_app_client_get(c, "/sign-in") == 0)
            return 0;
        if (waitpid(c->serve, NULL, WNOHANG) == c->serve) {
            c->serve = 0;
            break;
        }
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    sae_message_set(why, "%s serve --listen %s did not answer", program(), listen);
    return SAE_EIO;
}

int post_app_client_start(struct post_app_client *c, const char *dir, const char *staff,
                          struct sae_message *why)
{
    memset(c, 0, sizeof *c);
    c->easy = curl_easy_init();
    if (!c->easy)
        return SAE_ENOMEM;
    c->body.max = BODY_MAX;
    curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, http_body_write);
    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(c->easy, CURLOPT_COOKIEFILE, ""); /* cookies kept, none read from disk */
    curl_easy_setopt(c->easy, CURLOPT_TIMEOUT, TRANSFER_TIMEOUT_S);
    curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
    fflush(NULL); /* what this process printed is not printed again by its children */
    int rc = add_staff(dir, staff, why);
    if (rc == 0)
        rc = start_serve(c, dir, why);
    if (rc == 0 && sign_in(c, staff) != 0) {
        sae_message_set(why, "signing in to %s as %s failed", c->base, staff);
        rc = SAE_EPERM;
    }
    return rc;
}

void post_app_client_stop(struct post_app_client *c)
{
    if (c->serve > 0) {
        kill(c->serve, SIGTERM);
        while (waitpid(c->serve, NULL, 0) < 0 && errno == EINTR)
            continue;
        c->serve = 0;
    }
    if (c->easy)
        curl_easy_cleanup(c->easy);
    c->easy = NULL;
    http_body_free(&c->body);
}
