/* A report as people read it, assembled from the field names its journal (or the hub's
 * merged state) holds: one value per catalogue field, a set put together from its element
 * fields ("violence_types/sexual" = "1"), and a deprecated field's value shown through the
 * set that replaced it while that set has no element of its own (an old case keeps its type
 * of violence). Both programs' readers, writers and renderers use this one definition. */
#ifndef SAE_VIEW_H
#define SAE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae_catalogue.h"
#include "sae_hlc.h"
#include "sae_validate.h"

/* A set's elements as bits: bit i is the set field's values[i] (at most
 * SAE_SET_VALUES_MAX values). */
typedef uint32_t sae_set_mask;

/* The canonical text of a set: its codes in catalogue order joined by commas ("" when
 * empty), malloc'd. */
int sae_set_format(const struct sae_field *set, sae_set_mask mask, char **out);
/* The mask of a canonical set text (as sae_set_format writes it); SAE_EINVAL otherwise. */
int sae_set_parse(const struct sae_field *set, const char *canonical, sae_set_mask *out);
/* The codes of a canonical set text, in catalogue order, into codes (borrowed from the
 * catalogue) and their number into *count; SAE_EINVAL when it is not one. */
int sae_set_codes(const struct sae_field *set, const char *canonical,
                  const char *codes[SAE_SET_VALUES_MAX], size_t *count);

struct sae_view {
    const struct sae_kind *kind;
    char **values;                /* by field index: canonical text, NULL when unset */
    struct sae_version *versions; /* by field index: the newest version behind the value */
    sae_set_mask *elements;       /* by field index, sets: the elements the view shows */
    bool *legacy;                 /* by field index, sets: shown from a deprecated field,
                                     no element of the set is recorded */
};

/* Index of field in its kind's table. */
size_t sae_field_index(const struct sae_kind *kind, const struct sae_field *field);

int sae_view_init(struct sae_view *view, const struct sae_kind *kind);
/* Adds the current value of one stored field name (a field or "SET/CODE"); value NULL
 * when unset. Names the catalogue does not know (a newer program's, the tombstone) are
 * skipped. */
int sae_view_add(struct sae_view *view, const char *name, const char *value,
                 struct sae_version version);
/* Puts the sets together once every name was added: a set's value is its canonical text,
 * absent when empty; a deprecated field whose value is a code of the set it was replaced
 * by joins that set when the set has no element, and is not shown on its own. */
int sae_view_finish(struct sae_view *view);
void sae_view_free(struct sae_view *view);
/* The value of field in view (NULL when unset). */
const char *sae_view_get(const struct sae_view *view, const char *field_name);

/* What people read beside a canonical value: an enum's Indonesian label, a set's labels
 * ("Fisik, Psikis"), an area's name with the one above ("Sumberanyar (Paiton)", from the
 * built-in list). SAE_ENOTFOUND for other types and values without a label. */
#define SAE_VALUE_LABEL_BYTES 512
int sae_value_label(const struct sae_field *field, const char *value,
                    char out[SAE_VALUE_LABEL_BYTES]);

#endif
