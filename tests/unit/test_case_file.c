/* A case file on a real hub.db built by case_world: its values with the catalogue's fields,
 * its services, stays and referrals as one timeline, each field's history with who and
 * where, its queued conflicts, and sensitive values masked everywhere unless the caller may
 * see them; the timeline's limit at its edge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case_world_fixture.h"
#include "merge/merge.h"
#include "store/case_file.h"
#include "sae/sae_borrow.h"
#include "sae/sae_envelope.h"

#define NOW_MS INT64_C(1795958400000)

static const struct case_world_options world_options = {
    .seed = 23, .cases = 80, .posts = 5, .conflicts = 4, .batch = 1000, .now_ms = NOW_MS};

/* The next seq of the devices this file enrolls (one key each). */
static uint64_t next_seq;

static int setup(void **state)
{
    next_seq = 1;
    return case_world_fixture_new(state, &world_options);
}

/* A case of the world with services and a referral, not staged in a conflict. */
static size_t busy_case(struct case_world_case *out)
{
    for (size_t i = 1; i < world_options.cases; i++) {
        case_world_case(&world_options, i, out);
        if (out->services >= 2 && out->referrals == 1 && i % (world_options.cases / 4) != 0)
            return i;
    }
    fail_msg("no case with services and a referral");
    return 0;
}

static const struct hub_case_value *value_of(const struct hub_case_file *file, const char *name)
{
    for (size_t i = 0; i < file->value_count; i++)
        if (strcmp(file->values[i].field->name, name) == 0)
            return &file->values[i];
    return NULL;
}

static void test_values_timeline_and_history(void **state)
{
    struct case_world_fixture *f = *state;
    struct case_world_case c;
    struct hub_case_file *file = NULL;
    busy_case(&c);
    assert_int_equal(hub_case_file_load(f->world.store, c.id, false, NOW_MS, &file), 0);
    assert_string_equal(file->village, c.village);
    assert_non_null(file->village_name);
    const struct hub_case_value *v = value_of(file, "registration_number");
    assert_non_null(v);
    assert_string_equal(v->value, c.registration);
    assert_string_equal(v->field->label_id, "Nomor registrasi");
    v = value_of(file, "risk_level");
    assert_string_equal(v->value, c.risk);
    assert_false(v->masked);
    /* Every event, by date; the first service is the intake. */
    assert_int_equal(file->event_count, c.services + c.shelter_stays + c.referrals);
    assert_false(file->events_cut);
    size_t services = 0, referrals = 0;
    for (size_t i = 0; i < file->event_count; i++) {
        const struct hub_case_event *e = &file->events[i];
        assert_non_null(e->date);
        assert_true(strcmp(e->date, c.intake_date) >= 0);
        if (i > 0)
            assert_true(strcmp(file->events[i - 1].date, e->date) <= 0);
        services += strcmp(e->kind->name, "service") == 0;
        if (strcmp(e->kind->name, "referral") == 0) {
            referrals++;
            assert_non_null(e->what);
            assert_non_null(e->status);
        }
    }
    assert_int_equal(services, c.services);
    assert_int_equal(referrals, c.referrals);
    /* History: who and where for each version; one current version per field. */
    size_t current = 0;
    for (size_t i = 0; i < file->version_count; i++) {
        const struct hub_case_version *h = &file->versions[i];
        assert_string_equal(h->author, CASE_WORLD_AUTHOR);
        assert_non_null(h->device);
        assert_false(h->district);
        current += h->current;
    }
    assert_int_equal(current, file->version_count); /* one command wrote every field once */
    assert_false(file->review.exists);
    assert_int_equal(file->conflicts.count, 0);
    hub_case_file_free(file);
}

