/* Possible duplicates: keyed name hashes, blocked candidate pairs, grades and decisions. */
#include "store/duplicates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_wipe.h"
#include "store/me_facts.h"

#define DUP_META_CURSOR "dup_cursor"
#define DUP_META_KEY_ID "dup_key_id"
#define STR_(x) #x
#define STR(x) STR_(x)

const char *dup_grade_name(int grade)
{
    return grade == DUP_GRADE_HIGH ? "high" : grade == DUP_GRADE_MEDIUM ? "medium" : "low";
}

static int grade_of(unsigned s, bool names)
{
    const unsigned strong = DUP_SAME_INCIDENT | DUP_SAME_AGE | DUP_TYPES_SHARED;
    const unsigned close = DUP_SAME_AGE | DUP_INTAKE_CLOSE | DUP_TYPES_SHARED;
    if (names && (s & DUP_NAME_SAME))
        return DUP_GRADE_HIGH;
    if (names && (s & DUP_NAME_DIFFERENT))
        return DUP_GRADE_LOW;
    if ((s & strong) == strong)
        return DUP_GRADE_HIGH;
    if ((s & (DUP_SAME_VILLAGE | DUP_SAME_INCIDENT)) || (s & close) == close)
        return DUP_GRADE_MEDIUM;
    return DUP_GRADE_LOW;
}

/* ---- Refresh ------------------------------------------------------------------------ */

static const char changed_sql[] = "SELECT id FROM me_case WHERE refreshed > ?1";
static const char name_sql[] =
    "SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"
    " WHERE s.report_id = ?1 AND s.field = 'victim_name'";
static const char name_put_sql[] =
    "INSERT OR REPLACE INTO dup_name(case_id, name_hash) VALUES (?1, ?2)";
static const char name_drop_sql[] = "DELETE FROM dup_name WHERE case_id = ?1";
static const char pairs_drop_sql[] = "DELETE FROM dup_pair WHERE a = ?1 OR b = ?1";
static const char self_sql[] =
    "SELECT m.kecamatan, m.sex, m.age, m.intake_days, m.village, m.incident_date, m.violence,"
    " (SELECT n.name_hash FROM dup_name n WHERE n.case_id = m.id) FROM me_case m"
    " WHERE m.id = ?1 AND m.live = 1 AND m.kecamatan != '' AND m.sex IS NOT NULL"
    " AND m.age IS NOT NULL AND m.intake_days IS NOT NULL";
/* The block: same kecamatan and sex, three ages, the days around the intake. */
static const char candidates_sql[] =
    "SELECT m.id, m.age, m.intake_days, m.village, m.incident_date, m.violence,"
    " (SELECT n.name_hash FROM dup_name n WHERE n.case_id = m.id) FROM me_case m"
    " WHERE m.kecamatan = ?1 AND m.sex = ?2"
    " AND m.age IN (?3 - " STR(DUP_AGE_YEARS) ", ?3, ?3 + " STR(DUP_AGE_YEARS) ")"
    " AND m.intake_days BETWEEN ?4 - " STR(DUP_INTAKE_DAYS) " AND ?4 + " STR(DUP_INTAKE_DAYS)
    " AND m.live = 1 AND m.id != ?5";
static const char settled_sql[] =
    "SELECT EXISTS (SELECT 1 FROM dup_decision WHERE a = ?1 AND b = ?2) OR EXISTS (SELECT 1"
    " FROM dup_survivor x JOIN dup_survivor y ON y.survivor = x.survivor"
    " WHERE x.case_id = ?1 AND y.case_id = ?2)";
static const char pair_put_sql[] =
    "INSERT OR REPLACE INTO dup_pair(a, b, signals, grade_plain, grade_names)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char me_cursor_sql[] = "SELECT value FROM meta WHERE key = '" ME_META_CURSOR "'";

