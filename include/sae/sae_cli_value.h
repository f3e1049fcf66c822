/* Field values given to sae-node and sae-hub commands. A value of a field the catalogue marks
 * sensitive (a survivor's name, contact, story, notes) never comes as a command-line
 * argument: arguments show to every user of the computer in `ps` and stay in the shell's
 * history. Such a value comes from a file (FIELD=PATH) or from standard input (FIELD=-),
 * which on a terminal is a prompt that does not echo what is typed, as git credential,
 * pass and gpg --passphrase-fd take secrets. For the command layers only: the prompt is
 * printed on stderr. */
#ifndef SAE_CLI_VALUE_H
#define SAE_CLI_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"

/* The source that means standard input. */
#define SAE_CLI_VALUE_STDIN "-"

/* SAE_EINVAL, why saying how to give it instead, when field is sensitive: its value came
 * as the argument of option (e.g. "--set"); file_option is the option that reads a file or
 * standard input, taking FIELD=PATH when names_field ("--set-file"), else PATH alone
 * ("--value-file"). 0 for any other field. */
int sae_cli_value_refuse_argument(const struct sae_field *field, const char *option,
                                  const char *file_option, bool names_field,
                                  struct sae_message *why);

/* Reads a value of field from source: a file's whole content, or SAE_CLI_VALUE_STDIN for
 * standard input (its whole content; on a terminal one line typed after a prompt on stderr,
 * without echo, its line break dropped). At most the field's longest value (its max_bytes,
 * else SAE_LIMIT_TEXT_BYTES) is read, and one byte more, so that validation refuses an
 * oversized value by its size without reading it all. out is malloc'd and NUL-terminated
 * (a NUL inside stays, for validation to refuse). SAE_EIO when the source cannot be read. */
int sae_cli_value_read(const struct sae_field *field, const char *source, char **out,
                       size_t *len, struct sae_message *why);

#endif
