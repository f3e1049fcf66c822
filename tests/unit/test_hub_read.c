/* hub_read on a real hub database filled through merge: lists and filters, one report with
 * every version of its fields, id prefixes, conflicts numbered exactly as merge_resolve
 * numbers them, the JSON and text forms, the CSV writer and the monitoring counts. */
#include "merge_support.h"

#include <jansson.h>

#include "render/render.h"

#define R1 "3f2a910c-5e7b-4d12-8a6e-c4019b33d758"
#define R2 "a00b7cd1-2496-4fe3-b510-6a2f8841c907"
#define R3 "5d0c2e11-7f3a-4b9e-9d21-0c4e5f6a7b8c"
#define R4 "3f2a910c-0000-4000-8000-000000000001" /* shares R1's first 8 characters */
#define S1 "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
enum { A, B, C, D };

#define HOUR_MS (3600 * 1000LL)

/* A records R1 (a case with a sensitive name and a narrative), R3 (a case it later deletes)
 * and S1 (a service for R1); D in another village records R2. B and C change R1's status
 * concurrently (one hard conflict, in which B's open status stands over C's later
 * "closed"); D sends a change dated two days ahead (held). */
static void populate(struct hub_fixture *f)
{
    const struct test_change by_a[] = {
        {A, R1, "case", "status", "new", MS(0), -1, 0, 0},
        {A, R1, "case", "violence_type", "psychological", MS(0), -1, 0, 0},
        {A, R1, "case", "victim_name", "Siti, \"Ani\"", MS(0), -1, 0, 0},
        {A, R1, "case", "victim_sex", "F", MS(0), -1, 0, 0},
        {A, R1, "case", "victim_age", "7", MS(0), -1, 0, 0},
        {A, R1, "case", "intake_date", "2026-11-20", MS(0), -1, 0, 0},
        {A, R1, "case", "consent_services", "true", MS(0), -1, 0, 0},
        {A, R1, "case", "narrative", "=kronologi\nbaris dua", MS(0), -1, 0, 0},
    };
    /* Kept apart from by_a: merge_touched_add (merge_rows.c) misbehaved when one batch touched
     * more than 16 fields and tombstones (reported to the lead). */
    const struct test_change more_by_a[] = {
        {A, R3, "case", "status", "new", MS(5), -1, 0, 0},
        {A, R3, "case", "violence_type", "sexual", MS(5), -1, 0, 0},
        {A, R3, "case", "victim_sex", "F", MS(5), -1, 0, 0},
        {A, R3, "case", "intake_date", "2026-11-02", MS(5), -1, 0, 0},
        {A, S1, "service", "case_id", R1, MS(10), -1, 0, 0},
        {A, S1, "service", "service_type", "counselling", MS(10), -1, 0, 0},
        {A, S1, "service", "service_date", "2026-11-21", MS(10), -1, 0, 0},
    };
    const struct test_change delete_r3[] = {
        {A, R3, "case", SAE_FIELD_TOMBSTONE, "1", MS(100), -1, 0, 0}};
    const struct test_change by_d[] = {
        {D, R2, "case", "status", "new", MS(0), -1, 0, 0},
        /* A post of catalogue 2: two types, element by element. */
        {D, R2, "case", "violence_types/physical", "1", MS(0), -1, 0, 0},
        {D, R2, "case", "violence_types/sexual", "1", MS(0), -1, 0, 0},
        {D, R2, "case", "victim_sex", "M", MS(0), -1, 0, 0},
        {D, R2, "case", "intake_date", "2026-10-03", MS(0), -1, 0, 0},
    };
    const struct test_change by_b[] = {{B, R1, "case", "status", "active", MS(1000), A, MS(0), 16}};
    const struct test_change by_c[] = {{C, R1, "case", "status", "closed", MS(2000), A, MS(0), 16}};
    const struct test_change held[] = {
        {D, R2, "case", "status", "closed", MS(48 * HOUR_MS), D, MS(0), 0}};
    deliver(f, by_a, COUNT(by_a));
    deliver(f, more_by_a, COUNT(more_by_a));
    deliver(f, delete_r3, 1);
    deliver(f, by_d, COUNT(by_d));
    deliver(f, by_b, 1);
    deliver(f, by_c, 1);
    assert_int_equal(deliver(f, held, 1).held, 1);
}