/* What the signals compare of one case. */
struct dup_facts {
    int64_t age, days, violence;
    char village[SAE_LIMIT_VILLAGE_BYTES + 1];
    char incident[11];
    bool has_name;
    uint8_t name[crypto_generichash_BYTES];
};

/* Columns age, days, village, incident, violence, name_hash from first on. */
static void facts_from_row(sqlite3_stmt *stmt, int first, struct dup_facts *out)
{
    out->age = sqlite3_column_int64(stmt, first);
    out->days = sqlite3_column_int64(stmt, first + 1);
    sae_db_column_copy(stmt, first + 2, out->village, sizeof out->village);
    sae_db_column_copy(stmt, first + 3, out->incident, sizeof out->incident);
    out->violence = sqlite3_column_int64(stmt, first + 4);
    out->has_name = sqlite3_column_bytes(stmt, first + 5) == (int)sizeof out->name;
    if (out->has_name)
        memcpy(out->name, sqlite3_column_blob(stmt, first + 5), sizeof out->name);
}

static unsigned signals_of(const struct dup_facts *x, const struct dup_facts *y)
{
    unsigned s = 0;
    int64_t apart = x->days > y->days ? x->days - y->days : y->days - x->days;
    if (strcmp(x->village, y->village) == 0)
        s |= DUP_SAME_VILLAGE;
    if (x->age == y->age)
        s |= DUP_SAME_AGE;
    if (apart <= DUP_CLOSE_DAYS)
        s |= DUP_INTAKE_CLOSE;
    if (x->incident[0] && strcmp(x->incident, y->incident) == 0)
        s |= DUP_SAME_INCIDENT;
    if (x->violence & y->violence)
        s |= DUP_TYPES_SHARED;
    if (x->has_name && y->has_name)
        s |= sodium_memcmp(x->name, y->name, sizeof x->name) == 0 ? DUP_NAME_SAME
                                                                  : DUP_NAME_DIFFERENT;
    return s;
}

/* Runs a statement of no rows whose parameters are texts[0..count-1]. */
static int run_texts(struct hub_store *store, const char *sql, const char *const *texts,
                     size_t count)
{
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, count);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static int run_text(struct hub_store *store, const char *sql, const char *id)
{
    return run_texts(store, sql, &id, 1);
}