static void test_sensitive_values_masked_unless_allowed(void **state)
{
    struct case_world_fixture *f = *state;
    struct case_world_case c;
    struct hub_case_file *file = NULL;
    busy_case(&c);
    assert_int_equal(hub_case_file_load(f->world.store, c.id, false, NOW_MS, &file), 0);
    const char *sensitive[] = {"victim_name", "narrative"};
    for (size_t i = 0; i < 2; i++) {
        const struct hub_case_value *v = value_of(file, sensitive[i]);
        assert_non_null(v);
        assert_true(v->masked);
        assert_null(v->value);
    }
    for (size_t i = 0; i < file->version_count; i++)
        if (file->versions[i].field && file->versions[i].field->sensitive)
            assert_true(file->versions[i].masked && !file->versions[i].value);
    hub_case_file_free(file);
    assert_int_equal(hub_case_file_load(f->world.store, c.id, true, NOW_MS, &file), 0);
    assert_string_equal(value_of(file, "victim_name")->value, c.victim_name);
    assert_false(value_of(file, "victim_name")->masked);
    assert_non_null(strstr(value_of(file, "narrative")->value, c.victim_name));
    hub_case_file_free(file);
}

/* Pushes changes from a device of the case's village enrolled here (seed picks its key). */
static void push(struct case_world_fixture *f, uint8_t seed, const char *village, struct sae_change *changes,
                 size_t count)
{
    uint8_t key_seed[crypto_box_SEEDBYTES], sk[crypto_box_SECRETKEYBYTES];
    struct hub_node node = {.enrolled_ms = NOW_MS};
    memset(key_seed, seed, sizeof key_seed);
    assert_int_equal(crypto_box_seed_keypair(node.public_key, sk, key_seed), 0);
    assert_int_equal(sae_origin_from_public_key(node.public_key, &node.id), 0);
    snprintf(node.village, sizeof node.village, "%s", village);
    snprintf(node.device_name, sizeof node.device_name, "Laptop %u", seed);
    int rc = hub_store_node_add(f->world.store, &node);
    assert_true(rc == 0 || rc == SAE_EEXIST);
    for (size_t i = 0; i < count; i++) {
        changes[i].version.origin = node.id;
        changes[i].seq = next_seq++;
    }
    struct sae_batch batch = {.schema_version = 2, .origin = node.id,
                              .clock = changes[0].version.hlc, .changes = changes,
                              .change_count = count};
    struct merge_sender sender = {node.id, village, 0, true};
    struct merge_options options = {NOW_MS, HUB_DRIFT_MS_DEFAULT};
    struct sae_push_ack *ack = NULL;
    assert_int_equal(merge_apply_batch(f->world.store, &sender, &batch, &options, &ack, NULL), 0);
    assert_int_equal(ack->refusal_count, 0);
    sae_push_ack_free(ack);
}

static void test_a_conflict_on_a_name_shows_who_never_what(void **state)
{
    struct case_world_fixture *f = *state;
    struct case_world_case c;
    struct hub_case_file *file = NULL;
    busy_case(&c);
    assert_int_equal(hub_case_file_load(f->world.store, c.id, true, NOW_MS, &file), 0);
    struct sae_version base = value_of(file, "victim_name")->version;
    hub_case_file_free(file);
    struct sae_change edit = {.kind = sae_borrow("case"), .field = sae_borrow("victim_name"),
                              .base = base, .author = sae_borrow("Nur")};
    assert_int_equal(sae_id_parse(c.id, &edit.report_id), 0);
    edit.value = sae_borrow("Siti Aminah binti Slamet");
    edit.version.hlc = (sae_hlc)(NOW_MS - 5000) << 16;
    push(f, 0x51, c.village, &edit, 1);
    edit.value = sae_borrow("Siti Aminah");
    edit.version.hlc = (sae_hlc)(NOW_MS - 4000) << 16;
    push(f, 0x52, c.village, &edit, 1);
    assert_int_equal(hub_case_file_load(f->world.store, c.id, false, NOW_MS, &file), 0);
    assert_int_equal(file->conflicts.count, 1);
    const struct hub_queue_entry *e = &file->conflicts.entries[0];
    assert_string_equal(e->field, "victim_name");
    assert_int_equal(e->candidate_count, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_null(e->candidates[i].change.value);
        assert_null(e->candidates[i].base.value);
        assert_string_equal(e->candidates[i].change.author, "Nur");
    }
    assert_null(e->standing.value);
    assert_null(e->agreed.value);
    hub_case_file_free(file);
    assert_int_equal(hub_case_file_load(f->world.store, c.id, true, NOW_MS, &file), 0);
    e = &file->conflicts.entries[0];
    assert_string_equal(e->candidates[0].change.value, "Siti Aminah binti Slamet");
    assert_string_equal(e->agreed.value, c.victim_name);
    hub_case_file_free(file);
}

