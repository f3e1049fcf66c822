/* make bench: a post's initial sync (issue 14's row): a post with 10,000 case reports pushes
 * them all with one `sae-node sync` to a real `sae-hub serve` over HTTPS on 127.0.0.1, timed
 * from the process's start to its exit, in reports per second; beside a raw SQLite insert of
 * the same rows with the same durability in the same run, as a ratio.
 *
 * The programs: sae-node and sae-hub in the directory of $SAE_NODE_BIN (else build/, beside
 * this benchmark's directory). BENCH_BEFORE=DIR names the directory of an earlier build (its
 * sae-node, sae-node-net and sae-hub; the same node schema: this benchmark writes the posts
 * with its own journal code) run turn about with these, each side with its own hub and post,
 * its figures printed beside them. The disk is synced before each side's sync, so that no
 * side pays for the pages the posts' writing left.
 *
 * The post: `init`, `config author`, `enroll` by the side's sae-node, then its reports written
 * through the node's own input and journal code (change_input + journal_add, as `sae-node add`
 * writes them; sensitive values sealed for the hub) before the clock starts. Realistic
 * reports from a fixed seed: twelve fields, a name and a narrative of Indonesian phrases.
 *
 * The baseline: the rows the hub stored for the post (its `change` rows, every column) read
 * back after the sync and inserted into a table of the same columns with no index but its
 * key, 1,000 rows a transaction (a batch's changes, PROTOCOL §5), WAL and synchronous=FULL
 * as hub.db, in the same directory.
 *
 * Where the time goes: the CPU time of the post (the sync process) and of the hub (its
 * /proc stat) over the sync, beside the wall time; the rest is waiting (the disk's syncs,
 * a core, the other side). Nothing asserts a time; the run fails if any change is missing
 * at the hub. BENCH_REPORTS sets the size (1 to 100,000); BENCH_SMOKE=1 runs 100. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_hub_support.h"
#include "change_set.h"
#include "free_port.h"
#include "cli/change_input.h"
#include "store/journal.h"
#include "store/node_store.h"

#define NAME "bench_initial_sync"
#define REPORTS_DEFAULT 10000
#define REPORTS_MAX 100000
#define SMOKE_REPORTS 100
#define VILLAGE "35.13.12.2018" /* Sumberanyar, Paiton */
#define AUTHOR "Siti Rahayu"
#define SEED UINT64_C(0x5ae14a11c0de)
#define RAW_ROWS_PER_COMMIT 1000
#define START_WAIT_S 30
#define AIM 0.8
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct side {
    const char *label;
    char dir[PATH_MAX / 2]; /* everything of this side: hub, post, baseline, logs */
    char node[PATH_MAX], hub[PATH_MAX];
    char hub_dir[PATH_MAX], post_dir[PATH_MAX], raw_path[PATH_MAX];
    unsigned port;
    pid_t serve;
    /* measured */
    double sync_s, raw_s, post_cpu_s, hub_cpu_s;
    long long hub_changes;
    char sync_json[512];
};

/* ---- child processes ------------------------------------------------------------------ */

/* Runs argv (NULL-terminated) with stdout to out_path (NULL: /dev/null) and stderr kept in
 * err_path; its exit status 0, else SAE_EIO. cpu_s: the child's user + system time. */
static int run_program(char *const argv[], const char *out_path, const char *err_path,
                       double *cpu_s)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(out_path ? out_path : "/dev/null", "w", stdout) ||
            !freopen(err_path ? err_path : "/dev/null", "w", stderr))
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    if (pid < 0 || wait4(pid, &status, 0, &usage) != pid)
        return SAE_EIO;
    if (cpu_s)
        *cpu_s = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                 (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: %s %s failed (status %d); its errors: %s\n", NAME, argv[0],
                argv[3], status, err_path ? err_path : "-");
        return SAE_EIO;
    }
    return 0;
}

static bool port_answers(unsigned port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool up = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    if (fd >= 0)
        close(fd);
    return up;
}

