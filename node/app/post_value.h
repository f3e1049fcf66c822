/* A report's value as people read it on the post app's pages (post_value.c). */
#ifndef POST_VALUE_H
#define POST_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "app/msg.h"
#include "sae/sae_catalogue.h"

/* Room for the longest value text a page shows in a table cell or a printed line. */
#define POST_VALUE_BYTES 1024u

/* value of field in lang: an enum's or a yes/no's label, a set's labels joined by ", ", an
 * area's name with the one above; anything else (and a code the catalogue does not know)
 * as stored. NULL gives "". Cut to cap - 1 bytes. masked/withheld (report_value's flags):
 * the catalogue's words for a value the reader may not read instead. */
void post_value_text(enum msg_lang lang, const struct sae_field *field, const char *value,
                     bool masked, bool withheld, char *out, size_t cap);

#endif
