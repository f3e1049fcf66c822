/* What a change's value must be beyond the wire's own rules: a value of its catalogue field
 * (hub and post check it before applying), and a value sealed to the hub's key opened. */
#include "wire_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_validate.h"
#include "sae/sae_value_box.h"
#include "sae/sae_wipe.h"

/* The opened bytes become the change's value only when they are what a plain value on the
 * wire may be (no NUL inside: sae_change_check measures values by strlen). */
static int open_one(struct sae_change *c, struct sae_opener *opener,
                    const struct sae_limits *limits)
{
    char *plain = NULL;
    size_t len = 0;
    if (sae_opener_open(opener, c->sealed_value, c->sealed_len, &plain, &len) != 0)
        return SAE_WIRE_EDECODE;
    if (strlen(plain) != len) {
        sae_wipe_free(plain, len);
        return SAE_WIRE_EDECODE;
    }
    unsigned char *sealed = c->sealed_value;
    size_t sealed_len = c->sealed_len;
    c->value = plain;
    c->sealed_value = NULL;
    c->sealed_len = 0;
    int rc = sae_change_check(c, limits);
    if (rc != 0) {
        c->value = NULL;
        c->sealed_value = sealed;
        c->sealed_len = sealed_len;
        sae_wipe_free(plain, len);
        return rc == SAE_WIRE_ELIMIT ? rc : SAE_WIRE_EDECODE;
    }
    sodium_memzero(sealed, sealed_len);
    free(sealed);
    return 0;
}

/* A slot's value from the open box, checked as a plain value on the wire. */
static int take_slot(struct sae_change *c, const struct sae_value_box *box,
                     const struct sae_limits *limits)
{
    if (box->count == 0 || c->box_slot > box->count)
        return SAE_WIRE_EDECODE;
    size_t len = box->lens[c->box_slot - 1];
    if (!(c->value = malloc(len + 1)))
        return SAE_ENOMEM;
    memcpy(c->value, box->values[c->box_slot - 1], len + 1);
    uint32_t slot = c->box_slot;
    c->box_slot = 0; /* the value stands in its place now */
    int rc = sae_change_check(c, limits);
    if (rc != 0) {
        sae_wipe_free_string(c->value);
        c->value = NULL;
        c->box_slot = slot;
        return rc == SAE_WIRE_ELIMIT ? rc : SAE_WIRE_EDECODE;
    }
    return 0;
}

/* A group's box opens once, when its first change comes; its slots follow in the group. */
static int open_box(struct sae_change *c, struct sae_opener *opener, struct sae_value_box *box)
{
    sae_value_box_free(box);
    int rc = sae_value_box_open(opener, c->group_box, c->group_box_len, box);
    if (rc != 0)
        return rc == SAE_ENOMEM ? rc : SAE_WIRE_EDECODE;
    sae_wipe_free(c->group_box, c->group_box_len);
    c->group_box = NULL;
    c->group_box_len = 0;
    return 0;
}

static bool needs_opener(const struct sae_change *c)
{
    return c->sealed_value || c->group_box;
}

int sae_batch_open_sealed(struct sae_batch *batch, const uint8_t public_key[32],
                          const uint8_t secret_key[32], const struct sae_limits *limits)
{
    if (!batch || !public_key || !secret_key || !limits)
        return SAE_EINVAL;
    /* One opener for the batch: the values a post sealed in version 2 share its ephemeral
     * key, so they cost one X25519 together. */
    struct sae_opener *opener = NULL;
    struct sae_value_box box = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < batch->change_count; i++) {
        struct sae_change *c = &batch->changes[i];
        /* A secret that is not the key's opens nothing: as for a value that does not open. */
        if (needs_opener(c) && !opener && (rc = sae_opener_new(public_key, secret_key,
                                                               &opener)) != 0)
            return rc == SAE_EPERM ? SAE_WIRE_EDECODE : rc;
        if (c->group_box)
            rc = open_box(c, opener, &box);
        if (rc == 0 && c->sealed_value)
            rc = open_one(c, opener, limits);
        if (rc == 0 && c->box_slot > 0)
            rc = take_slot(c, &box, limits);
    }
    sae_value_box_free(&box);
    sae_opener_free(opener);
    return rc;
}

int sae_change_check_catalogue(const struct sae_change *change,
                               char message[SAE_CHANGE_MESSAGE_BYTES])
{
    const struct sae_kind *kind;
    const struct sae_field *field;
    struct sae_field_ref ref;
    char why[SAE_VALIDATE_MESSAGE_BYTES], *canonical = NULL;
    message[0] = '\0';
    if (sae_catalogue_find_kind(change->kind, &kind) != 0) {
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "unknown report kind \"%.64s\"", change->kind);
        return SAE_EINVAL;
    }
    if (strcmp(change->field, SAE_FIELD_TOMBSTONE) == 0) {
        if (change->value && strcmp(change->value, "1") == 0)
            return 0;
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "%s: the tombstone's value must be \"1\"",
                 SAE_FIELD_TOMBSTONE);
        return SAE_EINVAL;
    }
    int rc = sae_catalogue_resolve(kind, change->field, &ref);
    if (rc != 0) {
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, rc == SAE_EINVAL
                 ? "%s: the set \"%.64s\" changes element by element (FIELD/CODE)"
                 : "%s has no field \"%.64s\"", kind->name, change->field);
        return SAE_EINVAL;
    }
    field = ref.field;
    if (!change->value)
        return 0;
    size_t len = strlen(change->value);
    rc = sae_validate_ref(&ref, change->value, len, &canonical, why);
    if (rc != 0) {
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "%s", why);
        return SAE_EINVAL;
    }
    /* A writer stores canonical forms only; anything else would diverge between peers. */
    rc = strcmp(canonical, change->value) == 0 ? 0 : SAE_EINVAL;
    if (rc != 0)
        snprintf(message, SAE_CHANGE_MESSAGE_BYTES, "%s: value is not in its canonical form",
                 field->name);
    sodium_memzero(canonical, strlen(canonical));
    free(canonical);
    return rc;
}
