/* Possible duplicates' pairs: keyed name hashes, blocked candidates, signals and grades,
 * refreshed in chunks; the list. */
#include "store/dup_pairs.h"

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

static const char changed_sql[] = "SELECT id FROM me_case WHERE refreshed > ?1 ORDER BY id";
static const char any_decided_sql[] =
    "SELECT EXISTS (SELECT 1 FROM dup_decision) OR EXISTS (SELECT 1 FROM dup_survivor)";
static const char name_sql[] =
    "INSERT OR REPLACE INTO dup_name(case_id, name_hash) SELECT s.report_id, h.name_hash"
    " FROM field_state s JOIN dup_change_name h ON h.change = s.change"
    " WHERE s.report_id = ?1 AND s.field = '" DUP_NAME_FIELD "'";
static const char change_name_put_sql[] =
    "INSERT OR REPLACE INTO dup_change_name(change, name_hash) VALUES (?1, ?2)";
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

static int run_text(struct hub_store *store, const char *sql, const char *id)
{
    return hub_store_run_texts(store, sql, &id, 1);
}

/* The current name's hash, made at ingest (dup_name_keep), or none; the key is checked by
 * the refresh (check_key) before any name is read. */
static int refresh_name(struct hub_store *store, const char *id)
{
    int rc = run_text(store, name_sql, id);
    if (rc == 0 && sae_db_changes(store->db) == 0)
        rc = run_text(store, name_drop_sql, id);
    return rc;
}

