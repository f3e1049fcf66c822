/* The post app's tables and reads on a real journal file: staff accounts and their
 * sessions (node_staff.c), and the cases needing action (attention.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "store/attention.h"
#include "store/node_staff.h"
#include "unit_support.h"

static const uint8_t TOKEN_A[NODE_STAFF_TOKEN_HASH_BYTES] = {1};
static const uint8_t TOKEN_B[NODE_STAFF_TOKEN_HASH_BYTES] = {2};

static void test_staff_names_roles_and_limits(void **state)
{
    struct unit_fixture *f = *state;
    char name[NODE_STAFF_NAME_BYTES + 1];
    memset(name, 'a', sizeof name);
    name[SAE_LIMIT_PERSON_BYTES] = '\0';
    assert_int_equal(node_staff_add(f->store, name, NODE_STAFF_MEMBER, "$hash", NULL, 1), 0);
    name[SAE_LIMIT_PERSON_BYTES] = 'a';
    name[SAE_LIMIT_PERSON_BYTES + 1] = '\0';
    assert_int_equal(node_staff_add(f->store, name, NODE_STAFF_MEMBER, "$hash", NULL, 1), SAE_EINVAL);
    assert_int_equal(node_staff_add(f->store, "two\nlines", NODE_STAFF_HEAD, "$h", NULL, 1), SAE_EINVAL);
    assert_int_equal(node_staff_add(f->store, "Bu Sari", NODE_STAFF_HEAD, "", NULL, 1), SAE_EINVAL);
    assert_int_equal(node_staff_add(f->store, "Bu Sari", NODE_STAFF_HEAD, "$first", NULL, 7), 0);
    assert_int_equal(node_staff_add(f->store, "Bu Sari", NODE_STAFF_MEMBER, "$x", NULL, 8), SAE_EEXIST);
    struct node_staff staff;
    assert_int_equal(node_staff_get(f->store, "Bu Sari", &staff), 0);
    assert_string_equal(staff.name, "Bu Sari");
    assert_int_equal(staff.role, NODE_STAFF_HEAD);
    assert_int_equal(staff.created_ms, 7);
    assert_int_equal(node_staff_get(f->store, "Nobody", &staff), SAE_ENOTFOUND);
    char hash[NODE_STAFF_HASH_BYTES];
    assert_int_equal(node_staff_hash(f->store, "Bu Sari", hash), 0);
    assert_string_equal(hash, "$first");
    int64_t count = 0;
    assert_int_equal(node_staff_count(f->store, &count), 0);
    assert_int_equal(count, 2);
    enum node_staff_role role;
    assert_int_equal(node_staff_role_parse("head", &role), 0);
    assert_int_equal(role, NODE_STAFF_HEAD);
    assert_int_equal(node_staff_role_parse("boss", &role), SAE_EINVAL);
    assert_string_equal(node_staff_role_name(NODE_STAFF_MEMBER), "staff");
}

static int count_staff(const struct node_staff *staff, void *context)
{
    (void)staff;
    (*(int *)context)++;
    return 0;
}

static void test_sessions_end_with_a_new_passphrase(void **state)
{
    struct unit_fixture *f = *state;
    assert_int_equal(node_staff_add(f->store, "Pak Budi", NODE_STAFF_MEMBER, "$old", NULL, 1), 0);
    assert_int_equal(node_staff_session_add(f->store, TOKEN_A, "Pak Budi", "csrf-a", 100), 0);
    assert_int_equal(node_staff_session_add(f->store, TOKEN_B, "Pak Budi", "csrf-b", 100), 0);
    struct node_staff_session session;
    assert_int_equal(node_staff_session_touch(f->store, TOKEN_A, 160), 0);
    assert_int_equal(node_staff_session_get(f->store, TOKEN_A, &session), 0);
    assert_string_equal(session.name, "Pak Budi");
    assert_string_equal(session.csrf, "csrf-a");
    assert_int_equal(session.created_s, 100);
    assert_int_equal(session.seen_s, 160);
    assert_int_equal(node_staff_session_end(f->store, TOKEN_A), 0);
    assert_int_equal(node_staff_session_get(f->store, TOKEN_A, &session), SAE_ENOTFOUND);
    assert_int_equal(node_staff_set_hash(f->store, "Nobody", "$new", NULL), SAE_ENOTFOUND);
    assert_int_equal(node_staff_session_get(f->store, TOKEN_B, &session), 0);
    assert_int_equal(node_staff_set_hash(f->store, "Pak Budi", "$new", NULL), 0);
    assert_int_equal(node_staff_session_get(f->store, TOKEN_B, &session), SAE_ENOTFOUND);
    char hash[NODE_STAFF_HASH_BYTES];
    assert_int_equal(node_staff_hash(f->store, "Pak Budi", hash), 0);
    assert_string_equal(hash, "$new");
    int listed = 0;
    assert_int_equal(node_staff_list(f->store, count_staff, &listed), 0);
    assert_int_equal(listed, 1);
}

struct found {
    size_t count;
    char ids[16][SAE_ID_TEXT_LEN + 1];
    enum attention_reason reasons[16];
};

static int collect(const struct attention_item *item, void *context)
{
    struct found *found = context;
    assert_true(found->count < 16);
    memcpy(found->ids[found->count], item->case_id, sizeof found->ids[0]);
    found->reasons[found->count++] = item->reason;
    return 0;
}

/* Records an event of case_id; its id in id when given. */
static void add_event(struct node_store *store, const char *kind, const char *case_id,
                      const char *a, const char *b, char *id)
{
    char own[SAE_ID_TEXT_LEN + 1], ref[SAE_ID_TEXT_LEN + 16];
    snprintf(ref, sizeof ref, "case_id=%.*s", SAE_ID_TEXT_LEN, case_id);
    unit_add(store, kind, (const char *const[]){ref, a, b, NULL}, id ? id : own);
}

