/* The post's list of cases on a real journal: search by name and by a phrase of the
 * narrative, % _ ' and " in a term taken literally, the term's length limit at its edge,
 * filters by status, risk and intake period in people's words, deleted cases left out,
 * paging with the total, a field under the district's review, and refusals that leave the
 * page untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "store/case_search.h"
#include "store/storage_key.h"
#include "store/value_seal.h"
#include "sae/sae_secure_mem.h"
#include "unit_support.h"

static void add_named(struct node_store *store, const char *name, const char *narrative,
                      const char *risk, const char *intake, char id[SAE_ID_TEXT_LEN + 1])
{
    char name_set[256], narrative_set[512], risk_set[64], intake_set[64];
    snprintf(name_set, sizeof name_set, "victim_name=%s", name);
    snprintf(narrative_set, sizeof narrative_set, "narrative=%s", narrative);
    snprintf(risk_set, sizeof risk_set, "risk_level=%s", risk);
    snprintf(intake_set, sizeof intake_set, "intake_date=%s", intake);
    const char *const sets[] = {"violence_types=physical", "victim_sex=F", name_set,
                                narrative_set, risk_set, intake_set, NULL};
    unit_add(store, "case", sets, id);
}

/* A search as a signed-in staff member makes it: with the storage key lent (here the
 * unclaimed secret of a post without staff). */
static struct case_search_page *search_with(struct node_store *store, struct case_search_query q,
                                            bool key)
{
    static struct case_search_page page;
    struct sae_message why = {{0}};
    unsigned char *secret = NULL;
    memset(&page, 0, sizeof page);
    if (key) {
        assert_int_equal(storage_key_unclaimed(store, &secret), 0);
        node_store_lend_secret(store, secret);
    }
    int rc = case_search(store, &q, &page, &why);
    node_store_lend_secret(store, NULL);
    sae_secure_free(secret);
    if (rc != 0)
        fail_msg("case_search: %d %s", rc, why.text);
    return &page;
}

static struct case_search_page *search(struct node_store *store, struct case_search_query q)
{
    return search_with(store, q, true);
}

/* Without a key (no one signed in) names and narratives are sealed: the search does not
 * find by them and the list masks the name; the registration number still finds the case. */
static void test_without_a_key_names_are_masked(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    add_named(f->store, "Siti Aminah", "Dipukul ayah tiri", "high", "2026-10-01", id);
    struct case_search_page *p = search_with(f->store, (struct case_search_query){.term = "aminah"},
                                             false);
    assert_int_equal(p->total, 0);
    p = search_with(f->store, (struct case_search_query){.term = "ayah"}, false);
    assert_int_equal(p->total, 0);
    p = search_with(f->store, (struct case_search_query){0}, false);
    assert_int_equal(p->total, 1);
    assert_string_equal(p->rows[0].name, VALUE_SEAL_MASK);
    char number[40];
    snprintf(number, sizeof number, "%s", p->rows[0].registration);
    p = search_with(f->store, (struct case_search_query){.term = number}, false);
    assert_int_equal(p->total, 1);
    p = search(f->store, (struct case_search_query){.term = "aminah"});
    assert_int_equal(p->total, 1);
    assert_string_equal(p->rows[0].name, "Siti Aminah");
}

static void refused(struct node_store *store, struct case_search_query q, const char *says)
{
    struct case_search_page page;
    struct sae_message why = {{0}};
    memset(&page, 0x5a, sizeof page);
    assert_int_equal(case_search(store, &q, &page, &why), SAE_EINVAL);
    assert_non_null(strstr(why.text, says));
    assert_int_equal(page.count, (size_t)0x5a5a5a5a5a5a5a5aull); /* untouched */
}

