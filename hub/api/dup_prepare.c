/* The pairs of possible duplicates, built and kept up to date by a thread (dup_prepare.h). */
#include "api/dup_prepare.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/dup_pairs.h"
#include "store/hub_store.h"

struct dup_prepare {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* ready or stopping became true */
    pthread_t thread;
    bool ready, stopping;
    char *db_path, *dir;
    int busy_timeout_ms;
};

static void wait_for(struct dup_prepare *p, const bool *flag, long ms);

/* Between two chunks of a refresh: a pause that lets the console's own writes (a session
 * touched, a case file's audit row) take the write lock the build would otherwise take
 * again at once; whether to stop. */
static bool between_chunks(void *context)
{
    struct dup_prepare *p = context;
    pthread_mutex_lock(&p->lock);
    wait_for(p, &p->stopping, DUP_PREPARE_PAUSE_MS);
    bool stop = p->stopping;
    pthread_mutex_unlock(&p->lock);
    return stop;
}

/* With p->lock held: until *flag is true or ms have passed. */
static void wait_for(struct dup_prepare *p, const bool *flag, long ms)
{
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += ms / 1000;
    at.tv_nsec += (ms % 1000) * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    int waited = 0;
    while (!*flag && waited != ETIMEDOUT)
        waited = pthread_cond_timedwait(&p->changed, &p->lock, &at);
}

/* One refresh on the thread's connection; the key is read each time (it is made at the first
 * refresh of a hub, and may be made again when lost). */
static int refresh_once(struct dup_prepare *p, struct hub_store *store)
{
    uint8_t key[DUP_KEY_BYTES];
    int rc = dup_key_load(p->dir, key);
    if (rc == 0)
        rc = dup_refresh_until(store, key, between_chunks, p);
    sodium_memzero(key, sizeof key);
    return rc;
}

static void *prepare(void *context)
{
    struct dup_prepare *p = context;
    struct hub_store *store = NULL;
    /* A failure here or in a refresh leaves the pages to refresh themselves, as before this
     * thread existed, and to say what went wrong. */
    if (hub_store_open(p->db_path, p->busy_timeout_ms, &store, NULL) == 0)
        refresh_once(p, store);
    pthread_mutex_lock(&p->lock);
    p->ready = true;
    pthread_cond_broadcast(&p->changed);
    while (store && !p->stopping) {
        wait_for(p, &p->stopping, DUP_PREPARE_INTERVAL_S * 1000L);
        if (p->stopping)
            break;
        pthread_mutex_unlock(&p->lock);
        refresh_once(p, store);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    hub_store_close(store);
    return NULL;
}

static void dup_prepare_free(struct dup_prepare *p)
{
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    free(p->db_path);
    free(p->dir);
    free(p);
}

/* The thread takes none of the signals meant for the process (it inherits the mask of its
 * creator, changed here around its start): serve waits for SIGTERM, SIGINT and SIGHUP in
 * sigwait, and a thread that left one unblocked could take it and let its default action end
 * the daemon unclean. Signals of a fault stay with the thread that faults. */
static int start_thread(struct dup_prepare *p)
{
    sigset_t process_signals, before;
    sigfillset(&process_signals);
    static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        sigdelset(&process_signals, faults[i]);
    if (pthread_sigmask(SIG_BLOCK, &process_signals, &before) != 0)
        return SAE_EIO;
    int rc = pthread_create(&p->thread, NULL, prepare, p);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    return rc == 0 ? 0 : SAE_ENOMEM;
}

int dup_prepare_start(const char *db_path, const char *dir, int busy_timeout_ms,
                      struct dup_prepare **out)
{
    struct dup_prepare *p = calloc(1, sizeof *p);
    if (!p)
        return SAE_ENOMEM;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return SAE_ENOMEM;
    }
    if (pthread_cond_init(&p->changed, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return SAE_ENOMEM;
    }
    p->db_path = strdup(db_path);
    p->dir = strdup(dir);
    p->busy_timeout_ms = busy_timeout_ms;
    if (!p->db_path || !p->dir || start_thread(p) != 0) {
        dup_prepare_free(p);
        return SAE_ENOMEM;
    }
    *out = p;
    return 0;
}

bool dup_prepare_ready(struct dup_prepare *p, int wait_ms)
{
    pthread_mutex_lock(&p->lock);
    wait_for(p, &p->ready, wait_ms);
    bool ready = p->ready;
    pthread_mutex_unlock(&p->lock);
    return ready;
}

void dup_prepare_stop(struct dup_prepare *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    dup_prepare_free(p);
}
