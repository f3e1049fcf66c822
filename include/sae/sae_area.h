/* Administrative areas from the official list (Kemendagri codes): province → regency
 * (kabupaten/kota) → district (kecamatan) → village (desa/kelurahan). Villages are chosen
 * from this list, never typed as free text.
 *
 * Codes: "35" province, "35.13" regency, "35.13.12" district, "35.13.12.2018" village (the
 * last segment starts with 1 for a kelurahan, 2 for a desa). A village code without its dots
 * ("3513122018") is what registration numbers carry.
 *
 * A list is read from CSV with the header `code,parent_code,name` (the shape of the npm
 * package idn-area-data's districts.csv and villages.csv, whose headers name the parent
 * column regency_code or district_code: those are accepted too). The list built into both
 * programs is Kabupaten Probolinggo's (data/villages/35.13.csv, ODbL; see its README). */
#ifndef SAE_AREA_H
#define SAE_AREA_H

#include <stdbool.h>
#include <stddef.h>

#include "sae_error.h"

/* "35.13.12.2018" and its NUL. */
#define SAE_AREA_CODE_BYTES 14
/* Longest area name (bytes of UTF-8). */
#define SAE_AREA_NAME_BYTES 100
/* Most areas in one list: a province's villages (Jawa Timur has about 8,500) with room. */
#define SAE_AREA_LIST_MAX 100000
/* Largest CSV file accepted by sae_area_list_parse. */
#define SAE_AREA_CSV_BYTES (16u * 1024 * 1024)
/* How many near names an error about an unknown name suggests. */
#define SAE_AREA_SUGGESTIONS 3

enum sae_area_level {
    SAE_AREA_PROVINCE = 1,
    SAE_AREA_REGENCY = 2,
    SAE_AREA_DISTRICT = 3, /* kecamatan */
    SAE_AREA_VILLAGE = 4,  /* desa or kelurahan */
};

struct sae_area {
    char code[SAE_AREA_CODE_BYTES];
    char parent[SAE_AREA_CODE_BYTES]; /* the code one level up; "" for a province */
    char *name;
    enum sae_area_level level;
};

struct sae_area_list {
    struct sae_area *items; /* sorted by code, each code once */
    size_t count;
};

/* Canonical dotted form of a code given with or without dots ("3513122018",
 * "35.13.12.2018", surrounding spaces allowed); its level through *level (may be NULL).
 * SAE_EINVAL when text is not a code of one of the four levels. */
int sae_area_code_parse(const char *text, char out[SAE_AREA_CODE_BYTES],
                        enum sae_area_level *level);

/* The code without dots ("3513122018"); out has SAE_AREA_CODE_BYTES. */
void sae_area_code_digits(const char *code, char out[SAE_AREA_CODE_BYTES]);

/* Parses CSV bytes (at most SAE_AREA_CSV_BYTES, UTF-8, LF or CRLF lines, an optional BOM,
 * fields optionally quoted as in RFC 4180; a quote inside an unquoted field is kept as it
 * is, as the official extract has one). Every row's code must be valid, its parent the code
 * one level up, its name 1..SAE_AREA_NAME_BYTES bytes of printable UTF-8 on one line; a
 * code given twice must carry the same name. SAE_EINVAL / SAE_ETOOBIG with why naming the
 * line; *out untouched on failure. */
int sae_area_list_parse(const char *csv, size_t len, struct sae_area_list *out,
                        struct sae_message *why);

/* The list built into the programs (Kabupaten Probolinggo). */
int sae_area_list_builtin(struct sae_area_list *out);

void sae_area_list_free(struct sae_area_list *list);

/* The built-in list, parsed on first use and kept for the life of the process (shared by
 * every reader; never freed). */
int sae_area_list_shared(const struct sae_area_list **out);
/* Whether code (canonical, as sae_area_code_parse writes it) is a row of the built-in list,
 * looked up in its text without parsing the list: for a process that needs one answer
 * (an add's registration number), where the parse was a sixth of its instructions. */
bool sae_area_builtin_has(const char *code);

/* The area with this canonical code, or NULL. */
const struct sae_area *sae_area_find(const struct sae_area_list *list, const char *code);

/* Resolves what a person typed to one area of the given level: a code (with or without
 * dots), or a name compared without case, surrounding or repeated spaces, and a leading
 * "desa", "kelurahan", "kecamatan", "kec." or "kel."; a name shared by several areas may be
 * narrowed by its district or regency after a comma ("Karanganyar, Paiton").
 * SAE_ENOTFOUND (why suggests the nearest names), SAE_EAMBIGUOUS (why lists the
 * candidates with their codes), SAE_EINVAL (a code of another level). */
int sae_area_resolve(const struct sae_area_list *list, const char *text,
                     enum sae_area_level level, const struct sae_area **out,
                     struct sae_message *why);

/* sae_area_resolve, giving the area's code (what is stored and sent). */
int sae_area_resolve_code(const struct sae_area_list *list, const char *text,
                          enum sae_area_level level, char code[SAE_AREA_CODE_BYTES],
                          struct sae_message *why);

/* "Sumberanyar (Paiton)": a village or district with the name of the level above, for
 * people; out has at least 2 * SAE_AREA_NAME_BYTES + 4 bytes. */
#define SAE_AREA_LABEL_BYTES (2 * SAE_AREA_NAME_BYTES + 4)
void sae_area_label(const struct sae_area_list *list, const struct sae_area *area,
                    char out[SAE_AREA_LABEL_BYTES]);

#endif
