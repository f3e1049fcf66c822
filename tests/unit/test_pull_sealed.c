/* What the hub's pull carries of sensitive values once it keeps them only sealed
 * (hub/api/pull_sealed.c; PROTOCOL.md section 3, "Sealed and withheld values in a pull", and
 * section 6, Grants), on a real hub database with copies put as ingest puts them: the
 * pulling device's own copy of a current head (the field's winner, or a candidate of an open
 * conflict), withheld otherwise (superseded, or no copy for this device), never what the
 * value column holds; the answer's budget counts the sealed bytes; grants after the grant
 * cursor, only of changes the post has, only of heads; a grant cursor never issued refused. */
#include "merge_support.h"

#include "api/pull.h"
#include "sae/sae_sealed.h"
#include "store/sealed_values.h"
#include "store/value_vault.h"

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
enum { A, B, C, D };

/* Storage keys of the fixture's devices (only their public halves matter to the hub). */
static uint8_t storage_pk[4][32];

static int setup(void **state)
{
    uint8_t sk[32];
    for (int i = 0; i < 4; i++)
        crypto_box_keypair(storage_pk[i], sk);
    sodium_memzero(sk, sizeof sk);
    return hub_setup(state);
}

/* The change of field whose value is value: by its token for a sensitive field (the only
 * form change.value keeps of it), else by the value. */
static int64_t seq_of(struct hub_fixture *f, const char *field, const char *value)
{
    char token[VALUE_TOKEN_TEXT_BYTES], sql[256];
    if (value_vault_field_sealed("case", field)) {
        assert_int_equal(value_vault_token(f->store, field, value, token), 0);
        value = token;
    }
    snprintf(sql, sizeof sql, "SELECT seq FROM change WHERE field = '%s' AND value = '%s'",
             field, value);
    return hub_count(f, sql);
}

/* Ingest's copy of a change's value for device (what A's vault writes). */
static void put_copy(struct hub_fixture *f, int64_t change, int device, const char *plain)
{
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_int_equal(sae_sealed_seal(storage_pk[device], plain, strlen(plain), &sealed, &len), 0);
    assert_int_equal(sealed_values_put(f->store, change, f->devices[device].id, sealed, len), 0);
    free(sealed);
}

static struct sae_pull_response *pull_as(struct hub_fixture *f, int device,
                                         struct sae_pull_request request,
                                         struct sae_limits limits)
{
    struct hub_node node;
    struct sae_pull_response *r = NULL;
    assert_int_equal(hub_store_node_get(f->store, f->devices[device].id, &node), 0);
    assert_int_equal(pull_changes(f->store, &node, &request, &limits, NOW_MS, &r), 0);
    return r;
}

static struct sae_pull_response *pull(struct hub_fixture *f, int device, uint64_t grant_cursor)
{
    struct sae_pull_request request = {.grant_cursor = grant_cursor};
    return pull_as(f, device, request, sae_limits_default());
}

static const struct sae_change *find(const struct sae_pull_response *r, const char *field,
                                     uint64_t origin, uint64_t seq)
{
    for (size_t i = 0; i < r->change_count; i++)
        if (strcmp(r->changes[i].field, field) == 0 && r->changes[i].version.origin == origin &&
            r->changes[i].seq == seq)
            return &r->changes[i];
    fail_msg("no change of %s %llu/%llu", field, (unsigned long long)origin,
             (unsigned long long)seq);
    return NULL;
}

/* The copy handed out is the one put for this device, byte for byte. */
static void assert_copy(struct hub_fixture *f, const struct sae_change *c, int64_t change,
                        int device)
{
    uint8_t *want = NULL;
    size_t len = 0;
    assert_int_equal(sealed_values_get(f->store, change, f->devices[device].id, &want, &len), 0);
    assert_null(c->value);
    assert_false(c->withheld);
    assert_int_equal(c->sealed_len, len);
    assert_memory_equal(c->sealed_value, want, len);
    free(want);
}

static void created(struct hub_fixture *f)
{
    const struct test_change c[] = {
        {A, R1, "case", "status", "new", MS(0), -1, 0, 0},
        {A, R1, "case", "victim_name", "Siti", MS(0), -1, 0, 0},
    };
    deliver(f, c, COUNT(c));
}

