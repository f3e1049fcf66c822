#include "store/announced_pins.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_db.h"

int announced_pins_load(struct hub_store *store, char pins[SAE_PINS_TEXT_BYTES],
                        int64_t *since_ms)
{
    sqlite3_stmt *stmt = NULL;
    int err = SAE_ENOTFOUND;
    int rc = hub_store_prepare(store,
                               "SELECT (SELECT value FROM meta WHERE key = 'tls_pins'),"
                               " (SELECT value FROM meta WHERE key = 'tls_pins_since_ms')",
                               &stmt);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        uint8_t parsed[SAE_WIRE_TLS_PINS_MAX][SAE_WIRE_TLS_PIN_BYTES];
        size_t count = 0;
        err = text && sqlite3_column_type(stmt, 1) == SQLITE_INTEGER &&
                      sae_pins_parse((const char *)text, parsed, SAE_WIRE_TLS_PINS_MAX,
                                     &count) == 0
                  ? 0
                  : SAE_ECORRUPT;
        if (err == 0) {
            snprintf(pins, SAE_PINS_TEXT_BYTES, "%s", (const char *)text);
            *since_ms = sqlite3_column_int64(stmt, 1);
        }
    } else if (rc != SQLITE_ROW) {
        err = sae_db_error(rc);
    }
    sqlite3_reset(stmt);
    return err;
}

int announced_pins_save(struct hub_store *store, const char *pins, int64_t since_ms)
{
    uint8_t parsed[SAE_WIRE_TLS_PINS_MAX][SAE_WIRE_TLS_PIN_BYTES];
    size_t count = 0;
    sqlite3_stmt *stmt = NULL;
    if (!pins || sae_pins_parse(pins, parsed, SAE_WIRE_TLS_PINS_MAX, &count) != 0)
        return SAE_EINVAL;
    int rc = hub_store_prepare(store,
                               "INSERT OR REPLACE INTO meta(key, value) VALUES"
                               " ('tls_pins', ?1), ('tls_pins_since_ms', ?2)", &stmt);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, pins, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, since_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
    sqlite3_reset(stmt);
    return rc == SQLITE_OK ? 0 : sae_db_error(rc);
}
