/* A command's copies for the hub in one value box (node/store/hub_copy.c, node migration 14)
 * on a real journal: made only once the hub answered in schema 6; what a batch sends (the
 * box once, a slot on each boxed change; again at the head of a batch that cuts its group);
 * what the hub opens of it; a re-dated command's entries keep their slots; dropped with its
 * slots once acknowledged and by a wipe; values one box cannot hold get copies of their own.
 * (An erasure's drop: tests/e2e/hub/test_value_box.py.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/hub_copy.h"
#include "store/hub_enroll.h"
#include "store/journal_wipe.h"
#include "store/restamp.h"
#include "store/sync_state.h"
#include "sae/sae_envelope.h"
#include "sae/sae_value_box.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire.h"
#include "hub_copy_world.h"

/* The hub's bundle saved; hub_schema (0: none yet), the schema its answers were in. */
static void save_bundle(struct hub_copy_world *f, uint32_t hub_schema)
{
    hub_copy_world_save_bundle(f);
    if (hub_schema)
        assert_int_equal(hub_copy_set_hub_schema(f->unit.store, hub_schema), 0);
}

static size_t next_batch(struct hub_copy_world *f, size_t max, struct sae_change **out)
{
    size_t count = 0;
    *out = calloc(64, sizeof **out);
    assert_non_null(*out);
    assert_int_equal(sync_state_next_batch(f->unit.store, max, 1u << 20, *out, &count), 0);
    return count;
}

/* The batch through the wire and the hub's opening: every sensitive value comes out. */
static void expect_hub_opens(struct hub_copy_world *f, struct sae_change *changes, size_t n)
{
    struct sae_limits limits = sae_limits_default();
    struct sae_batch batch = {.origin = f->unit.store->origin, .clock = 1, .changes = changes,
                              .change_count = n};
    struct sae_batch *decoded = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(sae_batch_encode(&batch, &limits, &buf, &len), 0);
    assert_int_equal(sae_batch_decode(buf, len, &limits, &decoded), 0);
    assert_int_equal(sae_batch_open_sealed(decoded, f->hub_pk, f->hub_sk, &limits), 0);
    for (size_t i = 0; i < n; i++) {
        const struct sae_change *c = &decoded->changes[i];
        if (strcmp(c->field, "victim_name") == 0)
            assert_string_equal(c->value, HUB_COPY_MARKED);
        if (strcmp(c->field, "narrative") == 0)
            assert_string_equal(c->value, HUB_COPY_MARKED " kisah");
    }
    sae_batch_free(decoded);
    sae_wire_buffer_free(buf, len);
}

static void ack(struct hub_copy_world *f, uint64_t upto)
{
    assert_int_equal(node_store_begin(f->unit.store), 0);
    assert_int_equal(sync_state_record_ack(f->unit.store, upto, NULL, 0, 0), 0);
    assert_int_equal(node_store_commit(f->unit.store), 0);
}

static void test_no_box_before_the_hub_reads_schema_6(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    save_bundle(f, 5);
    hub_copy_world_add_marked_case(f->unit.store, id);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box"), 0);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM journal"
                                               " WHERE hub_sealed IS NOT NULL"), 2);
}

static void test_one_box_per_command_sent_once_and_dropped_at_ack(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct sae_change *batch = NULL;
    save_bundle(f, SAE_WIRE_SCHEMA_VALUE_BOX);
    hub_copy_world_add_marked_case(f->unit.store, id);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box"), 1);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box_slot"), 2);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM journal"
                                               " WHERE hub_sealed IS NOT NULL"), 0);
    size_t n = next_batch(f, 64, &batch), boxes = 0, slots = 0;
    for (size_t i = 0; i < n; i++) {
        boxes += batch[i].group_box != NULL;
        slots += batch[i].box_slot > 0;
        assert_true(batch[i].box_slot == 0 || !batch[i].value);
    }
    assert_int_equal(boxes, 1);
    assert_int_equal(slots, 2);
    expect_hub_opens(f, batch, n);
    uint64_t last = batch[n - 1].seq;
    sae_wipe_free_changes(batch, n);
    ack(f, last);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box"), 0);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box_slot"), 0);
}

