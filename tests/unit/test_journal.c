/* The node journal on real SQLite files in temporary directories: journal writes and their
 * base versions, reads, id prefixes, status, and a second process holding the write lock
 * (opening the store: test_journal_open.c; what the journal's statements read and how
 * reports are numbered: test_journal_index.c). */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sys/stat.h>

#include "sae/sae_db.h"
#include "store/node_meta.h"
#include "store/case_number.h"
#include "store/journal_check.h"
#include "sae/sae_wire.h"
#include "unit_support.h"

#define MISSING_ID "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff"

static void test_add_writes_one_version(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct sae_id parsed;
    struct report *report = NULL;
    unit_add_case(f->store, id);
    assert_int_equal(sae_id_parse(id, &parsed), 0);
    struct unit_history h = unit_history_of(f->store, id);
    /* Catalogue order; the set as its element; the number sae-node assigned first. */
    static const char *const fields[][2] = {{"registration_number", NULL}, {"status", "new"},
                                            {"intake_date", "2026-11-01"},
                                            {"violence_types/physical", "1"},
                                            {"victim_sex", "F"}, {"victim_age", "7"}};
    assert_int_equal(h.count, COUNT(fields));
    for (size_t i = 0; i < h.count; i++) {
        assert_string_equal(h.at[i].field, fields[i][0]);
        if (fields[i][1])
            assert_string_equal(h.at[i].value, fields[i][1]);
        assert_int_equal(h.at[i].version.hlc, h.at[0].version.hlc); /* one command, one version */
        assert_int_equal(h.at[i].version.origin, f->store->origin);
        assert_int_equal(h.at[i].base.hlc, 0);
        assert_int_equal(h.at[i].base.origin, 0);
    }
    assert_true(h.at[0].version.hlc > 0);
    assert_int_equal(report_load(f->store, id, &report), 0);
    assert_string_equal(report->id, id);
    assert_string_equal(report->kind->name, "case");
    assert_false(report->deleted);
    assert_int_equal(report->updated, h.at[0].version.hlc);
    static const char *const in_order[] = {"registration_number", "status", "intake_date",
                                           "violence_types", "victim_sex", "victim_age"};
    assert_int_equal(report->value_count, COUNT(in_order));
    for (size_t i = 0; i < COUNT(in_order); i++)
        assert_string_equal(report->values[i].field->name, in_order[i]);
    report_free(report);
    report = (struct report *)&report;
    assert_int_equal(report_load(f->store, MISSING_ID, &report), SAE_ENOTFOUND);
    assert_ptr_equal(report, (struct report *)&report);
}

static void test_edit_bases_are_previous_versions(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    unit_edit(f->store, id, (const char *const[]){"victim_age=8", "status=active", NULL}, 2);
    unit_edit(f->store, id, (const char *const[]){"victim_age=009", NULL}, 1);
    int64_t rows = unit_journal_rows(f->store);
    unit_edit(f->store, id, (const char *const[]){"status=ACTIVE", "victim_age=9", NULL}, 0);
    assert_int_equal(unit_journal_rows(f->store), rows); /* unchanged values are skipped */
    unit_unset(f->store, id, "victim_age", 1);
    unit_unset(f->store, id, "victim_age", 0);
    unit_edit(f->store, id, (const char *const[]){"victim_name=Siti", NULL}, 1);
    struct unit_history h = unit_history_of(f->store, id);
    /* An add writes 6 entries; an edit writes in catalogue order (status before age). */
    assert_int_equal(h.count, 6 + 2 + 1 + 1 + 1);
    struct sae_version added = h.at[0].version, first = h.at[6].version, second = h.at[8].version;
    assert_true(first.hlc > added.hlc && second.hlc > first.hlc);
    assert_string_equal(h.at[7].field, "victim_age");
    assert_string_equal(h.at[7].value, "8");
    assert_true(h.at[7].base.hlc == added.hlc && h.at[7].base.origin == added.origin);
    assert_string_equal(h.at[6].field, "status");
    assert_true(h.at[6].base.hlc == added.hlc && h.at[6].version.hlc == first.hlc);
    assert_string_equal(h.at[8].value, "9");
    assert_true(h.at[8].base.hlc == first.hlc && h.at[8].base.origin == first.origin);
    assert_true(h.at[9].unset);
    assert_true(h.at[9].base.hlc == second.hlc);
    assert_string_equal(h.at[10].field, "victim_name");
    assert_true(h.at[10].base.hlc == 0 && h.at[10].base.origin == 0); /* never set before */
    struct report *report = NULL;
    assert_int_equal(report_load(f->store, id, &report), 0);
    assert_int_equal(report->updated, h.at[10].version.hlc);
    for (size_t i = 0; i < report->value_count; i++) {
        assert_string_not_equal(report->values[i].field->name, "victim_age");
        if (strcmp(report->values[i].field->name, "status") == 0)
            assert_string_equal(report->values[i].value, "active");
    }
    report_free(report);
}

