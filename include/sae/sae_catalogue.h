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
    SAE_FIELD_SET,       /* any number of the enum values; stored and merged element by
                            element (see "Set fields" below) */
    SAE_FIELD_AREA,      /* a Kemendagri area code of the level in area_level (sae_area.h) */
};

/* What stands while a hard conflict on a field is open, until a coordinator decides
 * (PROTOCOL.md, "Merge policies"). Sequential edits are never affected.
 * SAE_MERGE_LATEST: the latest version (last writer wins).
 * SAE_MERGE_SAFEST: the value of highest safety rank (sae_field_rank), the latest among
 *   values of equal rank: the higher risk, an open status over closed, a withheld consent
 *   over a given one, a recorded set element over its removal. */
enum sae_merge_policy {
    SAE_MERGE_LATEST,
    SAE_MERGE_SAFEST,
};

struct sae_enum_value {
    const char *code;     /* stored and sent on the wire; never translated */
    const char *label_id; /* Indonesian label shown to post staff */
    const char *label_en; /* English label */
    const char *aliases;  /* other forms people type, '|'-separated, lower case ("p|wanita");
                             NULL for none. Input also accepts the code and both labels. */
    int rank;             /* safety rank under SAE_MERGE_SAFEST: higher stands */
    const char *group;    /* a grouping code for reports (a service type's SPM category);
                             NULL for none */
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
    int area_level;                      /* area: enum sae_area_level (district, village) */
    enum sae_merge_policy merge;         /* what stands during a hard conflict */
    bool deprecated;                     /* kept for old data: readable, accepted from older
                                            posts, never written by this version */
    const char *replaced_by;             /* deprecated: the field that holds it now */
    const char *help_id, *help_en;       /* what the field means or governs (consents), for
                                            forms; NULL when the label says it all */
};

struct sae_kind {
    const char *name;
    const char *label_id;
    const char *label_en;
    const char *aliases; /* other names people type, '|'-separated, lower case ("kasus") */
    bool append_only; /* events: never edited after they are recorded */
    const struct sae_field *fields;
    size_t field_count;
};

/* Reserved journal field that marks a report deleted (a tombstone); value "1". */
#define SAE_FIELD_TOMBSTONE "_deleted"

/* Set fields. A set is never stored or sent whole: each element is a field of its own named
 * "FIELD/CODE" (SAE_FIELD_ELEMENT_SEPARATOR) whose value is "1" while the element is in
 * the set and unset when it was removed, so that two posts adding different elements both
 * keep theirs, and adding and removing one element at once is a conflict on that element.
 * Read whole, a set's canonical text is its codes in catalogue order joined by commas
 * ("physical,psychological"); the empty set is "". */
#define SAE_FIELD_ELEMENT_SEPARATOR '/'
#define SAE_FIELD_ELEMENT_PRESENT "1"

/* A field name as journals and the wire carry it: a catalogue field, or one element of a
 * set field. */
struct sae_field_ref {
    const struct sae_field *field;
    const struct sae_enum_value *element; /* the set element, or NULL for a plain field */
};

size_t sae_catalogue_kind_count(void);
const struct sae_kind *sae_catalogue_kind_at(size_t index);

/* Finds a kind or a field by name; 0, or SAE_ENOTFOUND. A kind is also found by its
 * Indonesian name or a common form ("kasus", "rujukan"); fields by their name only. */
int sae_catalogue_find_kind(const char *name, const struct sae_kind **out);
int sae_catalogue_find_field(const struct sae_kind *kind, const char *name,
                             const struct sae_field **out);
/* Resolves a journal or wire field name ("risk_level", "violence_types/sexual"). A set
 * field's own name is not a storable field: SAE_EINVAL. SAE_ENOTFOUND for anything else
 * unknown. */
int sae_catalogue_resolve(const struct sae_kind *kind, const char *name,
                          struct sae_field_ref *out);
/* "violence_types/sexual" into out (at least SAE_FIELD_ELEMENT_NAME_BYTES). */
#define SAE_FIELD_ELEMENT_NAME_BYTES 64
void sae_field_element_name(const struct sae_field *set, const struct sae_enum_value *element,
                            char out[SAE_FIELD_ELEMENT_NAME_BYTES]);

/* The safety rank of a canonical value of field (NULL: unset) under SAE_MERGE_SAFEST:
 * an enum value's rank (unset ranks 0); a bool's "false" 2, unset 1, "true" 0 (a consent
 * withheld stands); a set element present 1, absent 0. 0 for every other field. */
int sae_field_rank(const struct sae_field *field, const struct sae_enum_value *element,
                   const char *value);

/* Whether a field may appear in one-line lists (sae-node list, sae-hub reports list): never
 * a sensitive field, never free text. show prints everything. */
bool sae_field_shown_in_lists(const struct sae_field *field);

/* Name of a field type as used in `fields --json` ("text", "int", ...). */
const char *sae_field_type_name(enum sae_field_type type);

/* Finds an enum (or set) value by its code; NULL when not allowed. */
const struct sae_enum_value *sae_field_find_value(const struct sae_field *field,
                                                  const char *code);

/* Writes the allowed codes of an enum field, comma-separated, into buf (truncated to fit). */
void sae_field_allowed_codes(const struct sae_field *field, char *buf, size_t size);

#endif