static int refresh_name(struct hub_store *store, const char *id,
                        const uint8_t key[DUP_KEY_BYTES])
{
    sqlite3_stmt *stmt = NULL;
    char *plain = NULL;
    uint8_t hash[crypto_generichash_BYTES];
    bool has = false;
    int rc = hub_store_prepare(store, name_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW)
        rc = sae_db_column_dup(stmt, 0, &plain);
    sae_db_reset(stmt);
    if (rc == 0)
        rc = dup_name_hash(plain, key, hash, &has);
    sae_wipe_free_string(plain);
    if (rc != 0 || !has)
        return rc == 0 ? run_text(store, name_drop_sql, id) : rc;
    rc = hub_store_prepare(store, name_put_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_bind_blob(stmt, 2, hash, sizeof hash);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static int pair_settled(struct hub_store *store, const char *a, const char *b, bool *out)
{
    sqlite3_stmt *stmt = NULL;
    const char *ids[] = {a, b};
    int rc = hub_store_prepare(store, settled_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, ids, 2);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        *out = sqlite3_column_int(stmt, 0) != 0;
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_ECORRUPT;
    }
    sae_db_reset(stmt);
    return rc;
}

static int put_pair(struct hub_store *store, const char *x, const char *y, unsigned signals)
{
    const char *a = strcmp(x, y) < 0 ? x : y, *b = a == x ? y : x;
    bool settled = false;
    sqlite3_stmt *stmt = NULL;
    int rc = pair_settled(store, a, b, &settled);
    if (rc != 0 || settled)
        return rc;
    const int64_t values[] = {signals, grade_of(signals, false), grade_of(signals, true)};
    const char *ids[] = {a, b};
    rc = hub_store_prepare(store, pair_put_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, ids, 2);
    if (rc == 0)
        rc = sae_db_bind_ints(stmt, 3, values, 3);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* The facts and the block of case id; found false when it cannot be proposed. */
static int load_self(struct hub_store *store, const char *id, struct dup_facts *facts,
                     char kecamatan[SAE_LIMIT_VILLAGE_BYTES + 1], char sex[8], bool *found)
{
    sqlite3_stmt *stmt = NULL;
    *found = false;
    int rc = hub_store_prepare(store, self_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, kecamatan, SAE_LIMIT_VILLAGE_BYTES + 1);
        sae_db_column_copy(stmt, 1, sex, 8);
        facts_from_row(stmt, 2, facts);
        *found = true;
        rc = 0;
    }
    sae_db_reset(stmt);
    return rc;
}

static int refresh_pairs(struct hub_store *store, const char *id)
{
    struct dup_facts self, other;
    char kecamatan[SAE_LIMIT_VILLAGE_BYTES + 1], sex[8], other_id[SAE_ID_TEXT_LEN + 1];
    bool found = false;
    sqlite3_stmt *stmt = NULL;
    int rc = run_text(store, pairs_drop_sql, id);
    if (rc == 0)
        rc = load_self(store, id, &self, kecamatan, sex, &found);
    if (rc != 0 || !found)
        return rc;
    const char *texts[] = {kecamatan, sex};
    rc = hub_store_prepare(store, candidates_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_texts(stmt, 1, texts, 2);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 3, self.age);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 4, self.days);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 5, id);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, other_id, sizeof other_id);
        facts_from_row(stmt, 1, &other);
        rc = put_pair(store, id, other_id, signals_of(&self, &other));
    }
    sae_db_reset(stmt);
    return rc;
}

/* A key other than the hashes' own: every hash and pair is computed again. */
static int check_key(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES])
{
    uint8_t id_bytes[8];
    int64_t id = 0, stored = 0;
    if (crypto_generichash(id_bytes, sizeof id_bytes, key, DUP_KEY_BYTES, NULL, 0) != 0)
        return SAE_ECRYPTO;
    memcpy(&id, id_bytes, sizeof id);
    int rc = sae_db_meta_int(store->db, DUP_META_KEY_ID, &stored);
    if (rc == 0 && stored == id)
        return 0;
    if (rc != 0 && rc != SAE_ENOTFOUND)
        return rc;
    rc = sae_db_exec(store->db, "DELETE FROM dup_name; DELETE FROM dup_pair;"
                                "INSERT OR REPLACE INTO meta(key, value) VALUES ('"
                                DUP_META_CURSOR "', 0)");
    return rc == 0 ? sae_db_set_meta_int(store->db, DUP_META_KEY_ID, id) : rc;
}

static int collect_changed(struct hub_store *store, int64_t cursor, char (**ids)[SAE_ID_TEXT_LEN + 1],
                           size_t *count)
{
    sqlite3_stmt *stmt = NULL;
    size_t capacity = 0;
    int rc = hub_store_prepare(store, changed_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, cursor);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        rc = 0;
        if (*count == capacity) {
            capacity = capacity ? capacity * 2 : 256;
            char (*grown)[SAE_ID_TEXT_LEN + 1] = realloc(*ids, capacity * sizeof *grown);
            if (!grown) {
                rc = SAE_ENOMEM;
                break;
            }
            *ids = grown;
        }
        sae_db_column_copy(stmt, 0, (*ids)[(*count)++], SAE_ID_TEXT_LEN + 1);
    }
    sae_db_reset(stmt);
    return rc;
}

/* What a refresh in its write transaction needs. */
struct refresh_context {
    const uint8_t *key;
};

