/* hub/store/hub_accounts.h on a real hub.db (migration 5): accounts and their checks,
 * sessions ended by a password change and by disabling in one transaction, the audit's
 * append-only triggers and its cut texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "merge_support.h"
#include "store/hub_accounts.h"

static const char HASH[] = "$argon2id$v=19$m=32768,t=3,p=1$c2FsdHNhbHRzYWx0c2E$aGFzaGhhc2g";

static int64_t count(struct hub_store *store, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(hub_store_query_int(store, sql, NULL, 0, &n), 0);
    return n;
}

static void test_accounts_and_their_checks(void **state)
{
    struct hub_fixture *f = *state;
    struct hub_account a;
    assert_int_equal(hub_account_add(f->store, "Bu Sari", HUB_ROLE_COORDINATOR, NULL, HASH, 5),
                     0);
    assert_int_equal(hub_account_add(f->store, "Bu Sari", HUB_ROLE_OPERATOR, NULL, HASH, 6),
                     SAE_EEXIST);
    assert_int_equal(hub_account_add(f->store, "upt", HUB_ROLE_PARTNER, NULL, HASH, 6),
                     SAE_EINVAL);
    assert_int_equal(hub_account_add(f->store, "op", HUB_ROLE_OPERATOR, "UPT PPA", HASH, 6),
                     SAE_EINVAL);
    assert_int_equal(hub_account_add(f->store, "two\nlines", HUB_ROLE_OPERATOR, NULL, HASH, 6),
                     SAE_EINVAL);
    char longest[HUB_ACCOUNT_NAME_BYTES + 1];
    memset(longest, 'n', sizeof longest);
    longest[HUB_ACCOUNT_NAME_BYTES - 1] = '\0';
    assert_int_equal(hub_account_add(f->store, longest, HUB_ROLE_OPERATOR, NULL, HASH, 6), 0);
    longest[HUB_ACCOUNT_NAME_BYTES - 1] = 'n';
    longest[HUB_ACCOUNT_NAME_BYTES] = '\0';
    assert_int_equal(hub_account_add(f->store, longest, HUB_ROLE_OPERATOR, NULL, HASH, 6),
                     SAE_EINVAL);
    assert_int_equal(hub_account_add(f->store, "upt", HUB_ROLE_PARTNER, "UPT PPA", HASH, 7), 0);
    assert_int_equal(hub_account_get(f->store, "upt", &a), 0);
    assert_int_equal(a.role, HUB_ROLE_PARTNER);
    assert_string_equal(a.agency, "UPT PPA");
    assert_false(a.disabled);
    assert_int_equal(a.conduct_ms, 0);
    assert_int_equal(hub_account_get(f->store, "nobody", &a), SAE_ENOTFOUND);
    assert_int_equal(hub_account_accept_conduct(f->store, "upt", 99), 0);
    assert_int_equal(hub_account_get(f->store, "upt", &a), 0);
    assert_int_equal(a.conduct_ms, 99);
    assert_int_equal(hub_account_accept_conduct(f->store, "nobody", 99), SAE_ENOTFOUND);
    enum hub_role role;
    assert_int_equal(hub_role_parse("admin", &role), 0);
    assert_int_equal(role, HUB_ROLE_ADMIN);
    assert_int_equal(hub_role_parse("Admin", &role), SAE_EINVAL);
}

static void test_password_change_and_disabling_end_every_session(void **state)
{
    struct hub_fixture *f = *state;
    uint8_t one[32], two[32], other[32];
    struct hub_session s;
    memset(one, 1, 32);
    memset(two, 2, 32);
    memset(other, 3, 32);
    assert_int_equal(hub_account_add(f->store, "siti", HUB_ROLE_OPERATOR, NULL, HASH, 1), 0);
    assert_int_equal(hub_account_add(f->store, "budi", HUB_ROLE_OPERATOR, NULL, HASH, 1), 0);
    assert_int_equal(hub_session_add(f->store, one, "siti", "csrf-1", 100), 0);
    assert_int_equal(hub_session_add(f->store, two, "siti", "csrf-2", 100), 0);
    assert_int_equal(hub_session_add(f->store, other, "budi", "csrf-3", 100), 0);
    assert_int_equal(hub_session_touch(f->store, one, 150), 0);
    assert_int_equal(hub_session_get(f->store, one, &s), 0);
    assert_string_equal(s.account, "siti");
    assert_string_equal(s.csrf, "csrf-1");
    assert_int_equal(s.created_s, 100);
    assert_int_equal(s.seen_s, 150);
    assert_int_equal(hub_account_set_password(f->store, "siti", HASH, NULL), 0);
    assert_int_equal(hub_session_get(f->store, one, &s), SAE_ENOTFOUND);
    assert_int_equal(hub_session_get(f->store, two, &s), SAE_ENOTFOUND);
    assert_int_equal(hub_session_get(f->store, other, &s), 0);
    assert_int_equal(hub_account_disable(f->store, "budi"), 0);
    assert_int_equal(hub_session_get(f->store, other, &s), SAE_ENOTFOUND);
    assert_int_equal(hub_account_disable(f->store, "nobody"), SAE_ENOTFOUND);
    assert_int_equal(hub_account_set_password(f->store, "nobody", HASH, NULL), SAE_ENOTFOUND);
    assert_int_equal(count(f->store, "SELECT count(*) FROM session"), 0);
}

/* Signing in again and again (a script that never signs out, someone with a leaked password)
 * keeps HUB_SESSIONS_PER_ACCOUNT sessions of the account: the least recently used gives way,
 * other accounts' sessions stay. */