static void test_search_by_name_and_phrase(void **state)
{
    struct unit_fixture *f = *state;
    char siti[SAE_ID_TEXT_LEN + 1], ani[SAE_ID_TEXT_LEN + 1];
    add_named(f->store, "Siti Aminah", "Dipukul ayah tiri di dapur", "high", "2026-10-01", siti);
    add_named(f->store, "Ani", "Ditelantarkan setelah ibu merantau", "low", "2026-11-02", ani);
    struct case_search_page *p = search(f->store, (struct case_search_query){.term = "aminah"});
    assert_int_equal(p->total, 1);
    assert_int_equal(p->count, 1);
    assert_string_equal(p->rows[0].id, siti);
    assert_string_equal(p->rows[0].name, "Siti Aminah");
    assert_string_equal(p->rows[0].risk, "high");
    assert_string_equal(p->rows[0].intake_date, "2026-10-01");
    assert_string_equal(p->rows[0].status, "new");
    assert_true(strlen(p->rows[0].registration) > 0);
    p = search(f->store, (struct case_search_query){.term = "  IBU MERANTAU "});
    assert_int_equal(p->total, 1);
    assert_string_equal(p->rows[0].id, ani);
    /* By registration number too, and nothing for a phrase no case holds. */
    char number[40];
    strcpy(number, p->rows[0].registration);
    p = search(f->store, (struct case_search_query){.term = number});
    assert_int_equal(p->total, 1);
    assert_string_equal(p->rows[0].id, ani);
    p = search(f->store, (struct case_search_query){.term = "ayah kandung"});
    assert_int_equal(p->total, 0);
    assert_int_equal(p->count, 0);
    /* No term: both, newest first. */
    p = search(f->store, (struct case_search_query){.term = "   "});
    assert_int_equal(p->total, 2);
    assert_string_equal(p->rows[0].id, ani);
    assert_string_equal(p->rows[1].id, siti);
}

static void test_wildcards_and_quotes_are_literal(void **state)
{
    struct unit_fixture *f = *state;
    char plain[SAE_ID_TEXT_LEN + 1], marked[SAE_ID_TEXT_LEN + 1];
    add_named(f->store, "Dewi", "uang 50 ribu", "low", "2026-11-01", plain);
    add_named(f->store, "O'Brien \"Dewi\"", "diskon 50% a_b", "low", "2026-11-01", marked);
    static const char *const terms[] = {"50%", "%", "_", "a_b", "'", "o'brien", "\"dewi\"",
                                        "'; DROP TABLE journal; --"};
    static const int64_t found[] = {1, 1, 1, 1, 1, 1, 1, 0};
    for (size_t i = 0; i < COUNT(terms); i++) {
        struct case_search_page *p = search(f->store, (struct case_search_query){.term = terms[i]});
        assert_int_equal(p->total, found[i]);
        if (found[i])
            assert_string_equal(p->rows[0].id, marked);
    }
    assert_int_equal(search(f->store, (struct case_search_query){0})->total, 2);
}

static void test_term_length_limit(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1], term[CASE_SEARCH_TERM_MAX + 8];
    memset(term, 'a', CASE_SEARCH_TERM_MAX);
    term[CASE_SEARCH_TERM_MAX] = '\0';
    add_named(f->store, "Rina", term, "low", "2026-11-01", id);
    assert_int_equal(search(f->store, (struct case_search_query){.term = term})->total, 1);
    /* Spaces around do not count towards the limit. */
    char padded[CASE_SEARCH_TERM_MAX + 16];
    snprintf(padded, sizeof padded, "  %s  ", term);
    assert_int_equal(search(f->store, (struct case_search_query){.term = padded})->total, 1);
    term[CASE_SEARCH_TERM_MAX] = 'a';
    term[CASE_SEARCH_TERM_MAX + 1] = '\0';
    refused(f->store, (struct case_search_query){.term = term}, "at most 100 bytes");
    refused(f->store, (struct case_search_query){.term = "ab\xff"}, "not readable text");
}

