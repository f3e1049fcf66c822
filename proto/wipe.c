/* Wiping frees (sae_wipe.h). */
#include "sae/sae_wipe.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_wire.h"

void sae_wipe_free(void *bytes, size_t len)
{
    if (!bytes)
        return;
    sodium_memzero(bytes, len);
    free(bytes);
}

void sae_wipe_free_string(char *text)
{
    if (text)
        sae_wipe_free(text, strlen(text));
}

void sae_wipe_clear_change(struct sae_change *c)
{
    free(c->kind);
    free(c->field);
    sae_wipe_free_string(c->value);
    sae_wipe_free(c->sealed_value, c->sealed_len);
    sae_wipe_free(c->group_box, c->group_box_len);
    sae_wipe_free_string(c->author);
    sae_wipe_free_string(c->note);
    sae_wipe_free_string(c->device);
    memset(c, 0, sizeof *c);
}

void sae_wipe_free_changes(struct sae_change *changes, size_t count)
{
    for (size_t i = 0; changes && i < count; i++)
        sae_wipe_clear_change(&changes[i]);
    free(changes);
}