/* A batch that ends inside the command's group: the next one carries the box again. */
static void test_a_batch_cut_inside_the_group_carries_the_box_again(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct sae_change *batch = NULL;
    save_bundle(f, SAE_WIRE_SCHEMA_VALUE_BOX);
    hub_copy_world_add_marked_case(f->unit.store, id);
    size_t all = next_batch(f, 64, &batch), first_slot = all;
    for (size_t i = 0; i < all; i++)
        if (batch[i].box_slot > 0 && first_slot == all)
            first_slot = i;
    sae_wipe_free_changes(batch, all);
    size_t n = next_batch(f, first_slot + 1, &batch);
    assert_int_equal(n, first_slot + 1);
    assert_non_null(batch[first_slot].group_box);
    uint64_t last = batch[n - 1].seq;
    sae_wipe_free_changes(batch, n);
    ack(f, last);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box"), 1);
    n = next_batch(f, 64, &batch);
    assert_int_equal(n, all - first_slot - 1);
    size_t i = 0;
    while (i < n && batch[i].box_slot == 0)
        assert_null(batch[i++].group_box);
    assert_true(i < n); /* the narrative's slot is left */
    assert_non_null(batch[i].group_box);
    expect_hub_opens(f, batch, n);
    sae_wipe_free_changes(batch, n);
}

static void test_a_wipe_drops_every_box(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    save_bundle(f, SAE_WIRE_SCHEMA_VALUE_BOX);
    hub_copy_world_add_marked_case(f->unit.store, id);
    assert_int_equal(node_store_begin(f->unit.store), 0);
    assert_int_equal(journal_wipe_sensitive(f->unit.store), 0);
    assert_int_equal(node_store_commit(f->unit.store), 0);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box"), 0);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box_slot"), 0);
}

/* A command re-dated (its clock a year ahead of the hub's): the new entries keep their slots
 * in the same box, which the batch sends with them. */
static void test_a_redated_command_sends_its_box(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct sae_change *batch = NULL;
    size_t redated = 0;
    save_bundle(f, SAE_WIRE_SCHEMA_VALUE_BOX);
    hub_copy_world_add_marked_case(f->unit.store, id);
    int64_t rows = unit_journal_rows(f->unit.store);
    assert_int_equal(unit_sql(f->unit.store,
                              "UPDATE meta SET value = -31536000000 WHERE key = 'clock_offset_ms';"
                              "UPDATE meta SET value = (SELECT max(seq) + 1 FROM journal)"
                              " WHERE key = 'restamp_below_seq';"), SQLITE_OK);
    assert_int_equal(restamp_pending(f->unit.store, &redated), 0);
    assert_int_equal(redated, (size_t)rows);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box_slot"), 4);
    size_t n = next_batch(f, 64, &batch), boxes = 0;
    assert_int_equal(n, (size_t)rows);
    for (size_t i = 0; i < n; i++) {
        boxes += batch[i].group_box != NULL;
        assert_true(batch[i].seq > (uint64_t)rows && batch[i].supersedes != 0);
    }
    assert_int_equal(boxes, 1);
    expect_hub_opens(f, batch, n);
    sae_wipe_free_changes(batch, n);
}

/* Values whose deflated whole is over what one seal takes: each gets its own copy. */
static void test_values_one_box_cannot_hold_get_their_own_copies(void **state)
{
    struct hub_copy_world *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct hub_copy_box box = {.count = 0};
    save_bundle(f, SAE_WIRE_SCHEMA_VALUE_BOX);
    hub_copy_world_add_marked_case(f->unit.store, id);
    int64_t first = unit_count(f->unit.store, "SELECT min(seq) FROM journal");
    size_t n = SAE_VALUE_BOX_DEFLATED_MAX;
    char *noise = malloc(n + 1);
    assert_non_null(noise);
    for (size_t k = 0; k < 2; k++) {
        randombytes_buf(noise, n);
        for (size_t i = 0; i < n; i++)
            noise[i] = (char)('0' + (unsigned char)noise[i] % 64);
        noise[n] = '\0';
        assert_int_equal(hub_copy_box_add(&box, first + (int64_t)k, noise), 0);
    }
    free(noise);
    assert_int_equal(node_store_begin(f->unit.store), 0);
    assert_int_equal(hub_copy_box_store(f->unit.store, f->hub_pk, &box), 0);
    assert_int_equal(node_store_commit(f->unit.store), 0);
    assert_int_equal(box.count, 0);
    assert_int_equal(unit_count(f->unit.store, "SELECT count(*) FROM hub_box"), 1);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE hub_sealed IS NOT NULL"
             " AND seq IN (%lld, %lld)", (long long)first, (long long)first + 1);
    assert_int_equal(unit_count(f->unit.store, sql), 2);
}

#define T(test)                                                                             \
    cmocka_unit_test_setup_teardown(test, hub_copy_world_setup, hub_copy_world_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_no_box_before_the_hub_reads_schema_6),
        T(test_one_box_per_command_sent_once_and_dropped_at_ack),
        T(test_a_batch_cut_inside_the_group_carries_the_box_again),
        T(test_a_wipe_drops_every_box),
        T(test_a_redated_command_sends_its_box),
        T(test_values_one_box_cannot_hold_get_their_own_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
