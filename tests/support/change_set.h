/* FIELD=VALUE given to change_input as `sae-node add/edit` would: a sensitive field's value
 * from a file (--set-file), since the command line never takes it as an argument. For the
 * unit tests and benchmarks that build reports through the node's own input code. */
#ifndef CHANGE_SET_H
#define CHANGE_SET_H

#include "cli/change_input.h"

/* change_input_add of CHANGE_SET, or of CHANGE_SET_FILE with a file in /tmp holding the
 * value (removed after) when the field is sensitive. */
int change_set_add(struct node_store *store, struct change_input *input, const char *set,
                   struct sae_message *why);

/* A report of kind with the NULL-terminated sets, written by journal_add as `sae-node add`
 * writes it (its own transaction); its new id in id. */
int change_set_journal_add(struct node_store *store, const struct sae_kind *kind,
                           const char *const *sets, char id[SAE_ID_TEXT_LEN + 1],
                           struct sae_message *why);

#endif
