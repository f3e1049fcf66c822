/* The console's reports list and conflicts queue on a real hub.db built by case_world:
 * every filter against what the seed says the cases hold, sorts, paging and totals, every
 * limit at its edge, badges equal to the queue's own entries, and the queue's candidates
 * with their bases, the agreed value and the standing one. */
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
#include "merge_support.h"
#include "merge/merge.h"
#include "merge/merge_case_review.h"
#include "sae/sae_wire.h"
#include "sae/sae_db.h"
#include "store/case_list.h"
#include "store/conflict_queue.h"

#define NOW_MS INT64_C(1795958400000)

static const struct case_world_options world_options = {
    .seed = 7, .cases = 400, .posts = 12, .conflicts = 12, .batch = 2000, .now_ms = NOW_MS};

static int setup(void **state)
{
    return case_world_fixture_new(state, &world_options);
}

static struct hub_list_query cases_query(void)
{
    return (struct hub_list_query){.kind = "case", .has_conflict = -1, .limit = 50};
}

static int64_t total_of(struct case_world_fixture *f, const struct hub_list_query *q)
{
    struct hub_list_page page;
    struct sae_message why = {{0}};
    int rc = hub_case_list(f->world.store, q, &page, &why);
    if (rc != 0)
        print_error("list: %s\n", why.text);
    assert_int_equal(rc, 0);
    int64_t total = page.total;
    hub_list_page_free(&page);
    return total;
}

/* What the merge leaves standing on the staged cases (safest: high over low; equal ranks of
 * status: the later "referred"). */
static void standing_case(size_t index, struct case_world_case *c)
{
    case_world_case(&world_options, index, c);
    for (size_t k = 0; k < world_options.conflicts; k++) {
        if (case_world_conflict_case(&world_options, k) != index)
            continue;
        if (case_world_conflict_kind(k) == CASE_WORLD_CONFLICT_RISK)
            c->risk = "high";
        if (case_world_conflict_kind(k) == CASE_WORLD_CONFLICT_STATUS)
            c->status = "referred";
    }
}

typedef bool (*case_match_fn)(const struct case_world_case *c, const void *arg);

static int64_t expected(case_match_fn match, const void *arg)
{
    int64_t n = 0;
    for (size_t i = 0; i < world_options.cases; i++) {
        struct case_world_case c;
        standing_case(i, &c);
        n += match(&c, arg);
    }
    return n;
}

static bool risk_is(const struct case_world_case *c, const void *arg)
{
    return strcmp(c->risk, arg) == 0;
}

static bool status_is(const struct case_world_case *c, const void *arg)
{
    return strcmp(c->status, arg) == 0;
}

static bool village_is(const struct case_world_case *c, const void *arg)
{
    return strcmp(c->village, arg) == 0;
}

static bool kecamatan_is(const struct case_world_case *c, const void *arg)
{
    return strcmp(c->kecamatan, arg) == 0;
}

static bool sexual(const struct case_world_case *c, const void *arg)
{
    (void)arg;
    return (c->violence_mask & (1u << 2)) != 0; /* violence_types' third value */
}

static bool in_2026_h1(const struct case_world_case *c, const void *arg)
{
    (void)arg;
    return strcmp(c->intake_date, "2026-01-01") >= 0 && strcmp(c->intake_date, "2026-06-30") <= 0;
}

static bool high_sexual_in_village(const struct case_world_case *c, const void *arg)
{
    return risk_is(c, "high") && sexual(c, NULL) && village_is(c, arg);
}