struct collected {
    char ids[8][SAE_ID_TEXT_LEN + 1];
    bool deleted[8];
    size_t count;
};

static int collect_report(const struct hub_report *report, void *context)
{
    struct collected *c = context;
    assert_true(c->count < COUNT(c->ids));
    memcpy(c->ids[c->count], report->id, sizeof c->ids[0]);
    c->deleted[c->count++] = report->deleted;
    return 0;
}

static struct collected list_of(struct hub_fixture *f, const char *kind, const char *village,
                                bool include_deleted)
{
    struct collected c;
    struct hub_report_filter filter = {NULL, village, include_deleted};
    memset(&c, 0, sizeof c);
    if (kind)
        assert_int_equal(sae_catalogue_find_kind(kind, &filter.kind), 0);
    assert_int_equal(hub_report_list(f->store, &filter, collect_report, &c), 0);
    return c;
}

static void test_list_and_filters(void **state)
{
    struct hub_fixture *f = *state;
    populate(f);
    struct collected all = list_of(f, NULL, NULL, false);
    assert_int_equal(all.count, 3); /* R3 is deleted */
    assert_string_equal(all.ids[0], R1); /* in the order the hub received them */
    assert_string_equal(all.ids[1], S1);
    assert_string_equal(all.ids[2], R2);
    struct collected with_deleted = list_of(f, NULL, NULL, true);
    assert_int_equal(with_deleted.count, 4);
    assert_string_equal(with_deleted.ids[1], R3);
    assert_true(with_deleted.deleted[1]);
    assert_int_equal(list_of(f, "case", NULL, true).count, 3);
    assert_int_equal(list_of(f, "service", NULL, false).count, 1);
    assert_int_equal(list_of(f, "referral", NULL, false).count, 0);
    struct collected wonokerso = list_of(f, NULL, VILLAGE_KALIBUNTU, false);
    assert_int_equal(wonokerso.count, 1);
    assert_string_equal(wonokerso.ids[0], R2);
    assert_int_equal(list_of(f, "case", VILLAGE_SUMBERANYAR, false).count, 1);
    assert_int_equal(list_of(f, NULL, VILLAGE_JABUNGSISIR, true).count, 0);
}

static void test_load_current_values_and_json(void **state)
{
    struct hub_fixture *f = *state;
    struct hub_report *report = NULL;
    populate(f);
    assert_int_equal(hub_report_load(f->store, R1, &report), 0);
    assert_string_equal(report->kind->name, "case");
    assert_string_equal(report->village, VILLAGE_SUMBERANYAR);
    assert_string_equal(report->village_name, "Sumberanyar (Paiton)");
    assert_false(report->deleted);
    /* The newest version among the values that stand: C's later "closed" does not. */
    assert_int_equal(report->updated, MS(1000));
    /* Catalogue order, current values: B's open status stands over C's later "closed". */
    assert_string_equal(report->values[0].field->name, "status");
    assert_string_equal(report->values[0].value, "active");
    for (size_t i = 1; i < report->value_count; i++)
        assert_true(report->values[i - 1].field < report->values[i].field);
    json_t *json = hub_report_json(report);
    assert_non_null(json);
    json_t *fields = json_object_get(json, "fields");
    assert_int_equal(json_integer_value(json_object_get(fields, "victim_age")), 7);
    assert_true(json_is_true(json_object_get(fields, "consent_services")));
    assert_string_equal(json_string_value(json_object_get(fields, "status")), "active");
    assert_string_equal(json_string_value(json_object_get(json, "village")), VILLAGE_SUMBERANYAR);
    assert_true(json_is_false(json_object_get(json, "deleted")));
    json_decref(json);
    hub_report_free(report);
    assert_int_equal(hub_report_load(f->store, R3, &report), 0);
    assert_true(report->deleted);
    hub_report_free(report);
    assert_int_equal(hub_report_load(f->store, R4, &report), SAE_ENOTFOUND);
}

