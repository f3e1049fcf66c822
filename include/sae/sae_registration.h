/* Case registration numbers people can say and write: the post's village code without
 * dots, the intake year and the post's own sequence of that year, 4 digits or more,
 * optionally followed by the device letter the district gives a village's second and later
 * devices: "3513122018-2026-0042", "3513122018-2026-0007B". Assigned by sae-node when a
 * case is recorded, without asking anyone; the report id stays the machine's key. */
#ifndef SAE_REGISTRATION_H
#define SAE_REGISTRATION_H

#include <stdint.h>

#include "sae_error.h"

/* Room for a number and its NUL (the catalogue's registration_number holds at most 32). */
#define SAE_REGISTRATION_BYTES 33
/* The village part: 10 digits. */
#define SAE_REGISTRATION_PREFIX_DIGITS 10
/* The sequence is written with at least this many digits. */
#define SAE_REGISTRATION_SEQ_DIGITS 4
/* Highest sequence number of one post in one year. */
#define SAE_REGISTRATION_SEQ_MAX 99999999LL
/* Longest device letter part ("B" .. "Z", then "BA" ...). */
#define SAE_REGISTRATION_SUFFIX_MAX 3

struct sae_registration {
    char prefix[SAE_REGISTRATION_PREFIX_DIGITS + 1];
    int year;
    long long seq;
    char suffix[SAE_REGISTRATION_SUFFIX_MAX + 1]; /* upper-case letters, "" for none */
};

/* The village part of a post's numbers: the digits of its village's code when village (a
 * code or a name) resolves to one village of the built-in list; otherwise "00" followed by
 * 8 digits of the device id (no province has code 00, so it never takes a real village's
 * number). */
int sae_registration_prefix(const char *village, uint64_t origin,
                            char out[SAE_REGISTRATION_PREFIX_DIGITS + 1]);

/* The text of a number; SAE_ERANGE for a year outside 1900..2100 or a sequence outside
 * 1..SAE_REGISTRATION_SEQ_MAX, SAE_EINVAL for a malformed prefix or suffix. */
int sae_registration_format(const struct sae_registration *number,
                            char out[SAE_REGISTRATION_BYTES]);

/* Reads a number as people type it (spaces around it, the letter in either case);
 * SAE_EINVAL when text is not one. */
int sae_registration_parse(const char *text, struct sae_registration *out);

/* The device letter of the n-th device of a village (0: "", 1: "B", ..., 25: "Z", 26: "BA");
 * out has SAE_REGISTRATION_SUFFIX_MAX + 1 bytes. SAE_ERANGE when it would not fit. */
int sae_registration_suffix(unsigned n, char out[SAE_REGISTRATION_SUFFIX_MAX + 1]);

#endif