/* A case of high risk; closed (with its reason) when closed is true. */
static void high_risk_case(struct node_store *store, bool closed, char id[SAE_ID_TEXT_LEN + 1])
{
    unit_add(store, "case", (const char *const[]){"violence_types=physical", "victim_sex=F",
                                                 "intake_date=2026-01-05", "risk_level=high",
                                                 closed ? "status=closed" : NULL,
                                                 "closure_reason=relocated", NULL}, id);
}

static void test_cases_needing_action(void **state)
{
    struct unit_fixture *f = *state;
    char today[11], quiet[SAE_ID_TEXT_LEN + 1], served[SAE_ID_TEXT_LEN + 1];
    char closed[SAE_ID_TEXT_LEN + 1], stay[SAE_ID_TEXT_LEN + 1], referred[SAE_ID_TEXT_LEN + 1];
    char gone[SAE_ID_TEXT_LEN + 1], date[32], unserved[SAE_ID_TEXT_LEN + 1];
    char deleted_service[SAE_ID_TEXT_LEN + 1];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    high_risk_case(f->store, false, quiet);
    high_risk_case(f->store, false, served);
    snprintf(date, sizeof date, "service_date=%s", today);
    add_event(f->store, "service", served, "service_type=counselling", date, NULL);
    high_risk_case(f->store, true, closed);
    unit_add_case(f->store, stay);
    add_event(f->store, "shelter_stay", stay, "admission_date=2026-11-02",
              "planned_end_date=2026-11-10", NULL);
    unit_add_case(f->store, referred);
    add_event(f->store, "referral", referred, "referred_to=puskesmas",
              "referral_date=2026-11-07", NULL);
    high_risk_case(f->store, false, gone);
    struct sae_message why = {{0}};
    assert_int_equal(journal_delete(f->store, gone, &why), 0);
    /* A service deleted is no service: its case still needs one. */
    high_risk_case(f->store, false, unserved);
    add_event(f->store, "service", unserved, "service_type=counselling", date,
              deleted_service);
    assert_int_equal(journal_delete(f->store, deleted_service, &why), 0);
    struct found found = {0};
    size_t more = 99;
    assert_int_equal(attention_list(f->store, today, collect, &found, &more), 0);
    assert_int_equal(more, 0);
    assert_int_equal(found.count, 4);
    assert_string_equal(found.ids[0], quiet);
    assert_int_equal(found.reasons[0], ATTENTION_HIGH_RISK);
    assert_string_equal(found.ids[1], unserved);
    assert_int_equal(found.reasons[1], ATTENTION_HIGH_RISK);
    assert_string_equal(found.ids[2], stay);
    assert_int_equal(found.reasons[2], ATTENTION_STAY_OVERDUE);
    assert_string_equal(found.ids[3], referred);
    assert_int_equal(found.reasons[3], ATTENTION_REFERRAL_WAITING);
    /* Eight days on, the service no longer counts; the bad date is refused. */
    struct found later = {0};
    assert_int_equal(attention_list(f->store, "2999-01-01", collect, &later, &more), 0);
    assert_int_equal(later.count, 5);
    assert_int_equal(attention_list(f->store, "soon", collect, &later, &more), SAE_EINVAL);
}

