/* Sensitive values sealed at rest on the post (node/store/value_seal.c) on a real journal:
 * own and pulled values are kept sealed in the journal, the state and the shown values, and
 * no byte of node.db holds them; reads mask them without a lent key and open them with one;
 * an edit repeating a value is skipped only when the key lets it compare; node migration
 * 12's sealing in place turns a plaintext journal into a sealed one that passes the check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/journal_check.h"
#include "store/opened_cache.h"
#include "store/storage_key.h"
#include "store/journal.h"
#include "store/value_seal.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_wire.h"
#include "unit_support.h"

#define NAME "Siti Penanda Segel"
#define STORY "Kisah penanda segel"
#define PULLED "Nama Tarikan Penanda"

static void add_marked(struct node_store *store, char id[SAE_ID_TEXT_LEN + 1])
{
    static const char *const sets[] = {"violence_types=physical", "victim_sex=F",
                                       "victim_age=7", "intake_date=2026-11-01",
                                       "victim_name=" NAME, "narrative=" STORY, NULL};
    unit_add(store, "case", sets, id);
}

/* Whether the bytes of dir/node.db (and its WAL) contain text anywhere. */
static bool file_holds(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    unit_path(dir, name, path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool found = false;
    size_t n = strlen(text), len = 0;
    char *bytes = malloc(1u << 24);
    assert_non_null(bytes);
    len = fread(bytes, 1, 1u << 24, f);
    fclose(f);
    for (size_t i = 0; !found && i + n <= len; i++)
        found = memcmp(bytes + i, text, n) == 0;
    free(bytes);
    return found;
}

static void pull_name(struct node_store *store, const char *id)
{
    struct sae_change c = {.kind = "case", .field = "victim_name", .value = PULLED,
                           .version = {UINT64_C(1) << 62, 77}, .seq = 1};
    bool applied = false;
    assert_int_equal(sae_id_parse(id, &c.report_id), 0);
    assert_int_equal(node_store_begin(store), 0);
    assert_int_equal(journal_apply_remote(store, &c, &applied), 0);
    assert_int_equal(node_store_commit(store), 0);
    assert_true(applied);
}

static void test_stored_sealed_everywhere(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    add_marked(f->store, id);
    pull_name(f->store, id);
    /* Every stored value of a sensitive field is armoured; the others are plain. */
    assert_int_equal(unit_count(f->store, "SELECT count(*) FROM journal WHERE field IN"
                                          " ('victim_name', 'narrative') AND value NOT LIKE"
                                          " 'sealed:%'"), 0);
    /* The state keeps no value (its entry's); the shown values refer to their entries. */
    assert_int_equal(unit_count(f->store, "SELECT count(*) FROM field_shown WHERE field IN"
                                          " ('victim_name', 'narrative') AND value NOT LIKE"
                                          " '" JOURNAL_ENTRY_REF "%'"), 0);
    assert_int_equal(unit_count(f->store, "SELECT count(*) FROM field_shown WHERE"
                                          " field = 'victim_sex' AND value = 'F'"), 1);
    assert_int_equal(node_store_reset_wal(f->store), 0);
    const char *const markers[] = {NAME, STORY, PULLED, "Penanda"};
    for (size_t i = 0; i < COUNT(markers); i++) {
        assert_false(file_holds(f->d.dir, "node.db", markers[i]));
        assert_false(file_holds(f->d.dir, "node.db-wal", markers[i]));
    }
    struct journal_check_result r;
    assert_int_equal(journal_check(f->store, &r), 0);
    assert_int_equal(r.problems, 0);
}

static const char *value_of(const struct report *report, const char *field)
{
    for (size_t i = 0; i < report->value_count; i++)
        if (strcmp(report->values[i].field->name, field) == 0)
            return report->values[i].value;
    return NULL;
}

struct history_seen {
    size_t names;
    bool plain;
};

static int see_history(const struct history_entry *e, void *context)
{
    struct history_seen *seen = context;
    if (strcmp(e->field, "victim_name") == 0) {
        seen->names++;
        seen->plain = seen->plain || strcmp(e->value, VALUE_SEAL_MASK) != 0;
    }
    return 0;
}

static void test_reads_mask_without_a_key(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct report *report = NULL;
    struct history_seen seen = {0, false};
    add_marked(f->store, id);
    assert_int_equal(report_load(f->store, id, &report), 0);
    assert_string_equal(value_of(report, "victim_name"), VALUE_SEAL_MASK);
    assert_string_equal(value_of(report, "narrative"), VALUE_SEAL_MASK);
    assert_string_equal(value_of(report, "victim_sex"), "F");
    report_free(report);
    assert_int_equal(report_history(f->store, id, see_history, &seen), 0);
    assert_int_equal(seen.names, 1);
    assert_false(seen.plain);
    unsigned char *secret = unit_lend(f->store);
    assert_int_equal(report_load(f->store, id, &report), 0);
    assert_string_equal(value_of(report, "victim_name"), NAME);
    assert_string_equal(value_of(report, "narrative"), STORY);
    report_free(report);
    seen = (struct history_seen){0, false};
    assert_int_equal(report_history(f->store, id, see_history, &seen), 0);
    assert_true(seen.plain);
    unit_unlend(f->store, secret);
}

/* Seals differ each time: an edit repeating the value is recognised only with the key. */
static void test_edit_compares_opened_values(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    add_marked(f->store, id);
    unsigned char *secret = unit_lend(f->store);
    unit_edit(f->store, id, (const char *const[]){"victim_name=" NAME, NULL}, 0);
    unit_edit(f->store, id, (const char *const[]){"victim_name=Nama Baru", NULL}, 1);
    unit_unlend(f->store, secret);
    unit_edit(f->store, id, (const char *const[]){"victim_name=Nama Baru", NULL}, 1);
    unit_edit(f->store, id, (const char *const[]){"victim_sex=F", NULL}, 0);
    /* A form filled from a masked read sends the mask back: it never replaces the value. */
    unit_edit(f->store, id, (const char *const[]){"victim_name=" VALUE_SEAL_MASK, NULL}, 0);
    secret = unit_lend(f->store);
    struct report *report = NULL;
    assert_int_equal(report_load(f->store, id, &report), 0);
    assert_string_equal(value_of(report, "victim_name"), "Nama Baru");
    report_free(report);
    unit_unlend(f->store, secret);
}

/* A journal holding plaintext (as before migration 12): sealed in place at the next open,
 * the file scrubbed, the check clean, the values still there for the key. */
static void test_plaintext_sealed_in_place(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    add_marked(f->store, id);
    assert_int_equal(unit_sql(f->store,
                              "DROP TRIGGER journal_no_update;"
                              "UPDATE journal_entry SET value = '" NAME "'"
                              " WHERE field = 'victim_name';"
                              "UPDATE journal_entry SET value = '" STORY "'"
                              " WHERE field = 'narrative';"
                              "UPDATE field_shown_row SET value = (SELECT j.value FROM"
                              " journal_entry j WHERE j.seq = field_shown_row.seq);"
                              "CREATE TRIGGER journal_no_update BEFORE UPDATE OF value"
                              " ON journal_entry"
                              " BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
                              "UPDATE meta SET value = 0 WHERE key = 'values_sealed';"),
                     SQLITE_OK);
    assert_int_equal(node_store_reset_wal(f->store), 0);
    assert_true(file_holds(f->d.dir, "node.db", NAME));
    node_store_close(f->store);
    f->store = unit_open(f->d.dir, 1000);
    assert_false(file_holds(f->d.dir, "node.db", NAME));
    assert_false(file_holds(f->d.dir, "node.db", STORY));
    assert_false(file_holds(f->d.dir, "node.db-wal", NAME));
    assert_int_equal(unit_count(f->store, "SELECT value FROM meta WHERE key = 'values_sealed'"),
                     2);
    /* The guard is back: the journal stays append-only. */
    assert_int_not_equal(unit_sql(f->store, "UPDATE journal_entry SET value = 'x'"
                                            " WHERE field = 'victim_name'"), SQLITE_OK);
    struct journal_check_result r;
    assert_int_equal(journal_check(f->store, &r), 0);
    assert_int_equal(r.problems, 0);
    unsigned char *secret = unit_lend(f->store);
    struct report *report = NULL;
    assert_int_equal(report_load(f->store, id, &report), 0);
    assert_string_equal(value_of(report, "victim_name"), NAME);
    report_free(report);
    unit_unlend(f->store, secret);
}

/* A long-running reader keeps what it opened: read again with a key from the cache, never
 * without a key, and wiped when forgotten. */
static void test_opened_values_kept_for_readers_with_a_key(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct report *report = NULL;
    add_marked(f->store, id);
    assert_int_equal(node_store_keep_opened(f->store), 0);
    unsigned char *secret = unit_lend(f->store);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(report_load(f->store, id, &report), 0);
        assert_string_equal(value_of(report, "victim_name"), NAME);
        assert_string_equal(value_of(report, "narrative"), STORY);
        report_free(report);
        assert_int_equal(opened_cache_count(f->store->opened), 2);
    }
    unit_unlend(f->store, secret);
    assert_int_equal(report_load(f->store, id, &report), 0);
    assert_string_equal(value_of(report, "victim_name"), VALUE_SEAL_MASK);
    report_free(report);
    node_store_forget_opened(f->store);
    assert_int_equal(opened_cache_count(f->store->opened), 0);
}