static int count_visit(const struct report *report, void *context)
{
    (void)report;
    ++*(int *)context;
    return 0;
}

static int list_count(struct node_store *store, const char *kind, bool include_deleted)
{
    int n = 0;
    assert_int_equal(report_list(store, kind ? unit_kind(kind) : NULL, include_deleted,
                                 count_visit, &n), 0);
    return n;
}

static void test_delete_is_a_tombstone(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1], other[SAE_ID_TEXT_LEN + 1];
    struct sae_message why = {{0}};
    size_t applied = 99;
    unit_add_case(f->store, id);
    unit_add_case(f->store, other);
    assert_int_equal(journal_delete(f->store, id, &why), 0);
    struct unit_history h = unit_history_of(f->store, id);
    assert_string_equal(h.at[h.count - 1].field, SAE_FIELD_TOMBSTONE);
    assert_string_equal(h.at[h.count - 1].value, "1");
    assert_true(h.at[h.count - 1].base.hlc == 0);
    struct report *report = NULL;
    assert_int_equal(report_load(f->store, id, &report), 0);
    assert_true(report->deleted);
    report_free(report);
    assert_int_equal(list_count(f->store, NULL, false), 1);
    assert_int_equal(list_count(f->store, NULL, true), 2);
    int64_t rows = unit_journal_rows(f->store);
    assert_int_equal(unit_try_edit(f->store, id, "case", (const char *const[]){"status=closed", NULL},
                                   &applied, &why), SAE_EDELETED);
    assert_int_equal(applied, 99);
    memset(&why, 0, sizeof why);
    assert_int_equal(journal_delete(f->store, id, &why), SAE_EDELETED);
    assert_non_null(strstr(why.text, id));
    assert_int_equal(journal_delete(f->store, MISSING_ID, &why), SAE_ENOTFOUND);
    assert_int_equal(unit_try_edit(f->store, MISSING_ID, "case",
                                   (const char *const[]){"status=closed", NULL}, &applied, &why),
                     SAE_ENOTFOUND);
    assert_int_equal(unit_journal_rows(f->store), rows);
}

static void test_service_is_append_only(void **state)
{
    struct unit_fixture *f = *state;
    char case_id[SAE_ID_TEXT_LEN + 1], service_id[SAE_ID_TEXT_LEN + 1], ref[32];
    struct sae_message why = {{0}};
    size_t applied = 99;
    unit_add_case(f->store, case_id);
    snprintf(ref, sizeof ref, "case_id=%.8s", case_id); /* a prefix, upper-cased */
    for (char *c = ref + 8; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'f' ? *c - 32 : *c);
    unit_add(f->store, "service",
             (const char *const[]){ref, "service_type=counselling", "service_date=2026-11-02",
                                   NULL},
             service_id);
    struct report *report = NULL;
    assert_int_equal(report_load(f->store, service_id, &report), 0);
    assert_string_equal(report->values[0].field->name, "case_id");
    assert_string_equal(report->values[0].value, case_id);
    report_free(report);
    int64_t rows = unit_journal_rows(f->store);
    assert_int_equal(unit_try_edit(f->store, service_id, "service",
                                   (const char *const[]){"provider=Bu Ani", NULL}, &applied,
                                   &why), SAE_EINVAL);
    assert_non_null(strstr(why.text, "append-only"));
    assert_int_equal(unit_journal_rows(f->store), rows);
    assert_int_equal(journal_delete(f->store, service_id, &why), 0);
}