static void test_filters_find_what_the_seed_holds(void **state)
{
    struct case_world_fixture *f = *state;
    struct case_world_case first;
    case_world_case(&world_options, 0, &first);
    struct hub_list_query q = cases_query();
    assert_int_equal(total_of(f, &q), (int64_t)world_options.cases);
    q.risk = "high";
    assert_true(expected(risk_is, "high") > 0);
    assert_int_equal(total_of(f, &q), expected(risk_is, "high"));
    q.risk = "Tinggi"; /* as people type it */
    assert_int_equal(total_of(f, &q), expected(risk_is, "high"));
    q = cases_query();
    q.status = "closed";
    assert_int_equal(total_of(f, &q), expected(status_is, "closed"));
    q.status = "referred";
    assert_int_equal(total_of(f, &q), expected(status_is, "referred"));
    q = cases_query();
    q.village = first.village;
    assert_int_equal(total_of(f, &q), expected(village_is, first.village));
    q = cases_query();
    q.kecamatan = first.kecamatan;
    assert_int_equal(total_of(f, &q), expected(kecamatan_is, first.kecamatan));
    q = cases_query();
    q.violence = "sexual";
    assert_int_equal(total_of(f, &q), expected(sexual, NULL));
    q = cases_query();
    q.from = "2026-01-01";
    q.to = "30-06-2026";
    assert_int_equal(total_of(f, &q), expected(in_2026_h1, NULL));
    q = cases_query();
    q.risk = "high";
    q.violence = "seksual";
    q.village = first.village;
    assert_int_equal(total_of(f, &q), expected(high_sexual_in_village, first.village));
    /* Services are reports too; a case filter leaves them out. */
    q = (struct hub_list_query){.kind = "service", .has_conflict = -1, .limit = 10};
    assert_int_equal(total_of(f, &q), (int64_t)f->world.services);
}

static void test_free_text_never_reads_sensitive_fields(void **state)
{
    struct case_world_fixture *f = *state;
    struct case_world_case c;
    case_world_case(&world_options, 17, &c);
    struct hub_list_query q = cases_query();
    struct hub_list_page page;
    q.text = c.registration;
    assert_int_equal(hub_case_list(f->world.store, &q, &page, NULL), 0);
    assert_int_equal(page.total, 1);
    assert_string_equal(page.rows[0].id, c.id);
    assert_string_equal(page.rows[0].registration, c.registration);
    hub_list_page_free(&page);
    q.text = c.victim_name; /* stored, sensitive: never matched */
    assert_int_equal(total_of(f, &q), 0);
    q.text = "menyampaikan"; /* a word of every narrative */
    assert_int_equal(total_of(f, &q), 0);
    char prefix[9];
    snprintf(prefix, sizeof prefix, "%.8s", c.id);
    q.text = prefix;
    assert_true(total_of(f, &q) >= 1);
}

static void test_sorts_and_pages(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_list_query q = cases_query();
    struct hub_list_page page;
    q.limit = HUB_LIST_PAGE_MAX;
    assert_int_equal(hub_case_list(f->world.store, &q, &page, NULL), 0);
    assert_int_equal(page.count, HUB_LIST_PAGE_MAX);
    for (size_t i = 1; i < page.count; i++)
        assert_true(strcmp(page.rows[i - 1].date, page.rows[i].date) >= 0);
    char last_of_first[SAE_ID_TEXT_LEN + 1];
    snprintf(last_of_first, sizeof last_of_first, "%s", page.rows[page.count - 1].id);
    hub_list_page_free(&page);
    /* The next page starts right after: no row twice, none skipped. */
    q.offset = HUB_LIST_PAGE_MAX - 1;
    q.limit = 2;
    assert_int_equal(hub_case_list(f->world.store, &q, &page, NULL), 0);
    assert_string_equal(page.rows[0].id, last_of_first);
    hub_list_page_free(&page);
    q = cases_query();
    q.sort = HUB_LIST_BY_REGISTRATION;
    assert_int_equal(hub_case_list(f->world.store, &q, &page, NULL), 0);
    for (size_t i = 1; i < page.count; i++)
        assert_true(strcmp(page.rows[i - 1].registration, page.rows[i].registration) <= 0);
    hub_list_page_free(&page);
    q.sort = HUB_LIST_BY_UPDATED;
    assert_int_equal(hub_case_list(f->world.store, &q, &page, NULL), 0);
    for (size_t i = 1; i < page.count; i++)
        assert_true(page.rows[i - 1].updated >= page.rows[i].updated);
    /* The staged conflicts were written last: the newest versions. */
    assert_true(page.rows[0].open_conflicts > 0 || page.rows[0].updated > 0);
    hub_list_page_free(&page);
    q.sort = HUB_LIST_BY_VILLAGE;
    assert_int_equal(hub_case_list(f->world.store, &q, &page, NULL), 0);
    for (size_t i = 1; i < page.count; i++)
        assert_true(strcmp(page.rows[i - 1].village, page.rows[i].village) <= 0);
    hub_list_page_free(&page);
}

