/* Names on the wire: catalogue kinds and fields, and elements of set fields (FIELD/CODE). */
#include "wire_internal.h"

#include <stdbool.h>
#include <string.h>

#include "sae/sae_catalogue.h"

/* Catalogue names: lower-case ASCII letters, digits and '_', not starting with a digit. */
static bool name_part_ok(const uint8_t *name, size_t len)
{
    if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* A set element's code: 1 or more ASCII letters, digits or '_' (catalogue codes). */
static bool code_part_ok(const uint8_t *code, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = code[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* A name; when element_allowed, also one element of a set field: NAME/CODE ("violence_types/
 * sexual"), the whole within the name limit. */
static int check_name(const uint8_t *name, size_t len, const struct sae_limits *limits,
                      bool element_allowed)
{
    if (len > limits->name_bytes)
        return SAE_WIRE_ELIMIT;
    /* An absent name is a NULL pointer with no bytes: never handed to memchr. */
    const uint8_t *slash = element_allowed && len > 0
                               ? memchr(name, SAE_FIELD_ELEMENT_SEPARATOR, len) : NULL;
    size_t head = slash ? (size_t)(slash - name) : len;
    if (!name_part_ok(name, head) || (slash && !code_part_ok(slash + 1, len - head - 1)))
        return SAE_WIRE_EDECODE;
    return 0;
}

int wire_check_field_name(const uint8_t *name, size_t len, const struct sae_limits *limits)
{
    return check_name(name, len, limits, true);
}

int wire_check_kind_name(const uint8_t *name, size_t len, const struct sae_limits *limits)
{
    return check_name(name, len, limits, false);
}