int dup_name_keep(struct hub_store *store, const char *dir, int64_t change, const char *plain)
{
    uint8_t key[DUP_KEY_BYTES], hash[DUP_NAME_HASH_BYTES];
    bool has = false;
    int rc = dup_key_load(dir, key);
    if (rc == 0)
        rc = dup_name_hash(plain, key, hash, &has);
    sodium_memzero(key, sizeof key);
    if (rc != 0 || !has)
        return rc;
    sqlite3_stmt *stmt = NULL;
    rc = hub_store_prepare(store, change_name_put_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, change);
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

static int put_pair(struct hub_store *store, const char *x, const char *y, unsigned signals,
                    bool any_decided)
{
    const char *a = strcmp(x, y) < 0 ? x : y, *b = a == x ? y : x;
    bool settled = false;
    sqlite3_stmt *stmt = NULL;
    int rc = any_decided ? pair_settled(store, a, b, &settled) : 0;
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

/* The cases of one refresh, sorted by id. */
struct changed_ids {
    char (*ids)[SAE_ID_TEXT_LEN + 1];
    size_t count;
};

static int id_compare(const void *a, const void *b)
{
    return strcmp(a, b);
}

static bool in_refresh(const struct changed_ids *set, const char *id)
{
    return bsearch(id, set->ids, set->count, sizeof *set->ids, id_compare) != NULL;
}

/* The pairs of id with its block. A pair of two cases of this refresh is written once,
 * from its smaller id (every pair of them was dropped before the first is written). */
static int refresh_pairs(struct hub_store *store, const char *id, const struct changed_ids *set,
                         bool any_decided)
{
    struct dup_facts self, other;
    char kecamatan[SAE_LIMIT_VILLAGE_BYTES + 1], sex[8], other_id[SAE_ID_TEXT_LEN + 1];
    bool found = false;
    sqlite3_stmt *stmt = NULL;
    int rc = load_self(store, id, &self, kecamatan, sex, &found);
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
        rc = 0;
        sae_db_column_copy(stmt, 0, other_id, sizeof other_id);
        if (strcmp(other_id, id) < 0 && in_refresh(set, other_id))
            continue;
        facts_from_row(stmt, 1, &other);
        rc = put_pair(store, id, other_id, signals_of(&self, &other), any_decided);
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
/* One refresh: the key, the cursors, the cases changed, and the phase a chunk runs. */
enum refresh_phase { PHASE_NAMES, PHASE_DROP, PHASE_PAIRS };

struct refresh {
    const uint8_t *key;
    dup_stop_fn stop; /* NULL: runs to the end */
    void *stop_context;
    int64_t cursor, facts;
    struct changed_ids set;
    enum refresh_phase phase;
    size_t from, to; /* the chunk: set.ids[from .. to-1] */
};

static int begin_refresh(struct hub_store *store, void *context)
{
    struct refresh *r = context;
    int rc = check_key(store, r->key);
    if (rc == 0)
        rc = sae_db_meta_int(store->db, DUP_META_CURSOR, &r->cursor);
    if (rc == 0)
        rc = hub_store_query_int(store, me_cursor_sql, NULL, 0, &r->facts);
    if (rc == 0 && r->facts > r->cursor)
        rc = collect_changed(store, r->cursor, &r->set.ids, &r->set.count);
    return rc;
}

static int any_decision(struct hub_store *store, bool *out)
{
    int64_t n = 0;
    int rc = hub_store_query_int(store, any_decided_sql, NULL, 0, &n);
    if (rc == 0)
        *out = n != 0;
    return rc;
}

static int refresh_chunk(struct hub_store *store, void *context)
{
    const struct refresh *r = context;
    bool decided = true;
    int rc = r->phase == PHASE_PAIRS ? any_decision(store, &decided) : 0;
    for (size_t i = r->from; rc == 0 && i < r->to; i++) {
        const char *id = r->set.ids[i];
        rc = r->phase == PHASE_NAMES ? refresh_name(store, id)
           : r->phase == PHASE_DROP  ? run_text(store, pairs_drop_sql, id)
                                     : refresh_pairs(store, id, &r->set, decided);
    }
    return rc;
}

static int end_refresh(struct hub_store *store, void *context)
{
    const struct refresh *r = context;
    return sae_db_set_meta_int(store->db, DUP_META_CURSOR, r->facts);
}

/* Phase by phase (every changed name first: a pair's signals compare both hashes; every
 * old pair of the changed cases dropped before any is written), DUP_REFRESH_CHUNK cases a
 * write transaction, so that the daemon's merges never wait long behind a first build. */
static int run_phases(struct hub_store *store, struct refresh *r)
{
    int rc = 0;
    for (int phase = PHASE_NAMES; rc == 0 && phase <= PHASE_PAIRS; phase++) {
        r->phase = (enum refresh_phase)phase;
        for (r->from = 0; rc == 0 && r->from < r->set.count; r->from = r->to) {
            if (r->stop && r->stop(r->stop_context))
                return SAE_EBUSY;
            r->to = r->set.count - r->from > DUP_REFRESH_CHUNK ? r->from + DUP_REFRESH_CHUNK
                                                               : r->set.count;
            rc = hub_store_write(store, refresh_chunk, r);
        }
    }
    return rc == 0 ? hub_store_write(store, end_refresh, r) : rc;
}

int dup_refresh(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES])
{
    return dup_refresh_until(store, key, NULL, NULL);
}

int dup_refresh_until(struct hub_store *store, const uint8_t key[DUP_KEY_BYTES],
                      dup_stop_fn stop, void *context)
{
    struct refresh r = {.key = key, .stop = stop, .stop_context = context};
    int rc = me_facts_refresh(store, NULL);
    if (rc == 0)
        rc = hub_store_write(store, begin_refresh, &r);
    if (rc == 0 && r.facts > r.cursor)
        rc = run_phases(store, &r);
    free(r.set.ids);
    return rc;
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
/* Pairs of one grade, counted on the grade's index up to DUP_COUNT_MAX (a first build of
 * 100,000 cases proposes a million low pairs: counting them all would cost every page). */
#define GRADE_COUNT_SQL(grade)                                                              \
    "SELECT count(*) FROM (SELECT 1 FROM dup_pair WHERE " grade " = ?1 LIMIT ?2)"
static const char count_plain_sql[] = GRADE_COUNT_SQL("grade_plain");
static const char count_names_sql[] = GRADE_COUNT_SQL("grade_names");
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
    int64_t *slots[] = {&t.low, &t.medium, &t.high};
    int rc = 0;
    for (int grade = DUP_GRADE_LOW; rc == 0 && grade <= DUP_GRADE_HIGH; grade++) {
        const int64_t params[] = {grade, DUP_COUNT_MAX};
        rc = hub_store_query_int(store, with_names ? count_names_sql : count_plain_sql, params,
                                 2, slots[grade - DUP_GRADE_LOW]);
    }
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

/* ---- Pairs decided ------------------------------------------------------------------ */

static const char pair_drop_sql[] = "DELETE FROM dup_pair WHERE a = ?1 AND b = ?2";
static const char group_pairs_drop_sql[] =
    "DELETE FROM dup_pair WHERE a IN (SELECT case_id FROM dup_survivor WHERE survivor = ?1)"
    " AND b IN (SELECT case_id FROM dup_survivor WHERE survivor = ?1)";

int dup_pairs_drop(struct hub_store *store, const char *a, const char *b)
{
    const char *ids[] = {a, b};
    return hub_store_run_texts(store, pair_drop_sql, ids, 2);
}

int dup_pairs_drop_group(struct hub_store *store, const char *survivor)
{
    return run_text(store, group_pairs_drop_sql, survivor);
}

int dup_pairs_forget_name(struct hub_store *store, const char *case_id)
{
    /* The hashes made at ingest go too, or the next refresh would bring the name back. */
    static const char change_names_drop_sql[] =
        "DELETE FROM dup_change_name WHERE change IN (SELECT seq FROM change"
        " WHERE report_no = (SELECT no FROM report WHERE id = ?1)"
        " AND field = '" DUP_NAME_FIELD "')";
    int rc = run_text(store, change_names_drop_sql, case_id);
    return rc == 0 ? run_text(store, name_drop_sql, case_id) : rc;
}
