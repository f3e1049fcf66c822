/* Convergence: the hub ends with the same winners and the same open conflicts whatever
 * the order in which concurrent batches arrive. Every order of two and three concurrent
 * batches for each scenario, then randomized scenarios (several devices editing and
 * deleting from what they had pulled) delivered in random interleavings; the seed of a
 * failing run is printed so that it can be replayed with SAE_MERGE_SEED. The scenarios and
 * the random edits cover every merge policy: a risk raised and lowered, a consent granted
 * and withdrawn, a case closed and reopened, set elements added and removed, equal values. */
#include "merge_support.h"

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define R2 "a00b7cd1-2496-4fe3-b510-6a2f8841c907"
#define MAX_BATCHES 4
enum { A, B, C, D };

struct batch_spec {
    struct test_change changes[4];
    size_t count;
    unsigned after; /* bit i set: batch i must arrive first (the same device's, or what the
                       writer had pulled) */
};

struct scenario {
    const char *name;
    struct batch_spec batches[MAX_BATCHES];
    size_t count;
};

static const struct test_change created[] = {
    {A, R1, "case", "status", "new", MS(0), -1, 0, 0},
    {A, R1, "case", "violence_type", "sexual", MS(0), -1, 0, 0},
    {A, R1, "case", "victim_sex", "F", MS(0), -1, 0, 0},
    {A, R1, "case", "intake_date", "2026-11-20", MS(0), -1, 0, 0},
};

#define EDIT(dev, field, value, t) {dev, R1, "case", field, value, MS(t), -1, 0, 4}
#define EDIT_ON(dev, field, value, t, bdev, bt) {dev, R1, "case", field, value, MS(t), bdev, MS(bt), 4}
#define ONE(...) {{__VA_ARGS__}, 1, 0}
#define YEAR (INT64_C(365) * 24 * 3600 * 1000)

static const struct scenario scenarios[] = {
    {"two different values", {ONE(EDIT_ON(B, "status", "active", 1000, A, 0)),
                              ONE(EDIT_ON(C, "status", "closed", 2000, A, 0))}, 2},
    {"two equal values", {ONE(EDIT_ON(B, "status", "active", 1000, A, 0)),
                          ONE(EDIT_ON(C, "status", "active", 2000, A, 0))}, 2},
    {"three, two equal", {ONE(EDIT_ON(B, "status", "active", 1000, A, 0)),
                          ONE(EDIT_ON(C, "status", "closed", 2000, A, 0)),
                          ONE(EDIT_ON(A, "status", "active", 1500, A, 0))}, 3},
    {"three fields", {ONE(EDIT_ON(B, "status", "active", 1000, A, 0)),
                      ONE(EDIT(C, "risk_level", "high", 2000)),
                      ONE(EDIT(A, "victim_age", "14", 1500))}, 3},
    {"delete and two edits", {ONE(EDIT(B, SAE_FIELD_TOMBSTONE, "1", 1000)),
                              ONE(EDIT(C, "risk_level", "high", 2000)),
                              ONE(EDIT_ON(A, "status", "active", 500, A, 0))}, 3},
    {"two deletes and an edit", {ONE(EDIT(B, SAE_FIELD_TOMBSTONE, "1", 1000)),
                                 ONE(EDIT(C, SAE_FIELD_TOMBSTONE, "1", 2000)),
                                 ONE(EDIT(A, "risk_level", "low", 3000))}, 3},
    {"a chain against an edit", {ONE(EDIT_ON(B, "status", "active", 1000, A, 0)),
                                 {{EDIT_ON(B, "status", "closed", 3000, B, 1000)}, 1, 1u << 0},
                                 ONE(EDIT_ON(C, "status", "referred", 2000, A, 0))}, 3},
    {"held against an edit", {ONE(EDIT_ON(B, "status", "closed", YEAR, A, 0)),
                              ONE(EDIT_ON(C, "status", "active", 2000, A, 0)),
                              ONE(EDIT(D, "status", "new", 3000))}, 3},
    /* The merge policies: what stands must not depend on which edit came last. */
    {"risk lowered and raised", {ONE(EDIT(B, "risk_level", "high", 1000)),
                                 ONE(EDIT(C, "risk_level", "low", 2000)),
                                 ONE(EDIT(A, "risk_level", "medium", 3000))}, 3},
    {"consent granted and withdrawn", {ONE(EDIT(B, "consent_share", "false", 1000)),
                                       ONE(EDIT(C, "consent_share", "true", 2000))}, 2},
    {"closed and reopened", {ONE(EDIT_ON(B, "status", "closed", 3000, A, 0)),
                             ONE(EDIT_ON(C, "status", "referred", 2000, A, 0)),
                             ONE(EDIT_ON(A, "status", "active", 1000, A, 0))}, 3},
    {"set elements", {ONE(EDIT(B, "violence_types/sexual", "1", 1000)),
                      ONE(EDIT(C, "violence_types/physical", "1", 2000)),
                      {{EDIT_ON(B, "violence_types/sexual", NULL, 3000, B, 1000)}, 1, 1u << 0}}, 3},
    {"equal values, then edited on", {ONE(EDIT(B, "risk_level", "high", 1000)),
                                      ONE(EDIT(C, "risk_level", "high", 2000)),
                                      {{{A, R1, "case", "risk_level", "low", MS(3000), C, MS(2000),
                                         6}}, 1, 1u << 0 | 1u << 1}}, 3},
};