static void expect_refused(struct case_world_fixture *f, const struct hub_list_query *q, const char *says)
{
    struct hub_list_page page = {0};
    struct sae_message why = {{0}};
    assert_int_equal(hub_case_list(f->world.store, q, &page, &why), SAE_EINVAL);
    if (!strstr(why.text, says))
        print_error("want \"%s\" in: %s\n", says, why.text);
    assert_non_null(strstr(why.text, says));
    assert_null(page.rows);
}

static void test_limits_at_their_edges(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_list_query q = cases_query();
    char text[HUB_LIST_TEXT_MAX + 2];
    q.limit = 1;
    assert_int_equal(total_of(f, &q), (int64_t)world_options.cases);
    q.limit = 0;
    expect_refused(f, &q, "1 to 200");
    q.limit = HUB_LIST_PAGE_MAX + 1;
    expect_refused(f, &q, "1 to 200");
    q.limit = 10;
    q.offset = HUB_LIST_OFFSET_MAX;
    assert_int_equal(total_of(f, &q), (int64_t)world_options.cases);
    q.offset = HUB_LIST_OFFSET_MAX + 1;
    expect_refused(f, &q, "starts at most");
    q = cases_query();
    memset(text, 'x', sizeof text);
    text[HUB_LIST_TEXT_MAX] = '\0';
    q.text = text;
    assert_int_equal(total_of(f, &q), 0);
    text[HUB_LIST_TEXT_MAX] = 'x';
    text[HUB_LIST_TEXT_MAX + 1] = '\0';
    expect_refused(f, &q, "1 to 100 bytes");
    q = cases_query();
    q.risk = "enormous";
    expect_refused(f, &q, "risk_level");
    q = cases_query();
    q.violence = "physical,sexual";
    expect_refused(f, &q, "one type");
    q = cases_query();
    q.village = "35.13.12"; /* a kecamatan given as a village */
    expect_refused(f, &q, "village");
    q = cases_query();
    q.from = "2026-02-30";
    expect_refused(f, &q, "intake_date");
    q = cases_query();
    q.review = "fine";
    expect_refused(f, &q, "received, has_issues");
    q = cases_query();
    q.kind = "survivor";
    expect_refused(f, &q, "no kind");
}

/* One code path: the list's badges and "has conflict" total are the queue's entries. */
static void test_badges_are_the_queue(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_queue queue;
    struct hub_queue_query qq = {.limit = HUB_QUEUE_PAGE_MAX, .now_ms = NOW_MS};
    assert_int_equal(hub_conflict_queue(f->world.store, &qq, &queue, NULL), 0);
    assert_int_equal(queue.total, (int64_t)f->world.conflicts_open);
    assert_int_equal(queue.count, f->world.conflicts_open);
    struct hub_list_query q = cases_query();
    q.has_conflict = 1;
    q.limit = HUB_LIST_PAGE_MAX;
    struct hub_list_page page;
    assert_int_equal(hub_case_list(f->world.store, &q, &page, NULL), 0);
    assert_int_equal(page.total, (int64_t)queue.count); /* one conflict per staged case */
    for (size_t i = 0; i < page.count; i++) {
        int64_t in_queue = 0;
        for (size_t k = 0; k < queue.count; k++)
            in_queue += strcmp(queue.entries[k].report_id, page.rows[i].id) == 0;
        assert_int_equal(page.rows[i].open_conflicts, in_queue);
        assert_true(in_queue > 0);
    }
    hub_list_page_free(&page);
    q.has_conflict = 0;
    assert_int_equal(total_of(f, &q), (int64_t)(world_options.cases - queue.count));
    /* One village's queue: the conflicts of its cases, counted and listed alike. */
    const char *village = queue.entries[0].village;
    int64_t in_village = 0;
    for (size_t k = 0; k < queue.count; k++)
        in_village += strcmp(queue.entries[k].village, village) == 0;
    struct hub_queue one;
    struct hub_queue_query qv = {.limit = HUB_QUEUE_PAGE_MAX, .now_ms = NOW_MS,
                                 .village = village};
    assert_int_equal(hub_conflict_queue(f->world.store, &qv, &one, NULL), 0);
    assert_int_equal(one.total, in_village);
    assert_int_equal((int64_t)one.count, in_village);
    for (size_t k = 0; k < one.count; k++)
        assert_string_equal(one.entries[k].village, village);
    assert_true(in_village < (int64_t)queue.count);
    hub_conflict_queue_free(&one);
    hub_conflict_queue_free(&queue);
}

