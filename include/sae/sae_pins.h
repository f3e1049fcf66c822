/* TLS key pins as posts keep them and libcurl takes them (CURLOPT_PINNEDPUBLICKEY):
 * "sha256//" + standard base64 (with padding) of the SHA-256 of a DER SubjectPublicKeyInfo,
 * several joined by ';'. On the wire (PullResponse.tls_pins) a pin is the 32 raw bytes. */
#ifndef SAE_PINS_H
#define SAE_PINS_H

#include <stddef.h>
#include <stdint.h>

#include "sae_wire.h"

/* One pin as text: "sha256//", 44 characters of base64, NUL. */
#define SAE_PIN_TEXT_BYTES 53u
/* Every pin a post keeps, joined by ';', with the NUL. */
#define SAE_PINS_TEXT_BYTES (SAE_WIRE_TLS_PINS_MAX * SAE_PIN_TEXT_BYTES)

/* The text form of a pin. */
void sae_pin_format(const uint8_t digest[SAE_WIRE_TLS_PIN_BYTES], char out[SAE_PIN_TEXT_BYTES]);

/* Parses a list of 1..max pins joined by ';' (no spaces, no empty entries, each exactly
 * "sha256//" + 44 characters of base64 naming 32 bytes) into out, dropping repeats.
 * SAE_EINVAL for anything else (out and *count untouched). */
int sae_pins_parse(const char *list, uint8_t out[][SAE_WIRE_TLS_PIN_BYTES], size_t max,
                   size_t *count);

/* Joins count pins (1..SAE_WIRE_TLS_PINS_MAX) into out, SAE_PINS_TEXT_BYTES long at least.
 * SAE_EINVAL for a count out of range or a short out. */
int sae_pins_format(const uint8_t pins[][SAE_WIRE_TLS_PIN_BYTES], size_t count, char *out,
                    size_t out_size);

#endif
