/* Helpers for the merge tests: a hub database in a temporary directory, enrolled devices,
 * changes as one command on a post would write them, batches delivered to merge, and a
 * fingerprint of the derived state (winners and open conflicts) that must not depend on
 * the order of delivery.
 * Built into libsae-test.a; failures are cmocka assertions. */
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

/* The villages of the fixture's devices, by their codes in the official list. */
#define VILLAGE_SUMBERANYAR "35.13.12.2018"
#define VILLAGE_KALIBUNTU "35.13.14.2016"
#define VILLAGE_JABUNGSISIR "35.13.12.2001"

struct device {
    uint64_t id;
    const char *village;
    uint64_t next_seq;
};

struct hub_fixture {
    char dir[64];
    char path[128];
    struct hub_store *store;
    struct device devices[4]; /* A, B, C in Sumberanyar; D in Kalibuntu */
    unsigned char *district_secret; /* lent to store: reads open sealed values, as a
                                       coordinator's do */
};

/* A device's key pair made from seed (the same seed, the same key), and its origin id. */
void device_key(uint8_t seed, uint8_t pk[crypto_box_PUBLICKEYBYTES], uint64_t *id);

/* A hub.db with the fixture's devices, its district key made (as init does) and its secret
 * lent to the store; hub_setup_bare: without the district key (a hub from before). */
int hub_setup(void **state);
int hub_setup_bare(void **state);

int hub_teardown(void **state);

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

/* Delivers changes (all of one device) as one batch, each with the next seq of its device
 * unless seqs gives them; returns the ack's acked_seq. */
struct merge_outcome deliver_with_seqs(struct hub_fixture *f,
                                       const struct test_change *changes,
                                       size_t count, const uint64_t *seqs,
                                       int64_t now_ms, struct sae_push_ack **ack_out);

struct merge_outcome deliver(struct hub_fixture *f, const struct test_change *changes,
                             size_t count);

/* One report's fields ("name=value", NULL-terminated, at most 16) as one batch of device,
 * each later call at a later version; every change must be applied. */
void deliver_fields(struct hub_fixture *f, int device, const char *id, const char *kind,
                    const char *const *fields);

int64_t hub_count(struct hub_fixture *f, const char *sql);

/* Winners, open conflicts and open reviews, identified by content (never by hub seq or conflict id,
 * which depend on arrival order). Malloc'd. */
char *state_fingerprint(struct hub_fixture *f);

void assert_winner(struct hub_fixture *f, const char *report, const char *field,
                   const char *want);

/* The last review row of report's field as "open|closed STANDING LATEST" (values, "-" for
 * unset; "none" when the field was never reviewed) must be want. */
void assert_review(struct hub_fixture *f, const char *report, const char *field,
                   const char *want);

/* SQL that takes a hub.db of this schema back to how schema 16 kept its reports (before
 * migration 17 numbered them), for tests that roll a hub back to an older schema and open it
 * again: reports keyed by id, winners in field_state, change_by_field on the id. */
#define UNDO_HUB_MIGRATION_17_SQL                                                           \
    "DROP VIEW field_state;"                                                                \
    "CREATE TABLE field_state(report_id TEXT NOT NULL, field TEXT NOT NULL,"               \
    " change INTEGER NOT NULL, heads INTEGER NOT NULL DEFAULT 1,"                          \
    " PRIMARY KEY(report_id, field)) STRICT, WITHOUT ROWID;"                                \
    "INSERT INTO field_state SELECT r.id, w.field, w.change, w.heads FROM field_winner w"  \
    " JOIN report r ON r.no = w.report_no;"                                                 \
    "DROP TABLE field_winner;"                                                              \
    "DROP INDEX change_by_field;"                                                           \
    "CREATE INDEX change_by_field ON change(report_id, field);"                             \
    "ALTER TABLE change DROP COLUMN report_no;"                                             \
    "ALTER TABLE report RENAME TO report_17;"                                               \
    "CREATE TABLE report(id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL,"                \
    " village TEXT NOT NULL, first_change INTEGER NOT NULL) STRICT, WITHOUT ROWID;"        \
    "INSERT INTO report SELECT id, kind, village, first_change FROM report_17;"             \
    "DROP TABLE report_17;"                                                                 \
    "CREATE INDEX report_by_village ON report(village, first_change);"                      \
    "CREATE INDEX report_by_kind_village ON report(kind, village);"

#endif