static int serve_start(struct side *s, const char *log_path)
{
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", s->port);
    fflush(stdout);
    s->serve = fork();
    if (s->serve == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen(log_path, "w", stderr))
            _exit(126);
        execl(s->hub, s->hub, "-d", s->hub_dir, "serve", "--listen", listen, (char *)NULL);
        _exit(127);
    }
    const struct timespec tick = {0, 50000000L};
    for (int i = 0; s->serve > 0 && i < START_WAIT_S * 20; i++) {
        if (port_answers(s->port))
            return 0;
        if (waitpid(s->serve, NULL, WNOHANG) == s->serve) {
            s->serve = 0;
            break;
        }
        nanosleep(&tick, NULL);
    }
    fprintf(stderr, "%s: %s serve did not listen on %s; its log: %s\n", NAME, s->hub, listen,
            log_path);
    return SAE_EIO;
}

static void serve_stop(struct side *s)
{
    if (s->serve > 0) {
        kill(s->serve, SIGTERM);
        waitpid(s->serve, NULL, 0);
    }
    s->serve = 0;
}

/* User + system seconds process pid has used so far (/proc/PID/stat); 0 if unreadable. */
static double process_cpu_s(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    char *after = got ? strrchr(line, ')') : NULL;
    unsigned long long utime = 0, stime = 0;
    /* After the command's name: state and 10 more fields, then utime and stime. */
    if (!after || sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                         &utime, &stime) != 2)
        return 0;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- the post's reports ------------------------------------------------------------------ */

/* splitmix64: the same reports on every machine. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

#define PICK(rng, table) ((table)[rng_next(rng) % COUNT(table)])

static const char *const given[] = {"Siti", "Nur", "Dewi", "Sri", "Rina", "Ayu", "Fitri",
                                    "Lestari", "Aminah", "Khotimah", "Indah", "Putri", "Anisa"};
static const char *const family[] = {"Rahayu", "Handayani", "Wulandari", "Susanti", "Hasanah",
                                     "Fauziah", "Maulida", "Kurniawati", "Safitri", "Anggraini"};
static const char *const relative[] = {"suaminya", "ayah tirinya", "pamannya", "tetangganya",
                                       "pacarnya", "majikannya", "mantan suaminya"};
static const char *const act[] = {"memukul korban dengan tangan kosong",
                                  "menampar korban berkali-kali",
                                  "membentak dan mengancam akan membunuh korban",
                                  "mengunci korban di dalam kamar",
                                  "tidak memberikan uang belanja", "mengusir korban dari rumah"};
static const char *const manner[] = {"hingga korban menangis", "di depan anak-anaknya",
                                     "sampai tetangga datang melerai", "dalam keadaan mabuk",
                                     "berulang kali dalam sebulan terakhir"};
static const char *const effect[] = {"sulit tidur", "takut keluar rumah", "tidak nafsu makan",
                                     "sering menangis sendiri", "mimpi buruk hampir setiap malam"};
static const char *const violence[] = {"physical", "psychological", "sexual", "neglect",
                                       "physical", "psychological", "exploitation"};
static const char *const relation[] = {"spouse", "parent", "step_parent", "relative",
                                       "neighbour", "partner"};
static const char *const channel[] = {"walk_in", "walk_in", "phone", "whatsapp", "outreach"};
static const char *const location[] = {"household", "household", "school", "public_facility"};
static const char *const risk[] = {"low", "medium", "high"};

#define SETS_MAX 13
#define SET_BYTES 640

/* Report number i's FIELD=VALUE lines (bench_sync_link.py's kind of report). */
static size_t report_sets(uint64_t *rng, char sets[SETS_MAX][SET_BYTES])
{
    unsigned age = rng_next(rng) % 2 ? 5 + (unsigned)(rng_next(rng) % 13)
                                     : 18 + (unsigned)(rng_next(rng) % 43);
    unsigned month = 1 + (unsigned)(rng_next(rng) % 12), day = 1 + (unsigned)(rng_next(rng) % 28);
    size_t n = 0;
    snprintf(sets[n++], SET_BYTES, "violence_types=%s", PICK(rng, violence));
    snprintf(sets[n++], SET_BYTES, "victim_sex=%s", rng_next(rng) % 100 < 85 ? "F" : "M");
    snprintf(sets[n++], SET_BYTES, "intake_date=2025-%02u-%02u", month, day);
    snprintf(sets[n++], SET_BYTES, "incident_date=2025-%02u-%02u", month,
             day > 10 ? day - 10 : 1);
    snprintf(sets[n++], SET_BYTES, "victim_name=%s %s", PICK(rng, given), PICK(rng, family));
    snprintf(sets[n++], SET_BYTES, "victim_age=%u", age);
    snprintf(sets[n++], SET_BYTES, "intake_channel=%s", PICK(rng, channel));
    snprintf(sets[n++], SET_BYTES, "location_type=%s", PICK(rng, location));
    snprintf(sets[n++], SET_BYTES, "perpetrator_relation=%s", PICK(rng, relation));
    snprintf(sets[n++], SET_BYTES, "risk_level=%s", PICK(rng, risk));
    snprintf(sets[n++], SET_BYTES,
             "narrative=Korban (%u tahun) datang ke Rumah SAE didampingi ibunya. Menurut "
             "keterangan korban, %s %s %s. Sejak kejadian korban %s dan %s.",
             age, PICK(rng, relative), PICK(rng, act), PICK(rng, manner), PICK(rng, effect),
             PICK(rng, effect));
    if (rng_next(rng) % 2)
        snprintf(sets[n++], SET_BYTES, "consent_services=true");
    return n;
}