/* Services for the case until it has want events. */
static void add_services(struct case_world_fixture *f, const struct case_world_case *c, size_t have,
                         size_t want)
{
    enum { PER_BATCH = 300 };
    static struct sae_change changes[PER_BATCH * 3];
    while (have < want) {
        size_t n = 0;
        for (; have < want && n < PER_BATCH * 3; have++) {
            struct sae_id id;
            sae_id_generate(&id);
            const char *fields[3][2] = {{"case_id", c->id}, {"service_type", "counselling"},
                                        {"service_date", "2026-11-01"}};
            for (size_t k = 0; k < 3; k++)
                changes[n++] = (struct sae_change){
                    .report_id = id, .kind = sae_borrow("service"),
                    .field = sae_borrow(fields[k][0]), .value = sae_borrow(fields[k][1]),
                    .version = {(sae_hlc)(NOW_MS - 100000 + (int64_t)have) << 16, 0},
                    .author = sae_borrow("Nur")};
        }
        push(f, 0x61, c->village, changes, n);
    }
}

static void test_timeline_limit_at_its_edge(void **state)
{
    struct case_world_fixture *f = *state;
    struct case_world_case c;
    struct hub_case_file *file = NULL;
    busy_case(&c);
    size_t have = c.services + c.shelter_stays + c.referrals;
    add_services(f, &c, have, HUB_CASE_FILE_EVENTS_MAX);
    assert_int_equal(hub_case_file_load(f->world.store, c.id, false, NOW_MS, &file), 0);
    assert_int_equal(file->event_count, HUB_CASE_FILE_EVENTS_MAX);
    assert_false(file->events_cut);
    hub_case_file_free(file);
    add_services(f, &c, HUB_CASE_FILE_EVENTS_MAX, HUB_CASE_FILE_EVENTS_MAX + 1);
    assert_int_equal(hub_case_file_load(f->world.store, c.id, false, NOW_MS, &file), 0);
    assert_int_equal(file->event_count, HUB_CASE_FILE_EVENTS_MAX);
    assert_true(file->events_cut);
    hub_case_file_free(file);
}

static void test_not_a_case_and_no_such_report(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_case_file *file = NULL;
    char service[SAE_ID_TEXT_LEN + 1];
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sae_db_prepare(f->world.store->db,
                                    "SELECT id FROM report WHERE kind = 'service' LIMIT 1",
                                    &stmt), 0);
    assert_int_equal(sae_db_step(stmt), SAE_DB_ROW);
    sae_db_column_copy(stmt, 0, service, sizeof service);
    sae_db_finalize(stmt);
    assert_int_equal(hub_case_file_load(f->world.store, service, true, NOW_MS, &file), SAE_EINVAL);
    assert_int_equal(hub_case_file_load(f->world.store, "00000000-0000-4000-8000-000000000000",
                                        true, NOW_MS, &file), SAE_ENOTFOUND);
    assert_null(file);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, case_world_fixture_free)
    const struct CMUnitTest tests[] = {
        T(test_values_timeline_and_history),
        T(test_sensitive_values_masked_unless_allowed),
        T(test_a_conflict_on_a_name_shows_who_never_what),
        T(test_timeline_limit_at_its_edge),
        T(test_not_a_case_and_no_such_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
