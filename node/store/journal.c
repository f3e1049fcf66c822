/* Appending field changes. Everything one command writes is one transaction taken with
 * BEGIN IMMEDIATE, and shares one version: a command either happened or did not. */
#include "sae/sae_db.h"
#include "store/case_number.h"
#include "store/hub_copy.h"
#include "store/value_seal.h"
#include "store/node_meta.h"
#include "store/journal.h"
#include "store/journal_internal.h"
#include "store/report_read.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_validate.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire.h"

struct change_writer {
    struct node_store *store;
    sqlite3_stmt *insert_journal;
    sqlite3_stmt *upsert_field;
    sqlite3_stmt *select_field;
    sae_hlc version;
    int64_t seen_cursor;
    uint8_t hub_key[HUB_COPY_KEY_BYTES]; /* while hub_known: the copies' key */
    bool hub_known;
    bool boxed; /* the hub reads value boxes: the command's copies go in one (hub_copy.h) */
    struct hub_copy_box box;
};

static const char insert_journal_sql[] =
    "INSERT INTO journal_entry(report_num, kind, field, value, version, origin, base_version,"
    " base_origin, seen_cursor, author, hub_sealed)"
    " VALUES (" REPORT_NUM("?1") ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
/* What this post had pulled from the hub when it wrote: the hub tells edits that did not
 * see a delete (or each other) from those that did. */
static const char pull_cursor_sql[] =
    "SELECT value FROM meta WHERE key = '" NODE_META_PULL_CURSOR "'";
/* Last writer wins on (version, origin): an older change never overwrites a newer one. The
 * value is the entry's (seq), kept in the journal alone. The state lives in the field's row
 * of field_shown (migration 15; report_field is a view of it): set here, the shown columns
 * then taken again by journal_refresh_shown. */
static const char upsert_field_sql[] =
    "INSERT INTO field_shown_row(report_num, field, value, version, origin, under_review, seq)"
    " VALUES (" REPORT_NUM("?1") ", ?2, NULL, ?3, ?4, 0, ?5)"
    " ON CONFLICT(report_num, field) DO UPDATE SET"
    " state_version = excluded.version, state_origin = excluded.origin, seq = excluded.seq"
    " WHERE (excluded.version, excluded.origin) > (coalesce(field_shown_row.state_version,"
    " field_shown_row.version), coalesce(field_shown_row.state_origin,"
    " field_shown_row.origin))";
/* What the post shows is what an edit starts from: while the hub reviews a field, the
 * standing version is the one its writer saw (its base), and the value it compares with. */
static const char select_field_sql[] =
    "SELECT " JOURNAL_RESOLVED("s.value") ", s.version, s.origin FROM field_shown_row s"
    " WHERE s.report_num = " REPORT_NUM("?1") " AND s.field = ?2";

/* The statements belong to the store's cache: reset, never finalized. */
static void writer_finish(struct change_writer *w)
{
    sae_db_reset(w->insert_journal);
    sae_db_reset(w->upsert_field);
    sae_db_reset(w->select_field);
}

static int read_pull_cursor(struct node_store *store, int64_t *out)
{
    int64_t cursor = 0;
    int rc = sae_db_query_int(store->db, &store->statements, pull_cursor_sql, NULL, 0, &cursor);
    if (rc == 0 || rc == SAE_ENOTFOUND)
        *out = cursor;
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

/* Every change names a person: without one nothing is written, and why says how to name
 * one (refused rather than defaulted, so that no change is ever "by nobody"). */
static int require_author(const struct node_store *store, struct sae_message *why)
{
    if (store->author)
        return 0;
    sae_message_set(why, "who is recording this? give your name: sae-node --by NAME ..., or "
                    "set this computer's default once: sae-node config author NAME");
    return SAE_EINVAL;
}

/* Takes the write lock, then prepares the statements and issues the command's version. */
static int writer_start(struct change_writer *w, struct node_store *store,
                        struct sae_message *why)
{
    memset(w, 0, sizeof *w);
    w->store = store;
    int rc = require_author(store, why);
    if (rc != 0)
        return rc;
    rc = node_store_begin(store);
    if (rc != 0)
        return rc;
    struct sae_db_cache *cache = &store->statements;
    rc = sae_db_prepare_cached(store->db, cache, insert_journal_sql, &w->insert_journal);
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, cache, upsert_field_sql, &w->upsert_field);
    if (rc == 0)
        rc = sae_db_prepare_cached(store->db, cache, select_field_sql, &w->select_field);
    if (rc == 0)
        rc = node_store_next_version(store, &w->version);
    if (rc == 0)
        rc = read_pull_cursor(store, &w->seen_cursor);
    if (rc == 0)
        rc = hub_copy_key(store->db, cache, w->hub_key, &w->hub_known);
    if (rc == 0 && w->hub_known)
        rc = hub_copy_hub_reads_boxes(store, &w->boxed);
    if (rc != 0) {
        writer_finish(w);
        node_store_rollback(store);
    }
    return rc;
}