static void test_a_head_goes_sealed_to_its_holder_withheld_to_others(void **state)
{
    struct hub_fixture *f = *state;
    created(f);
    int64_t name = seq_of(f, "victim_name", "Siti");
    put_copy(f, name, B, "Siti");
    struct sae_pull_response *r = pull(f, B, 0);
    assert_int_equal(r->change_count, 2);
    assert_copy(f, find(r, "victim_name", f->devices[A].id, 2), name, B);
    const struct sae_change *status = find(r, "status", f->devices[A].id, 1);
    assert_string_equal(status->value, "new");
    assert_false(status->withheld);
    assert_null(status->sealed_value);
    sae_pull_response_free(r);
    /* C has no copy: the field has a value it is not given. */
    r = pull(f, C, 0);
    const struct sae_change *withheld = find(r, "victim_name", f->devices[A].id, 2);
    assert_true(withheld->withheld);
    assert_null(withheld->value);
    assert_null(withheld->sealed_value);
    assert_int_equal(r->grant_count, 0);
    sae_pull_response_free(r);
}

/* Superseded: withheld even to a device holding its copy; unset stays unset. */
static void test_a_superseded_value_is_withheld(void **state)
{
    struct hub_fixture *f = *state;
    created(f);
    int64_t old = seq_of(f, "victim_name", "Siti");
    put_copy(f, old, B, "Siti");
    const struct test_change renamed[] = {
        {A, R1, "case", "victim_name", "Siti Rahmawati", MS(1000), A, MS(0), 0},
        {A, R1, "case", "narrative", NULL, MS(1000), -1, 0, 0},
    };
    deliver(f, renamed, COUNT(renamed));
    int64_t now = seq_of(f, "victim_name", "Siti Rahmawati");
    put_copy(f, now, B, "Siti Rahmawati");
    struct sae_pull_response *r = pull(f, B, 0);
    assert_true(find(r, "victim_name", f->devices[A].id, 2)->withheld);
    assert_copy(f, find(r, "victim_name", f->devices[A].id, 3), now, B);
    const struct sae_change *unset = find(r, "narrative", f->devices[A].id, 4);
    assert_false(unset->withheld);
    assert_null(unset->value);
    assert_null(unset->sealed_value);
    sae_pull_response_free(r);
}

/* Both candidates of an open conflict are heads: each goes sealed. */
static void test_candidates_of_an_open_conflict_go_sealed(void **state)
{
    struct hub_fixture *f = *state;
    created(f);
    const struct test_change b[] = {{B, R1, "case", "victim_name", "Ani", MS(1000), A, MS(0), 2}};
    const struct test_change c[] = {{C, R1, "case", "victim_name", "Ana", MS(2000), A, MS(0), 2}};
    deliver(f, b, 1);
    deliver(f, c, 1);
    assert_int_equal(hub_count(f, "SELECT count(*) FROM conflict WHERE status = 'open'"), 1);
    int64_t ani = seq_of(f, "victim_name", "Ani"), ana = seq_of(f, "victim_name", "Ana");
    put_copy(f, ani, D, "Ani"); /* D is of another village: never sent either */
    put_copy(f, ani, A, "Ani");
    put_copy(f, ana, A, "Ana");
    struct sae_pull_response *r = pull(f, A, 0);
    assert_int_equal(r->change_count, 2);
    assert_copy(f, find(r, "victim_name", f->devices[B].id, 1), ani, A);
    assert_copy(f, find(r, "victim_name", f->devices[C].id, 1), ana, A);
    sae_pull_response_free(r);
}

/* The answer's budget (half of inflated_bytes) counts a copy's bytes, not the value column's:
 * two 3,000-byte narratives in a 4,000-byte budget come one per answer. */