static void test_queue_shows_bases_agreed_and_standing(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_queue queue;
    struct hub_queue_query qq = {.limit = HUB_QUEUE_PAGE_MAX, .now_ms = NOW_MS};
    assert_int_equal(hub_conflict_queue(f->world.store, &qq, &queue, NULL), 0);
    for (size_t i = 0; i < queue.count; i++) {
        const struct hub_queue_entry *e = &queue.entries[i];
        if (i > 0)
            assert_true(queue.entries[i - 1].opened_ms <= e->opened_ms);
        assert_true(e->hard);
        assert_int_equal(e->age_ms, NOW_MS - e->opened_ms);
        assert_int_equal(e->candidate_count, 2);
        /* Both edited from the post's first version: that is what they saw and agreed on. */
        assert_true(e->candidates[0].base.exists);
        assert_int_equal(e->candidates[0].base.seq, e->candidates[1].base.seq);
        assert_int_equal(e->agreed.seq, e->candidates[0].base.seq);
        assert_string_equal(e->candidates[0].change.author, CASE_WORLD_AUTHOR);
        assert_non_null(e->candidates[1].change.device);
        assert_non_null(e->registration);
        if (strcmp(e->field, "risk_level") == 0) {
            assert_string_equal(e->policy, "safest");
            assert_string_equal(e->standing.value, "high");
            assert_string_equal(e->candidates[0].change.value, "high"); /* older */
            assert_string_equal(e->candidates[1].change.value, "low");
        } else if (strcmp(e->field, "victim_age") == 0) {
            assert_string_equal(e->policy, "latest");
            assert_string_equal(e->standing.value, "31");
        }
    }
    hub_conflict_queue_free(&queue);
    qq.limit = 0;
    assert_int_equal(hub_conflict_queue(f->world.store, &qq, &queue, NULL), SAE_EINVAL);
    qq.limit = HUB_QUEUE_PAGE_MAX + 1;
    assert_int_equal(hub_conflict_queue(f->world.store, &qq, &queue, NULL), SAE_EINVAL);
    qq.limit = 1;
    assert_int_equal(hub_conflict_queue(f->world.store, &qq, &queue, NULL), 0);
    assert_int_equal(queue.count, 1);
    assert_int_equal(queue.total, (int64_t)f->world.conflicts_open);
    hub_conflict_queue_free(&queue);
}

/* A district edit reaches the list at once: the summary moves with the winners. */
static void test_list_follows_the_merge(void **state)
{
    struct case_world_fixture *f = *state;
    struct case_world_case c;
    case_world_case(&world_options, 5, &c);
    struct hub_list_query q = cases_query();
    q.risk = "high";
    int64_t before = total_of(f, &q);
    const char *other = strcmp(c.risk, "high") == 0 ? "low" : "high";
    assert_int_equal(merge_district_edit(f->world.store, c.id, "risk_level", other, "Koordinator",
                                         NOW_MS, NULL), 0);
    assert_int_equal(total_of(f, &q), before + (strcmp(other, "high") == 0 ? 1 : -1));
}

/* The review filter and column follow the last review of each case. */
static void test_review_state_filter(void **state)
{
    struct case_world_fixture *f = *state;
    struct case_world_case a, b;
    struct sae_message why = {{0}};
    case_world_case(&world_options, 3, &a);
    case_world_case(&world_options, 4, &b);
    assert_int_equal(merge_case_review(f->world.store, a.id, SAE_CASE_REVIEW_HAS_ISSUES,
                                       "Usia tidak cocok", "Bu Ani", NOW_MS, &why), 0);
    assert_int_equal(merge_case_review(f->world.store, b.id, SAE_CASE_REVIEW_HAS_ISSUES,
                                       "Desa salah", "Bu Ani", NOW_MS, &why), 0);
    assert_int_equal(merge_case_review(f->world.store, b.id, SAE_CASE_REVIEW_APPROVED, NULL,
                                       "Bu Ani", NOW_MS + 1, &why), 0);
    struct hub_list_query q = cases_query();
    struct hub_list_page page;
    q.review = "has_issues";
    assert_int_equal(hub_case_list(f->world.store, &q, &page, NULL), 0);
    assert_int_equal(page.total, 1);
    assert_string_equal(page.rows[0].id, a.id);
    assert_string_equal(page.rows[0].review, "has_issues");
    hub_list_page_free(&page);
    q.review = "approved";
    assert_int_equal(total_of(f, &q), 1);
    q.review = HUB_REVIEW_NONE;
    assert_int_equal(total_of(f, &q), (int64_t)world_options.cases - 2);
    /* Refusals: has issues without a note, a service, an unknown case. */
    assert_int_equal(merge_case_review(f->world.store, a.id, SAE_CASE_REVIEW_HAS_ISSUES, NULL,
                                       "Bu Ani", NOW_MS, &why), SAE_EINVAL);
    assert_int_equal(merge_case_review(f->world.store, "00000000-0000-4000-8000-000000000000",
                                       SAE_CASE_REVIEW_APPROVED, NULL, "Bu Ani", NOW_MS, &why),
                     SAE_ENOTFOUND);
    q.review = "has_issues";
    assert_int_equal(total_of(f, &q), 1);
}

