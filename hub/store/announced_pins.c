/* The TLS key pins the hub announces to its posts, kept in hub.db's meta table. */
#include "store/announced_pins.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_db.h"
#include "store/hub_meta.h"

static const char load_sql[] =
    "SELECT (SELECT value FROM meta WHERE key = '" HUB_META_TLS_PINS "'),"
    " (SELECT value FROM meta WHERE key = '" HUB_META_TLS_PINS_SINCE_MS "')";
static const char save_sql[] =
    "INSERT OR REPLACE INTO meta(key, value) VALUES ('" HUB_META_TLS_PINS "', ?1),"
    " ('" HUB_META_TLS_PINS_SINCE_MS "', ?2)";
static const char posts_behind_sql[] =
    "SELECT id FROM node WHERE revoked_ms = 0 AND last_seen_ms < ?1 ORDER BY id";

static bool pins_valid(const char *pins)
{
    uint8_t parsed[SAE_WIRE_TLS_PINS_MAX][SAE_WIRE_TLS_PIN_BYTES];
    size_t count = 0;
    return pins && sae_pins_parse(pins, parsed, SAE_WIRE_TLS_PINS_MAX, &count) == 0;
}

int announced_pins_load(struct hub_store *store, char pins[SAE_PINS_TEXT_BYTES],
                        int64_t *since_ms)
{
    sqlite3_stmt *stmt = NULL;
    char text[SAE_PINS_TEXT_BYTES];
    int rc = hub_store_prepare(store, load_sql, &stmt);
    if (rc == 0)
        rc = sae_db_step(stmt);
    if (rc == 0 || (rc == SAE_DB_ROW && sae_db_column_is_null(stmt, 0)))
        rc = SAE_ENOTFOUND;
    if (rc == SAE_DB_ROW) {
        sae_db_column_copy(stmt, 0, text, sizeof text);
        rc = sae_db_column_is_text(stmt, 0) && sae_db_column_is_int(stmt, 1) && pins_valid(text)
                 ? 0 : SAE_ECORRUPT;
        if (rc == 0) {
            memcpy(pins, text, sizeof text);
            *since_ms = sqlite3_column_int64(stmt, 1);
        }
    }
    sae_db_reset(stmt);
    return rc;
}

int announced_pins_save(struct hub_store *store, const char *pins, int64_t since_ms)
{
    sqlite3_stmt *stmt = NULL;
    if (!pins_valid(pins))
        return SAE_EINVAL;
    int rc = hub_store_prepare(store, save_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_text(stmt, 1, pins);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 2, since_ms);
    if (rc == 0)
        rc = sae_db_step_done(stmt);
    sae_db_reset(stmt);
    return rc;
}

int announced_pins_posts_behind(struct hub_store *store, int64_t since_ms, uint64_t *ids,
                                size_t cap, size_t *count)
{
    sqlite3_stmt *stmt = NULL;
    size_t n = 0;
    int rc = hub_store_prepare(store, posts_behind_sql, &stmt);
    if (rc == 0)
        rc = sae_db_bind_int(stmt, 1, since_ms);
    while (rc == 0 && (rc = sae_db_step(stmt)) == SAE_DB_ROW) {
        if (n < cap)
            ids[n] = (uint64_t)sqlite3_column_int64(stmt, 0);
        n++;
        rc = 0;
    }
    sae_db_reset(stmt);
    if (rc == 0)
        *count = n;
    return rc;
}