static int refresh_in_transaction(struct hub_store *store, void *context)
{
    const uint8_t *key = ((const struct refresh_context *)context)->key;
    int64_t cursor = 0, facts = 0;
    char (*ids)[SAE_ID_TEXT_LEN + 1] = NULL;
    size_t count = 0;
    int rc = check_key(store, key);
    if (rc == 0)
        rc = sae_db_meta_int(store->db, DUP_META_CURSOR, &cursor);
    if (rc == 0)
        rc = hub_store_query_int(store, me_cursor_sql, NULL, 0, &facts);
    if (rc == 0 && facts > cursor)
        rc = collect_changed(store, cursor, &ids, &count);
    /* Every changed name first: a pair's signals compare both cases' hashes. */
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = refresh_name(store, ids[i], key);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = refresh_pairs(store, ids[i]);
    if (rc == 0 && facts > cursor)
        rc = sae_db_set_meta_int(store->db, DUP_META_CURSOR, facts);
    free(ids);
    return rc;
}

int dup_refresh(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES])
{
    int rc = me_facts_refresh(store, NULL);
    struct refresh_context context = {key};
    return rc == 0 ? hub_store_write(store, refresh_in_transaction, &context) : rc;
}

/* ---- List --------------------------------------------------------------------------- */

#define CASE_NUMBER(id)                                                                     \
    "coalesce((SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"          \
    " WHERE s.report_id = " id " AND s.field = 'registration_number'), '')"
#define PAIRS_SQL(grade)                                                                    \
    "SELECT p.a, p.b, p.signals, p.grade, " CASE_NUMBER("p.a") ", ma.village,"              \
    " ma.intake_date, ma.sex, ma.age, " CASE_NUMBER("p.b") ", mb.village, mb.intake_date,"  \
    " mb.sex, mb.age FROM (SELECT a, b, signals, " grade " AS grade FROM dup_pair"          \
    " ORDER BY " grade " DESC, a, b LIMIT ?1) p JOIN me_case ma ON ma.id = p.a"              \
    " JOIN me_case mb ON mb.id = p.b ORDER BY p.grade DESC, p.a, p.b"
static const char pairs_plain_sql[] = PAIRS_SQL("grade_plain");
static const char pairs_names_sql[] = PAIRS_SQL("grade_names");
/* Pairs by grade, counted on the grade's index (never the table). */
#define TOTALS_SQL(grade) "SELECT " grade ", count(*) FROM dup_pair GROUP BY " grade
static const char totals_plain_sql[] = TOTALS_SQL("grade_plain");
static const char totals_names_sql[] = TOTALS_SQL("grade_names");
static const char decided_sql[] = "SELECT count(*) FROM dup_decision";

/* Columns number, village, intake, sex, age from first on. */
static void case_from_row(sqlite3_stmt *stmt, int first, struct dup_case *out)
{
    sae_db_column_copy(stmt, first, out->number, sizeof out->number);
    sae_db_column_copy(stmt, first + 1, out->village, sizeof out->village);
    sae_db_column_copy(stmt, first + 2, out->intake_date, sizeof out->intake_date);
    sae_db_column_copy(stmt, first + 3, out->sex, sizeof out->sex);
    out->age = sqlite3_column_int64(stmt, first + 4);
}

static int load_totals(struct hub_store *store, bool with_names, struct dup_totals *out)
{
    struct dup_totals t = {0, 0, 0, 0};
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(store, with_names ? totals_names_sql : totals_plain_sql, &stmt);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        int64_t grade = sqlite3_column_int64(stmt, 0), n = sqlite3_column_int64(stmt, 1);
        int64_t *slot = grade == DUP_GRADE_HIGH ? &t.high : grade == DUP_GRADE_MEDIUM ? &t.medium
                                                                                   : &t.low;
        *slot += n;
        rc = 0;
    }
    sae_db_reset(stmt);
    if (rc == 0)
        rc = hub_store_query_int(store, decided_sql, NULL, 0, &t.decided);
    if (rc == 0)
        *out = t;
    return rc;
}