/* journal_add with a case_id given as a canonical id, bypassing prefix resolution. */
static int add_service_for(struct node_store *store, const char *case_id, struct sae_message *why)
{
    const struct sae_kind *service = unit_kind("service");
    char ref[SAE_ID_TEXT_LEN + 1], type[] = "counselling", date[] = "2026-11-02";
    char id[SAE_ID_TEXT_LEN + 1];
    snprintf(ref, sizeof ref, "%s", case_id);
    struct journal_change changes[] = {{&service->fields[0], ref, SAE_EDIT_SET},
                                       {&service->fields[1], type, SAE_EDIT_SET},
                                       {&service->fields[2], date, SAE_EDIT_SET}};
    return journal_add(store, service, changes, COUNT(changes), id, why);
}

static void test_references_must_name_a_live_report_of_the_kind(void **state)
{
    struct unit_fixture *f = *state;
    char case_id[SAE_ID_TEXT_LEN + 1], gone[SAE_ID_TEXT_LEN + 1], referral[SAE_ID_TEXT_LEN + 1];
    struct sae_message why = {{0}};
    size_t applied = 99;
    unit_add_case(f->store, case_id);
    unit_add_case(f->store, gone);
    assert_int_equal(journal_delete(f->store, gone, &why), 0);
    char ref[48];
    snprintf(ref, sizeof ref, "case_id=%s", case_id);
    unit_add(f->store, "referral",
             (const char *const[]){ref, "referred_to=puskesmas", "referral_date=2026-11-03", NULL},
             referral);
    int64_t rows = unit_journal_rows(f->store);
    int64_t reports = unit_count(f->store, "SELECT count(*) FROM report");
    assert_int_equal(add_service_for(f->store, MISSING_ID, &why), SAE_ENOTFOUND);
    assert_int_equal(add_service_for(f->store, referral, &why), SAE_ENOTFOUND); /* wrong kind */
    memset(&why, 0, sizeof why);
    assert_int_equal(add_service_for(f->store, gone, &why), SAE_EDELETED);
    assert_non_null(strstr(why.text, gone));
    snprintf(ref, sizeof ref, "case_id=%s", gone);
    assert_int_equal(unit_try_edit(f->store, referral, "referral", (const char *const[]){ref, NULL},
                                   &applied, &why), SAE_EDELETED);
    assert_int_equal(unit_journal_rows(f->store), rows);
    assert_int_equal(unit_count(f->store, "SELECT count(*) FROM report"), reports);
    /* Through the CLI path: a prefix that is too short, or matches nothing. */
    struct change_input input;
    change_input_init(&input, unit_kind("service"));
    assert_int_equal(change_input_add(&input, f->store, CHANGE_SET, "case_id=0f1e2", &why),
                     SAE_EINVAL);
    assert_int_equal(change_input_add(&input, f->store, CHANGE_SET, "case_id=0f1e2d3c", &why),
                     SAE_ENOTFOUND);
    assert_int_equal(input.count, 0);
}

static void resolve(struct node_store *store, const char *text, int want, const char *want_id)
{
    char out[SAE_ID_TEXT_LEN + 1] = "untouched";
    struct sae_message why = {{0}};
    int rc = report_resolve_id(store, text, out, &why);
    if (rc != want)
        print_error("resolve %s: %d %s\n", text, rc, why.text);
    assert_int_equal(rc, want);
    if (rc == 0) {
        assert_string_equal(out, want_id);
    } else {
        assert_string_equal(out, "untouched");
        assert_true(why.text[0] != '\0');
    }
}

