/* Why a value stands in a conflict: the field's merge policy in words (PROTOCOL.md,
 * "Merge policies"), built from the catalogue's ranks so that it never disagrees with them. */
#include "render/render.h"

#include <stdio.h>
#include <string.h>

/* Appends text to out (size bytes), cutting what does not fit. */
static void append(char *out, size_t size, const char *text)
{
    size_t used = strlen(out);
    if (used + 1 < size)
        snprintf(out + used, size - used, "%s", text);
}

/* "high > medium > low > (unset)": an enum's values by descending rank, "=" between
 * values of one rank; unset ranks 0. */
static void enum_order(const struct sae_field *field, char *out, size_t size)
{
    int top = 0;
    for (size_t i = 0; i < field->value_count; i++)
        if (field->values[i].rank > top)
            top = field->values[i].rank;
    for (int rank = top; rank >= 0; rank--) {
        bool first = true;
        for (size_t i = 0; i < field->value_count; i++) {
            if (field->values[i].rank != rank)
                continue;
            append(out, size, first ? (out[0] ? " > " : "") : " = ");
            append(out, size, field->values[i].code);
            first = false;
        }
        if (rank == 0) {
            append(out, size, first ? (out[0] ? " > " : "") : " = ");
            append(out, size, "(unset)");
        }
    }
}

const char *hub_policy_name(const struct sae_kind *kind, const char *field_name)
{
    struct sae_field_ref ref;
    if (sae_catalogue_resolve(kind, field_name, &ref) != 0)
        return "latest";
    return ref.field->merge == SAE_MERGE_SAFEST ? "safest" : "latest";
}

void hub_policy_text(const struct sae_kind *kind, const char *field_name, char *out,
                     size_t size)
{
    struct sae_field_ref ref;
    if (size == 0)
        return;
    out[0] = '\0';
    if (sae_catalogue_resolve(kind, field_name, &ref) != 0 ||
        ref.field->merge != SAE_MERGE_SAFEST) {
        snprintf(out, size, "the latest version stands until a coordinator decides");
        return;
    }
    char order[256] = "";
    if (ref.element)
        snprintf(order, sizeof order, "present > absent");
    else if (ref.field->type == SAE_FIELD_BOOL)
        snprintf(order, sizeof order, "false > (unset) > true");
    else
        enum_order(ref.field, order, sizeof order);
    snprintf(out, size, "the safest value stands until a coordinator decides (%s; the "
             "latest among equals)", order);
}