static int add_report(struct node_store *store, const struct sae_kind *kind, uint64_t *rng)
{
    char sets[SETS_MAX][SET_BYTES], id[SAE_ID_TEXT_LEN + 1];
    const char *set_list[SETS_MAX + 1];
    struct sae_message why = {{0}};
    size_t count = report_sets(rng, sets);
    for (size_t i = 0; i < count; i++)
        set_list[i] = sets[i];
    set_list[count] = NULL;
    int rc = change_set_journal_add(store, kind, set_list, id, &why);
    if (rc != 0)
        fprintf(stderr, "%s: adding a report: %s\n", NAME, why.text);
    return rc;
}

/* Every add is its own transaction (journal_add's); the post's durability while it records is
 * not what is measured, so this connection does not wait for the disk. */
static int write_reports(const char *post_dir, size_t reports)
{
    struct node_store *store = NULL;
    struct sae_message why = {{0}};
    const struct sae_kind *kind = NULL;
    uint64_t rng = SEED;
    int rc = sae_catalogue_find_kind("case", &kind);
    if (rc == 0)
        rc = node_store_open(post_dir, NODE_BUSY_TIMEOUT_MS_DEFAULT, &store, &why);
    if (rc == 0)
        rc = sae_db_exec(store->db, "PRAGMA synchronous = OFF");
    for (size_t r = 0; rc == 0 && r < reports; r++)
        rc = add_report(store, kind, &rng);
    if (rc != 0)
        fprintf(stderr, "%s: writing the post's reports: %s %s\n", NAME, sae_error_name(rc),
                why.text);
    node_store_close(store);
    return rc;
}

/* ---- one side: its hub, its post, the sync ------------------------------------------- */

static int side_paths(struct side *s, const char *root, const char *bin_dir)
{
    const char *dir = s->dir;
    if (snprintf(s->dir, sizeof s->dir, "%s/%s", root, s->label) >= (int)sizeof s->dir ||
        mkdir(dir, 0700) != 0)
        return SAE_EIO;
    snprintf(s->node, sizeof s->node, "%s/sae-node", bin_dir);
    snprintf(s->hub, sizeof s->hub, "%s/sae-hub", bin_dir);
    snprintf(s->hub_dir, sizeof s->hub_dir, "%s/hub", dir);
    snprintf(s->post_dir, sizeof s->post_dir, "%s/post", dir);
    snprintf(s->raw_path, sizeof s->raw_path, "%s/raw.db", dir);
    return access(s->node, X_OK) == 0 && access(s->hub, X_OK) == 0 ? 0 : SAE_EIO;
}