static void test_resolve_id_prefixes(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1], upper[SAE_ID_TEXT_LEN + 1], prefix[8];
    unit_add_case(f->store, id);
    resolve(f->store, id, 0, id);
    for (size_t i = 0; i <= SAE_ID_TEXT_LEN; i++)
        upper[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 32 : id[i]);
    resolve(f->store, upper, 0, id);
    snprintf(prefix, sizeof prefix, "%.6s", id);
    resolve(f->store, prefix, 0, id);
    snprintf(prefix, sizeof prefix, "%.5s", id);
    resolve(f->store, prefix, SAE_EINVAL, NULL);
    resolve(f->store, "zzzzzz", SAE_EINVAL, NULL);
    resolve(f->store, id[0] == '0' ? "111111" : "000000", SAE_ENOTFOUND, NULL);
    /* Two reports sharing a prefix: ids are random, so the rows are written directly. */
    assert_int_equal(unit_sql(f->store, "INSERT INTO report(id, kind, first_seq) VALUES"
                                        " ('abcdef01-0000-4000-8000-000000000001', 'case', 1000),"
                                        " ('abcdef02-0000-4000-8000-000000000002', 'case', 1001)"),
                     SQLITE_OK);
    resolve(f->store, "abcdef", SAE_EAMBIGUOUS, NULL);
    resolve(f->store, "ABCDEF0", SAE_EAMBIGUOUS, NULL);
    resolve(f->store, "abcdef01", 0, "abcdef01-0000-4000-8000-000000000001");
    resolve(f->store, "abcdef02-0000-4000-8000-00000000000", 0,
            "abcdef02-0000-4000-8000-000000000002");
    resolve(f->store, "abcdef03", SAE_ENOTFOUND, NULL);
    resolve(f->store, "abcdef_1", SAE_EINVAL, NULL);
}

static void test_status_counts(void **state)
{
    struct unit_fixture *f = *state;
    struct journal_status s;
    struct sae_message why = {{0}};
    char a[SAE_ID_TEXT_LEN + 1], b[SAE_ID_TEXT_LEN + 1];
    assert_int_equal(report_status(f->store, &s), 0);
    assert_true(s.reports == 0 && s.deleted == 0 && s.changes == 0 && s.pending == 0);
    assert_true(s.acked_seq == 0 && s.clock == 0);
    assert_true(s.created_ms > 1577836800000); /* set by init: after 2020 */
    unit_add_case(f->store, a);
    unit_add_case(f->store, b);
    assert_int_equal(journal_delete(f->store, a, &why), 0);
    assert_int_equal(report_status(f->store, &s), 0);
    assert_int_equal(s.reports, 1);
    assert_int_equal(s.deleted, 1);
    assert_int_equal(s.changes, 13); /* two cases of 6 entries and a tombstone */
    assert_int_equal(s.pending, 13);
    assert_int_equal(s.clock, (sae_hlc)unit_count(f->store, "SELECT max(version) FROM journal"));
    assert_int_equal(sae_db_set_meta_int(f->store->db, NODE_META_ACKED_SEQ, 4), 0);
    assert_int_equal(report_status(f->store, &s), 0);
    assert_int_equal(s.acked_seq, 4);
    assert_int_equal(s.pending, 9);
}

static void test_versions_increase_across_commands(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1], age[32];
    int64_t last = 0;
    unit_add_case(f->store, id);
    for (int i = 0; i < 40; i++) {
        snprintf(age, sizeof age, "victim_age=%d", 10 + i);
        unit_edit(f->store, id, (const char *const[]){age, NULL}, 1);
        int64_t now = unit_count(f->store, "SELECT max(version) FROM journal");
        assert_true(now > last);
        last = now;
        int64_t meta_clock = 0;
        assert_int_equal(sae_db_meta_int(f->store->db, NODE_META_CLOCK, &meta_clock), 0);
        assert_int_equal(meta_clock, now);
    }
    assert_int_equal(unit_count(f->store, "SELECT count(DISTINCT version) FROM journal"), 41);
}

/* A stored clock behind the journal (a file restored by hand) must not make a new edit
 * lose to an older value: the next version is above every version written. */
static void test_clock_behind_journal_still_orders_edits(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    unit_edit(f->store, id, (const char *const[]){"victim_age=20", NULL}, 1);
    assert_int_equal(sae_db_set_meta_int(f->store->db, NODE_META_CLOCK, 1), 0);
    unit_edit(f->store, id, (const char *const[]){"victim_age=21", NULL}, 1);
    struct report *report = NULL;
    assert_int_equal(report_load(f->store, id, &report), 0);
    const char *age = NULL;
    for (size_t i = 0; i < report->value_count; i++)
        if (strcmp(report->values[i].field->name, "victim_age") == 0)
            age = report->values[i].value;
    assert_non_null(age);
    assert_string_equal(age, "21");
    report_free(report);
}