/* Past the limit: the first ATTENTION_ITEMS_MAX items in reason order, then case order, one
 * per case and reason (a case with two overdue stays is one item; a case both of high risk
 * and with an overdue stay is one item of each), and the rest counted. The cut falls in the
 * referrals, after every high-risk case and every stay. */
#define MANY_HIGH_RISK (ATTENTION_ITEMS_MAX - 10)
#define MANY_STAYS 8
#define MANY_REFERRALS 10

struct many {
    size_t count;
    char ids[ATTENTION_ITEMS_MAX][SAE_ID_TEXT_LEN + 1];
    enum attention_reason reasons[ATTENTION_ITEMS_MAX];
};

static int collect_many(const struct attention_item *item, void *context)
{
    struct many *many = context;
    assert_true(many->count < ATTENTION_ITEMS_MAX);
    memcpy(many->ids[many->count], item->case_id, sizeof many->ids[0]);
    many->reasons[many->count++] = item->reason;
    return 0;
}

static void overdue_stay(struct node_store *store, const char *case_id)
{
    add_event(store, "shelter_stay", case_id, "admission_date=2026-11-02",
              "planned_end_date=2026-11-10", NULL);
}

static void test_cases_needing_action_past_the_limit(void **state)
{
    struct unit_fixture *f = *state;
    static char high[MANY_HIGH_RISK][SAE_ID_TEXT_LEN + 1], stays[MANY_STAYS][SAE_ID_TEXT_LEN + 1];
    static char referred[MANY_REFERRALS][SAE_ID_TEXT_LEN + 1];
    static struct many shown;
    for (size_t i = 0; i < MANY_HIGH_RISK; i++)
        high_risk_case(f->store, false, high[i]);
    overdue_stay(f->store, high[0]);
    for (size_t i = 0; i < MANY_STAYS; i++) {
        unit_add_case(f->store, stays[i]);
        overdue_stay(f->store, stays[i]);
    }
    overdue_stay(f->store, stays[3]);
    for (size_t i = 0; i < MANY_REFERRALS; i++) {
        unit_add_case(f->store, referred[i]);
        add_event(f->store, "referral", referred[i], "referred_to=puskesmas",
                  "referral_date=2026-11-07", NULL);
    }
    size_t more = 0, at = 0;
    assert_int_equal(attention_list(f->store, "2026-12-01", collect_many, &shown, &more), 0);
    assert_int_equal(shown.count, ATTENTION_ITEMS_MAX);
    for (size_t i = 0; i < MANY_HIGH_RISK; i++, at++) {
        assert_string_equal(shown.ids[at], high[i]);
        assert_int_equal(shown.reasons[at], ATTENTION_HIGH_RISK);
    }
    assert_string_equal(shown.ids[at], high[0]);
    assert_int_equal(shown.reasons[at++], ATTENTION_STAY_OVERDUE);
    for (size_t i = 0; i < MANY_STAYS; i++, at++) {
        assert_string_equal(shown.ids[at], stays[i]);
        assert_int_equal(shown.reasons[at], ATTENTION_STAY_OVERDUE);
    }
    for (size_t i = 0; at < ATTENTION_ITEMS_MAX; i++, at++) {
        assert_string_equal(shown.ids[at], referred[i]);
        assert_int_equal(shown.reasons[at], ATTENTION_REFERRAL_WAITING);
    }
    /* 190 + 9 + 10 items, 200 shown. */
    assert_int_equal(more, MANY_HIGH_RISK + 1 + MANY_STAYS + MANY_REFERRALS - ATTENTION_ITEMS_MAX);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    umask(077);
#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_cases_needing_action_past_the_limit),
        T(test_staff_names_roles_and_limits),
        T(test_sessions_end_with_a_new_passphrase),
        T(test_cases_needing_action),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