static int writer_end(struct change_writer *w, int rc)
{
    writer_finish(w);
    if (rc == 0)
        rc = hub_copy_box_store(w->store, w->hub_key, &w->box);
    hub_copy_box_clear(&w->box);
    if (rc == 0)
        rc = node_store_commit(w->store);
    if (rc != 0)
        node_store_rollback(w->store);
    return rc;
}

/* Runs a cached statement that returns no row and readies it for its next use. */
static int step_done(sqlite3_stmt *stmt)
{
    int rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* The current version of a field, or {0, 0} when it was never written. */
struct field_state {
    bool exists;
    char *value; /* NULL when unset */
    struct sae_version version;
};

static int read_field(struct change_writer *w, const char *id, const char *field,
                      struct field_state *out)
{
    sqlite3_stmt *s = w->select_field;
    struct field_state state = {0};
    int rc = sae_db_bind_text(s, 1, id);
    if (rc == 0)
        rc = sae_db_bind_text(s, 2, field);
    if (rc == 0)
        rc = sae_db_step(s);
    if (rc == SAE_DB_ROW) {
        state.exists = true;
        state.version.hlc = (sae_hlc)sqlite3_column_int64(s, 1);
        state.version.origin = (uint64_t)sqlite3_column_int64(s, 2);
        rc = sae_db_column_dup(s, 0, &state.value);
    }
    sae_db_reset(s);
    if (rc != 0)
        return rc;
    *out = state;
    return 0;
}

int journal_bind_change_text(sqlite3_stmt *stmt, const char *id, const char *kind,
                             const char *field, const char *value)
{
    int rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, kind);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 3, field);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 4, value);
    return rc;
}

/* Derives the field's state from the journal entry seq (upsert_field_sql). */
static int upsert_field(sqlite3_stmt *f, const char *id, const char *field,
                        const struct sae_version *version, int64_t seq)
{
    const int64_t ints[] = {(int64_t)version->hlc, (int64_t)version->origin, seq};
    int rc = sae_db_bind_text(f, 1, id);
    if (rc == 0)
        rc = sae_db_bind_text(f, 2, field);
    if (rc == 0)
        rc = sae_db_bind_ints(f, 3, ints, sizeof ints / sizeof ints[0]);
    return rc == 0 ? step_done(f) : rc;
}

/* ?11: the hub's copy of a sensitive value, once the hub's key is known (hub_copy.h), unless
 * it goes in the command's box (*boxed); the caller frees *copy after the step (the binding
 * does not copy it). */
static int bind_hub_copy(struct change_writer *w, const char *kind, const char *field,
                         const char *value, unsigned char **copy, size_t *len, bool *boxed)
{
    *boxed = w->boxed && hub_copy_box_takes(&w->box, kind, field, value);
    int rc = w->hub_known && !*boxed
                 ? hub_copy_seal_in(w->store, w->hub_key, kind, field, value, copy, len)
                 : 0;
    if (rc == 0)
        rc = *copy ? sae_db_bind_blob(w->insert_journal, 11, *copy, *len)
                   : sae_db_bind_null(w->insert_journal, 11);
    return rc;
}

static int append_stored(struct change_writer *w, const char *id, const char *kind,
                         const char *field, const char *value, const char *stored,
                         const struct sae_version *base)
{
    const struct sae_version version = {w->version, w->store->origin};
    const int64_t ints[] = {(int64_t)version.hlc, (int64_t)version.origin, (int64_t)base->hlc,
                            (int64_t)base->origin, w->seen_cursor};
    int rc = journal_bind_change_text(w->insert_journal, id, kind, field, stored);
    if (rc == 0)
        rc = sae_db_bind_ints(w->insert_journal, 5, ints, sizeof ints / sizeof ints[0]);
    if (rc == 0)
        rc = sae_db_bind_text(w->insert_journal, 10, w->store->author);
    unsigned char *copy = NULL;
    size_t copy_len = 0;
    bool boxed = false;
    if (rc == 0)
        rc = bind_hub_copy(w, kind, field, value, &copy, &copy_len, &boxed);
    if (rc == 0)
        rc = step_done(w->insert_journal);
    sae_wipe_free(copy, copy_len);
    if (rc != 0)
        return rc;
    int64_t seq = sae_db_last_rowid(w->store->db);
    rc = boxed ? hub_copy_box_add(&w->box, seq, value) : 0;
    if (rc == 0)
        rc = upsert_field(w->upsert_field, id, field, &version, seq);
    return rc == 0 ? journal_refresh_shown(w->store, id, field) : rc;
}

