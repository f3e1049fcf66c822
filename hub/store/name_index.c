/* The coordinators' search by name through a keyed blind index (name_index.h). */
#include "store/name_index.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_id.h"
#include "sae/sae_sealed.h"
#include "sae/sae_wipe.h"
#include "store/district_key.h"
#include "store/sealed_values.h"

#define CURSOR_KEY "name_index_cursor"
/* Changes read from after the cursor at a time; the name fields the SQL names at most; the
 * heads of one field (the winner and an open conflict's candidates) read at most. */
#define SCAN_ROWS 256u
#define NAME_FIELDS_MAX 4u
#define HEADS_MAX 16u

_Static_assert(sizeof NAME_INDEX_CONTEXT == crypto_kdf_CONTEXTBYTES, "kdf context");
_Static_assert(NAME_INDEX_KEY_BYTES == crypto_kdf_KEYBYTES, "kdf key");

bool name_index_is_name_field(const struct sae_field *field)
{
    return field->sensitive && field->type == SAE_FIELD_TEXT && !field->multiline;
}

static int derive_key(const unsigned char secret[NAME_INDEX_KEY_BYTES],
                      unsigned char key[NAME_INDEX_KEY_BYTES])
{
    return crypto_kdf_derive_from_key(key, NAME_INDEX_KEY_BYTES, NAME_INDEX_SUBKEY_ID,
                                      NAME_INDEX_CONTEXT, secret) == 0
               ? 0
               : SAE_ECRYPTO;
}

static bool is_separator(unsigned char c)
{
    return c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9'));
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Calls each(word, len, context) for every word of text, folded into a buffer of its own
 * (wiped after), cut to NAME_INDEX_PREFIX_MAX bytes. */
typedef int (*word_fn)(const unsigned char *word, size_t len, void *context);

static int each_word(const char *text, word_fn each, void *context)
{
    unsigned char word[NAME_INDEX_PREFIX_MAX];
    size_t len = 0;
    int rc = 0;
    for (const unsigned char *c = (const unsigned char *)text; rc == 0; c++) {
        if (*c && !is_separator(*c)) {
            if (len < sizeof word)
                word[len++] = fold(*c);
            continue;
        }
        if (len >= NAME_INDEX_PREFIX_MIN)
            rc = each(word, len, context);
        len = 0;
        if (!*c)
            break;
    }
    sodium_memzero(word, sizeof word);
    return rc;
}

static int token_of(const unsigned char key[NAME_INDEX_KEY_BYTES], const unsigned char *bytes,
                    size_t len, uint8_t token[NAME_INDEX_TOKEN_BYTES])
{
    return crypto_generichash(token, NAME_INDEX_TOKEN_BYTES, bytes, len, key,
                              NAME_INDEX_KEY_BYTES) == 0
               ? 0
               : SAE_ECRYPTO;
}

struct query_words {
    const unsigned char *key;
    uint8_t (*tokens)[NAME_INDEX_TOKEN_BYTES];
    size_t count;
};

static int query_word(const unsigned char *word, size_t len, void *context)
{
    struct query_words *q = context;
    uint8_t token[NAME_INDEX_TOKEN_BYTES];
    if (q->count == NAME_INDEX_QUERY_WORDS)
        return 0;
    int rc = token_of(q->key, word, len, token);
    for (size_t i = 0; rc == 0 && i < q->count; i++)
        if (sodium_memcmp(q->tokens[i], token, sizeof token) == 0)
            return 0;
    if (rc == 0)
        memcpy(q->tokens[q->count++], token, sizeof token);
    return rc;
}

int name_index_query_tokens(const unsigned char district_secret[NAME_INDEX_KEY_BYTES],
                            const char *text,
                            uint8_t tokens[NAME_INDEX_QUERY_WORDS][NAME_INDEX_TOKEN_BYTES],
                            size_t *count)
{
    unsigned char key[NAME_INDEX_KEY_BYTES];
    struct query_words q = {key, tokens, 0};
    int rc = derive_key(district_secret, key);
    if (rc == 0)
        rc = each_word(text, query_word, &q);
    sodium_memzero(key, sizeof key);
    if (rc == 0)
        *count = q.count;
    return rc;
}

/* One catch-up's state. */
struct catch_up {
    struct hub_store *store;
    const unsigned char *secret;
    unsigned char public_key[DISTRICT_KEY_BYTES];
    unsigned char key[NAME_INDEX_KEY_BYTES];
    const char *fields[NAME_FIELDS_MAX];
    size_t field_count;
    size_t max, opened;
    bool behind;
    const char *report_id; /* the report whose rows are being written */
};

/* The distinct names of the catalogue's name fields, for the SQL's IN list. */
static int name_fields(struct catch_up *c)
{
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        for (size_t i = 0; i < kind->field_count; i++) {
            const struct sae_field *f = &kind->fields[i];
            bool known = false;
            for (size_t j = 0; j < c->field_count; j++)
                known = known || strcmp(c->fields[j], f->name) == 0;
            if (!name_index_is_name_field(f) || known)
                continue;
            if (c->field_count == NAME_FIELDS_MAX)
                return SAE_EINVAL; /* the catalogue outgrew NAME_FIELDS_MAX */
            c->fields[c->field_count++] = f->name;
        }
    }
    return 0;
}