/* Copies of the changes hub_report_changes visits. */
struct change_log {
    size_t count;
    struct {
        char field[32], value[32], author[32], device[32];
        bool unset, held, winner, district;
        struct sae_version version;
    } at[32];
};

static int log_change(const struct hub_change *c, void *context)
{
    struct change_log *log = context;
    assert_true(log->count < COUNT(log->at));
    snprintf(log->at[log->count].field, sizeof log->at[0].field, "%s", c->field);
    snprintf(log->at[log->count].value, sizeof log->at[0].value, "%s", c->value ? c->value : "");
    snprintf(log->at[log->count].author, sizeof log->at[0].author, "%s",
             c->author ? c->author : "");
    snprintf(log->at[log->count].device, sizeof log->at[0].device, "%s",
             c->device ? c->device : "");
    log->at[log->count].district = c->district;
    log->at[log->count].unset = !c->value;
    log->at[log->count].held = c->held;
    log->at[log->count].winner = c->winner;
    log->at[log->count].version = c->version;
    log->count++;
    return 0;
}

static void test_every_version_of_each_field(void **state)
{
    struct hub_fixture *f = *state;
    struct sae_message why = {{0}};
    struct change_log log;
    populate(f);
    assert_int_equal(merge_district_edit(f->store, R1, "risk_level", "high", "Bu Ani",
                                         NOW_MS + 5000, &why), 0);
    memset(&log, 0, sizeof log);
    assert_int_equal(hub_report_changes(f->store, R1, log_change, &log), 0);
    /* status first (catalogue order): A's, B's, C's by version; only B's stands. */
    assert_int_equal(log.count, 9 + 2);
    assert_string_equal(log.at[0].field, "status");
    assert_string_equal(log.at[0].value, "new");
    assert_string_equal(log.at[1].value, "active");
    assert_string_equal(log.at[2].value, "closed");
    assert_false(log.at[0].winner || log.at[2].winner);
    assert_true(log.at[1].winner);
    assert_true(log.at[0].version.hlc < log.at[1].version.hlc);
    /* The district edit carries its author; it is the field's only, current version. */
    size_t risk = 0;
    while (risk < log.count && strcmp(log.at[risk].field, "risk_level") != 0)
        risk++;
    assert_true(risk < log.count);
    assert_string_equal(log.at[risk].author, "Bu Ani");
    assert_string_equal(log.at[risk].device, "Hub uji"); /* the hub's name */
    assert_true(log.at[risk].district);
    assert_true(log.at[risk].winner);
    assert_int_equal(log.at[risk].version.origin, f->store->hub_id);
    /* Posts' changes carry their author and device as the hub knows it. */
    assert_string_equal(log.at[0].author, "Siti");
    assert_string_equal(log.at[0].device, "Laptop Pos A");
    assert_false(log.at[0].district);
    /* The held change is listed, flagged, never current. */
    memset(&log, 0, sizeof log);
    assert_int_equal(hub_report_changes(f->store, R2, log_change, &log), 0);
    assert_string_equal(log.at[1].field, "status");
    assert_string_equal(log.at[1].value, "closed");
    assert_true(log.at[1].held);
    assert_false(log.at[1].winner);
    assert_true(log.at[0].winner);
    /* Open conflicts by field. */
    struct hub_open_conflict *open = NULL;
    size_t count = 0;
    assert_int_equal(hub_report_open_conflicts(f->store, R1, &open, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(open[0].field, "status");
    free(open);
}

static void test_id_prefixes(void **state)
{
    struct hub_fixture *f = *state;
    char id[SAE_ID_TEXT_LEN + 1];
    struct sae_message why = {{0}};
    populate(f);
    assert_int_equal(hub_read_resolve_id(f->store, R1, id, &why), 0);
    assert_string_equal(id, R1);
    assert_int_equal(hub_read_resolve_id(f->store, "3F2A91", id, &why), 0);
    assert_string_equal(id, R1);
    assert_int_equal(hub_read_resolve_id(f->store, "a00b7c", id, &why), 0);
    assert_string_equal(id, R2);
    assert_int_equal(hub_read_resolve_id(f->store, "3f2a9", id, &why), SAE_EINVAL);
    assert_non_null(strstr(why.text, "at least its first 6"));
    assert_int_equal(hub_read_resolve_id(f->store, "zzzzzz", id, &why), SAE_EINVAL);
    assert_int_equal(hub_read_resolve_id(f->store, "ffffff", id, &why), SAE_ENOTFOUND);
    assert_non_null(strstr(why.text, "sae-hub reports list"));
    /* A second report sharing the first 8 characters makes them ambiguous. */
    const struct test_change r4[] = {{A, R4, "referral", "referral_date", "2026-11-22", MS(50),
                                      -1, 0, 0}};
    deliver(f, r4, 1);
    assert_int_equal(hub_read_resolve_id(f->store, "3f2a910c", id, &why), SAE_EAMBIGUOUS);
    assert_non_null(strstr(why.text, "more than one report"));
    assert_int_equal(hub_read_resolve_id(f->store, "3f2a910c-5", id, &why), 0);
    assert_string_equal(id, R1);
}

/* Three concurrent values of R1's status: A's at 500 ms, B's and C's both at 1000 ms, so
 * the numbering must order by version, then by origin. */
static void three_candidates(struct hub_fixture *f)
{
    const struct test_change created[] = {{A, R1, "case", "status", "new", MS(0), -1, 0, 0},
                                          {A, R1, "case", "violence_type", "other", MS(0), -1, 0, 0}};
    const struct test_change by_a[] = {{A, R1, "case", "status", "referred", MS(500), A, MS(0), 0}};
    const struct test_change by_b[] = {{B, R1, "case", "status", "active", MS(1000), A, MS(0), 2}};
    const struct test_change by_c[] = {{C, R1, "case", "status", "closed", MS(1000), A, MS(0), 2}};
    deliver(f, created, 2);
    deliver(f, by_c, 1);
    deliver(f, by_b, 1);
    deliver(f, by_a, 1);
}

static int64_t only_conflict_id(struct hub_fixture *f)
{
    return hub_count(f, "SELECT id FROM conflict WHERE status = 'open'");
}

static void test_candidates_numbered_as_merge_resolve_keeps_them(void **state)
{
    (void)state;
    for (int keep = 1; keep <= 3; keep++) {
        void *fixture = NULL;
        struct hub_conflict *k = NULL;
        struct sae_message why = {{0}};
        hub_setup(&fixture);
        struct hub_fixture *f = fixture;
        three_candidates(f);
        int64_t id = only_conflict_id(f);
        assert_int_equal(hub_conflict_load(f->store, id, &k), 0);
        assert_int_equal(k->candidate_count, 3);
        assert_string_equal(k->candidates[0].value, "referred");
        uint64_t b = f->devices[B].id, c = f->devices[C].id;
        assert_string_equal(k->candidates[1].value, b < c ? "active" : "closed");
        for (size_t i = 0; i < 3; i++)
            assert_int_equal(k->candidates[i].number, (int)i + 1);
        char *want = strdup(k->candidates[keep - 1].value);
        assert_non_null(want);
        hub_conflict_free(k);
        assert_int_equal(merge_resolve(f->store, id, keep, NULL, false, "Pak Budi", "cek",
                                       NOW_MS + 10000, &why), 0);
        assert_winner(f, R1, "status", want);
        free(want);
        hub_teardown(&fixture);
    }
}

static void test_conflict_json_and_listing(void **state)
{
    struct hub_fixture *f = *state;
    struct hub_conflict *k = NULL;
    struct sae_message why = {{0}};
    populate(f);
    int64_t id = hub_count(f, "SELECT id FROM conflict WHERE field = 'status' AND"
                              " report_id = '" R1 "'");
    assert_int_equal(hub_conflict_load(f->store, id, &k), 0);
    assert_true(k->open && k->hard);
    json_t *json = hub_conflict_json(k);
    hub_conflict_free(k);
    assert_non_null(json);
    assert_int_equal(json_integer_value(json_object_get(json, "id")), id);
    assert_string_equal(json_string_value(json_object_get(json, "report")), R1);
    assert_string_equal(json_string_value(json_object_get(json, "field")), "status");
    assert_string_equal(json_string_value(json_object_get(json, "severity")), "hard");
    assert_string_equal(json_string_value(json_object_get(json, "status")), "open");
    assert_string_equal(json_string_value(json_object_get(json, "reason")), "concurrent");
    json_t *winner = json_object_get(json, "winner");
    assert_string_equal(json_string_value(json_object_get(winner, "value")), "active");
    json_t *candidates = json_object_get(json, "candidates");
    assert_int_equal(json_array_size(candidates), 2);
    json_t *first = json_array_get(candidates, 0);
    char node[17];
    snprintf(node, sizeof node, "%016llx", (unsigned long long)f->devices[B].id);
    assert_int_equal(json_integer_value(json_object_get(first, "number")), 1);
    assert_string_equal(json_string_value(json_object_get(first, "value")), "active");
    assert_string_equal(json_string_value(json_object_get(first, "node")), node);
    assert_string_equal(json_string_value(json_object_get(first, "village")), VILLAGE_SUMBERANYAR);
    assert_int_equal(strlen(json_string_value(json_object_get(first, "version"))), 16);
    assert_string_equal(json_string_value(json_object_get(first, "time")),
                        "2026-11-29T13:20:01.000Z");
    assert_true(json_is_false(json_object_get(first, "held")));
    /* Every candidate names its person and device, never by id alone. */
    assert_string_equal(json_string_value(json_object_get(first, "author")), "Rahma");
    assert_string_equal(json_string_value(json_object_get(first, "device")), "Laptop Pos B");
    assert_true(json_is_false(json_object_get(first, "district")));
    assert_non_null(strstr(json_string_value(json_object_get(first, "by")),
                           "Rahma, Laptop Pos B, "));
    assert_string_equal(json_string_value(json_object_get(json, "village_name")),
                        "Sumberanyar (Paiton)");
    assert_null(json_object_get(json, "resolved_by"));
    json_decref(json);
    /* Resolved: it leaves the open list, keeps its record. */
    assert_int_equal(merge_resolve(f->store, id, 1, NULL, false, "Pak Budi", "ditelepon",
                                   NOW_MS + 60000, &why), 0);
    assert_int_equal(hub_conflict_load(f->store, id, &k), 0);
    json = hub_conflict_json(k);
    hub_conflict_free(k);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "resolved");
    assert_string_equal(json_string_value(json_object_get(json, "resolved_by")), "Pak Budi");
    assert_string_equal(json_string_value(json_object_get(json, "note")), "ditelepon");
    assert_string_equal(json_string_value(json_object_get(json, "resolved_at")),
                        "2026-11-29T13:21:00.000Z");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json, "resolution"),
                                                          "value")), "active");
    json_decref(json);
    assert_int_equal(hub_conflict_load(f->store, 9999, &k), SAE_ENOTFOUND);
}