static void test_the_budget_counts_sealed_bytes(void **state)
{
    struct hub_fixture *f = *state;
    char *long_text = malloc(3001);
    assert_non_null(long_text);
    memset(long_text, 'n', 3000);
    long_text[3000] = '\0';
    const struct test_change c[] = {
        {A, R1, "case", "narrative", "x", MS(0), -1, 0, 0},
        {A, "a00b7cd1-2496-4fe3-b510-6a2f8841c907", "case", "narrative", "y", MS(0), -1, 0, 0},
    };
    deliver(f, c, COUNT(c));
    put_copy(f, seq_of(f, "narrative", "x"), B, long_text);
    put_copy(f, seq_of(f, "narrative", "y"), B, long_text);
    struct sae_limits limits = sae_limits_default();
    limits.inflated_bytes = 8000;
    struct sae_pull_request request = {0};
    struct sae_pull_response *r = pull_as(f, B, request, limits);
    assert_int_equal(r->change_count, 1);
    assert_true(r->more);
    request.cursor = r->next_cursor;
    sae_pull_response_free(r);
    r = pull_as(f, B, request, limits);
    assert_int_equal(r->change_count, 1);
    assert_false(r->more);
    sae_pull_response_free(r);
    free(long_text);
}

static void grant(struct hub_fixture *f, int64_t change, int device, const char *plain)
{
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_int_equal(sae_sealed_seal(storage_pk[device], plain, strlen(plain), &sealed, &len), 0);
    assert_int_equal(sealed_values_grant(f->store, change, f->devices[device].id, sealed, len,
                                         "Bu Ani", NOW_MS), 0);
    free(sealed);
}

static void test_grants_come_after_the_grant_cursor(void **state)
{
    struct hub_fixture *f = *state;
    created(f);
    int64_t name = seq_of(f, "victim_name", "Siti");
    grant(f, name, C, "Siti");
    struct sae_pull_response *r = pull(f, C, 0);
    assert_int_equal(r->grant_count, 1);
    const struct sae_change *g = &r->grants[0];
    assert_string_equal(g->field, "victim_name");
    assert_int_equal(g->version.origin, f->devices[A].id);
    assert_int_equal(g->seq, 2);
    assert_null(g->value);
    assert_false(g->withheld);
    assert_copy(f, g, name, C);
    /* The change itself now goes sealed too (the copy exists). */
    assert_copy(f, find(r, "victim_name", f->devices[A].id, 2), name, C);
    uint64_t next = r->next_grant_cursor;
    assert_true(next > 0);
    sae_pull_response_free(r);
    r = pull(f, C, next);
    assert_int_equal(r->grant_count, 0);
    assert_int_equal(r->next_grant_cursor, next);
    sae_pull_response_free(r);
    /* Another device's grants are not this one's. */
    r = pull(f, B, 0);
    assert_int_equal(r->grant_count, 0);
    sae_pull_response_free(r);
    /* A cursor the hub never issued. */
    struct hub_node node;
    struct sae_limits limits = sae_limits_default();
    struct sae_pull_request bad = {.grant_cursor = next + 1};
    assert_int_equal(hub_store_node_get(f->store, f->devices[C].id, &node), 0);
    r = NULL;
    assert_int_equal(pull_changes(f->store, &node, &bad, &limits, NOW_MS, &r), SAE_EINVAL);
    assert_null(r);
}

/* A grant waits for the answer that brings its change; a grant of a value superseded since
 * is passed over. */
static void test_a_grant_waits_for_its_change_and_skips_superseded(void **state)
{
    struct hub_fixture *f = *state;
    created(f);
    int64_t name = seq_of(f, "victim_name", "Siti");
    grant(f, name, C, "Siti");
    struct sae_pull_request request = {.max_changes = 1};
    struct sae_pull_response *r = pull_as(f, C, request, sae_limits_default());
    assert_int_equal(r->change_count, 1); /* status */
    assert_int_equal(r->grant_count, 0);
    assert_int_equal(r->next_grant_cursor, 0);
    assert_true(r->more);
    request.cursor = r->next_cursor;
    sae_pull_response_free(r);
    r = pull_as(f, C, request, sae_limits_default());
    assert_int_equal(r->grant_count, 1);
    sae_pull_response_free(r);
    /* Granted again after a new name: the old grant is no head any more. */
    const struct test_change renamed[] = {
        {A, R1, "case", "victim_name", "Siti R", MS(1000), A, MS(0), 0}};
    deliver(f, renamed, 1);
    r = pull(f, C, 0);
    assert_int_equal(r->grant_count, 0);
    assert_true(r->next_grant_cursor > 0); /* passed over for good */
    assert_true(find(r, "victim_name", f->devices[A].id, 2)->withheld);
    assert_true(find(r, "victim_name", f->devices[A].id, 3)->withheld);
    sae_pull_response_free(r);
}

