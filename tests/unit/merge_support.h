/* Helpers for the merge tests: a hub database in a temporary directory, enrolled devices,
 * changes as one command on a post would write them, batches delivered to merge, and a
 * fingerprint of the derived state (winners and open conflicts) that must not depend on
 * the order of delivery. Header-only: every tests/unit .c file is its own binary. */
#ifndef MERGE_SUPPORT_H
#define MERGE_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/hub_store.h"
#include "merge/merge.h"
#include "sae/sae_borrow.h"
#include "sae/sae_catalogue.h"
#include "sae/sae_db.h"
#include "sae/sae_envelope.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* A fixed "now" in 2026, so drift rules are deterministic. */
#define NOW_MS INT64_C(1795958400000)
#define MS(offset) ((sae_hlc)(NOW_MS + (offset)) << 16)

struct device {
    uint64_t id;
    const char *village;
    uint64_t next_seq;
};

struct hub_fixture {
    char dir[64];
    char path[128];
    struct hub_store *store;
    struct device devices[4]; /* A, B, C in Desa Sumberasri; D in Desa Wonokerso */
};

static inline void device_key(uint8_t seed, uint8_t pk[32], uint64_t *id)
{
    uint8_t sk[32], seed_bytes[32];
    memset(seed_bytes, seed, sizeof seed_bytes);
    assert_int_equal(crypto_box_seed_keypair(pk, sk, seed_bytes), 0);
    assert_int_equal(sae_origin_from_public_key(pk, id), 0);
}

static inline int hub_setup(void **state)
{
    static const char *const villages[] = {"Desa Sumberasri", "Desa Sumberasri",
                                           "Desa Sumberasri", "Desa Wonokerso"};
    struct hub_fixture *f = calloc(1, sizeof *f);
    uint8_t pk[32];
    uint64_t hub_id;
    assert_non_null(f);
    assert_int_equal(sodium_init() >= 0, 1);
    snprintf(f->dir, sizeof f->dir, "/tmp/sae-merge-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/hub.db", f->dir);
    device_key(99, pk, &hub_id);
    assert_int_equal(hub_store_create(f->path, "Hub uji", pk, NULL), 0);
    assert_int_equal(hub_store_open(f->path, 1000, &f->store, NULL), 0);
    for (int i = 0; i < 4; i++) {
        struct hub_node node = {.enrolled_ms = NOW_MS};
        device_key((uint8_t)(i + 1), node.public_key, &node.id);
        snprintf(node.village, sizeof node.village, "%s", villages[i]);
        snprintf(node.device_name, sizeof node.device_name, "laptop %c", 'A' + i);
        assert_int_equal(hub_store_node_add(f->store, &node), 0);
        f->devices[i] = (struct device){node.id, villages[i], 1};
    }
    *state = f;
    return 0;
}

