/* Merge test helpers (merge_support.h). */

#include "merge_support.h"
#include "dir_copy.h"
#include "sae/sae_secure_mem.h"
#include "store/district_key.h"
#include "store/value_vault.h"

void device_key(uint8_t seed, uint8_t pk[crypto_box_PUBLICKEYBYTES], uint64_t *id)
{
    uint8_t sk[crypto_box_SECRETKEYBYTES], seed_bytes[crypto_box_SEEDBYTES];
    memset(seed_bytes, seed, sizeof seed_bytes);
    assert_int_equal(crypto_box_seed_keypair(pk, sk, seed_bytes), 0);
    assert_int_equal(sae_origin_from_public_key(pk, id), 0);
}

static const char *const village_of_device[] = {VILLAGE_SUMBERANYAR, VILLAGE_SUMBERANYAR,
                                                VILLAGE_SUMBERANYAR, VILLAGE_KALIBUNTU};

/* A hub as the fixture describes it, made in dir (which exists), and closed. */
static int hub_make(const char *dir, bool keyed)
{
    char path[128];
    struct hub_store *store = NULL;
    uint8_t pk[crypto_box_PUBLICKEYBYTES];
    uint64_t hub_id;
    snprintf(path, sizeof path, "%s/hub.db", dir);
    device_key(99, pk, &hub_id);
    int rc = hub_store_create(path, "Hub uji", pk, NULL);
    if (rc == 0)
        rc = hub_store_open(path, 1000, &store, NULL);
    for (int i = 0; rc == 0 && i < 4; i++) {
        struct hub_node node = {.enrolled_ms = NOW_MS};
        device_key((uint8_t)(i + 1), node.public_key, &node.id);
        snprintf(node.village, sizeof node.village, "%s", village_of_device[i]);
        snprintf(node.device_name, sizeof node.device_name, "Laptop Pos %c", 'A' + i);
        rc = hub_store_node_add(store, &node);
    }
    /* As init makes it: sensitive values are sealed to it. */
    if (rc == 0 && keyed)
        rc = district_key_ensure(store, dir);
    hub_store_close(store);
    return rc;
}

static const char *const hub_files[] = {"hub.db", "hub.db-wal", "hub.db-shm", "district.key",
                                        "duplicates.key",
                                        "values.key"};

