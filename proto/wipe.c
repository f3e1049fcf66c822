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

void sae_wipe_free_changes(struct sae_change *changes, size_t count)
{
    for (size_t i = 0; changes && i < count; i++) {
        free(changes[i].kind);
        free(changes[i].field);
        sae_wipe_free_string(changes[i].value);
        sae_wipe_free(changes[i].sealed_value, changes[i].sealed_len);
        sae_wipe_free_string(changes[i].author);
        sae_wipe_free_string(changes[i].note);
        sae_wipe_free_string(changes[i].device);
    }
    free(changes);
}
