/* A post's journal as the benchmarks open it (bench_journal.c, bench_at_rest.c).
 *
 * Built into libsae-test.a. */
#ifndef SAE_BENCH_POST_H
#define SAE_BENCH_POST_H

#include <stdbool.h>

#include "store/node_store.h"
#include "sae/sae_error.h"

/* Creates and opens a post's journal in dir for village, its changes by author. enrolled:
 * it also holds a bundle's hub key (the public half of a fresh pair, whose secret is wiped),
 * so journal_add seals the hub's copy of every sensitive value as a post with a bundle does.
 * Close *out with node_store_close (also on failure, when set). */
int bench_post_open(const char *dir, const char *village, const char *author, bool enrolled,
                    struct node_store **out, struct sae_message *why);

#endif
