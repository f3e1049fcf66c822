/* A revoked device's wipe (node_wipe.h). */
#include "store/node_wipe.h"
#include "store/journal_wipe.h"

#include <stdlib.h>
#include <time.h>

#include "sae/sae_db.h"
#include "sae/sae_derived.h"
#include "store/hub_link.h"
#include "store/journal.h"
#include "store/node_meta.h"
#include "store/node_staff.h"
#include "store/storage_key.h"
#include "store/sync_state.h"

int node_wipe_state(struct node_store *store, struct node_wipe_state *out)
{
    struct node_wipe_state state = {0};
    int64_t done = 0;
    int rc = sae_db_meta_int(store->db, NODE_META_REVOKED_MS, &state.revoked_ms);
    if (rc == SAE_ENOTFOUND) {
        *out = state;
        return 0;
    }
    if (rc == 0)
        rc = sae_db_meta_int(store->db, NODE_META_WIPE_DONE, &done);
    if (rc == SAE_ENOTFOUND)
        rc = 0; /* revoked_ms is written with wipe_done: only a damaged file lacks it */
    if (rc == 0) {
        state.revoked = true;
        state.done = done == 1;
        *out = state;
    }
    return rc;
}

/* Step 1: the wipe is pending, in the file, before anything is destroyed. */
static int record_pending(struct node_store *store, int64_t revoked_ms)
{
    struct node_wipe_state state;
    int rc = node_store_begin(store);
    if (rc == 0)
        rc = node_wipe_state(store, &state);
    if (rc == 0 && !state.revoked)
        rc = sae_db_set_meta_int(store->db, NODE_META_REVOKED_MS, revoked_ms);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, NODE_META_WIPE_DONE, 0);
    rc = rc == 0 ? node_store_commit(store) : rc;
    if (rc != 0)
        node_store_rollback(store);
    return rc;
}

/* Test hook (node_wipe.h): the moment a test SIGKILLs a wipe in the middle. */
static void test_pause(void)
{
    const char *text = getenv(NODE_WIPE_ENV_TEST_PAUSE_S);
    char *end = NULL;
    long seconds = text ? strtol(text, &end, 10) : 0;
    if (!text || !end || *end != '\0' || seconds < 1 || seconds > NODE_WIPE_TEST_PAUSE_MAX_S)
        return;
    struct timespec pause = {seconds, 0};
    while (nanosleep(&pause, &pause) != 0)
        ;
}

/* Step 2: the values and keys in node.db, all or none. */
static int wipe_rows(struct node_store *store)
{
    int rc = node_store_begin(store);
    if (rc == 0)
        rc = journal_wipe_sensitive(store);
    if (rc == 0)
        rc = sync_state_wipe_free_text(store);
    if (rc == 0)
        rc = node_staff_wipe_keys(store);
    if (rc == 0)
        rc = hub_link_forget_token(store);
    rc = rc == 0 ? node_store_commit(store) : rc;
    if (rc != 0)
        node_store_rollback(store);
    return rc;
}

int node_wipe_run(struct node_store *store, int64_t revoked_ms)
{
    int rc = record_pending(store, revoked_ms);
    if (rc == 0)
        test_pause();
    if (rc == 0)
        rc = wipe_rows(store);
    if (rc == 0)
        rc = storage_key_destroy_unclaimed(store);
    if (rc == 0)
        rc = node_store_forget_device_key(store);
    if (rc == 0)
        rc = node_store_scrub(store);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, NODE_META_WIPE_DONE, 1);
    if (rc == 0)
        rc = node_store_reset_wal(store);
    return rc;
}

int node_wipe_resume(struct node_store *store)
{
    struct node_wipe_state state;
    int rc = node_wipe_state(store, &state);
    if (rc != 0 || !state.revoked || state.done)
        return rc;
    return node_wipe_run(store, state.revoked_ms);
}

void node_wipe_explain(const struct node_wipe_state *state, struct sae_message *why)
{
    char date[11] = "";
    sae_date_today(state->revoked_ms, date);
    if (state->done)
        sae_message_set(why, "this device was revoked by the district on %s (WIB); survivors' "
                        "data on it was wiped; contact the district", date);
    else
        sae_message_set(why, "this device was revoked by the district on %s (WIB); the wipe of "
                        "survivors' data on it did not finish and runs again at the next "
                        "command; contact the district", date);
}
