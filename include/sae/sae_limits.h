/* Named limits. Every one is documented in README.md and tested at its edge. */
#ifndef SAE_LIMITS_H
#define SAE_LIMITS_H

/* Longest text value of a field unless the catalogue sets a smaller one (bytes of UTF-8). */
#define SAE_LIMIT_TEXT_BYTES (32 * 1024)
/* Longest village name (bytes of UTF-8). */
#define SAE_LIMIT_VILLAGE_BYTES 100
/* Longest name of a person who makes a change (sae-node --by and config author, sae-hub
 * --by; ChangeGroup.author on the wire), bytes of UTF-8 on one line. */
#define SAE_LIMIT_PERSON_BYTES 100
/* Longest coordinator's note on a resolution (--note; ChangeGroup.note), one line. */
#define SAE_LIMIT_NOTE_BYTES 1000
/* Longest device name given to sae-hub nodes add --name. */
#define SAE_LIMIT_DEVICE_NAME_BYTES 100
/* Most --set/--unset options accepted by one add or edit. */
#define SAE_LIMIT_CHANGES_PER_COMMAND 64
/* Shortest report id prefix accepted in place of a full id. */
#define SAE_LIMIT_ID_PREFIX_MIN 6
/* Text form of a report id: canonical UUID, 36 characters. */
#define SAE_ID_TEXT_LEN 36
/* Dates are accepted from this year to this year, inclusive. */
#define SAE_LIMIT_YEAR_MIN 1900
#define SAE_LIMIT_YEAR_MAX 2100
/* Ages (of victims and perpetrators) are accepted from 0 to this, inclusive. */
#define SAE_LIMIT_AGE_MAX 120

#endif
