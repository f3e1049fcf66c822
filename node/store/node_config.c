/* The post's settings (node_config.h), in the journal's meta table. */
#include "store/node_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_db.h"
#include "store/node_meta.h"
#include "store/node_village.h"

static const char read_sql[] =
    "SELECT (SELECT value FROM meta WHERE key = '" NODE_META_AUTHOR "'),"
    " (SELECT value FROM meta WHERE key = '" NODE_META_DEVICE_NAME "')";
static const char set_text_sql[] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)";

int node_config_read(struct node_store *store, struct node_config *out)
{
    struct node_config c;
    sqlite3_stmt *stmt = NULL;
    memset(&c, 0, sizeof c);
    int rc = sae_db_prepare_cached(store->db, &store->statements, read_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, c.author, sizeof c.author);
        sae_db_column_copy(stmt, 1, c.device_name, sizeof c.device_name);
        rc = 0;
    } else if (rc == 0) {
        rc = SAE_EDB; /* the query always returns a row */
    }
    sae_db_reset(stmt);
    if (rc != 0)
        return rc;
    snprintf(c.village, sizeof c.village, "%s", store->village);
    node_village_label(store->village, c.village_label, &c.village_listed);
    *out = c;
    return 0;
}

static int set_text(struct node_store *store, const char *key, const char *value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sae_db_prepare_cached(store->db, &store->statements, set_text_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, key);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 2, value);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

/* One setting in its own write transaction. */
static int set_alone(struct node_store *store, const char *key, const char *value)
{
    int rc = node_store_begin(store);
    if (rc != 0)
        return rc;
    rc = set_text(store, key, value);
    rc = rc == 0 ? node_store_commit(store) : rc;
    if (rc != 0)
        node_store_rollback(store);
    return rc;
}

int node_config_set_author(struct node_store *store, const char *author)
{
    int rc = node_store_set_author(store, author);
    return rc == 0 ? set_alone(store, NODE_META_AUTHOR, author) : rc;
}

int node_config_set_village(struct node_store *store, const char *text,
                            char code[SAE_AREA_CODE_BYTES], struct sae_message *why)
{
    char label[SAE_AREA_LABEL_BYTES], *copy = NULL;
    bool listed = false;
    node_village_label(store->village, label, &listed);
    if (listed) {
        sae_message_set(why, "this post's village is %s (%s); a post never moves to another "
                        "village: initialise a new directory for another one", label,
                        store->village);
        return SAE_EINVAL;
    }
    int rc = node_village_resolve(text, code, why);
    if (rc == 0 && !(copy = strdup(code)))
        rc = SAE_ENOMEM;
    if (rc == 0)
        rc = set_alone(store, NODE_META_VILLAGE, code);
    if (rc != 0) {
        free(copy);
        return rc;
    }
    free(store->village);
    store->village = copy;
    return 0;
}

int node_config_set_device_name(struct node_store *store, const char *name)
{
    return set_text(store, NODE_META_DEVICE_NAME, name);
}