static void test_the_cache_at_its_limit(void **state)
{
    (void)state;
    struct opened_cache *cache = NULL;
    char stored[32], plain[32];
    assert_int_equal(opened_cache_create(&cache), 0);
    for (unsigned i = 0; i < OPENED_CACHE_MAX; i++) {
        snprintf(stored, sizeof stored, "sealed:%u", i);
        snprintf(plain, sizeof plain, "nilai %u", i);
        assert_int_equal(opened_cache_put(cache, stored, plain), 0);
    }
    assert_int_equal(opened_cache_count(cache), OPENED_CACHE_MAX);
    assert_string_equal(opened_cache_get(cache, "sealed:77"), "nilai 77");
    assert_int_equal(opened_cache_put(cache, "sealed:77", "lagi"), 0); /* full: wiped first */
    assert_int_equal(opened_cache_count(cache), 1);
    assert_null(opened_cache_get(cache, "sealed:78"));
    assert_string_equal(opened_cache_get(cache, "sealed:77"), "lagi");
    assert_int_equal(opened_cache_put(cache, "sealed:77", "sekali lagi"), 0);
    assert_int_equal(opened_cache_count(cache), 1);
    opened_cache_destroy(cache);
}

/* The values' arena grows from its first 256 KiB keeping every value, holds exactly
 * OPENED_CACHE_ARENA_MAX_BYTES, is wiped whole by the value that would pass it, and refuses
 * a value that could never fit. */