struct conflict_ids {
    int64_t ids[8];
    size_t count;
};

static int collect_conflict(const struct hub_conflict *k, void *context)
{
    struct conflict_ids *c = context;
    assert_true(c->count < COUNT(c->ids));
    c->ids[c->count++] = k->id;
    return 0;
}

static void test_conflict_list_open_and_all(void **state)
{
    struct hub_fixture *f = *state;
    struct conflict_ids open = {{0}, 0}, all = {{0}, 0};
    struct sae_message why = {{0}};
    populate(f);
    assert_int_equal(hub_conflict_list(f->store, false, collect_conflict, &open), 0);
    assert_int_equal(open.count, 2); /* R1 status, R2 clock */
    assert_true(open.ids[0] < open.ids[1]);
    assert_int_equal(merge_resolve(f->store, open.ids[0], 2, NULL, false, "Pak Budi", NULL,
                                   NOW_MS + 1000, &why), 0);
    open.count = 0;
    assert_int_equal(hub_conflict_list(f->store, false, collect_conflict, &open), 0);
    assert_int_equal(open.count, 1);
    assert_int_equal(hub_conflict_list(f->store, true, collect_conflict, &all), 0);
    assert_int_equal(all.count, 2);
}

static void test_delete_conflict_candidates_name_their_field(void **state)
{
    struct hub_fixture *f = *state;
    struct hub_conflict *k = NULL;
    struct sae_message why = {{0}};
    const struct test_change created[] = {{A, R1, "case", "status", "new", MS(0), -1, 0, 0}};
    const struct test_change del[] = {{B, R1, "case", SAE_FIELD_TOMBSTONE, "1", MS(1000), -1, 0, 1}};
    const struct test_change edit[] = {{C, R1, "case", "victim_age", "9", MS(2000), -1, 0, 1},
                                       {C, R1, "case", "risk_level", "high", MS(2000), -1, 0, 1}};
    deliver(f, created, 1);
    deliver(f, del, 1);
    deliver(f, edit, 2);
    int64_t id = only_conflict_id(f);
    assert_int_equal(hub_conflict_load(f->store, id, &k), 0);
    assert_string_equal(k->field, SAE_FIELD_TOMBSTONE);
    assert_string_equal(k->reason, "delete");
    assert_int_equal(k->candidate_count, 3);
    assert_string_equal(k->candidates[0].field, SAE_FIELD_TOMBSTONE);
    assert_string_equal(k->candidates[1].field, "victim_age"); /* one command: hub order */
    assert_string_equal(k->candidates[2].field, "risk_level");
    json_t *json = hub_conflict_json(k);
    json_t *age = json_array_get(json_object_get(json, "candidates"), 1);
    assert_int_equal(json_integer_value(json_object_get(age, "value")), 9);
    json_decref(json);
    hub_conflict_free(k);
    /* Keeping either edit restores the report. */
    assert_int_equal(merge_resolve(f->store, id, 3, NULL, false, "Pak Budi", NULL,
                                   NOW_MS + 5000, &why), 0);
    assert_winner(f, R1, SAE_FIELD_TOMBSTONE, "(unset)");
}

