#ifndef SAE_VALUE_JSON_H
#define SAE_VALUE_JSON_H

#include <jansson.h>

#include "sae/sae_catalogue.h"

/* A field's canonical value as JSON, the same at the post and the hub: a set as the array of
 * its codes in catalogue order, an int as a number, a bool as true/false, anything else (and
 * a field the program does not know, field NULL) as a string; value NULL (unset) is null.
 * NULL when memory runs out. */
json_t *sae_value_json(const struct sae_field *field, const char *value);

#endif