static void test_the_cache_arena_at_its_byte_limit(void **state)
{
    (void)state;
    struct opened_cache *cache = NULL;
    const size_t each = 1024u * 1024u, fits = OPENED_CACHE_ARENA_MAX_BYTES / each;
    char stored[32], *plain = malloc(OPENED_CACHE_ARENA_MAX_BYTES + 1);
    assert_non_null(plain);
    assert_int_equal(opened_cache_create(&cache), 0);
    for (size_t i = 0; i < fits; i++) {
        memset(plain, 'a' + (int)(i % 26), each - 1);
        plain[each - 1] = '\0';
        snprintf(stored, sizeof stored, "sealed:%zu", i);
        assert_int_equal(opened_cache_put(cache, stored, plain), 0);
    }
    assert_int_equal(opened_cache_count(cache), fits);
    const char *first = opened_cache_get(cache, "sealed:0");
    assert_non_null(first);
    assert_int_equal(strlen(first), each - 1);
    assert_int_equal(first[0], 'a');
    assert_int_equal(opened_cache_put(cache, "sealed:more", "x"), 0); /* full: wiped first */
    assert_int_equal(opened_cache_count(cache), 1);
    assert_null(opened_cache_get(cache, "sealed:0"));
    assert_string_equal(opened_cache_get(cache, "sealed:more"), "x");
    memset(plain, 'b', OPENED_CACHE_ARENA_MAX_BYTES);
    plain[OPENED_CACHE_ARENA_MAX_BYTES] = '\0';
    assert_int_equal(opened_cache_put(cache, "sealed:huge", plain), SAE_ETOOBIG);
    assert_string_equal(opened_cache_get(cache, "sealed:more"), "x");
    opened_cache_clear(cache);
    assert_int_equal(opened_cache_count(cache), 0);
    assert_null(opened_cache_get(cache, "sealed:more"));
    opened_cache_destroy(cache);
    free(plain);
}

static void test_damaged_or_foreign_values(void **state)
{
    struct unit_fixture *f = *state;
    unsigned char other_pk[32], other_sk[32];
    char *sealed = NULL, *out = NULL;
    crypto_box_keypair(other_pk, other_sk);
    assert_int_equal(value_seal(other_pk, "case", "victim_name", NAME, &sealed), 0);
    assert_int_equal(value_seal_check(f->store->storage_public, sealed), SAE_EPERM);
    assert_int_equal(value_seal_check(other_pk, sealed), 0);
    assert_int_equal(value_seal_open(other_pk, other_sk, sealed, &out), 0);
    assert_string_equal(out, NAME);
    free(out);
    sealed[strlen(sealed) - 3] ^= 1;
    assert_int_equal(value_seal_open(other_pk, other_sk, sealed, &out), SAE_ECORRUPT);
    assert_int_equal(value_seal_open(other_pk, NULL, sealed, &out), SAE_EPERM);
    free(sealed);
    assert_int_equal(value_seal_check(other_pk, "sealed:!!"), SAE_ECORRUPT);
    assert_int_equal(value_seal_check(other_pk, NAME), SAE_EINVAL);
    assert_int_equal(value_seal(other_pk, "case", "victim_sex", "F", &sealed), 0);
    assert_string_equal(sealed, "F");
    free(sealed);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    umask(077);
#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_stored_sealed_everywhere),
        T(test_reads_mask_without_a_key),
        T(test_edit_compares_opened_values),
        T(test_plaintext_sealed_in_place),
        T(test_damaged_or_foreign_values),
        T(test_opened_values_kept_for_readers_with_a_key),
        cmocka_unit_test(test_the_cache_at_its_limit),
        cmocka_unit_test(test_the_cache_arena_at_its_byte_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
