/* The post's village and the official list of areas (node_village.h). */
#include "store/node_village.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_db.h"
#include "store/node_meta.h"

int node_village_resolve(const char *text, char code[SAE_AREA_CODE_BYTES],
                         struct sae_message *why)
{
    struct sae_area_list list = {0};
    int rc = sae_area_list_builtin(&list);
    if (rc != 0)
        sae_message_set(why, "the built-in list of areas could not be read: %s",
                        sae_error_name(rc));
    if (rc == 0)
        rc = sae_area_resolve_code(&list, text, SAE_AREA_VILLAGE, code, why);
    sae_area_list_free(&list);
    return rc;
}

void node_village_label(const char *stored, char out[SAE_AREA_LABEL_BYTES], bool *listed)
{
    struct sae_area_list list = {0};
    const struct sae_area *area = NULL;
    *listed = false;
    if (sae_area_list_builtin(&list) == 0 && (area = sae_area_find(&list, stored)) != NULL &&
        area->level == SAE_AREA_VILLAGE) {
        sae_area_label(&list, area, out);
        *listed = true;
    } else {
        snprintf(out, SAE_AREA_LABEL_BYTES, "%s", stored);
    }
    sae_area_list_free(&list);
}

static const char village_sql[] = "SELECT value FROM meta WHERE key = '" NODE_META_VILLAGE "'";
static const char set_village_sql[] =
    "UPDATE meta SET value = ?1 WHERE key = '" NODE_META_VILLAGE "'";

int node_village_migrate(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    char name[SAE_AREA_LABEL_BYTES] = "", code[SAE_AREA_CODE_BYTES];
    int rc = sae_db_prepare(db, village_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == SAE_DB_ROW)
        sae_db_column_copy(stmt, 0, name, sizeof name);
    sae_db_finalize(stmt);
    /* No village yet (a journal being created): nothing to resolve. */
    if (rc < 0 || !name[0] || node_village_resolve(name, code, NULL) != 0)
        return rc < 0 ? rc : 0;
    rc = sae_db_prepare(db, set_village_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, code);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_finalize(stmt);
    return rc;
}