static void hub_dir_remove(const char *dir)
{
    char path[192];
    for (size_t i = 0; i < COUNT(hub_files); i++) {
        snprintf(path, sizeof path, "%s/%s", dir, hub_files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* Each kind of hub is made once per process, into a template directory; every test opens a
 * copy of its files. Making one (the schema's migrations, the list of areas, fsyncs) was
 * most of the time of the tests that make a hub per case or per delivery order, many times
 * over under valgrind. */
static char hub_template[2][64];
static pid_t hub_template_owner;

/* Only by the process that made them: a child forked by a test exits through atexit too. */
static void hub_templates_remove(void)
{
    if (getpid() != hub_template_owner)
        return;
    for (int keyed = 0; keyed < 2; keyed++)
        if (hub_template[keyed][0])
            hub_dir_remove(hub_template[keyed]);
}

static const char *hub_template_for(bool keyed)
{
    static bool registered;
    char *dir = hub_template[keyed];
    if (dir[0])
        return dir;
    if (!registered) {
        assert_int_equal(atexit(hub_templates_remove), 0);
        hub_template_owner = getpid();
        registered = true;
    }
    snprintf(dir, sizeof hub_template[keyed], "/tmp/sae-merge-template-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(hub_make(dir, keyed), 0);
    return dir;
}

static struct hub_fixture *hub_copy_open(bool keyed)
{
    struct hub_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(sodium_init() >= 0, 1);
    snprintf(f->dir, sizeof f->dir, "/tmp/sae-merge-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/hub.db", f->dir);
    assert_int_equal(dir_copy_files(hub_template_for(keyed), f->dir), 0);
    assert_int_equal(hub_store_open(f->path, 1000, &f->store, NULL), 0);
    for (int i = 0; i < 4; i++) {
        uint8_t pk[crypto_box_PUBLICKEYBYTES];
        uint64_t id;
        device_key((uint8_t)(i + 1), pk, &id);
        f->devices[i] = (struct device){id, village_of_device[i], 1};
    }
    return f;
}

int hub_setup_bare(void **state)
{
    *state = hub_copy_open(false);
    return 0;
}

int hub_setup(void **state)
{
    struct hub_fixture *f = hub_copy_open(true);
    assert_int_equal(district_key_unclaimed(f->dir, &f->district_secret), 0);
    value_vault_lend(f->store, f->district_secret);
    *state = f;
    return 0;
}

int hub_teardown(void **state)
{
    struct hub_fixture *f = *state;
    hub_store_close(f->store);
    sae_secure_free(f->district_secret);
    hub_dir_remove(f->dir);
    free(f);
    return 0;
}

/* Who writes on devices A, B, C and D. */
static const char *const device_authors[] = {"Siti", "Rahma", "Nur", "Wati"};

static struct sae_change to_wire(struct hub_fixture *f, const struct test_change *t,
                                 uint64_t seq)
{
    struct sae_change c = {0};
    assert_int_equal(sae_id_parse(t->report, &c.report_id), 0);
    c.kind = sae_borrow(t->kind);
    c.field = sae_borrow(t->field);
    c.value = sae_borrow(t->value);
    c.version = (struct sae_version){t->hlc, f->devices[t->device].id};
    if (t->base_device >= 0)
        c.base = (struct sae_version){t->base_hlc, f->devices[t->base_device].id};
    c.seq = seq;
    c.seen_cursor = t->seen_cursor;
    c.author = sae_borrow(device_authors[t->device]);
    return c;
}

struct merge_outcome deliver_with_seqs(struct hub_fixture *f,
                                       const struct test_change *changes,
                                       size_t count, const uint64_t *seqs,
                                       int64_t now_ms, struct sae_push_ack **ack_out)
{
    struct sae_change wire[16];
    assert_true(count > 0 && count <= COUNT(wire));
    struct device *d = &f->devices[changes[0].device];
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(changes[i].device, changes[0].device);
        wire[i] = to_wire(f, &changes[i], seqs ? seqs[i] : d->next_seq++);
    }
    struct sae_batch batch = {.schema_version = 1, .origin = d->id, .clock = changes[0].hlc,
                              .changes = wire, .change_count = count};
    struct merge_sender sender = {d->id, d->village, 0, false};
    struct merge_options options = {now_ms, HUB_DRIFT_MS_DEFAULT};
    struct merge_outcome outcome;
    struct sae_push_ack *ack = NULL;
    assert_int_equal(merge_apply_batch(f->store, &sender, &batch, &options, &ack, &outcome), 0);
    assert_non_null(ack);
    if (ack_out)
        *ack_out = ack;
    else
        sae_push_ack_free(ack);
    return outcome;
}

struct merge_outcome deliver(struct hub_fixture *f, const struct test_change *changes,
                             size_t count)
{
    return deliver_with_seqs(f, changes, count, NULL, NOW_MS, NULL);
}

void deliver_fields(struct hub_fixture *f, int device, const char *id, const char *kind,
                    const char *const *fields)
{
    static sae_hlc last;
    struct test_change changes[16];
    char names[16][SAE_FIELD_ELEMENT_NAME_BYTES];
    size_t n = 0;
    last = last < MS(0) ? MS(0) : last + ((sae_hlc)1000 << 16);
    for (; fields[n]; n++) {
        const char *eq = strchr(fields[n], '=');
        assert_true(n < COUNT(changes) && eq != NULL);
        snprintf(names[n], sizeof names[n], "%.*s", (int)(eq - fields[n]), fields[n]);
        changes[n] = (struct test_change){device, id, kind, names[n], eq + 1, last, -1, 0, 0};
    }
    assert_int_equal(deliver(f, changes, n).applied, n);
}

int64_t hub_count(struct hub_fixture *f, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(sae_db_query_int(f->store->db, NULL, sql, NULL, 0, &n), 0);
    return n;
}

/* Appends the rows of a query, one line each, to a growing string. */
static void append_rows(struct hub_fixture *f, const char *sql, char **text, size_t *len)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->store->db, sql, -1, &stmt, NULL), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const unsigned char *row = sqlite3_column_text(stmt, 0);
        size_t n = strlen((const char *)row);
        char *grown = realloc(*text, *len + n + 2);
        assert_non_null(grown);
        *text = grown;
        memcpy(*text + *len, row, n);
        (*text)[*len + n] = '\n';
        *len += n + 1;
        (*text)[*len] = '\0';
    }
    sqlite3_finalize(stmt);
}

char *state_fingerprint(struct hub_fixture *f)
{
    char *text = calloc(1, 1);
    size_t len = 0;
    assert_non_null(text);
    append_rows(f,
                "SELECT s.report_id || ' ' || s.field || ' = '"
                " || coalesce(revealed(c.seq, c.value), '(unset)')"
                " || ' @' || c.version || '/' || c.origin FROM field_state s"
                " JOIN change c ON c.seq = s.change ORDER BY s.report_id, s.field",
                &text, &len);
    append_rows(f,
                "SELECT 'conflict ' || k.report_id || ' ' || k.field || ' ' || k.severity || ' '"
                " || k.reason || ' [' || (SELECT group_concat(v, ' ') FROM (SELECT c.version ||"
                " '/' || c.origin AS v FROM conflict_candidate x JOIN change c ON c.seq ="
                " x.change WHERE x.conflict = k.id ORDER BY c.version, c.origin)) || ']'"
                " FROM conflict k WHERE k.status = 'open' ORDER BY k.report_id, k.field",
                &text, &len);
    /* What the posts are told: each field's last review state, while it is open. */
    append_rows(f,
                "SELECT 'review ' || v.report_id || ' ' || v.field || ' stands ' || s.version"
                " || '/' || s.origin || ' latest ' || l.version || '/' || l.origin"
                " FROM review v JOIN change s ON s.seq = v.standing"
                " JOIN change l ON l.seq = v.latest WHERE v.open AND v.seq = (SELECT max(seq)"
                " FROM review w WHERE w.report_id = v.report_id AND w.field = v.field)"
                " ORDER BY v.report_id, v.field",
                &text, &len);
    return text;
}

/* The current value of a field ("(unset)" or "(none)"); malloc'd. */
static char *winner_value(struct hub_fixture *f, const char *report, const char *field)
{
    sqlite3_stmt *stmt = NULL;
    char *out = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->store->db,
                                        "SELECT coalesce(revealed(c.seq, c.value), '(unset)')"
                                        " FROM field_state s JOIN change c ON c.seq = s.change"
                                        " WHERE s.report_id = ?1 AND s.field = ?2",
                                        -1, &stmt, NULL), SQLITE_OK);
    sqlite3_bind_text(stmt, 1, report, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, field, -1, SQLITE_STATIC);
    out = strdup(sqlite3_step(stmt) == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0)
                                                   : "(none)");
    sqlite3_finalize(stmt);
    assert_non_null(out);
    return out;
}