static inline int hub_teardown(void **state)
{
    struct hub_fixture *f = *state;
    char path[192];
    hub_store_close(f->store);
    static const char *const files[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
    for (size_t i = 0; i < COUNT(files); i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* One change as a post would send it. value NULL unsets; base_hlc 0 means "none". */
struct test_change {
    int device;        /* index into devices */
    const char *report; /* canonical id */
    const char *kind;
    const char *field;
    const char *value;
    sae_hlc hlc;
    int base_device;   /* -1: no base */
    sae_hlc base_hlc;
    uint64_t seen_cursor;
};

static inline struct sae_change to_wire(struct hub_fixture *f, const struct test_change *t,
                                        uint64_t seq)
{
    struct sae_change c = {0};
    assert_int_equal(sae_id_parse(t->report, &c.report_id), 0);
    c.kind = sae_borrow(t->kind);
    c.field = sae_borrow(t->field);
    c.value = sae_borrow(t->value);
    c.version = (struct sae_version){t->hlc, f->devices[t->device].id};
    if (t->base_device >= 0)
        c.base = (struct sae_version){t->base_hlc, f->devices[t->base_device].id};
    c.seq = seq;
    c.seen_cursor = t->seen_cursor;
    return c;
}

/* Delivers changes (all of one device) as one batch, each with the next seq of its device
 * unless seqs gives them; returns the ack's acked_seq. */
static inline struct merge_outcome deliver_with_seqs(struct hub_fixture *f,
                                                     const struct test_change *changes,
                                                     size_t count, const uint64_t *seqs,
                                                     int64_t now_ms, struct sae_push_ack **ack_out)
{
    struct sae_change wire[16];
    assert_true(count > 0 && count <= COUNT(wire));
    struct device *d = &f->devices[changes[0].device];
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(changes[i].device, changes[0].device);
        wire[i] = to_wire(f, &changes[i], seqs ? seqs[i] : d->next_seq++);
    }
    struct sae_batch batch = {.schema_version = 1, .origin = d->id, .clock = changes[0].hlc,
                              .changes = wire, .change_count = count};
    struct merge_sender sender = {d->id, d->village, 0};
    struct merge_options options = {now_ms, HUB_DRIFT_MS_DEFAULT};
    struct merge_outcome outcome;
    struct sae_push_ack *ack = NULL;
    assert_int_equal(merge_apply_batch(f->store, &sender, &batch, &options, &ack, &outcome), 0);
    assert_non_null(ack);
    if (ack_out)
        *ack_out = ack;
    else
        sae_push_ack_free(ack);
    return outcome;
}

static inline struct merge_outcome deliver(struct hub_fixture *f, const struct test_change *changes,
                                           size_t count)
{
    return deliver_with_seqs(f, changes, count, NULL, NOW_MS, NULL);
}

static inline int64_t hub_count(struct hub_fixture *f, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(sae_db_query_int(f->store->db, sql, NULL, 0, &n), 0);
    return n;
}

/* Appends the rows of a query, one line each, to a growing string. */
static inline void append_rows(struct hub_fixture *f, const char *sql, char **text, size_t *len)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->store->db, sql, -1, &stmt, NULL), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const unsigned char *row = sqlite3_column_text(stmt, 0);
        size_t n = strlen((const char *)row);
        char *grown = realloc(*text, *len + n + 2);
        assert_non_null(grown);
        *text = grown;
        memcpy(*text + *len, row, n);
        (*text)[*len + n] = '\n';
        *len += n + 1;
        (*text)[*len] = '\0';
    }
    sqlite3_finalize(stmt);
}

/* Winners and open conflicts, identified by content (never by hub seq or conflict id,
 * which depend on arrival order). Malloc'd. */
static inline char *state_fingerprint(struct hub_fixture *f)
{
    char *text = calloc(1, 1);
    size_t len = 0;
    assert_non_null(text);
    append_rows(f,
                "SELECT s.report_id || ' ' || s.field || ' = ' || coalesce(c.value, '(unset)')"
                " || ' @' || c.version || '/' || c.origin FROM field_state s"
                " JOIN change c ON c.seq = s.change ORDER BY s.report_id, s.field",
                &text, &len);
    append_rows(f,
                "SELECT 'conflict ' || k.report_id || ' ' || k.field || ' ' || k.severity || ' '"
                " || k.reason || ' [' || (SELECT group_concat(v, ' ') FROM (SELECT c.version ||"
                " '/' || c.origin AS v FROM conflict_candidate x JOIN change c ON c.seq ="
                " x.change WHERE x.conflict = k.id ORDER BY c.version, c.origin)) || ']'"
                " FROM conflict k WHERE k.status = 'open' ORDER BY k.report_id, k.field",
                &text, &len);
    return text;
}

/* The current value of a field ("(unset)" or "(none)"); malloc'd. */
static inline char *winner_value(struct hub_fixture *f, const char *report, const char *field)
{
    sqlite3_stmt *stmt = NULL;
    char *out = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->store->db,
                                        "SELECT coalesce(c.value, '(unset)') FROM field_state s"
                                        " JOIN change c ON c.seq = s.change"
                                        " WHERE s.report_id = ?1 AND s.field = ?2",
                                        -1, &stmt, NULL), SQLITE_OK);
    sqlite3_bind_text(stmt, 1, report, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, field, -1, SQLITE_STATIC);
    out = strdup(sqlite3_step(stmt) == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0)
                                                   : "(none)");
    sqlite3_finalize(stmt);
    assert_non_null(out);
    return out;
}

static inline void assert_winner(struct hub_fixture *f, const char *report, const char *field,
                                 const char *want)
{
    char *got = winner_value(f, report, field);
    if (strcmp(got, want) != 0)
        print_error("%s %s: want %s, got %s\n", report, field, want, got);
    assert_string_equal(got, want);
    free(got);
}

#endif