static struct hub_fixture *fresh_hub(void)
{
    void *state = NULL;
    hub_setup(&state);
    struct hub_fixture *f = state;
    /* Logic, not durability, is under test here: skip the fsyncs. */
    assert_int_equal(sae_db_exec(f->store->db, "PRAGMA synchronous=OFF"), 0);
    return f;
}

static void drop_hub(struct hub_fixture *f)
{
    void *state = f;
    hub_teardown(&state);
}

/* Delivers the batches of s in the order given; NULL when the order is not possible
 * (a device's later batch before its earlier one). */
static char *run_order(const struct scenario *s, const size_t *order)
{
    bool delivered[MAX_BATCHES] = {false};
    for (size_t i = 0; i < s->count; i++) {
        for (size_t k = 0; k < s->count; k++)
            if ((s->batches[order[i]].after & 1u << k) && !delivered[k])
                return NULL;
        delivered[order[i]] = true;
    }
    struct hub_fixture *f = fresh_hub();
    deliver(f, created, COUNT(created));
    for (size_t i = 0; i < s->count; i++) {
        const struct batch_spec *b = &s->batches[order[i]];
        /* The device of D belongs to another village: its change is refused, in any order. */
        deliver(f, b->changes, b->count);
    }
    char *fingerprint = state_fingerprint(f);
    drop_hub(f);
    return fingerprint;
}

static bool next_permutation(size_t *a, size_t n)
{
    size_t i = n - 1;
    while (i > 0 && a[i - 1] >= a[i])
        i--;
    if (i == 0)
        return false;
    size_t j = n - 1;
    while (a[j] <= a[i - 1])
        j--;
    size_t t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
    for (size_t l = i, r = n - 1; l < r; l++, r--) {
        t = a[l];
        a[l] = a[r];
        a[r] = t;
    }
    return true;
}

static void test_every_order_of_concurrent_batches(void **state)
{
    (void)state;
    for (size_t k = 0; k < COUNT(scenarios); k++) {
        const struct scenario *s = &scenarios[k];
        size_t order[MAX_BATCHES];
        char *first = NULL;
        size_t orders = 0;
        for (size_t i = 0; i < s->count; i++)
            order[i] = i;
        do {
            char *fingerprint = run_order(s, order);
            if (!fingerprint)
                continue;
            orders++;
            if (!first) {
                first = fingerprint;
                continue;
            }
            if (strcmp(first, fingerprint) != 0)
                print_error("scenario \"%s\" diverges:\n%s--- versus ---\n%s", s->name, first,
                            fingerprint);
            assert_string_equal(first, fingerprint);
            free(fingerprint);
        } while (next_permutation(order, s->count));
        assert_true(orders >= 2);
        free(first);
    }
}

/* The scenarios do produce the conflicts they are named after, so that convergence is
 * not shown on states without any. */
static void test_scenarios_produce_what_they_claim(void **state)
{
    (void)state;
    static const struct {
        const char *name, *expect;
    } claims[] = {
        {"two different values", "status hard concurrent"},

        {"three, two equal", "status hard concurrent"},
        {"delete and two edits", "_deleted hard delete"},
        {"two deletes and an edit", "_deleted hard concurrent,delete"},
        {"a chain against an edit", "status hard concurrent"},
        {"held against an edit", "status hard clock"},
        {"risk lowered and raised", "risk_level = high"},
        {"risk lowered and raised", "risk_level hard concurrent"},
        {"consent granted and withdrawn", "consent_share = false"},
        {"closed and reopened", "status = referred"},
        {"closed and reopened", "review " R1 " status"},
        {"set elements", "violence_types/physical = 1"},
        {"set elements", "violence_types/sexual = (unset)"},
    };
    for (size_t i = 0; i < COUNT(claims); i++) {
        for (size_t k = 0; k < COUNT(scenarios); k++) {
            if (strcmp(scenarios[k].name, claims[i].name) != 0)
                continue;
            size_t order[MAX_BATCHES] = {0, 1, 2, 3};
            char *fingerprint = run_order(&scenarios[k], order);
            assert_non_null(fingerprint);
            if (!strstr(fingerprint, claims[i].expect))
                print_error("%s: no \"%s\" in\n%s", claims[i].name, claims[i].expect,
                            fingerprint);
            assert_non_null(strstr(fingerprint, claims[i].expect));
            free(fingerprint);
        }
    }
    /* Nothing for a coordinator: edits of different fields or elements, equal values (the
     * hub settles them), and an edit on top of equal values that saw them both. */
    static const char *const quiet[] = {"three fields", "two equal values",
                                        "equal values, then edited on"};
    for (size_t i = 0; i < COUNT(quiet); i++) {
        for (size_t k = 0; k < COUNT(scenarios); k++) {
            if (strcmp(scenarios[k].name, quiet[i]) != 0)
                continue;
            size_t order[MAX_BATCHES] = {0, 1, 2, 3};
            char *fingerprint = run_order(&scenarios[k], order);
            if (strstr(fingerprint, "conflict"))
                print_error("%s:\n%s", quiet[i], fingerprint);
            assert_null(strstr(fingerprint, "conflict"));
            free(fingerprint);
        }
    }
}