static int prefix_rows(const unsigned char *word, size_t len, void *context)
{
    static const char sql[] = "INSERT OR IGNORE INTO name_index(token, report_id) VALUES (?1, ?2)";
    struct catch_up *c = context;
    int rc = 0;
    for (size_t n = NAME_INDEX_PREFIX_MIN; rc == 0 && n <= len; n++) {
        uint8_t token[NAME_INDEX_TOKEN_BYTES];
        sqlite3_stmt *stmt = NULL;
        rc = token_of(c->key, word, n, token);
        if (rc == 0)
            rc = hub_store_prepare(c->store, sql, &stmt);
        if (rc == 0)
            rc = sae_db_bind_blob(stmt, 1, token, sizeof token);
        if (rc == 0)
            rc = sae_db_bind_text(stmt, 2, c->report_id);
        if (rc == 0)
            rc = sae_db_step_done(stmt);
        sae_db_reset(stmt);
    }
    return rc;
}

/* Indexes the value of change's district copy; none (an unset value, an erased one): no
 * rows. */
static int index_change(struct catch_up *c, int64_t change)
{
    uint8_t *sealed = NULL;
    size_t sealed_len = 0, plain_len = 0;
    char *plain = NULL;
    int rc = sealed_values_get(c->store, change, SEALED_VALUE_DISTRICT, &sealed, &sealed_len);
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = sae_sealed_open(c->public_key, c->secret, sealed, sealed_len, &plain, &plain_len);
    free(sealed);
    /* A copy that does not open (damaged, or sealed to another key) is not indexed: one bad
     * row must not stop every coordinator's search. */
    if (rc == SAE_ECORRUPT || rc == SAE_EPERM || rc == SAE_ESCHEMA || rc == SAE_ETOOBIG)
        return 0;
    if (rc == 0)
        rc = each_word(plain, prefix_rows, c);
    if (plain)
        sae_wipe_free(plain, plain_len);
    return rc;
}

/* The heads of report_id's field: the winner and an open conflict's candidates. */
static int field_heads(struct catch_up *c, const char *report_id, const char *field,
                       int64_t heads[HEADS_MAX], size_t *count)
{
    static const char sql[] =
        "SELECT change FROM field_state WHERE report_id = ?1 AND field = ?2"
        " UNION SELECT cc.change FROM conflict x JOIN conflict_candidate cc ON cc.conflict = x.id"
        " WHERE x.report_id = ?1 AND x.field = ?2 AND x.status = 'open'";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(c->store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, report_id);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, field);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        rc = 0;
        if (*count < HEADS_MAX)
            heads[(*count)++] = sqlite3_column_int64(stmt, 0);
    }
    sae_db_reset(stmt);
    return rc;
}

/* Replaces report_id's rows from its current heads, unless that would open more than the
 * values left (*done false then). */