static int side_prepare(struct side *s, const char *root, const char *bin_dir, size_t reports)
{
    char bundle[PATH_MAX + 16], url[64], errors[PATH_MAX + 16];
    int rc = side_paths(s, root, bin_dir);
    if (rc != 0) {
        fprintf(stderr, "%s: no sae-node and sae-hub in %s\n", NAME, bin_dir);
        return rc;
    }
    snprintf(bundle, sizeof bundle, "%s/bundle.json", s->dir);
    snprintf(errors, sizeof errors, "%s/setup.err", s->dir);
    rc = free_port(&s->port);
    snprintf(url, sizeof url, "https://127.0.0.1:%u", s->port);
    char *const init_hub[] = {s->hub, "-d", s->hub_dir, "init", NULL};
    char *const add_node[] = {s->hub, "-d", s->hub_dir, "nodes", "add", VILLAGE, "--name",
                              "Laptop Pos Sumberanyar", "--url", url, "-o", bundle, NULL};
    char *const init_post[] = {s->node, "-d", s->post_dir, "init", "--village", VILLAGE, NULL};
    char *const author[] = {s->node, "-d", s->post_dir, "config", "author", AUTHOR, NULL};
    char *const enroll[] = {s->node, "-d", s->post_dir, "enroll", bundle, NULL};
    char *const *const steps[] = {init_hub, add_node, init_post, author, enroll};
    for (size_t i = 0; rc == 0 && i < COUNT(steps); i++)
        rc = run_program(steps[i], NULL, errors, NULL);
    return rc == 0 ? write_reports(s->post_dir, reports) : rc;
}

/* The post's sync --json answer on one line, kept for the report. */
static void read_json(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    int c;
    bool space = false;
    while (f && n + 1 < cap && (c = fgetc(f)) != EOF) {
        if (c == '\n' || c == ' ') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap && c != '}')
            out[n++] = ' ';
        space = false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    if (f)
        fclose(f);
}

static int count_rows(const char *dir, const char *file, const char *sql, long long *out)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else
        rc = SQLITE_ERROR;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : SAE_EDB;
}

/* A sync that left any of the post's changes behind would measure nothing. */
static int check_every_change_stored(struct side *s)
{
    long long journal = -1;
    int rc = count_rows(s->hub_dir, "hub.db", "SELECT count(*) FROM change", &s->hub_changes);
    if (rc == 0)
        rc = count_rows(s->post_dir, "node.db", "SELECT count(*) FROM journal", &journal);
    if (rc == 0 && journal != s->hub_changes) {
        fprintf(stderr, "%s [%s]: the post holds %lld changes, the hub %lld\n", NAME, s->label,
                journal, s->hub_changes);
        rc = SAE_EIO;
    }
    return rc;
}

static int side_sync(struct side *s)
{
    char log_path[PATH_MAX + 16], out[PATH_MAX + 16], errors[PATH_MAX + 16];
    snprintf(log_path, sizeof log_path, "%s/serve.log", s->dir);
    snprintf(out, sizeof out, "%s/sync.json", s->dir);
    snprintf(errors, sizeof errors, "%s/sync.err", s->dir);
    char *const argv[] = {s->node, "-d", s->post_dir, "sync", "--json", NULL};
    /* The posts were written without waiting for the disk: their pages go to it now, not
     * during the first side's sync. */
    sync();
    int rc = serve_start(s, log_path);
    double hub_cpu = rc == 0 ? process_cpu_s(s->serve) : 0, start = hb_now();
    if (rc == 0)
        rc = run_program(argv, out, errors, &s->post_cpu_s);
    s->sync_s = hb_now() - start;
    s->hub_cpu_s = rc == 0 ? process_cpu_s(s->serve) - hub_cpu : 0;
    serve_stop(s);
    read_json(out, s->sync_json, sizeof s->sync_json);
    return rc == 0 ? check_every_change_stored(s) : rc;
}