typedef void (*give_fn)(struct hub_fixture *f, int64_t change, int device, const char *plain);

/* count reports of A with a narrative of value_bytes each, and give (a copy put as ingest
 * puts it, or a grant) device the value of each. */
static void narratives(struct hub_fixture *f, int count, give_fn give, int device,
                       const struct sae_limits *limits)
{
    char *text = malloc(limits->value_bytes + 1);
    assert_non_null(text);
    memset(text, 'n', limits->value_bytes);
    text[limits->value_bytes] = '\0';
    for (int i = 0; i < count; i++) {
        char id[SAE_ID_TEXT_LEN + 1], value[16];
        struct sae_id rid;
        sae_id_generate(&rid);
        sae_id_format(&rid, id);
        snprintf(value, sizeof value, "v%d", i);
        const struct test_change c[] = {{A, id, "case", "narrative", value, MS(i), -1, 0, 0}};
        deliver(f, c, 1);
        give(f, seq_of(f, "narrative", value), device, text);
    }
    free(text);
}

/* Pulls as device until caught up; every answer's sealed bytes (changes and grants) within
 * half an envelope. *changes, *grants: how many came in all; returns how many answers. */
static size_t pull_within_envelopes(struct hub_fixture *f, int device,
                                    const struct sae_limits *limits, size_t *changes,
                                    size_t *grants)
{
    struct sae_pull_request request = {0};
    size_t answers = 0;
    *changes = *grants = 0;
    for (bool more = true; more; answers++) {
        struct sae_pull_response *r = pull_as(f, device, request, *limits);
        size_t sealed = 0;
        for (size_t i = 0; i < r->change_count; i++)
            sealed += r->changes[i].sealed_len;
        for (size_t i = 0; i < r->grant_count; i++)
            sealed += r->grants[i].sealed_len;
        assert_true(sealed <= limits->envelope_bytes / 2);
        *changes += r->change_count;
        *grants += r->grant_count;
        request.cursor = r->next_cursor;
        request.grant_cursor = r->next_grant_cursor;
        more = r->more;
        sae_pull_response_free(r);
        assert_true(answers < 100);
    }
    return answers;
}

/* Sealed bytes do not compress: an answer holds at most half an envelope of them, so that
 * the sealed envelope (at most envelope_bytes after deflating) always fits, however well the
 * rest compresses. 40 narratives of 32 KiB sealed (1.3 MB) in a 512 KiB envelope. */
static void test_sealed_bytes_fit_the_envelope(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_limits limits = sae_limits_default();
    size_t changes = 0, grants = 0;
    limits.envelope_bytes = 512 * 1024;
    narratives(f, 40, put_copy, B, &limits);
    assert_true(pull_within_envelopes(f, B, &limits, &changes, &grants) >= 5);
    assert_int_equal(changes, 40);
}

/* Grants share the answer's room for sealed bytes: 20 granted narratives of 32 KiB in a
 * 256 KiB envelope come a few an answer, every one of them once. */
static void test_grants_fit_the_envelope(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_limits limits = sae_limits_default();
    size_t changes = 0, grants = 0;
    limits.envelope_bytes = 256 * 1024;
    narratives(f, 20, grant, C, &limits);
    pull_within_envelopes(f, C, &limits, &changes, &grants);
    assert_int_equal(grants, 20);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_head_goes_sealed_to_its_holder_withheld_to_others,
                                        setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_a_superseded_value_is_withheld, setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_candidates_of_an_open_conflict_go_sealed, setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_the_budget_counts_sealed_bytes, setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_sealed_bytes_fit_the_envelope, setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_grants_fit_the_envelope, setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_grants_come_after_the_grant_cursor, setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_a_grant_waits_for_its_change_and_skips_superseded,
                                        setup, hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