/* A sensitive value is kept sealed to the storage key (value_seal.h); the hub's copy is
 * sealed from the value itself. */
static int append_change(struct change_writer *w, const char *id, const char *kind,
                         const char *field, const char *value, const struct sae_version *base)
{
    char *stored = NULL;
    int rc = value_seal_in(w->store, kind, field, value, &stored);
    if (rc == 0)
        rc = append_stored(w, id, kind, field, value, stored, base);
    free(stored);
    return rc;
}

/* A new report's row comes before its entries, which name it by its number; its first
 * entry's seq is known once they are written (journal_settle_report). */
static const char insert_report_sql[] =
    "INSERT INTO report(id, kind, first_seq) VALUES (?1, ?2, 0)";
static const char settle_report_sql[] =
    "UPDATE report SET first_seq = (SELECT min(seq) FROM journal_entry"
    " WHERE report_num = report.num) WHERE id = ?1 AND first_seq = 0";

int journal_run_on_report(struct node_store *store, const char *sql, const char *id,
                          const char *kind)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0 && kind)
        rc = sae_db_bind_text(stmt, 2, kind);
    if (rc == 0)
        rc = step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

static int insert_report(struct node_store *store, const char *id, const char *kind)
{
    return journal_run_on_report(store, insert_report_sql, id, kind);
}

int journal_settle_report(struct node_store *store, const char *id)
{
    return journal_run_on_report(store, settle_report_sql, id, NULL);
}

/* Reads the kind of a report and whether it carries a tombstone. */
static const char report_kind_state_sql[] =
    "SELECT r.kind, EXISTS(SELECT 1 FROM field_shown_row f"
    " CROSS JOIN journal_entry j ON j.seq = f.seq WHERE f.report_num = r.num"
    " AND f.field = '" SAE_FIELD_TOMBSTONE "' AND j.value IS NOT NULL)"
    " FROM report r WHERE r.id = ?1";

static int report_kind_state(struct node_store *store, const char *id, char **kind, bool *deleted)
{
    sqlite3_stmt *stmt = NULL;
    char *copy = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, report_kind_state_sql, &stmt);
    if (rc != 0)
        return rc;
    rc = sae_db_bind_text(stmt, 1, id);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW)
        rc = sae_db_column_dup(stmt, 0, &copy);
    if (rc == 0 && !copy)
        rc = SAE_ECORRUPT; /* report.kind is NOT NULL */
    if (rc == 0) {
        *kind = copy;
        *deleted = sqlite3_column_int(stmt, 1) != 0;
    }
    sae_db_reset(stmt);
    return rc;
}

/* A reference must name an existing, not deleted report of the kind the field expects.
 * Checked inside the write transaction so that no other process can delete it meanwhile. */
