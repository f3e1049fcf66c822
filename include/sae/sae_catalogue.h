/* The catalogue of report kinds and their fields: the single table both sae-node and
 * sae-hub validate against. Categories follow SIMFONI-PPA (Indonesia's national recording
 * system for violence against women and children); referral results follow Primero/GBVIMS. */
#ifndef SAE_CATALOGUE_H
#define SAE_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>

enum sae_field_type {
    SAE_FIELD_TEXT,
    SAE_FIELD_INT,
    SAE_FIELD_DATE,
    SAE_FIELD_ENUM,
    SAE_FIELD_BOOL,
    SAE_FIELD_REFERENCE, /* the id of another report, of the kind named in ref_kind */
};

struct sae_enum_value {
    const char *code;     /* stored and sent on the wire; never translated */
    const char *label_id; /* Indonesian label shown to post staff */
    const char *label_en; /* English label */
};

struct sae_field {
    const char *name;
    enum sae_field_type type;
    const char *label_id;
    const char *label_en;
    bool required;                       /* must be set when a report is added */
    bool sensitive;                      /* identifies or describes a survivor */
    bool multiline;                      /* text that may hold line breaks */
    size_t max_bytes;                    /* text: longest value in bytes of UTF-8 */
    long long min_value, max_value;      /* int: inclusive range */
    const struct sae_enum_value *values; /* enum: allowed values */
    size_t value_count;
    const char *ref_kind;                /* reference: kind of the report referred to */
    const char *default_value;           /* set on add when not given; NULL for none */
};

struct sae_kind {
    const char *name;
    const char *label_id;
    const char *label_en;
    bool append_only; /* events: never edited after they are recorded */
    const struct sae_field *fields;
    size_t field_count;
};

/* Reserved journal field that marks a report deleted (a tombstone); value "1". */
#define SAE_FIELD_TOMBSTONE "_deleted"

size_t sae_catalogue_kind_count(void);
const struct sae_kind *sae_catalogue_kind_at(size_t index);

/* Finds a kind or a field by name; 0, or SAE_ENOTFOUND. */
int sae_catalogue_find_kind(const char *name, const struct sae_kind **out);
int sae_catalogue_find_field(const struct sae_kind *kind, const char *name,
                             const struct sae_field **out);

/* Whether a field may appear in one-line lists (sae-node list, sae-hub reports list): never
 * a sensitive field, never free text. show prints everything. */
bool sae_field_shown_in_lists(const struct sae_field *field);

/* Name of a field type as used in `fields --json` ("text", "int", ...). */
const char *sae_field_type_name(enum sae_field_type type);

/* Finds an enum value by its code; NULL when not allowed. */
const struct sae_enum_value *sae_field_find_value(const struct sae_field *field,
                                                  const char *code);

/* Writes the allowed codes of an enum field, comma-separated, into buf (truncated to fit). */
void sae_field_allowed_codes(const struct sae_field *field, char *buf, size_t size);

#endif
