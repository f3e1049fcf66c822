/* Sensitive values in a pull (pull_sealed.h). */
#include "api/pull_sealed.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "sae/sae_wipe.h"
#include "store/sealed_values.h"
#include "store/value_vault.h"

int pull_sealed_value(struct hub_store *store, const struct hub_node *node, int64_t change,
                      bool head, struct sae_change *c)
{
    if (!c->value || !value_vault_field_sealed(c->kind, c->field))
        return 0;
    uint8_t *copy = NULL;
    size_t len = 0;
    int rc = head ? sealed_values_get(store, change, node->id, &copy, &len) : SAE_ENOTFOUND;
    if (rc != 0 && rc != SAE_ENOTFOUND)
        return rc;
    /* What change.value holds of a sensitive field never leaves the hub. */
    sae_wipe_free(c->value, strlen(c->value));
    c->value = NULL;
    c->sealed_value = copy;
    c->sealed_len = len;
    c->withheld = copy == NULL;
    return 0;
}

/* The granted change as the post holds it: report, kind, field, version and its seq. */
static const char grant_change_sql[] =
    "SELECT c.report_id, c.kind, c.field, c.version, c.origin, c.node_seq, "
    PULL_SEALED_HEAD_SQL " FROM change c WHERE c.seq = ?1";

/* *head false: the change is superseded since it was granted (nothing to give). */
static int grant_to_change(struct hub_store *store, struct sealed_grant *g,
                           struct sae_change *c, bool *head)
{
    sqlite3_stmt *stmt = NULL;
    memset(c, 0, sizeof *c);
    int rc = hub_store_prepare(store, grant_change_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, g->change);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0)
        rc = SAE_ECORRUPT; /* a grant of a change the hub does not have */
    const char *id = rc == SAE_DB_ROW ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
    if (rc == SAE_DB_ROW)
        rc = id && sae_id_parse(id, &c->report_id) == 0 ? 0 : SAE_ECORRUPT;
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 1, &c->kind);
    if (rc == 0)
        rc = sae_db_column_dup(stmt, 2, &c->field);
    if (rc == 0 && (!c->kind || !c->field))
        rc = SAE_ECORRUPT;
    if (rc == 0) {
        c->version = (struct sae_version){(sae_hlc)sqlite3_column_int64(stmt, 3),
                                          (uint64_t)sqlite3_column_int64(stmt, 4)};
        c->seq = (uint64_t)sqlite3_column_int64(stmt, 5);
        *head = sqlite3_column_int(stmt, 6) != 0;
        c->sealed_value = g->sealed;
        c->sealed_len = g->len;
        g->sealed = NULL;
    }
    if (stmt)
        sae_db_reset(stmt);
    return rc;
}

static int check_cursor(struct hub_store *store, uint64_t cursor)
{
    int64_t newest = 0;
    int rc = sealed_values_newest_grant(store, &newest);
    return rc == 0 && cursor > (uint64_t)newest ? SAE_EINVAL : rc;
}

int pull_sealed_grants(struct hub_store *store, const struct hub_node *node,
                       uint64_t grant_cursor, size_t max, size_t sealed_room,
                       struct sae_pull_response *r, bool *full)
{
    struct sealed_grant *grants = NULL;
    size_t count = 0, i = 0;
    bool head = false;
    r->next_grant_cursor = grant_cursor;
    int rc = check_cursor(store, grant_cursor);
    if (rc == 0)
        rc = sealed_values_grants_after(store, node->id, (int64_t)grant_cursor, max + 1,
                                        &grants, &count);
    if (rc == 0 && !(r->grants = calloc(max + 1, sizeof *r->grants)))
        rc = SAE_ENOMEM;
    /* A grant waits (the cursor stays before it) until the post has its change, and for the
     * next answer when its sealed bytes would not fit beside what this one holds. */
    for (; rc == 0 && i < count && r->grant_count < max &&
           (uint64_t)grants[i].change <= r->next_cursor; i++) {
        if (grants[i].len > sealed_room && (r->grant_count > 0 || r->change_count > 0))
            break;
        sealed_room -= grants[i].len < sealed_room ? grants[i].len : sealed_room;
        struct sae_change *c = &r->grants[r->grant_count];
        rc = grant_to_change(store, &grants[i], c, &head);
        if (rc == 0 && head)
            r->grant_count++;
        else
            sae_wipe_clear_change(c);
        if (rc == 0)
            r->next_grant_cursor = (uint64_t)grants[i].seq;
    }
    *full = rc == 0 && i < count && (uint64_t)grants[i].change <= r->next_cursor;
    sealed_values_grants_free(grants, count);
    return rc;
}