struct order {
    int count, stop_after;
    char kinds[8][16];
};

static int record_kind(const struct report *report, void *context)
{
    struct order *o = context;
    snprintf(o->kinds[o->count], sizeof o->kinds[0], "%s", report->kind->name);
    return ++o->count == o->stop_after ? 7 : 0;
}

static void test_list_order_filter_and_stop(void **state)
{
    struct unit_fixture *f = *state;
    char a[SAE_ID_TEXT_LEN + 1], b[SAE_ID_TEXT_LEN + 1], s[SAE_ID_TEXT_LEN + 1], ref[48];
    unit_add_case(f->store, a);
    snprintf(ref, sizeof ref, "case_id=%s", a);
    unit_add(f->store, "service",
             (const char *const[]){ref, "service_type=legal_aid", "service_date=2026-11-02", NULL},
             s);
    unit_add_case(f->store, b);
    struct order o = {0, 0, {{0}}};
    assert_int_equal(report_list(f->store, NULL, false, record_kind, &o), 0);
    assert_int_equal(o.count, 3);
    assert_string_equal(o.kinds[0], "case");
    assert_string_equal(o.kinds[1], "service");
    assert_string_equal(o.kinds[2], "case");
    assert_int_equal(list_count(f->store, "case", false), 2);
    assert_int_equal(list_count(f->store, "referral", true), 0);
    struct order stop = {0, 1, {{0}}};
    assert_int_equal(report_list(f->store, NULL, true, record_kind, &stop), 7);
    assert_int_equal(stop.count, 1);
}

/* Another process holds the write lock: commands wait for the busy timeout, then give up
 * without writing anything. */
static void test_busy_journal_writes_nothing(void **state)
{
    struct unit_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1], path[PATH_MAX], unused[SAE_ID_TEXT_LEN + 1];
    struct sae_message why = {{0}};
    size_t applied = 99;
    sqlite3 *other = NULL;
    unit_add_case(f->store, id);
    node_store_close(f->store);
    f->store = unit_open(f->d.dir, 50);
    unit_path(f->d.dir, NODE_DB_FILE, path);
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    int64_t rows = unit_journal_rows(f->store);
    assert_int_equal(unit_try_add(f->store, "case",
                                  (const char *const[]){"violence_types=neglect", "victim_sex=M",
                                                        "intake_date=2026-11-05", NULL},
                                  unused, &why), SAE_EBUSY);
    assert_int_equal(unit_try_edit(f->store, id, "case", (const char *const[]){"status=closed", NULL},
                                   &applied, &why), SAE_EBUSY);
    assert_int_equal(applied, 99);
    assert_int_equal(journal_delete(f->store, id, &why), SAE_EBUSY);
    /* Opening an up-to-date journal takes no lock: readers never wait for a writer. */
    struct node_store *reader = unit_open(f->d.dir, 50);
    struct report *report = NULL;
    assert_int_equal(report_load(reader, id, &report), 0);
    report_free(report);
    node_store_close(reader);
    assert_int_equal(unit_journal_rows(f->store), rows);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(other), SQLITE_OK);
    assert_int_equal(journal_delete(f->store, id, &why), 0); /* the lock is free again */
    assert_int_equal(unit_journal_rows(f->store), rows + 1);
}

