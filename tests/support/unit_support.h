/* Helpers shared by the journal unit tests: real temporary directories, a node store in
 * them, reports recorded through the same validation path the CLI uses, and direct SQL on
 * the journal file for tampering.
 * Built into libsae-test.a; failures are cmocka assertions. */
#ifndef UNIT_SUPPORT_H
#define UNIT_SUPPORT_H

#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/change_input.h"
#include "store/journal.h"
#include "store/node_config.h"
#include "store/node_store.h"
#include "store/report_read.h"
#include "sae/sae_catalogue.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A temporary root (from mkdtemp) and the node directory inside it. */
struct unit_dir {
    char root[64];
    char dir[PATH_MAX];
};

/* dir/name as a path. */
void unit_path(const char *dir, const char *name, char out[PATH_MAX]);

void unit_dir_make(struct unit_dir *d);

void unit_dir_remove(struct unit_dir *d);

struct node_store *unit_open(const char *dir, int busy_timeout_ms);

/* Who the fixture's changes are by (its default author, sae-node config author). */
#define UNIT_AUTHOR "Siti"

/* The fixture of tests that need an initialised, open node directory. */
struct unit_fixture {
    struct unit_dir d;
    struct node_store *store;
};

int unit_setup(void **state);

int unit_teardown(void **state);

/* Permission bits of dir/name. */
mode_t unit_mode_of(const char *dir, const char *name);

/* Whether the file at path holds bytes anywhere in its raw contents (false when it does not
 * exist): a secret looked for in a database, its -wal, a backup. */
bool unit_file_holds(const char *path, const void *bytes, size_t len);

void unit_write_file(const char *path, const void *bytes, size_t len, mode_t mode);

const struct sae_kind *unit_kind(const char *name);

/* Fills input with --set options (NULL-terminated list), as the CLI would. */
void unit_changes(struct node_store *store, struct change_input *input,
                  const char *kind, const char *const *sets);

/* Records a report through change_input + journal_add; returns journal_add's result. */
int unit_try_add(struct node_store *store, const char *kind,
                 const char *const *sets, char id[SAE_ID_TEXT_LEN + 1],
                 struct sae_message *why);

void unit_add(struct node_store *store, const char *kind, const char *const *sets,
              char id[SAE_ID_TEXT_LEN + 1]);

/* A case with the required fields and an age. */
void unit_add_case(struct node_store *store, char id[SAE_ID_TEXT_LEN + 1]);

/* Edits report id with --set options; returns journal_edit's result. */
int unit_try_edit(struct node_store *store, const char *id, const char *kind,
                  const char *const *sets, size_t *applied,
                  struct sae_message *why);

/* Runs SQL on the journal file through SQLite directly (for tampering); returns the
 * SQLite result code. */
int unit_sql(struct node_store *store, const char *sql);

int64_t unit_count(struct node_store *store, const char *sql);

int64_t unit_journal_rows(struct node_store *store);

/* The journal entries of one report, copied out of report_history's visitor. */
struct unit_history {
    size_t count;
    struct {
        char field[32];
        char value[64];
        bool unset;
        struct sae_version version, base;
    } at[64];
};

struct unit_history unit_history_of(struct node_store *store, const char *id);

/* Edits a case; the number of changes that were not skipped must be want_applied. */
void unit_edit(struct node_store *store, const char *id, const char *const *sets,
               size_t want_applied);

/* Unsets a field of a case, likewise. */
void unit_unset(struct node_store *store, const char *id, const char *name,
                size_t want_applied);

/* Records the district's review of report id's field as a pull does (sync_state), in its
 * own transaction: open with the version that stands meanwhile and the latest, or closed. */
void unit_review(struct node_store *store, const char *id, const char *field, bool open,
                 struct sae_version standing, struct sae_version latest);

/* Lends store the post's unclaimed storage secret, as a signed-in reader's key is lent
 * (node_store_lend_secret); give it back with unit_unlend. */
unsigned char *unit_lend(struct node_store *store);
void unit_unlend(struct node_store *store, unsigned char *secret);

#endif