static void test_filters_in_peoples_words(void **state)
{
    struct unit_fixture *f = *state;
    char a[SAE_ID_TEXT_LEN + 1], b[SAE_ID_TEXT_LEN + 1], c[SAE_ID_TEXT_LEN + 1];
    add_named(f->store, "A", "x", "high", "2026-09-30", a);
    add_named(f->store, "B", "x", "high", "2026-10-15", b);
    add_named(f->store, "C", "x", "low", "2026-10-31", c);
    unit_edit(f->store, b, (const char *const[]){"status=active", NULL}, 1);
    struct case_search_page *p = search(f->store, (struct case_search_query){.risk = "tinggi"});
    assert_int_equal(p->total, 2);
    p = search(f->store, (struct case_search_query){.risk = "Tinggi", .status = "ditangani"});
    assert_int_equal(p->total, 1);
    assert_string_equal(p->rows[0].id, b);
    /* The period's both ends are in it; DD-MM-YYYY as staff write it. */
    p = search(f->store, (struct case_search_query){.from = "01-10-2026", .to = "2026-10-31"});
    assert_int_equal(p->total, 2);
    assert_string_equal(p->rows[0].id, c);
    assert_string_equal(p->rows[1].id, b);
    p = search(f->store, (struct case_search_query){.to = "2026-09-30"});
    assert_int_equal(p->total, 1);
    assert_string_equal(p->rows[0].id, a);
    /* A deleted case is not listed. */
    struct sae_message why = {{0}};
    assert_int_equal(journal_delete(f->store, a, &why), 0);
    assert_int_equal(search(f->store, (struct case_search_query){.risk = "high"})->total, 1);
    refused(f->store, (struct case_search_query){.risk = "urgent"}, "risk:");
    refused(f->store, (struct case_search_query){.status = "open"}, "status:");
    refused(f->store, (struct case_search_query){.from = "2026-13-01"}, "from:");
    refused(f->store, (struct case_search_query){.to = "yesterday"}, "to:");
}

static void test_paging_with_total(void **state)
{
    struct unit_fixture *f = *state;
    enum { CASES = CASE_SEARCH_PAGE_ROWS + 3 };
    char ids[CASES][SAE_ID_TEXT_LEN + 1];
    for (size_t i = 0; i < CASES; i++)
        add_named(f->store, "Nama", "x", "medium", "2026-11-01", ids[i]);
    struct case_search_page *p = search(f->store, (struct case_search_query){0});
    assert_int_equal(p->total, CASES);
    assert_int_equal(p->count, CASE_SEARCH_PAGE_ROWS);
    assert_string_equal(p->rows[0].id, ids[CASES - 1]);
    p = search(f->store, (struct case_search_query){.offset = CASE_SEARCH_PAGE_ROWS});
    assert_int_equal(p->total, CASES);
    assert_int_equal(p->count, 3);
    assert_string_equal(p->rows[2].id, ids[0]);
    p = search(f->store, (struct case_search_query){.offset = CASE_SEARCH_OFFSET_MAX});
    assert_int_equal(p->total, CASES);
    assert_int_equal(p->count, 0);
    refused(f->store, (struct case_search_query){.offset = CASE_SEARCH_OFFSET_MAX + 1},
            "offset: 0 to");
}

/* While the district reviews the name, the list shows the value that stands at the hub
 * (here the post's first name, recorded as a pull records a review), and the search finds
 * the case by that value and by the post's own newer one. */
static void test_a_field_under_review(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1], other[SAE_ID_TEXT_LEN + 1];
    add_named(f->store, "Ani Lestari", "x", "low", "2026-11-01", id);
    add_named(f->store, "Dewi", "x", "low", "2026-11-01", other);
    unit_edit(f->store, id, (const char *const[]){"victim_name=Budi Santoso", NULL}, 1);
    struct unit_history h = unit_history_of(f->store, id);
    struct sae_version first = {0}, latest = {0};
    for (size_t i = 0; i < h.count; i++)
        if (strcmp(h.at[i].field, "victim_name") == 0) {
            first = latest.hlc ? first : h.at[i].version;
            latest = h.at[i].version;
        }
    assert_true(latest.hlc > first.hlc);
    unit_review(f->store, id, "victim_name", true, first, latest);
    struct case_search_page *p = search(f->store, (struct case_search_query){.term = "lestari"});
    assert_int_equal(p->total, 1);
    assert_string_equal(p->rows[0].id, id);
    assert_string_equal(p->rows[0].name, "Ani Lestari");
    p = search(f->store, (struct case_search_query){.term = "santoso"});
    assert_int_equal(p->total, 1);
    assert_string_equal(p->rows[0].id, id);
    assert_int_equal(search(f->store, (struct case_search_query){.term = "dewi"})->total, 1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    umask(077);
#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_search_by_name_and_phrase),
        T(test_wildcards_and_quotes_are_literal),
        T(test_term_length_limit),
        T(test_filters_in_peoples_words),
        T(test_paging_with_total),
        T(test_a_field_under_review),
        T(test_without_a_key_names_are_masked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
