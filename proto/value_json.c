#include "sae/sae_value_json.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_view.h"

static json_t *set_json(const struct sae_field *field, const char *value)
{
    const char *codes[SAE_SET_VALUES_MAX];
    size_t count = 0;
    json_t *array = sae_set_codes(field, value, codes, &count) == 0 ? json_array() : NULL;
    for (size_t i = 0; array && i < count; i++) {
        if (json_array_append_new(array, json_string(codes[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

json_t *sae_value_json(const struct sae_field *field, const char *value)
{
    if (!value)
        return json_null();
    if (field && field->type == SAE_FIELD_SET)
        return set_json(field, value);
    if (field && field->type == SAE_FIELD_INT)
        return json_integer(strtoll(value, NULL, 10));
    if (field && field->type == SAE_FIELD_BOOL)
        return json_boolean(strcmp(value, "true") == 0);
    return json_string(value);
}