void assert_winner(struct hub_fixture *f, const char *report, const char *field,
                   const char *want)
{
    char *got = winner_value(f, report, field);
    if (strcmp(got, want) != 0)
        print_error("%s %s: want %s, got %s\n", report, field, want, got);
    assert_string_equal(got, want);
    free(got);
}

/* The field's last review row as "open|closed standing-value latest-value" ("-" for unset,
 * "none" for no row); malloc'd. */
static char *last_review(struct hub_fixture *f, const char *report, const char *field)
{
    sqlite3_stmt *stmt = NULL;
    char text[128] = "none";
    assert_int_equal(sqlite3_prepare_v2(f->store->db,
        "SELECT iif(v.open, 'open', 'closed') || ' ' || coalesce(s.value, '-') || ' ' ||"
        " coalesce(l.value, '-') FROM review v LEFT JOIN change s ON s.seq = v.standing"
        " LEFT JOIN change l ON l.seq = v.latest WHERE v.report_id = ?1 AND v.field = ?2"
        " ORDER BY v.seq DESC LIMIT 1", -1, &stmt, NULL), SQLITE_OK);
    sqlite3_bind_text(stmt, 1, report, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, field, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        snprintf(text, sizeof text, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    char *out = strdup(text);
    assert_non_null(out);
    return out;
}

void assert_review(struct hub_fixture *f, const char *report, const char *field,
                   const char *want)
{
    char *got = last_review(f, report, field);
    if (strcmp(got, want) != 0)
        print_error("review of %s: want %s, got %s\n", field, want, got);
    assert_string_equal(got, want);
    free(got);
}
