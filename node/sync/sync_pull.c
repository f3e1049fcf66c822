/* The pull half of a round: the hub's answers, each applied in one transaction with its
 * cursors (sync_internal.h). */
#include "sync/sync_internal.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_version.h"
#include "sae/sae_wire.h"
#include "store/erasure_apply.h"
#include "store/pulled_value.h"
#include "store/sync_state.h"

/* The hub's announced keys replace the post's (the answer opened with the hub's own box
 * key, so the announcement is the hub's): a key prepared for a roll is trusted before the
 * hub serves it, and a retired one is forgotten. Stored with the pull's changes; the
 * transport takes them after the commit. */
static int take_pins(struct round *r, const struct sae_pull_response *response,
                     char announced[SAE_PINS_TEXT_BYTES])
{
    announced[0] = '\0';
    if (response->tls_pin_count == 0)
        return 0;
    int rc = sae_pins_format(response->tls_pins, response->tls_pin_count, announced,
                             SAE_PINS_TEXT_BYTES);
    if (rc == 0 && strcmp(announced, r->pins) == 0)
        announced[0] = '\0';
    if (rc == 0 && announced[0])
        rc = hub_link_save_pins(r->store, announced);
    return rc;
}

/* The staff are told what to do when a copy is sealed to another key. */
static int apply_changes(struct round *r, const struct sae_pull_response *response)
{
    size_t pulled = 0, granted = 0;
    int rc = pulled_value_apply(r->store, response, &pulled, &granted);
    r->result->pulled += pulled;
    r->result->granted += granted;
    if (rc == SAE_EPERM)
        sae_message_set(r->why, "the hub sent a value sealed to another key than this post's "
                        "storage key; nothing of its answer was kept: ask the district to "
                        "check this device in sae-hub nodes list, and enroll this post again "
                        "with a new bundle if the key differs");
    return rc;
}

static int apply_pulled(struct round *r, const struct sae_pull_response *response)
{
    char announced[SAE_PINS_TEXT_BYTES];
    int rc = node_store_begin(r->store);
    if (rc != 0)
        return rc;
    rc = apply_changes(r, response);
    /* After the changes: a review names versions the answer (or an earlier one) brought. */
    for (size_t i = 0; rc == 0 && i < response->review_count; i++)
        rc = sync_state_apply_review(r->store, &response->reviews[i]);
    if (rc == 0)
        rc = sync_state_set_pull_cursor(r->store, response->next_cursor);
    if (rc == 0)
        rc = sync_state_set_review_cursor(r->store, response->next_review_cursor);
    if (rc == 0)
        rc = sync_state_set_grant_cursor(r->store, response->next_grant_cursor);
    /* Last: an erasure wipes the report's values this answer (or an earlier one) brought. */
    int64_t wiped = 0;
    if (rc == 0)
        rc = erasure_apply(r->store, response->erased, response->erased_count, &wiped);
    if (rc == 0)
        rc = sync_state_set_erasure_cursor(r->store, response->next_erasure_cursor);
    bool lowered = false;
    if (rc == 0 && response->has_held_seq)
        rc = sync_state_observe_held_seq(r->store, response->held_seq, &lowered);
    r->result->resent_after_restore |= lowered;
    if (rc == 0)
        rc = sync_observe_answer(r, response->schema_version, response->hub_clock,
                                 response->hub_time_ms);
    if (rc == 0)
        rc = take_pins(r, response, announced);
    rc = rc == 0 ? node_store_commit(r->store) : rc;
    if (rc != 0) {
        sync_rollback(r);
        return rc;
    }
    r->result->erased += (size_t)wiped;
    /* The wiped values' older pages stay in the WAL until it is emptied. */
    if (wiped > 0)
        rc = erasure_apply_scrub(r->store);
    if (rc == 0 && announced[0]) {
        memcpy(r->pins, announced, sizeof r->pins);
        rc = transport_set_pins(r->transport, announced);
    }
    return rc;
}

/* What the district's Posts page shows of this post: its program, and how many of its own
 * changes wait to be sent (only the post knows), as of this request. */
static int report_self(struct round *r, struct sae_pull_request *request)
{
    int64_t pending = 0;
    int rc = sync_state_pending_count(r->store, &pending);
    if (rc == 0) {
        request->pending = (uint64_t)(pending > 0 ? pending : 0);
        snprintf(request->program, sizeof request->program, "sae-node %s", SAE_VERSION_STRING);
    }
    return rc;
}

/* A cursor the hub does not recognise (its files were put back from an older copy) is
 * answered DECODE_FAILED: the post pulls again from 0, once a round (PROTOCOL.md section 6);
 * what it holds already is skipped. */
static bool restart_from_zero(struct round *r, int rc, const struct sae_pull_request *request)
{
    if (rc != SAE_EINVAL || r->refused_code != SAE_STATUS_DECODE_FAILED ||
        r->pulled_from_zero ||
        (request->cursor == 0 && request->review_cursor == 0 && request->grant_cursor == 0 &&
         request->erasure_cursor == 0))
        return false;
    int done = node_store_begin(r->store);
    if (done == 0)
        done = sync_state_set_pull_cursor(r->store, 0);
    if (done == 0)
        done = sync_state_set_review_cursor(r->store, 0);
    if (done == 0)
        done = sync_state_set_grant_cursor(r->store, 0);
    if (done == 0)
        done = sync_state_set_erasure_cursor(r->store, 0);
    done = done == 0 ? node_store_commit(r->store) : done;
    if (done != 0) {
        node_store_rollback(r->store);
        return false;
    }
    r->pulled_from_zero = true;
    r->refused_code = 0;
    if (r->why)
        r->why->text[0] = '\0';
    return true;
}

int sync_pull_all(struct round *r)
{
    bool more = true;
    while (more) {
        struct sae_pull_request request = {.schema_version = SAE_WIRE_SCHEMA_VERSION,
                                           .with_reviews = true};
        struct sae_pull_response *response = NULL;
        uint8_t *plain = NULL, *answer = NULL;
        size_t len = 0, answer_len = 0;
        int rc = sync_state_pull_cursor(r->store, &request.cursor);
        if (rc == 0)
            rc = sync_state_review_cursor(r->store, &request.review_cursor);
        if (rc == 0)
            rc = sync_state_grant_cursor(r->store, &request.grant_cursor);
        if (rc == 0)
            rc = sync_state_erasure_cursor(r->store, &request.erasure_cursor);
        request.clock = sync_request_clock();
        if (rc == 0)
            rc = report_self(r, &request);
        if (rc == 0)
            rc = sae_pull_request_encode(&request, &r->limits, &plain, &len);
        if (rc == 0)
            rc = sync_exchange(r, "/v1/pull", SAE_MSG_PULL_REQUEST, plain, len,
                               SAE_MSG_PULL_RESPONSE, &answer, &answer_len, "pull");
        if (rc == 0)
            rc = sae_pull_response_decode(answer, answer_len, &r->limits, &response);
        sae_wire_buffer_free(answer, answer_len);
        if (rc == 0)
            rc = apply_pulled(r, response);
        more = rc == 0 && response->more;
        sae_pull_response_free(response);
        if (restart_from_zero(r, rc, &request)) {
            more = true;
            continue;
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}
