/* The push half of a round: the post's own changes in bounded batches, each acknowledged
 * before the post moves its mark (sync_internal.h). */
#include "sync/sync_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sae/sae_db.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire.h"
#include "store/hub_copy.h"
#include "store/restamp.h"
#include "store/sync_state.h"

/* One batch on its way to the hub: read, encoded and sealed by the round's thread, posted by
 * a thread of its own, so that the round reads the next batch and records the previous
 * acknowledgement while the hub merges this one. One batch at a time is on the wire: the hub
 * sees them in seq order, as PROTOCOL.md section 6 asks. */
struct flight {
    struct sae_batch batch;
    uint8_t *sealed;
    size_t sealed_len;
    struct transport *transport;
    struct transport_response resp;
    int posted; /* transport_post's result */
    pthread_t thread;
    bool flying;
};

/* The own changes after seq `after` the hub has not acknowledged, within the batch limits
 * (count, and values within half the inflated limit), and the erasure cursor they were read
 * at: one snapshot, so the hub stores erased what a pull after it wipes here (PROTOCOL.md
 * §6). */
static int next_batch(struct round *r, int64_t after, struct sae_batch *batch)
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
        rc = sync_state_next_batch_after(r->store, after, SYNC_BATCH_CHANGES,
                                         r->limits.inflated_bytes / 2, batch->changes,
                                         &batch->change_count);
    /* A read: should COMMIT fail, ROLLBACK still ends it. */
    if (sae_db_commit(r->store->db) != 0)
        sae_db_rollback(r->store->db);
    return rc;
}

/* The batch after seq `after`, sealed; no changes in it: nothing is left to send. */
static int prepare(struct round *r, int64_t after, struct flight *f)
{
    uint8_t *plain = NULL;
    size_t len = 0;
    memset(f, 0, sizeof *f);
    f->batch.schema_version = SAE_WIRE_SCHEMA_VERSION;
    f->batch.origin = r->store->origin;
    int rc = next_batch(r, after, &f->batch);
    if (rc != 0 || f->batch.change_count == 0)
        return rc;
    f->batch.clock = sync_request_clock();
    rc = sae_batch_encode(&f->batch, &r->limits, &plain, &len);
    return rc == 0 ? sync_seal(r, SAE_MSG_PUSH_BATCH, plain, len, &f->sealed, &f->sealed_len)
                   : rc;
}

static void *post_batch(void *context)
{
    struct flight *f = context;
    f->posted = transport_post(f->transport, "/v1/push", f->sealed, f->sealed_len, &f->resp);
    return NULL;
}

/* Without a thread to spare, the batch is posted from this one. */
static void launch(struct round *r, struct flight *f)
{
    f->transport = r->transport;
    f->flying = pthread_create(&f->thread, NULL, post_batch, f) == 0;
    if (!f->flying)
        post_batch(f);
}

static void land(struct flight *f)
{
    if (f->flying)
        pthread_join(f->thread, NULL);
    f->flying = false;
}

static void flight_clear(struct flight *f)
{
    land(f);
    sae_wire_buffer_free(f->sealed, f->sealed_len);
    transport_response_clear(&f->resp);
    sae_wipe_free_changes(f->batch.changes, f->batch.change_count);
    memset(f, 0, sizeof *f);
}

static uint64_t last_seq(const struct flight *f)
{
    return f->batch.changes[f->batch.change_count - 1].seq;
}

static int open_ack(struct round *r, struct flight *f, struct sae_push_ack **ack)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    int rc = f->posted;
    if (rc == 0)
        rc = sync_answer(r, f->sealed_len, &f->resp, SAE_MSG_PUSH_ACK, &answer, &answer_len,
                         "changes");
    if (rc == 0)
        rc = sae_push_ack_decode(answer, answer_len, &r->limits, ack);
    sae_wire_buffer_free(answer, answer_len);
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
        rc = sync_observe_hub_clock(r, ack->hub_clock, ack->hub_time_ms);
    if (rc == 0)
        rc = hub_copy_set_hub_schema(r->store, ack->schema_version);
    rc = rc == 0 ? node_store_commit(r->store) : rc;
    if (rc != 0)
        node_store_rollback(r->store);
    r->result->set_aside += ack->refusal_count;
    for (size_t i = 0; i < ack->refusal_count; i++)
        r->result->held += ack->refusals[i].code == SAE_STATUS_CLOCK_AHEAD;
    return rc;
}

static void count_pushed(struct round *r, const struct flight *f, int64_t total)
{
    r->result->pushed += f->batch.change_count;
    r->result->batches++;
    if (r->result->progress)
        r->result->progress(r->result->progress_context, r->result->pushed,
                            total > 0 ? (size_t)total : r->result->pushed, r->result->bytes_sent);
}

/* The batch after the acknowledged mark, sent. */
static int launch_from_mark(struct round *r, struct flight *f)
{
    int64_t mark = 0;
    int rc = sync_state_acked_seq(r->store, &mark);
    if (rc == 0)
        rc = prepare(r, mark, f);
    if (rc == 0 && f->batch.change_count > 0)
        launch(r, f);
    return rc;
}

/* Batch by batch, each acknowledged before the mark moves past it (record_ack). The next
 * batch starts after the last seq sent and goes out only once the hub has acknowledged that
 * seq: a post killed at any moment sends again from its mark, and the hub answers what it
 * holds as a replay, so nothing is applied twice or lost. */
static int push_all(struct round *r)
{
    int64_t total = sync_pending_count(r->store);
    struct flight flights[2];
    struct flight *now = &flights[0], *next = &flights[1];
    memset(flights, 0, sizeof flights);
    int rc = launch_from_mark(r, now);
    while (rc == 0 && now->batch.change_count > 0) {
        uint64_t last = last_seq(now);
        int read = prepare(r, (int64_t)last, next);
        struct sae_push_ack *ack = NULL;
        land(now);
        rc = open_ack(r, now, &ack);
        bool ahead = rc == 0 && read == 0 && next->batch.change_count > 0 &&
                     ack->acked_seq >= last;
        if (ahead)
            launch(r, next);
        if (rc == 0)
            rc = record_ack(r, ack, last);
        if (rc == 0)
            count_pushed(r, now, total);
        sae_push_ack_free(ack);
        flight_clear(now);
        rc = rc == 0 ? read : rc;
        if (rc == 0 && !ahead) {
            flight_clear(next);
            rc = launch_from_mark(r, next);
        }
        struct flight *done = now;
        now = next;
        next = done;
    }
    flight_clear(now);
    flight_clear(next);
    return rc;
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