/* A hub of schema 5 (accounts, before the console's reads) gets its summary from what it holds. */
static void test_migration_fills_the_summary(void **state)
{
    struct case_world_fixture *f = *state;
    struct hub_list_query q = cases_query();
    q.risk = "medium";
    int64_t medium = total_of(f, &q);
    assert_true(medium > 0);
    assert_int_equal(sae_db_exec(f->world.store->db,
                                 UNDO_HUB_MIGRATION_17_SQL
                                 "DROP TABLE report_summary; DROP TABLE case_review;"
                                 " ALTER TABLE conflict DROP COLUMN dismissed;"
                                 " DROP INDEX conflict_by_age;"
                                 /* and what migration 7 (monitoring) adds after it */
                                 " DROP TABLE me_case; DROP TABLE me_event;"
                                 " DROP TABLE dup_name; DROP TABLE dup_pair;"
                                 " DROP TABLE dup_decision; DROP TABLE dup_survivor;"
                                 " DROP TABLE month_lock; DROP TABLE month_figure;"
                                 " DROP TABLE referral_override;"
                                 " DELETE FROM meta WHERE key IN ('me_cursor', 'dup_cursor');"
                                 /* and what migration 8 (posts' reports, bundles) adds */
                                 " DROP TABLE node_report; DROP INDEX enroll_token_bundle;"
                                 " ALTER TABLE enroll_token DROP COLUMN bundle_id;"
                                 " ALTER TABLE enroll_token DROP COLUMN device_index;"
                                 " ALTER TABLE enroll_token DROP COLUMN downloaded_ms;"
                                 /* and migration 9's index */
                                 " DROP INDEX report_by_kind_village;"
                                 /* and migration 10's columns (the district key) */
                                 " ALTER TABLE account DROP COLUMN key_wrap;"
                                 " ALTER TABLE node DROP COLUMN storage_public_key;"
                                 /* and migration 11's tables (sealed values) */
                                 " DROP TABLE sealed_value; DROP TABLE value_grant;"
                                 /* and migrations 12 and 13 (name index, erasures) */
                                 " DROP TABLE name_index; DROP TABLE erased_report;"
                                 " DELETE FROM meta WHERE key = 'name_index_cursor';"
                                 /* and migration 14's table (names hashed at ingest) */
                                 " DROP TABLE dup_change_name;"
                                 /* and migration 15 (agencies' keys) */
                                 " DROP TABLE agency_key; DROP INDEX change_by_case_id;"
                                 " PRAGMA user_version = 5"), 0);
    hub_store_close(f->world.store);
    f->world.store = NULL;
    assert_int_equal(hub_store_open(f->d.path, 1000, &f->world.store, NULL), 0);
    assert_int_equal(total_of(f, &q), medium);
    q = cases_query();
    assert_int_equal(total_of(f, &q), (int64_t)world_options.cases);
    q.has_conflict = 1;
    assert_int_equal(total_of(f, &q), (int64_t)f->world.conflicts_open);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, case_world_fixture_free)
    const struct CMUnitTest tests[] = {
        T(test_filters_find_what_the_seed_holds),
        T(test_free_text_never_reads_sensitive_fields),
        T(test_sorts_and_pages),
        T(test_limits_at_their_edges),
        T(test_badges_are_the_queue),
        T(test_queue_shows_bases_agreed_and_standing),
        T(test_list_follows_the_merge),
        T(test_migration_fills_the_summary),
        T(test_review_state_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