static int visit_pairs(struct hub_store *store, bool with_names, size_t limit,
                       dup_visit_fn visit, void *context)
{
    const unsigned hidden = with_names ? 0 : DUP_NAME_SAME | DUP_NAME_DIFFERENT;
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    int rc = hub_store_prepare(store, with_names ? pairs_names_sql : pairs_plain_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, (int64_t)limit);
    while (err == 0 && rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        struct dup_pair pair;
        rc = 0;
        memset(&pair, 0, sizeof pair);
        sae_db_column_copy(stmt, 0, pair.a.id, sizeof pair.a.id);
        sae_db_column_copy(stmt, 1, pair.b.id, sizeof pair.b.id);
        pair.signals = (unsigned)sqlite3_column_int64(stmt, 2) & ~hidden;
        pair.grade = sqlite3_column_int(stmt, 3);
        case_from_row(stmt, 4, &pair.a);
        case_from_row(stmt, 9, &pair.b);
        err = visit(&pair, context);
    }
    sae_db_reset(stmt);
    return err ? err : rc;
}

int dup_list(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES], bool with_names,
             size_t limit, dup_visit_fn visit, void *context, struct dup_totals *totals)
{
    struct dup_totals counted = {0};
    if (limit < 1 || limit > DUP_LIST_MAX)
        return SAE_ERANGE;
    int rc = dup_refresh(store, key);
    if (rc == 0)
        rc = sae_db_begin_read(store->db);
    if (rc != 0)
        return rc;
    rc = load_totals(store, with_names, &counted);
    if (rc == 0)
        rc = visit_pairs(store, with_names, limit, visit, context);
    if (sae_db_commit(store->db) != 0)
        sae_db_rollback(store->db);
    if (rc == 0 && totals)
        *totals = counted;
    return rc;
}

/* ---- Decisions ---------------------------------------------------------------------- */

static const char is_case_sql[] = "SELECT count(*) FROM report WHERE id = ?1 AND kind = 'case'";
static const char decision_sql[] =
    "SELECT decision, decided_by, decided_ms FROM dup_decision WHERE a = ?1 AND b = ?2";
static const char decision_put_sql[] =
    "INSERT INTO dup_decision(a, b, decision, decided_by, decided_ms, note)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char pair_drop_sql[] = "DELETE FROM dup_pair WHERE a = ?1 AND b = ?2";
static const char survivor_sql[] = "SELECT survivor FROM dup_survivor WHERE case_id = ?1";
static const char join_sql[] =
    "INSERT OR REPLACE INTO dup_survivor(case_id, survivor) VALUES (?1, ?1), (?2, ?1)";
static const char regroup_sql[] =
    "UPDATE dup_survivor SET survivor = ?1 WHERE survivor IN (?2, ?3)";
/* The survivor counted: the group's earliest intake, then the smallest id. */
static const char first_sql[] =
    "SELECT d.case_id FROM dup_survivor d LEFT JOIN me_case m ON m.id = d.case_id"
    " WHERE d.survivor = ?1 ORDER BY m.intake_date IS NULL, m.intake_date, d.case_id LIMIT 1";
static const char group_pairs_drop_sql[] =
    "DELETE FROM dup_pair WHERE a IN (SELECT case_id FROM dup_survivor WHERE survivor = ?1)"
    " AND b IN (SELECT case_id FROM dup_survivor WHERE survivor = ?1)";

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
    int rc = run_texts(store, regroup_sql, regroup, 3);
    if (rc == 0)
        rc = run_texts(store, join_sql, pair, 2);
    if (rc == 0)
        rc = query_text(store, first_sql, &a, 1, first, sizeof first);
    const char *regroup_first[] = {first, a, a};
    if (rc == 0)
        rc = run_texts(store, regroup_sql, regroup_first, 3);
    return rc == 0 ? run_text(store, group_pairs_drop_sql, first) : rc;
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
    const char *ids[] = {a, b};
    if (rc == 0)
        rc = run_texts(store, pair_drop_sql, ids, 2);
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
