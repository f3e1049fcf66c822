/* Turns --set FIELD=VALUE, --set-file FIELD=PATH, --unset FIELD, --add SET=CODE and
 * --remove SET=CODE options into validated journal changes: catalogue lookup, value
 * validation (labels and common forms accepted), reference prefixes and registration
 * numbers resolved, areas by code or name, old and assigned fields refused, and a sensitive
 * field's value refused as an argument (sae/sae_cli_value.h: from a file or standard input
 * only). */
#ifndef CHANGE_INPUT_H
#define CHANGE_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "store/journal.h"
#include "store/node_store.h"

enum change_op {
    CHANGE_SET,      /* FIELD=VALUE */
    CHANGE_SET_FILE, /* FIELD=PATH, the value is the file's content ("-": standard input) */
    CHANGE_UNSET,    /* FIELD */
    CHANGE_ADD,      /* SET=CODE[,CODE...]: elements added to a set */
    CHANGE_REMOVE,   /* SET=CODE[,CODE...]: elements removed from a set */
};

struct change_input {
    const struct sae_kind *kind;
    struct journal_change changes[SAE_LIMIT_CHANGES_PER_COMMAND];
    size_t count;
    bool stdin_taken; /* standard input gives one value per command */
};

void change_input_init(struct change_input *input, const struct sae_kind *kind);

/* Validates one option and appends it. store resolves reference prefixes. Errors:
 * SAE_EINVAL, SAE_ERANGE, SAE_ETOOBIG, SAE_ENOTFOUND, SAE_EAMBIGUOUS, SAE_EIO; why explains. */
int change_input_add(struct change_input *input, struct node_store *store, enum change_op op,
                     const char *arg, struct sae_message *why);

/* For a new report: adds the catalogue's defaults for fields not given, then checks that
 * every required field is set. */
int change_input_complete(struct change_input *input, struct sae_message *why);

void change_input_free(struct change_input *input);

#endif