static void test_change_input_refusals(void **state)
{
    struct unit_fixture *f = *state;
    struct change_input input;
    struct sae_message why = {{0}};
    char path[PATH_MAX];
    change_input_init(&input, unit_kind("case"));
    static const struct {
        enum change_op op;
        const char *arg;
        int rc;
    } bad[] = {
        {CHANGE_SET, "colour=red", SAE_ENOTFOUND},  {CHANGE_SET, "victim_age", SAE_EINVAL},
        {CHANGE_SET, "=7", SAE_EINVAL},             {CHANGE_UNSET, "victim_age=7", SAE_EINVAL},
        {CHANGE_UNSET, "status", SAE_EINVAL},       {CHANGE_SET, "victim_age=121", SAE_ERANGE},
        {CHANGE_SET, "victim_sex=X", SAE_EINVAL},   {CHANGE_SET, "status=new", 0},
        {CHANGE_SET, "status=closed", SAE_EINVAL}, /* given twice */
        /* Catalogue 2: old fields are read only, the number is assigned, sets and areas. */
        {CHANGE_SET, "violence_type=physical", SAE_EINVAL},
        {CHANGE_SET, "victim_disability=true", SAE_EINVAL},
        {CHANGE_SET, "registration_number=3513122018-2026-0001", SAE_EINVAL},
        {CHANGE_ADD, "victim_sex=F", SAE_EINVAL},
        {CHANGE_SET, "violence_types=fisik,hitting", SAE_EINVAL},
        {CHANGE_SET, "residence_village=Sumberasri", SAE_EINVAL},
        {CHANGE_SET, "residence_village=Karanganyar", SAE_EAMBIGUOUS},
        {CHANGE_SET, "residence_district=35.13.12.2018", SAE_EINVAL},
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        memset(&why, 0, sizeof why);
        assert_int_equal(change_input_add(&input, f->store, bad[i].op, bad[i].arg, &why),
                         bad[i].rc);
        assert_true(bad[i].rc == 0 || (why.text[0] != '\0' && !strchr(why.text, '\n')));
    }
    assert_int_equal(input.count, 1);
    assert_int_equal(change_input_complete(&input, &why), SAE_EINVAL); /* intake_date */
    assert_non_null(strstr(why.text, "intake_date"));
    /* --set-file: a multiline narrative, a missing file, one byte over, a NUL inside. */
    unit_path(f->d.root, "narrative.txt", path);
    unit_write_file(path, "Baris satu\nBaris dua\n", 21, 0600);
    char arg[PATH_MAX + 16];
    snprintf(arg, sizeof arg, "narrative=%s", path);
    assert_int_equal(change_input_add(&input, f->store, CHANGE_SET_FILE, arg, &why), 0);
    assert_string_equal(input.changes[1].value, "Baris satu\nBaris dua\n");
    snprintf(arg, sizeof arg, "victim_name=%s/missing", f->d.root);
    assert_int_equal(change_input_add(&input, f->store, CHANGE_SET_FILE, arg, &why), SAE_EIO);
    snprintf(arg, sizeof arg, "victim_name=%s", path);
    unit_write_file(path, "Siti\0Aminah", 11, 0600);
    assert_int_equal(change_input_add(&input, f->store, CHANGE_SET_FILE, arg, &why), SAE_EINVAL);
    char *big = calloc(1, 202);
    assert_non_null(big);
    memset(big, 'a', 201);
    unit_write_file(path, big, 201, 0600);
    assert_int_equal(change_input_add(&input, f->store, CHANGE_SET_FILE, arg, &why), SAE_ETOOBIG);
    unit_write_file(path, big, 200, 0600);
    assert_int_equal(change_input_add(&input, f->store, CHANGE_SET_FILE, arg, &why), 0);
    free(big);
    assert_int_equal(strlen(input.changes[2].value), 200);
    change_input_free(&input);
    /* The per-command limit. */
    change_input_init(&input, unit_kind("case"));
    input.count = SAE_LIMIT_CHANGES_PER_COMMAND;
    assert_int_equal(change_input_add(&input, f->store, CHANGE_SET, "status=new", &why),
                     SAE_ETOOBIG);
    change_input_free(&input);
}

static void test_complete_adds_defaults(void **state)
{
    struct unit_fixture *f = *state;
    struct change_input input;
    struct sae_message why = {{0}};
    char ref[48], id[SAE_ID_TEXT_LEN + 1];
    unit_add_case(f->store, id);
    snprintf(ref, sizeof ref, "case_id=%s", id);
    unit_changes(f->store, &input, "referral",
                 (const char *const[]){ref, "referred_to=hospital", "referral_date=2026-11-03",
                                       NULL});
    assert_int_equal(change_input_complete(&input, &why), 0);
    assert_int_equal(input.count, 4);
    assert_string_equal(input.changes[3].field->name, "referral_status");
    assert_string_equal(input.changes[3].value, "sent");
    change_input_free(&input);
    /* A given value wins over the default. */
    unit_changes(f->store, &input, "case",
                 (const char *const[]){"status=closed", "violence_types=other", "victim_sex=F",
                                       "intake_date=2026-11-03", NULL});
    assert_int_equal(change_input_complete(&input, &why), 0);
    assert_int_equal(input.count, 4);
    change_input_free(&input);
}

