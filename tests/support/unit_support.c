/* Journal test helpers (unit_support.h). */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>

#include "unit_support.h"

#include "change_set.h"
#include "sae/sae_borrow.h"
#include "sae/sae_wire.h"
#include "sae/sae_secure_mem.h"
#include "store/storage_key.h"
#include "store/sync_state.h"

static int unit_remove_entry(const char *path, const struct stat *st, int flag,
                             struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void unit_path(const char *dir, const char *name, char out[PATH_MAX])
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    assert_true(n > 0 && n < PATH_MAX);
}

void unit_dir_make(struct unit_dir *d)
{
    snprintf(d->root, sizeof d->root, "/tmp/sae-unit-XXXXXX");
    assert_non_null(mkdtemp(d->root));
    unit_path(d->root, "post", d->dir);
}

void unit_dir_remove(struct unit_dir *d)
{
    /* The directory may have been made unreadable by a permission test. */
    chmod(d->dir, 0700);
    assert_int_equal(nftw(d->root, unit_remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

struct node_store *unit_open(const char *dir, int busy_timeout_ms)
{
    struct node_store *store = NULL;
    struct sae_message why = {{0}};
    int rc = node_store_open(dir, busy_timeout_ms, &store, &why);
    if (rc != 0)
        print_error("node_store_open: %d %s\n", rc, why.text);
    assert_int_equal(rc, 0);
    return store;
}

/* A freshly initialised node directory of Sumberanyar, its changes by UNIT_AUTHOR, opened. */
static struct node_store *unit_create_open(struct unit_dir *d)
{
    struct sae_message why = {{0}};
    unit_dir_make(d);
    int rc = node_store_create(d->dir, "Desa Sumberanyar", &why);
    if (rc != 0)
        print_error("node_store_create: %d %s\n", rc, why.text);
    assert_int_equal(rc, 0);
    struct node_store *store = unit_open(d->dir, NODE_BUSY_TIMEOUT_MS_DEFAULT);
    assert_int_equal(node_config_set_author(store, UNIT_AUTHOR), 0);
    return store;
}

int unit_setup(void **state)
{
    struct unit_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->store = unit_create_open(&f->d);
    *state = f;
    return 0;
}

int unit_teardown(void **state)
{
    struct unit_fixture *f = *state;
    node_store_close(f->store);
    unit_dir_remove(&f->d);
    free(f);
    return 0;
}

mode_t unit_mode_of(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    unit_path(dir, name, path);
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

bool unit_file_holds(const char *path, const void *bytes, size_t len)
{
    FILE *file = fopen(path, "rb");
    bool found = false;
    if (!file)
        return false;
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long size = ftell(file);
    assert_true(size >= 0);
    unsigned char *all = malloc((size_t)size + 1);
    assert_non_null(all);
    rewind(file);
    assert_int_equal(fread(all, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    for (size_t i = 0; !found && len <= (size_t)size && i <= (size_t)size - len; i++)
        found = memcmp(all + i, bytes, len) == 0;
    free(all);
    return found;
}

void unit_write_file(const char *path, const void *bytes, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

const struct sae_kind *unit_kind(const char *name)
{
    const struct sae_kind *kind = NULL;
    assert_int_equal(sae_catalogue_find_kind(name, &kind), 0);
    return kind;
}

void unit_changes(struct node_store *store, struct change_input *input,
                  const char *kind, const char *const *sets)
{
    change_input_init(input, unit_kind(kind));
    for (size_t i = 0; sets[i]; i++) {
        struct sae_message why = {{0}};
        int rc = change_set_add(store, input, sets[i], &why);
        if (rc != 0)
            print_error("change_input_add %s: %d %s\n", sets[i], rc, why.text);
        assert_int_equal(rc, 0);
    }
}

int unit_try_add(struct node_store *store, const char *kind,
                 const char *const *sets, char id[SAE_ID_TEXT_LEN + 1],
                 struct sae_message *why)
{
    struct change_input input;
    unit_changes(store, &input, kind, sets);
    int rc = change_input_complete(&input, why);
    if (rc == 0)
        rc = journal_add(store, input.kind, input.changes, input.count, id, why);
    change_input_free(&input);
    return rc;
}

void unit_add(struct node_store *store, const char *kind, const char *const *sets,
              char id[SAE_ID_TEXT_LEN + 1])
{
    struct sae_message why = {{0}};
    int rc = unit_try_add(store, kind, sets, id, &why);
    if (rc != 0)
        print_error("journal_add: %d %s\n", rc, why.text);
    assert_int_equal(rc, 0);
}

void unit_add_case(struct node_store *store, char id[SAE_ID_TEXT_LEN + 1])
{
    static const char *const sets[] = {"violence_types=physical", "victim_sex=F",
                                       "victim_age=7", "intake_date=2026-11-01", NULL};
    unit_add(store, "case", sets, id);
}

int unit_try_edit(struct node_store *store, const char *id, const char *kind,
                  const char *const *sets, size_t *applied,
                  struct sae_message *why)
{
    struct change_input input;
    unit_changes(store, &input, kind, sets);
    int rc = journal_edit(store, id, input.changes, input.count, applied, why);
    change_input_free(&input);
    return rc;
}

int unit_sql(struct node_store *store, const char *sql)
{
    return sqlite3_exec(store->db, sql, NULL, NULL, NULL);
}

int64_t unit_count(struct node_store *store, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

int64_t unit_journal_rows(struct node_store *store)
{
    return unit_count(store, "SELECT count(*) FROM journal");
}

static int unit_collect_history(const struct history_entry *e, void *context)
{
    struct unit_history *h = context;
    assert_true(h->count < COUNT(h->at));
    snprintf(h->at[h->count].field, sizeof h->at[0].field, "%s", e->field);
    snprintf(h->at[h->count].value, sizeof h->at[0].value, "%s", e->value ? e->value : "");
    h->at[h->count].unset = e->value == NULL;
    h->at[h->count].version = e->version;
    h->at[h->count].base = e->base;
    h->count++;
    return 0;
}

struct unit_history unit_history_of(struct node_store *store, const char *id)
{
    struct unit_history h;
    memset(&h, 0, sizeof h);
    assert_int_equal(report_history(store, id, unit_collect_history, &h), 0);
    return h;
}

void unit_edit(struct node_store *store, const char *id, const char *const *sets,
               size_t want_applied)
{
    struct sae_message why = {{0}};
    size_t applied = 99;
    assert_int_equal(unit_try_edit(store, id, "case", sets, &applied, &why), 0);
    assert_int_equal(applied, want_applied);
}

void unit_unset(struct node_store *store, const char *id, const char *name,
                size_t want_applied)
{
    struct change_input input;
    struct sae_message why = {{0}};
    size_t applied = 99;
    change_input_init(&input, unit_kind("case"));
    assert_int_equal(change_input_add(&input, store, CHANGE_UNSET, name, &why), 0);
    assert_int_equal(journal_edit(store, id, input.changes, input.count, &applied, &why), 0);
    change_input_free(&input);
    assert_int_equal(applied, want_applied);
}

void unit_review(struct node_store *store, const char *id, const char *field, bool open,
                 struct sae_version standing, struct sae_version latest)
{
    struct sae_review r = {.field = sae_borrow(field), .open = open, .standing = standing,
                           .latest = latest};
    assert_int_equal(sae_id_parse(id, &r.report_id), 0);
    assert_int_equal(node_store_begin(store), 0);
    assert_int_equal(sync_state_apply_review(store, &r), 0);
    assert_int_equal(node_store_commit(store), 0);
}

unsigned char *unit_lend(struct node_store *store)
{
    unsigned char *secret = NULL;
    assert_int_equal(storage_key_unclaimed(store, &secret), 0);
    node_store_lend_secret(store, secret);
    return secret;
}

void unit_unlend(struct node_store *store, unsigned char *secret)
{
    node_store_lend_secret(store, NULL);
    sae_secure_free(secret);
}
