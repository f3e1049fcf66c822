/* The coordinators' blind index of names on a real hub.db (hub/store/name_index.c) and the
 * reports list that searches through it (case_list.c): "sit" finds "Siti", every word of a
 * search must match, a word under three bytes is not matched against names, a name changed
 * since is found under its new value only, a value without a district copy (unset, erased)
 * is not indexed, the catch-up opens at most its bound and says it is behind, a key that is
 * not the district's finds nothing, and the table holds nothing but tokens. The district
 * copies are made here as the daemon makes them at ingest: sealed to the district key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "merge_support.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_sealed.h"
#include "store/case_list.h"
#include "store/district_key.h"
#include "store/name_index.h"
#include "store/sealed_values.h"

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define R2 "a00b7cd1-2496-4fe3-b510-6a2f8841c907"
#define R3 "5c3e0d1a-7b2f-4e6a-9c8d-1f2e3a4b5c6d"

struct world {
    struct hub_fixture *hub;
    unsigned char *secret;
    unsigned char public_key[DISTRICT_KEY_BYTES];
};

static int world_setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    hub_setup((void **)&w->hub);
    assert_int_equal(district_key_ensure(w->hub->store, w->hub->dir), 0);
    assert_int_equal(district_key_public(w->hub->store, w->public_key), 0);
    assert_int_equal(district_key_unclaimed(w->hub->dir, &w->secret), 0);
    *state = w;
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    sae_secure_free(w->secret);
    hub_teardown((void **)&w->hub);
    free(w);
    return 0;
}

/* Seals to the district key every value of report's victim_name that has no copy yet, as
 * ingest does. */
static void seal_names(struct world *w, const char *report)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(w->hub->store->db,
                                        "SELECT c.seq, c.value FROM change c WHERE c.report_id = ?1"
                                        " AND c.field = 'victim_name' AND c.value IS NOT NULL"
                                        " AND NOT EXISTS (SELECT 1 FROM sealed_value s"
                                        "  WHERE s.change = c.seq AND s.holder = 0)",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, report, -1, SQLITE_STATIC);
    int64_t seqs[8];
    unsigned char *sealed[8];
    size_t lens[8], n = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW && n < 8) {
        const char *value = (const char *)sqlite3_column_text(stmt, 1);
        seqs[n] = sqlite3_column_int64(stmt, 0);
        assert_int_equal(sae_sealed_seal(w->public_key, value, strlen(value), &sealed[n],
                                         &lens[n]),
                         0);
        n++;
    }
    sqlite3_finalize(stmt);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sealed_values_put(w->hub->store, seqs[i], SEALED_VALUE_DISTRICT,
                                           sealed[i], lens[i]),
                         0);
        free(sealed[i]);
    }
}

static void add_case(struct world *w, const char *id, const char *name_set)
{
    deliver_fields(w->hub, 0, id, "case",
                   (const char *const[]){"status=new", "victim_sex=F", name_set, NULL});
    seal_names(w, id);
}

static void catch_up(struct world *w, size_t max, bool want_behind, size_t want_opened)
{
    bool behind = !want_behind;
    size_t opened = 99;
    assert_int_equal(name_index_catch_up(w->hub->store, w->secret, max, &behind, &opened), 0);
    assert_int_equal(behind, want_behind);
    assert_int_equal(opened, want_opened);
}

/* How many reports (not deleted) the list finds for text, names searched with secret. */
static int64_t found(struct world *w, const unsigned char *secret, const char *text)
{
    uint8_t tokens[NAME_INDEX_QUERY_WORDS][NAME_INDEX_TOKEN_BYTES];
    size_t count = 0;
    assert_int_equal(name_index_query_tokens(secret, text, tokens, &count), 0);
    struct hub_list_query q = {.text = text, .has_conflict = -1, .limit = 10,
                               .name_tokens = (const uint8_t(*)[NAME_INDEX_TOKEN_BYTES])tokens,
                               .name_token_count = count};
    struct hub_list_page page = {0};
    struct sae_message why = {{0}};
    assert_int_equal(hub_case_list(w->hub->store, &q, &page, &why), 0);
    int64_t total = page.total;
    hub_list_page_free(&page);
    return total;
}

static void test_prefixes_and_words(void **state)
{
    struct world *w = *state;
    add_case(w, R1, "victim_name=Siti  RAHMAWATI");
    add_case(w, R2, "victim_name=Dewi Sartika");
    deliver_fields(w->hub, 0, R3, "case", (const char *const[]){"status=new", NULL});
    catch_up(w, NAME_INDEX_CATCH_UP_VALUES, false, 2);
    assert_int_equal(found(w, w->secret, "sit"), 1);         /* the shortest prefix */
    assert_int_equal(found(w, w->secret, "Siti"), 1);
    assert_int_equal(found(w, w->secret, "rahmaw"), 1);
    assert_int_equal(found(w, w->secret, "siti rahma"), 1);
    assert_int_equal(found(w, w->secret, "siti dewi"), 0);   /* every word must match */
    assert_int_equal(found(w, w->secret, "sar"), 1);         /* Sartika */
    assert_int_equal(found(w, w->secret, "si"), 0);          /* under three bytes: no names */
    assert_int_equal(found(w, w->secret, "sitti"), 0);
    /* Prefixes only, not inner parts of a word. */
    assert_int_equal(found(w, w->secret, "ahmawati"), 0);
    /* A key that is not the district's makes tokens that match nothing. */
    unsigned char other[DISTRICT_KEY_BYTES];
    randombytes_buf(other, sizeof other);
    assert_int_equal(found(w, other, "siti"), 0);
    /* Without tokens (an operator) the same text finds no name. */
    struct hub_list_query q = {.text = "siti", .has_conflict = -1, .limit = 10};
    struct hub_list_page page = {0};
    assert_int_equal(hub_case_list(w->hub->store, &q, &page, NULL), 0);
    assert_int_equal(page.total, 0);
    hub_list_page_free(&page);
    /* Nothing in the table but tokens of 32 bytes and report ids. */
    assert_int_equal(hub_count(w->hub, "SELECT count(*) FROM name_index WHERE length(token) != 32"
                                       " OR instr(lower(CAST(token AS TEXT)), 'sit') > 0"),
                     0);
    /* "siti" 2 prefixes, "rahmawati" 7, "dewi" 2, "sartika" 5. */
    assert_int_equal(hub_count(w->hub, "SELECT count(*) FROM name_index"), 16);
}

