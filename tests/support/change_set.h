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

#endif
