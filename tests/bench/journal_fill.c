/* journal_fill: writes reports into a post's journal as `sae-node add KIND` writes each one,
 * in one process: the store opened as a command opens it (the unclaimed storage key lent),
 * each report's FIELD=VALUE given to the node's own input code (a sensitive value through
 * a file, as --set-file) and written by journal_add in its own transaction, so that its
 * values are sealed at rest and its copies for the hub made (boxed once the hub reads
 * boxes) just as the command makes them. A benchmark's helper, not a benchmark: what it
 * saves is the process, the open and the durable sync of every report; the reports are
 * made durable once, at the end, before the caller measures anything.
 *
 * Usage: journal_fill DIR KIND < SETS
 * SETS: each report's FIELD=VALUE lines in the order `sae-node add` would be given them,
 * then an empty line. Prints each new report's id on a line, as `sae-node add` does. Exit 0;
 * 1 on a bad input or a report the journal refused (nothing after it is written); 2 on bad
 * arguments. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change_set.h"
#include "sae/sae_db.h"
#include "sae/sae_limits.h"
#include "store/node_store.h"
#include "store/storage_key.h"

#define NAME "journal_fill"
/* A line: a field's name, '=' and a value of at most the journal's text limit. */
#define LINE_MAX_BYTES (SAE_LIMIT_TEXT_BYTES + 128)
/* Sets of one report, at most what one command takes. */
#define SETS_MAX SAE_LIMIT_CHANGES_PER_COMMAND

struct report_sets {
    char *sets[SETS_MAX + 1]; /* NULL-terminated */
    size_t count;
};

static void report_sets_clear(struct report_sets *r)
{
    for (size_t i = 0; i < r->count; i++)
        free(r->sets[i]);
    r->count = 0;
    r->sets[0] = NULL;
}

/* Keeps line (len bytes, its newline cut) as the report's next set. */
static int report_sets_add(struct report_sets *r, const char *line, size_t len)
{
    if (r->count == SETS_MAX)
        return SAE_ETOOBIG;
    char *set = strndup(line, len);
    if (!set)
        return SAE_ENOMEM;
    r->sets[r->count++] = set;
    r->sets[r->count] = NULL;
    return 0;
}

static int write_report(struct node_store *store, const struct sae_kind *kind,
                        struct report_sets *r, size_t *written)
{
    char id[SAE_ID_TEXT_LEN + 1];
    struct sae_message why = {{0}};
    int rc = change_set_journal_add(store, kind, (const char *const *)r->sets, id, &why);
    if (rc == 0)
        printf("%s\n", id);
    else
        fprintf(stderr, "%s: report %zu was refused: %s %s\n", NAME, *written + 1,
                sae_error_name(rc), why.text);
    *written += rc == 0;
    report_sets_clear(r);
    return rc;
}

/* Every report of in, each in its own transaction; line: a buffer of LINE_MAX_BYTES + 2. */
static int fill(struct node_store *store, const struct sae_kind *kind, FILE *in, char *line,
                size_t *written)
{
    struct report_sets r = {.count = 0};
    int rc = 0;
    while (rc == 0 && fgets(line, LINE_MAX_BYTES + 2, in)) {
        size_t len = strlen(line);
        bool whole = len > 0 && line[len - 1] == '\n';
        len -= whole;
        if (len > LINE_MAX_BYTES || (!whole && !feof(in))) {
            fprintf(stderr, "%s: a line of report %zu is longer than %d bytes\n", NAME,
                    *written + 1, LINE_MAX_BYTES);
            rc = SAE_ETOOBIG;
        } else if (len > 0) {
            rc = report_sets_add(&r, line, len);
            if (rc == SAE_ETOOBIG)
                fprintf(stderr, "%s: report %zu has more than %d fields\n", NAME,
                        *written + 1, SETS_MAX);
        } else if (r.count > 0) {
            rc = write_report(store, kind, &r, written);
        }
    }
    if (rc == 0 && ferror(in)) {
        fprintf(stderr, "%s: cannot read the reports\n", NAME);
        rc = SAE_EIO;
    }
    if (rc == 0 && r.count > 0)
        rc = write_report(store, kind, &r, written);
    report_sets_clear(&r);
    return rc;
}

/* The reports are written without waiting for the disk each time (their durability while
 * they are written is not what a benchmark measures), then made durable at once: a
 * checkpoint at synchronous=FULL syncs the WAL and the file. */
static int fill_durably(struct node_store *store, const struct sae_kind *kind, size_t *written)
{
    char *line = malloc(LINE_MAX_BYTES + 2);
    if (!line)
        return SAE_ENOMEM;
    int rc = sae_db_exec(store->db, "PRAGMA synchronous = OFF");
    if (rc == 0)
        rc = fill(store, kind, stdin, line, written);
    free(line);
    int end = sae_db_exec(store->db, "PRAGMA synchronous = FULL");
    if (end == 0)
        end = sae_db_exec(store->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    return rc != 0 ? rc : end;
}

int main(int argc, char **argv)
{
    const struct sae_kind *kind = NULL;
    if (argc != 3 || sae_catalogue_find_kind(argv[2], &kind) != 0) {
        fprintf(stderr, "usage: %s DIR KIND < SETS (each report's FIELD=VALUE lines, then an "
                "empty line; KIND one of the catalogue's kinds)\n", NAME);
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "%s: libsodium did not start\n", NAME);
        return 1;
    }
    struct node_store *store = NULL;
    struct sae_message why = {{0}};
    size_t written = 0;
    int rc = node_store_open(argv[1], NODE_BUSY_TIMEOUT_MS_DEFAULT, &store, &why);
    if (rc == 0)
        rc = storage_key_lend_unclaimed(store);
    if (rc != 0)
        fprintf(stderr, "%s: cannot open the post in %s: %s %s\n", NAME, argv[1],
                sae_error_name(rc), why.text);
    if (rc == 0)
        rc = fill_durably(store, kind, &written);
    node_store_close(store);
    if (rc != 0)
        fprintf(stderr, "%s: %zu reports written before the error\n", NAME, written);
    return rc == 0 ? 0 : 1;
}