static void test_sessions_per_account_are_bounded(void **state)
{
    struct hub_fixture *f = *state;
    uint8_t token[32], other[32];
    struct hub_session s;
    memset(other, 0xee, 32);
    assert_int_equal(hub_account_add(f->store, "siti", HUB_ROLE_OPERATOR, NULL, HASH, 1), 0);
    assert_int_equal(hub_account_add(f->store, "budi", HUB_ROLE_OPERATOR, NULL, HASH, 1), 0);
    assert_int_equal(hub_session_add(f->store, other, "budi", "csrf-b", 10), 0);
    for (unsigned i = 0; i < HUB_SESSIONS_PER_ACCOUNT; i++) {
        memset(token, (int)i, 32);
        assert_int_equal(hub_session_add(f->store, token, "siti", "csrf", 100 + i), 0);
    }
    memset(token, 0, 32);
    assert_int_equal(hub_session_touch(f->store, token, 500), 0); /* the first, still in use */
    assert_int_equal(count(f->store, "SELECT count(*) FROM session WHERE account = 'siti'"),
                     HUB_SESSIONS_PER_ACCOUNT);
    memset(token, 0xaa, 32);
    assert_int_equal(hub_session_add(f->store, token, "siti", "csrf", 600), 0);
    assert_int_equal(count(f->store, "SELECT count(*) FROM session WHERE account = 'siti'"),
                     HUB_SESSIONS_PER_ACCOUNT);
    memset(token, 1, 32); /* the least recently used */
    assert_int_equal(hub_session_get(f->store, token, &s), SAE_ENOTFOUND);
    memset(token, 0, 32);
    assert_int_equal(hub_session_get(f->store, token, &s), 0);
    memset(token, 0xaa, 32);
    assert_int_equal(hub_session_get(f->store, token, &s), 0);
    assert_int_equal(hub_session_get(f->store, other, &s), 0);
}

static void test_audit_is_append_only_and_cut_to_its_limits(void **state)
{
    struct hub_fixture *f = *state;
    char target[HUB_AUDIT_TARGET_BYTES + 40];
    memset(target, 't', sizeof target);
    memcpy(target + HUB_AUDIT_TARGET_BYTES - 2, "\xc3\xa9", 2); /* cut inside no character */
    target[sizeof target - 1] = '\0';
    assert_int_equal(hub_audit_append(f->store, "siti", "sign-in", "", "127.0.0.1", 7), 0);
    assert_int_equal(hub_audit_append(f->store, "siti", "account-add", target, "cli", 8), 0);
    assert_int_equal(count(f->store, "SELECT max(length(CAST(target AS BLOB))) FROM audit"),
                     HUB_AUDIT_TARGET_BYTES - 2);
    assert_int_equal(hub_store_run(f->store, "UPDATE audit SET actor = 'x'", NULL, 0),
                     SAE_EDB);
    assert_int_equal(hub_store_run(f->store, "DELETE FROM audit", NULL, 0), SAE_EDB);
    assert_int_equal(count(f->store, "SELECT count(*) FROM audit"), 2);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accounts_and_their_checks, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_password_change_and_disabling_end_every_session,
                                        hub_setup, hub_teardown),
        cmocka_unit_test_setup_teardown(test_sessions_per_account_are_bounded, hub_setup,
                                        hub_teardown),
        cmocka_unit_test_setup_teardown(test_audit_is_append_only_and_cut_to_its_limits,
                                        hub_setup, hub_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