static int check_references(struct node_store *store, const struct journal_change *changes,
                            size_t count, struct sae_message *why)
{
    for (size_t i = 0; i < count; i++) {
        const struct sae_field *field = changes[i].field;
        char *kind = NULL;
        bool deleted = false;
        if (field->type != SAE_FIELD_REFERENCE || !changes[i].value)
            continue;
        int rc = report_kind_state(store, changes[i].value, &kind, &deleted);
        if (rc == SAE_ENOTFOUND || (rc == 0 && strcmp(kind, field->ref_kind) != 0)) {
            sae_message_set(why, "%s: no %s report has id %s; list them with: sae-node list "
                            "--kind %s", field->name, field->ref_kind, changes[i].value,
                            field->ref_kind);
            rc = SAE_ENOTFOUND;
        } else if (rc == 0 && deleted) {
            sae_message_set(why, "%s: %s report %s was deleted; refer to an existing one",
                            field->name, field->ref_kind, changes[i].value);
            rc = SAE_EDELETED;
        }
        free(kind);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The time the rules judge dates by: this post's clock, corrected when the hub found it
 * off. */
static int rules_now(struct node_store *store, int64_t *out)
{
    int64_t offset = 0;
    int rc = sae_db_meta_int(store->db, NODE_META_CLOCK_OFFSET_MS, &offset);
    if (rc == SAE_ENOTFOUND)
        offset = 0, rc = 0;
    if (rc == 0)
        *out = (int64_t)node_store_corrected_ms(offset);
    return rc;
}

/* The case an event's case_id names (NULL when none), for the rules. */
static int load_case(struct node_store *store, const char *case_id, struct report **out)
{
    *out = NULL;
    if (!case_id)
        return 0;
    int rc = report_load(store, case_id, out);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

static const struct journal_change *find_change(const struct journal_change *changes,
                                                size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(changes[i].field->name, name) == 0)
            return &changes[i];
    return NULL;
}

/* A case's number is assigned here, never given: it joins the command's changes. */
static int with_number(struct node_store *store, const struct sae_kind *kind,
                       const struct journal_change *changes, size_t count, struct sae_edit *edits,
                       size_t *n, char number[SAE_REGISTRATION_BYTES])
{
    const struct sae_field *field = NULL;
    const struct journal_change *intake = find_change(changes, count, "intake_date");
    if (sae_catalogue_find_field(kind, "registration_number", &field) != 0 || !intake)
        return 0;
    int rc = case_number_next(store, intake->value, number);
    if (rc == 0)
        edits[(*n)++] = (struct sae_edit){field, SAE_EDIT_SET, number};
    return rc;
}

/* Plans the command's writes on before (NULL for a new report; for a new case the
 * registration number is taken). */
static int plan_command(struct node_store *store, const struct sae_kind *kind,
                        const struct report *before, const struct journal_change *changes,
                        size_t count, struct sae_plan *plan, struct sae_message *why)
{
    char number[SAE_REGISTRATION_BYTES];
    struct report *kase = NULL;
    size_t n = 0;
    struct sae_edit *edits = calloc(count + 1, sizeof *edits);
    if (!edits)
        return SAE_ENOMEM;
    for (; n < count; n++)
        edits[n] = (struct sae_edit){changes[n].field,
                                     !changes[n].value ? SAE_EDIT_UNSET : changes[n].op,
                                     changes[n].value};
    struct sae_plan_input in = {.kind = kind, .before = before ? &before->view : NULL,
                                .edits = edits};
    int rc = before ? 0 : with_number(store, kind, changes, count, edits, &n, number);
    in.edit_count = n;
    if (rc == 0)
        rc = rules_now(store, &in.now_ms);
    if (rc == 0)
        rc = load_case(store, sae_plan_case_id(&in), &kase);
    in.case_view = kase ? &kase->view : NULL;
    if (rc == 0)
        rc = sae_plan_make(&in, plan, why);
    report_free(kase);
    free(edits);
    return rc;
}

int journal_add(struct node_store *store, const struct sae_kind *kind,
                const struct journal_change *changes, size_t count,
                char id_out[SAE_ID_TEXT_LEN + 1], struct sae_message *why)
{
    struct change_writer w;
    struct sae_plan plan = {0};
    struct sae_id id;
    char id_text[SAE_ID_TEXT_LEN + 1];
    const struct sae_version none = {0, 0};
    sae_id_generate(&id);
    sae_id_format(&id, id_text);
    int rc = writer_start(&w, store, why);
    if (rc != 0)
        return rc;
    rc = check_references(store, changes, count, why);
    if (rc == 0)
        rc = plan_command(store, kind, NULL, changes, count, &plan, why);
    if (rc == 0)
        rc = insert_report(store, id_text, kind->name);
    for (size_t i = 0; rc == 0 && i < plan.count; i++)
        if (plan.writes[i].value)
            rc = append_change(&w, id_text, kind->name, plan.writes[i].name,
                               plan.writes[i].value, &none);
    if (rc == 0)
        rc = journal_settle_report(store, id_text);
    sae_plan_free(&plan);
    rc = writer_end(&w, rc);
    if (rc == 0)
        memcpy(id_out, id_text, sizeof id_text);
    return rc;
}

static bool same_value(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether the stored value equals plain. Seals are random, so a sealed value is compared
 * opened, with the key the caller lent; without one it counts as changed (the edit is
 * recorded again: a repeat, never a loss). */
static bool unchanged(struct node_store *store, const char *stored, const char *plain)
{
    char *opened = NULL;
    /* The mask a reader was shown in place of a value it could not read (withheld, or
     * sealed with no key lent), sent back by a form: never a new value (else an edit form
     * saved by a staff member without the key would erase the value). A reader who could
     * read it saw the value itself: "••••" from such a reader is a value like any other. */
    bool only_masked = value_seal_is_mark(stored) ||
                       (value_seal_is_sealed(stored) && !store->lent_secret);
    if (only_masked && plain && strcmp(plain, VALUE_SEAL_MASK) == 0)
        return true;
    if (value_seal_is_mark(stored))
        return false;
    if (!value_seal_is_sealed(stored))
        return same_value(stored, plain);
    if (!store->lent_secret || !plain ||
        value_seal_open(store->storage_public, store->lent_secret, stored, &opened) != 0)
        return false;
    bool same = strcmp(opened, plain) == 0;
    sae_wipe_free_string(opened);
    return same;
}

/* Checks that report id may be changed, inside the transaction. */
static int check_editable(struct node_store *store, const char *id, bool for_delete,
                          const struct sae_kind **kind_out, struct sae_message *why)
{
    char *kind_name = NULL;
    bool deleted = false;
    const struct sae_kind *kind = NULL;
    int rc = report_kind_state(store, id, &kind_name, &deleted);
    if (rc == SAE_ENOTFOUND)
        sae_message_set(why, "no report has id %s; list them with: sae-node list", id);
    if (rc == 0 && deleted) {
        sae_message_set(why, "report %s was deleted; deleted reports cannot be %s", id,
                        for_delete ? "deleted again" : "edited");
        rc = SAE_EDELETED;
    }
    if (rc == 0 && sae_catalogue_find_kind(kind_name, &kind) != 0) {
        sae_message_set(why, "report %s has kind %s, which this sae-node does not know", id,
                        kind_name);
        rc = SAE_ECORRUPT;
    }
    if (rc == 0 && !for_delete && kind->append_only) {
        sae_message_set(why, "%s reports are append-only events and cannot be edited; record a "
                        "new one, or delete this one with: sae-node delete %s", kind->name, id);
        rc = SAE_EINVAL;
    }
    free(kind_name);
    if (rc == 0)
        *kind_out = kind;
    return rc;
}

int journal_edit(struct node_store *store, const char *id, const struct journal_change *changes,
                 size_t count, size_t *applied, struct sae_message *why)
{
    struct change_writer w;
    const struct sae_kind *kind = NULL;
    struct report *before = NULL;
    struct sae_plan plan = {0};
    size_t written = 0;
    int rc = writer_start(&w, store, why);
    if (rc != 0)
        return rc;
    rc = check_editable(store, id, false, &kind, why);
    if (rc == 0)
        rc = check_references(store, changes, count, why);
    if (rc == 0)
        rc = report_load(store, id, &before);
    if (rc == 0)
        rc = plan_command(store, kind, before, changes, count, &plan, why);
    for (size_t i = 0; rc == 0 && i < plan.count; i++) {
        struct field_state current;
        const char *name = plan.writes[i].name;
        rc = read_field(&w, id, name, &current);
        if (rc != 0)
            break;
        if (!unchanged(store, current.value, plan.writes[i].value)) {
            rc = append_change(&w, id, kind->name, name, plan.writes[i].value, &current.version);
            written++;
        }
        free(current.value);
    }
    sae_plan_free(&plan);
    report_free(before);
    if (rc == 0 && written == 0) {
        /* Nothing to record: leave even the clock untouched. */
        writer_finish(&w);
        node_store_rollback(store);
    } else {
        rc = writer_end(&w, rc);
    }
    if (rc == 0)
        *applied = written;
    return rc;
}

int journal_delete(struct node_store *store, const char *id, struct sae_message *why)
{
    struct change_writer w;
    struct field_state current;
    const struct sae_kind *kind = NULL;
    int rc = writer_start(&w, store, why);
    if (rc != 0)
        return rc;
    rc = check_editable(store, id, true, &kind, why);
    if (rc == 0)
        rc = read_field(&w, id, SAE_FIELD_TOMBSTONE, &current);
    if (rc == 0) {
        rc = append_change(&w, id, kind->name, SAE_FIELD_TOMBSTONE, "1", &current.version);
        free(current.value);
    }
    return writer_end(&w, rc);
}

int journal_derive_field(struct node_store *store, const char *id, const char *field,
                         const struct sae_version *version, int64_t seq)
{
    sqlite3_stmt *f = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, upsert_field_sql, &f);
    if (rc == 0)
        rc = upsert_field(f, id, field, version, seq);
    /* Even when an older change leaves the state as it was: it may be the version a review
     * names as standing, which the shown value is then taken from. */
    return rc == 0 ? journal_refresh_shown(store, id, field) : rc;
}