/* The bytes a writer produced, through a real FILE. */
static char *captured(void (*write)(FILE *out, const void *arg), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    write(out, arg);
    assert_int_equal(fclose(out), 0);
    return buf;
}

static void write_one_cell(FILE *out, const void *arg)
{
    assert_int_equal(hub_csv_write_cell(out, arg), 0);
}

static void assert_cell(const char *value, const char *want)
{
    char *got = captured(write_one_cell, value);
    if (strcmp(got, want) != 0)
        print_error("cell [%s]: want [%s], got [%s]\n", value ? value : "(null)", want, got);
    assert_string_equal(got, want);
    free(got);
}

static void test_csv_quoting_and_formula_guard(void **state)
{
    (void)state;
    assert_cell(VILLAGE_SUMBERANYAR, VILLAGE_SUMBERANYAR);
    assert_cell(NULL, "");
    assert_cell("", "");
    assert_cell("a,b", "\"a,b\"");
    assert_cell("say \"hi\"", "\"say \"\"hi\"\"\"");
    assert_cell("line1\nline2", "\"line1\nline2\"");
    assert_cell("cr\rhere", "\"cr\rhere\"");
    assert_cell("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
    assert_cell("=1+2", "'=1+2");
    assert_cell("+62 812", "'+62 812");
    assert_cell("-5", "'-5");
    assert_cell("@SUM(A1)", "'@SUM(A1)");
    assert_cell("\tx", "'\tx");
    assert_cell("=a,b", "\"'=a,b\"");
    assert_cell("a=b", "a=b"); /* only a leading sign is a formula */
    assert_cell("'quoted", "'quoted");
}

static void write_row(FILE *out, const void *arg)
{
    (void)arg;
    const char *const cells[] = {"x", NULL, "a,b", "=1"};
    assert_int_equal(hub_csv_write_row(out, cells, COUNT(cells)), 0);
    assert_int_equal(hub_csv_write_row(out, cells, 1), 0);
}

struct export_arg {
    const struct hub_csv_columns *columns;
    const struct hub_report *report;
};

static void write_export(FILE *out, const void *arg)
{
    const struct export_arg *e = arg;
    assert_int_equal(hub_csv_write_header(out, e->columns), 0);
    assert_int_equal(hub_csv_write_report(out, e->columns, e->report), 0);
}

static void test_csv_rows_and_columns(void **state)
{
    struct hub_fixture *f = *state;
    struct hub_csv_columns all, cases;
    struct hub_report *report = NULL;
    char *text = captured(write_row, NULL);
    assert_string_equal(text, "x,,\"a,b\",'=1\r\nx\r\n");
    free(text);
    /* Without --kind: every field name once, in catalogue order. */
    assert_int_equal(hub_csv_columns_init(&all, NULL), 0);
    size_t notes = 0, case_ids = 0;
    for (size_t i = 0; i < all.field_count; i++) {
        notes += strcmp(all.fields[i]->name, "notes") == 0;
        case_ids += strcmp(all.fields[i]->name, "case_id") == 0;
    }
    assert_int_equal(notes, 1);
    assert_int_equal(case_ids, 1);
    assert_string_equal(all.fields[0]->name, "registration_number");
    hub_csv_columns_free(&all);
    populate(f);
    assert_int_equal(hub_csv_columns_init(&cases, sae_catalogue_kind_at(0)), 0);
    assert_int_equal(cases.field_count, sae_catalogue_kind_at(0)->field_count);
    assert_int_equal(hub_report_load(f->store, R1, &report), 0);
    struct export_arg arg = {&cases, report};
    text = captured(write_export, &arg);
    assert_non_null(strstr(text, "id,kind,village,village_name,deleted,updated,"
                                 "registration_number,status,closure_reason,intake_date,"
                                 "intake_channel,incident_date,violence_types,"));
    /* R1 came from a post of catalogue 1: its one type shows in the set's column. */
    assert_non_null(strstr(text, "\r\n" R1 ",case," VILLAGE_SUMBERANYAR ",Sumberanyar (Paiton),"
                                 "false,2026-11-29T13:20:01.000Z,,active,,2026-11-20,,,"
                                 "psychological,,,,\"Siti, \"\"Ani\"\"\",,F,7,"));
    /* The narrative starts with '=': guarded, and quoted for its line break; the old fields'
     * columns follow it, empty (R1's old type is read through the set). */
    assert_non_null(strstr(text, ",\"'=kronologi\nbaris dua\",,\r\n"));
    free(text);
    hub_report_free(report);
    hub_csv_columns_free(&cases);
}

static void test_stats_counts(void **state)
{
    struct hub_fixture *f = *state;
    struct hub_stats stats;
    populate(f);
    /* One village: its reports only. */
    assert_int_equal(hub_stats_load(f->store, VILLAGE_KALIBUNTU, &stats), 0);
    assert_int_equal(stats.reports, 1);
    assert_int_equal(stats.villages.count, 1);
    assert_string_equal(stats.villages.rows[0].label, "Kalibuntu (Kraksaan)");
    assert_int_equal(stats.open_conflicts.count, 1);
    hub_stats_free(&stats);
    assert_int_equal(hub_stats_load(f->store, NULL, &stats), 0);
    assert_int_equal(stats.reports, 3);
    assert_int_equal(stats.deleted, 1);
    assert_int_equal(stats.villages.count, 2);
    assert_string_equal(stats.villages.rows[0].key, VILLAGE_SUMBERANYAR);
    assert_string_equal(stats.villages.rows[0].label, "Sumberanyar (Paiton)");
    assert_int_equal(stats.villages.rows[0].count, 2);
    assert_int_equal(stats.villages.rows[1].count, 1);
    assert_string_equal(stats.kinds.rows[0].key, "case");
    assert_int_equal(stats.kinds.rows[0].count, 2);
    assert_int_equal(stats.kinds.rows[1].count, 1);
    assert_int_equal(stats.kinds.rows[2].count, 0);
    /* R3 (deleted) counts nowhere: no 2026-11 case besides R1; R2's two types count under
     * both, R1's old single type under its own. */
    assert_int_equal(stats.month_count, 2);
    assert_string_equal(stats.months[0].month, "2026-10");
    assert_int_equal(stats.months[0].per_kind[0], 1);
    assert_string_equal(stats.months[1].month, "2026-11");
    assert_int_equal(stats.months[1].per_kind[0], 1);
    assert_int_equal(stats.months[1].per_kind[1], 1);
    json_t *json = hub_stats_json(&stats);
    assert_non_null(json);
    json_t *violence = json_object_get(json, "violence_type");
    assert_int_equal(json_integer_value(json_object_get(violence, "psychological")), 1);
    assert_int_equal(json_integer_value(json_object_get(violence, "physical")), 1);
    assert_int_equal(json_integer_value(json_object_get(violence, "sexual")), 1);
    assert_int_equal(json_integer_value(json_object_get(violence, "neglect")), 0);
    assert_int_equal(json_object_size(violence), 7);
    json_t *open = json_object_get(json, "open_conflicts");
    assert_int_equal(json_integer_value(json_object_get(open, VILLAGE_SUMBERANYAR)), 1);
    assert_int_equal(json_integer_value(json_object_get(open, VILLAGE_KALIBUNTU)), 1);
    json_t *held = json_object_get(json, "held_changes");
    assert_int_equal(json_integer_value(json_object_get(held, VILLAGE_KALIBUNTU)), 1);
    assert_int_equal(json_object_size(held), 1);
    json_t *nov = json_object_get(json_object_get(json, "month"), "2026-11");
    assert_int_equal(json_integer_value(json_object_get(nov, "total")), 2);
    json_decref(json);
    hub_stats_free(&stats);
}

static void write_stream(FILE *out, const void *arg)
{
    struct hub_json_stream stream;
    size_t count = *(const size_t *)arg;
    assert_int_equal(hub_json_stream_begin(&stream, out), 0);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(hub_json_stream_item(&stream, json_pack("{s:I, s:s}", "n", (json_int_t)i,
                                                                 "text", "a\nb")), 0);
    assert_int_equal(hub_json_stream_end(&stream), 0);
}

static void test_json_stream_is_one_array(void **state)
{
    (void)state;
    for (size_t count = 0; count < 3; count++) {
        char *text = captured(write_stream, &count);
        json_error_t error;
        json_t *array = json_loads(text, 0, &error);
        assert_non_null(array);
        assert_int_equal(json_array_size(array), count);
        if (count == 2)
            assert_string_equal(json_string_value(json_object_get(json_array_get(array, 1),
                                                                  "text")), "a\nb");
        json_decref(array);
        free(text);
    }
}

static void write_line(FILE *out, const void *arg)
{
    hub_report_line(out, arg);
}

static void write_show(FILE *out, const void *arg)
{
    hub_report_text(out, arg);
}

static void test_text_lists_hide_sensitive_fields(void **state)
{
    struct hub_fixture *f = *state;
    struct hub_report *report = NULL;
    populate(f);
    assert_int_equal(hub_report_load(f->store, R1, &report), 0);
    char *line = captured(write_line, report);
    char *show = captured(write_show, report);
    assert_null(strstr(line, "Siti"));
    assert_null(strstr(line, "kronologi"));
    assert_non_null(strstr(line, "status=active"));
    assert_non_null(strstr(show, "Siti"));
    assert_non_null(strstr(show, "active (Ditangani)"));
    assert_non_null(strstr(show, "psychological (Psikis)"));
    assert_non_null(strstr(show, "=kronologi\n"));
    free(line);
    free(show);
    hub_report_free(report);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, hub_setup, hub_teardown)
    const struct CMUnitTest tests[] = {
        T(test_list_and_filters),
        T(test_load_current_values_and_json),
        T(test_every_version_of_each_field),
        T(test_id_prefixes),
        cmocka_unit_test(test_candidates_numbered_as_merge_resolve_keeps_them),
        T(test_conflict_json_and_listing),
        T(test_conflict_list_open_and_all),
        T(test_delete_conflict_candidates_name_their_field),
        cmocka_unit_test(test_csv_quoting_and_formula_guard),
        T(test_csv_rows_and_columns),
        T(test_stats_counts),
        cmocka_unit_test(test_json_stream_is_one_array),
        T(test_text_lists_hide_sensitive_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