static void test_new_value_replaces_and_unset_drops(void **state)
{
    struct world *w = *state;
    add_case(w, R1, "victim_name=Siti");
    catch_up(w, NAME_INDEX_CATCH_UP_VALUES, false, 1);
    add_case(w, R1, "victim_name=Ani");
    catch_up(w, NAME_INDEX_CATCH_UP_VALUES, false, 1);
    assert_int_equal(found(w, w->secret, "siti"), 0);
    assert_int_equal(found(w, w->secret, "ani"), 1);
    /* Nothing new: nothing opened. */
    catch_up(w, NAME_INDEX_CATCH_UP_VALUES, false, 0);
    /* Unset: the head has no copy, so the report has no rows. */
    const struct test_change unset = {0, R1, "case", "victim_name", NULL, MS(3600000), -1, 0, 0};
    assert_int_equal(deliver(w->hub, &unset, 1).applied, 1);
    catch_up(w, NAME_INDEX_CATCH_UP_VALUES, false, 1);
    assert_int_equal(found(w, w->secret, "ani"), 0);
    assert_int_equal(hub_count(w->hub, "SELECT count(*) FROM name_index"), 0);
}

static void test_catch_up_bound(void **state)
{
    struct world *w = *state;
    add_case(w, R1, "victim_name=Siti");
    add_case(w, R2, "victim_name=Sinta");
    add_case(w, R3, "victim_name=Sisca");
    /* At the edge: a bound of 2 opens 2 and is behind; the next opens the third. */
    catch_up(w, 2, true, 2);
    assert_int_equal(found(w, w->secret, "sis"), 0);
    assert_int_equal(found(w, w->secret, "sin"), 1);
    catch_up(w, 2, false, 1);
    assert_int_equal(found(w, w->secret, "sis"), 1);
    /* A bound of exactly what is left is not behind. */
    add_case(w, R1, "victim_name=Sulastri");
    add_case(w, R2, "victim_name=Suparti");
    catch_up(w, 2, false, 2);
    assert_int_equal(found(w, w->secret, "sula"), 1);
    assert_int_equal(found(w, w->secret, "sup"), 1);
    assert_int_equal(found(w, w->secret, "siti"), 0);
    bool behind = false;
    size_t opened = 0;
    assert_int_equal(name_index_catch_up(w->hub->store, w->secret, 0, &behind, &opened),
                     SAE_EINVAL);
}

static void test_query_tokens(void **state)
{
    struct world *w = *state;
    uint8_t tokens[NAME_INDEX_QUERY_WORDS][NAME_INDEX_TOKEN_BYTES], again[NAME_INDEX_TOKEN_BYTES];
    size_t count = 9;
    /* Repeats count once; words past NAME_INDEX_QUERY_WORDS are left out; punctuation
     * separates; case folds. */
    assert_int_equal(name_index_query_tokens(w->secret, "Siti, siti SITI", tokens, &count), 0);
    assert_int_equal(count, 1);
    memcpy(again, tokens[0], sizeof again);
    assert_int_equal(name_index_query_tokens(w->secret, "aaa bbb ccc ddd eee", tokens, &count), 0);
    assert_int_equal(count, NAME_INDEX_QUERY_WORDS);
    assert_int_equal(name_index_query_tokens(w->secret, "a b c", tokens, &count), 0);
    assert_int_equal(count, 0);
    /* A word longer than NAME_INDEX_PREFIX_MAX is cut: its first 32 bytes match. */
    char longer[NAME_INDEX_PREFIX_MAX + 9], cut[NAME_INDEX_PREFIX_MAX + 1];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    memset(cut, 'x', sizeof cut - 1);
    cut[sizeof cut - 1] = '\0';
    assert_int_equal(name_index_query_tokens(w->secret, longer, tokens, &count), 0);
    memcpy(again, tokens[0], sizeof again);
    assert_int_equal(name_index_query_tokens(w->secret, cut, tokens, &count), 0);
    assert_memory_equal(again, tokens[0], sizeof again);
    /* Bytes past ASCII are kept as they are (not separators). */
    assert_int_equal(name_index_query_tokens(w->secret, "\xc3\xa9t\xc3\xa9", tokens, &count), 0);
    assert_int_equal(count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prefixes_and_words, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_new_value_replaces_and_unset_drops, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_catch_up_bound, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_query_tokens, world_setup, world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
