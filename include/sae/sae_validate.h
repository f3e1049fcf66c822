/* Validation of field values against the catalogue. Every byte comes from a user or the
 * network, so nothing is trusted: lengths are checked before anything else. */
#ifndef SAE_VALIDATE_H
#define SAE_VALIDATE_H

#include <stddef.h>

#include "sae_catalogue.h"

/* Room for the longest validation message, including the value excerpt it quotes. */
#define SAE_VALIDATE_MESSAGE_BYTES 512

/* Checks value (len bytes, not necessarily NUL-terminated) against field and writes its
 * canonical text form into *canonical (malloc'd, NUL-terminated; caller frees).
 * Canonical forms: enum code, int in decimal without sign '+' or leading zeros, date
 * YYYY-MM-DD, bool "true"/"false", reference as a lower-case UUID, set as its codes in
 * catalogue order joined by commas, area as its dotted Kemendagri code.
 * Input forms people use are accepted too: an enum or set value by its code, either label
 * or an alias, without case and with spaces as typed ("perempuan", "P" and "F" are F);
 * dates also as DD-MM-YYYY and DD/MM/YYYY; bools also as yes/no, ya/tidak, 1/0. An area
 * is given by its code here (names are resolved by the programs against their list of
 * areas, sae_area_resolve). On failure returns SAE_EINVAL, SAE_ERANGE or SAE_ETOOBIG and
 * writes a one-line explanation naming what is allowed into message. */
int sae_validate_value(const struct sae_field *field, const char *value, size_t len,
                       char **canonical, char message[SAE_VALIDATE_MESSAGE_BYTES]);

/* The same for a journal or wire field name: a set element's value is
 * SAE_FIELD_ELEMENT_PRESENT ("1"); other fields as sae_validate_value. */
int sae_validate_ref(const struct sae_field_ref *ref, const char *value, size_t len,
                     char **canonical, char message[SAE_VALIDATE_MESSAGE_BYTES]);

/* Most values a set field's catalogue entry may list. */
#define SAE_SET_VALUES_MAX 32
/* Longest text of a set as given (every value by its longest form, with commas and
 * spaces); a set's canonical text is shorter than any of its values' forms put together. */
#define SAE_SET_TEXT_BYTES 1024

/* 0 when buf holds well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF) and no NUL byte; SAE_EINVAL otherwise. */
int sae_utf8_check(const char *buf, size_t len);

/* 0 when text (NUL-terminated) is a usable single-line name of 1..max_bytes bytes:
 * valid UTF-8 without control characters. */
int sae_validate_name(const char *text, size_t max_bytes);

#endif