/* A small deterministic generator (splitmix64), so a seed replays exactly. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static size_t rng_below(uint64_t *s, size_t n) { return (size_t)(rng_next(s) % n); }

#define RANDOM_OPS 6
#define RANDOM_DEVICES 3

struct random_device_ops {
    struct test_change ops[RANDOM_OPS];
    size_t count;
};

/* Each device starts from the created report (cursor 4) and edits its own view of it:
 * bases are its own latest version of a field, else A's; a device that deleted stops. */
static void generate(uint64_t seed, struct random_device_ops *out)
{
    static const char *const fields[] = {"status", "risk_level", "victim_age", "consent_share",
                                         "violence_types/sexual"};
    static const char *const values[][3] = {{"active", "referred", "closed"},
                                            {"high", "medium", NULL},
                                            {"14", "15", "16"},
                                            {"true", "false", NULL},
                                            {"1", NULL, "1"}};
    uint64_t s = seed;
    for (int d = 0; d < RANDOM_DEVICES; d++) {
        sae_hlc last_version[COUNT(fields)] = {MS(0)};
        int last_device[COUNT(fields)] = {A, -1, -1, -1, -1};
        bool deleted = false;
        out[d].count = 1 + rng_below(&s, RANDOM_OPS);
        for (size_t i = 0; i < out[d].count; i++) {
            sae_hlc t = MS((int64_t)(1 + rng_below(&s, 50)) * 1000 + (int64_t)i * 60000) + (sae_hlc)d;
            size_t f = rng_below(&s, COUNT(fields));
            struct test_change *c = &out[d].ops[i];
            if (!deleted && rng_below(&s, 10) == 0) {
                *c = (struct test_change){d, R1, "case", SAE_FIELD_TOMBSTONE, "1", t, -1, 0, 4};
                deleted = true;
                continue;
            }
            if (deleted) {
                out[d].count = i;
                break;
            }
            *c = (struct test_change){d, R1, "case", fields[f], values[f][rng_below(&s, 3)], t,
                                      last_device[f], last_device[f] >= 0 ? last_version[f] : 0,
                                      4};
            last_version[f] = t;
            last_device[f] = d;
        }
    }
}

/* Delivers the devices' ops in batches of random size, interleaved at random. */
static char *deliver_random_interleaving(const struct random_device_ops *ops, uint64_t order_seed)
{
    struct hub_fixture *f = fresh_hub();
    size_t next[RANDOM_DEVICES] = {0};
    uint64_t s = order_seed;
    deliver(f, created, COUNT(created));
    for (;;) {
        int candidates[RANDOM_DEVICES], n = 0;
        for (int d = 0; d < RANDOM_DEVICES; d++)
            if (next[d] < ops[d].count)
                candidates[n++] = d;
        if (n == 0)
            break;
        int d = candidates[rng_below(&s, (size_t)n)];
        size_t take = 1 + rng_below(&s, ops[d].count - next[d]);
        deliver(f, &ops[d].ops[next[d]], take);
        next[d] += take;
    }
    char *fingerprint = state_fingerprint(f);
    drop_hub(f);
    return fingerprint;
}

static void test_random_schedules_converge(void **state)
{
    (void)state;
    const char *fixed = getenv("SAE_MERGE_SEED");
    uint64_t first_seed = fixed ? strtoull(fixed, NULL, 10) : 20261129;
    size_t seeds = fixed ? 1 : 12;
    for (uint64_t seed = first_seed; seed < first_seed + seeds; seed++) {
        struct random_device_ops ops[RANDOM_DEVICES];
        generate(seed, ops);
        char *reference = deliver_random_interleaving(ops, seed * 7919);
        for (uint64_t k = 1; k <= 3; k++) {
            char *other = deliver_random_interleaving(ops, seed * 7919 + k);
            if (strcmp(reference, other) != 0)
                print_error("seed %llu (replay: SAE_MERGE_SEED=%llu) diverges:\n%s--- versus"
                            " ---\n%s", (unsigned long long)seed, (unsigned long long)seed,
                            reference, other);
            assert_string_equal(reference, other);
            free(other);
        }
        free(reference);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_order_of_concurrent_batches),
        cmocka_unit_test(test_scenarios_produce_what_they_claim),
        cmocka_unit_test(test_random_schedules_converge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
