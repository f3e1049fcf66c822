/* Possible duplicates prepared in the background: when the console starts, a thread of its
 * own (and a connection of its own) builds the proposed pairs (store/dup_pairs.h; minutes
 * for a first build of 100,000 cases), so that no page waits for it, then brings them up to
 * date every DUP_PREPARE_INTERVAL_S with the cases that arrived meanwhile. The duplicates'
 * page says the list is being prepared until the first build is done. */
#ifndef HUB_DUP_PREPARE_H
#define HUB_DUP_PREPARE_H

#include <stdbool.h>

/* Seconds between two refreshes of the pairs after the first build. */
#define DUP_PREPARE_INTERVAL_S 30
/* The pause between two chunks of a build, in which the console's writes go first. */
#define DUP_PREPARE_PAUSE_MS 50
/* How long a page waits for a first build before it says "being prepared" (a small hub's
 * build is done well within it). */
#define DUP_PREPARE_WAIT_MS 2000

struct dup_prepare;

/* Starts preparing the pairs of hub.db at db_path, with the key file in dir. */
int dup_prepare_start(const char *db_path, const char *dir, int busy_timeout_ms,
                      struct dup_prepare **out);
/* Whether the first build is done (or ended in an error, which the page's own refresh then
 * reports), waiting at most wait_ms for it. */
bool dup_prepare_ready(struct dup_prepare *p, int wait_ms);
/* Stops between two chunks of a build and waits for the thread. NULL is fine. */
void dup_prepare_stop(struct dup_prepare *p);

#endif
