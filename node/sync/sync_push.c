/* The push half of a round: the post's own changes in bounded batches, each acknowledged
 * before the post moves its mark (sync_internal.h). */
#include "sync/sync_internal.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire.h"
#include "store/restamp.h"
#include "store/sync_state.h"

/* The next own changes the hub has not acknowledged, within the batch limits (count, and
 * values within half the inflated limit), and the erasure cursor they were read at: one
 * snapshot, so the hub stores erased what a pull after it wipes here (PROTOCOL.md §6). */
static int next_batch(struct round *r, struct sae_batch *batch)
{
    batch->changes = calloc(SYNC_BATCH_CHANGES, sizeof *batch->changes);
    if (!batch->changes)
        return SAE_ENOMEM;
    int rc = sae_db_begin_read(r->store->db);
    if (rc != 0)
        return rc;
    rc = sync_state_erasure_cursor(r->store, &batch->erasure_cursor);
    batch->has_erasure_cursor = rc == 0;
    if (rc == 0)
        rc = sync_state_next_batch(r->store, SYNC_BATCH_CHANGES, r->limits.inflated_bytes / 2,
                                   batch->changes, &batch->change_count);
    /* A read: should COMMIT fail, ROLLBACK still ends it. */
    if (sae_db_commit(r->store->db) != 0)
        sae_db_rollback(r->store->db);
    return rc;
}

static int record_ack(struct round *r, const struct sae_push_ack *ack, uint64_t last_sent)
{
    uint64_t upto = ack->acked_seq < last_sent ? ack->acked_seq : last_sent;
    int rc = node_store_begin(r->store);
    if (rc != 0)
        return rc;
    rc = sync_state_record_ack(r->store, upto, ack->refusals, ack->refusal_count,
                               (int64_t)sae_wall_clock_ms());
    if (rc == 0)
        rc = sync_observe_answer(r, ack->schema_version, ack->hub_clock, ack->hub_time_ms);
    rc = rc == 0 ? node_store_commit(r->store) : rc;
    if (rc != 0)
        sync_rollback(r);
    r->result->set_aside += ack->refusal_count;
    for (size_t i = 0; i < ack->refusal_count; i++)
        r->result->held += ack->refusals[i].code == SAE_STATUS_CLOCK_AHEAD;
    return rc;
}

static int push_all(struct round *r)
{
    int64_t total = sync_pending_count(r->store);
    for (;;) {
        struct sae_batch batch = {.schema_version = SAE_WIRE_SCHEMA_VERSION,
                                  .origin = r->store->origin};
        struct sae_push_ack *ack = NULL;
        uint8_t *plain = NULL, *answer = NULL;
        size_t len = 0, answer_len = 0;
        int rc = next_batch(r, &batch);
        if (rc == 0 && batch.change_count == 0) {
            sae_wipe_free_changes(batch.changes, 0);
            return 0;
        }
        batch.clock = sync_request_clock();
        if (rc == 0)
            rc = sae_batch_encode(&batch, &r->limits, &plain, &len);
        if (rc == 0)
            rc = sync_exchange(r, "/v1/push", SAE_MSG_PUSH_BATCH, plain, len,
                               SAE_MSG_PUSH_ACK, &answer, &answer_len, "changes");
        if (rc == 0)
            rc = sae_push_ack_decode(answer, answer_len, &r->limits, &ack);
        sae_wire_buffer_free(answer, answer_len);
        if (rc == 0)
            rc = record_ack(r, ack, batch.changes[batch.change_count - 1].seq);
        if (rc == 0) {
            r->result->pushed += batch.change_count;
            r->result->batches++;
            if (r->result->progress)
                r->result->progress(r->result->progress_context, r->result->pushed,
                                    total > 0 ? (size_t)total : r->result->pushed,
                                    r->result->bytes_sent);
        }
        sae_push_ack_free(ack);
        sae_wipe_free_changes(batch.changes, batch.change_count);
        if (rc != 0)
            return rc;
    }
}

/* The test hook of sync.h: polled every tenth of a second. */
static void test_push_gate(void)
{
    const char *path = getenv(SYNC_ENV_TEST_PUSH_GATE);
    const struct timespec tick = {0, 100000000L};
    for (int i = 0; path && i < SYNC_TEST_PUSH_GATE_MAX_S * 10 && access(path, F_OK) == 0; i++)
        nanosleep(&tick, NULL);
}

/* Re-dates what the clock got wrong, pushes; once more if the hub held some of it (the
 * clock changed during the round). */
int sync_push_all(struct round *r)
{
    test_push_gate();
    for (int pass = 0; pass < 2; pass++) {
        size_t restamped = 0, held_before = r->result->held;
        int rc = restamp_pending(r->store, &restamped);
        r->result->restamped += restamped;
        if (rc == 0 && (pass == 0 || restamped > 0))
            rc = push_all(r);
        if (rc != 0 || r->result->held == held_before)
            return rc;
    }
    return 0;
}
