#include "hub_copy_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_envelope.h"
#include "sae/sae_secure_mem.h"
#include "store/hub_enroll.h"
#include "store/storage_key.h"

int hub_copy_world_setup(void **state)
{
    void *unit = NULL;
    unit_setup(&unit);
    struct hub_copy_world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->unit = *(struct unit_fixture *)unit;
    free(unit);
    assert_int_equal(crypto_box_keypair(w->hub_pk, w->hub_sk), 0);
    *state = w;
    return 0;
}

int hub_copy_world_teardown(void **state)
{
    struct hub_copy_world *w = *state;
    hub_copy_world_sign_out(w);
    void *unit = malloc(sizeof w->unit);
    assert_non_null(unit);
    memcpy(unit, &w->unit, sizeof w->unit);
    free(w);
    return unit_teardown(&unit);
}

void hub_copy_world_sign_in(struct hub_copy_world *w)
{
    assert_int_equal(storage_key_unclaimed(w->unit.store, &w->storage_secret), 0);
    node_store_lend_secret(w->unit.store, w->storage_secret);
}

void hub_copy_world_sign_out(struct hub_copy_world *w)
{
    node_store_lend_secret(w->unit.store, NULL);
    sae_secure_free(w->storage_secret);
    w->storage_secret = NULL;
}

void hub_copy_world_save_bundle(struct hub_copy_world *w)
{
    struct hub_link link = {.url = "https://127.0.0.1:1", .certificate = "",
                            .device_index = -1};
    struct sae_message why = {{0}};
    memcpy(link.public_key, w->hub_pk, 32);
    assert_int_equal(sae_origin_from_public_key(w->hub_pk, &link.hub_id), 0);
    snprintf(link.village, sizeof link.village, "%s", w->unit.store->village);
    assert_int_equal(hub_enroll_save(w->unit.store, &link, &why), 0);
}

void hub_copy_world_add_marked_case(struct node_store *store, char id[SAE_ID_TEXT_LEN + 1])
{
    static const char *const sets[] = {"violence_types=physical", "victim_sex=F",
                                       "victim_age=7", "intake_date=2026-11-01",
                                       "victim_name=" HUB_COPY_MARKED,
                                       "narrative=" HUB_COPY_MARKED " kisah", NULL};
    unit_add(store, "case", sets, id);
}