/* ---- the baseline ------------------------------------------------------------------------- */

/* The raw table: the change table's columns, untyped, keyed by its first (seq). */
static int raw_create(sqlite3 *raw, sqlite3_stmt *select, sqlite3_stmt **insert)
{
    int columns = sqlite3_column_count(select);
    char create[2048] = "CREATE TABLE change(", values[1024] = "";
    size_t used = strlen(create), vused = 0;
    for (int c = 0; c < columns && used < sizeof create - 128 && vused < sizeof values - 8;
         c++) {
        used += (size_t)snprintf(create + used, sizeof create - used, "%s%s%s", c ? ", " : "",
                                 sqlite3_column_name(select, c), c ? "" : " INTEGER PRIMARY KEY");
        vused += (size_t)snprintf(values + vused, sizeof values - vused, "%s?", c ? "," : "");
    }
    snprintf(create + used, sizeof create - used, ")");
    char sql[1200];
    snprintf(sql, sizeof sql, "INSERT INTO change VALUES (%s)", values);
    int rc = sqlite3_exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                          NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(raw, create, NULL, NULL, NULL);
    return rc == SQLITE_OK ? sqlite3_prepare_v2(raw, sql, -1, insert, NULL) : rc;
}

static int raw_copy_rows(sqlite3 *raw, sqlite3_stmt *select, sqlite3_stmt *insert)
{
    int columns = sqlite3_column_count(select), rc = SQLITE_OK, step;
    size_t in_transaction = 0;
    while (rc == SQLITE_OK && (step = sqlite3_step(select)) == SQLITE_ROW) {
        if (in_transaction == 0)
            rc = sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (int c = 0; rc == SQLITE_OK && c < columns; c++)
            rc = sqlite3_bind_value(insert, c + 1, sqlite3_column_value(select, c));
        if (rc == SQLITE_OK)
            rc = sqlite3_step(insert) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(insert);
        if (rc == SQLITE_OK && ++in_transaction == RAW_ROWS_PER_COMMIT) {
            rc = sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL);
            in_transaction = 0;
        }
    }
    if (rc == SQLITE_OK && in_transaction > 0)
        rc = sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL);
    return rc;
}