/* Registration numbers: this post's village code, the intake year, its own sequence of
 * that year; accepted wherever an id is; a number two cases carry names neither. */
static void test_registration_numbers_in_sequence(void **state)
{
    struct unit_fixture *f = *state;
    struct sae_message why = {{0}};
    char a[SAE_ID_TEXT_LEN + 1], b[SAE_ID_TEXT_LEN + 1], c[SAE_ID_TEXT_LEN + 1];
    char d[SAE_ID_TEXT_LEN + 1], found[SAE_ID_TEXT_LEN + 1];
    struct report *report = NULL;
    unit_add_case(f->store, a);
    unit_add_case(f->store, b);
    assert_int_equal(unit_try_add(f->store, "case",
                                  (const char *const[]){"violence_types=neglect", "victim_sex=M",
                                                        "intake_date=31/12/2025", NULL},
                                  c, &why), 0);
    const struct {
        const char *number;
        const char *id;
    } want[] = {{"3513122018-2026-0001", a}, {"3513122018-2026-0002", b},
                {"3513122018-2025-0001", c}};
    for (size_t i = 0; i < COUNT(want); i++) {
        assert_int_equal(report_load(f->store, want[i].id, &report), 0);
        assert_string_equal(report->values[0].field->name, "registration_number");
        assert_string_equal(report->values[0].value, want[i].number);
        report_free(report);
        assert_int_equal(report_resolve_id(f->store, want[i].number, found, &why), 0);
        assert_string_equal(found, want[i].id);
    }
    assert_int_equal(report_resolve_id(f->store, "3513122018-2026-0003", found, &why),
                     SAE_ENOTFOUND);
    assert_non_null(strstr(why.text, "3513122018-2026-0003"));
    /* The second device of a village carries its letter from then on (its bundle's
     * device_index; a later bundle's does not change it). */
    assert_int_equal(case_number_set_device(f->store, 1), 0);
    assert_int_equal(case_number_set_device(f->store, 4), 0);
    unit_add_case(f->store, d);
    assert_int_equal(report_resolve_id(f->store, "3513122018-2026-0003b", found, &why), 0);
    assert_string_equal(found, d);
    /* A number that reached two cases anyway (the hub flags it) names neither. */
    assert_int_equal(unit_sql(f->store, "UPDATE field_shown_row SET value ="
                                        " '3513122018-2026-0001'"
                                        " WHERE field = 'registration_number' AND value ="
                                        " '3513122018-2025-0001'"), SQLITE_OK);
    assert_int_equal(report_resolve_id(f->store, "3513122018-2026-0001", found, &why),
                     SAE_EAMBIGUOUS);
    /* Set by sae-node only. */
    struct change_input input;
    change_input_init(&input, unit_kind("case"));
    assert_int_equal(change_input_add(&input, f->store, CHANGE_SET, "registration_number=1", &why),
                     SAE_EINVAL);
    assert_non_null(strstr(why.text, "cannot be set"));
    change_input_free(&input);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    /* As sae-node does; one test sets its own umask to check that none is relied upon. */
    umask(077);
#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_add_writes_one_version),
        T(test_edit_bases_are_previous_versions),
        T(test_delete_is_a_tombstone),
        T(test_service_is_append_only),
        T(test_references_must_name_a_live_report_of_the_kind),
        T(test_resolve_id_prefixes),
        T(test_status_counts),
        T(test_clock_behind_journal_still_orders_edits),
        T(test_versions_increase_across_commands),
        T(test_list_order_filter_and_stop),
        T(test_busy_journal_writes_nothing),
        T(test_change_input_refusals),
        T(test_complete_adds_defaults),
        T(test_registration_numbers_in_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
