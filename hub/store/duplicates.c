/* Possible duplicates' decisions: same survivor or distinct, and the survivors linked. */
#include "store/duplicates.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_db.h"
#include "store/me_facts.h"

/* ---- Decisions ---------------------------------------------------------------------- */

static const char is_case_sql[] = "SELECT count(*) FROM report WHERE id = ?1 AND kind = 'case'";
static const char decision_sql[] =
    "SELECT decision, decided_by, decided_ms FROM dup_decision WHERE a = ?1 AND b = ?2";
static const char decision_put_sql[] =
    "INSERT INTO dup_decision(a, b, decision, decided_by, decided_ms, note)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char survivor_sql[] = "SELECT survivor FROM dup_survivor WHERE case_id = ?1";
static const char join_sql[] =
    "INSERT OR REPLACE INTO dup_survivor(case_id, survivor) VALUES (?1, ?1), (?2, ?1)";
static const char regroup_sql[] =
    "UPDATE dup_survivor SET survivor = ?1 WHERE survivor IN (?2, ?3)";
/* The survivor counted: the group's earliest intake, then the smallest id. */
static const char first_sql[] =
    "SELECT d.case_id FROM dup_survivor d LEFT JOIN me_case m ON m.id = d.case_id"
    " WHERE d.survivor = ?1 ORDER BY m.intake_date IS NULL, m.intake_date, d.case_id LIMIT 1";

/* One text column of a one-row query on texts ?1..?count; SAE_ENOTFOUND without a row. */
static int query_text(struct hub_store *store, const char *sql, const char *const *texts,
                      size_t count, char *out, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, count);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        sae_db_column_copy(stmt, 0, out, size);
    sae_db_reset(stmt);
    return rc == SAE_DB_ROW ? 0 : rc == 0 ? SAE_ENOTFOUND : rc;
}

int dup_survivor_of(struct hub_store *store, const char *case_id,
                    char out[SAE_ID_TEXT_LEN + 1])
{
    int rc = query_text(store, survivor_sql, &case_id, 1, out, SAE_ID_TEXT_LEN + 1);
    if (rc == SAE_ENOTFOUND) {
        snprintf(out, SAE_ID_TEXT_LEN + 1, "%s", case_id);
        rc = 0;
    }
    return rc;
}

static int check_cases(struct hub_store *store, const char *a, const char *b,
                       struct sae_message *why)
{
    const char *ids[] = {a, b};
    if (strcmp(a, b) == 0) {
        sae_message_set(why, "a case cannot be a duplicate of itself; name two cases");
        return SAE_EINVAL;
    }
    for (int i = 0; i < 2; i++) {
        int64_t n = 0;
        sqlite3_stmt *stmt = NULL;
        int rc = hub_store_prepare(store, is_case_sql, &stmt);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 1, ids[i]);
        if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
            n = sqlite3_column_int64(stmt, 0);
            rc = 0;
        }
        sae_db_reset(stmt);
        if (rc != 0)
            return rc;
        if (n == 0) {
            sae_message_set(why, "%s is not a case; duplicates are decided between cases",
                            ids[i]);
            return SAE_EINVAL;
        }
    }
    return 0;
}

static int check_undecided(struct hub_store *store, const char *a, const char *b,
                           struct sae_message *why)
{
    sqlite3_stmt *stmt = NULL;
    const char *ids[] = {a, b};
    int rc = hub_store_prepare(store, decision_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, ids, 2);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        char by[SAE_LIMIT_PERSON_BYTES + 1], decision[16];
        sae_db_column_copy(stmt, 0, decision, sizeof decision);
        sae_db_column_copy(stmt, 1, by, sizeof by);
        sae_message_set(why, "%s and %s were decided already (%s survivor) by %s; a decision "
                        "is kept and never asked again", a, b,
                        strcmp(decision, "same") == 0 ? "the same" : "a distinct", by);
        rc = SAE_EEXIST;
    }
    sae_db_reset(stmt);
    return rc;
}

/* Joins a's group and b's under a, then under the group's first case (its survivor); the
 * pairs inside the group are no longer proposed. */
static int link_cases(struct hub_store *store, const char *a, const char *b,
                      const char *sa, const char *sb)
{
    char first[SAE_ID_TEXT_LEN + 1];
    const char *pair[] = {a, b}, *regroup[] = {a, sa, sb};
    int rc = hub_store_run_texts(store, regroup_sql, regroup, 3);
    if (rc == 0)
        rc = hub_store_run_texts(store, join_sql, pair, 2);
    if (rc == 0)
        rc = query_text(store, first_sql, &a, 1, first, sizeof first);
    const char *regroup_first[] = {first, a, a};
    if (rc == 0)
        rc = hub_store_run_texts(store, regroup_sql, regroup_first, 3);
    if (rc == 0)
        rc = me_facts_changed(store); /* the survivor's other cases are counted no more */
    return rc == 0 ? dup_pairs_drop_group(store, first) : rc;
}

/* A decision, as dup_decide was given it (a before b). */
struct decision {
    const char *a, *b;
    bool same;
    const char *by, *note;
    int64_t now_ms;
    struct sae_message *why;
};

static int decide_in_transaction(struct hub_store *store, void *context)
{
    const struct decision *d = context;
    const char *a = d->a, *b = d->b, *by = d->by, *note = d->note;
    bool same = d->same;
    int64_t now_ms = d->now_ms;
    struct sae_message *why = d->why;
    char sa[SAE_ID_TEXT_LEN + 1], sb[SAE_ID_TEXT_LEN + 1];
    sqlite3_stmt *stmt = NULL;
    const char *texts[] = {a, b, same ? "same" : "distinct", by};
    int rc = check_cases(store, a, b, why);
    if (rc == 0)
        rc = check_undecided(store, a, b, why);
    if (rc == 0)
        rc = dup_survivor_of(store, a, sa);
    if (rc == 0)
        rc = dup_survivor_of(store, b, sb);
    if (rc == 0 && !same && strcmp(sa, sb) == 0) {
        sae_message_set(why, "%s and %s are linked as one survivor already (through another "
                        "case); a link is kept", a, b);
        rc = SAE_EINVAL;
    }
    if (rc == 0)
        rc = hub_store_prepare(store, decision_put_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 4);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 5, now_ms);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 6, note);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    if (rc == 0)
        rc = dup_pairs_drop(store, a, b);
    if (rc == 0 && same)
        rc = link_cases(store, a, b, sa, sb);
    return rc;
}

int dup_decide(struct hub_store *store, const char *x, const char *y, bool same,
               const char *by, const char *note, int64_t now_ms, struct sae_message *why)
{
    bool ordered = strcmp(x, y) < 0;
    struct decision d = {ordered ? x : y, ordered ? y : x, same, by, note, now_ms, why};
    /* The survivor counted is chosen by intake date: the facts first. */
    int rc = me_facts_refresh(store, NULL);
    return rc == 0 ? hub_store_write(store, decide_in_transaction, &d) : rc;
}
