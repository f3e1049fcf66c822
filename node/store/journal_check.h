/* `sae-node check`: proves that the derived state equals a replay of the journal, that the
 * database file is intact, and that every journal value is valid for the catalogue. */
#ifndef JOURNAL_CHECK_H
#define JOURNAL_CHECK_H

#include <stdint.h>

#include "store/node_store.h"

struct journal_check_result {
    int64_t changes_checked;
    int64_t reports_checked;
    int64_t problems;
    char first_problem[SAE_MESSAGE_BYTES]; /* empty when problems == 0 */
};

/* Runs every check; returns 0 when they could run (problems counts what they found). */
int journal_check(struct node_store *store, struct journal_check_result *out);

#endif