/* The hub's rows, all read into memory first, so the clock counts the inserts alone. */
static int side_raw(struct side *s)
{
    sqlite3 *hub = NULL, *mem = NULL, *raw = NULL;
    sqlite3_stmt *select = NULL, *insert = NULL;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/hub.db", s->hub_dir);
    int rc = sqlite3_open_v2(path, &hub, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_open(":memory:", &mem);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(hub, "SELECT * FROM change ORDER BY seq", -1, &select, NULL);
    if (rc == SQLITE_OK)
        rc = raw_create(mem, select, &insert);
    if (rc == SQLITE_OK)
        rc = raw_copy_rows(mem, select, insert);
    sqlite3_finalize(select);
    sqlite3_finalize(insert);
    select = insert = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(mem, "SELECT * FROM change ORDER BY seq", -1, &select, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_open(s->raw_path, &raw);
    if (rc == SQLITE_OK)
        rc = raw_create(raw, select, &insert);
    double start = hb_now();
    if (rc == SQLITE_OK)
        rc = raw_copy_rows(raw, select, insert);
    s->raw_s = hb_now() - start;
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: the raw insert: %s\n", NAME,
                sqlite3_errmsg(raw ? raw : mem ? mem : hub));
    sqlite3_finalize(select);
    sqlite3_finalize(insert);
    sqlite3_close(raw);
    sqlite3_close(mem);
    sqlite3_close(hub);
    return rc == SQLITE_OK ? 0 : SAE_EDB;
}

/* ---- the run -------------------------------------------------------------------------- */

static double load_average(void)
{
    double load = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf", &load) != 1)
        load = 0;
    if (f)
        fclose(f);
    return load;
}

static void side_print(const struct side *s, size_t reports, double load_before)
{
    double rate = (double)reports / s->sync_s, raw_rate = (double)reports / s->raw_s;
    printf("%s [%s]: %zu reports, %lld changes at the hub, in %.2f s = %.0f reports/s; raw "
           "insert of the same rows (%d a commit, WAL, FULL) %.2f s = %.0f reports/s; ratio "
           "%.3f (aim >= %.1f: %s); load average %.2f -> %.2f\n",
           NAME, s->label, reports, s->hub_changes, s->sync_s, rate, RAW_ROWS_PER_COMMIT,
           s->raw_s, raw_rate, rate / raw_rate, AIM, rate / raw_rate >= AIM ? "met" : "NOT met",
           load_before, load_average());
    printf("  where the time goes [%s]: post CPU %.2f s (%.0f%% of the wall), hub CPU %.2f s "
           "(%.0f%%), the rest waiting (disk syncs, a core, the other side); sync said %s\n",
           s->label, s->post_cpu_s, 100 * s->post_cpu_s / s->sync_s, s->hub_cpu_s,
           100 * s->hub_cpu_s / s->sync_s, s->sync_json);
}

/* The programs of this build: $SAE_NODE_BIN's directory, else build/ beside bench/. */
static void this_build(char *out, size_t cap)
{
    const char *node = getenv("SAE_NODE_BIN");
    char self[PATH_MAX / 4];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (node && node[0]) {
        snprintf(out, cap, "%s", node);
    } else if (n > 0) {
        self[n] = '\0';
        snprintf(out, cap, "%s", self);
        char *slash = strrchr(out, '/');
        if (slash)
            *slash = '\0';
    } else {
        snprintf(out, cap, "build/bench");
    }
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
}

int main(void)
{
    static struct side sides[2] = {{.label = "now"}, {.label = "before"}};
    char root[256], now_bin[PATH_MAX / 2];
    size_t reports = 0;
    const char *before = getenv("BENCH_BEFORE");
    size_t count = before && before[0] ? 2 : 1;
    if (hb_env_count("BENCH_REPORTS", getenv("BENCH_SMOKE") ? SMOKE_REPORTS : REPORTS_DEFAULT,
                     REPORTS_MAX, &reports) != 0) {
        fprintf(stderr, "%s: BENCH_REPORTS must be 1 to %d\n", NAME, REPORTS_MAX);
        return 2;
    }
    if (sodium_init() < 0 || hb_scratch_make("sae-bench-initial-sync", root, sizeof root) != 0)
        return 1;
    this_build(now_bin, sizeof now_bin);
    int rc = 0;
    double start = hb_now();
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = side_prepare(&sides[i], root, i ? before : now_bin, reports);
    if (rc == 0)
        printf("%s: %zu case reports written on %zu post(s) in %.1f s, before the clock "
               "starts\n", NAME, reports, count, hb_now() - start);
    /* Turn about: now, before; each sync followed by its own baseline on the same disk. */
    for (size_t i = 0; rc == 0 && i < count; i++) {
        double load = load_average();
        rc = side_sync(&sides[i]);
        if (rc == 0)
            rc = side_raw(&sides[i]);
        if (rc == 0)
            side_print(&sides[i], reports, load);
    }
    if (rc == 0 && count == 2)
        printf("%s: reports/s now / before %.3f; ratio to the raw insert now %.3f, before "
               "%.3f\n", NAME, sides[1].sync_s / sides[0].sync_s,
               sides[0].raw_s / sides[0].sync_s, sides[1].raw_s / sides[1].sync_s);
    for (size_t i = 0; i < count; i++)
        serve_stop(&sides[i]);
    hb_scratch_remove(root);
    return rc == 0 ? 0 : 1;
}