static int refresh_report(struct catch_up *c, const char *report_id, bool *done)
{
    int64_t heads[NAME_FIELDS_MAX][HEADS_MAX];
    size_t counts[NAME_FIELDS_MAX] = {0}, total = 0;
    int rc = 0;
    for (size_t f = 0; rc == 0 && f < c->field_count; f++) {
        rc = field_heads(c, report_id, c->fields[f], heads[f], &counts[f]);
        total += counts[f];
    }
    *done = false;
    if (rc != 0 || (c->opened > 0 && c->opened + total > c->max))
        return rc;
    rc = name_index_forget(c->store, report_id);
    c->report_id = report_id;
    for (size_t f = 0; rc == 0 && f < c->field_count; f++)
        for (size_t i = 0; rc == 0 && i < counts[f]; i++)
            rc = index_change(c, heads[f][i]);
    c->opened += total;
    *done = rc == 0;
    return rc;
}

struct scan_row {
    int64_t seq;
    char report_id[SAE_ID_TEXT_LEN + 1];
};

/* Up to SCAN_ROWS changes of name fields after cursor, in the hub's order. */
static int scan(struct catch_up *c, int64_t cursor, struct scan_row *rows, size_t *count)
{
    static const char sql[] = "SELECT seq, report_id FROM change WHERE seq > ?1"
                              " AND field IN (?2, ?3, ?4, ?5) ORDER BY seq LIMIT ?6";
    sqlite3_stmt *stmt = NULL;
    int rc = hub_store_prepare(c->store, sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, cursor);
    for (size_t i = 0; rc == 0 && i < NAME_FIELDS_MAX; i++)
        rc = i < c->field_count ? sae_db_bind_text(stmt, 2 + (int)i, c->fields[i])
                                : sae_db_bind_null(stmt, 2 + (int)i);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 6, SCAN_ROWS);
    *count = 0;
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW && *count < SCAN_ROWS) {
        rc = 0;
        rows[*count].seq = sqlite3_column_int64(stmt, 0);
        sae_db_column_copy(stmt, 1, rows[*count].report_id, sizeof rows[*count].report_id);
        (*count)++;
    }
    sae_db_reset(stmt);
    return rc;
}

static bool seen_before(const struct scan_row *rows, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(rows[j].report_id, rows[i].report_id) == 0)
            return true;
    return false;
}

static int catch_up_write(struct hub_store *store, void *context)
{
    struct catch_up *c = context;
    struct scan_row *rows = calloc(SCAN_ROWS, sizeof *rows);
    int64_t cursor = 0, from = 0;
    size_t count = SCAN_ROWS;
    int rc = rows ? sae_db_meta_int(store->db, CURSOR_KEY, &cursor) : SAE_ENOMEM;
    from = cursor;
    while (rc == 0 && count == SCAN_ROWS && !c->behind) {
        rc = scan(c, cursor, rows, &count);
        for (size_t i = 0; rc == 0 && i < count; i++) {
            bool done = true;
            /* A report met again in the same scan was indexed from its current heads. */
            if (!seen_before(rows, i))
                rc = refresh_report(c, rows[i].report_id, &done);
            if (rc == 0 && !done) {
                c->behind = true;
                break;
            }
            cursor = rows[i].seq;
        }
    }
    if (rc == 0 && cursor != from) /* nothing new: the search writes nothing */
        rc = sae_db_set_meta_int(store->db, CURSOR_KEY, cursor);
    free(rows);
    return rc;
}

int name_index_catch_up(struct hub_store *store,
                        const unsigned char district_secret[NAME_INDEX_KEY_BYTES],
                        size_t max_values, bool *behind, size_t *opened)
{
    struct catch_up c = {.store = store, .secret = district_secret, .max = max_values};
    int rc = max_values > 0 ? name_fields(&c) : SAE_EINVAL;
    if (rc == 0)
        rc = district_key_public(store, c.public_key);
    if (rc == 0)
        rc = derive_key(district_secret, c.key);
    if (rc == 0)
        rc = hub_store_write(store, catch_up_write, &c);
    sodium_memzero(c.key, sizeof c.key);
    if (rc == 0) {
        *behind = c.behind;
        *opened = c.opened;
    }
    return rc;
}

int name_index_forget(struct hub_store *store, const char *report_id)
{
    static const char sql[] = "DELETE FROM name_index WHERE report_id = ?1";
    const char *const texts[] = {report_id};
    return hub_store_run_texts(store, sql, texts, 1);
}
